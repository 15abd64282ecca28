package state

import (
	"errors"
	"slices"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

var taskCodec = jsonCodec[ecs.Task]()

// UpsertTask is control's write of a task: a new task (RunTask, the
// service scheduler's placements) or control's changes to one (StopTask's
// desired STOPPED, stop code and reason, tags, version).
//
// A new task must be valid and carry no observation (lastStatus
// PROVISIONING or PENDING, containers PENDING without bindings or exit
// codes, no agent times); its cluster must be ACTIVE and named by its ARN;
// its task definition must exist and be ACTIVE; its container instance
// must exist in the same cluster and be ACTIVE.
//
// On an existing task the fields the agent owns are kept from the store,
// whatever the op carries (nomad's upsertAllocs keeps ClientStatus the same
// way): lastStatus, healthStatus, the pull/start/stop times and each
// container's status, exit code, reason, bindings, health, runtime ID and
// image digest. The task's identity cannot change (cluster, task
// definition, container instance, containers, group, startedBy, createdAt),
// and desired status only moves forward: a task desired STOPPED stays so.
type UpsertTask struct {
	Task *ecs.Task
}

func (op UpsertTask) apply(tx *txn) error {
	t := op.Task
	if t == nil {
		return ecs.NewInvalidParameter("Task can not be blank.")
	}
	old := tx.snap.tasks.m[t.TaskARN]
	if old == nil {
		return tx.insertTask(t)
	}
	nt := t.Copy()
	keepAgentFields(nt, old)
	if err := sameIdentity(nt, old); err != nil {
		return err
	}
	if old.ControlTerminal() && !nt.ControlTerminal() {
		return ecs.NewInvalidParameter("Task %s is already desired STOPPED.", old.ID())
	}
	if err := nt.Validate(); err != nil {
		return err
	}
	return put(tx, TableTasks, &tx.snap.tasks, taskCodec, nt.TaskARN, nt)
}

// insertTask checks and writes a task the store does not have yet.
func (tx *txn) insertTask(t *ecs.Task) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if err := agentFieldsUnset(t); err != nil {
		return err
	}
	if c := clusterOfARN(t.TaskARN); c != t.ClusterARN {
		return ecs.NewInvalidParameter("Task ARN %s is not in cluster %s.", t.TaskARN, t.ClusterARN)
	}
	if _, err := tx.activeCluster(t.ClusterARN); err != nil {
		return err
	}
	if _, err := tx.taskDefinition(t.TaskDefinitionARN, true); err != nil {
		return err
	}
	ci := tx.snap.instances.m[t.ContainerInstanceARN]
	if ci == nil || clusterOfARN(t.ContainerInstanceARN) != t.ClusterARN {
		return newInstanceNotFound(t.ContainerInstanceARN)
	}
	if ci.Status != ecs.ContainerInstanceStatusActive {
		return ecs.NewInvalidParameter("Container instance %s is %s; tasks can only be placed on ACTIVE instances.", ci.ID(), ci.Status)
	}
	return put(tx, TableTasks, &tx.snap.tasks, taskCodec, t.TaskARN, t)
}

// agentFieldsUnset refuses a new task that carries observations: control
// creates tasks PROVISIONING or PENDING (ecs.NewTask), and everything the
// agent reports comes later through UpdateTaskLastStatus.
func agentFieldsUnset(t *ecs.Task) error {
	refuse := func(field string) error {
		return ecs.NewInvalidParameter("Task %s: a new task's %s is the agent's to report.", t.ID(), field)
	}
	if t.LastStatus != ecs.TaskStatusPending && t.LastStatus != ecs.TaskStatusProvisioning {
		return refuse("lastStatus")
	}
	for name, ts := range map[string]ecs.Timestamp{
		"pullStartedAt": t.PullStartedAt, "pullStoppedAt": t.PullStoppedAt, "startedAt": t.StartedAt,
		"stoppingAt": t.StoppingAt, "executionStoppedAt": t.ExecutionStoppedAt, "stoppedAt": t.StoppedAt,
		"connectivityAt": t.ConnectivityAt,
	} {
		if !ts.IsZero() {
			return refuse(name)
		}
	}
	for _, c := range t.Containers {
		if c.LastStatus != ecs.ContainerStatusPending || c.ExitCode != nil || len(c.NetworkBindings) > 0 || c.RuntimeID != "" {
			return refuse("container " + c.Name + " state")
		}
	}
	return nil
}

// keepAgentFields copies into t, control's new version of a task, the
// fields only the agent writes, from the stored task old.
func keepAgentFields(t, old *ecs.Task) {
	t.LastStatus = old.LastStatus
	t.HealthStatus = old.HealthStatus
	t.PullStartedAt = old.PullStartedAt
	t.PullStoppedAt = old.PullStoppedAt
	t.StartedAt = old.StartedAt
	t.StoppingAt = old.StoppingAt
	t.ExecutionStoppedAt = old.ExecutionStoppedAt
	t.StoppedAt = old.StoppedAt
	t.ConnectivityAt = old.ConnectivityAt
	for i := range t.Containers {
		c := &t.Containers[i]
		o := old.Container(c.Name)
		if o == nil {
			continue // sameIdentity refuses it
		}
		c.LastStatus = o.LastStatus
		c.ExitCode = cloneInt(o.ExitCode)
		c.Reason = o.Reason
		c.NetworkBindings = slices.Clone(o.NetworkBindings)
		c.HealthStatus = o.HealthStatus
		c.RuntimeID = o.RuntimeID
		c.ImageDigest = o.ImageDigest
	}
}

// sameIdentity refuses a control update that would change what a task is.
func sameIdentity(t, old *ecs.Task) error {
	type field struct {
		name     string
		now, was string
	}
	for _, f := range []field{
		{"clusterArn", t.ClusterARN, old.ClusterARN},
		{"taskDefinitionArn", t.TaskDefinitionARN, old.TaskDefinitionARN},
		{"containerInstanceArn", t.ContainerInstanceARN, old.ContainerInstanceARN},
		{"group", t.Group, old.Group},
		{"startedBy", t.StartedBy, old.StartedBy},
	} {
		if f.now != f.was {
			return ecs.NewInvalidParameter("Task %s: %s cannot change from %q to %q.", old.ID(), f.name, f.was, f.now)
		}
	}
	if !t.CreatedAt.Equal(old.CreatedAt.Time) {
		return ecs.NewInvalidParameter("Task %s: createdAt cannot change.", old.ID())
	}
	if len(t.Containers) != len(old.Containers) {
		return ecs.NewInvalidParameter("Task %s: its containers cannot change.", old.ID())
	}
	for i := range t.Containers {
		c, o := t.Containers[i], old.Containers[i]
		if c.Name != o.Name || c.ContainerARN != o.ContainerARN || c.Image != o.Image {
			return ecs.NewInvalidParameter("Task %s: its containers cannot change.", old.ID())
		}
	}
	return nil
}

// UpdateTaskLastStatus is the agent's report on a task. It can carry only
// what the agent owns; a zero field means "unchanged". LastStatus moves
// along ecs.CanTransition and is stamped with the batch's now
// (Task.SetLastStatus: startedAt, stoppingAt, executionStoppedAt,
// stoppedAt); repeating the current status is not a change. The task's
// healthStatus is recomputed from its containers' (Task.ComputeHealthStatus).
//
// A task reported STOPPED must already be desired STOPPED (Task.Validate):
// when the agent reports an essential container's exit, control puts the
// UpsertTask that stops the task before this op in the same batch.
type UpdateTaskLastStatus struct {
	TaskARN    string
	LastStatus ecs.TaskStatus
	Containers []ContainerStateChange

	PullStartedAt      ecs.Timestamp
	PullStoppedAt      ecs.Timestamp
	ExecutionStoppedAt ecs.Timestamp
	ConnectivityAt     ecs.Timestamp
}

// ContainerStateChange is the agent's report on one container of a task,
// named by its container name. Zero fields mean "unchanged".
type ContainerStateChange struct {
	Name       string
	LastStatus ecs.ContainerStatus
	// ExitCode may be given only with (or after) STOPPED, and once set it
	// cannot change.
	ExitCode *int
	Reason   string
	// NetworkBindings replaces the bindings when not nil.
	NetworkBindings []ecs.NetworkBinding
	HealthStatus    ecs.HealthStatus
	RuntimeID       string
	ImageDigest     string
}

func (op UpdateTaskLastStatus) apply(tx *txn) error {
	old := tx.snap.tasks.m[op.TaskARN]
	if old == nil {
		return newTaskNotFound()
	}
	t := old.Copy()
	if op.LastStatus != "" && op.LastStatus != t.LastStatus {
		if err := t.SetLastStatus(op.LastStatus, tx.now); err != nil {
			// Keep ErrInvalidTransition matchable; the message is the
			// *ecs.Error's.
			return errors.Join(ecs.NewInvalidParameter("Task %s cannot move from %s to %s.", t.ID(), t.LastStatus, op.LastStatus), err)
		}
	}
	for _, cs := range op.Containers {
		if err := applyContainerChange(t, cs); err != nil {
			return err
		}
	}
	setIfSet := func(dst *ecs.Timestamp, v ecs.Timestamp) {
		if !v.IsZero() {
			*dst = v
		}
	}
	setIfSet(&t.PullStartedAt, op.PullStartedAt)
	setIfSet(&t.PullStoppedAt, op.PullStoppedAt)
	setIfSet(&t.ExecutionStoppedAt, op.ExecutionStoppedAt)
	setIfSet(&t.ConnectivityAt, op.ConnectivityAt)
	if td := tx.snap.taskDefs.m[t.TaskDefinitionARN]; td != nil {
		t.HealthStatus = t.ComputeHealthStatus(td)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return put(tx, TableTasks, &tx.snap.tasks, taskCodec, t.TaskARN, t)
}

// applyContainerChange applies one container report to t, a private copy.
func applyContainerChange(t *ecs.Task, cs ContainerStateChange) error {
	c := t.Container(cs.Name)
	if c == nil {
		return ecs.NewInvalidParameter("Task %s has no container %s.", t.ID(), cs.Name)
	}
	if cs.LastStatus != "" && cs.LastStatus != c.LastStatus {
		if !ecs.CanTransitionContainer(c.LastStatus, cs.LastStatus) {
			return errors.Join(ecs.NewInvalidParameter("Container %s of task %s cannot move from %s to %s.", cs.Name, t.ID(), c.LastStatus, cs.LastStatus), ecs.ErrInvalidTransition)
		}
		c.LastStatus = cs.LastStatus
	}
	if cs.ExitCode != nil {
		if c.ExitCode != nil && *c.ExitCode != *cs.ExitCode {
			return ecs.NewInvalidParameter("Container %s of task %s already exited with %d.", cs.Name, t.ID(), *c.ExitCode)
		}
		c.ExitCode = cloneInt(cs.ExitCode)
	}
	if cs.Reason != "" {
		c.Reason = cs.Reason
	}
	if cs.NetworkBindings != nil {
		c.NetworkBindings = slices.Clone(cs.NetworkBindings)
	}
	if cs.HealthStatus != "" {
		c.HealthStatus = cs.HealthStatus
	}
	if cs.RuntimeID != "" {
		c.RuntimeID = cs.RuntimeID
	}
	if cs.ImageDigest != "" {
		c.ImageDigest = cs.ImageDigest
	}
	return nil
}

// DeleteTask removes a task record for good: control purges STOPPED tasks
// once they are no longer describable (§8.1: at least an hour). A task the
// agent has not reported STOPPED cannot be deleted.
type DeleteTask struct {
	TaskARN string
}

func (op DeleteTask) apply(tx *txn) error {
	t := tx.snap.tasks.m[op.TaskARN]
	if t == nil {
		return newTaskNotFound()
	}
	if !t.AgentTerminal() {
		return ecs.NewInvalidParameter("Task %s is %s; only STOPPED tasks can be deleted.", t.ID(), t.LastStatus)
	}
	del(tx, TableTasks, &tx.snap.tasks, op.TaskARN)
	return nil
}

// newTaskNotFound is ECS's error for a task it does not know, as StopTask
// words it.
func newTaskNotFound() *ecs.Error {
	return ecs.NewInvalidParameter("The referenced task was not found.")
}

func cloneInt(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// TaskFilter selects tasks for Snapshot.Tasks. Zero fields match
// everything; the most selective of ClusterARN+Group, ContainerInstanceARN
// and ClusterARN picks the index scanned.
type TaskFilter struct {
	ClusterARN           string
	ContainerInstanceARN string
	// Group is a task group, "service:<name>" for a service's tasks; it
	// needs ClusterARN.
	Group     string
	StartedBy string
	// Family matches the family of the task definition ARN.
	Family        string
	DesiredStatus ecs.DesiredStatus
	LastStatus    ecs.TaskStatus
	Page          Page
}

// match reports whether t passes the filter's non-index fields.
func (f *TaskFilter) match(t *ecs.Task) bool {
	switch {
	case f.ClusterARN != "" && t.ClusterARN != f.ClusterARN,
		f.ContainerInstanceARN != "" && t.ContainerInstanceARN != f.ContainerInstanceARN,
		f.Group != "" && t.Group != f.Group,
		f.StartedBy != "" && t.StartedBy != f.StartedBy,
		f.DesiredStatus != "" && t.DesiredStatus != f.DesiredStatus,
		f.LastStatus != "" && t.LastStatus != f.LastStatus:
		return false
	}
	if f.Family != "" {
		a, err := ecs.ParseARN(t.TaskDefinitionARN)
		if err != nil || a.Name != f.Family {
			return false
		}
	}
	return true
}

// Task returns the task with the given ARN, or nil.
func (s *Snapshot) Task(arn string) *ecs.Task {
	return s.tasks.m[arn].Copy()
}

// Tasks returns the tasks the filter selects in ARN order (the order
// ListTasks pages in; ARN order is stable across restarts, which creation
// order would not be without a stored sequence).
func (s *Snapshot) Tasks(f TaskFilter) []*ecs.Task {
	var keys []string
	switch {
	case f.ClusterARN != "" && f.Group != "":
		keys = s.tasksByGroup[groupKey(f.ClusterARN, f.Group)]
	case f.ContainerInstanceARN != "":
		keys = s.tasksByInstance[f.ContainerInstanceARN]
	case f.ClusterARN != "":
		keys = s.tasksByCluster[f.ClusterARN]
	default:
		keys = s.tasks.keys
	}
	if f.Page.After != "" {
		keys = Page{After: f.Page.After}.apply(keys)
	}
	var out []*ecs.Task
	for _, k := range keys {
		t := s.tasks.m[k]
		if !f.match(t) {
			continue
		}
		out = append(out, t.Copy())
		if f.Page.Limit > 0 && len(out) == f.Page.Limit {
			break
		}
	}
	return out
}

// InstanceTasks returns the tasks on a container instance in ARN order,
// STOPPED ones included.
func (s *Snapshot) InstanceTasks(instanceARN string) []*ecs.Task {
	return s.Tasks(TaskFilter{ContainerInstanceARN: instanceARN})
}

// ServiceTasks is a service's tasks, in ARN order, with the groupings the
// scheduler reconciles by.
type ServiceTasks []*ecs.Task

// ByDeployment groups the tasks by deployment ID (their startedBy).
func (ts ServiceTasks) ByDeployment() map[string][]*ecs.Task {
	return groupBy(ts, func(t *ecs.Task) string { return t.StartedBy })
}

// ByTaskDefinition groups the tasks by task definition ARN.
func (ts ServiceTasks) ByTaskDefinition() map[string][]*ecs.Task {
	return groupBy(ts, func(t *ecs.Task) string { return t.TaskDefinitionARN })
}

// Live returns the tasks that are neither desired nor reported STOPPED.
func (ts ServiceTasks) Live() ServiceTasks {
	var out ServiceTasks
	for _, t := range ts {
		if !t.Terminal() {
			out = append(out, t)
		}
	}
	return out
}

func groupBy(ts []*ecs.Task, key func(*ecs.Task) string) map[string][]*ecs.Task {
	m := map[string][]*ecs.Task{}
	for _, t := range ts {
		m[key(t)] = append(m[key(t)], t)
	}
	return m
}

// ServiceTasks returns the tasks of a service: those of its cluster whose
// group is "service:<name>", STOPPED ones included. It returns nil for an
// unknown service.
func (s *Snapshot) ServiceTasks(serviceARN string) ServiceTasks {
	svc := s.services.m[serviceARN]
	if svc == nil {
		return nil
	}
	return s.Tasks(TaskFilter{ClusterARN: svc.ClusterARN, Group: svc.Group()})
}
