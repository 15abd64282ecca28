package driver

import (
	"context"
	"time"
)

// DefaultStopTimeout is the grace period between the stop signal and SIGKILL
// when the container definition has no stopTimeout: the ECS agent's
// ECS_CONTAINER_STOP_TIMEOUT default.
const DefaultStopTimeout = 30 * time.Second

// DefaultStopSignal is the signal Stop sends first when none is given.
const DefaultStopSignal = "SIGTERM"

// Driver runs one container per handle. Implementations must be safe for
// concurrent use: the agent runs one TaskRunner per task, all sharing one
// Driver.
type Driver interface {
	// Name is the driver's short name ("process", "docker", "fake"); it is
	// also TaskHandle.Driver.
	Name() string

	// Start validates cfg, resolves the image and starts the task. It
	// returns once the process or container is running, or with an error
	// and no handle left behind. ctx bounds the start only (image
	// resolution, pulls, start delays), never the task's life. Errors wrap
	// ErrInvalidConfig, ErrImageNotFound or ErrTaskExists where they apply.
	Start(ctx context.Context, cfg *TaskConfig) (*TaskHandle, error)

	// Wait returns a channel that receives exactly one ExitResult when the
	// task exits (immediately if it already has) and is then closed. If ctx
	// is done first the channel is closed without a value, so read it as
	// res, ok := <-ch. Every call gets its own channel.
	Wait(ctx context.Context, taskID string) (<-chan ExitResult, error)

	// Stop sends signal ("" means DefaultStopSignal) to the task, waits up
	// to timeout for it to exit and then sends SIGKILL; it returns once the
	// task has exited. Stopping a task that has already exited is a no-op.
	// A timeout <= 0 sends SIGKILL right after the signal.
	Stop(taskID string, timeout time.Duration, signal string) error

	// Destroy releases everything the driver holds for the task (cgroups,
	// handles, goroutines) and forgets the ID. A running task makes it fail
	// with ErrTaskRunning unless force is set, in which case the task is
	// killed first. Log files are left for the agent to remove.
	Destroy(taskID string, force bool) error

	// Inspect reports the task's current state. The result is a copy that
	// the caller may keep.
	Inspect(taskID string) (*TaskStatus, error)
}

// Signaler is implemented by drivers that can deliver an arbitrary signal
// to a running task without stopping it.
type Signaler interface {
	// Signal sends signal (a name such as "SIGHUP" or a number) to the
	// task's process group. A signal whose default action terminates the
	// process ends the task like any other exit.
	Signal(taskID string, signal string) error
}

// Recoverer is implemented by drivers that can re-adopt a task started by an
// earlier run of ecslocal, given the handle that Start returned then (the
// agent persists TaskHandle, including DriverState).
type Recoverer interface {
	// Recover re-registers the handle. It returns nil if the task is known
	// again (running or exited) and an error wrapping ErrTaskNotFound if the
	// task is gone.
	Recover(ctx context.Context, h *TaskHandle) error
}

// SignalNotSupported is embedded by drivers that cannot signal tasks; it
// implements Signaler by returning ErrNotSupported.
type SignalNotSupported struct{}

// Signal returns ErrNotSupported.
func (SignalNotSupported) Signal(taskID, signal string) error { return ErrNotSupported }

// RecoverNotSupported is embedded by drivers that cannot re-adopt tasks; it
// implements Recoverer by returning ErrNotSupported.
type RecoverNotSupported struct{}

// Recover returns ErrNotSupported.
func (RecoverNotSupported) Recover(ctx context.Context, h *TaskHandle) error {
	return ErrNotSupported
}
