package scheduler

import (
	"strings"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// Input is everything Reconcile looks at: one snapshot, never modified.
type Input struct {
	// Now is the time of the evaluation; grace periods, the 40 s wait of
	// tasks without health checks and the throttle are measured from it.
	Now time.Time
	// Service is the service with its deployments (PRIMARY first) and its
	// deploymentConfiguration, canonical. Its Events are read only to
	// suppress a message repeated within six hours (§9.1).
	Service *ecs.Service
	// TaskDefinitions holds the task definition of every deployment, by ARN.
	TaskDefinitions map[string]*ecs.TaskDefinition
	// Tasks are the service's tasks, STOPPED ones included or not.
	Tasks []Task
	// Instances are the cluster's container instances with the tasks on
	// them. An empty list means the cluster has none.
	Instances []Instance
	// History is what the caller tracks per deployment ID for the throttle
	// and the circuit breaker (see History.Observe). Missing means none.
	History map[string]History
	// NewTaskID returns the ID of the next task the plan places. Nil means
	// IDs derived from the service ARN, Now and a counter (deterministic,
	// for tests; control injects its generator).
	NewTaskID func() string
	// Seed seeds the random placement strategy.
	Seed uint64
}

// Task is a task of the service with what the load balancer observes.
type Task struct {
	*ecs.Task
	// TargetHealth is the target's state in each of the service's target
	// groups, by target group ARN. A missing entry means the task is not
	// registered there.
	TargetHealth map[string]TargetHealth
}

// TargetState is an ALB target health state (§1.1).
type TargetState string

// Target states the scheduler distinguishes.
const (
	TargetStateInitial   TargetState = "initial"
	TargetStateHealthy   TargetState = "healthy"
	TargetStateUnhealthy TargetState = "unhealthy"
	TargetStateUnused    TargetState = "unused"
	TargetStateDraining  TargetState = "draining"
	TargetStateUnknown   TargetState = "unknown"
)

// TargetHealth is the observed health of one target.
type TargetHealth struct {
	State TargetState
	// Description is the ALB's description, e.g. "Health checks failed
	// with these codes: [503]"; it fills the unhealthy event.
	Description string
}

// Instance is a container instance and every task on it that is not
// STOPPED, of any group (the service's own included): they hold host
// ports and make up the task groups of distinctInstance.
type Instance struct {
	*ecs.ContainerInstance
	Tasks []*ecs.Task
	// NextHostPort is the dynamic host port cursor of AssignHostPorts; 0
	// means the start of the range. Placement.NextHostPort is its new value.
	NextHostPort int
}

// History is what control keeps per deployment between evaluations.
type History struct {
	// FailedTasks counts the deployment's failed tasks for the circuit
	// breaker (§9.3, §9.4): tasks that stopped without reaching RUNNING
	// (stage 1) and tasks stopped for failing health checks (stage 2).
	FailedTasks int
	// FailedLaunches counts consecutive tasks that stopped without ever
	// reaching RUNNING; it drives the throttle (§9.5) and returns to 0
	// when a task of the deployment reaches RUNNING.
	FailedLaunches int
	// LastFailedLaunch is when the last of those stopped.
	LastFailedLaunch time.Time
}

// Observe returns the history after control recorded a new LastStatus of
// a task of the deployment: a task that reached RUNNING resets
// FailedLaunches; a task that reached STOPPED without having run, and not
// because the scheduler or a user stopped it, counts as a failed launch
// and a failed task; one stopped for failing ELB or container health
// checks counts as a failed task only (§9.4, §9.5).
func (h History) Observe(t *ecs.Task, now time.Time) History {
	switch {
	case t.LastStatus == ecs.TaskStatusRunning:
		h.FailedLaunches = 0
	case t.AgentTerminal() && t.StartedAt.IsZero() &&
		t.StopCode != ecs.StopCodeServiceSchedulerInitiated && t.StopCode != ecs.StopCodeUserInitiated:
		h.FailedTasks++
		h.FailedLaunches++
		h.LastFailedLaunch = now
	case t.AgentTerminal() && failedHealthChecks(t.StoppedReason):
		h.FailedTasks++
	}
	return h
}

func failedHealthChecks(reason string) bool {
	return strings.HasPrefix(reason, "Task failed ELB health checks") || reason == ecs.StoppedReasonContainerHealthChecks
}

// ThrottleDelay is how long the scheduler waits after the n-th
// consecutive failed launch before it launches again (§9.5: "retry
// interval increases up to 15 min"). The doubling from 10 s is an
// emulator choice; the documented cap is 15 minutes.
func ThrottleDelay(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	d := 10 * time.Second
	for i := 1; i < n && d < MaxThrottleDelay; i++ {
		d *= 2
	}
	return min(d, MaxThrottleDelay)
}

// MaxThrottleDelay is the longest retry interval of the throttle (§9.5).
const MaxThrottleDelay = 15 * time.Minute

// ThrottleEventAfter is the number of consecutive failed launches after
// which a held-back launch emits "is unable to consistently start tasks
// successfully." (emulator choice; §9.5 gives no number).
const ThrottleEventAfter = 3

// NoHealthCheckWait is how long after RUNNING a task without load balancer
// or container health checks starts counting as healthy (§9.1: 40 s).
const NoHealthCheckWait = 40 * time.Second

// EventRepeatWindow is how long a repeated event message is suppressed
// (§9.1: "duplicates suppressed until cause resolved or 6 h pass").
const EventRepeatWindow = 6 * time.Hour
