package ecs

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// ServiceStatus is Service.Status (§9.1).
type ServiceStatus string

// Service statuses: ACTIVE → (DeleteService) DRAINING → INACTIVE once all
// its tasks are STOPPING or STOPPED.
const (
	ServiceStatusActive   ServiceStatus = "ACTIVE"
	ServiceStatusDraining ServiceStatus = "DRAINING"
	ServiceStatusInactive ServiceStatus = "INACTIVE"
)

// SchedulingStrategy is Service.SchedulingStrategy.
type SchedulingStrategy string

// Scheduling strategies. REPLICA is the default and the only one ecslocal
// schedules.
const (
	SchedulingStrategyReplica SchedulingStrategy = "REPLICA"
	SchedulingStrategyDaemon  SchedulingStrategy = "DAEMON"
)

// DeploymentControllerType is DeploymentController.Type.
type DeploymentControllerType string

// Deployment controller types; ECS (rolling update) is the default and the
// only one ecslocal runs.
const (
	DeploymentControllerTypeECS        DeploymentControllerType = "ECS"
	DeploymentControllerTypeCodeDeploy DeploymentControllerType = "CODE_DEPLOY"
	DeploymentControllerTypeExternal   DeploymentControllerType = "EXTERNAL"
)

// DeploymentStatus is Deployment.Status (§9.3).
type DeploymentStatus string

// Deployment statuses: the newest deployment is PRIMARY, older ones still
// running tasks are ACTIVE, finished ones INACTIVE.
const (
	DeploymentStatusPrimary  DeploymentStatus = "PRIMARY"
	DeploymentStatusActive   DeploymentStatus = "ACTIVE"
	DeploymentStatusInactive DeploymentStatus = "INACTIVE"
)

// RolloutState is Deployment.RolloutState (§9.3).
type RolloutState string

// Rollout states.
const (
	RolloutStateInProgress RolloutState = "IN_PROGRESS"
	RolloutStateCompleted  RolloutState = "COMPLETED"
	RolloutStateFailed     RolloutState = "FAILED"
)

// Deployment configuration defaults for REPLICA services (§9.2).
const (
	DefaultMaximumPercent        = 200
	DefaultMinimumHealthyPercent = 100
)

// Service limits (§9.1, §9.7, §9.6).
const (
	MaxServiceEvents           = 100
	MaxServiceLoadBalancers    = 5
	MaxHealthCheckGracePeriod  = 2147483647
	CircuitBreakerMinThreshold = 3
	CircuitBreakerMaxThreshold = 200
	DeploymentIDPrefix         = "ecs-svc/"
	deploymentIDMinDigits      = 16
	deploymentIDMaxDigits      = 19
)

// PropagateTags is Service.PropagateTags: where a service's tasks take
// their tags from.
type PropagateTags string

// PropagateTags values; NONE is the default.
const (
	PropagateTagsTaskDefinition PropagateTags = "TASK_DEFINITION"
	PropagateTagsService        PropagateTags = "SERVICE"
	PropagateTagsNone           PropagateTags = "NONE"
)

// LoadBalancer attaches a container port of the service's tasks to an ALB
// target group (§9.7).
type LoadBalancer struct {
	TargetGroupARN string `json:"targetGroupArn,omitempty"`
	// LoadBalancerName is for Classic Load Balancers, which ecslocal does
	// not have; Validate refuses it.
	LoadBalancerName string `json:"loadBalancerName,omitempty"`
	ContainerName    string `json:"containerName"`
	ContainerPort    int    `json:"containerPort"`
}

// ServiceRegistry is a Cloud Map registration of a service's tasks.
// ecslocal has no Cloud Map; the shape exists so requests and responses
// round-trip.
type ServiceRegistry struct {
	RegistryARN   string `json:"registryArn,omitempty"`
	Port          int    `json:"port,omitempty"`
	ContainerName string `json:"containerName,omitempty"`
	ContainerPort int    `json:"containerPort,omitempty"`
}

// DeploymentCircuitBreaker is the rolling deployment circuit breaker
// (§9.4); both members default to false.
type DeploymentCircuitBreaker struct {
	Enable   bool `json:"enable"`
	Rollback bool `json:"rollback"`
}

// DeploymentConfiguration bounds a rolling deployment (§9.2). Nil percents
// mean unset: Canonicalize puts in 200 and 100 (minimumHealthyPercent 0 is
// a valid setting, so the fields are pointers).
type DeploymentConfiguration struct {
	DeploymentCircuitBreaker *DeploymentCircuitBreaker `json:"deploymentCircuitBreaker,omitempty"`
	MaximumPercent           *int                      `json:"maximumPercent,omitempty"`
	MinimumHealthyPercent    *int                      `json:"minimumHealthyPercent,omitempty"`
}

// Bounds returns the bounds of a rolling deployment for desired tasks
// (§9.2): at least lower = ceil(desired × minimumHealthyPercent / 100)
// healthy RUNNING tasks, at most upper = floor(desired × maximumPercent /
// 100) RUNNING or PENDING tasks. The configuration must be canonical.
func (dc *DeploymentConfiguration) Bounds(desired int) (lower, upper int) {
	lower = (desired**dc.MinimumHealthyPercent + 99) / 100
	upper = desired * *dc.MaximumPercent / 100
	return lower, upper
}

// CircuitBreakerThreshold returns the number of failed tasks that trips
// the circuit breaker for a desired count (§9.4): ceil(desired / 2),
// clamped to 3..200. The spec notes a minimum of 10 in the 2023 guide and
// 3 in the current API reference; ecslocal follows the API reference.
func CircuitBreakerThreshold(desired int) int {
	return min(max((desired+1)/2, CircuitBreakerMinThreshold), CircuitBreakerMaxThreshold)
}

// DeploymentController names the deployment controller.
type DeploymentController struct {
	Type DeploymentControllerType `json:"type"`
}

// Deployment is one deployment of a service (§9.3).
type Deployment struct {
	// ID is "ecs-svc/" followed by 16-19 digits, generated by control.
	ID                 string           `json:"id"`
	Status             DeploymentStatus `json:"status"`
	TaskDefinition     string           `json:"taskDefinition"`
	DesiredCount       int              `json:"desiredCount"`
	PendingCount       int              `json:"pendingCount"`
	RunningCount       int              `json:"runningCount"`
	FailedTasks        int              `json:"failedTasks"`
	CreatedAt          Timestamp        `json:"createdAt,omitzero"`
	UpdatedAt          Timestamp        `json:"updatedAt,omitzero"`
	LaunchType         LaunchType       `json:"launchType,omitempty"`
	RolloutState       RolloutState     `json:"rolloutState,omitempty"`
	RolloutStateReason string           `json:"rolloutStateReason,omitempty"`
}

// NewDeployment returns a PRIMARY deployment IN_PROGRESS with ECS's reason
// text "ECS deployment <id> in progress." (§9.3).
func NewDeployment(id, taskDefinitionARN string, desired int, now time.Time) Deployment {
	return Deployment{
		ID:                 id,
		Status:             DeploymentStatusPrimary,
		TaskDefinition:     taskDefinitionARN,
		DesiredCount:       desired,
		CreatedAt:          At(now),
		UpdatedAt:          At(now),
		LaunchType:         LaunchTypeEC2,
		RolloutState:       RolloutStateInProgress,
		RolloutStateReason: "ECS deployment " + id + " in progress.",
	}
}

// Complete marks the deployment COMPLETED: "ECS deployment <id> completed."
func (d *Deployment) Complete(now time.Time) {
	d.RolloutState = RolloutStateCompleted
	d.RolloutStateReason = "ECS deployment " + d.ID + " completed."
	d.UpdatedAt = At(now)
}

// FailCircuitBreaker marks the deployment FAILED by the circuit breaker:
// "ECS deployment circuit breaker: tasks failed to start."
func (d *Deployment) FailCircuitBreaker(now time.Time) {
	d.RolloutState = RolloutStateFailed
	d.RolloutStateReason = "ECS deployment circuit breaker: tasks failed to start."
	d.UpdatedAt = At(now)
}

// RollbackReason is the rolloutStateReason of a rollback deployment:
// "ECS deployment circuit breaker: rolling back to deployment <id>."
// (partially observed, §9.3).
func RollbackReason(toDeploymentID string) string {
	return "ECS deployment circuit breaker: rolling back to deployment " + toDeploymentID + "."
}

// IsDeploymentID reports whether s is "ecs-svc/" and 16-19 digits.
func IsDeploymentID(s string) bool {
	digits, ok := strings.CutPrefix(s, DeploymentIDPrefix)
	if !ok || len(digits) < deploymentIDMinDigits || len(digits) > deploymentIDMaxDigits {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// Service is an ECS service (§9, §11.5).
type Service struct {
	ServiceARN        string            `json:"serviceArn,omitempty"`
	ServiceName       string            `json:"serviceName"`
	ClusterARN        string            `json:"clusterArn,omitempty"`
	LoadBalancers     []LoadBalancer    `json:"loadBalancers"`
	ServiceRegistries []ServiceRegistry `json:"serviceRegistries"`
	Status            ServiceStatus     `json:"status,omitempty"`
	DesiredCount      int               `json:"desiredCount"`
	RunningCount      int               `json:"runningCount"`
	PendingCount      int               `json:"pendingCount"`
	LaunchType        LaunchType        `json:"launchType,omitempty"`
	// TaskDefinition is the ARN of the PRIMARY deployment's task definition
	// (a request's family or family:revision is resolved before it is
	// stored).
	TaskDefinition          string                  `json:"taskDefinition"`
	DeploymentConfiguration DeploymentConfiguration `json:"deploymentConfiguration"`
	// Deployments lists the PRIMARY deployment first, then ACTIVE ones.
	Deployments []Deployment `json:"deployments"`
	RoleARN     string       `json:"roleArn,omitempty"`
	// Events lists the newest event first, at most MaxServiceEvents.
	Events               []ServiceEvent        `json:"events"`
	CreatedAt            Timestamp             `json:"createdAt,omitzero"`
	PlacementConstraints []PlacementConstraint `json:"placementConstraints"`
	PlacementStrategy    []PlacementStrategy   `json:"placementStrategy"`
	// HealthCheckGracePeriodSeconds nil means unset (0 when the service
	// has load balancers, after Canonicalize).
	HealthCheckGracePeriodSeconds *int                 `json:"healthCheckGracePeriodSeconds,omitempty"`
	SchedulingStrategy            SchedulingStrategy   `json:"schedulingStrategy,omitempty"`
	DeploymentController          DeploymentController `json:"deploymentController"`
	CreatedBy                     string               `json:"createdBy,omitempty"`
	EnableECSManagedTags          bool                 `json:"enableECSManagedTags"`
	PropagateTags                 PropagateTags        `json:"propagateTags,omitempty"`
	EnableExecuteCommand          bool                 `json:"enableExecuteCommand"`
	Tags                          []Tag                `json:"tags,omitzero"`
}

// Group returns the task group of the service's tasks, "service:<name>".
func (s *Service) Group() string { return "service:" + s.ServiceName }

// PrimaryDeployment returns the PRIMARY deployment, or nil.
func (s *Service) PrimaryDeployment() *Deployment {
	for i := range s.Deployments {
		if s.Deployments[i].Status == DeploymentStatusPrimary {
			return &s.Deployments[i]
		}
	}
	return nil
}

// Deployment returns the deployment with the given ID, or nil.
func (s *Service) Deployment(id string) *Deployment {
	for i := range s.Deployments {
		if s.Deployments[i].ID == id {
			return &s.Deployments[i]
		}
	}
	return nil
}

// AddEvent puts e first in Events and drops the oldest beyond
// MaxServiceEvents (§9.1).
func (s *Service) AddEvent(e ServiceEvent) {
	s.Events = slices.Insert(s.Events, 0, e)
	if len(s.Events) > MaxServiceEvents {
		s.Events = s.Events[:MaxServiceEvents]
	}
}

// Canonicalize applies the defaults of CreateService (§9.1, §9.2): status
// ACTIVE, launch type EC2, scheduling REPLICA, controller ECS, propagateTags
// NONE, percents
// 200/100, a disabled circuit breaker, grace period 0 with load balancers,
// and the empty lists DescribeServices writes.
func (s *Service) Canonicalize() {
	if s.Status == "" {
		s.Status = ServiceStatusActive
	}
	if s.LaunchType == "" {
		s.LaunchType = LaunchTypeEC2
	}
	if s.SchedulingStrategy == "" {
		s.SchedulingStrategy = SchedulingStrategyReplica
	}
	if s.PropagateTags == "" {
		s.PropagateTags = PropagateTagsNone
	}
	if s.DeploymentController.Type == "" {
		s.DeploymentController.Type = DeploymentControllerTypeECS
	}
	dc := &s.DeploymentConfiguration
	if dc.MaximumPercent == nil {
		dc.MaximumPercent = ptr(DefaultMaximumPercent)
	}
	if dc.MinimumHealthyPercent == nil {
		dc.MinimumHealthyPercent = ptr(DefaultMinimumHealthyPercent)
	}
	if dc.DeploymentCircuitBreaker == nil {
		dc.DeploymentCircuitBreaker = &DeploymentCircuitBreaker{}
	}
	if s.HealthCheckGracePeriodSeconds == nil && len(s.LoadBalancers) > 0 {
		s.HealthCheckGracePeriodSeconds = ptr(0)
	}
	if s.LoadBalancers == nil {
		s.LoadBalancers = []LoadBalancer{}
	}
	if s.ServiceRegistries == nil {
		s.ServiceRegistries = []ServiceRegistry{}
	}
	if s.Deployments == nil {
		s.Deployments = []Deployment{}
	}
	if s.Events == nil {
		s.Events = []ServiceEvent{}
	}
	if s.PlacementConstraints == nil {
		s.PlacementConstraints = []PlacementConstraint{}
	}
	if s.PlacementStrategy == nil {
		s.PlacementStrategy = []PlacementStrategy{}
	}
	for i := range s.PlacementStrategy {
		s.PlacementStrategy[i].Canonicalize()
	}
}

// Validate reports every problem of a canonical service as
// InvalidParameterException. The texts the spec quotes are used where it
// has them (§11.4); the others are unconfirmed.
func (s *Service) Validate() error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, NewInvalidParameter(format, args...))
	}
	if !validName(s.ServiceName) {
		add(`Service name must match ^[a-zA-Z0-9\-_]{1,255}$, but was %s`, s.ServiceName)
	}
	if s.TaskDefinition == "" {
		add("TaskDefinition can not be blank.")
	}
	if s.DesiredCount < 0 {
		add("Desired count must be greater than or equal to 0.")
	}
	switch s.Status {
	case ServiceStatusActive, ServiceStatusDraining, ServiceStatusInactive:
	default:
		add("Invalid service status: %s", s.Status)
	}
	if s.LaunchType != LaunchTypeEC2 {
		add("Launch type %s is not supported by ecslocal. Use EC2.", s.LaunchType)
	}
	if s.SchedulingStrategy != SchedulingStrategyReplica {
		add("Scheduling strategy %s is not supported by ecslocal. Use REPLICA.", s.SchedulingStrategy)
	}
	if s.DeploymentController.Type != DeploymentControllerTypeECS {
		add("Deployment controller type %s is not supported by ecslocal. Use ECS.", s.DeploymentController.Type)
	}
	switch s.PropagateTags {
	case PropagateTagsTaskDefinition, PropagateTagsService, PropagateTagsNone:
	default:
		add("Invalid propagateTags value: %s. Valid values are TASK_DEFINITION, SERVICE and NONE.", s.PropagateTags)
	}
	dc := s.DeploymentConfiguration
	if p := dc.MinimumHealthyPercent; p != nil && (*p < 0 || *p > 100) {
		add("minimumHealthyPercent must be between 0 and 100.")
	}
	if p := dc.MaximumPercent; p != nil && *p < 100 {
		add("maximumPercent must be greater than or equal to 100.")
	}
	if len(s.LoadBalancers) > MaxServiceLoadBalancers {
		add("The number of load balancers exceeds the maximum of %d.", MaxServiceLoadBalancers)
	}
	for _, lb := range s.LoadBalancers {
		if lb.LoadBalancerName != "" {
			add("Classic Load Balancers are not supported by ecslocal. Use targetGroupArn.")
		}
		if lb.TargetGroupARN == "" {
			add("Target group ARN can not be blank.")
		}
		if lb.ContainerName == "" {
			add("Container Name can not be blank.") // (observed)
		}
		if lb.ContainerPort < 1 || lb.ContainerPort > 65535 {
			add("Container port must be between 1 and 65535.")
		}
	}
	if g := s.HealthCheckGracePeriodSeconds; g != nil {
		if len(s.LoadBalancers) == 0 {
			add("Health check grace period is only valid for services configured to use load balancers")
		}
		if *g < 0 {
			add("healthCheckGracePeriodSeconds must be between 0 and %d.", MaxHealthCheckGracePeriod)
		}
	}
	errs = validatePlacement(errs, s.PlacementStrategy, s.PlacementConstraints)
	for _, d := range s.Deployments {
		if !IsDeploymentID(d.ID) {
			add("Invalid deployment ID: %s", d.ID)
		}
	}
	errs = validateTags(errs, s.Tags)
	return errors.Join(errs...)
}

// ValidateLoadBalancers checks the service's load balancers against the
// task definition it runs: the container must exist and map the port (the
// port message is observed ECS output, the container one unconfirmed). A target group's type and listener are checked by
// control, which knows the ELB side (§11.4).
func (s *Service) ValidateLoadBalancers(td *TaskDefinition) error {
	var errs []error
	for _, lb := range s.LoadBalancers {
		cd := td.Container(lb.ContainerName)
		if cd == nil {
			errs = append(errs, NewInvalidParameter("The container %s does not exist in the task definition.", lb.ContainerName))
			continue
		}
		if !slices.ContainsFunc(cd.PortMappings, func(pm PortMapping) bool { return pm.ContainerPort == lb.ContainerPort }) {
			// (observed)
			errs = append(errs, NewInvalidParameter("The container %s did not have a container port %d defined.", lb.ContainerName, lb.ContainerPort))
		}
	}
	return errors.Join(errs...)
}

// Copy returns a deep copy.
func (s *Service) Copy() *Service {
	if s == nil {
		return nil
	}
	c := *s
	c.LoadBalancers = slices.Clone(s.LoadBalancers)
	c.ServiceRegistries = slices.Clone(s.ServiceRegistries)
	dc := s.DeploymentConfiguration
	c.DeploymentConfiguration = DeploymentConfiguration{
		DeploymentCircuitBreaker: clonePtr(dc.DeploymentCircuitBreaker),
		MaximumPercent:           clonePtr(dc.MaximumPercent),
		MinimumHealthyPercent:    clonePtr(dc.MinimumHealthyPercent),
	}
	c.Deployments = slices.Clone(s.Deployments)
	c.Events = slices.Clone(s.Events)
	c.PlacementConstraints = slices.Clone(s.PlacementConstraints)
	c.PlacementStrategy = slices.Clone(s.PlacementStrategy)
	c.HealthCheckGracePeriodSeconds = clonePtr(s.HealthCheckGracePeriodSeconds)
	c.Tags = slices.Clone(s.Tags)
	return &c
}
