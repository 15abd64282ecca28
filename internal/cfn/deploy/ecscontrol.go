package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ecslocal/ecslocal/internal/ecs"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
)

// ECSControl lets the ECS handlers drive the in-process ECS control plane:
// it converts the template-shaped inputs into control's API-shaped ones.
func ECSControl(c *ecscontrol.Controller) ECS { return controlECS{c} }

// InstancesControl launches an Auto Scaling group's instances as simulated
// container instances of the in-process ECS control plane.
func InstancesControl(c *ecscontrol.Controller) Instances { return controlInstances{c} }

type controlECS struct{ c *ecscontrol.Controller }

var (
	_ ECS       = controlECS{}
	_ Instances = controlInstances{}
)

// apiShape turns CloudFormation property names (PascalCase) into ECS API
// member names (camelCase) through a whole value, except inside the
// free-form maps whose keys are the user's (log driver options, Docker
// labels).
func apiShape(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, val := range v {
			key := lowerFirst(k)
			if k == "Options" || k == "DockerLabels" {
				out[key] = val
				continue
			}
			out[key] = apiShape(val)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = apiShape(e)
		}
		return out
	}
	return v
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func ecsTags(ts []ECSTag) []ecs.Tag {
	out := make([]ecs.Tag, len(ts))
	for i, t := range ts {
		out[i] = ecs.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func (a controlECS) CreateCluster(ctx context.Context, in *CreateClusterInput) (*ECSCluster, error) {
	out, err := a.c.CreateCluster(ctx, ecscontrol.CreateClusterInput{ClusterName: in.ClusterName, Tags: ecsTags(in.Tags)})
	if err != nil {
		return nil, err
	}
	return &ECSCluster{ClusterARN: out.Cluster.ClusterARN, ClusterName: out.Cluster.ClusterName, Status: string(out.Cluster.Status)}, nil
}

func (a controlECS) DeleteCluster(ctx context.Context, in *DeleteClusterInput) (*ECSCluster, error) {
	out, err := a.c.DeleteCluster(ctx, ecscontrol.DeleteClusterInput{Cluster: in.Cluster})
	if err != nil {
		return nil, err
	}
	return &ECSCluster{ClusterARN: out.Cluster.ClusterARN, ClusterName: out.Cluster.ClusterName, Status: string(out.Cluster.Status)}, nil
}

func (a controlECS) RegisterTaskDefinition(ctx context.Context, in *RegisterTaskDefinitionInput) (*ECSTaskDefinition, error) {
	defs := make([]any, len(in.ContainerDefinitions))
	for i, d := range in.ContainerDefinitions {
		defs[i] = apiShape(d)
	}
	body := map[string]any{
		"family":                  in.Family,
		"taskRoleArn":             in.TaskRoleARN,
		"executionRoleArn":        in.ExecutionRoleARN,
		"networkMode":             in.NetworkMode,
		"requiresCompatibilities": in.RequiresCompatibilities,
		"cpu":                     in.CPU,
		"memory":                  in.Memory,
		"containerDefinitions":    defs,
	}
	for k, v := range in.Extra {
		body[lowerFirst(k)] = apiShape(v)
	}
	for k, v := range body {
		if v == "" {
			delete(body, k)
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("task definition: %w", err)
	}
	var req ecscontrol.RegisterTaskDefinitionInput
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, ecs.NewClientException("Invalid task definition: %v", err)
	}
	req.Tags = ecsTags(in.Tags)
	out, err := a.c.RegisterTaskDefinition(ctx, req)
	if err != nil {
		return nil, err
	}
	td := out.TaskDefinition
	return &ECSTaskDefinition{TaskDefinitionARN: td.TaskDefinitionARN, Family: td.Family, Revision: td.Revision, Status: string(td.Status)}, nil
}

func (a controlECS) DeregisterTaskDefinition(ctx context.Context, in *DeregisterTaskDefinitionInput) (*ECSTaskDefinition, error) {
	out, err := a.c.DeregisterTaskDefinition(ctx, ecscontrol.DeregisterTaskDefinitionInput{TaskDefinition: in.TaskDefinition})
	if err != nil {
		return nil, err
	}
	td := out.TaskDefinition
	return &ECSTaskDefinition{TaskDefinitionARN: td.TaskDefinitionARN, Family: td.Family, Revision: td.Revision, Status: string(td.Status)}, nil
}

func loadBalancers(lbs []ECSLoadBalancer) []ecs.LoadBalancer {
	out := make([]ecs.LoadBalancer, len(lbs))
	for i, lb := range lbs {
		out[i] = ecs.LoadBalancer{TargetGroupARN: lb.TargetGroupARN, LoadBalancerName: lb.LoadBalancerName, ContainerName: lb.ContainerName, ContainerPort: lb.ContainerPort}
	}
	return out
}

func deploymentConfiguration(d *DeploymentConfiguration) *ecs.DeploymentConfiguration {
	if d == nil {
		return nil
	}
	b, _ := json.Marshal(apiShape(mustMap(d)))
	var out ecs.DeploymentConfiguration
	json.Unmarshal(b, &out)
	return &out
}

// mustMap round-trips a template-shaped struct through JSON into a map, so
// apiShape can rename its members.
func mustMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func service(s *ecs.Service) *ECSService {
	out := &ECSService{
		ServiceARN: s.ServiceARN, ServiceName: s.ServiceName, ClusterARN: s.ClusterARN, Status: string(s.Status),
		TaskDefinition: s.TaskDefinition, DesiredCount: s.DesiredCount, RunningCount: s.RunningCount, PendingCount: s.PendingCount,
	}
	for _, d := range s.Deployments {
		out.Deployments = append(out.Deployments, ECSDeployment{
			ID: d.ID, Status: string(d.Status), RolloutState: string(d.RolloutState),
			DesiredCount: d.DesiredCount, RunningCount: d.RunningCount, FailedTasks: d.FailedTasks,
		})
	}
	return out
}

func (a controlECS) CreateService(ctx context.Context, in *CreateServiceInput) (*ECSService, error) {
	out, err := a.c.CreateService(ctx, ecscontrol.CreateServiceInput{
		Cluster: in.Cluster, ServiceName: in.ServiceName, TaskDefinition: in.TaskDefinition, DesiredCount: in.DesiredCount,
		LaunchType: ecs.LaunchType(in.LaunchType), SchedulingStrategy: ecs.SchedulingStrategy(in.SchedulingStrategy),
		LoadBalancers: loadBalancers(in.LoadBalancers), DeploymentConfiguration: deploymentConfiguration(in.DeploymentConfiguration),
		HealthCheckGracePeriodSeconds: in.HealthCheckGracePeriodSeconds, Role: in.Role, ClientToken: in.ClientToken, Tags: ecsTags(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	return service(out.Service), nil
}

func (a controlECS) UpdateService(ctx context.Context, in *UpdateServiceInput) (*ECSService, error) {
	out, err := a.c.UpdateService(ctx, ecscontrol.UpdateServiceInput{
		Cluster: in.Cluster, Service: in.Service, TaskDefinition: in.TaskDefinition, DesiredCount: in.DesiredCount,
		DeploymentConfiguration:       deploymentConfiguration(in.DeploymentConfiguration),
		HealthCheckGracePeriodSeconds: in.HealthCheckGracePeriodSeconds, ForceNewDeployment: in.ForceNewDeployment,
	})
	if err != nil {
		return nil, err
	}
	return service(out.Service), nil
}

func (a controlECS) DeleteService(ctx context.Context, in *DeleteServiceInput) (*ECSService, error) {
	out, err := a.c.DeleteService(ctx, ecscontrol.DeleteServiceInput{Cluster: in.Cluster, Service: in.Service, Force: in.Force})
	if err != nil {
		return nil, err
	}
	return service(out.Service), nil
}

func (a controlECS) DescribeServices(ctx context.Context, in *DescribeServicesInput) ([]*ECSService, error) {
	out, err := a.c.DescribeServices(ctx, ecscontrol.DescribeServicesInput{Cluster: in.Cluster, Services: in.Services})
	if err != nil {
		return nil, err
	}
	var ss []*ECSService
	for _, s := range out.Services {
		ss = append(ss, service(s))
	}
	return ss, nil
}

func (a controlECS) ListContainerInstances(ctx context.Context, in *ListContainerInstancesInput) ([]string, error) {
	out, err := a.c.ListContainerInstances(ctx, ecscontrol.ListContainerInstancesInput{Cluster: in.Cluster, Status: in.Status})
	if err != nil {
		return nil, err
	}
	return out.ContainerInstanceARNs, nil
}

func (a controlECS) DescribeContainerInstances(ctx context.Context, in *DescribeContainerInstancesInput) ([]*ECSContainerInstance, error) {
	out, err := a.c.DescribeContainerInstances(ctx, ecscontrol.DescribeContainerInstancesInput{Cluster: in.Cluster, ContainerInstances: in.ContainerInstances})
	if err != nil {
		return nil, err
	}
	var cis []*ECSContainerInstance
	for _, ci := range out.ContainerInstances {
		cis = append(cis, &ECSContainerInstance{
			ContainerInstanceARN: ci.ContainerInstanceARN, EC2InstanceID: ci.EC2InstanceID,
			Status: string(ci.Status), AgentConnected: ci.AgentConnected,
		})
	}
	return cis, nil
}

// controlInstances launches an Auto Scaling group's instances: each is a
// simulated container instance whose agent registers with the cluster the
// user data names.
type controlInstances struct{ c *ecscontrol.Controller }

func (a controlInstances) RunInstances(ctx context.Context, in *RunInstancesInput) ([]string, error) {
	instanceType := in.InstanceType
	if instanceType == "" {
		instanceType = "t2.micro"
	}
	var ids []string
	for range in.Count {
		out, err := a.c.RegisterContainerInstance(ctx, ecscontrol.RegisterContainerInstanceInput{Cluster: in.Cluster, InstanceType: instanceType})
		if err != nil {
			return ids, err
		}
		ids = append(ids, out.ContainerInstance.EC2InstanceID)
	}
	return ids, nil
}

func (a controlInstances) TerminateInstances(ctx context.Context, ids []string) error {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	clusters, err := a.c.ListClusters(ctx, ecscontrol.ListClustersInput{})
	if err != nil {
		return err
	}
	for _, cl := range clusters.ClusterARNs {
		list, err := a.c.ListContainerInstances(ctx, ecscontrol.ListContainerInstancesInput{Cluster: cl})
		if err != nil || len(list.ContainerInstanceARNs) == 0 {
			continue
		}
		desc, err := a.c.DescribeContainerInstances(ctx, ecscontrol.DescribeContainerInstancesInput{Cluster: cl, ContainerInstances: list.ContainerInstanceARNs})
		if err != nil {
			return err
		}
		for _, ci := range desc.ContainerInstances {
			if !want[ci.EC2InstanceID] {
				continue
			}
			if _, err := a.c.DeregisterContainerInstance(ctx, ecscontrol.DeregisterContainerInstanceInput{Cluster: cl, ContainerInstance: ci.ContainerInstanceARN, Force: true}); err != nil && !strings.Contains(err.Error(), "not found") {
				return err
			}
		}
	}
	return nil
}
