package driver

import (
	"errors"
	"fmt"
)

// Sentinel errors shared by every driver. Drivers wrap them with context
// (fmt.Errorf("...: %w", ErrTaskNotFound)); callers compare with errors.Is.
var (
	// ErrTaskNotFound means the driver holds no handle with that ID: it was
	// never started, its Start failed, or it was destroyed.
	ErrTaskNotFound = errors.New("task not found")

	// ErrTaskExists means Start was given an ID the driver already holds.
	ErrTaskExists = errors.New("task already exists")

	// ErrTaskRunning means Destroy(force=false) was called on a task that is
	// still running.
	ErrTaskRunning = errors.New("task is still running")

	// ErrImageNotFound means the image reference cannot be resolved (the
	// process driver has no mapping for it, Docker cannot pull it). The agent
	// reports it as "CannotPullContainerError: <message>", stopCode
	// TaskFailedToStart.
	ErrImageNotFound = errors.New("image not found")

	// ErrNotSupported is returned by the optional-capability stubs
	// (SignalNotSupported, RecoverNotSupported).
	ErrNotSupported = errors.New("not supported by this driver")

	// ErrExitUnknown is the ExitResult.Err of a task whose exit status the
	// driver cannot know, for example one re-adopted by Recoverer after a
	// restart of ecslocal (only a parent process can read the status).
	ErrExitUnknown = errors.New("exit status unknown")

	// ErrInvalidConfig wraps every problem TaskConfig.Validate finds.
	ErrInvalidConfig = errors.New("invalid task config")
)

// NewErrTaskNotFound returns ErrTaskNotFound wrapped with the task ID.
func NewErrTaskNotFound(id string) error {
	return fmt.Errorf("task %q: %w", id, ErrTaskNotFound)
}

// NewErrImageNotFound returns ErrImageNotFound wrapped with the reference as
// the user wrote it and the reason.
func NewErrImageNotFound(ref, reason string) error {
	if reason == "" {
		return fmt.Errorf("image %q: %w", ref, ErrImageNotFound)
	}
	return fmt.Errorf("image %q: %s: %w", ref, reason, ErrImageNotFound)
}
