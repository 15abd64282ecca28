package proxy

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// checkELBError asserts an ELB-generated error response (§2.3).
func checkELBError(tb testing.TB, res *http.Response, body string, code int) {
	tb.Helper()
	if res.StatusCode != code {
		tb.Fatalf("status: got %d; want %d (body %q)", res.StatusCode, code, body)
	}
	if got := res.Header.Get("Server"); got != "awselb/2.0" {
		tb.Fatalf("Server: got %q; want awselb/2.0", got)
	}
	if got := res.Header.Get("Content-Type"); got != "text/html" {
		tb.Fatalf("Content-Type: got %q; want text/html", got)
	}
	if want := errorPageBody(code); body != want {
		tb.Fatalf("body: got %q; want %q", body, want)
	}
	if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
		tb.Fatalf("Content-Length: got %q; want %d", got, len(body))
	}
	if len(res.Header["Set-Cookie"]) != 0 {
		tb.Fatalf("Set-Cookie on an ELB error: %q", res.Header["Set-Cookie"])
	}
}

// oneTarget returns a harness forwarding listener 80 to one target group
// holding targets.
func oneTarget(t *testing.T, eng Engine, mod func(*elb.LoadBalancerAttributes), targets ...elb.TargetSnapshot) *harness {
	lb := testLB(mod)
	return newHarness(t, eng, Options{}, snapshot(
		[]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA))},
		group(tgA, nil, targets...)))
}

func TestNoTargets503(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		h := oneTarget(t, newEngine(), nil)
		res, body := h.get(80, "/")
		checkELBError(t, res, body, http.StatusServiceUnavailable)
		if len(body) != 162 {
			t.Fatalf("503 body: got %d bytes; want 162", len(body))
		}
	})
}

// hijacker returns a backend handler that takes over the connection and
// runs f on it.
func hijacker(f func(c net.Conn)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		f(c)
	}
}

func TestBadGateway502(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		tests := []struct {
			name   string
			handle http.HandlerFunc
		}{
			{"ClosedMidResponse", hijacker(func(c net.Conn) {
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Le")
				_ = c.Close()
			})},
			{"ClosedBeforeResponse", hijacker(func(c net.Conn) { _ = c.Close() })},
			{"Reset", hijacker(func(c net.Conn) {
				_ = c.(*net.TCPConn).SetLinger(0)
				_ = c.Close()
			})},
			{"Malformed", hijacker(func(c net.Conn) {
				_, _ = io.WriteString(c, "NOT HTTP AT ALL\r\n\r\n")
				_ = c.Close()
			})},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, tg := backend(t, "a", tt.handle)
				h := oneTarget(t, newEngine(), nil, tg)
				res, body := h.get(80, "/")
				checkELBError(t, res, body, http.StatusBadGateway)
				if len(body) != 122 {
					t.Fatalf("502 body: got %d bytes; want 122", len(body))
				}
			})
		}
		t.Run("Refused", func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			_ = ln.Close()
			h := oneTarget(t, newEngine(), nil, target("gone", addr))
			res, body := h.get(80, "/")
			checkELBError(t, res, body, http.StatusBadGateway)
		})
	})
}

func TestTargetErrorsPassThrough(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, tg := backend(t, "a", func(w http.ResponseWriter, r *http.Request) {
			code, _ := strconv.Atoi(r.URL.Query().Get("code"))
			w.Header().Set("Server", "app")
			w.WriteHeader(code)
			_, _ = io.WriteString(w, "from target")
		})
		h := oneTarget(t, newEngine(), nil, tg)
		for _, code := range []int{404, 500, 502, 503} {
			res, body := h.get(80, "/?code="+strconv.Itoa(code))
			if res.StatusCode != code || body != "from target" || res.Header.Get("Server") != "app" {
				t.Fatalf("target %d: got %d %q Server %q; want unchanged", code, res.StatusCode, body, res.Header.Get("Server"))
			}
		}
	})
}

func TestGatewayTimeout504(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		stop := make(chan struct{})
		_, tg := backend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-stop:
			case <-r.Context().Done():
			}
		})
		defer close(stop)
		h := oneTarget(t, newEngine(), func(a *elb.LoadBalancerAttributes) { a.IdleTimeoutSeconds = 1 }, tg)
		start := time.Now()
		res, body := h.get(80, "/")
		checkELBError(t, res, body, http.StatusGatewayTimeout)
		if el := time.Since(start); el < time.Second || el > 10*time.Second {
			t.Fatalf("504 after %v; want about the 1 s idle timeout", el)
		}
	})
}

func TestRequestChecks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, tg := backend(t, "a", nil)
		h := oneTarget(t, newEngine(), nil, tg)
		t.Run("Trace405", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodTrace, h.url(80)+"/", nil)
			res, body := h.do(req)
			checkELBError(t, res, body, http.StatusMethodNotAllowed)
		})
		t.Run("XFF463", func(t *testing.T) {
			addrs := make([]string, 31)
			for i := range addrs {
				addrs[i] = fmt.Sprintf("10.0.0.%d", i)
			}
			res, body := h.get(80, "/", "X-Forwarded-For", strings.Join(addrs, ", "))
			checkELBError(t, res, body, StatusXFFTooLong)
			res, _ = h.get(80, "/", "X-Forwarded-For", strings.Join(addrs[:30], ", "))
			if res.StatusCode != 200 {
				t.Fatalf("30 addresses: got %d; want 200", res.StatusCode)
			}
		})
		t.Run("TransferEncoding501", func(t *testing.T) {
			// §2.2: a Transfer-Encoding other than chunked is refused. With
			// the std engine net/http answers before the handler runs, and
			// stdConn turns its answer into the ELB page.
			c, err := net.Dial("tcp", strings.TrimPrefix(h.url(80), "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, _ = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusNotImplemented {
				t.Fatalf("got %d; want 501", res.StatusCode)
			}
		})
	})
}

// echoHeaders is a backend that answers with the request's Host and
// headers as JSON.
func echoHeaders(w http.ResponseWriter, r *http.Request) {
	h := r.Header.Clone()
	h.Set("Host", r.Host)
	_ = json.NewEncoder(w).Encode(h)
}

func TestForwardedHeaders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, tg := backend(t, "a", echoHeaders)
		lb := testLB(nil)
		h := newHarness(t, newEngine(), Options{}, snapshot(
			[]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA)), listenerSnap(t, lb, 8080, forwardTo(tgA))},
			group(tgA, nil, tg)))
		get := func(port int, hdr ...string) http.Header {
			t.Helper()
			res, body := h.get(port, "/", hdr...)
			if res.StatusCode != 200 {
				t.Fatalf("got %d %q", res.StatusCode, body)
			}
			var out http.Header
			if err := json.Unmarshal([]byte(body), &out); err != nil {
				t.Fatalf("decode %q: %v", body, err)
			}
			return out
		}
		t.Run("Append", func(t *testing.T) {
			if got := get(80).Get("X-Forwarded-For"); got != "127.0.0.1" {
				t.Fatalf("absent: got %q; want 127.0.0.1", got)
			}
			if got := get(80, "X-Forwarded-For", "127.0.0.4, 127.0.0.8").Get("X-Forwarded-For"); got != "127.0.0.4, 127.0.0.8, 127.0.0.1" {
				t.Fatalf("present: got %q", got)
			}
		})
		t.Run("ProtoPortHost", func(t *testing.T) {
			out := get(80, "Host", "www.example.com:1234")
			if out.Get("X-Forwarded-Proto") != "http" || out.Get("X-Forwarded-Port") != "80" || out.Get("Host") != "www.example.com" {
				t.Fatalf("listener 80: got proto %q port %q host %q", out.Get("X-Forwarded-Proto"), out.Get("X-Forwarded-Port"), out.Get("Host"))
			}
			out = get(8080, "Host", "www.example.com")
			if out.Get("X-Forwarded-Port") != "8080" || out.Get("Host") != "www.example.com:8080" {
				t.Fatalf("listener 8080: got port %q host %q", out.Get("X-Forwarded-Port"), out.Get("Host"))
			}
		})
		t.Run("TraceID", func(t *testing.T) {
			if got := get(80).Get("X-Amzn-Trace-Id"); !rootRE.MatchString(got) {
				t.Fatalf("absent: got %q", got)
			}
			root := "Root=1-5759e988-bd862e3fe1be46a994272793"
			if got := get(80, "X-Amzn-Trace-Id", root).Get("X-Amzn-Trace-Id"); !regexp.MustCompile(`^Self=` + idRE + `;` + root + `$`).MatchString(got) {
				t.Fatalf("root: got %q", got)
			}
			in := "Self=1-00000000-000000000000000000000000;" + root
			if got := get(80, "X-Amzn-Trace-Id", in).Get("X-Amzn-Trace-Id"); got == in || !strings.HasSuffix(got, ";"+root) {
				t.Fatalf("self: got %q; want Self updated", got)
			}
		})
		t.Run("HopByHop", func(t *testing.T) {
			out := get(80, "Connection", "X-Private", "X-Private", "1", "Keep-Alive", "timeout=5", "Proxy-Authorization", "Basic x", "X-Kept", "yes")
			for _, k := range []string{"X-Private", "Keep-Alive", "Proxy-Authorization"} {
				if v := out.Get(k); v != "" {
					t.Errorf("%s: got %q; want removed", k, v)
				}
			}
			if out.Get("X-Kept") != "yes" {
				t.Errorf("X-Kept: got %q; want yes", out.Get("X-Kept"))
			}
		})
	})
}

func TestXFFModes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, tg := backend(t, "a", echoHeaders)
		tests := []struct {
			mode string
			port bool
			in   string
			want string
		}{
			{"append", true, "", `^127\.0\.0\.1:\d+$`},
			{"preserve", false, "10.1.1.1", `^10\.1\.1\.1$`},
			{"preserve", false, "", `^$`},
			{"remove", false, "10.1.1.1", `^$`},
		}
		for _, tt := range tests {
			t.Run(tt.mode+strconv.FormatBool(tt.port), func(t *testing.T) {
				h := oneTarget(t, newEngine(), func(a *elb.LoadBalancerAttributes) {
					a.XFFHeaderProcessingMode, a.XFFClientPort = tt.mode, tt.port
				}, tg)
				var hdr []string
				if tt.in != "" {
					hdr = []string{"X-Forwarded-For", tt.in}
				}
				_, body := h.get(80, "/", hdr...)
				var out http.Header
				if err := json.Unmarshal([]byte(body), &out); err != nil {
					t.Fatal(err)
				}
				if got := out.Get("X-Forwarded-For"); !regexp.MustCompile(tt.want).MatchString(got) {
					t.Fatalf("got %q; want %s", got, tt.want)
				}
			})
		}
	})
}

// patternReader yields n generated bytes without holding them.
type patternReader struct{ n, off int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.off)]
	for i := range p {
		p[i] = byte((r.off + int64(i)) * 7 % 251)
	}
	r.off += int64(len(p))
	return len(p), nil
}

func patternSum(n int64) string {
	h := sha256.New()
	_, _ = io.Copy(h, &patternReader{n: n})
	return hex.EncodeToString(h.Sum(nil))
}

func TestLargeBodies(t *testing.T) {
	const size = 64 << 20
	want := patternSum(size)
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, tg := backend(t, "a", func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				s := sha256.New()
				n, _ := io.Copy(s, r.Body)
				fmt.Fprintf(w, "%d %s", n, hex.EncodeToString(s.Sum(nil)))
				return
			}
			_, _ = io.Copy(w, &patternReader{n: size}) // no Content-Length: chunked
		})
		h := oneTarget(t, newEngine(), nil, tg)
		t.Run("Upload", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, h.url(80)+"/", &patternReader{n: size})
			req.ContentLength = size
			res, body := h.do(req)
			if res.StatusCode != 200 || body != fmt.Sprintf("%d %s", size, want) {
				t.Fatalf("got %d %q", res.StatusCode, body)
			}
		})
		t.Run("UploadChunked", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, h.url(80)+"/", io.MultiReader(&patternReader{n: size}))
			req.ContentLength = -1
			res, body := h.do(req)
			if res.StatusCode != 200 || body != fmt.Sprintf("%d %s", size, want) {
				t.Fatalf("got %d %q", res.StatusCode, body)
			}
		})
		t.Run("Download", func(t *testing.T) {
			res, err := h.client.Get(h.url(80) + "/")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			s := sha256.New()
			n, err := io.Copy(s, res.Body)
			if err != nil || n != size || hex.EncodeToString(s.Sum(nil)) != want {
				t.Fatalf("got %d bytes, err %v; want %d matching bytes", n, err, size)
			}
		})
	})
}

func TestChunkedStreaming(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		next := make(chan struct{})
		_, tg := backend(t, "a", func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			for i := range 3 {
				fmt.Fprintf(w, "chunk-%d;", i)
				_ = rc.Flush()
				if i < 2 {
					<-next // the client must see this chunk before the next is written
				}
			}
		})
		h := oneTarget(t, newEngine(), nil, tg)
		res, err := h.client.Get(h.url(80) + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if len(res.TransferEncoding) != 1 || res.TransferEncoding[0] != "chunked" {
			t.Fatalf("Transfer-Encoding: got %v; want chunked", res.TransferEncoding)
		}
		br := bufio.NewReader(res.Body)
		for i := range 3 {
			s, err := br.ReadString(';')
			if err != nil || s != fmt.Sprintf("chunk-%d;", i) {
				t.Fatalf("chunk %d: got %q, %v", i, s, err)
			}
			if i < 2 {
				next <- struct{}{}
			}
		}
	})
}
