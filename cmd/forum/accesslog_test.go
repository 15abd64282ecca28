package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// writes records every Write call it receives, to check batching.
type writes struct {
	mu    sync.Mutex
	calls []string
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, string(p))
	return len(p), nil
}

func (w *writes) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.calls...)
}

func TestLineBufferBatchesWholeLines(t *testing.T) {
	w := &writes{}
	b := newLineBuffer(w)
	line := strings.Repeat("x", 99) + "\n"
	const n = 1000 // 100 KB: several flushes
	for range n {
		b.Write([]byte(line))
	}
	b.Flush()
	calls := w.all()
	if len(calls) < 3 || len(calls) > 5 {
		t.Errorf("got %d writes for %d bytes; want about %d (batches of %d bytes)", len(calls), n*len(line), n*len(line)/bufferSize+1, bufferSize)
	}
	var all bytes.Buffer
	for _, c := range calls {
		if !strings.HasSuffix(c, "\n") || len(c)%len(line) != 0 {
			t.Fatalf("a write of %d bytes does not hold whole lines", len(c))
		}
		all.WriteString(c)
	}
	if all.Len() != n*len(line) {
		t.Fatalf("got %d bytes; want %d", all.Len(), n*len(line))
	}
}

func TestLineBufferLargeRecordAndFlushOnStop(t *testing.T) {
	w := &writes{}
	b := newLineBuffer(w)
	big := strings.Repeat("y", bufferSize+10) + "\n"
	b.Write([]byte("small\n"))
	b.Write([]byte(big))
	if got := w.all(); len(got) != 2 || got[0] != "small\n" || got[1] != big {
		t.Fatalf("got %d writes; want the buffered line, then the large record unbuffered", len(got))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.run(ctx, time.Hour); close(done) }()
	b.Write([]byte("last\n"))
	cancel()
	<-done
	if got := w.all(); got[len(got)-1] != "last\n" {
		t.Fatalf("last write %q; want the record buffered before stop", got[len(got)-1])
	}
}
