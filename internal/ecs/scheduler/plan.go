package scheduler

import (
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// Plan is what one evaluation of a service decided, in buckets like
// nomad's reconcile results. Control applies it in this order:
// DeregisterTargets, Stop, Place, RegisterTargets, Deployments, Rollback,
// Events. An empty Plan (IsEmpty) means nothing to do.
type Plan struct {
	// ServiceARN is the service the plan is for.
	ServiceARN string
	// Place lists the tasks to create, in the order chosen; each has its
	// instance and host ports. Control creates them desired RUNNING, last
	// PENDING, and reserves Demand on the instance.
	Place []Placement
	// Stop lists tasks to set desired STOPPED with a stop code and reason.
	Stop []StopTask
	// DeregisterTargets are targets to deregister before their task is
	// stopped (or because it is stopping): the ALB drains them first.
	DeregisterTargets []Target
	// RegisterTargets are targets of tasks that reached ACTIVATING or
	// RUNNING and are not yet registered.
	RegisterTargets []Target
	// Deployments holds the new value of every deployment that changed:
	// counts, failedTasks, rolloutState and reason, status (INACTIVE once an
	// ACTIVE deployment has no tasks left). Control replaces by ID and drops
	// INACTIVE ones from the service.
	Deployments []ecs.Deployment
	// Rollback is set when the circuit breaker tripped with rollback on:
	// control creates a new PRIMARY deployment of the last COMPLETED one.
	Rollback *Rollback
	// Events are service event messages, oldest first.
	Events []string
	// RecheckAt is the earliest time at which the plan would differ with
	// nothing else changing (a grace period, the 40 s wait, a throttle
	// delay ends); zero means never. Control evaluates again then.
	RecheckAt time.Time
}

// IsEmpty reports whether the plan changes nothing.
func (p *Plan) IsEmpty() bool {
	return len(p.Place) == 0 && len(p.Stop) == 0 && len(p.DeregisterTargets) == 0 &&
		len(p.RegisterTargets) == 0 && len(p.Deployments) == 0 && p.Rollback == nil && len(p.Events) == 0
}

// Placement is one task to start.
type Placement struct {
	// TaskID is the new task's ID (from Input.NewTaskID).
	TaskID string
	// DeploymentID is the deployment the task belongs to: its startedBy.
	DeploymentID         string
	TaskDefinitionARN    string
	ContainerInstanceARN string
	// AvailabilityZone is the instance's ecs.availability-zone.
	AvailabilityZone string
	// Group is the service's task group, "service:<name>".
	Group string
	// NetworkBindings are the host ports chosen for each container, by
	// container name (AssignHostPorts).
	NetworkBindings map[string][]ecs.NetworkBinding
	// NextHostPort is the instance's new dynamic port cursor.
	NextHostPort int
	// Demand is what control reserves on the instance.
	Demand ecs.Demand
}

// StopTask is one task to stop.
type StopTask struct {
	TaskARN      string
	DeploymentID string
	StopCode     ecs.StopCode
	// Reason is the stoppedReason, as ECS writes it (§8.2).
	Reason string
}

// Target is one ALB target of a task: the instance's EC2 instance ID and
// the host port bound to the load balancer's container port (§9.7).
type Target struct {
	TargetGroupARN       string
	TaskARN              string
	ContainerInstanceARN string
	EC2InstanceID        string
	Port                 int
}

// Rollback asks control to start a deployment back to a COMPLETED one
// (§9.4).
type Rollback struct {
	// FailedDeploymentID is the deployment the circuit breaker failed.
	FailedDeploymentID string
	// ToDeploymentID is the COMPLETED deployment rolled back to.
	ToDeploymentID string
	// TaskDefinitionARN is its task definition.
	TaskDefinitionARN string
	// Reason is the new deployment's rolloutStateReason,
	// ecs.RollbackReason(ToDeploymentID).
	Reason string
}
