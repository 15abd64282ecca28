// Package agent is the ECS container agent of one simulated container
// instance: control hands it the desired state of the instance's tasks
// (Agent.Apply, Agent.Sync), it runs one TaskRunner per task that starts,
// watches and stops the task's containers through a driver.Driver, and it
// reports every observed change upward through the Reporter interface it
// defines (TaskStateChange). It imports ecs, driver and the standard
// library only, and must never import control: control implements
// Reporter, as nomad's allocrunner implements the TaskStateHandler its
// taskrunner defines. See README.md for the flow.
//
// The agent writes only what ECS's agent owns (STYLE.md §6.3): the task's
// lastStatus, its containers' state (runtimeId, lastStatus, exitCode,
// reason, networkBindings) and the pull and execution-stopped times. When
// it decides on its own that a task must stop (an essential container
// exited, a container failed to start) it proposes the stopCode and
// stoppedReason in the change; control records them, with desiredStatus.
// "§n" cites /work/shared/spec/aws-semantics.md.
//
// # TaskRunner state machine
//
// One goroutine (Run) owns a task's state and reports each step; the task
// statuses reported are those of ecs.CanTransition, and consecutive
// reports of a task either repeat a status (a container changed) or move
// forward. ACTIVATING and DEACTIVATING (target group registration and
// draining) are control's steps, not the agent's.
//
//	            Apply (new task)                  Recover (earlier run's handles)
//	                 │                                    │ driver.Recoverer per container;
//	                 ▼                                    │ a lost container counts as
//	desired     ┌─────────┐ pullStartedAt                 │ exited, status unknown
//	STOPPED     │ PENDING │ Start each container in       │
//	before ──┐  └─────────┘ definition order              │
//	start    │    │     │                                 │
//	         │    │     └─ a Start fails: reason          │
//	         │    │        CannotPullContainerError: … or │
//	         │    │        CannotStartContainerError: …,  │
//	         │    │        TaskFailedToStart ──────┐      │
//	         │    ▼ all started                    │      ▼
//	         │  ┌─────────┐ pullStoppedAt,         │   RUNNING, or the later status
//	         │  │ RUNNING │ runtimeIds,            │   control last recorded; then
//	         │  └─────────┘ networkBindings        │   supervised the same way
//	         │    │ a non-essential container exits: reported, stays RUNNING
//	         │    │ Shutdown (shutdownCtx): Run returns, containers keep running
//	         │    │
//	         │    │ an essential container exits (EssentialContainerExited,
//	         │    │ executionStoppedAt), or Kill / desired STOPPED (killCtx)
//	         │    ▼                                │
//	         │  ┌──────────┐◀──────────────────────┘ (skipped when no container runs)
//	         │  │ STOPPING │ stop signal, then SIGKILL after Scale(stopTimeout)
//	         │  └──────────┘ (default 30 s), every container at once
//	         │    │ every container exited; driver handles destroyed
//	         │    ▼
//	         │  ┌─────────┐ exit codes (137 with "OutOfMemoryError: Container killed
//	         └─▶│ STOPPED │ due to memory usage" for an OOM kill); containers never
//	            └─────────┘ started: STOPPED without an exit code. WaitCh closes.
//
// Shutdown during PENDING leaves the containers started so far running
// (Handles has them). Shutdown during STOPPING waits for the stop to
// finish: a task half stopped would be left to nobody.
//
// # Not implemented
//
// dependsOn ordering (containers start in definition order and stop all at
// once), container health checks (healthStatus stays as control set it),
// startTimeout, and the image's own STOPSIGNAL (SIGTERM is always sent).
package agent
