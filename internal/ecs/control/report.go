package control

import (
	"errors"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/agent"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// Reporter returns the agent.Reporter the agents report to. Each change
// is applied to the store as its own batch: a proposed StopCode first
// stops the task (UpsertTask with desired STOPPED, as the agent README
// asks), then UpdateTaskLastStatus writes the observation. The
// deployment's scheduler.History observes the result and the loop is
// triggered.
//
// Control importing the agent package for this type only is the one
// exception to "control → ecs, ecs/state, ecs/scheduler": the agent
// defines Reporter (nomad's TaskStateHandler) and never imports control.
func (c *Controller) Reporter() agent.Reporter {
	return agent.ReporterFunc(c.taskStateChanged)
}

func (c *Controller) taskStateChanged(ch agent.TaskStateChange) {
	if err := c.applyChange(ch); err != nil {
		c.log.Warn("ecs control: agent report not applied", "task", ch.TaskARN, "status", ch.LastStatus, "err", err)
	}
	c.Trigger()
}

func (c *Controller) applyChange(ch agent.TaskStateChange) error {
	at := ch.At
	if at.IsZero() {
		at = c.now()
	}
	// Under writeMu, so an evaluation sees the new status and the
	// history that observed it together, never one without the other
	// (a stopped task not yet counted would let one more launch through
	// the circuit breaker).
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	snap := c.store.Snapshot()
	t := snap.Task(ch.TaskARN)
	if t == nil {
		return errors.New("unknown task")
	}
	var ops []state.Op
	if ch.StopCode != "" || ch.LastStatus == ecs.TaskStatusStopped {
		code, reason := ch.StopCode, ch.StoppedReason
		if code == "" {
			// Stopped without a proposal and without control asking:
			// the agent lost it (emulator choice).
			code, reason = ecs.StopCodeEssentialContainerExited, ecs.StoppedReasonEssentialContainer
		}
		st := t.Copy()
		if st.Stop(code, reason) {
			st.Version++
			ops = append(ops, state.UpsertTask{Task: st})
		}
	}
	up := state.UpdateTaskLastStatus{
		TaskARN:            ch.TaskARN,
		LastStatus:         ch.LastStatus,
		PullStartedAt:      ecs.At(ch.PullStartedAt),
		PullStoppedAt:      ecs.At(ch.PullStoppedAt),
		ExecutionStoppedAt: ecs.At(ch.ExecutionStoppedAt),
	}
	for _, cc := range ch.Containers {
		up.Containers = append(up.Containers, state.ContainerStateChange{
			Name:            cc.Name,
			LastStatus:      cc.LastStatus,
			ExitCode:        cc.ExitCode,
			Reason:          cc.Reason,
			NetworkBindings: cc.NetworkBindings,
			RuntimeID:       cc.RuntimeID,
		})
	}
	ops = append(ops, up)
	if _, err := c.store.Apply(ops, at); err != nil {
		return err
	}
	t = c.store.Snapshot().Task(ch.TaskARN)
	if t == nil {
		return nil
	}
	if t.AgentTerminal() || hasBindings(t) {
		c.mu.Lock()
		delete(c.bindings, t.TaskARN)
		c.mu.Unlock()
	}
	if t.StartedBy != "" && ecs.IsDeploymentID(t.StartedBy) {
		c.observe(t, at)
	}
	return nil
}

// observe feeds a task's new status to its deployment's history.
func (c *Controller) observe(t *ecs.Task, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.history[t.StartedBy] = c.history[t.StartedBy].Observe(t, now)
}
