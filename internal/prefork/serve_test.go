package prefork

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// testServer is serve running in the background on 127.0.0.1.
type testServer struct {
	addr   string
	cancel context.CancelFunc
	errc   chan error
}

func startServe(t *testing.T, h http.Handler, cfg drainConfig) (*testServer, *http.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{addr: ln.Addr().String(), cancel: cancel, errc: make(chan error, 1)}
	go func() { ts.errc <- serve(ctx, srv, ln, cfg) }()
	t.Cleanup(func() {
		cancel()
		srv.Close()
		select {
		case <-ts.errc:
		case <-time.After(10 * time.Second):
			t.Error("serve did not return")
		}
	})
	return ts, srv
}

// wait waits for serve to return.
func (ts *testServer) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-ts.errc:
		ts.errc <- err
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return")
		return nil
	}
}

// waitClosed waits until the listener refuses connections: the drain has
// started.
func (ts *testServer) waitClosed(t *testing.T) {
	t.Helper()
	waitFor(t, 5*time.Second, func() bool {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			return true
		}
		c.Close()
		return false
	}, "listener still accepting")
}

// rawConn is a client connection on which the test controls every request.
type rawConn struct {
	net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{Conn: c, br: bufio.NewReader(c)}
}

func (c *rawConn) send(t *testing.T, path string) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
}

func (c *rawConn) recv(t *testing.T) (*http.Response, string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(body)
}

// waitEOF checks that the server closes the connection.
func (c *rawConn) waitEOF(t *testing.T) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.br.Read(make([]byte, 1))
	if err == nil {
		t.Fatalf("read %d bytes; want the connection closed", n)
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		t.Fatal("connection still open")
	}
}

func TestServeDrain(t *testing.T) {
	t.Parallel()

	t.Run("ConnectionClose", func(t *testing.T) {
		t.Parallel()
		started := make(chan struct{})
		release := make(chan struct{})
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
		mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-release
			io.WriteString(w, "done")
		})
		mux.HandleFunc("/silent", func(http.ResponseWriter, *http.Request) {})
		mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
			f, ok := w.(http.Flusher)
			if !ok {
				t.Error("ResponseWriter is not an http.Flusher")
				return
			}
			io.WriteString(w, "flushed")
			f.Flush()
			if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
				t.Errorf("ResponseController.SetWriteDeadline: %v", err)
			}
		})
		// An idle grace of an hour: only the drain's own rules close
		// connections here.
		ts, _ := startServe(t, mux, drainConfig{timeout: time.Minute, idleGrace: time.Hour, tick: 5 * time.Millisecond})

		inflight := dial(t, ts.addr)
		inflight.send(t, "/block")
		<-started

		keepalive := make(map[string]*rawConn)
		for _, path := range []string{"/", "/silent", "/flush"} {
			c := dial(t, ts.addr)
			c.send(t, path)
			resp, _ := c.recv(t)
			if resp.Close {
				t.Fatalf("GET %s before the drain: Connection: close", path)
			}
			keepalive[path] = c
		}

		ts.cancel()
		ts.waitClosed(t)

		// A new request on a kept-alive connection is served, told to
		// close, and the connection is closed.
		for path, c := range keepalive {
			c.send(t, path)
			resp, body := c.recv(t)
			if resp.StatusCode != http.StatusOK || !resp.Close {
				t.Errorf("GET %s during the drain = %d, close=%t (%q); want 200 with Connection: close", path, resp.StatusCode, resp.Close, body)
			}
			c.waitEOF(t)
		}

		// The in-flight request finishes, also with Connection: close.
		close(release)
		resp, body := inflight.recv(t)
		if resp.StatusCode != http.StatusOK || body != "done" || !resp.Close {
			t.Errorf("in-flight GET /block = %d %q, close=%t; want 200 \"done\" with Connection: close", resp.StatusCode, body, resp.Close)
		}
		inflight.waitEOF(t)

		if err := ts.wait(t); err != nil {
			t.Errorf("serve = %v; want nil", err)
		}
	})

	t.Run("IdleClosed", func(t *testing.T) {
		t.Parallel()
		var states atomic.Int64
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: mux, ConnState: func(net.Conn, http.ConnState) { states.Add(1) }}
		gone := make(chan struct{})
		errc := make(chan error, 1)
		go func() {
			errc <- serve(context.Background(), srv, ln, drainConfig{
				timeout: time.Minute, idleGrace: 20 * time.Millisecond, tick: 5 * time.Millisecond, gone: gone,
			})
		}()

		idle := dial(t, ln.Addr().String())
		idle.send(t, "/")
		idle.recv(t)
		silent := dial(t, ln.Addr().String()) // never sends a request
		waitFor(t, 5*time.Second, func() bool { return states.Load() >= 4 }, "connections not seen")

		// The master going away starts the drain like ctx does.
		close(gone)
		idle.waitEOF(t)
		silent.waitEOF(t)
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("serve = %v; want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not return")
		}
	})

	t.Run("Timeout", func(t *testing.T) {
		t.Parallel()
		started := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done()
		})
		ts, _ := startServe(t, h, drainConfig{timeout: 50 * time.Millisecond, idleGrace: time.Hour, tick: 5 * time.Millisecond})
		c := dial(t, ts.addr)
		c.send(t, "/")
		<-started
		ts.cancel()
		if err := ts.wait(t); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("serve = %v; want context.DeadlineExceeded", err)
		}
		c.waitEOF(t)
	})
}

func TestServeNotWorker(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- Serve(ctx, srv, ln, time.Minute) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Errorf("GET / = %d %q; want 200 \"ok\"", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Serve = %v; want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}
