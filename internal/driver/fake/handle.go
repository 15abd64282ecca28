package fake

import (
	"sync"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// handle is one scripted task. Its run goroutine owns the transition to
// exited and closes doneCh.
type handle struct {
	cfg       *driver.TaskConfig
	b         behaviour
	clock     Clock
	startedAt time.Time

	killCh chan int      // a terminating signal, received by run
	doneCh chan struct{} // closed by run once the result is set

	mu          sync.Mutex
	result      driver.ExitResult
	completedAt time.Time
}

// run waits for the script's exit or a terminating signal.
func (h *handle) run(exitAt <-chan time.Time) {
	defer close(h.doneCh)
	var r driver.ExitResult
	select {
	case <-exitAt: // nil (blocks forever) when the task runs until stopped
		r = driver.ExitResult{ExitCode: h.b.exitCode}
		if h.b.oom {
			r = driver.ExitResult{ExitCode: 128 + driver.SIGKILL, Signal: driver.SIGKILL, OOMKilled: true}
		}
	case sig := <-h.killCh:
		r = driver.ExitResult{ExitCode: 128 + sig, Signal: sig}
	}
	h.mu.Lock()
	h.result, h.completedAt = r, h.clock.Now()
	h.mu.Unlock()
}

// deliver hands sig to the task and reports whether it terminates it. An
// ignored SIGTERM, or any signal to an exited task, returns false.
func (h *handle) deliver(sig int) bool {
	if sig == driver.SIGTERM && h.b.ignoreSIGTERM {
		return false
	}
	select {
	case h.killCh <- sig:
		return true
	case <-h.doneCh:
		return false
	}
}

func (h *handle) exited() bool {
	select {
	case <-h.doneCh:
		return true
	default:
		return false
	}
}

func (h *handle) exitResult() driver.ExitResult {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.result
}

func (h *handle) status() *driver.TaskStatus {
	st := &driver.TaskStatus{
		ID:        h.cfg.ID,
		State:     driver.TaskStateRunning,
		StartedAt: h.startedAt,
		LogPath:   h.cfg.LogPath(),
	}
	if h.exited() {
		h.mu.Lock()
		r := h.result
		st.State, st.ExitResult, st.CompletedAt = driver.TaskStateExited, &r, h.completedAt
		h.mu.Unlock()
	}
	return st
}
