package main

import (
	"context"
	"io"
	"sync"
	"time"
)

// lineBuffer batches log records into few large writes, the way nginx's
// access_log buffer= and flush= do: a write syscall per request would cost
// more than serving the request. Every record that slog hands over is one
// whole line, and the buffer only ever writes whole records, so pre-fork
// workers sharing one stdout never interleave inside a line.
type lineBuffer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// bufferSize is below the 64 KiB a pipe holds, so one flush to a pipe is
// never split by a slow reader into pieces that another worker could
// interleave with.
const bufferSize = 32 << 10

func newLineBuffer(w io.Writer) *lineBuffer {
	return &lineBuffer{w: w, buf: make([]byte, 0, bufferSize)}
}

// Write appends one record, flushing first if it would not fit.
func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > cap(b.buf) {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > cap(b.buf) {
			return b.w.Write(p)
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes whatever is buffered.
func (b *lineBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

func (b *lineBuffer) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.w.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// run flushes every interval until ctx is done, then once more, so a record
// waits at most interval before it is visible.
func (b *lineBuffer) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			b.Flush()
			return
		case <-t.C:
			b.Flush()
		}
	}
}
