package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/driver/process"
	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/agent"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// What `ecslocal up` keeps across a restart, and what it does with the
// tasks an earlier run left (README "State across restarts"):
//
//   - the ECS state (<state-dir>/ecs.db: clusters, container instances,
//     task definitions, tasks, services) and the ALB state
//     (<state-dir>/elb.json: load balancers, listeners, rules, target
//     groups with their registered targets, tags) come back with their
//     ARNs; CloudFormation stacks do not (their resources do);
//   - on SIGINT/SIGTERM every task is stopped first: its simulated host
//     stops with ecslocal (stopCode TerminationNotice, stoppedReason
//     "Host EC2 (instance i-…) stopped/terminated"), and the services
//     start new tasks on the next run;
//   - after a crash (kill -9 of ecslocal, not of its tasks) the tasks
//     that were running are handed back to their instance's agent before
//     the ECS loop runs (restoreTasks): a Docker container still running
//     is re-adopted and keeps serving; a process task still running is
//     replaced, that is found (by PID and start time, never a reused PID),
//     stopped with its stop signal and stopTimeout, and recorded STOPPED
//     with the same code and reason as on a clean stop, so no process task
//     outlives the ecslocal that started it; a task whose process or
//     container is gone is reported STOPPED (EssentialContainerExited,
//     container reason "ecslocal restarted: container could not be
//     re-adopted: …"). The services then replace what stopped, and
//     control deregisters the stopped tasks' targets from the restored
//     target groups (draining), as for any task that stops.

// stateFiles names the two durable state files in a state directory.
func stateFiles(dir string) (ecsPath, elbPath string) {
	return filepath.Join(dir, "ecs.db"), filepath.Join(dir, "elb.json")
}

// agentStateDir is where the agent of an instance keeps its tasks' driver
// handles.
func agentStateDir(stateDir, ec2InstanceID string) string {
	return filepath.Join(stateDir, "agents", ec2InstanceID)
}

// hostStoppedReason is ECS's stoppedReason for the tasks of an instance
// that stopped or was terminated (§8.2); ecslocal writes it, with
// TerminationNotice, for the tasks of its simulated instances when it
// stops them, on shutdown or after a crash.
func hostStoppedReason(ec2InstanceID string) string {
	return "Host EC2 (instance " + ec2InstanceID + ") stopped/terminated"
}

// moveAside renames path to path.prev, replacing an earlier .prev.
func moveAside(path string) (string, error) {
	prev := path + ".prev"
	if err := os.Rename(path, prev); err != nil {
		return "", fmt.Errorf("move aside earlier state: %w", err)
	}
	return prev, nil
}

// openECSState opens the ECS state file, restoring what an earlier run
// left when the ALB's state file is there too. ecs.db alone comes from an
// ecslocal whose ALB state was not durable: its services name target
// groups that no longer exist, so it is moved aside rather than half
// restored; elb.json alone (its ECS half lost) is moved aside too, so the
// two halves always come back together or not at all.
func openECSState(dir string, logger *slog.Logger) (*state.Store, error) {
	ecsPath, elbPath := stateFiles(dir)
	_, ecsErr := os.Stat(ecsPath)
	_, elbErr := os.Stat(elbPath)
	switch {
	case ecsErr == nil && errors.Is(elbErr, os.ErrNotExist):
		prev, err := moveAside(ecsPath)
		if err != nil {
			return nil, err
		}
		logger.Warn("the ECS state comes from an older ecslocal without ALB state: starting fresh", "earlier_state", prev)
	case errors.Is(ecsErr, os.ErrNotExist) && elbErr == nil:
		prev, err := moveAside(elbPath)
		if err != nil {
			return nil, err
		}
		logger.Warn("ALB state without its ECS state: starting fresh", "earlier_state", prev)
	}
	st, err := state.Open(ecsPath)
	if err != nil {
		return nil, fmt.Errorf("open ecs state: %w", err)
	}
	return st, nil
}

// restoreSummary counts what restoreTasks did.
type restoreSummary struct {
	adopted, replaced, lost int
}

// restoreTasks hands every task of the restored store that is not STOPPED
// to its container instance's agent, with the driver handles the agent
// persisted, before the ECS loop runs (the loop would otherwise never tell
// the agents about tasks it does not change). Docker containers still
// running are re-adopted; process tasks still running are stopped on
// their host's account and replaced by their services; tasks that cannot
// be re-adopted are reported STOPPED by their runners. Handles of tasks
// the store already has STOPPED are released. See the comment at the top
// of this file.
func restoreTasks(ctx context.Context, store *state.Store, agents *agentSet, ecsc *ecscontrol.Controller, stateDir string, logger *slog.Logger) restoreSummary {
	var sum restoreSummary
	snap := store.Snapshot()
	for _, cl := range snap.Clusters(state.Page{}) {
		for _, ci := range snap.ContainerInstances(cl.ClusterARN, state.Page{}) {
			handles, err := agent.LoadHandles(agentStateDir(stateDir, ci.EC2InstanceID))
			if err != nil {
				// The readable ones are still returned.
				logger.Warn("restore: driver handles", "instance", ci.EC2InstanceID, "err", err)
			}
			var tasks []*ecs.Task
			for _, t := range snap.InstanceTasks(ci.ContainerInstanceARN) {
				if !t.AgentTerminal() || len(handles[t.TaskARN]) > 0 {
					tasks = append(tasks, t)
				}
			}
			if len(tasks) == 0 {
				continue
			}
			a, err := agents.get(ci.ContainerInstanceARN)
			if err != nil {
				logger.Error("restore: agent", "instance", ci.EC2InstanceID, "err", err)
				continue
			}
			for _, t := range tasks {
				sum.add(restoreTask(ctx, a, ecsc, snap, ci, t, handles[t.TaskARN], logger))
			}
		}
	}
	return sum
}

// restoreOutcome is what became of one restored task.
type restoreOutcome int

const (
	restoreReleased restoreOutcome = iota // STOPPED already: handles released
	restoreAdopted                        // re-adopted and supervised
	restoreReplaced                       // found running, stopped for its service to replace
	restoreLost                           // could not be re-adopted: reported STOPPED
)

func (s *restoreSummary) add(o restoreOutcome) {
	switch o {
	case restoreAdopted:
		s.adopted++
	case restoreReplaced:
		s.replaced++
	case restoreLost:
		s.lost++
	}
}

func restoreTask(ctx context.Context, a *agent.Agent, ecsc *ecscontrol.Controller, snap *state.Snapshot, ci *ecs.ContainerInstance,
	t *ecs.Task, handles []*driver.TaskHandle, logger *slog.Logger) restoreOutcome {
	log := logger.With("task", t.TaskARN, "instance", ci.EC2InstanceID)
	td := snap.TaskDefinition(t.TaskDefinitionARN)
	if err := a.Recover(ctx, t, td, handles); err != nil {
		if t.AgentTerminal() {
			log.Warn("restore: release driver handles", "err", err)
			return restoreReleased
		}
		// The runner reports what it could not re-adopt as exited, and
		// the task STOPPED if an essential container is among them.
		log.Warn("restore: task not re-adopted", "err", err)
		return restoreLost
	}
	if t.AgentTerminal() {
		return restoreReleased
	}
	if !runsProcesses(handles) || t.ControlTerminal() {
		// A desired-STOPPED task's runner stops it by itself.
		log.Info("restore: task re-adopted")
		return restoreAdopted
	}
	// A process task is no container: it cannot outlive the ecslocal that
	// started it (as on a clean shutdown), so it is replaced.
	if _, err := ecsc.StopTaskWithCode(t.TaskARN, ecs.StopCodeTerminationNotice, hostStoppedReason(ci.EC2InstanceID)); err != nil {
		log.Error("restore: stop process task", "err", err)
		return restoreLost
	}
	log.Info("restore: process task found running after a crash: stopped, its service replaces it")
	return restoreReplaced
}

// runsProcesses reports whether a task has containers run by the process
// driver.
func runsProcesses(handles []*driver.TaskHandle) bool {
	for _, h := range handles {
		if h != nil && h.Driver == process.Name {
			return true
		}
	}
	return false
}

// stopHosts stops every task the agents run on their host's account, as
// ecslocal stops its simulated instances on shutdown: desired STOPPED with
// TerminationNotice and "Host EC2 (instance i-…) stopped/terminated", and
// the agent told at once. The caller then waits for the agents (Kill).
func stopHosts(store *state.Store, agents *agentSet, ecsc *ecscontrol.Controller, logger *slog.Logger) {
	snap := store.Snapshot()
	for _, a := range agents.all() {
		for _, arn := range a.Tasks() {
			t := snap.Task(arn)
			if t == nil || t.Terminal() {
				continue
			}
			ci := snap.ContainerInstance(t.ContainerInstanceARN)
			if ci == nil {
				continue
			}
			if _, err := ecsc.StopTaskWithCode(arn, ecs.StopCodeTerminationNotice, hostStoppedReason(ci.EC2InstanceID)); err != nil {
				logger.Warn("stop task", "task", arn, "err", err)
			}
		}
	}
}
