// Package driver is the contract between the ECS agent and the things that
// actually run containers: the process driver (local executables), the Docker
// driver and the scripted fake used by control-plane tests. It imports only
// the standard library and must never import an implementation (process,
// docker, fake) or any ecs/elb package; implementations import it.
//
// The shape follows nomad's plugins/drivers/driver.go: one verb per lifecycle
// step, optional features as separate small interfaces (Signaler, Recoverer)
// with embeddable "not supported" stubs, and sentinel errors compared with
// errors.Is.
//
// # Handle lifecycle
//
// A driver keeps one handle per TaskConfig.ID from a successful Start until
// Destroy. Every verb other than Start takes that ID and returns
// ErrTaskNotFound for an ID the driver does not hold.
//
//	  (none) --Start fails--> (none)    nothing to release; the ID is free
//	    |
//	    | Start ok: the process or container is running when Start returns
//	    v
//	+---------+   the task ends by itself (exit status, fatal signal, OOM kill)
//	| RUNNING |   or Stop(timeout, sig): sig, then SIGKILL after timeout
//	+---------+   or Signal(sig) with a fatal sig
//	    |         or Destroy(force=true): SIGKILL at once
//	    v
//	+---------+   every Wait channel gets the one ExitResult; Inspect reports
//	| EXITED  |   it; Stop is a no-op; Destroy(force=false) is allowed
//	+---------+
//	    |
//	    | Destroy: cgroups, handles and goroutines released
//	    v         (log files are kept: they belong to the agent)
//	  (gone)      every verb returns ErrTaskNotFound; the ID may be reused
//
// Destroy(force=false) on a RUNNING task returns ErrTaskRunning and changes
// nothing; Destroy(force=true) kills the task first (SIGKILL, no grace
// period), waits for it to exit and then releases it.
//
// # Exit codes
//
// Drivers report exit codes the way Docker and ECS do: a task that exits
// normally reports its exit status; a task killed by signal N reports
// ExitCode 128+N and Signal N, so SIGTERM gives 143 and SIGKILL 137. A task
// killed by the kernel OOM killer for exceeding its hard memory limit reports
// ExitCode 137, Signal 9 and OOMKilled, which the agent turns into the
// container reason "OutOfMemoryError: Container killed due to memory usage".
//
// # Ownership
//
// Each RUNNING handle owns one goroutine that watches the task and closes the
// handle's done channel when the task exits. Wait starts one short goroutine
// per call that ends when the task exits or the caller's context is done, so
// an agent that always ends with Destroy (force if need be) leaves nothing
// behind.
package driver
