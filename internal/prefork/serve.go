package prefork

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// drainIdleGrace is how long a connection may stay idle during a drain
	// before Serve closes it. A client that is about to reuse the
	// connection has this long to do so and receive "Connection: close";
	// one that loses the race sees the connection close before any
	// response byte, which clients retry for idempotent requests (Go's
	// http.Transport does).
	drainIdleGrace = 250 * time.Millisecond
	// drainTick is how often the drain looks for idle connections.
	drainTick = 25 * time.Millisecond
)

// Serve serves srv on ln until ctx is done or, in a worker, MasterGone is
// closed, then drains and returns:
//
//  1. ln is closed, so no new connection is accepted here; the master's copy
//     of the socket stays open, so new connections queue for other workers.
//  2. Every response written from then on, including those of requests
//     already in flight, carries "Connection: close", so that keep-alive
//     clients move to another worker instead of hitting a closed socket.
//  3. Connections that stay idle (or never send a request) for a short grace
//     period are closed.
//  4. In-flight requests finish. Whatever is still open after shutdownTimeout
//     is closed and Serve returns an error that wraps
//     context.DeadlineExceeded.
//
// It deliberately does not call srv.Shutdown or srv.SetKeepAlivesEnabled(false)
// when the drain starts: both close idle keep-alive connections at once, racing
// a client that is just sending its next request on one of them.
//
// Serve takes srv over: it wraps srv.Handler (nil means http.DefaultServeMux)
// and srv.ConnState (the original is still called), and it closes srv before
// returning, so srv must not be served elsewhere or reused. Serve returns nil
// after a complete drain, or the error that stopped the accept loop.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, shutdownTimeout time.Duration) error {
	var gone <-chan struct{}
	if IsWorker() {
		gone = MasterGone()
	}
	return serve(ctx, srv, ln, drainConfig{
		timeout:   shutdownTimeout,
		idleGrace: drainIdleGrace,
		tick:      drainTick,
		gone:      gone,
	})
}

// drainConfig holds the knobs of serve; tests shorten or lengthen them.
type drainConfig struct {
	timeout   time.Duration   // shutdownTimeout
	idleGrace time.Duration   // drainIdleGrace
	tick      time.Duration   // drainTick
	gone      <-chan struct{} // MasterGone, nil outside a worker
}

func serve(ctx context.Context, srv *http.Server, ln net.Listener, cfg drainConfig) error {
	t := newConnTracker(srv)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
	case <-cfg.gone:
	case serveErr = <-errc:
	}

	// Order matters: mark first, so any response that could follow the
	// close of the listener already says "Connection: close".
	t.draining.Store(true)
	ln.Close()
	if serveErr == nil {
		// Wait for the accept loop: once srv.Serve has returned, every
		// connection it accepted has been reported through ConnState,
		// so the tracker sees all of them.
		serveErr = <-errc
	}
	if errors.Is(serveErr, net.ErrClosed) || errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}

	drainErr := t.drain(cfg)
	srv.Close()
	return errors.Join(serveErr, drainErr)
}

// connTracker follows every connection of one server through ConnState and
// adds "Connection: close" to responses once draining is set.
type connTracker struct {
	draining atomic.Bool

	mu    sync.Mutex
	conns map[net.Conn]connInfo
}

// connInfo is the last state of a connection and when it entered it.
type connInfo struct {
	state http.ConnState
	since time.Time
}

// newConnTracker installs the tracker's hooks on srv.
func newConnTracker(srv *http.Server) *connTracker {
	t := &connTracker{conns: make(map[net.Conn]connInfo)}

	next := srv.Handler
	if next == nil {
		next = http.DefaultServeMux
	}
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dw := &drainWriter{ResponseWriter: w, draining: &t.draining}
		next.ServeHTTP(dw, r)
		// A handler that writes nothing gets its header written by the
		// server after it returns; this is the last chance to add ours.
		dw.markClose()
	})

	prev := srv.ConnState
	srv.ConnState = func(c net.Conn, s http.ConnState) {
		t.setState(c, s)
		if prev != nil {
			prev(c, s)
		}
	}
	return t
}

func (t *connTracker) setState(c net.Conn, s http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch s {
	case http.StateClosed, http.StateHijacked:
		// A hijacked connection belongs to the handler now.
		delete(t.conns, c)
	default:
		t.conns[c] = connInfo{state: s, since: time.Now()}
	}
}

// closeIdle closes connections that have been idle, or new without a
// request, for at least grace, and returns how many are left open.
func (t *connTracker) closeIdle(now time.Time, grace time.Duration) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c, ci := range t.conns {
		if ci.state != http.StateIdle && ci.state != http.StateNew {
			continue
		}
		if now.Sub(ci.since) >= grace {
			c.Close()
			// ConnState reports StateClosed only for connections
			// the server closes itself, so forget it here.
			delete(t.conns, c)
		}
	}
	return len(t.conns)
}

// drain waits until every connection is gone, closing idle ones as it goes,
// for at most cfg.timeout.
func (t *connTracker) drain(cfg drainConfig) error {
	deadline := time.NewTimer(cfg.timeout)
	defer deadline.Stop()
	tick := time.NewTicker(cfg.tick)
	defer tick.Stop()
	for {
		open := t.closeIdle(time.Now(), cfg.idleGrace)
		if open == 0 {
			return nil
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			return fmt.Errorf("drain: %d connections still open after %s: %w",
				open, cfg.timeout, context.DeadlineExceeded)
		}
	}
}

// drainWriter adds "Connection: close" to a response that starts while the
// server drains, which makes the server close the connection after it and
// tells the client not to reuse it.
type drainWriter struct {
	http.ResponseWriter
	draining    *atomic.Bool
	wroteHeader bool
}

// markClose sets the header if the response has not started yet.
func (w *drainWriter) markClose() {
	if w.wroteHeader {
		return
	}
	if w.draining.Load() {
		w.Header().Set("Connection", "close")
	}
}

func (w *drainWriter) WriteHeader(code int) {
	w.markClose()
	// 1xx responses are informational; the real header comes later.
	if code >= 200 {
		w.wroteHeader = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *drainWriter) Write(p []byte) (int, error) {
	w.markClose()
	w.wroteHeader = true
	return w.ResponseWriter.Write(p)
}

// Flush implements http.Flusher, which handlers commonly assert directly.
func (w *drainWriter) Flush() {
	w.markClose()
	w.wroteHeader = true
	// Ignore the error like http.Flusher does.
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the server's ResponseWriter and
// its other optional methods (Hijack, SetReadDeadline, …).
func (w *drainWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
