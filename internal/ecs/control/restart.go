package control

import (
	"fmt"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// What a restart of ecslocal changes for control: the store comes back
// from its file, but what control keeps only in memory starts over (the
// deployments' histories, host ports not yet reported, tasks waiting for
// their targets to drain). Two of those need care:
//
//   - the dynamic host port cursors resume past every host port the
//     stored tasks hold (resumePortCursors), so that a new task is not
//     handed the port of a task stopped across the restart while the
//     restored target group may still list that task's instance:port
//     (one target, two tasks: the deregistration of the old one would
//     drain the new one);
//   - the tasks a restarted ecslocal cannot keep are stopped with a code
//     and reason of the platform's (StopTaskWithCode), not a user's.

// resumePortCursors sets each container instance's dynamic host port
// cursor just past the highest dynamic host port of the tasks the store
// holds on it, STOPPED ones included. AssignHostPorts wraps a cursor past
// the range to its start.
func (c *Controller) resumePortCursors(snap *state.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cl := range snap.Clusters(state.Page{}) {
		for _, ci := range snap.ContainerInstances(cl.ClusterARN, state.Page{}) {
			high := 0
			for _, t := range snap.InstanceTasks(ci.ContainerInstanceARN) {
				for _, ct := range t.Containers {
					for _, b := range ct.NetworkBindings {
						if b.HostPort >= ecs.DynamicPortFirst && b.HostPort <= ecs.DynamicPortLast && b.HostPort > high {
							high = b.HostPort
						}
					}
				}
			}
			if high > 0 {
				c.nextPort[ci.ContainerInstanceARN] = high + 1
			}
		}
	}
}

// StopTaskWithCode stops a task on the platform's account rather than a
// user's (StopTask, UserInitiated) or the service scheduler's: the host it
// runs on goes away (cmd/ecslocal stopping its simulated instances uses
// TerminationNotice with "Host EC2 (instance i-…) stopped/terminated"), or
// a restarted ecslocal does not keep the task. The task is desired STOPPED
// with code and reason and its agent is told at once, without waiting for
// its targets to drain: whatever the service still has registered is
// deregistered by the next evaluation, as for any task that stopped.
//
// As for every stop, the first one wins: a task already desired STOPPED
// keeps its code and reason, and StopTaskWithCode reports false.
func (c *Controller) StopTaskWithCode(taskARN string, code ecs.StopCode, reason string) (bool, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	snap := c.store.Snapshot()
	t := snap.Task(taskARN)
	if t == nil {
		return false, fmt.Errorf("stop task %s: %w", taskARN, ecs.NewInvalidParameter("The referenced task was not found."))
	}
	if !t.Stop(code, reason) {
		return false, nil
	}
	t.Version++
	if _, err := c.store.Apply([]state.Op{state.UpsertTask{Task: t}}, c.now()); err != nil {
		return false, fmt.Errorf("stop task %s: %w", taskARN, err)
	}
	c.tell(t, snap.TaskDefinition(t.TaskDefinitionARN))
	c.Trigger()
	return true, nil
}
