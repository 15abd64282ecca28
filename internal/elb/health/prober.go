package health

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// UserAgent is the User-Agent of every health check request (§1.2).
const UserAgent = "ELB-HealthChecker/2.0"

// ProbeRequest describes one health check of one target.
type ProbeRequest struct {
	Target elb.TargetDescription
	// Port is the resolved health check port (traffic-port already applied).
	Port     int
	Protocol elb.Protocol
	// Path is HealthCheckPath, possibly with a query.
	Path    string
	Timeout time.Duration
	Codes   elb.CodeSet
}

// Prober performs one health check. Implementations must return within
// req.Timeout (or when ctx ends) and classify failures as §1.2 does.
type Prober interface {
	Probe(ctx context.Context, req ProbeRequest) Result
}

// ProberFunc adapts a function to Prober.
type ProberFunc func(ctx context.Context, req ProbeRequest) Result

// Probe calls f.
func (f ProberFunc) Probe(ctx context.Context, req ProbeRequest) Result { return f(ctx, req) }

// HTTPProber checks targets the way an ALB node does (§1.2): a GET of the
// health check path over a NEW connection for every check, closed after the
// answer ("Connection: close"), with "Host: <target-ip>:<port>" and
// "User-Agent: ELB-HealthChecker/2.0"; no proxy, no Accept-Encoding,
// HTTP/1.1 only, redirects not followed, and for HTTPS checks the target's
// certificate is not verified (ALB does not verify it either). A status in
// the matcher before the timeout passes; otherwise:
//
//	no answer within the timeout                 → Target.Timeout
//	connect refused/reset, malformed response    → Target.FailedHealthChecks
//	status outside the matcher                   → Target.ResponseCodeMismatch [code]
//	target ID that Resolve cannot map             → Elb.InternalError
//
// Each check is one dial, one request written and one response head read
// on the caller's goroutine: an http.Transport would add a dial goroutine
// and a read and a write loop per connection, which for a connection used
// once is pure cost (a thousand targets are a thousand checks per
// interval).
//
// The zero value is ready to use and safe for concurrent use.
type HTTPProber struct {
	// Resolve maps a target ID to the IP address to connect to. Nil means
	// the ID is an IP address (target type ip); instance targets need a
	// resolver that knows where each container instance listens.
	Resolve func(id string) (netip.Addr, error)
}

// tlsConfig is the client configuration of HTTPS checks.
var tlsConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // ALB does not verify target certificates

// Probe performs one check. It never returns an error: every failure is a
// Result.
func (p *HTTPProber) Probe(ctx context.Context, req ProbeRequest) Result {
	addr, err := p.resolve(req.Target.ID)
	if err != nil {
		return Fail(elb.TargetHealthReasonInternalError)
	}
	hostPort := net.JoinHostPort(addr.String(), strconv.Itoa(req.Port))
	scheme := "http"
	if req.Protocol == elb.ProtocolHTTPS {
		scheme = "https"
	}
	ctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+hostPort+req.Path, nil)
	if err != nil {
		return Fail(elb.TargetHealthReasonInternalError)
	}
	hreq.Host = hostPort // §1.2: Host is the target's IP and health check port
	hreq.Header.Set("User-Agent", UserAgent)
	hreq.Close = true // §1.2: the LB closes the health check connection after each check

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", hostPort)
	if err != nil {
		return classify(ctx, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	if scheme == "https" {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return classify(ctx, err)
		}
		conn = tc
	}
	if err := hreq.Write(conn); err != nil {
		return classify(ctx, err)
	}
	// Only the status line and headers count; the body is not read.
	resp, err := http.ReadResponse(bufio.NewReader(conn), hreq)
	if err != nil {
		return classify(ctx, err)
	}
	if !req.Codes.Contains(resp.StatusCode) {
		return FailCode(resp.StatusCode)
	}
	return Pass()
}

func (p *HTTPProber) resolve(id string) (netip.Addr, error) {
	if p.Resolve != nil {
		return p.Resolve(id)
	}
	a, err := netip.ParseAddr(id)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve target %s: %w", id, err)
	}
	return a, nil
}

// classify maps a transport error to the §1.2 reason: the check's own
// deadline is a timeout; everything else (refused, reset, malformed
// response) is a failed check.
func classify(ctx context.Context, err error) Result {
	var ne net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()) {
		return Fail(elb.TargetHealthReasonTimeout)
	}
	return Fail(elb.TargetHealthReasonFailedHealthChecks)
}
