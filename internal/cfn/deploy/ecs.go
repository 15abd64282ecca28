package deploy

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ECS is what the AWS::ECS::* and AWS::AutoScaling::AutoScalingGroup
// handlers need from the ECS control plane, shaped after the ECS API
// (operation and member names). Members a template passes through
// unchanged (container definitions, volumes, placement, network
// configuration) keep CloudFormation's property names, which
// encoding/json matches to the API's lower-camel members
// case-insensitively.
type ECS interface {
	CreateCluster(ctx context.Context, in *CreateClusterInput) (*ECSCluster, error)
	DeleteCluster(ctx context.Context, in *DeleteClusterInput) (*ECSCluster, error)
	RegisterTaskDefinition(ctx context.Context, in *RegisterTaskDefinitionInput) (*ECSTaskDefinition, error)
	DeregisterTaskDefinition(ctx context.Context, in *DeregisterTaskDefinitionInput) (*ECSTaskDefinition, error)
	CreateService(ctx context.Context, in *CreateServiceInput) (*ECSService, error)
	UpdateService(ctx context.Context, in *UpdateServiceInput) (*ECSService, error)
	DeleteService(ctx context.Context, in *DeleteServiceInput) (*ECSService, error)
	DescribeServices(ctx context.Context, in *DescribeServicesInput) ([]*ECSService, error)
	ListContainerInstances(ctx context.Context, in *ListContainerInstancesInput) ([]string, error)
	DescribeContainerInstances(ctx context.Context, in *DescribeContainerInstancesInput) ([]*ECSContainerInstance, error)
}

// Instances launches and terminates the EC2 instances of an Auto Scaling
// group; locally, container instances whose agent registers with the
// cluster the user data names.
type Instances interface {
	// RunInstances starts in.Count instances and returns their EC2
	// instance ids.
	RunInstances(ctx context.Context, in *RunInstancesInput) ([]string, error)
	// TerminateInstances stops instances; their container instances
	// deregister from the cluster.
	TerminateInstances(ctx context.Context, ids []string) error
}

// ECSTag is an ECS tag.
type ECSTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// CreateClusterInput is the input of CreateCluster.
type CreateClusterInput struct {
	ClusterName string
	Tags        []ECSTag
	// Settings, Configuration, CapacityProviders,
	// DefaultCapacityProviderStrategy and ServiceConnectDefaults as the
	// template gives them.
	Extra map[string]any
}

// DeleteClusterInput is the input of DeleteCluster.
type DeleteClusterInput struct{ Cluster string }

// ECSCluster is a cluster as the ECS API returns it.
type ECSCluster struct {
	ClusterARN  string
	ClusterName string
	Status      string
}

// RegisterTaskDefinitionInput is the input of RegisterTaskDefinition.
type RegisterTaskDefinitionInput struct {
	Family                  string
	TaskRoleARN             string
	ExecutionRoleARN        string
	NetworkMode             string
	RequiresCompatibilities []string
	CPU                     string
	Memory                  string
	ContainerDefinitions    []map[string]any
	Tags                    []ECSTag
	// Extra holds every other property (Volumes, PlacementConstraints,
	// PidMode, IpcMode, RuntimePlatform, …) as the template gives it.
	Extra map[string]any
}

// DeregisterTaskDefinitionInput is the input of DeregisterTaskDefinition.
type DeregisterTaskDefinitionInput struct{ TaskDefinition string }

// ECSTaskDefinition is a task definition as the ECS API returns it.
type ECSTaskDefinition struct {
	TaskDefinitionARN string
	Family            string
	Revision          int
	Status            string
}

// ECSLoadBalancer is one entry of a service's LoadBalancers.
type ECSLoadBalancer struct {
	TargetGroupARN   string `json:"TargetGroupArn"`
	LoadBalancerName string `json:"LoadBalancerName"`
	ContainerName    string `json:"ContainerName"`
	ContainerPort    int    `json:"ContainerPort"`
}

// DeploymentConfiguration is a service's deployment configuration.
type DeploymentConfiguration struct {
	MaximumPercent           *int                      `json:"MaximumPercent"`
	MinimumHealthyPercent    *int                      `json:"MinimumHealthyPercent"`
	DeploymentCircuitBreaker *DeploymentCircuitBreaker `json:"DeploymentCircuitBreaker"`
}

// DeploymentCircuitBreaker is the deployment circuit breaker setting.
type DeploymentCircuitBreaker struct {
	Enable   bool `json:"Enable"`
	Rollback bool `json:"Rollback"`
}

// CreateServiceInput is the input of CreateService.
type CreateServiceInput struct {
	Cluster                       string
	ServiceName                   string
	TaskDefinition                string
	DesiredCount                  *int
	LaunchType                    string
	SchedulingStrategy            string
	LoadBalancers                 []ECSLoadBalancer
	DeploymentConfiguration       *DeploymentConfiguration
	HealthCheckGracePeriodSeconds *int
	Role                          string
	Tags                          []ECSTag
	// ClientToken makes a retried CreateService idempotent.
	ClientToken string
	// Extra holds the other properties (PlacementConstraints,
	// PlacementStrategies, NetworkConfiguration, …) as given.
	Extra map[string]any
}

// UpdateServiceInput is the input of UpdateService. Nil and empty
// members are left unchanged.
type UpdateServiceInput struct {
	Cluster                       string
	Service                       string
	TaskDefinition                string
	DesiredCount                  *int
	DeploymentConfiguration       *DeploymentConfiguration
	LoadBalancers                 []ECSLoadBalancer
	HealthCheckGracePeriodSeconds *int
	ForceNewDeployment            bool
}

// DeleteServiceInput is the input of DeleteService.
type DeleteServiceInput struct {
	Cluster string
	Service string
	Force   bool
}

// DescribeServicesInput is the input of DescribeServices.
type DescribeServicesInput struct {
	Cluster  string
	Services []string
}

// ECSService is a service as the ECS API returns it.
type ECSService struct {
	ServiceARN     string
	ServiceName    string
	ClusterARN     string
	Status         string // ACTIVE, DRAINING, INACTIVE
	TaskDefinition string
	DesiredCount   int
	RunningCount   int
	PendingCount   int
	Deployments    []ECSDeployment
}

// ECSDeployment is one of a service's deployments.
type ECSDeployment struct {
	ID           string
	Status       string // PRIMARY, ACTIVE, INACTIVE
	RolloutState string // IN_PROGRESS, COMPLETED, FAILED
	DesiredCount int
	RunningCount int
	FailedTasks  int
}

// ListContainerInstancesInput is the input of ListContainerInstances.
type ListContainerInstancesInput struct {
	Cluster string
	// Status "" means ACTIVE and DRAINING.
	Status string
}

// DescribeContainerInstancesInput is the input of
// DescribeContainerInstances.
type DescribeContainerInstancesInput struct {
	Cluster            string
	ContainerInstances []string
}

// ECSContainerInstance is a container instance as the ECS API returns it.
type ECSContainerInstance struct {
	ContainerInstanceARN string
	EC2InstanceID        string
	Status               string
	AgentConnected       bool
}

// RunInstancesInput asks for instances of an Auto Scaling group.
type RunInstancesInput struct {
	// Group is the Auto Scaling group's name.
	Group        string
	Count        int
	ImageID      string
	InstanceType string
	// UserData is the decoded user data.
	UserData string
	// Cluster is the ECS cluster the user data names (ECS_CLUSTER=…),
	// "default" when it names none.
	Cluster          string
	SubnetIDs        []string
	SecurityGroupIDs []string
}

func ecsErr(err error) error {
	if err == nil {
		return nil
	}
	return &handlerError{service: "Ecs", err: err}
}

// ecsHandlers share the polling settings.
type ecsConfig struct {
	ecs       ECS
	instances Instances
	store     *launchStore
	// poll is the interval between stabilization checks; stable is how
	// long a service may take to become stable.
	poll   time.Duration
	stable time.Duration
}

// splitExtra decodes the typed members into out and returns the other
// properties.
func splitExtra(props map[string]any, out any, typed ...string) (map[string]any, error) {
	if err := decode(props, out); err != nil {
		return nil, err
	}
	extra := map[string]any{}
	for k, v := range props {
		skip := false
		for _, t := range typed {
			if strings.EqualFold(k, t) {
				skip = true
			}
		}
		if !skip {
			extra[k] = v
		}
	}
	return extra, nil
}

// clusterHandler is AWS::ECS::Cluster. Ref returns the name.
type clusterHandler struct{ *ecsConfig }

func (h *clusterHandler) Replacement(p string) Replacement {
	return newReplaceOn("ClusterName").replacement(p)
}

func (h *clusterHandler) Create(ctx context.Context, req *Request) (*Result, error) {
	var p struct {
		ClusterName string   `json:"ClusterName"`
		Tags        []ECSTag `json:"Tags"`
	}
	extra, err := splitExtra(req.Properties, &p, "ClusterName", "Tags")
	if err != nil {
		return nil, err
	}
	name := p.ClusterName
	if name == "" {
		name = physicalName(req.StackName, req.LogicalID, 255)
	}
	c, err := h.ecs.CreateCluster(ctx, &CreateClusterInput{ClusterName: name, Tags: p.Tags, Extra: extra})
	if err != nil {
		return nil, ecsErr(err)
	}
	return &Result{PhysicalID: c.ClusterName, Attributes: map[string]any{"Arn": c.ClusterARN}}, nil
}

// Update records Tags, Settings and capacity providers; the local
// cluster has nothing to change.
func (h *clusterHandler) Update(_ context.Context, req *Request) (*Result, error) {
	return &Result{Attributes: req.Attributes}, nil
}

// clusterTasksWait bounds how long Delete waits for the last tasks of a
// cluster to reach STOPPED. On AWS a stack's cluster is deleted after its
// Auto Scaling group, whose instances take minutes to terminate; their
// tasks, already STOPPING when the service became INACTIVE, stop in that
// time. Locally instances terminate at once, so the tasks may still be
// stopping (at most the largest stopTimeout, 120 s, after their SIGTERM)
// when the cluster's turn comes.
const clusterTasksWait = 10 * time.Minute

// Delete deletes the cluster. While it still holds tasks that are
// stopping (ClusterContainsTasksException), it retries for up to
// clusterTasksWait; any other refusal fails at once, as CloudFormation
// reports it.
func (h *clusterHandler) Delete(ctx context.Context, req *Request) error {
	deadline := req.Clock.Now().Add(clusterTasksWait)
	for {
		_, err := h.ecs.DeleteCluster(ctx, &DeleteClusterInput{Cluster: req.PhysicalID})
		switch {
		case err == nil, errorCodeIs(err, "ClusterNotFoundException"):
			return nil
		case !errorCodeIs(err, "ClusterContainsTasksException") || !req.Clock.Now().Before(deadline):
			return ecsErr(err)
		}
		if err := sleep(ctx, req.Clock, h.poll); err != nil {
			return err
		}
	}
}

// errorCodeIs reports whether err carries the AWS error code, through an
// ErrorCode() method (the ECS control plane's errors are expected to
// have one) or an embedded code in its text.
func errorCodeIs(err error, code string) bool {
	if err == nil {
		return false
	}
	var c interface{ ErrorCode() string }
	if errors.As(err, &c) {
		return c.ErrorCode() == code
	}
	return strings.Contains(err.Error(), code)
}

// taskDefinitionHandler is AWS::ECS::TaskDefinition. Ref returns the
// ARN. A task definition revision is immutable, so every change but Tags
// registers a new revision (replacement) and deregisters the old one.
type taskDefinitionHandler struct{ *ecsConfig }

func (h *taskDefinitionHandler) Replacement(p string) Replacement {
	if p == "Tags" {
		return ReplacementFalse
	}
	return ReplacementTrue
}

func (h *taskDefinitionHandler) Create(ctx context.Context, req *Request) (*Result, error) {
	var p struct {
		Family                  string           `json:"Family"`
		TaskRoleARN             string           `json:"TaskRoleArn"`
		ExecutionRoleARN        string           `json:"ExecutionRoleArn"`
		NetworkMode             string           `json:"NetworkMode"`
		RequiresCompatibilities []string         `json:"RequiresCompatibilities"`
		CPU                     string           `json:"Cpu"`
		Memory                  string           `json:"Memory"`
		ContainerDefinitions    []map[string]any `json:"ContainerDefinitions"`
		Tags                    []ECSTag         `json:"Tags"`
	}
	extra, err := splitExtra(req.Properties, &p, "Family", "TaskRoleArn", "ExecutionRoleArn", "NetworkMode",
		"RequiresCompatibilities", "Cpu", "Memory", "ContainerDefinitions", "Tags")
	if err != nil {
		return nil, err
	}
	family := p.Family
	if family == "" {
		family = physicalName(req.StackName, req.LogicalID, 255)
	}
	td, err := h.ecs.RegisterTaskDefinition(ctx, &RegisterTaskDefinitionInput{
		Family: family, TaskRoleARN: p.TaskRoleARN, ExecutionRoleARN: p.ExecutionRoleARN, NetworkMode: p.NetworkMode,
		RequiresCompatibilities: p.RequiresCompatibilities, CPU: p.CPU, Memory: p.Memory,
		ContainerDefinitions: p.ContainerDefinitions, Tags: p.Tags, Extra: extra,
	})
	if err != nil {
		return nil, ecsErr(err)
	}
	return &Result{PhysicalID: td.TaskDefinitionARN, Attributes: map[string]any{"TaskDefinitionArn": td.TaskDefinitionARN}}, nil
}

func (h *taskDefinitionHandler) Update(_ context.Context, req *Request) (*Result, error) {
	return &Result{Attributes: req.Attributes}, nil
}

func (h *taskDefinitionHandler) Delete(ctx context.Context, req *Request) error {
	_, err := h.ecs.DeregisterTaskDefinition(ctx, &DeregisterTaskDefinitionInput{TaskDefinition: req.PhysicalID})
	return ecsErr(err)
}

// serviceHandler is AWS::ECS::Service. Ref returns the service ARN;
// Fn::GetAtt gives Name and ServiceArn. Create and Update return once
// the service is stable, as CloudFormation waits for it.
type serviceHandler struct{ *ecsConfig }

type serviceProps struct {
	Cluster                       string                   `json:"Cluster"`
	ServiceName                   string                   `json:"ServiceName"`
	TaskDefinition                string                   `json:"TaskDefinition"`
	DesiredCount                  *int                     `json:"DesiredCount"`
	LaunchType                    string                   `json:"LaunchType"`
	SchedulingStrategy            string                   `json:"SchedulingStrategy"`
	LoadBalancers                 []ECSLoadBalancer        `json:"LoadBalancers"`
	DeploymentConfiguration       *DeploymentConfiguration `json:"DeploymentConfiguration"`
	HealthCheckGracePeriodSeconds *int                     `json:"HealthCheckGracePeriodSeconds"`
	Role                          string                   `json:"Role"`
	Tags                          []ECSTag                 `json:"Tags"`
}

var serviceTyped = []string{"Cluster", "ServiceName", "TaskDefinition", "DesiredCount", "LaunchType", "SchedulingStrategy",
	"LoadBalancers", "DeploymentConfiguration", "HealthCheckGracePeriodSeconds", "Role", "Tags"}

func (h *serviceHandler) Replacement(p string) Replacement {
	return newReplaceOn("Cluster", "ServiceName", "LaunchType", "Role", "SchedulingStrategy", "DeploymentController").replacement(p)
}

func clusterOr(c string) string {
	if c == "" {
		return "default"
	}
	return c
}

func (h *serviceHandler) Create(ctx context.Context, req *Request) (*Result, error) {
	var p serviceProps
	extra, err := splitExtra(req.Properties, &p, serviceTyped...)
	if err != nil {
		return nil, err
	}
	name := p.ServiceName
	if name == "" {
		name = physicalName(req.StackName, req.LogicalID, 255)
	}
	svc, err := h.ecs.CreateService(ctx, &CreateServiceInput{
		Cluster: clusterOr(p.Cluster), ServiceName: name, TaskDefinition: p.TaskDefinition, DesiredCount: p.DesiredCount,
		LaunchType: p.LaunchType, SchedulingStrategy: p.SchedulingStrategy, LoadBalancers: p.LoadBalancers,
		DeploymentConfiguration: p.DeploymentConfiguration, HealthCheckGracePeriodSeconds: p.HealthCheckGracePeriodSeconds,
		Role: p.Role, Tags: p.Tags, ClientToken: req.StackID + "/" + req.LogicalID, Extra: extra,
	})
	if err != nil {
		return nil, ecsErr(err)
	}
	res := &Result{PhysicalID: svc.ServiceARN, Attributes: map[string]any{"Name": svc.ServiceName, "ServiceArn": svc.ServiceARN}}
	if err := h.waitStable(ctx, req.Clock, clusterOr(p.Cluster), svc.ServiceARN); err != nil {
		// The stack only learns a physical id from a successful Create,
		// so an unstable service is removed here rather than leaked.
		_, _ = h.ecs.DeleteService(ctx, &DeleteServiceInput{Cluster: clusterOr(p.Cluster), Service: svc.ServiceARN, Force: true})
		return nil, err
	}
	return res, nil
}

func (h *serviceHandler) Update(ctx context.Context, req *Request) (*Result, error) {
	var p serviceProps
	if _, err := splitExtra(req.Properties, &p, serviceTyped...); err != nil {
		return nil, err
	}
	in := &UpdateServiceInput{Cluster: clusterOr(p.Cluster), Service: req.PhysicalID}
	for _, c := range req.Changes {
		switch c.Name {
		case "TaskDefinition":
			in.TaskDefinition = p.TaskDefinition
		case "DesiredCount":
			in.DesiredCount = p.DesiredCount
		case "DeploymentConfiguration":
			in.DeploymentConfiguration = p.DeploymentConfiguration
		case "LoadBalancers":
			in.LoadBalancers = p.LoadBalancers
		case "HealthCheckGracePeriodSeconds":
			in.HealthCheckGracePeriodSeconds = p.HealthCheckGracePeriodSeconds
		}
	}
	if _, err := h.ecs.UpdateService(ctx, in); err != nil {
		return nil, ecsErr(err)
	}
	if err := h.waitStable(ctx, req.Clock, clusterOr(p.Cluster), req.PhysicalID); err != nil {
		return nil, err
	}
	return &Result{Attributes: req.Attributes}, nil
}

// Delete scales the service to zero, deletes it and waits until it is
// INACTIVE.
func (h *serviceHandler) Delete(ctx context.Context, req *Request) error {
	cluster := clusterOr(str(req.Properties["Cluster"]))
	zero := 0
	if _, err := h.ecs.UpdateService(ctx, &UpdateServiceInput{Cluster: cluster, Service: req.PhysicalID, DesiredCount: &zero}); err != nil {
		if errorCodeIs(err, "ServiceNotFoundException") || errorCodeIs(err, "ServiceNotActiveException") || errorCodeIs(err, "ClusterNotFoundException") {
			return nil
		}
		return ecsErr(err)
	}
	if _, err := h.ecs.DeleteService(ctx, &DeleteServiceInput{Cluster: cluster, Service: req.PhysicalID, Force: true}); err != nil {
		return ecsErr(err)
	}
	deadline := req.Clock.Now().Add(h.stable)
	for {
		svcs, err := h.ecs.DescribeServices(ctx, &DescribeServicesInput{Cluster: cluster, Services: []string{req.PhysicalID}})
		if err != nil {
			return ecsErr(err)
		}
		if len(svcs) == 0 || svcs[0].Status == "INACTIVE" {
			return nil
		}
		if !req.Clock.Now().Before(deadline) {
			return fmt.Errorf("Service %s did not become INACTIVE within %s", req.PhysicalID, h.stable)
		}
		if err := sleep(ctx, req.Clock, h.poll); err != nil {
			return err
		}
	}
}

// waitStable polls until the service's primary deployment completed with
// its desired count running.
func (h *serviceHandler) waitStable(ctx context.Context, clk Clock, cluster, arn string) error {
	deadline := clk.Now().Add(h.stable)
	for {
		svcs, err := h.ecs.DescribeServices(ctx, &DescribeServicesInput{Cluster: cluster, Services: []string{arn}})
		if err != nil {
			return ecsErr(err)
		}
		if len(svcs) == 1 {
			s := svcs[0]
			stable := s.RunningCount == s.DesiredCount && len(s.Deployments) <= 1
			for _, d := range s.Deployments {
				if d.Status != "PRIMARY" {
					continue
				}
				if d.RolloutState == "FAILED" {
					return errors.New("Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.")
				}
				stable = stable && (d.RolloutState == "" || d.RolloutState == "COMPLETED")
			}
			if stable {
				return nil
			}
		}
		if !clk.Now().Before(deadline) {
			return fmt.Errorf("Service %s did not stabilize within %s", arn, h.stable)
		}
		if err := sleep(ctx, clk, h.poll); err != nil {
			return err
		}
	}
}

// autoScalingGroupHandler is AWS::AutoScaling::AutoScalingGroup: it
// launches DesiredCapacity instances from the launch template or launch
// configuration and, with a CreationPolicy, waits for them to register
// with the cluster their user data names; each registration counts as a
// resource signal. Ref returns the group name.
type autoScalingGroupHandler struct {
	*ecsConfig
	mu     sync.Mutex
	groups map[string][]string // group name → instance ids, oldest first
}

type asgProps struct {
	AutoScalingGroupName    string `json:"AutoScalingGroupName"`
	LaunchConfigurationName string `json:"LaunchConfigurationName"`
	LaunchTemplate          *struct {
		LaunchTemplateID   string `json:"LaunchTemplateId"`
		LaunchTemplateName string `json:"LaunchTemplateName"`
		Version            string `json:"Version"`
	} `json:"LaunchTemplate"`
	MinSize           int      `json:"MinSize"`
	MaxSize           int      `json:"MaxSize"`
	DesiredCapacity   *int     `json:"DesiredCapacity"`
	VPCZoneIdentifier []string `json:"VPCZoneIdentifier"`
}

func (h *autoScalingGroupHandler) Replacement(p string) Replacement {
	return newReplaceOn("AutoScalingGroupName", "InstanceId").replacement(p)
}

// launch returns the RunInstances input the group's launch settings give.
func (h *autoScalingGroupHandler) launch(name string, p *asgProps) (*RunInstancesInput, error) {
	in := &RunInstancesInput{Group: name, Cluster: "default", SubnetIDs: p.VPCZoneIdentifier}
	var data map[string]any
	switch {
	case p.LaunchTemplate != nil:
		id := p.LaunchTemplate.LaunchTemplateID
		if id == "" {
			id = p.LaunchTemplate.LaunchTemplateName
		}
		d, ok := h.store.get(id)
		if !ok {
			return nil, fmt.Errorf("The specified launch template, with template ID %s, does not exist.", id)
		}
		data = d
		in.SecurityGroupIDs = strList(data["SecurityGroupIds"])
	case p.LaunchConfigurationName != "":
		d, ok := h.store.get(p.LaunchConfigurationName)
		if !ok {
			return nil, fmt.Errorf("Launch configuration name not found - Launch configuration %s not found", p.LaunchConfigurationName)
		}
		data = d
		in.SecurityGroupIDs = strList(data["SecurityGroups"])
	default:
		return nil, errors.New("Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.")
	}
	in.ImageID, in.InstanceType = str(data["ImageId"]), str(data["InstanceType"])
	if ud := str(data["UserData"]); ud != "" {
		b, err := base64.StdEncoding.DecodeString(ud)
		if err != nil {
			return nil, errors.New("Invalid BASE64 encoding of user data.")
		}
		in.UserData = string(b)
		if c := ecsClusterOf(in.UserData); c != "" {
			in.Cluster = c
		}
	}
	return in, nil
}

// ecsClusterOf finds ECS_CLUSTER=<name> in user data.
func ecsClusterOf(userData string) string {
	i := strings.Index(userData, "ECS_CLUSTER=")
	if i < 0 {
		return ""
	}
	rest := userData[i+len("ECS_CLUSTER="):]
	end := strings.IndexAny(rest, " \t\r\n'\">;")
	if end >= 0 {
		rest = rest[:end]
	}
	return rest
}

func (p *asgProps) desired() int {
	if p.DesiredCapacity != nil {
		return *p.DesiredCapacity
	}
	return p.MinSize
}

func (h *autoScalingGroupHandler) Create(ctx context.Context, req *Request) (*Result, error) {
	var p asgProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	name := p.AutoScalingGroupName
	if name == "" {
		name = physicalName(req.StackName, req.LogicalID, 255)
	}
	in, err := h.launch(name, &p)
	if err != nil {
		return nil, err
	}
	var ids []string
	if in.Count = p.desired(); in.Count > 0 {
		if ids, err = h.instances.RunInstances(ctx, in); err != nil {
			return nil, &handlerError{service: "AutoScaling", err: err}
		}
	}
	h.mu.Lock()
	h.groups[name] = ids
	h.mu.Unlock()
	if cp := req.CreationPolicy; cp != nil && cp.Count > 0 {
		if err := h.waitSignals(ctx, req.Clock, in.Cluster, ids, cp); err != nil {
			_ = h.terminate(ctx, name, len(ids))
			return nil, err
		}
	}
	return &Result{PhysicalID: name, Attributes: map[string]any{}}, nil
}

// waitSignals waits until cp.Count of the instances have registered as
// container instances of cluster.
func (h *autoScalingGroupHandler) waitSignals(ctx context.Context, clk Clock, cluster string, ids []string, cp *CreationPolicy) error {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	deadline := clk.Now().Add(cp.Timeout)
	for {
		n, err := h.registered(ctx, cluster, want)
		if err != nil {
			return err
		}
		if n >= cp.Count {
			return nil
		}
		if !clk.Now().Before(deadline) {
			return fmt.Errorf("Failed to receive %d resource signal(s) within the specified duration", cp.Count)
		}
		if err := sleep(ctx, clk, h.poll); err != nil {
			return err
		}
	}
}

func (h *autoScalingGroupHandler) registered(ctx context.Context, cluster string, want map[string]bool) (int, error) {
	arns, err := h.ecs.ListContainerInstances(ctx, &ListContainerInstancesInput{Cluster: cluster})
	if err != nil {
		return 0, ecsErr(err)
	}
	if len(arns) == 0 {
		return 0, nil
	}
	cis, err := h.ecs.DescribeContainerInstances(ctx, &DescribeContainerInstancesInput{Cluster: cluster, ContainerInstances: arns})
	if err != nil {
		return 0, ecsErr(err)
	}
	n := 0
	for _, ci := range cis {
		if want[ci.EC2InstanceID] && ci.Status != "INACTIVE" {
			n++
		}
	}
	return n, nil
}

// terminate stops the newest n instances of the group.
func (h *autoScalingGroupHandler) terminate(ctx context.Context, name string, n int) error {
	h.mu.Lock()
	ids := h.groups[name]
	if n > len(ids) {
		n = len(ids)
	}
	victims := append([]string(nil), ids[len(ids)-n:]...)
	h.groups[name] = ids[:len(ids)-n]
	h.mu.Unlock()
	if len(victims) == 0 {
		return nil
	}
	if err := h.instances.TerminateInstances(ctx, victims); err != nil {
		return &handlerError{service: "AutoScaling", err: err}
	}
	return nil
}

// Update scales the group to the new DesiredCapacity. A new launch
// template version applies to instances launched afterwards, as on AWS
// without an UpdatePolicy.
func (h *autoScalingGroupHandler) Update(ctx context.Context, req *Request) (*Result, error) {
	var p asgProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	name := req.PhysicalID
	h.mu.Lock()
	have := len(h.groups[name])
	h.mu.Unlock()
	want := p.desired()
	switch {
	case want > have:
		in, err := h.launch(name, &p)
		if err != nil {
			return nil, err
		}
		in.Count = want - have
		ids, err := h.instances.RunInstances(ctx, in)
		if err != nil {
			return nil, &handlerError{service: "AutoScaling", err: err}
		}
		h.mu.Lock()
		h.groups[name] = append(h.groups[name], ids...)
		h.mu.Unlock()
	case want < have:
		if err := h.terminate(ctx, name, have-want); err != nil {
			return nil, err
		}
	}
	return &Result{Attributes: map[string]any{}}, nil
}

func (h *autoScalingGroupHandler) Delete(ctx context.Context, req *Request) error {
	h.mu.Lock()
	n := len(h.groups[req.PhysicalID])
	h.mu.Unlock()
	if err := h.terminate(ctx, req.PhysicalID, n); err != nil {
		return err
	}
	h.mu.Lock()
	delete(h.groups, req.PhysicalID)
	h.mu.Unlock()
	return nil
}

// HandlerOptions are the control planes the handlers call. A nil one
// leaves its resource types out.
type HandlerOptions struct {
	// ELB backs AWS::ElasticLoadBalancingV2::*.
	ELB ELB
	// ECS backs AWS::ECS::*; with Instances, also
	// AWS::AutoScaling::AutoScalingGroup.
	ECS       ECS
	Instances Instances
	// Logs backs AWS::Logs::LogGroup (NewLogGroupDir). Nil means log
	// groups are recorded only.
	Logs LogGroups
	// PollInterval is the pause between stabilization checks. Zero means
	// 5s (of the stack's Clock).
	PollInterval time.Duration
	// StabilizationTimeout bounds how long a service may take to become
	// stable. Zero means 30 minutes.
	StabilizationTimeout time.Duration
}

// NewHandlers returns every handler: the recorded ones (EC2 networking,
// IAM, ECR, Application Auto Scaling, launch templates and
// configurations, and log groups without Logs) and those the given
// control planes back.
func NewHandlers(o HandlerOptions) Handlers {
	store := &launchStore{data: map[string]map[string]any{}, version: map[string]int{}}
	hs := recordedHandlers(store)
	if o.Logs != nil {
		hs["AWS::Logs::LogGroup"] = &logGroupHandler{o.Logs}
	}
	if o.ELB != nil {
		for t, h := range elbHandlers(o.ELB) {
			hs[t] = h
		}
	}
	if o.ECS != nil {
		cfg := &ecsConfig{ecs: o.ECS, instances: o.Instances, store: store, poll: o.PollInterval, stable: o.StabilizationTimeout}
		if cfg.poll <= 0 {
			cfg.poll = 5 * time.Second
		}
		if cfg.stable <= 0 {
			cfg.stable = 30 * time.Minute
		}
		hs["AWS::ECS::Cluster"] = &clusterHandler{cfg}
		hs["AWS::ECS::TaskDefinition"] = &taskDefinitionHandler{cfg}
		hs["AWS::ECS::Service"] = &serviceHandler{cfg}
		if o.Instances != nil {
			hs["AWS::AutoScaling::AutoScalingGroup"] = &autoScalingGroupHandler{ecsConfig: cfg, groups: map[string][]string{}}
		}
	}
	return hs
}
