package docker

import (
	"context"
	"fmt"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// handle is one container. Its run goroutine waits for the container to
// exit, records the result and closes done.
type handle struct {
	cfg  *driver.TaskConfig
	done chan struct{}

	// ctx bounds the run goroutine; cancel is called by Destroy.
	ctx    context.Context
	cancel context.CancelFunc

	mu          sync.Mutex
	containerID string
	pid         int
	startedAt   time.Time
	completedAt time.Time
	result      *driver.ExitResult
}

func newHandle(cfg *driver.TaskConfig) *handle {
	ctx, cancel := context.WithCancel(context.Background())
	return &handle{cfg: cfg, done: make(chan struct{}), ctx: ctx, cancel: cancel}
}

func (h *handle) attach(containerID string, pid int, startedAt time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.containerID, h.pid, h.startedAt = containerID, pid, startedAt
}

// run waits for the container to stop running and records how it ended.
func (h *handle) run(cli *client.Client) {
	defer close(h.done)
	res := h.wait(cli)
	h.mu.Lock()
	h.result = &res
	h.completedAt = time.Now()
	h.mu.Unlock()
}

func (h *handle) wait(cli *client.Client) driver.ExitResult {
	waitC, errC := cli.ContainerWait(h.ctx, h.containerID, container.WaitConditionNotRunning)
	select {
	case <-waitC:
	case err := <-errC:
		if h.ctx.Err() != nil {
			return driver.ExitResult{ExitCode: -1, Err: fmt.Errorf("destroyed while running")}
		}
		if cerrdefs.IsNotFound(err) {
			return driver.ExitResult{ExitCode: -1, Err: errGone}
		}
		return driver.ExitResult{ExitCode: -1, Err: fmt.Errorf("wait for container: %w", err)}
	}
	// The wait response has the exit code but not the OOM flag: inspect.
	info, err := cli.ContainerInspect(context.WithoutCancel(h.ctx), h.containerID)
	if err != nil {
		return driver.ExitResult{ExitCode: -1, Err: fmt.Errorf("inspect exited container: %w", err)}
	}
	res := driver.ExitResult{ExitCode: info.State.ExitCode, OOMKilled: info.State.OOMKilled}
	// The engine reports a signal death as 128+signal, like a shell.
	if res.ExitCode > 128 && res.ExitCode < 160 {
		res.Signal = res.ExitCode - 128
	}
	if res.OOMKilled && res.ExitCode == 0 {
		res.ExitCode, res.Signal = 137, 9
	}
	return res
}

func (h *handle) exited() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

// stopWatching ends the run goroutine (Destroy) and waits for it.
func (h *handle) stopWatching() {
	h.cancel()
	<-h.done
}

func (h *handle) exitResult() driver.ExitResult {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.result == nil {
		return driver.ExitResult{ExitCode: -1, Err: fmt.Errorf("no result")}
	}
	return *h.result
}

func (h *handle) taskHandle() *driver.TaskHandle {
	h.mu.Lock()
	defer h.mu.Unlock()
	return &driver.TaskHandle{
		ID:          h.cfg.ID,
		Driver:      Name,
		RuntimeID:   h.containerID,
		PID:         h.pid,
		StartedAt:   h.startedAt,
		Config:      h.cfg.Copy(),
		DriverState: []byte(h.containerID),
	}
}

func (h *handle) status() *driver.TaskStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := &driver.TaskStatus{
		ID:          h.cfg.ID,
		State:       driver.TaskStateRunning,
		PID:         h.pid,
		StartedAt:   h.startedAt,
		CompletedAt: h.completedAt,
		Details:     map[string]string{"container_id": h.containerID},
	}
	if h.result != nil {
		r := *h.result
		s.State, s.ExitResult = driver.TaskStateExited, &r
	}
	return s
}
