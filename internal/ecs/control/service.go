package control

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// CreateServiceInput is CreateService's request.
type CreateServiceInput struct {
	Cluster                       string                       `json:"cluster,omitempty"`
	ServiceName                   string                       `json:"serviceName"`
	TaskDefinition                string                       `json:"taskDefinition,omitempty"`
	LoadBalancers                 []ecs.LoadBalancer           `json:"loadBalancers,omitempty"`
	ServiceRegistries             []ecs.ServiceRegistry        `json:"serviceRegistries,omitempty"`
	DesiredCount                  *int                         `json:"desiredCount,omitempty"`
	ClientToken                   string                       `json:"clientToken,omitempty"`
	LaunchType                    ecs.LaunchType               `json:"launchType,omitempty"`
	Role                          string                       `json:"role,omitempty"`
	DeploymentConfiguration       *ecs.DeploymentConfiguration `json:"deploymentConfiguration,omitempty"`
	PlacementConstraints          []ecs.PlacementConstraint    `json:"placementConstraints,omitempty"`
	PlacementStrategy             []ecs.PlacementStrategy      `json:"placementStrategy,omitempty"`
	HealthCheckGracePeriodSeconds *int                         `json:"healthCheckGracePeriodSeconds,omitempty"`
	SchedulingStrategy            ecs.SchedulingStrategy       `json:"schedulingStrategy,omitempty"`
	DeploymentController          *ecs.DeploymentController    `json:"deploymentController,omitempty"`
	Tags                          []ecs.Tag                    `json:"tags,omitempty"`
	EnableECSManagedTags          bool                         `json:"enableECSManagedTags,omitempty"`
	PropagateTags                 ecs.PropagateTags            `json:"propagateTags,omitempty"`
	EnableExecuteCommand          bool                         `json:"enableExecuteCommand,omitempty"`
}

// ServiceOutput is the response of CreateService, UpdateService and
// DeleteService.
type ServiceOutput struct {
	Service *ecs.Service `json:"service"`
}

// CreateService creates a REPLICA service with its first PRIMARY
// deployment; the loop starts its tasks. A service of the same name that is
// ACTIVE is returned when the request is the same (same task definition,
// desired count, load balancers and client token), else refused as "not
// idempotent"; one still DRAINING is refused (§11.4). Load balancers are
// checked against the task definition and through the TargetRegistrar.
func (c *Controller) CreateService(ctx context.Context, in CreateServiceInput) (*ServiceOutput, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	if in.DesiredCount == nil && in.SchedulingStrategy != ecs.SchedulingStrategyDaemon {
		return nil, ecs.NewInvalidParameter("desiredCount is required for the REPLICA scheduling strategy.") // (unconfirmed wording)
	}
	td, err := c.resolveTaskDefinition(snap, in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	if old := snap.ServiceByName(cl.ClusterARN, in.ServiceName); old != nil {
		switch old.Status {
		case ecs.ServiceStatusDraining:
			return nil, ecs.NewServiceStillDraining()
		case ecs.ServiceStatusActive:
			if old.TaskDefinition == td.TaskDefinitionARN && in.DesiredCount != nil && old.DesiredCount == *in.DesiredCount &&
				slices.Equal(old.LoadBalancers, nonNil(in.LoadBalancers)) {
				return &ServiceOutput{Service: old}, nil
			}
			return nil, ecs.NewServiceNotIdempotent()
		}
	}
	if !td.Active() {
		return nil, ecs.NewTaskDefinitionInactive()
	}
	now := c.now()
	createdAt := ecs.At(now)
	if old := snap.ServiceByName(cl.ClusterARN, in.ServiceName); old != nil && !old.CreatedAt.Before(createdAt.Time) {
		// A new incarnation of an INACTIVE name is told apart by its
		// createdAt (state.UpsertService); keep it strictly later.
		createdAt = ecs.At(old.CreatedAt.Add(time.Millisecond))
	}
	svc := &ecs.Service{
		ServiceARN:                    c.scope.ServiceARN(cl.ClusterName, in.ServiceName),
		ServiceName:                   in.ServiceName,
		ClusterARN:                    cl.ClusterARN,
		LoadBalancers:                 slices.Clone(in.LoadBalancers),
		ServiceRegistries:             slices.Clone(in.ServiceRegistries),
		LaunchType:                    in.LaunchType,
		TaskDefinition:                td.TaskDefinitionARN,
		RoleARN:                       in.Role,
		CreatedAt:                     createdAt,
		PlacementConstraints:          slices.Clone(in.PlacementConstraints),
		PlacementStrategy:             slices.Clone(in.PlacementStrategy),
		HealthCheckGracePeriodSeconds: in.HealthCheckGracePeriodSeconds,
		SchedulingStrategy:            in.SchedulingStrategy,
		CreatedBy:                     "arn:aws:iam::" + c.scope.Account + ":root",
		EnableECSManagedTags:          in.EnableECSManagedTags,
		PropagateTags:                 in.PropagateTags,
		EnableExecuteCommand:          in.EnableExecuteCommand,
		Tags:                          slices.Clone(in.Tags),
	}
	if in.DesiredCount != nil {
		svc.DesiredCount = *in.DesiredCount
	}
	if in.DeploymentConfiguration != nil {
		svc.DeploymentConfiguration = *in.DeploymentConfiguration
	}
	if in.DeploymentController != nil {
		svc.DeploymentController = *in.DeploymentController
	}
	svc.Deployments = []ecs.Deployment{ecs.NewDeployment(c.deploymentID(), td.TaskDefinitionARN, svc.DesiredCount, now)}
	svc.Canonicalize()
	if err := errors.Join(svc.Validate(), svc.ValidateLoadBalancers(td)); err != nil {
		return nil, err
	}
	if err := c.validateTargetGroups(ctx, svc, td); err != nil {
		return nil, err
	}
	if _, err := c.store.Apply([]state.Op{state.UpsertService{Service: svc}}, now); err != nil {
		return nil, err
	}
	c.Trigger()
	return &ServiceOutput{Service: c.store.Snapshot().Service(svc.ServiceARN)}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (c *Controller) validateTargetGroups(ctx context.Context, svc *ecs.Service, td *ecs.TaskDefinition) error {
	for _, lb := range svc.LoadBalancers {
		if c.registrar == nil {
			return ecs.NewInvalidParameter("Load balancers are not available in this ecslocal.")
		}
		if err := c.registrar.ValidateTargetGroup(ctx, lb.TargetGroupARN, td.NetworkMode); err != nil {
			return err
		}
	}
	return nil
}

// UpdateServiceInput is UpdateService's request.
type UpdateServiceInput struct {
	Cluster                       string                       `json:"cluster,omitempty"`
	Service                       string                       `json:"service"`
	DesiredCount                  *int                         `json:"desiredCount,omitempty"`
	TaskDefinition                string                       `json:"taskDefinition,omitempty"`
	DeploymentConfiguration       *ecs.DeploymentConfiguration `json:"deploymentConfiguration,omitempty"`
	PlacementConstraints          []ecs.PlacementConstraint    `json:"placementConstraints,omitempty"`
	PlacementStrategy             []ecs.PlacementStrategy      `json:"placementStrategy,omitempty"`
	ForceNewDeployment            bool                         `json:"forceNewDeployment,omitempty"`
	HealthCheckGracePeriodSeconds *int                         `json:"healthCheckGracePeriodSeconds,omitempty"`
	EnableExecuteCommand          *bool                        `json:"enableExecuteCommand,omitempty"`
	PropagateTags                 ecs.PropagateTags            `json:"propagateTags,omitempty"`
}

// UpdateService changes an ACTIVE service. A new task definition, new
// placement or forceNewDeployment starts a new PRIMARY deployment (the
// previous PRIMARY becomes ACTIVE and is rolled out, §9.2); a desired
// count alone changes the PRIMARY's desired count.
func (c *Controller) UpdateService(ctx context.Context, in UpdateServiceInput) (*ServiceOutput, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	svc, err := c.findService(snap, cl, in.Service)
	if err != nil {
		return nil, err
	}
	if svc.Status != ecs.ServiceStatusActive {
		return nil, ecs.NewServiceNotActive()
	}
	now := c.now()
	newDeployment := in.ForceNewDeployment
	td := snap.TaskDefinition(svc.TaskDefinition)
	if in.TaskDefinition != "" {
		ntd, err := c.resolveTaskDefinition(snap, in.TaskDefinition)
		if err != nil {
			return nil, err
		}
		if ntd.TaskDefinitionARN != svc.TaskDefinition {
			if !ntd.Active() {
				return nil, ecs.NewTaskDefinitionInactive()
			}
			td = ntd
			svc.TaskDefinition = ntd.TaskDefinitionARN
			newDeployment = true
		}
	}
	if in.DesiredCount != nil {
		svc.DesiredCount = *in.DesiredCount
	}
	if dc := in.DeploymentConfiguration; dc != nil {
		if dc.MaximumPercent != nil {
			svc.DeploymentConfiguration.MaximumPercent = dc.MaximumPercent
		}
		if dc.MinimumHealthyPercent != nil {
			svc.DeploymentConfiguration.MinimumHealthyPercent = dc.MinimumHealthyPercent
		}
		if dc.DeploymentCircuitBreaker != nil {
			svc.DeploymentConfiguration.DeploymentCircuitBreaker = dc.DeploymentCircuitBreaker
		}
	}
	if in.PlacementConstraints != nil {
		svc.PlacementConstraints = slices.Clone(in.PlacementConstraints)
		newDeployment = true
	}
	if in.PlacementStrategy != nil {
		svc.PlacementStrategy = slices.Clone(in.PlacementStrategy)
		newDeployment = true
	}
	if in.HealthCheckGracePeriodSeconds != nil {
		svc.HealthCheckGracePeriodSeconds = in.HealthCheckGracePeriodSeconds
	}
	if in.EnableExecuteCommand != nil {
		svc.EnableExecuteCommand = *in.EnableExecuteCommand
	}
	if in.PropagateTags != "" {
		svc.PropagateTags = in.PropagateTags
	}
	if newDeployment {
		for i := range svc.Deployments {
			if svc.Deployments[i].Status == ecs.DeploymentStatusPrimary {
				svc.Deployments[i].Status = ecs.DeploymentStatusActive
				svc.Deployments[i].UpdatedAt = ecs.At(now)
			}
		}
		d := ecs.NewDeployment(c.deploymentID(), svc.TaskDefinition, svc.DesiredCount, now)
		svc.Deployments = append([]ecs.Deployment{d}, svc.Deployments...)
	} else if p := svc.PrimaryDeployment(); p != nil && p.DesiredCount != svc.DesiredCount {
		p.DesiredCount = svc.DesiredCount
		p.UpdatedAt = ecs.At(now)
	}
	svc.Canonicalize()
	if err := svc.Validate(); err != nil {
		return nil, err
	}
	if td != nil {
		if err := svc.ValidateLoadBalancers(td); err != nil {
			return nil, err
		}
	}
	if _, err := c.store.Apply([]state.Op{state.UpsertService{Service: svc}}, now); err != nil {
		return nil, err
	}
	c.Trigger()
	return &ServiceOutput{Service: c.store.Snapshot().Service(svc.ServiceARN)}, nil
}

// findService resolves a service name or ARN in a cluster, whatever its
// status, or ServiceNotFoundException.
func (c *Controller) findService(snap *state.Snapshot, cl *ecs.Cluster, ref string) (*ecs.Service, error) {
	name, err := c.scope.ResolveService(cl.ClusterName, ref)
	if err != nil {
		return nil, err
	}
	svc := snap.ServiceByName(cl.ClusterARN, name)
	if svc == nil {
		return nil, ecs.NewServiceNotFound()
	}
	return svc, nil
}

// DescribeServicesInput is DescribeServices' request.
type DescribeServicesInput struct {
	Cluster  string   `json:"cluster,omitempty"`
	Services []string `json:"services"`
	Include  []string `json:"include,omitempty"`
}

// DescribeServicesOutput is DescribeServices' response.
type DescribeServicesOutput struct {
	Services []*ecs.Service `json:"services"`
	Failures []Failure      `json:"failures"`
}

// DescribeServices describes up to 10 services, DRAINING and INACTIVE
// ones included; unknown ones are MISSING.
func (c *Controller) DescribeServices(ctx context.Context, in DescribeServicesInput) (*DescribeServicesOutput, error) {
	if len(in.Services) == 0 {
		return nil, ecs.NewInvalidParameter("Services cannot be empty.")
	}
	if len(in.Services) > 10 {
		return nil, ecs.NewInvalidParameter("Too many services. Maximum is 10.")
	}
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	out := &DescribeServicesOutput{Services: []*ecs.Service{}, Failures: []Failure{}}
	for _, ref := range in.Services {
		svc, err := c.findService(snap, cl, ref)
		if err != nil {
			arn := ref
			if !ecs.IsARN(ref) {
				arn = c.scope.ServiceARN(cl.ClusterName, ref)
			}
			out.Failures = append(out.Failures, Failure{ARN: arn, Reason: FailureReasonMissing})
			continue
		}
		if !slices.Contains(in.Include, "TAGS") {
			svc.Tags = nil
		}
		out.Services = append(out.Services, svc)
	}
	return out, nil
}

// ListServicesInput is ListServices' request.
type ListServicesInput struct {
	Cluster            string                 `json:"cluster,omitempty"`
	LaunchType         ecs.LaunchType         `json:"launchType,omitempty"`
	SchedulingStrategy ecs.SchedulingStrategy `json:"schedulingStrategy,omitempty"`
	MaxResults         int                    `json:"maxResults,omitempty"`
	NextToken          string                 `json:"nextToken,omitempty"`
}

// ListServicesOutput is ListServices' response.
type ListServicesOutput struct {
	ServiceARNs []string `json:"serviceArns"`
	NextToken   string   `json:"nextToken,omitempty"`
}

// ListServices lists a cluster's ACTIVE services (DRAINING ones are
// hidden, §9.1); maxResults defaults to 10.
func (c *Controller) ListServices(ctx context.Context, in ListServicesInput) (*ListServicesOutput, error) {
	pg, err := newPager(in.MaxResults, 10, in.NextToken)
	if err != nil {
		return nil, err
	}
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, s := range snap.Services(cl.ClusterARN, state.Page{}) {
		if s.Status != ecs.ServiceStatusActive {
			continue
		}
		if in.LaunchType != "" && s.LaunchType != in.LaunchType {
			continue
		}
		if in.SchedulingStrategy != "" && s.SchedulingStrategy != in.SchedulingStrategy {
			continue
		}
		arns = append(arns, s.ServiceARN)
	}
	page, next := pg.slice(arns)
	return &ListServicesOutput{ServiceARNs: page, NextToken: next}, nil
}

// DeleteServiceInput is DeleteService's request.
type DeleteServiceInput struct {
	Cluster string `json:"cluster,omitempty"`
	Service string `json:"service"`
	Force   bool   `json:"force,omitempty"`
}

// DeleteService makes a service DRAINING; the loop stops its tasks and
// makes it INACTIVE once they are stopping or stopped. A service scaled
// above 0 needs force (§11.4).
func (c *Controller) DeleteService(ctx context.Context, in DeleteServiceInput) (*ServiceOutput, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	svc, err := c.findService(snap, cl, in.Service)
	if err != nil {
		return nil, err
	}
	if _, err := c.store.Apply([]state.Op{state.DeleteService{ServiceARN: svc.ServiceARN, Force: in.Force}}, c.now()); err != nil {
		return nil, err
	}
	c.Trigger()
	return &ServiceOutput{Service: c.store.Snapshot().Service(svc.ServiceARN)}, nil
}
