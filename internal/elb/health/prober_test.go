package health

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// seenRequest is what a test server observed of one health check.
type seenRequest struct {
	method, path, proto, host, userAgent, acceptEncoding string
	close                                                bool
}

// testServer is an httptest server on 127.0.0.1 that records requests and
// counts the connections opened to it.
type testServer struct {
	*httptest.Server
	mu    sync.Mutex
	seen  []seenRequest
	conns int
}

func (s *testServer) requests() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenRequest(nil), s.seen...)
}

func (s *testServer) newConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

func (s *testServer) target() elb.TargetDescription {
	return elb.TargetDescription{ID: "127.0.0.1", Port: s.port()}
}

func (s *testServer) port() int {
	return s.Listener.Addr().(*net.TCPAddr).Port
}

func startServer(t *testing.T, tls bool, h http.HandlerFunc) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, seenRequest{
			method: r.Method, path: r.URL.RequestURI(), proto: r.Proto, host: r.Host,
			userAgent: r.UserAgent(), acceptEncoding: r.Header.Get("Accept-Encoding"), close: r.Close,
		})
		s.mu.Unlock()
		h(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
	}
	if tls {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// hangServer answers nothing until the client gives up.
func hangServer(t *testing.T) *testServer {
	release := make(chan struct{})
	s := startServer(t, false, func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before s.Close
	return s
}

// closedPort returns a port on 127.0.0.1 that refuses connections.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// garbageServer answers every connection with bytes that are not HTTP.
func garbageServer(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n\r\n"))
			conn.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestCheckRoundAgainstRealServers runs two synchronous rounds (what Run
// does per interval, minus the goroutine) against real servers: healthy,
// 500, hanging past the timeout, and a closed port. Two rounds are needed for
// the failures to reach UnhealthyThresholdCount 2.
func TestCheckRoundAgainstRealServers(t *testing.T) {
	ok := startServer(t, false, status(http.StatusOK))
	bad := startServer(t, false, status(http.StatusInternalServerError))
	hang := hangServer(t)
	closed := elb.TargetDescription{ID: "127.0.0.1", Port: closedPort(t)}

	c, clock, _ := newTestChecker(t, refTG(t), &HTTPProber{})
	// The group's timeout is 5 s; shrink it in this internal test to the
	// minimum valid, 2 s, so the hanging target costs less per round while
	// the healthy one still has ample time to answer on a busy machine.
	c.mu.Lock()
	c.cfg.timeout = 2 * time.Second
	c.mu.Unlock()
	c.SetInUse(true)
	if err := c.Register(ok.target(), bad.target(), hang.target(), closed); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		c.tick(context.Background(), clock.Now())
		clock.Advance(6 * time.Second)
	}

	snap := c.Snapshot()
	tests := []struct {
		name   string
		target elb.TargetDescription
		want   elb.TargetHealth
	}{
		{"Healthy", ok.target(), elb.Healthy},
		{"ResponseCodeMismatch", bad.target(), elb.TargetHealth{State: "unhealthy", Reason: "Target.ResponseCodeMismatch", Description: "Health checks failed with these codes: [500]"}},
		{"Timeout", hang.target(), elb.TargetHealth{State: "unhealthy", Reason: "Target.Timeout", Description: "Request timed out"}},
		{"ConnectionRefused", closed, elb.TargetHealth{State: "unhealthy", Reason: "Target.FailedHealthChecks", Description: "Health checks failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := snap.Health(tt.target); got != tt.want {
				t.Errorf("health = %+v; want %+v", got, tt.want)
			}
		})
	}

	t.Run("RequestShape", func(t *testing.T) {
		reqs := ok.requests()
		if len(reqs) != 2 {
			t.Fatalf("%d requests; want 2", len(reqs))
		}
		wantHost := "127.0.0.1:" + strconv.Itoa(ok.port())
		for _, r := range reqs {
			if r.method != "GET" || r.path != "/health" || r.proto != "HTTP/1.1" {
				t.Errorf("request line = %s %s %s; want GET /health HTTP/1.1", r.method, r.path, r.proto)
			}
			if r.host != wantHost {
				t.Errorf("Host = %q; want %q (target IP and health check port)", r.host, wantHost)
			}
			if r.userAgent != "ELB-HealthChecker/2.0" {
				t.Errorf("User-Agent = %q", r.userAgent)
			}
			if !r.close {
				t.Error("request does not ask to close the connection")
			}
			if r.acceptEncoding != "" {
				t.Errorf("Accept-Encoding = %q; ALB sends none", r.acceptEncoding)
			}
		}
	})
	t.Run("NewConnectionPerCheck", func(t *testing.T) {
		if n := ok.newConns(); n != 2 {
			t.Errorf("%d connections for 2 checks; want one new connection per check", n)
		}
	})
}

func TestHTTPProberClassification(t *testing.T) {
	ok := startServer(t, false, status(http.StatusOK))
	notFound := startServer(t, false, status(http.StatusNotFound))
	moved := startServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusMovedPermanently)
	})
	secure := startServer(t, true, status(http.StatusOK))
	hang := hangServer(t)
	garbage := garbageServer(t)
	closed := closedPort(t)

	codes200, _ := elb.ParseHTTPCodes("200")
	codes2xx4xx, _ := elb.ParseHTTPCodes("200-499")
	p := &HTTPProber{}
	tests := []struct {
		name   string
		prober *HTTPProber
		port   int
		proto  elb.Protocol
		codes  elb.CodeSet
		want   Result
	}{
		{"OK", p, ok.port(), elb.ProtocolHTTP, codes200, Pass()},
		{"NotFound", p, notFound.port(), elb.ProtocolHTTP, codes200, FailCode(404)},
		{"NotFoundInRange", p, notFound.port(), elb.ProtocolHTTP, codes2xx4xx, Pass()},
		{"RedirectNotFollowed", p, moved.port(), elb.ProtocolHTTP, codes200, FailCode(301)},
		{"HTTPSUnverified", p, secure.port(), elb.ProtocolHTTPS, codes200, Pass()},
		// The hanging server never answers: only this case needs a short
		// timeout, the others get the reference 5 s so that a slow machine
		// cannot turn their answer into Target.Timeout.
		{"Timeout", p, hang.port(), elb.ProtocolHTTP, codes200, Fail(elb.TargetHealthReasonTimeout)},
		{"Malformed", p, garbage, elb.ProtocolHTTP, codes200, Fail(elb.TargetHealthReasonFailedHealthChecks)},
		{"Refused", p, closed, elb.ProtocolHTTP, codes200, Fail(elb.TargetHealthReasonFailedHealthChecks)},
		{"Unresolvable", &HTTPProber{Resolve: func(string) (netip.Addr, error) { return netip.Addr{}, errors.New("no such instance") }},
			ok.port(), elb.ProtocolHTTP, codes200, Fail(elb.TargetHealthReasonInternalError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			timeout := 5 * time.Second
			if tt.want.Failure.Reason == elb.TargetHealthReasonTimeout {
				timeout = 300 * time.Millisecond
			}
			got := tt.prober.Probe(context.Background(), ProbeRequest{
				Target: elb.TargetDescription{ID: "127.0.0.1", Port: tt.port},
				Port:   tt.port, Protocol: tt.proto, Path: "/health?full=1",
				Timeout: timeout, Codes: tt.codes,
			})
			if got != tt.want {
				t.Errorf("Probe = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestHTTPProberResolve(t *testing.T) {
	ok := startServer(t, false, status(http.StatusOK))
	p := &HTTPProber{Resolve: func(id string) (netip.Addr, error) {
		if id != "i-0abc" {
			return netip.Addr{}, errors.New("unknown")
		}
		return netip.MustParseAddr("127.0.0.1"), nil
	}}
	codes, _ := elb.ParseHTTPCodes("200")
	got := p.Probe(context.Background(), ProbeRequest{
		Target: elb.TargetDescription{ID: "i-0abc", Port: ok.port()}, Port: ok.port(),
		Protocol: elb.ProtocolHTTP, Path: "/", Timeout: time.Second, Codes: codes,
	})
	if !got.OK {
		t.Fatalf("Probe = %+v", got)
	}
	if r := ok.requests(); r[0].host != "127.0.0.1:"+strconv.Itoa(ok.port()) {
		t.Errorf("Host = %q; want the resolved IP, not the instance ID", r[0].host)
	}
}
