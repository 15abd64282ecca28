package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// logRecord collects, while a request runs, what its access-log line needs.
type logRecord struct {
	start        time.Time
	dispatched   time.Time
	received     int64
	priority     int // -2 unset ("-"), -1 error, 0 default, 1..50000
	action       string
	redirectURL  string
	group        string
	target       netip.AddrPort // the chosen target; formatted only for the log
	traceID      string
	targetStatus int
	clientClosed bool
	// desync is the request's classification (fields 28-29).
	desync Classification

	// The request as received, filled by the engine.
	method, uri, proto, host, remote, userAgent string
	client                                      netip.AddrPort
	// status is the status sent to the client (101 for an upgrade); sent
	// the response bytes sent (sent_bytes).
	status int
	sent   int64
}

// remoteAddr returns the client address as "ip:port".
func (rec *logRecord) remoteAddr() string {
	if rec.remote == "" && rec.client.IsValid() {
		return rec.client.String()
	}
	return rec.remote
}

// newLogRecord starts the record of a request received at now.
func newLogRecord(in *inbound, now time.Time) logRecord {
	return logRecord{start: now, received: in.size, priority: -2,
		method: in.method, uri: in.uri, proto: in.proto, host: in.host, remote: in.remote, userAgent: in.userAgent, client: in.client}
}

// accessLogs writes the access logs (§6) of the load balancers that have
// access_logs.s3.enabled: one file per load balancer under dir, named
// "<lb-name>.<lb-id>.log" instead of the S3 key of §6 (local emulation: one
// file, never rotated, uncompressed). The set of open files is swapped at
// Publish (copy-on-write), so a request never waits on Publish; each file
// has its own lock so lines never interleave.
type accessLogs struct {
	dir   string
	log   *slog.Logger
	files atomic.Pointer[map[string]*logFile] // by load balancer ARN
}

type logFile struct {
	mu sync.Mutex
	f  *os.File
}

func newAccessLogs(dir string, log *slog.Logger) *accessLogs {
	a := &accessLogs{dir: dir, log: log}
	a.files.Store(&map[string]*logFile{})
	return a
}

// retain opens the files of the load balancers of rt that log and closes
// the others. Called by Publish only.
func (a *accessLogs) retain(rt *routes) {
	if a.dir == "" {
		return
	}
	cur := *a.files.Load()
	next := map[string]*logFile{}
	for _, lr := range rt.listeners {
		lb := lr.ls.LoadBalancer
		if !lb.Attributes.AccessLogsEnabled {
			continue
		}
		if _, ok := next[lb.LoadBalancerARN]; ok {
			continue
		}
		if lf := cur[lb.LoadBalancerARN]; lf != nil {
			next[lb.LoadBalancerARN] = lf
			continue
		}
		name := strings.ReplaceAll(lr.lbID, "/", ".") + ".log"
		f, err := os.OpenFile(filepath.Join(a.dir, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			a.log.Error("open access log", "lb", lb.LoadBalancerARN, "err", err)
			continue
		}
		next[lb.LoadBalancerARN] = &logFile{f: f}
	}
	a.files.Store(&next)
	for arn, lf := range cur {
		if next[arn] != lf {
			lf.close()
		}
	}
}

func (lf *logFile) close() error {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	return lf.f.Close()
}

// close closes every file.
func (a *accessLogs) close() error {
	var errs []error
	for _, lf := range *a.files.Swap(&map[string]*logFile{}) {
		errs = append(errs, lf.close())
	}
	return errors.Join(errs...)
}

// enabled reports whether lr's load balancer writes an access log.
func (a *accessLogs) enabled(lr *listenerRoute) bool {
	return (*a.files.Load())[lr.ls.LoadBalancer.LoadBalancerARN] != nil
}

// write appends the line of one finished request, if its load balancer
// logs.
func (a *accessLogs) write(lr *listenerRoute, rec *logRecord, now func() time.Time) {
	lf := (*a.files.Load())[lr.ls.LoadBalancer.LoadBalancerARN]
	if lf == nil {
		return
	}
	line := formatLogLine(lr, rec, now())
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if _, err := lf.f.WriteString(line); err != nil && !errors.Is(err, os.ErrClosed) {
		a.log.Error("write access log", "err", err)
	}
}

// formatLogLine renders the 29 fields of §6 for a request that ended at
// end. Processing times: request = received to dispatched, target =
// dispatched to end (the response streamed back through the proxy, so the
// split between target and response time is not observable with the
// standard engine; response time is written as 0.000).
func formatLogLine(lr *listenerRoute, rec *logRecord, end time.Time) string {
	typ := "http"
	if lr.proto == elb.ProtocolHTTPS {
		typ = "https"
	}
	if rec.status == http.StatusSwitchingProtocols {
		typ = "ws"
		if lr.proto == elb.ProtocolHTTPS {
			typ = "wss"
		}
	}
	status := rec.status
	if rec.clientClosed {
		status = StatusClientClosed
	}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	quote := func(s string) string { return strconv.Quote(dash(s)) }
	target := ""
	if rec.target.IsValid() {
		target = rec.target.String()
	}
	reqTime, tgtTime, respTime := "-1", "-1", "-1"
	if !rec.dispatched.IsZero() {
		reqTime = secs(rec.dispatched.Sub(rec.start))
		if rec.targetStatus != 0 {
			tgtTime = secs(end.Sub(rec.dispatched))
			respTime = "0.000"
		}
	}
	tStatus := "-"
	if rec.targetStatus != 0 {
		tStatus = strconv.Itoa(rec.targetStatus)
	}
	priority := "-"
	if rec.priority >= -1 {
		priority = strconv.Itoa(rec.priority)
	}
	host, _ := splitHostPort(rec.host)
	scheme := strings.ToLower(string(lr.proto))
	request := fmt.Sprintf("%s %s://%s:%d%s %s", rec.method, scheme, host, lr.port, rec.uri, rec.proto)
	if rec.method == "" {
		// A request the engine could not parse (unconfirmed: ALB's
		// exact rendering of a malformed request line).
		request = "- - -"
	}
	// §6 fields 28-29: "-" for a compliant request.
	classification, reason := `"-"`, `"-"`
	if rec.desync.Class != DesyncCompliant {
		classification, reason = strconv.Quote(rec.desync.Class.String()), strconv.Quote(rec.desync.Reason.String())
	}
	ua := rec.userAgent
	if len(ua) > 8192 {
		ua = ua[:8192]
	}
	fields := []string{
		typ,
		end.UTC().Format(logTimeFormat),
		lr.lbID,
		dash(rec.remoteAddr()),
		dash(target),
		reqTime, tgtTime, respTime,
		strconv.Itoa(status),
		tStatus,
		strconv.FormatInt(rec.received, 10),
		strconv.FormatInt(rec.sent, 10),
		strconv.Quote(request),
		quote(ua),
		"-", "-",
		dash(rec.group),
		quote(rec.traceID),
		`"-"`, `"-"`,
		priority,
		rec.start.UTC().Format(logTimeFormat),
		quote(rec.action),
		quote(rec.redirectURL),
		`"-"`,
		quote(target),
		quote(strings.TrimPrefix(tStatus, "-")),
		classification, reason,
	}
	return strings.Join(fields, " ") + "\n"
}

// logTimeFormat is ISO 8601 UTC with microseconds (§6).
const logTimeFormat = "2006-01-02T15:04:05.000000Z"

// secs formats a duration as seconds with millisecond precision.
func secs(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}
