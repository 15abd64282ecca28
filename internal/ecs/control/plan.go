package control

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// view is the scheduler.State of one evaluation: a store snapshot, plus
// what only control knows (host ports assigned but not yet reported,
// dynamic port cursors, deployment histories) and the ALB's target health,
// read once per target group.
type view struct {
	c      *Controller
	ctx    context.Context
	snap   *state.Snapshot
	health map[string]map[Target]TargetHealth // by target group
}

var _ scheduler.State = (*view)(nil)

func (c *Controller) newView(ctx context.Context, snap *state.Snapshot) *view {
	return &view{c: c, ctx: ctx, snap: snap, health: map[string]map[Target]TargetHealth{}}
}

func (v *view) Service(arn string) *ecs.Service { return v.snap.Service(arn) }

func (v *view) TaskDefinition(arn string) *ecs.TaskDefinition { return v.snap.TaskDefinition(arn) }

func (v *view) TasksByGroup(clusterARN, group string) []*ecs.Task {
	return v.overlayAll(v.snap.Tasks(state.TaskFilter{ClusterARN: clusterARN, Group: group}))
}

func (v *view) ContainerInstances(clusterARN string) []*ecs.ContainerInstance {
	cis := v.snap.ContainerInstances(clusterARN, state.Page{})
	for _, ci := range cis {
		if u, ok := v.snap.InstanceUsage(ci.ContainerInstanceARN); ok {
			ci.RemainingResources = u.Remaining
		}
	}
	return cis
}

func (v *view) TasksByContainerInstance(arn string) []*ecs.Task {
	return v.overlayAll(v.snap.InstanceTasks(arn))
}

func (v *view) overlayAll(ts []*ecs.Task) []*ecs.Task {
	for i, t := range ts {
		ts[i] = v.c.overlay(t)
	}
	return ts
}

func (v *view) NextHostPort(arn string) int {
	v.c.mu.Lock()
	defer v.c.mu.Unlock()
	return v.c.nextPort[arn]
}

func (v *view) History(id string) scheduler.History {
	v.c.mu.Lock()
	defer v.c.mu.Unlock()
	return v.c.history[id]
}

// TargetHealth finds the task's target in the group: the EC2 instance ID
// of its container instance and the host port of the load balancer's
// container port in the service that owns the task.
func (v *view) TargetHealth(tg, taskARN string) (scheduler.TargetHealth, bool) {
	if v.c.registrar == nil {
		return scheduler.TargetHealth{}, false
	}
	t := v.snap.Task(taskARN)
	if t == nil || t.ContainerInstanceARN == "" {
		return scheduler.TargetHealth{}, false
	}
	t = v.c.overlay(t)
	target, ok := v.c.targetOf(v.snap, t, tg)
	if !ok {
		return scheduler.TargetHealth{}, false
	}
	m, ok := v.health[tg]
	if !ok {
		m = map[Target]TargetHealth{}
		ths, err := v.c.registrar.TargetHealth(v.ctx, tg)
		if err != nil {
			v.c.log.Warn("ecs control: target health", "targetGroup", tg, "err", err)
		}
		for _, th := range ths {
			m[th.Target] = th
		}
		v.health[tg] = m
	}
	th, ok := m[target]
	if !ok {
		return scheduler.TargetHealth{}, false
	}
	return scheduler.TargetHealth{State: th.State, Description: th.Description}, true
}

// targetOf returns the ALB target of a service task in a target group.
func (c *Controller) targetOf(snap *state.Snapshot, t *ecs.Task, tg string) (Target, bool) {
	ci := snap.ContainerInstance(t.ContainerInstanceARN)
	if ci == nil {
		return Target{}, false
	}
	svc := snap.ServiceByName(t.ClusterARN, serviceNameOfGroup(t.Group))
	if svc == nil {
		return Target{}, false
	}
	for _, lb := range svc.LoadBalancers {
		if lb.TargetGroupARN != tg {
			continue
		}
		if port, ok := t.HostPort(lb.ContainerName, lb.ContainerPort); ok {
			return Target{ID: ci.EC2InstanceID, Port: port}, true
		}
	}
	return Target{}, false
}

func serviceNameOfGroup(group string) string {
	if len(group) > len("service:") && group[:len("service:")] == "service:" {
		return group[len("service:"):]
	}
	return ""
}

// applier is the scheduler.Planner of one evaluation: it applies a plan
// to the store and tells the agents and the ALB, in bucket order.
type applier struct {
	c   *Controller
	ctx context.Context
	now time.Time
}

var _ scheduler.Planner = (*applier)(nil)

// SubmitPlan applies p: DeregisterTargets, Stop, Place, RegisterTargets,
// Deployments, Rollback, Events (scheduler README). A failed ALB call is
// logged and retried by a later evaluation (the target's health still
// says what is registered); a failed store write aborts the rest.
func (a *applier) SubmitPlan(p scheduler.Plan) error {
	c := a.c
	snap := c.store.Snapshot()
	svc := snap.Service(p.ServiceARN)
	if svc == nil {
		return fmt.Errorf("plan for unknown service %s", p.ServiceARN)
	}
	clusterName := lastElem(svc.ClusterARN)

	// 1. The ALB drains first (§9.7).
	a.targets(p.DeregisterTargets, false)

	// 2. Stop: desired STOPPED, then the agent, at once for a task with
	// no target and once its targets left draining otherwise (§9.7:
	// "deregister target, wait TG deregistration delay, then stop
	// containers"; emulator: when the target leaves draining).
	draining := map[string]map[string]Target{}
	for _, tg := range p.DeregisterTargets {
		if draining[tg.TaskARN] == nil {
			draining[tg.TaskARN] = map[string]Target{}
		}
		draining[tg.TaskARN][tg.TargetGroupARN] = Target{ID: tg.EC2InstanceID, Port: tg.Port}
	}
	var stopped []*ecs.Task
	for _, s := range p.Stop {
		t := snap.Task(s.TaskARN)
		if t == nil || !t.Stop(s.StopCode, s.Reason) {
			continue
		}
		t.Version++
		if _, err := c.store.Apply([]state.Op{state.UpsertTask{Task: t}}, a.now); err != nil {
			return fmt.Errorf("stop %s: %w", t.ID(), err)
		}
		stopped = append(stopped, t)
	}
	for _, t := range stopped {
		if ts := draining[t.TaskARN]; len(ts) > 0 && c.registrar != nil {
			c.mu.Lock()
			c.awaitDrain[t.TaskARN] = ts
			c.mu.Unlock()
			continue
		}
		c.tell(t, snap.TaskDefinition(t.TaskDefinitionARN))
	}

	// 3. Place: create each task, remember its host ports, tell the agent.
	for _, pl := range p.Place {
		td := snap.TaskDefinition(pl.TaskDefinitionARN)
		if td == nil {
			return fmt.Errorf("place: unknown task definition %s", pl.TaskDefinitionARN)
		}
		t := c.buildTask(td, clusterName, pl.TaskID, pl.ContainerInstanceARN, pl.AvailabilityZone, pl.Group, pl.DeploymentID, nil, a.now)
		if svc.PropagateTags == ecs.PropagateTagsService {
			t.Tags = slices.Clone(svc.Tags)
		}
		c.mu.Lock()
		c.bindings[t.TaskARN] = pl.NetworkBindings
		c.nextPort[pl.ContainerInstanceARN] = pl.NextHostPort
		c.mu.Unlock()
		if _, err := c.store.Apply([]state.Op{state.UpsertTask{Task: t}}, a.now); err != nil {
			c.mu.Lock()
			delete(c.bindings, t.TaskARN)
			c.mu.Unlock()
			return fmt.Errorf("place %s: %w", t.ID(), err)
		}
		c.tell(t, td)
	}

	// 4. Register the targets of tasks that activated.
	a.targets(p.RegisterTargets, true)

	// 5-7. Deployments, rollback and events, on a fresh read of the
	// service (the stops and places above did not change it).
	svc = c.store.Snapshot().Service(p.ServiceARN)
	if svc == nil {
		return nil
	}
	changed := false
	for _, d := range p.Deployments {
		if cur := svc.Deployment(d.ID); cur != nil {
			*cur = d
			changed = true
		}
	}
	if rb := p.Rollback; rb != nil {
		if failed := svc.Deployment(rb.FailedDeploymentID); failed != nil {
			failed.Status = ecs.DeploymentStatusActive
		}
		d := ecs.NewDeployment(c.deploymentID(), rb.TaskDefinitionARN, svc.DesiredCount, a.now)
		d.RolloutStateReason = rb.Reason
		for i := range svc.Deployments {
			if svc.Deployments[i].Status == ecs.DeploymentStatusPrimary {
				svc.Deployments[i].Status = ecs.DeploymentStatusActive
			}
		}
		svc.Deployments = append([]ecs.Deployment{d}, svc.Deployments...)
		svc.TaskDefinition = rb.TaskDefinitionARN
		changed = true
	}
	svc.Deployments = slices.DeleteFunc(svc.Deployments, func(d ecs.Deployment) bool {
		return d.Status == ecs.DeploymentStatusInactive
	})
	for _, msg := range p.Events {
		svc.AddEvent(ecs.NewServiceEvent(c.uuid(), a.now, msg))
		changed = true
	}
	running, pending := 0, 0
	for _, d := range svc.Deployments {
		running += d.RunningCount
		pending += d.PendingCount
	}
	if running != svc.RunningCount || pending != svc.PendingCount {
		svc.RunningCount, svc.PendingCount = running, pending
		changed = true
	}
	if !changed {
		return nil
	}
	if _, err := c.store.Apply([]state.Op{state.UpsertService{Service: svc}}, a.now); err != nil {
		return fmt.Errorf("update service %s: %w", svc.ServiceName, err)
	}
	return nil
}

// targets registers or deregisters targets, one call per target group.
func (a *applier) targets(ts []scheduler.Target, register bool) {
	if len(ts) == 0 || a.c.registrar == nil {
		return
	}
	var order []string
	byTG := map[string][]Target{}
	for _, t := range ts {
		if _, ok := byTG[t.TargetGroupARN]; !ok {
			order = append(order, t.TargetGroupARN)
		}
		byTG[t.TargetGroupARN] = append(byTG[t.TargetGroupARN], Target{ID: t.EC2InstanceID, Port: t.Port})
	}
	for _, tg := range order {
		var err error
		if register {
			err = a.c.registrar.RegisterTargets(a.ctx, tg, byTG[tg])
		} else {
			err = a.c.registrar.DeregisterTargets(a.ctx, tg, byTG[tg])
		}
		if err != nil {
			a.c.log.Warn("ecs control: target registration", "targetGroup", tg, "register", register, "err", err)
		}
	}
}

// buildTask makes a new task of td on an instance, desired RUNNING and
// PENDING, with IDs and container ARNs generated here.
func (c *Controller) buildTask(td *ecs.TaskDefinition, clusterName, taskID, instanceARN, az, group, startedBy string, tags []ecs.Tag, now time.Time) *ecs.Task {
	arns := make([]string, len(td.ContainerDefinitions))
	for i := range arns {
		arns[i] = c.scope.ContainerARN(clusterName, taskID, c.uuid())
	}
	return ecs.NewTask(td, ecs.NewTaskInput{
		TaskARN:              c.scope.TaskARN(clusterName, taskID),
		ClusterARN:           c.scope.ClusterARN(clusterName),
		ContainerInstanceARN: instanceARN,
		AvailabilityZone:     az,
		ContainerARNs:        arns,
		Group:                group,
		StartedBy:            startedBy,
		Tags:                 tags,
		Now:                  now,
	})
}

func lastElem(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return s[i+1:]
		}
	}
	return s
}

// releaseDrained tells the agents to stop the tasks whose targets are no
// longer draining (deregistered for good, or gone), and forgets tasks
// that stopped meanwhile. It reports whether some task still waits.
func (c *Controller) releaseDrained(ctx context.Context) bool {
	c.mu.Lock()
	waiting := make(map[string]map[string]Target, len(c.awaitDrain))
	for arn, ts := range c.awaitDrain {
		waiting[arn] = ts
	}
	c.mu.Unlock()
	if len(waiting) == 0 {
		return false
	}
	snap := c.store.Snapshot()
	health := map[string]map[Target]TargetHealth{}
	still := false
	for arn, ts := range waiting {
		t := snap.Task(arn)
		done := t == nil || t.AgentTerminal()
		if !done {
			done = true
			for tg, target := range ts {
				m, ok := health[tg]
				if !ok {
					m = map[Target]TargetHealth{}
					ths, err := c.registrar.TargetHealth(ctx, tg)
					if err != nil {
						// Without an answer the task is stopped anyway: a
						// task left running forever is worse than cut
						// connections.
						c.log.Warn("ecs control: target health", "targetGroup", tg, "err", err)
					}
					for _, th := range ths {
						m[th.Target] = th
					}
					health[tg] = m
				}
				if th, ok := m[target]; ok && th.State == scheduler.TargetStateDraining {
					done = false
				}
			}
			if done {
				c.tell(t, snap.TaskDefinition(t.TaskDefinitionARN))
			}
		}
		if done {
			c.mu.Lock()
			delete(c.awaitDrain, arn)
			c.mu.Unlock()
		} else {
			still = true
		}
	}
	return still
}
