package proxy

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// holdBackend is a backend whose /hold requests signal arrival and wait for
// release (or for the proxy to abandon them). With headers, /hold sends its
// headers and a first body chunk before waiting.
func holdBackend(t *testing.T, id string, headers bool) (elb.TargetSnapshot, <-chan struct{}, chan struct{}) {
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	_, tg := backend(t, id, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			if headers {
				_, _ = io.WriteString(w, "partial;")
				_ = http.NewResponseController(w).Flush()
			}
			arrived <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		_, _ = io.WriteString(w, "done")
	})
	return tg, arrived, release
}

func TestDraining(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		setup := func(t *testing.T, headers bool) (*harness, elb.TargetSnapshot, elb.TargetSnapshot, <-chan struct{}, chan struct{}, []*elb.ListenerSnapshot) {
			a, arrived, release := holdBackend(t, "a", headers)
			_, b := backend(t, "b", nil)
			lb := testLB(nil)
			ls := []*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA))}
			// DrainInterval is long: the test runs the drain round itself.
			h := newHarness(t, newEngine(), Options{DrainInterval: time.Hour}, snapshot(ls, group(tgA, nil, a, b)))
			return h, a, b, arrived, release, ls
		}
		drain := func(t *testing.T, h *harness, a, b elb.TargetSnapshot, ls []*elb.ListenerSnapshot) {
			a = withHealth(a, elb.TargetHealthStateDraining)
			a.DrainDeadline = h.clock.Now().Add(300 * time.Second)
			if err := h.p.Publish(snapshot(ls, group(tgA, nil, a, b))); err != nil {
				t.Fatal(err)
			}
			for range 4 {
				if res, _ := h.get(80, "/"); res.Header.Get("X-Backend") != "b" {
					t.Fatalf("new request to draining target: got %q; want b", res.Header.Get("X-Backend"))
				}
			}
		}
		type result struct {
			res  *http.Response
			body string
			err  error
		}
		hold := func(h *harness) <-chan result {
			ch := make(chan result, 1)
			go func() {
				res, err := h.client.Get(h.url(80) + "/hold")
				if err != nil {
					ch <- result{err: err}
					return
				}
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				ch <- result{res: res, body: string(b), err: err}
			}()
			return ch
		}

		t.Run("InFlightFinishes", func(t *testing.T) {
			h, a, b, arrived, release, ls := setup(t, false)
			got := hold(h)
			<-arrived
			drain(t, h, a, b, ls)
			if n := h.p.tick(h.clock.Now().Add(299 * time.Second)); n != 0 {
				t.Fatalf("before the deadline: cut %d; want 0", n)
			}
			close(release)
			r := <-got
			if r.err != nil || r.res.StatusCode != 200 || r.body != "done" {
				t.Fatalf("in-flight request: got %v %q; want 200 done", r.err, r.body)
			}
		})
		t.Run("CutBeforeHeaders502", func(t *testing.T) {
			h, a, b, arrived, _, ls := setup(t, false)
			got := hold(h)
			<-arrived
			drain(t, h, a, b, ls)
			h.clock.Advance(300 * time.Second)
			if n := h.p.tick(h.clock.Now()); n != 1 {
				t.Fatalf("at the deadline: cut %d; want 1", n)
			}
			r := <-got
			if r.err != nil {
				t.Fatal(r.err)
			}
			checkELBError(t, r.res, r.body, http.StatusBadGateway)
		})
		t.Run("CutAfterHeadersCloses", func(t *testing.T) {
			h, a, b, arrived, _, ls := setup(t, true)
			got := hold(h)
			<-arrived
			drain(t, h, a, b, ls)
			h.clock.Advance(301 * time.Second)
			if n := h.p.tick(h.clock.Now()); n != 1 {
				t.Fatalf("past the deadline: cut %d; want 1", n)
			}
			r := <-got
			if r.res == nil || r.res.StatusCode != 200 || r.body != "partial;" || !errors.Is(r.err, io.ErrUnexpectedEOF) {
				t.Fatalf("got %v %q, %v; want 200, the first chunk, then the connection closed", r.res, r.body, r.err)
			}
		})
	})
}

// wsAccept computes Sec-WebSocket-Accept (RFC 6455 §4.2.2).
func wsAccept(key string) string {
	s := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(s[:])
}

// readFrame reads one small (< 126 bytes) frame and returns its opcode and
// unmasked payload.
func readFrame(r io.Reader) (byte, []byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := int(hdr[1] & 0x7f)
	var mask [4]byte
	masked := hdr[1]&0x80 != 0
	if masked {
		if _, err := io.ReadFull(r, mask[:]); err != nil {
			return 0, nil, err
		}
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	if masked {
		for i := range p {
			p[i] ^= mask[i%4]
		}
	}
	return hdr[0] & 0x0f, p, nil
}

// writeFrame writes a final frame; a client frame is masked.
func writeFrame(w io.Writer, op byte, p []byte, mask bool) error {
	b := []byte{0x80 | op, byte(len(p))}
	if mask {
		m := [4]byte{1, 2, 3, 4}
		b[1] |= 0x80
		b = append(b, m[:]...)
		for i, c := range p {
			b = append(b, c^m[i%4])
		}
	} else {
		b = append(b, p...)
	}
	_, err := w.Write(b)
	return err
}

func TestWebSocketEcho(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, tg := backend(t, "ws", func(w http.ResponseWriter, r *http.Request) {
			if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
				http.Error(w, "want websocket", http.StatusBadRequest)
				return
			}
			c, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer c.Close()
			_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
				"Sec-WebSocket-Accept: "+wsAccept(r.Header.Get("Sec-WebSocket-Key"))+"\r\n\r\n")
			for {
				op, p, err := readFrame(brw)
				if err != nil || op == 0x8 {
					return
				}
				if err := writeFrame(c, op, p, false); err != nil {
					return
				}
			}
		})
		h := oneTarget(t, newEngine(), nil, tg)
		c, err := net.Dial("tcp", strings.TrimPrefix(h.url(80), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		key := "dGhlIHNhbXBsZSBub25jZQ=="
		_, _ = io.WriteString(c, "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: "+key+"\r\nSec-WebSocket-Version: 13\r\n\r\n")
		br := bufio.NewReader(c)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusSwitchingProtocols || res.Header.Get("Sec-WebSocket-Accept") != wsAccept(key) {
			t.Fatalf("handshake: got %d accept %q", res.StatusCode, res.Header.Get("Sec-WebSocket-Accept"))
		}
		for _, msg := range []string{"hello", "again, both ways"} {
			if err := writeFrame(c, 0x1, []byte(msg), true); err != nil {
				t.Fatal(err)
			}
			op, p, err := readFrame(br)
			if err != nil || op != 0x1 || string(p) != msg {
				t.Fatalf("echo: got op %d %q, %v; want text %q", op, p, err, msg)
			}
		}
		_ = writeFrame(c, 0x8, nil, true)
	})
}

func TestPublishListeners(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, tg := backend(t, "a", nil)
		lb := testLB(nil)
		l80, l81 := listenerSnap(t, lb, 80, forwardTo(tgA)), listenerSnap(t, lb, 81, forwardTo(tgA))
		groups := group(tgA, nil, tg)
		h := newHarness(t, newEngine(), Options{}, snapshot([]*elb.ListenerSnapshot{l80, l81}, groups))

		t.Run("BindAndUnbind", func(t *testing.T) {
			for _, port := range []int{80, 81} {
				if res, _ := h.get(port, "/"); res.StatusCode != 200 {
					t.Fatalf("listener %d: got %d; want 200", port, res.StatusCode)
				}
			}
			addr81 := h.p.Addr(listenerKey(l81)).String()
			if err := h.p.Publish(snapshot([]*elb.ListenerSnapshot{l80}, groups)); err != nil {
				t.Fatal(err)
			}
			if h.p.Addr(listenerKey(l81)) != nil {
				t.Fatal("removed listener still has an address")
			}
			h.client.CloseIdleConnections()
			waitFor(t, 5*time.Second, func() bool {
				c, err := net.Dial("tcp", addr81)
				if err == nil {
					c.Close()
				}
				return err != nil
			})
			if res, _ := h.get(80, "/"); res.StatusCode != 200 {
				t.Fatalf("remaining listener: got %d; want 200", res.StatusCode)
			}
		})

		t.Run("PortInUse", func(t *testing.T) {
			busy, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer busy.Close()
			port := busy.Addr().(*net.TCPAddr).Port
			p := New(Options{Engine: newEngine(), Publish: map[int]int{80: port, 81: 0}})
			defer p.Close()
			err = p.Publish(snapshot([]*elb.ListenerSnapshot{l80, l81}, groups))
			if err == nil || !strings.Contains(err.Error(), listenerKey(l80)) || !strings.Contains(err.Error(), strconv.Itoa(port)) {
				t.Fatalf("got %v; want an error naming %s and port %d", err, listenerKey(l80), port)
			}
			if p.Addr(listenerKey(l81)) == nil {
				t.Fatal("the other listener was not bound")
			}
			// Once the port is free, the next Publish binds it.
			busy.Close()
			if err := p.Publish(snapshot([]*elb.ListenerSnapshot{l80, l81}, groups)); err != nil {
				t.Fatalf("retry: %v", err)
			}
		})
	})
}

func TestConcurrentPublish(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, a := backend(t, "a", nil)
		_, b := backend(t, "b", nil)
		lb := testLB(nil)
		l := listenerSnap(t, lb, 80, forwardTo(tgA))
		s1 := snapshot([]*elb.ListenerSnapshot{l}, group(tgA, nil, a, b))
		s2 := snapshot([]*elb.ListenerSnapshot{l}, group(tgA, func(at *elb.TargetGroupAttributes) {
			at.Algorithm = elb.AlgorithmLeastOutstandingRequests
		}, b, withHealth(a, elb.TargetHealthStateDraining)))
		h := newHarness(t, newEngine(), Options{}, s1)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				s := s1
				if i%2 == 1 {
					s = s2
				}
				if err := h.p.Publish(s); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		url := h.url(80)
		var clients sync.WaitGroup
		for range 8 {
			clients.Add(1)
			go func() {
				defer clients.Done()
				for range 50 {
					res, err := h.client.Get(url + "/")
					if err != nil {
						t.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 || res.Header.Get("X-Backend") == "" {
						t.Errorf("got %s from %q; want 200 from a target", res.Status, res.Header.Get("X-Backend"))
						return
					}
				}
			}()
		}
		clients.Wait()
		cancel()
		wg.Wait()
	})
}

func TestAccessLog(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, tg := backend(t, "a", nil)
		dir := t.TempDir()
		lb := testLB(func(a *elb.LoadBalancerAttributes) { a.AccessLogsEnabled, a.AccessLogsBucket = true, "logs" })
		h := newHarness(t, newEngine(), Options{AccessLogDir: dir}, snapshot(
			[]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA))}, group(tgA, nil, tg)))
		h.get(80, "/path?q=1", "Host", "www.example.com", "User-Agent", "test-agent")
		file := filepath.Join(dir, "app.test.0123456789abcdef.log")
		var line string
		waitFor(t, 5*time.Second, func() bool {
			b, _ := os.ReadFile(file)
			line = string(b)
			return strings.HasSuffix(line, "\n")
		})
		want := regexp.MustCompile(`^http 2026-01-02T03:04:05\.000000Z app/test/0123456789abcdef 127\.0\.0\.1:\d+ 127\.0\.0\.1:\d+ ` +
			`0\.000 0\.000 0\.000 200 200 \d+ \d+ "GET http://www\.example\.com:80/path\?q=1 HTTP/1\.1" "test-agent" - - ` +
			regexp.QuoteMeta(tgA) + ` "Root=1-[0-9a-f]{8}-[0-9a-f]{24}" "-" "-" 0 2026-01-02T03:04:05\.000000Z "forward" "-" "-" ` +
			`"127\.0\.0\.1:\d+" "200" "-" "-"\n$`)
		if !want.MatchString(line) {
			t.Fatalf("access log line:\n%s\nwant match of\n%s", line, want)
		}
	})
}

func TestShutdownFinishesInFlight(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		a, arrived, release := holdBackend(t, "a", false)
		h := oneTarget(t, newEngine(), nil, a)
		url := h.url(80)
		got := make(chan string, 1)
		go func() {
			res, body := h.get(80, "/hold")
			got <- strconv.Itoa(res.StatusCode) + " " + body
		}()
		<-arrived
		stopped := make(chan error, 1)
		go func() { stopped <- h.p.Shutdown(context.Background()) }()
		// New connections are refused once Shutdown has closed the listener.
		waitFor(t, 5*time.Second, func() bool {
			c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
			if err == nil {
				c.Close()
			}
			return err != nil
		})
		select {
		case err := <-stopped:
			t.Fatalf("Shutdown returned %v with a request in flight", err)
		default:
		}
		close(release)
		if r := <-got; r != "200 done" {
			t.Fatalf("in-flight request: got %q; want 200 done", r)
		}
		if err := <-stopped; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	})
}

func TestIdleTimeoutChangeRebinds(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, tg := backend(t, "a", nil)
		free, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := free.Addr().(*net.TCPAddr).Port
		free.Close()
		mk := func(idle int) *elb.Snapshot {
			lb := testLB(func(a *elb.LoadBalancerAttributes) { a.IdleTimeoutSeconds = idle })
			return snapshot([]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA))}, group(tgA, nil, tg))
		}
		h := newHarness(t, newEngine(), Options{Publish: map[int]int{80: port}}, mk(60))
		key := listenerKey(mk(60).Listeners[0])
		h.get(80, "/") // leaves a keep-alive connection on the first server
		if err := h.p.Publish(mk(5)); err != nil {
			t.Fatalf("rebind on the same port: %v", err)
		}
		h.p.mu.Lock()
		idle := h.p.servers[key].idle
		h.p.mu.Unlock()
		if idle != 5*time.Second {
			t.Fatalf("server idle timeout: got %v; want 5s", idle)
		}
		h.client.CloseIdleConnections()
		if res, _ := h.get(80, "/"); res.StatusCode != 200 {
			t.Fatalf("after rebind: got %d; want 200", res.StatusCode)
		}
	})
}
