package ecs

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// TaskStatus is Task.LastStatus: what the agent last observed (§8.1). Only
// the agent writes it (STYLE.md §6.3).
type TaskStatus string

// Task statuses in lifecycle order (§8.1). For EC2 bridge tasks
// PROVISIONING and DEPROVISIONING are brief or skipped; ACTIVATING covers
// target group registration and DEACTIVATING deregistration (draining).
const (
	TaskStatusProvisioning   TaskStatus = "PROVISIONING"
	TaskStatusPending        TaskStatus = "PENDING"
	TaskStatusActivating     TaskStatus = "ACTIVATING"
	TaskStatusRunning        TaskStatus = "RUNNING"
	TaskStatusDeactivating   TaskStatus = "DEACTIVATING"
	TaskStatusStopping       TaskStatus = "STOPPING"
	TaskStatusDeprovisioning TaskStatus = "DEPROVISIONING"
	TaskStatusStopped        TaskStatus = "STOPPED"
	TaskStatusDeleted        TaskStatus = "DELETED"
)

// TaskStatuses lists the task statuses in lifecycle order.
var TaskStatuses = []TaskStatus{
	TaskStatusProvisioning, TaskStatusPending, TaskStatusActivating, TaskStatusRunning,
	TaskStatusDeactivating, TaskStatusStopping, TaskStatusDeprovisioning, TaskStatusStopped,
	TaskStatusDeleted,
}

// Terminal reports whether the status is final: STOPPED or DELETED.
func (s TaskStatus) Terminal() bool {
	return s == TaskStatusStopped || s == TaskStatusDeleted
}

// Valid reports whether s is a known task status.
func (s TaskStatus) Valid() bool { return slices.Contains(TaskStatuses, s) }

// taskTransitions is the lifecycle of doc.go as a table: from each status,
// the statuses the agent may report next. Statuses may be skipped going
// forward (§8.1: the brief EC2 bridge steps), but never revisited, and:
//   - a task must have been PENDING (the agent pulled and created it)
//     before it activates or stops its containers;
//   - only a task that activated (ACTIVATING or RUNNING) deactivates.
var taskTransitions = map[TaskStatus][]TaskStatus{
	"":                       {TaskStatusProvisioning, TaskStatusPending},
	TaskStatusProvisioning:   {TaskStatusPending, TaskStatusDeprovisioning, TaskStatusStopped},
	TaskStatusPending:        {TaskStatusActivating, TaskStatusRunning, TaskStatusStopping, TaskStatusDeprovisioning, TaskStatusStopped},
	TaskStatusActivating:     {TaskStatusRunning, TaskStatusDeactivating, TaskStatusStopping, TaskStatusDeprovisioning, TaskStatusStopped},
	TaskStatusRunning:        {TaskStatusDeactivating, TaskStatusStopping, TaskStatusDeprovisioning, TaskStatusStopped},
	TaskStatusDeactivating:   {TaskStatusStopping, TaskStatusDeprovisioning, TaskStatusStopped},
	TaskStatusStopping:       {TaskStatusDeprovisioning, TaskStatusStopped},
	TaskStatusDeprovisioning: {TaskStatusStopped},
	TaskStatusStopped:        {TaskStatusDeleted},
}

// CanTransition reports whether a task's lastStatus may move from one
// status to another. from "" is a task not yet reported on. A status
// repeated is not a transition (false): callers compare before reporting.
func CanTransition(from, to TaskStatus) bool {
	return slices.Contains(taskTransitions[from], to)
}

// ErrInvalidTransition is wrapped by the error of a status change the
// lifecycle does not allow.
var ErrInvalidTransition = errors.New("invalid status transition")

// DesiredStatus is Task.DesiredStatus: what control wants (§8.1). Only
// control writes it.
type DesiredStatus string

// Desired statuses. PENDING is never a desired status (§8.1).
const (
	DesiredStatusRunning DesiredStatus = "RUNNING"
	DesiredStatusStopped DesiredStatus = "STOPPED"
)

// Terminal reports whether control wants the task stopped.
func (s DesiredStatus) Terminal() bool { return s == DesiredStatusStopped }

// ContainerStatus is Container.LastStatus (§8.1).
type ContainerStatus string

// Container statuses.
const (
	ContainerStatusPending ContainerStatus = "PENDING"
	ContainerStatusRunning ContainerStatus = "RUNNING"
	ContainerStatusStopped ContainerStatus = "STOPPED"
)

// CanTransitionContainer reports whether a container's lastStatus may move
// from one status to another: PENDING → RUNNING → STOPPED, or PENDING →
// STOPPED for a container that never started.
func CanTransitionContainer(from, to ContainerStatus) bool {
	switch from {
	case "":
		return to == ContainerStatusPending
	case ContainerStatusPending:
		return to == ContainerStatusRunning || to == ContainerStatusStopped
	case ContainerStatusRunning:
		return to == ContainerStatusStopped
	}
	return false
}

// HealthStatus is the health of a container or a task (§12.3).
type HealthStatus string

// Health statuses.
const (
	HealthStatusHealthy   HealthStatus = "HEALTHY"
	HealthStatusUnhealthy HealthStatus = "UNHEALTHY"
	HealthStatusUnknown   HealthStatus = "UNKNOWN"
)

// StopCode is Task.StopCode (§8.2).
type StopCode string

// Stop codes.
const (
	StopCodeTaskFailedToStart         StopCode = "TaskFailedToStart"
	StopCodeEssentialContainerExited  StopCode = "EssentialContainerExited"
	StopCodeUserInitiated             StopCode = "UserInitiated"
	StopCodeServiceSchedulerInitiated StopCode = "ServiceSchedulerInitiated"
	StopCodeSpotInterruption          StopCode = "SpotInterruption"
	StopCodeTerminationNotice         StopCode = "TerminationNotice"
	StopCodeInfrastructureHealth      StopCode = "InfrastructureHealth"
)

var stopCodes = []StopCode{
	StopCodeTaskFailedToStart, StopCodeEssentialContainerExited, StopCodeUserInitiated,
	StopCodeServiceSchedulerInitiated, StopCodeSpotInterruption, StopCodeTerminationNotice,
	StopCodeInfrastructureHealth,
}

// Stopped reasons ECS writes (§8.2). The service scheduler's reasons take
// a deployment or target group and are built by the functions below.
const (
	StoppedReasonUser                  = "Task stopped by user"
	StoppedReasonEssentialContainer    = "Essential container in task exited"
	StoppedReasonContainerHealthChecks = "Task failed container health checks"
	StoppedReasonDeregistrationForced  = "Container instance deregistration forced by user"
)

// ContainerReasonOutOfMemory is the container reason the agent writes for
// a container Docker killed for exceeding its memory limit (exit code 137,
// §8.2).
const ContainerReasonOutOfMemory = "OutOfMemoryError: Container killed due to memory usage"

// StoppedReasonScaling is the reason of a task the service scheduler stops
// for scale-in or replacement: "Scaling activity initiated by (deployment
// ecs-svc/8709920613704280865)".
func StoppedReasonScaling(deploymentID string) string {
	return "Scaling activity initiated by (deployment " + deploymentID + ")"
}

// StoppedReasonELBHealthChecks is the reason of a task stopped for failing
// its target group's health checks.
func StoppedReasonELBHealthChecks(targetGroupARN string) string {
	return "Task failed ELB health checks in (target-group " + targetGroupARN + ")"
}

// LaunchType is the launch type of a task or service. ecslocal runs EC2.
type LaunchType string

// Launch types.
const (
	LaunchTypeEC2      LaunchType = "EC2"
	LaunchTypeFargate  LaunchType = "FARGATE"
	LaunchTypeExternal LaunchType = "EXTERNAL"
)

// BindIPAny is the bindIP ECS reports for bridge network bindings (§8.1).
// Locally the agent binds the instance's loopback address instead, which
// is not on the wire.
const BindIPAny = "0.0.0.0"

// NetworkBinding is a host port bound for a container port (§8.1).
type NetworkBinding struct {
	BindIP        string            `json:"bindIP"`
	ContainerPort int               `json:"containerPort"`
	HostPort      int               `json:"hostPort"`
	Protocol      TransportProtocol `json:"protocol"`
}

// Container is a container of a task as DescribeTasks shows it.
type Container struct {
	ContainerARN string `json:"containerArn,omitempty"`
	TaskARN      string `json:"taskArn,omitempty"`
	Name         string `json:"name"`
	Image        string `json:"image,omitempty"`
	ImageDigest  string `json:"imageDigest,omitempty"`
	// RuntimeID is the Docker container ID or the process handle ID.
	RuntimeID  string          `json:"runtimeId,omitempty"`
	LastStatus ContainerStatus `json:"lastStatus"`
	// ExitCode is set only once the container has exited (§8.2).
	ExitCode *int `json:"exitCode,omitempty"`
	// Reason is why the container stopped, at most 1024 characters, e.g.
	// "OutOfMemoryError: Container killed due to memory usage".
	Reason          string           `json:"reason,omitempty"`
	NetworkBindings []NetworkBinding `json:"networkBindings"`
	HealthStatus    HealthStatus     `json:"healthStatus,omitempty"`
	// CPU, Memory and MemoryReservation are the container definition's
	// values as strings, as the API writes them.
	CPU               string `json:"cpu,omitempty"`
	Memory            string `json:"memory,omitempty"`
	MemoryReservation string `json:"memoryReservation,omitempty"`
}

// MaxContainerReason is the longest container reason ECS keeps (§8.1).
const MaxContainerReason = 1024

// TaskOverride is Task.Overrides / RunTask overrides.
type TaskOverride struct {
	ContainerOverrides []ContainerOverride `json:"containerOverrides"`
	CPU                string              `json:"cpu,omitempty"`
	Memory             string              `json:"memory,omitempty"`
	TaskRoleARN        string              `json:"taskRoleArn,omitempty"`
	ExecutionRoleARN   string              `json:"executionRoleArn,omitempty"`
}

// ContainerOverride overrides a container's command, environment or
// resources for one task.
type ContainerOverride struct {
	Name              string         `json:"name"`
	Command           []string       `json:"command,omitzero"`
	Environment       []KeyValuePair `json:"environment,omitzero"`
	CPU               *int           `json:"cpu,omitempty"`
	Memory            *int           `json:"memory,omitempty"`
	MemoryReservation *int           `json:"memoryReservation,omitempty"`
}

// Task is an ECS task (§8, §11.5). DesiredStatus is control's intent and
// LastStatus the agent's observation; each has its own terminal predicate
// (ControlTerminal, AgentTerminal), as nomad keeps DesiredStatus and
// ClientStatus apart.
type Task struct {
	TaskARN              string `json:"taskArn"`
	ClusterARN           string `json:"clusterArn"`
	TaskDefinitionARN    string `json:"taskDefinitionArn"`
	ContainerInstanceARN string `json:"containerInstanceArn,omitempty"`
	// AvailabilityZone is the instance's ecs.availability-zone.
	AvailabilityZone string      `json:"availabilityZone,omitempty"`
	Containers       []Container `json:"containers"`
	// CPU and Memory are the task-level values of the task definition
	// (strings, as the API writes them); empty when it has none.
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
	// DesiredStatus is written by control only: RUNNING, then STOPPED.
	DesiredStatus DesiredStatus `json:"desiredStatus"`
	// LastStatus is written by the agent only, along the lifecycle that
	// CanTransition encodes.
	LastStatus   TaskStatus   `json:"lastStatus"`
	HealthStatus HealthStatus `json:"healthStatus,omitempty"`
	LaunchType   LaunchType   `json:"launchType,omitempty"`
	// Group is "service:<name>" for service tasks and "family:<family>" by
	// default for RunTask (§8.1).
	Group string `json:"group,omitempty"`
	// StartedBy is the deployment ID for service tasks, else the caller's
	// RunTask startedBy (≤128 of [A-Za-z0-9-/_], §11.4).
	StartedBy string `json:"startedBy,omitempty"`
	// Version increases with every change; control bumps it.
	Version       int64        `json:"version"`
	StopCode      StopCode     `json:"stopCode,omitempty"`
	StoppedReason string       `json:"stoppedReason,omitempty"`
	Overrides     TaskOverride `json:"overrides"`
	Attributes    []Attribute  `json:"attributes,omitzero"`
	Tags          []Tag        `json:"tags,omitzero"`
	// EnableExecuteCommand is always false locally.
	EnableExecuteCommand bool `json:"enableExecuteCommand"`

	CreatedAt          Timestamp `json:"createdAt,omitzero"`
	PullStartedAt      Timestamp `json:"pullStartedAt,omitzero"`
	PullStoppedAt      Timestamp `json:"pullStoppedAt,omitzero"`
	StartedAt          Timestamp `json:"startedAt,omitzero"`
	StoppingAt         Timestamp `json:"stoppingAt,omitzero"`
	ExecutionStoppedAt Timestamp `json:"executionStoppedAt,omitzero"`
	StoppedAt          Timestamp `json:"stoppedAt,omitzero"`
	ConnectivityAt     Timestamp `json:"connectivityAt,omitzero"`
}

// NewTaskInput is what control supplies to create a task: the IDs and ARNs
// it generated and the time.
type NewTaskInput struct {
	TaskARN              string
	ClusterARN           string
	ContainerInstanceARN string
	AvailabilityZone     string
	// ContainerARNs are the containers' ARNs, in the order of the task
	// definition's containerDefinitions.
	ContainerARNs []string
	Group         string
	StartedBy     string
	Tags          []Tag
	Now           time.Time
}

// NewTask returns a task of td as control creates it: desired RUNNING,
// last PENDING, every container PENDING without bindings.
func NewTask(td *TaskDefinition, in NewTaskInput) *Task {
	t := &Task{
		TaskARN:              in.TaskARN,
		ClusterARN:           in.ClusterARN,
		TaskDefinitionARN:    td.TaskDefinitionARN,
		ContainerInstanceARN: in.ContainerInstanceARN,
		AvailabilityZone:     in.AvailabilityZone,
		CPU:                  td.CPU,
		Memory:               td.Memory,
		DesiredStatus:        DesiredStatusRunning,
		LastStatus:           TaskStatusPending,
		HealthStatus:         HealthStatusUnknown,
		LaunchType:           LaunchTypeEC2,
		Group:                in.Group,
		StartedBy:            in.StartedBy,
		Version:              1,
		Tags:                 slices.Clone(in.Tags),
		CreatedAt:            At(in.Now),
		Overrides:            TaskOverride{ContainerOverrides: []ContainerOverride{}},
	}
	if t.Group == "" {
		t.Group = "family:" + td.Family
	}
	for i, cd := range td.ContainerDefinitions {
		c := Container{
			TaskARN:         in.TaskARN,
			Name:            cd.Name,
			Image:           cd.Image,
			LastStatus:      ContainerStatusPending,
			NetworkBindings: []NetworkBinding{},
			HealthStatus:    HealthStatusUnknown,
			CPU:             strconv.Itoa(cd.CPU),
		}
		if i < len(in.ContainerARNs) {
			c.ContainerARN = in.ContainerARNs[i]
		}
		if cd.Memory != nil {
			c.Memory = strconv.Itoa(*cd.Memory)
		}
		if cd.MemoryReservation != nil {
			c.MemoryReservation = strconv.Itoa(*cd.MemoryReservation)
		}
		t.Containers = append(t.Containers, c)
		t.Overrides.ContainerOverrides = append(t.Overrides.ContainerOverrides, ContainerOverride{Name: cd.Name})
	}
	return t
}

// ID returns the task ID, the last element of its ARN.
func (t *Task) ID() string { return lastPathElem(t.TaskARN) }

// ControlTerminal reports whether control wants the task stopped (desired
// STOPPED), whatever the agent reports.
func (t *Task) ControlTerminal() bool { return t.DesiredStatus.Terminal() }

// AgentTerminal reports whether the agent reported the task STOPPED: its
// containers are gone and its resources can be released.
func (t *Task) AgentTerminal() bool { return t.LastStatus.Terminal() }

// Terminal reports whether the task is on its way out or gone: either
// predicate holds.
func (t *Task) Terminal() bool { return t.ControlTerminal() || t.AgentTerminal() }

// Container returns the named container of the task, or nil.
func (t *Task) Container(name string) *Container {
	for i := range t.Containers {
		if t.Containers[i].Name == name {
			return &t.Containers[i]
		}
	}
	return nil
}

// HostPort returns the host port bound for a container's port, and whether
// there is one: the port an ALB target of the task registers (§9.7).
func (t *Task) HostPort(container string, containerPort int) (int, bool) {
	c := t.Container(container)
	if c == nil {
		return 0, false
	}
	for _, nb := range c.NetworkBindings {
		if nb.ContainerPort == containerPort && nb.Protocol != TransportProtocolUDP {
			return nb.HostPort, true
		}
	}
	return 0, false
}

// Stop is control's side of stopping: desired STOPPED with a stop code and
// reason. The first stop wins: a task already desired STOPPED keeps its
// code and reason, and Stop reports false.
func (t *Task) Stop(code StopCode, reason string) bool {
	if t.ControlTerminal() {
		return false
	}
	t.DesiredStatus = DesiredStatusStopped
	t.StopCode = code
	t.StoppedReason = reason
	return true
}

// SetLastStatus is the agent's side: it moves LastStatus along the
// lifecycle and stamps the times ECS keeps for the statuses reached, an
// earlier stamp being kept: startedAt on RUNNING; stoppingAt on the first
// of DEACTIVATING and STOPPING (the API documents it as "the task starts
// stopping"; that DEACTIVATING counts is an emulator choice);
// executionStoppedAt on DEPROVISIONING or STOPPED if the agent has not set
// it when the essential container stopped; stoppedAt on STOPPED. The pull
// times (pullStartedAt, pullStoppedAt) are the agent's to set directly.
// It returns an error wrapping ErrInvalidTransition when CanTransition
// refuses the move.
func (t *Task) SetLastStatus(to TaskStatus, now time.Time) error {
	if !CanTransition(t.LastStatus, to) {
		return fmt.Errorf("task %s: %s to %s: %w", t.ID(), t.LastStatus, to, ErrInvalidTransition)
	}
	t.LastStatus = to
	stamp := func(ts *Timestamp) {
		if ts.IsZero() {
			*ts = At(now)
		}
	}
	switch to {
	case TaskStatusRunning:
		stamp(&t.StartedAt)
	case TaskStatusDeactivating, TaskStatusStopping:
		stamp(&t.StoppingAt)
	case TaskStatusDeprovisioning:
		stamp(&t.StoppingAt)
		stamp(&t.ExecutionStoppedAt)
	case TaskStatusStopped:
		stamp(&t.StoppingAt)
		stamp(&t.ExecutionStoppedAt)
		stamp(&t.StoppedAt)
	}
	return nil
}

// ComputeHealthStatus derives the task's health from its essential
// containers (§12.3): UNHEALTHY if any essential container is, HEALTHY if
// all are, UNKNOWN otherwise (no checks, still evaluating, or only
// non-essential containers checked).
func (t *Task) ComputeHealthStatus(td *TaskDefinition) HealthStatus {
	healthy, checked := true, false
	for _, c := range t.Containers {
		cd := td.Container(c.Name)
		if cd == nil || !cd.IsEssential() {
			continue
		}
		checked = true
		switch c.HealthStatus {
		case HealthStatusUnhealthy:
			return HealthStatusUnhealthy
		case HealthStatusHealthy:
		default:
			healthy = false
		}
	}
	if checked && healthy {
		return HealthStatusHealthy
	}
	return HealthStatusUnknown
}

// Canonicalize applies the defaults of a new task: desired RUNNING, last
// PENDING, launch type EC2, health UNKNOWN, containers PENDING.
func (t *Task) Canonicalize() {
	if t.DesiredStatus == "" {
		t.DesiredStatus = DesiredStatusRunning
	}
	if t.LastStatus == "" {
		t.LastStatus = TaskStatusPending
	}
	if t.LaunchType == "" {
		t.LaunchType = LaunchTypeEC2
	}
	if t.HealthStatus == "" {
		t.HealthStatus = HealthStatusUnknown
	}
	if t.Overrides.ContainerOverrides == nil {
		t.Overrides.ContainerOverrides = []ContainerOverride{}
	}
	for i := range t.Containers {
		c := &t.Containers[i]
		if c.LastStatus == "" {
			c.LastStatus = ContainerStatusPending
		}
		if c.NetworkBindings == nil {
			c.NetworkBindings = []NetworkBinding{}
		}
		if c.HealthStatus == "" {
			c.HealthStatus = HealthStatusUnknown
		}
	}
}

// Validate reports every problem of a canonical task. These are internal
// consistency checks (control builds tasks), reported as
// InvalidParameterException where a request could cause them.
func (t *Task) Validate() error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, NewInvalidParameter(format, args...))
	}
	if !IsARN(t.TaskARN) {
		add("Invalid task ARN: %s", t.TaskARN)
	}
	if !IsARN(t.ClusterARN) {
		add("Invalid cluster ARN: %s", t.ClusterARN)
	}
	if !IsARN(t.TaskDefinitionARN) {
		add("Invalid task definition ARN: %s", t.TaskDefinitionARN)
	}
	if t.DesiredStatus != DesiredStatusRunning && t.DesiredStatus != DesiredStatusStopped {
		add("Invalid desired status: %s", t.DesiredStatus)
	}
	if !t.LastStatus.Valid() {
		add("Invalid last status: %s", t.LastStatus)
	}
	switch t.LaunchType {
	case LaunchTypeEC2:
	default:
		add("Invalid launch type: %s. ecslocal supports EC2 only.", t.LaunchType)
	}
	if t.StopCode != "" && !slices.Contains(stopCodes, t.StopCode) {
		add("Invalid stop code: %s", t.StopCode)
	}
	if !validStartedBy(t.StartedBy) {
		add("startedBy must be at most 128 letters, numbers, hyphens, forward slashes and underscores.")
	}
	if t.LastStatus.Terminal() && !t.ControlTerminal() {
		// The agent reports STOPPED only after control wants it stopped or
		// an essential container exited, and in both cases control sets
		// desired STOPPED when it records the report.
		add("Task %s is STOPPED but its desired status is %s.", t.ID(), t.DesiredStatus)
	}
	for _, c := range t.Containers {
		switch c.LastStatus {
		case ContainerStatusPending, ContainerStatusRunning, ContainerStatusStopped:
		default:
			add("Invalid container status: %s", c.LastStatus)
		}
		if len(c.Reason) > MaxContainerReason {
			add("Container reason exceeds %d characters.", MaxContainerReason)
		}
		if c.ExitCode != nil && c.LastStatus != ContainerStatusStopped {
			add("Container %s has an exit code but is %s.", c.Name, c.LastStatus)
		}
	}
	errs = validateTags(errs, t.Tags)
	return errors.Join(errs...)
}

// validStartedBy checks §11.4: at most 128 of [A-Za-z0-9-/_].
func validStartedBy(s string) bool {
	if len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameChar(s[i]) && s[i] != '/' {
			return false
		}
	}
	return true
}

// Copy returns a deep copy.
func (t *Task) Copy() *Task {
	if t == nil {
		return nil
	}
	c := *t
	if t.Containers != nil {
		c.Containers = make([]Container, len(t.Containers))
		for i, ct := range t.Containers {
			ct.ExitCode = clonePtr(ct.ExitCode)
			ct.NetworkBindings = slices.Clone(ct.NetworkBindings)
			c.Containers[i] = ct
		}
	}
	if t.Overrides.ContainerOverrides != nil {
		c.Overrides.ContainerOverrides = make([]ContainerOverride, len(t.Overrides.ContainerOverrides))
		for i, o := range t.Overrides.ContainerOverrides {
			o.Command = slices.Clone(o.Command)
			o.Environment = slices.Clone(o.Environment)
			o.CPU = clonePtr(o.CPU)
			o.Memory = clonePtr(o.Memory)
			o.MemoryReservation = clonePtr(o.MemoryReservation)
			c.Overrides.ContainerOverrides[i] = o
		}
	}
	c.Attributes = slices.Clone(t.Attributes)
	c.Tags = slices.Clone(t.Tags)
	return &c
}
