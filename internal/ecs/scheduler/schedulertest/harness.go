// Package schedulertest provides a Harness for tests of the service
// scheduler and of its callers, like nomad's scheduler/tests: an
// in-memory State and Planner that records every plan and applies it,
// plus the agent's and the ALB's side of the world as explicit steps
// (a task reaches RUNNING, a target turns healthy, time passes), so a
// multi-step scenario runs deterministically.
//
// It imports ecs, ecs/ecstest and ecs/scheduler only. Values in the
// harness are never modified in place: every change stores a copy, as
// the state store does.
package schedulertest

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
)

// Harness is an in-memory cluster that implements scheduler.State and
// scheduler.Planner. Its zero value is not usable; call New.
type Harness struct {
	// Now is the current time; Advance moves it.
	Now time.Time
	// Seed is passed to the scheduler for the random strategy.
	Seed uint64
	// Plans are the plans submitted, in order.
	Plans []scheduler.Plan

	services  map[string]*ecs.Service
	taskDefs  map[string]*ecs.TaskDefinition
	tasks     map[string]*ecs.Task
	instances map[string]*ecs.ContainerInstance
	health    map[[2]string]scheduler.TargetHealth
	history   map[string]scheduler.History
	nextPorts map[string]int
	seq       int
}

var (
	_ scheduler.State   = (*Harness)(nil)
	_ scheduler.Planner = (*Harness)(nil)
)

// New returns an empty harness at ecstest.Now.
func New() *Harness {
	return &Harness{
		Now:       ecstest.Now,
		services:  map[string]*ecs.Service{},
		taskDefs:  map[string]*ecs.TaskDefinition{},
		tasks:     map[string]*ecs.Task{},
		instances: map[string]*ecs.ContainerInstance{},
		health:    map[[2]string]scheduler.TargetHealth{},
		history:   map[string]scheduler.History{},
		nextPorts: map[string]int{},
	}
}

// AddTaskDefinition stores td.
func (h *Harness) AddTaskDefinition(td *ecs.TaskDefinition) { h.taskDefs[td.TaskDefinitionARN] = td }

// AddInstance stores ci.
func (h *Harness) AddInstance(ci *ecs.ContainerInstance) { h.instances[ci.ContainerInstanceARN] = ci }

// AddService stores s.
func (h *Harness) AddService(s *ecs.Service) { h.services[s.ServiceARN] = s }

// AddTask stores t and reserves its resources on its instance.
func (h *Harness) AddTask(t *ecs.Task) {
	h.tasks[t.TaskARN] = t
	if ci := h.instances[t.ContainerInstanceARN]; ci != nil && !t.AgentTerminal() {
		c := ci.Copy()
		c.RemainingResources = ecs.NewDemand(h.taskDefs[t.TaskDefinitionARN]).Reserve(c.RemainingResources)
		h.instances[c.ContainerInstanceARN] = c
	}
}

// PutTask stores a changed copy of a task already in the harness (an agent
// report such as a health status); resources are not touched.
func (h *Harness) PutTask(t *ecs.Task) { h.tasks[t.TaskARN] = t }

// Service returns the service with the given ARN, or nil.
func (h *Harness) Service(arn string) *ecs.Service { return h.services[arn] }

// TaskDefinition returns the task definition with the given ARN, or nil.
func (h *Harness) TaskDefinition(arn string) *ecs.TaskDefinition { return h.taskDefs[arn] }

// Task returns the task with the given ARN, or nil.
func (h *Harness) Task(arn string) *ecs.Task { return h.tasks[arn] }

// Instance returns the container instance with the given ARN, or nil.
func (h *Harness) Instance(arn string) *ecs.ContainerInstance { return h.instances[arn] }

// TasksByGroup returns the tasks of a group in ARN order.
func (h *Harness) TasksByGroup(clusterARN, group string) []*ecs.Task {
	return h.filter(func(t *ecs.Task) bool { return t.ClusterARN == clusterARN && t.Group == group })
}

// TasksByContainerInstance returns the tasks on an instance in ARN order.
func (h *Harness) TasksByContainerInstance(arn string) []*ecs.Task {
	return h.filter(func(t *ecs.Task) bool { return t.ContainerInstanceARN == arn })
}

// Tasks returns every task in ARN order.
func (h *Harness) Tasks() []*ecs.Task { return h.filter(func(*ecs.Task) bool { return true }) }

func (h *Harness) filter(keep func(*ecs.Task) bool) []*ecs.Task {
	var out []*ecs.Task
	for _, t := range h.tasks {
		if keep(t) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *ecs.Task) int { return cmp.Compare(a.TaskARN, b.TaskARN) })
	return out
}

// ContainerInstances returns the cluster's instances in ARN order.
func (h *Harness) ContainerInstances(clusterARN string) []*ecs.ContainerInstance {
	var out []*ecs.ContainerInstance
	for _, ci := range h.instances {
		out = append(out, ci)
	}
	slices.SortFunc(out, func(a, b *ecs.ContainerInstance) int {
		return cmp.Compare(a.ContainerInstanceARN, b.ContainerInstanceARN)
	})
	return out
}

// NextHostPort returns an instance's dynamic port cursor.
func (h *Harness) NextHostPort(arn string) int { return h.nextPorts[arn] }

// TargetHealth returns a task's target health in a target group.
func (h *Harness) TargetHealth(tg, taskARN string) (scheduler.TargetHealth, bool) {
	th, ok := h.health[[2]string{tg, taskARN}]
	return th, ok
}

// History returns what is tracked for a deployment.
func (h *Harness) History(id string) scheduler.History { return h.history[id] }

// Step evaluates the service at Now and applies the plan.
func (h *Harness) Step(serviceARN string) (scheduler.Plan, error) {
	return scheduler.Process(h, h, serviceARN, h.Now, h.newTaskID, h.Seed)
}

func (h *Harness) newTaskID() string {
	h.seq++
	return fmt.Sprintf("%032x", h.seq)
}

// Advance moves Now forward.
func (h *Harness) Advance(d time.Duration) { h.Now = h.Now.Add(d) }

// SubmitPlan records p and applies it as control would: deregister, stop,
// place, register, deployments, rollback, events.
func (h *Harness) SubmitPlan(p scheduler.Plan) error {
	svc := h.services[p.ServiceARN]
	if svc == nil {
		return fmt.Errorf("plan for unknown service %s", p.ServiceARN)
	}
	h.Plans = append(h.Plans, p)
	for _, tg := range p.DeregisterTargets {
		h.health[[2]string{tg.TargetGroupARN, tg.TaskARN}] = scheduler.TargetHealth{State: scheduler.TargetStateDraining}
	}
	for _, s := range p.Stop {
		t := h.tasks[s.TaskARN]
		if t == nil {
			return fmt.Errorf("stop %s: no such task", s.TaskARN)
		}
		t = t.Copy()
		t.Stop(s.StopCode, s.Reason)
		t.Version++
		h.tasks[t.TaskARN] = t
	}
	for _, pl := range p.Place {
		td := h.taskDefs[pl.TaskDefinitionARN]
		ci := h.instances[pl.ContainerInstanceARN]
		if td == nil || ci == nil {
			return fmt.Errorf("place on %s: unknown instance or task definition", pl.ContainerInstanceARN)
		}
		if perr := pl.Demand.Fit(ci); perr != nil {
			return fmt.Errorf("place on %s: %w", ci.ID(), perr)
		}
		var arns []string
		for _, cd := range td.ContainerDefinitions {
			arns = append(arns, ecstest.Scope.ContainerARN(ecstest.ClusterName, pl.TaskID, cd.Name))
		}
		t := ecs.NewTask(td, ecs.NewTaskInput{
			TaskARN:              ecstest.Scope.TaskARN(ecstest.ClusterName, pl.TaskID),
			ClusterARN:           ecstest.Scope.ClusterARN(ecstest.ClusterName),
			ContainerInstanceARN: ci.ContainerInstanceARN,
			AvailabilityZone:     pl.AvailabilityZone,
			ContainerARNs:        arns,
			Group:                pl.Group,
			StartedBy:            pl.DeploymentID,
			Now:                  h.Now,
		})
		for i := range t.Containers {
			t.Containers[i].NetworkBindings = pl.NetworkBindings[t.Containers[i].Name]
		}
		h.tasks[t.TaskARN] = t
		c := ci.Copy()
		c.RemainingResources = pl.Demand.Reserve(c.RemainingResources)
		h.instances[c.ContainerInstanceARN] = c
		h.nextPorts[c.ContainerInstanceARN] = pl.NextHostPort
	}
	for _, tg := range p.RegisterTargets {
		h.health[[2]string{tg.TargetGroupARN, tg.TaskARN}] = scheduler.TargetHealth{State: scheduler.TargetStateInitial}
	}
	svc = svc.Copy()
	for _, d := range p.Deployments {
		if cur := svc.Deployment(d.ID); cur != nil {
			*cur = d
		}
	}
	if rb := p.Rollback; rb != nil {
		if failed := svc.Deployment(rb.FailedDeploymentID); failed != nil {
			failed.Status = ecs.DeploymentStatusActive
		}
		h.seq++
		d := ecs.NewDeployment(fmt.Sprintf("ecs-svc/%019d", h.seq), rb.TaskDefinitionARN, svc.DesiredCount, h.Now)
		d.RolloutStateReason = rb.Reason
		svc.Deployments = append([]ecs.Deployment{d}, svc.Deployments...)
		svc.TaskDefinition = rb.TaskDefinitionARN
	}
	svc.Deployments = slices.DeleteFunc(svc.Deployments, func(d ecs.Deployment) bool {
		return d.Status == ecs.DeploymentStatusInactive
	})
	for _, msg := range p.Events {
		h.seq++
		svc.AddEvent(ecs.NewServiceEvent(fmt.Sprintf("event-%d", h.seq), h.Now, msg))
	}
	h.services[svc.ServiceARN] = svc
	return nil
}

// Events returns the service's event messages, oldest first.
func (h *Harness) Events(serviceARN string) []string {
	svc := h.services[serviceARN]
	var out []string
	for i := len(svc.Events) - 1; i >= 0; i-- {
		out = append(out, svc.Events[i].Message)
	}
	return out
}

// setStatus stores a copy of the task with a new LastStatus and feeds the
// change to the deployment's history, as control does with agent reports.
// Reaching STOPPED releases the task's resources and its targets.
func (h *Harness) setStatus(arn string, to ecs.TaskStatus, edit func(*ecs.Task)) error {
	t := h.tasks[arn]
	if t == nil {
		return fmt.Errorf("task %s: not found", arn)
	}
	t = t.Copy()
	if edit != nil {
		edit(t)
	}
	if err := t.SetLastStatus(to, h.Now); err != nil {
		return err
	}
	t.Version++
	h.tasks[arn] = t
	h.history[t.StartedBy] = h.history[t.StartedBy].Observe(t, h.Now)
	if t.AgentTerminal() {
		if ci := h.instances[t.ContainerInstanceARN]; ci != nil {
			c := ci.Copy()
			c.RemainingResources = ecs.NewDemand(h.taskDefs[t.TaskDefinitionARN]).Release(c.RemainingResources)
			h.instances[c.ContainerInstanceARN] = c
		}
		for k := range h.health {
			if k[1] == arn {
				delete(h.health, k)
			}
		}
	}
	return nil
}

// Run reports a task RUNNING (the agent's report).
func (h *Harness) Run(arn string) error {
	return h.setStatus(arn, ecs.TaskStatusRunning, func(t *ecs.Task) {
		for i := range t.Containers {
			t.Containers[i].LastStatus = ecs.ContainerStatusRunning
		}
	})
}

// RunAll reports every task that is desired RUNNING and not yet RUNNING
// as RUNNING.
func (h *Harness) RunAll() error {
	for _, t := range h.Tasks() {
		if !t.Terminal() && t.LastStatus != ecs.TaskStatusRunning {
			if err := h.Run(t.TaskARN); err != nil {
				return err
			}
		}
	}
	return nil
}

// FailToStart reports a task STOPPED before it ran (TaskFailedToStart).
func (h *Harness) FailToStart(arn, reason string) error {
	return h.setStatus(arn, ecs.TaskStatusStopped, func(t *ecs.Task) {
		t.Stop(ecs.StopCodeTaskFailedToStart, reason)
	})
}

// ExitEssential reports that a RUNNING task's essential container exited.
func (h *Harness) ExitEssential(arn string) error {
	return h.setStatus(arn, ecs.TaskStatusStopped, func(t *ecs.Task) {
		t.Stop(ecs.StopCodeEssentialContainerExited, ecs.StoppedReasonEssentialContainer)
	})
}

// FinishStops reports every task desired STOPPED as STOPPED: the ALB has
// drained it and the agent stopped its containers.
func (h *Harness) FinishStops() error {
	for _, t := range h.Tasks() {
		if t.ControlTerminal() && !t.AgentTerminal() {
			if err := h.setStatus(t.TaskARN, ecs.TaskStatusStopped, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// SetTargetHealth sets the observed health of a registered target.
func (h *Harness) SetTargetHealth(tg, taskARN string, state scheduler.TargetState, desc string) {
	h.health[[2]string{tg, taskARN}] = scheduler.TargetHealth{State: state, Description: desc}
}

// HealAll marks every registered, non-draining target healthy.
func (h *Harness) HealAll() {
	for k, th := range h.health {
		if th.State != scheduler.TargetStateDraining {
			h.health[k] = scheduler.TargetHealth{State: scheduler.TargetStateHealthy}
		}
	}
}

// Deploy is UpdateService with a new task definition: a new PRIMARY
// deployment IN_PROGRESS, the old PRIMARY becomes ACTIVE.
func (h *Harness) Deploy(serviceARN, taskDefinitionARN, deploymentID string) {
	svc := h.services[serviceARN].Copy()
	for i := range svc.Deployments {
		if svc.Deployments[i].Status == ecs.DeploymentStatusPrimary {
			svc.Deployments[i].Status = ecs.DeploymentStatusActive
		}
	}
	d := ecs.NewDeployment(deploymentID, taskDefinitionARN, svc.DesiredCount, h.Now)
	svc.Deployments = append([]ecs.Deployment{d}, svc.Deployments...)
	svc.TaskDefinition = taskDefinitionARN
	h.services[serviceARN] = svc
}

// SetDesiredCount is UpdateService with a desired count only: the PRIMARY
// deployment's desired count follows.
func (h *Harness) SetDesiredCount(serviceARN string, n int) {
	svc := h.services[serviceARN].Copy()
	svc.DesiredCount = n
	if p := svc.PrimaryDeployment(); p != nil {
		p.DesiredCount = n
	}
	h.services[serviceARN] = svc
}

// SetInstanceStatus is UpdateContainerInstancesState (ACTIVE, DRAINING).
func (h *Harness) SetInstanceStatus(arn string, st ecs.ContainerInstanceStatus) {
	ci := h.instances[arn].Copy()
	ci.Status = st
	h.instances[arn] = ci
}
