package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// Desync mitigation through a real listener (§5.3). Go clients will not
// send these requests, so they are written raw on a net.Conn.

// desyncBackend is a target that echoes the request body ("got <body>")
// and records what desync mitigation does to its side: the last
// request's Connection: close and the connections closed.
type desyncBackend struct {
	requests  atomic.Int64
	lastClose atomic.Bool
	closed    atomic.Int64
}

func newDesyncBackend(t *testing.T) (*desyncBackend, elb.TargetSnapshot) {
	t.Helper()
	b := &desyncBackend{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.requests.Add(1)
		b.lastClose.Store(r.Close)
		body, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, "got "+string(body))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			b.closed.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return b, target("a", srv.Listener.Addr().String())
}

// desyncProxy returns a harness with desync mitigation mode on listener
// 80, forwarding to one target, with access logs in logDir ("" for none).
func desyncProxy(t *testing.T, eng Engine, mode, logDir string, tg elb.TargetSnapshot) *harness {
	t.Helper()
	lb := testLB(func(a *elb.LoadBalancerAttributes) {
		a.DesyncMitigationMode = mode
		if logDir != "" {
			a.AccessLogsEnabled, a.AccessLogsBucket = true, "logs"
		}
	})
	return newHarness(t, eng, Options{AccessLogDir: logDir}, snapshot(
		[]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA))}, group(tgA, nil, tg)))
}

// rawConn is a client connection for hand-written requests.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, h *harness) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(h.url(80), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

// roundTrip writes req and reads one response with its body.
func (rc *rawConn) roundTrip(req string) (*http.Response, string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, req); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
	_ = rc.c.SetReadDeadline(time.Now().Add(10 * time.Second)) // only against a hang
	res, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		rc.t.Fatalf("read response: %v", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		rc.t.Fatalf("read body: %v", err)
	}
	return res, string(b)
}

// expectClosed waits for the proxy to close the connection: the next read
// ends without data. The deadline only guards against a hang.
func (rc *rawConn) expectClosed() {
	rc.t.Helper()
	_ = rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := rc.br.ReadByte()
	var ne net.Error
	switch {
	case err == nil:
		rc.t.Fatalf("connection open: read %q after the response", b)
	case errors.As(err, &ne) && ne.Timeout():
		rc.t.Fatal("connection still open after the response; want it closed")
	}
}

// expectOpen sends a compliant request on the same connection and
// expects the target's answer.
func (rc *rawConn) expectOpen() {
	rc.t.Helper()
	res, body := rc.roundTrip("GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
	if res.StatusCode != http.StatusOK || body != "got " {
		rc.t.Fatalf("second request on the connection: got %d %q; want 200 from the target", res.StatusCode, body)
	}
}

// ambiguousRequests reach the target in defensive mode and cost both
// connections. skipStd says why net/http hides the case from StdEngine.
var ambiguousRequests = []struct {
	name, req, wantBody, skipStd string
}{
	{"BothTeClPresent", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"got hello", "net/http drops Content-Length from a chunked request before the handler runs"},
	{"UndefinedContentLengthSemantics", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "got hello", ""},
	{"SuspiciousHeader", "GET / HTTP/1.1\r\nHost: x\r\nTransfer_Encoding: chunked\r\n\r\n", "got ", ""},
	{"EmptyHeader", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n   \r\n\r\n", "got ",
		"net/http folds a whitespace-only line into the previous header"},
}

func TestDesyncDefensiveAmbiguous(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		for _, tt := range ambiguousRequests {
			t.Run(tt.name, func(t *testing.T) {
				if _, std := newEngine().(*StdEngine); std && tt.skipStd != "" {
					t.Skip("StdEngine cannot observe this case: " + tt.skipStd)
				}
				b, tg := newDesyncBackend(t)
				h := desyncProxy(t, newEngine(), elb.DesyncModeDefensive, "", tg)
				rc := dialRaw(t, h)
				res, body := rc.roundTrip(tt.req)
				if res.StatusCode != http.StatusOK || body != tt.wantBody {
					t.Fatalf("got %d %q; want 200 %q from the target", res.StatusCode, body, tt.wantBody)
				}
				if !res.Close {
					t.Errorf("response without Connection: close (header %q)", res.Header["Connection"])
				}
				rc.expectClosed()
				if !b.lastClose.Load() {
					t.Error("target request without Connection: close")
				}
				waitFor(t, 10*time.Second, func() bool { return b.closed.Load() >= 1 })
			})
		}
	})
}

func TestDesyncDefensiveAcceptable(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		b, tg := newDesyncBackend(t)
		h := desyncProxy(t, newEngine(), elb.DesyncModeDefensive, "", tg)
		rc := dialRaw(t, h)
		res, body := rc.roundTrip("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
		if res.StatusCode != http.StatusOK || body != "got " || res.Close {
			t.Fatalf("got %d %q (close %v); want 200 from the target, kept alive", res.StatusCode, body, res.Close)
		}
		rc.expectOpen()
		if b.lastClose.Load() {
			t.Error("target asked to close after an acceptable request")
		}
	})
}

func TestDesyncDefensiveSevere(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		// No Severe request gets past either parser (desync.go), so this
		// is the engine's own refusal, answered with the ELB page.
		b, tg := newDesyncBackend(t)
		h := desyncProxy(t, newEngine(), elb.DesyncModeDefensive, "", tg)
		rc := dialRaw(t, h)
		res, body := rc.roundTrip("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
		checkELBError(t, res, body, http.StatusBadRequest)
		if !res.Close {
			t.Errorf("400 without Connection: close (header %q)", res.Header["Connection"])
		}
		rc.expectClosed()
		if n := b.requests.Load(); n != 0 {
			t.Fatalf("target got %d requests; want none", n)
		}
	})
}

func TestDesyncStrictest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		b, tg := newDesyncBackend(t)
		h := desyncProxy(t, newEngine(), elb.DesyncModeStrictest, "", tg)
		t.Run("BlocksAcceptable", func(t *testing.T) {
			rc := dialRaw(t, h)
			res, body := rc.roundTrip("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
			checkELBError(t, res, body, http.StatusBadRequest)
			if !res.Close {
				t.Errorf("400 without Connection: close (header %q)", res.Header["Connection"])
			}
			rc.expectClosed()
			if n := b.requests.Load(); n != 0 {
				t.Fatalf("target got %d requests; want none", n)
			}
		})
		t.Run("ForwardsCompliant", func(t *testing.T) {
			rc := dialRaw(t, h)
			rc.expectOpen()
			rc.expectOpen()
		})
	})
}

func TestDesyncMonitor(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		b, tg := newDesyncBackend(t)
		h := desyncProxy(t, newEngine(), elb.DesyncModeMonitor, "", tg)
		rc := dialRaw(t, h)
		res, body := rc.roundTrip("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
		if res.StatusCode != http.StatusOK || body != "got hello" || res.Close {
			t.Fatalf("got %d %q (close %v); want 200 from the target, kept alive", res.StatusCode, body, res.Close)
		}
		if b.lastClose.Load() {
			t.Error("monitor mode asked the target to close")
		}
		rc.expectOpen()
	})
}

// TestDesyncAccessLogAndMetric checks fields 28-29 of §6 and
// DesyncMitigationMode_NonCompliant_Request_Count.
func TestDesyncAccessLogAndMetric(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, tg := newDesyncBackend(t)
		dir := t.TempDir()
		h := desyncProxy(t, newEngine(), elb.DesyncModeDefensive, dir, tg)
		reg := prometheus.NewRegistry()
		reg.MustRegister(h.p.Collector())

		dialRaw(t, h).roundTrip("GET /compliant HTTP/1.1\r\nHost: x\r\n\r\n")
		dialRaw(t, h).roundTrip("GET /acceptable HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
		dialRaw(t, h).roundTrip("GET /ambiguous HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")

		file := filepath.Join(dir, "app.test.0123456789abcdef.log")
		var lines []string
		waitFor(t, 10*time.Second, func() bool {
			b, _ := os.ReadFile(file)
			lines = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			return len(lines) == 3 && strings.HasSuffix(string(b), "\n")
		})
		want := map[string]string{
			"/compliant":  `"-" "-"`,
			"/acceptable": `"Acceptable" "GetHeadZeroContentLength"`,
			"/ambiguous":  `"Ambiguous" "UndefinedContentLengthSemantics"`,
		}
		for _, line := range lines {
			for path, tail := range want {
				if strings.Contains(line, ":80"+path+" HTTP/1.1") {
					if !strings.HasSuffix(line, " "+tail) {
						t.Errorf("log line of %s: %s\nwant it to end with %s", path, line, tail)
					}
					delete(want, path)
				}
			}
		}
		if len(want) != 0 {
			t.Errorf("no log line for %v in %q", want, lines)
		}
		got := gather(t, reg)["ecslocal_alb_desync_mitigation_mode_non_compliant_request_count_total{load_balancer=app/test/0123456789abcdef}"]
		if got != 2 {
			t.Errorf("non-compliant count: got %v; want 2", got)
		}
	})
}

// TestParseErrorLogged: a request the engine's parser refuses is still
// counted and access-logged (§6 logs malformed requests). FastEngine
// logs the class its parse error names; net/http's errors name none.
func TestParseErrorLogged(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, std := newEngine().(*StdEngine)
		_, tg := newDesyncBackend(t)
		dir := t.TempDir()
		h := desyncProxy(t, newEngine(), elb.DesyncModeDefensive, dir, tg)
		reg := prometheus.NewRegistry()
		reg.MustRegister(h.p.Collector())
		rc := dialRaw(t, h)
		res, body := rc.roundTrip("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
		checkELBError(t, res, body, http.StatusBadRequest)
		file := filepath.Join(dir, "app.test.0123456789abcdef.log")
		var line string
		waitFor(t, 10*time.Second, func() bool {
			b, _ := os.ReadFile(file)
			line = string(b)
			return strings.HasSuffix(line, "\n")
		})
		tail, count := ` "Severe" "MultipleContentLength"`, 1.0
		if std {
			tail, count = ` "-" "-"`, 0
		}
		if !strings.Contains(line, ` 400 - `) || !strings.Contains(line, `"- - -"`) || !strings.HasSuffix(line, tail+"\n") {
			t.Fatalf("log line %q: want 400, request \"- - -\", ending %s", line, tail)
		}
		got := gather(t, reg)
		lbl := "{load_balancer=app/test/0123456789abcdef}"
		if got["ecslocal_alb_httpcode_elb_4xx_count_total"+lbl] != 1 || got["ecslocal_alb_request_count_total"+lbl] != 1 {
			t.Errorf("ELB 4XX and RequestCount: got %v, %v; want 1, 1",
				got["ecslocal_alb_httpcode_elb_4xx_count_total"+lbl], got["ecslocal_alb_request_count_total"+lbl])
		}
		if n := got["ecslocal_alb_desync_mitigation_mode_non_compliant_request_count_total"+lbl]; n != count {
			t.Errorf("non-compliant count: got %v; want %v", n, count)
		}
	})
}

// parserCases pin what each engine's parser does with requests ALB would
// classify (the comment in desync.go lists them): the status the client
// gets, 0 meaning "forwarded" (200 from the target).
var parserCases = []struct {
	name      string
	req       string
	fast, std int
}{
	{"DuplicateContentLength", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400, 0},
	{"SpaceBeforeColon", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 1\r\n\r\nx", 400, 400},
	{"SpaceInURI", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, 400},
	{"ControlInName", "GET / HTTP/1.1\r\nHost: x\r\nX\x01Y: 1\r\n\r\n", 400, 400},
	{"ControlInValue", "GET / HTTP/1.1\r\nHost: x\r\nX-A: \x01\r\n\r\n", 400, 400},
	{"ControlInURI", "GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400, 400},
	{"BadContentLength", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\nx", 400, 400},
	{"ChunkedTwice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 501, 501},
	{"ChunkedTwoLines", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, 501},
	{"UnknownCoding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo\r\n\r\n", 501, 501},
	{"ChunkedOnHTTP10", "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, 0},
	{"LeadingWhitespace", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400, 400},
	{"NonASCIIName", "GET / HTTP/1.1\r\nHost: x\r\nX-F\xc3\xb6: 1\r\n\r\n", 400, 400},
	{"BadMethod", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, 400},
	{"BadVersion", "GET / HTTX/1.1\r\nHost: x\r\n\r\n", 400, 400},
	// fasthttp takes any HTTP/d.d (here classified BadVersion, forwarded
	// in monitor mode); net/http answers 505 (§2.2).
	{"HTTP20", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 0, 505},
	// Reach the classifier in both (or one) of the engines.
	{"SpaceInsideName", "GET / HTTP/1.1\r\nHost: x\r\nTransfer Encoding: chunked\r\n\r\n", 0, 400},
	{"WhitespaceLine", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n   \r\n\r\n", 0, 0},
	{"GetContentLength", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx", 0, 0},
	{"Underscore", "GET / HTTP/1.1\r\nHost: x\r\nContent_Length: 1\r\n\r\n", 0, 0},
	{"HTTP12", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 0, 0},
}

func TestDesyncEngineParsers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, std := newEngine().(*StdEngine)
		_, tg := newDesyncBackend(t)
		// Monitor mode: whatever is refused, the parser refused.
		h := desyncProxy(t, newEngine(), elb.DesyncModeMonitor, "", tg)
		for _, tt := range parserCases {
			t.Run(tt.name, func(t *testing.T) {
				want := tt.fast
				if std {
					want = tt.std
				}
				res, body := dialRaw(t, h).roundTrip(tt.req)
				if want == 0 {
					// Forwarded: the answer is the target's (which may
					// refuse the request itself).
					if res.Header.Get("Server") == "awselb/2.0" {
						t.Fatalf("got the ELB's %d %q; want it forwarded", res.StatusCode, body)
					}
					return
				}
				checkELBError(t, res, body, want)
				if !res.Close {
					t.Errorf("%d without Connection: close", want)
				}
			})
		}
	})
}
