package agent

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// Reporter receives every change the agent observes, as nomad's
// TaskStateHandler receives TaskStateUpdated. Control implements it; the
// agent defines it so that it never imports control (STYLE.md §2).
//
// TaskStateChanged is called from the task's runner goroutine, so the
// changes of one task arrive in the order they happened and never
// concurrently; changes of different tasks may arrive concurrently. It
// must not block for long: the runner waits for it. It may call back into
// the Agent's non-blocking methods (Apply, Sync, State): no agent lock is
// held while it runs. It must not call Kill or Shutdown, which wait for
// the runner that is waiting for it.
type Reporter interface {
	TaskStateChanged(TaskStateChange)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(TaskStateChange)

// TaskStateChanged calls f(c).
func (f ReporterFunc) TaskStateChanged(c TaskStateChange) { f(c) }

var _ Reporter = ReporterFunc(nil)

// Container reasons the agent writes besides ecs.ContainerReasonOutOfMemory
// (§8.2). Named errors render as "<Name>: <message>", as the ECS agent
// renders them; the message is the driver's error.
const (
	// ReasonCannotPull prefixes the reason of a container whose image could
	// not be resolved or pulled (driver.ErrImageNotFound).
	ReasonCannotPull = "CannotPullContainerError: "
	// ReasonCannotStart prefixes the reason of a container whose start
	// failed for any other reason.
	ReasonCannotStart = "CannotStartContainerError: "
	// ReasonNotRecovered prefixes the reason of a container that a
	// restarted ecslocal could not re-adopt (its driver cannot recover
	// tasks, or the container went away while nobody watched). It is an
	// ecslocal reason, not an ECS one; the container is then treated as
	// exited with an unknown status: an essential one stops the task with
	// EssentialContainerExited and control replaces it.
	ReasonNotRecovered = "ecslocal restarted: container could not be re-adopted: "
	// ReasonExitUnknown prefixes the reason of a container whose exit
	// status the driver could not read (driver.ExitResult.Err, for example
	// a process re-adopted after a restart). Its exitCode stays unset.
	ReasonExitUnknown = "ecslocal: exit status unknown: "
)

// TaskStateChange is one observation of a task: the status the agent
// reports for it and the full state of its containers at that moment. It
// holds only fields the agent owns (lastStatus, containers, pull and
// execution times) plus, when the agent itself decided the task must stop
// (an essential container exited, a container failed to start), the
// StopCode and StoppedReason it proposes: control records them with
// ecs.Task.Stop, since desiredStatus, stopCode and stoppedReason are
// control's fields. A stop control asked for carries no StopCode here.
type TaskStateChange struct {
	TaskARN              string
	ContainerInstanceARN string
	// LastStatus is the task status observed: PENDING, RUNNING, STOPPING
	// or STOPPED. Consecutive changes of a task either repeat it (only a
	// container changed) or move along ecs.CanTransition.
	LastStatus ecs.TaskStatus
	// Containers are every container of the task, in task definition
	// order.
	Containers []ContainerStateChange
	// StopCode and StoppedReason are set when the agent stopped the task on
	// its own account: EssentialContainerExited with "Essential container
	// in task exited", or TaskFailedToStart with the failing container's
	// reason ("CannotPullContainerError: …").
	StopCode      ecs.StopCode
	StoppedReason string
	// The times the agent stamps; zero means not reached. ExecutionStoppedAt
	// is when the essential container that ended the task stopped, or when
	// the last container stopped.
	PullStartedAt      time.Time
	PullStoppedAt      time.Time
	ExecutionStoppedAt time.Time
	// At is when the change was observed; ApplyTo passes it to
	// ecs.Task.SetLastStatus, which stamps startedAt, stoppingAt and
	// stoppedAt from it.
	At time.Time
}

// ContainerStateChange is one container's observed state.
type ContainerStateChange struct {
	Name string
	// RuntimeID is the driver's TaskHandle.RuntimeID (Docker container ID,
	// "pid-<n>"), set once the container started.
	RuntimeID  string
	LastStatus ecs.ContainerStatus
	// ExitCode is set only for a STOPPED container whose exit status is
	// known (§8.2).
	ExitCode *int
	// Reason is why the container stopped, at most ecs.MaxContainerReason
	// bytes; empty for an ordinary exit.
	Reason string
	// NetworkBindings are the host ports the container was started with.
	NetworkBindings []ecs.NetworkBinding
}

// Copy returns a deep copy of c.
func (c TaskStateChange) Copy() TaskStateChange {
	c.Containers = slices.Clone(c.Containers)
	for i := range c.Containers {
		cc := &c.Containers[i]
		if cc.ExitCode != nil {
			v := *cc.ExitCode
			cc.ExitCode = &v
		}
		cc.NetworkBindings = slices.Clone(cc.NetworkBindings)
	}
	return c
}

// Container returns the named container's state, or nil.
func (c *TaskStateChange) Container(name string) *ContainerStateChange {
	for i := range c.Containers {
		if c.Containers[i].Name == name {
			return &c.Containers[i]
		}
	}
	return nil
}

// ApplyTo writes the observation into t, a copy control owns, touching only
// the fields the agent owns: LastStatus (through ecs.Task.SetLastStatus,
// skipped when unchanged), the pull and execution-stopped times, and each
// container's runtimeId, lastStatus, exitCode, reason and networkBindings.
// It never writes desiredStatus, stopCode or stoppedReason: when StopCode is
// set, control calls t.Stop(c.StopCode, c.StoppedReason) itself, before
// ApplyTo, so that a STOPPED task is always desired STOPPED. The error wraps
// ecs.ErrInvalidTransition for a status the lifecycle does not allow (for
// example a late report about a task control already saw STOPPED).
func (c TaskStateChange) ApplyTo(t *ecs.Task) error {
	stamp := func(dst *ecs.Timestamp, v time.Time) {
		if dst.IsZero() && !v.IsZero() {
			*dst = ecs.At(v)
		}
	}
	if c.LastStatus != t.LastStatus {
		if !ecs.CanTransition(t.LastStatus, c.LastStatus) {
			// Checked first so that a refused change writes nothing.
			return t.SetLastStatus(c.LastStatus, c.At)
		}
		// Before SetLastStatus, which would stamp executionStoppedAt with
		// c.At when it is still zero.
		stamp(&t.ExecutionStoppedAt, c.ExecutionStoppedAt)
		if err := t.SetLastStatus(c.LastStatus, c.At); err != nil {
			return err
		}
	}
	stamp(&t.PullStartedAt, c.PullStartedAt)
	stamp(&t.PullStoppedAt, c.PullStoppedAt)
	stamp(&t.ExecutionStoppedAt, c.ExecutionStoppedAt)
	for _, cc := range c.Containers {
		tc := t.Container(cc.Name)
		if tc == nil {
			continue
		}
		if cc.LastStatus != tc.LastStatus && !ecs.CanTransitionContainer(tc.LastStatus, cc.LastStatus) {
			continue // a container never goes back
		}
		tc.LastStatus = cc.LastStatus
		if cc.RuntimeID != "" {
			tc.RuntimeID = cc.RuntimeID
		}
		if cc.ExitCode != nil {
			v := *cc.ExitCode
			tc.ExitCode = &v
		}
		if cc.Reason != "" {
			tc.Reason = cc.Reason
		}
		if cc.NetworkBindings != nil {
			tc.NetworkBindings = slices.Clone(cc.NetworkBindings)
		}
	}
	return nil
}

// truncateReason cuts a reason to what ECS keeps (§8.1), on a rune
// boundary.
func truncateReason(s string) string {
	if len(s) <= ecs.MaxContainerReason {
		return s
	}
	n := ecs.MaxContainerReason
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
