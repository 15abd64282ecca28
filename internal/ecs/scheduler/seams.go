package scheduler

import (
	"fmt"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// State is the read-only snapshot the scheduler reads, like nomad's
// scheduler State: every value returned is shared and must not be
// modified (copy first).
type State interface {
	// Service returns the service with the given ARN, or nil.
	Service(serviceARN string) *ecs.Service
	// TaskDefinition returns the task definition with the given ARN, or nil.
	TaskDefinition(arn string) *ecs.TaskDefinition
	// TasksByGroup returns the tasks of a task group in a cluster
	// ("service:<name>"), STOPPED ones included or not.
	TasksByGroup(clusterARN, group string) []*ecs.Task
	// ContainerInstances returns the cluster's container instances.
	ContainerInstances(clusterARN string) []*ecs.ContainerInstance
	// TasksByContainerInstance returns the tasks placed on an instance.
	TasksByContainerInstance(containerInstanceARN string) []*ecs.Task
	// NextHostPort returns an instance's dynamic port cursor (0 if none).
	NextHostPort(containerInstanceARN string) int
	// TargetHealth returns the health of a task's target in a target
	// group, and whether the task is registered there.
	TargetHealth(targetGroupARN, taskARN string) (TargetHealth, bool)
	// History returns what is tracked for a deployment.
	History(deploymentID string) History
}

// Planner receives plans, like nomad's Planner.SubmitPlan. Control applies
// the plan to its state; a Harness records it and applies it in memory.
type Planner interface {
	SubmitPlan(p Plan) error
}

// NewInput builds the Input for one service from a State snapshot.
func NewInput(st State, serviceARN string, now time.Time) (Input, error) {
	svc := st.Service(serviceARN)
	if svc == nil {
		return Input{}, fmt.Errorf("scheduler: service %s not found", serviceARN)
	}
	in := Input{
		Now:             now,
		Service:         svc,
		TaskDefinitions: map[string]*ecs.TaskDefinition{},
		History:         map[string]History{},
	}
	for _, d := range svc.Deployments {
		if td := st.TaskDefinition(d.TaskDefinition); td != nil {
			in.TaskDefinitions[d.TaskDefinition] = td
		}
		in.History[d.ID] = st.History(d.ID)
	}
	for _, t := range st.TasksByGroup(svc.ClusterARN, svc.Group()) {
		if _, ok := in.TaskDefinitions[t.TaskDefinitionARN]; !ok {
			if td := st.TaskDefinition(t.TaskDefinitionARN); td != nil {
				in.TaskDefinitions[t.TaskDefinitionARN] = td
			}
		}
		var th map[string]TargetHealth
		for _, lb := range svc.LoadBalancers {
			if h, ok := st.TargetHealth(lb.TargetGroupARN, t.TaskARN); ok {
				if th == nil {
					th = map[string]TargetHealth{}
				}
				th[lb.TargetGroupARN] = h
			}
		}
		in.Tasks = append(in.Tasks, Task{Task: t, TargetHealth: th})
	}
	for _, ci := range st.ContainerInstances(svc.ClusterARN) {
		in.Instances = append(in.Instances, Instance{
			ContainerInstance: ci,
			Tasks:             st.TasksByContainerInstance(ci.ContainerInstanceARN),
			NextHostPort:      st.NextHostPort(ci.ContainerInstanceARN),
		})
	}
	return in, nil
}

// Process evaluates one service: it reads st, reconciles and submits the
// plan to p unless it is empty. newTaskID and seed are passed into Input.
func Process(st State, p Planner, serviceARN string, now time.Time, newTaskID func() string, seed uint64) (Plan, error) {
	in, err := NewInput(st, serviceARN, now)
	if err != nil {
		return Plan{}, err
	}
	in.NewTaskID, in.Seed = newTaskID, seed
	plan := Reconcile(in)
	if plan.IsEmpty() {
		return plan, nil
	}
	if err := p.SubmitPlan(plan); err != nil {
		return plan, fmt.Errorf("submit plan for %s: %w", serviceARN, err)
	}
	return plan, nil
}
