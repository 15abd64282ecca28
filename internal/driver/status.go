package driver

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// TaskState is a handle's state as the driver observes it.
type TaskState string

// Handle states; see the state machine in the package documentation.
const (
	TaskStateUnknown TaskState = "unknown"
	TaskStateRunning TaskState = "running"
	TaskStateExited  TaskState = "exited"
)

// ExitResult is how a task ended.
type ExitResult struct {
	// ExitCode is the exit status, or 128+Signal for a task killed by a
	// signal (143 for SIGTERM, 137 for SIGKILL and OOM kills).
	ExitCode int
	// Signal is the signal that killed the task, 0 if it exited by itself.
	Signal int
	// OOMKilled is set when the kernel OOM killer ended the task because
	// it exceeded its hard memory limit.
	OOMKilled bool
	// Err is set when the driver lost track of the task (wait failed,
	// runtime error); ExitCode is then not meaningful.
	Err error
}

// Successful reports whether the task exited by itself with status 0.
func (r ExitResult) Successful() bool {
	return r.ExitCode == 0 && r.Signal == 0 && !r.OOMKilled && r.Err == nil
}

// String renders r for logs: "exit code 137 (signal 9, OOM killed)".
func (r ExitResult) String() string {
	s := fmt.Sprintf("exit code %d", r.ExitCode)
	switch {
	case r.Signal != 0 && r.OOMKilled:
		s += fmt.Sprintf(" (signal %d, OOM killed)", r.Signal)
	case r.Signal != 0:
		s += fmt.Sprintf(" (signal %d)", r.Signal)
	case r.OOMKilled:
		s += " (OOM killed)"
	}
	if r.Err != nil {
		s += ": " + r.Err.Error()
	}
	return s
}

// TaskHandle is what Start returns: enough for the agent to report the
// container (runtimeId) and to persist for Recoverer after a restart.
type TaskHandle struct {
	// ID is TaskConfig.ID.
	ID string
	// Driver is the Name of the driver that started the task.
	Driver string
	// RuntimeID identifies the running thing to humans and is reported as
	// the container's runtimeId: a Docker container ID, "pid-<n>" for the
	// process driver.
	RuntimeID string
	// PID is the task's main process ID on this host, 0 if not a local
	// process.
	PID int
	// StartedAt is when the task started running.
	StartedAt time.Time
	// Config is a copy of the config the task was started with.
	Config *TaskConfig
	// DriverState is opaque, driver-specific state for Recoverer. Nil
	// means the driver keeps none.
	DriverState []byte
}

// Copy returns a deep copy of h.
func (h *TaskHandle) Copy() *TaskHandle {
	if h == nil {
		return nil
	}
	n := *h
	n.Config = h.Config.Copy()
	n.DriverState = slices.Clone(h.DriverState)
	return &n
}

// TaskStatus is what Inspect reports.
type TaskStatus struct {
	// ID is TaskConfig.ID.
	ID string
	// State is the handle's state.
	State TaskState
	// PID is the main process ID, 0 if not a local process.
	PID int
	// StartedAt is when the task started running.
	StartedAt time.Time
	// CompletedAt is when the task exited; zero while it runs.
	CompletedAt time.Time
	// ExitResult is set once State is TaskStateExited, nil before.
	ExitResult *ExitResult
	// LogPath is where stdout and stderr go, "" if discarded.
	LogPath string
	// Details holds driver-specific facts for humans and debugging (cgroup
	// paths, applied limits). Nil means none.
	Details map[string]string
}

// Copy returns a deep copy of s.
func (s *TaskStatus) Copy() *TaskStatus {
	if s == nil {
		return nil
	}
	n := *s
	if s.ExitResult != nil {
		r := *s.ExitResult
		n.ExitResult = &r
	}
	n.Details = maps.Clone(s.Details)
	return &n
}
