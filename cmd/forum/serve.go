package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// drainGrace is how long a draining server keeps answering on its open
// keep-alive connections, each answer closing its connection, before it
// closes the connections that stayed idle. Closing an idle keep-alive
// connection at once would race a client that is just sending its next
// request on it (the client sees a reset, not a response); a client that
// was busy gets "Connection: close" on its next response instead and
// reconnects, to another worker. One second is far longer than the gap
// between requests of a busy client.
const drainGrace = time.Second

// fastServer is a fasthttp server with a graceful drain.
type fastServer struct {
	srv      *fasthttp.Server
	draining atomic.Bool
}

// closeWhileDraining is the per-request hook: while draining, every
// response closes its connection.
func (s *fastServer) closeWhileDraining(ctx *fasthttp.RequestCtx) {
	if s.draining.Load() {
		ctx.SetConnectionClose()
	}
}

// serve serves ln until ctx is done, then drains within timeout: stop
// accepting, answer the open connections with "Connection: close" for a
// grace period, then close the idle ones and wait for requests in flight.
// Requests still running at the timeout are cut.
func (s *fastServer) serve(ctx context.Context, ln net.Listener, timeout time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(ln) }() // owned by serve: ends when ln closes
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	deadline := time.Now().Add(timeout)
	s.draining.Store(true)
	ln.Close() // stop accepting; open connections keep being served
	if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("serve: %w", err)
	}

	grace := time.NewTimer(min(drainGrace, timeout/2))
	defer grace.Stop()
	<-grace.C

	shutdownCtx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	// The listener is closed already, so Shutdown's own close of it fails
	// with net.ErrClosed: only a timeout matters here.
	if err := s.srv.ShutdownWithContext(shutdownCtx); errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("drain: requests still running after %s", timeout)
	}
	return nil
}

// fastLogger routes fasthttp's own messages (malformed requests and the
// like) to slog at warning level.
type fastLogger struct{ l *slog.Logger }

func (f fastLogger) Printf(format string, args ...any) {
	f.l.Warn(fmt.Sprintf(format, args...), "component", "fasthttp")
}
