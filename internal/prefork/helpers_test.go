package prefork

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond until it returns true or timeout passes, then fails the
// test with the message (nomad testutil.WaitForResult, without sleeps in the
// assertions themselves).
func waitFor(tb testing.TB, timeout time.Duration, cond func() bool, format string, args ...any) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s: "+format, append([]any{timeout}, args...)...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// logRecord is one record captured by recordingHandler.
type logRecord struct {
	msg   string
	attrs map[string]string
}

// recordingHandler is a slog.Handler that keeps every record for assertions
// and copies it to the test log.
type recordingHandler struct {
	tb testing.TB

	mu      sync.Mutex
	records []logRecord
}

func newRecordingLogger(tb testing.TB) (*slog.Logger, *recordingHandler) {
	h := &recordingHandler{tb: tb}
	return slog.New(h), h
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler            { return h }

func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{msg: r.Message, attrs: make(map[string]string)}
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	h.mu.Lock()
	h.records = append(h.records, rec)
	h.mu.Unlock()
	h.tb.Log(b.String())
	return nil
}

// has reports whether a record with msg and every attribute in kv (key,
// value, key, value, …) was logged.
func (h *recordingHandler) has(msg string, kv ...string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
next:
	for _, r := range h.records {
		if r.msg != msg {
			continue
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if r.attrs[kv[i]] != kv[i+1] {
				continue next
			}
		}
		return true
	}
	return false
}
