package process

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// handle is one running (or exited) task. Its run goroutine owns the
// process: it alone waits for and reaps it, and it closes doneCh once the
// result is recorded.
type handle struct {
	cfg *driver.TaskConfig
	cmd *exec.Cmd
	pid int // also the process group ID (Setpgid)
	// startTicks is the process's start time (/proc/<pid>/stat field 22),
	// which with pid identifies it across a restart of ecslocal.
	startTicks uint64
	recovered  bool // re-adopted by Recover: not our child, cmd is nil
	cg         *taskCgroup
	startedAt  time.Time
	details    map[string]string
	now        func() time.Time

	doneCh chan struct{}

	mu          sync.Mutex
	mainExited  bool // main process is a zombie or reaped: no more signals
	sentKill    bool // the driver sent SIGKILL (Stop, Destroy): not an OOM kill
	result      driver.ExitResult
	completedAt time.Time
}

// run waits for the main process, tears the rest of the task down and
// records the result.
func (h *handle) run() {
	defer close(h.doneCh)
	werr := waitExited(h.pid)

	h.mu.Lock()
	h.mainExited = true
	h.mu.Unlock()

	// The main process is a zombie: its PID, and so the group ID, cannot
	// be reused until Wait below reaps it. As Docker does when a
	// container's init exits, kill whatever is left of the task, first its
	// process group and then anything that escaped it into the cgroup.
	_ = syscall.Kill(-h.pid, syscall.SIGKILL)
	h.cg.killAll()

	err := h.cmd.Wait()
	r := exitResult(h.cmd.ProcessState, errors.Join(werr, err))
	h.mu.Lock()
	// OOM: the kernel killed a process of this task for exceeding the
	// hard limit. Docker reports State.OOMKilled on the same evidence.
	r.OOMKilled = h.cg.oomKilled(r.Signal, h.sentKill)
	h.result, h.completedAt = r, h.now()
	h.mu.Unlock()
}

// exitResult turns a wait status into ECS exit semantics: 128+N for a
// process killed by signal N.
func exitResult(ps *os.ProcessState, err error) driver.ExitResult {
	if ps == nil {
		return driver.ExitResult{ExitCode: -1, Err: fmt.Errorf("no exit status: %w", err)}
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok {
		return driver.ExitResult{ExitCode: -1, Err: fmt.Errorf("no wait status: %w", err)}
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return driver.ExitResult{ExitCode: -1, Err: err}
	}
	if ws.Signaled() {
		sig := int(ws.Signal())
		return driver.ExitResult{ExitCode: 128 + sig, Signal: sig}
	}
	return driver.ExitResult{ExitCode: ws.ExitStatus()}
}

// signal sends sig to the task's whole process group. It reports false if
// the main process has already exited (nothing is sent then).
func (h *handle) signal(sig int) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mainExited {
		return false, nil
	}
	// A re-adopted process is not our child: it is reaped by someone else
	// the moment it exits, so check that the PID is still the task's.
	if h.recovered && !sameProcess(h.pid, h.startTicks) {
		return false, nil
	}
	if sig == driver.SIGKILL {
		h.sentKill = true
	}
	if err := syscall.Kill(-h.pid, syscall.Signal(sig)); err != nil && !errors.Is(err, syscall.ESRCH) {
		return false, fmt.Errorf("signal %d to process group %d: %w", sig, h.pid, err)
	}
	return true, nil
}

// kill sends SIGKILL to the process group and to anything left in the
// task's cgroup.
func (h *handle) kill() error {
	_, err := h.signal(driver.SIGKILL)
	h.cg.killAll()
	return err
}

func (h *handle) done() bool {
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
		PID:       h.pid,
		StartedAt: h.startedAt,
		LogPath:   h.cfg.LogPath(),
		Details:   h.details, // copied by the caller
	}
	if h.done() {
		h.mu.Lock()
		r := h.result
		st.State, st.ExitResult, st.CompletedAt = driver.TaskStateExited, &r, h.completedAt
		h.mu.Unlock()
	}
	return st.Copy()
}
