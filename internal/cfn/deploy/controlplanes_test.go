package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ecslocal/ecslocal/internal/driver/fake"
	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/agent"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
	"github.com/ecslocal/ecslocal/internal/elb"
	elbcontrol "github.com/ecslocal/ecslocal/internal/elb/control"
	"github.com/ecslocal/ecslocal/internal/elb/health"
)

// This file wires the handlers to the real control planes, as
// cmd/ecslocal does: the ECS control plane with one real agent per
// container instance on the scripted driver, and the ELB control plane
// whose health checkers pass every check (the end-to-end tests in
// cmd/ecslocal run real health checks against real processes). Every AWS
// duration runs on a clock 100 times as fast as the wall clock.

// fastClock is AWS time at 100× for the stacks (Clock), the ECS control
// plane (ecscontrol.Clock) and the health checkers (health.Clock).
type fastClock struct{ start time.Time }

const fastFactor = 0.01

func (c *fastClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.start)) / fastFactor))
}

func (c *fastClock) After(d time.Duration) <-chan time.Time {
	return time.After(time.Duration(float64(d) * fastFactor))
}

func (c *fastClock) NewTimer(d time.Duration) health.Timer {
	return fastTimer{time.NewTimer(time.Duration(float64(d) * fastFactor))}
}

type fastTimer struct{ t *time.Timer }

func (t fastTimer) C() <-chan time.Time { return t.t.C }
func (t fastTimer) Reset(d time.Duration) bool {
	return t.t.Reset(time.Duration(float64(d) * fastFactor))
}
func (t fastTimer) Stop() bool { return t.t.Stop() }

// planes is a Stacks over the real ECS and ELB control planes.
type planes struct {
	*harness
	ecs      *ecscontrol.Controller
	elb      *elbcontrol.Control
	drv      *fake.Driver
	agents   *testAgents
	launches *launchLog
	logs     *LogGroupDir
}

func newPlanes(tb testing.TB) *planes {
	tb.Helper()
	clk := &fastClock{start: time.Now()}
	quiet := slog.New(slog.DiscardHandler)
	elbCtl := elbcontrol.New(elbcontrol.Options{
		Region: "us-east-1", AccountID: "123456789012", Clock: clk, Logger: quiet,
		Prober: health.ProberFunc(func(context.Context, health.ProbeRequest) health.Result { return health.Pass() }),
	})
	tb.Cleanup(func() { elbCtl.Close() })
	store := state.NewStore()
	drv := fake.New(fake.Options{})
	agents := &testAgents{store: store, drv: drv, agents: map[string]*agent.Agent{}}
	ecsCtl, err := ecscontrol.New(ecscontrol.Options{
		Store: store, Region: "us-east-1", AccountID: "123456789012",
		Registrar: testRegistrar{elbCtl}, Agents: agents, Clock: clk, Logger: quiet,
	})
	if err != nil {
		tb.Fatal(err)
	}
	agents.reporter = ecsCtl.Reporter()
	ctx, cancel := context.WithCancel(context.Background())
	go ecsCtl.Run(ctx) // owned by the test: stopped by the cleanup below
	tb.Cleanup(func() {
		agents.kill()
		cancel()
		<-ecsCtl.WaitCh()
	})
	launches := &launchLog{}
	logs := NewLogGroupDir(tb.TempDir(), nil)
	s := New(Options{
		Handlers: NewHandlers(HandlerOptions{
			ELB: elbCtl, ECS: controlECS{ecsCtl}, Instances: controlInstances{ecsCtl, launches}, Logs: logs,
			PollInterval: time.Second, StabilizationTimeout: 10 * time.Minute,
		}),
		Region: "us-east-1", AccountID: "123456789012", Clock: clk, Logger: quiet,
	})
	tb.Cleanup(func() { s.Close() })
	return &planes{harness: &harness{Stacks: s, log: &callLog{}}, ecs: ecsCtl, elb: elbCtl, drv: drv, agents: agents, launches: launches, logs: logs}
}

// waitDone waits (in real time, bounded) until the stack leaves its
// in-progress state.
func (p *planes) waitDone(tb testing.TB, name string) *Stack {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := p.Wait(ctx, name)
	if err != nil {
		tb.Fatalf("wait %s: %v", name, err)
	}
	return st
}

// testAgents runs one real agent per container instance on the scripted
// driver, like cmd/ecslocal's agentSet.
type testAgents struct {
	store    *state.Store
	drv      *fake.Driver
	reporter agent.Reporter

	mu     sync.Mutex
	agents map[string]*agent.Agent
}

func (s *testAgents) Agent(arn string) (ecscontrol.TaskSink, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.agents[arn]; ok {
		return a, true
	}
	if s.store.Snapshot().ContainerInstance(arn) == nil {
		return nil, false
	}
	a, err := agent.New(agent.Config{InstanceARN: arn, Driver: s.drv, Reporter: s.reporter, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, false
	}
	s.agents[arn] = a
	return a, true
}

func (s *testAgents) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, a := range s.agents {
		_ = a.Kill(ctx)
	}
}

// testRegistrar is the ECS control plane's path to the ELB control plane.
type testRegistrar struct{ c *elbcontrol.Control }

func targets(ts []ecscontrol.Target) []elb.TargetDescription {
	out := make([]elb.TargetDescription, len(ts))
	for i, t := range ts {
		out[i] = elb.TargetDescription{ID: t.ID, Port: t.Port}
	}
	return out
}

func (r testRegistrar) RegisterTargets(ctx context.Context, tg string, ts []ecscontrol.Target) error {
	_, err := r.c.RegisterTargets(ctx, &elbcontrol.RegisterTargetsInput{TargetGroupARN: tg, Targets: targets(ts)})
	return err
}

func (r testRegistrar) DeregisterTargets(ctx context.Context, tg string, ts []ecscontrol.Target) error {
	_, err := r.c.DeregisterTargets(ctx, &elbcontrol.DeregisterTargetsInput{TargetGroupARN: tg, Targets: targets(ts)})
	return err
}

func (r testRegistrar) TargetHealth(ctx context.Context, tg string) ([]ecscontrol.TargetHealth, error) {
	out, err := r.c.DescribeTargetHealth(ctx, &elbcontrol.DescribeTargetHealthInput{TargetGroupARN: tg})
	if err != nil {
		return nil, err
	}
	hs := make([]ecscontrol.TargetHealth, len(out.TargetHealthDescriptions))
	for i, d := range out.TargetHealthDescriptions {
		hs[i] = ecscontrol.TargetHealth{
			Target: ecscontrol.Target{ID: d.Target.ID, Port: d.Target.Port},
			State:  scheduler.TargetState(d.TargetHealth.State), Description: d.TargetHealth.Description,
		}
	}
	return hs, nil
}

func (r testRegistrar) ValidateTargetGroup(ctx context.Context, tg string, _ ecs.NetworkMode) error {
	out, err := r.c.DescribeTargetGroups(ctx, &elbcontrol.DescribeTargetGroupsInput{TargetGroupARNs: []string{tg}})
	if err != nil {
		return ecs.NewInvalidParameter("Unable to find target group %s.", tg)
	}
	if len(out.TargetGroups[0].LoadBalancerARNs) == 0 {
		return ecs.NewTargetGroupWithoutLoadBalancer(tg)
	}
	return nil
}

// controlECS is the handlers' ECS over the real control plane; it does
// what cmd/ecslocal's cfnECS does, converting template-shaped inputs into
// the API's shapes through JSON.
type controlECS struct{ c *ecscontrol.Controller }

var (
	_ ECS       = controlECS{}
	_ Instances = controlInstances{}
)

// apiShape lower-cases the first letter of every member name except in
// the user's free-form maps (log options, Docker labels).
func apiShape(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, val := range v {
			r, n := utf8.DecodeRuneInString(k)
			key := string(unicode.ToLower(r)) + k[n:]
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

// reshape converts a template-shaped value into out through JSON.
func reshape(v, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if b, err = json.Marshal(apiShape(m)); err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func (a controlECS) CreateCluster(ctx context.Context, in *CreateClusterInput) (*ECSCluster, error) {
	out, err := a.c.CreateCluster(ctx, ecscontrol.CreateClusterInput{ClusterName: in.ClusterName})
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
	body := map[string]any{"Family": in.Family, "TaskRoleArn": in.TaskRoleARN, "ExecutionRoleArn": in.ExecutionRoleARN,
		"NetworkMode": in.NetworkMode, "Cpu": in.CPU, "Memory": in.Memory, "ContainerDefinitions": in.ContainerDefinitions}
	if len(in.RequiresCompatibilities) > 0 {
		body["RequiresCompatibilities"] = in.RequiresCompatibilities
	}
	for k, v := range in.Extra {
		body[k] = v
	}
	for k, v := range body {
		if v == "" {
			delete(body, k)
		}
	}
	var req ecscontrol.RegisterTaskDefinitionInput
	if err := reshape(body, &req); err != nil {
		return nil, fmt.Errorf("task definition: %w", err)
	}
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

func ecsService(s *ecs.Service) *ECSService {
	out := &ECSService{ServiceARN: s.ServiceARN, ServiceName: s.ServiceName, ClusterARN: s.ClusterARN, Status: string(s.Status),
		TaskDefinition: s.TaskDefinition, DesiredCount: s.DesiredCount, RunningCount: s.RunningCount, PendingCount: s.PendingCount}
	for _, d := range s.Deployments {
		out.Deployments = append(out.Deployments, ECSDeployment{ID: d.ID, Status: string(d.Status), RolloutState: string(d.RolloutState),
			DesiredCount: d.DesiredCount, RunningCount: d.RunningCount, FailedTasks: d.FailedTasks})
	}
	return out
}

func deploymentConfig(d *DeploymentConfiguration) (*ecs.DeploymentConfiguration, error) {
	if d == nil {
		return nil, nil
	}
	var out ecs.DeploymentConfiguration
	return &out, reshape(d, &out)
}

func (a controlECS) CreateService(ctx context.Context, in *CreateServiceInput) (*ECSService, error) {
	dc, err := deploymentConfig(in.DeploymentConfiguration)
	if err != nil {
		return nil, err
	}
	var lbs []ecs.LoadBalancer
	for _, lb := range in.LoadBalancers {
		lbs = append(lbs, ecs.LoadBalancer{TargetGroupARN: lb.TargetGroupARN, ContainerName: lb.ContainerName, ContainerPort: lb.ContainerPort})
	}
	out, err := a.c.CreateService(ctx, ecscontrol.CreateServiceInput{
		Cluster: in.Cluster, ServiceName: in.ServiceName, TaskDefinition: in.TaskDefinition, DesiredCount: in.DesiredCount,
		LaunchType: ecs.LaunchType(in.LaunchType), SchedulingStrategy: ecs.SchedulingStrategy(in.SchedulingStrategy),
		LoadBalancers: lbs, DeploymentConfiguration: dc, HealthCheckGracePeriodSeconds: in.HealthCheckGracePeriodSeconds,
		Role: in.Role, ClientToken: in.ClientToken,
	})
	if err != nil {
		return nil, err
	}
	return ecsService(out.Service), nil
}

func (a controlECS) UpdateService(ctx context.Context, in *UpdateServiceInput) (*ECSService, error) {
	dc, err := deploymentConfig(in.DeploymentConfiguration)
	if err != nil {
		return nil, err
	}
	out, err := a.c.UpdateService(ctx, ecscontrol.UpdateServiceInput{
		Cluster: in.Cluster, Service: in.Service, TaskDefinition: in.TaskDefinition, DesiredCount: in.DesiredCount,
		DeploymentConfiguration: dc, HealthCheckGracePeriodSeconds: in.HealthCheckGracePeriodSeconds, ForceNewDeployment: in.ForceNewDeployment,
	})
	if err != nil {
		return nil, err
	}
	return ecsService(out.Service), nil
}

func (a controlECS) DeleteService(ctx context.Context, in *DeleteServiceInput) (*ECSService, error) {
	out, err := a.c.DeleteService(ctx, ecscontrol.DeleteServiceInput{Cluster: in.Cluster, Service: in.Service, Force: in.Force})
	if err != nil {
		return nil, err
	}
	return ecsService(out.Service), nil
}

func (a controlECS) DescribeServices(ctx context.Context, in *DescribeServicesInput) ([]*ECSService, error) {
	out, err := a.c.DescribeServices(ctx, ecscontrol.DescribeServicesInput{Cluster: in.Cluster, Services: in.Services})
	if err != nil {
		return nil, err
	}
	var ss []*ECSService
	for _, s := range out.Services {
		ss = append(ss, ecsService(s))
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
		cis = append(cis, &ECSContainerInstance{ContainerInstanceARN: ci.ContainerInstanceARN, EC2InstanceID: ci.EC2InstanceID,
			Status: string(ci.Status), AgentConnected: ci.AgentConnected})
	}
	return cis, nil
}

// controlInstances launches an Auto Scaling group's instances as
// container instances registered with the cluster the user data names,
// and records every launch.
type controlInstances struct {
	c        *ecscontrol.Controller
	launches *launchLog
}

// launchLog records RunInstances inputs, for assertions.
type launchLog struct {
	mu  sync.Mutex
	ins []RunInstancesInput
}

func (l *launchLog) all() []RunInstancesInput {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]RunInstancesInput(nil), l.ins...)
}

func (a controlInstances) RunInstances(ctx context.Context, in *RunInstancesInput) ([]string, error) {
	a.launches.mu.Lock()
	a.launches.ins = append(a.launches.ins, *in)
	a.launches.mu.Unlock()
	var ids []string
	for range in.Count {
		out, err := a.c.RegisterContainerInstance(ctx, ecscontrol.RegisterContainerInstanceInput{Cluster: in.Cluster, InstanceType: in.InstanceType})
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
			_, err := a.c.DeregisterContainerInstance(ctx, ecscontrol.DeregisterContainerInstanceInput{Cluster: cl, ContainerInstance: ci.ContainerInstanceARN, Force: true})
			if err != nil && ecs.ErrorCode(err) != "InvalidParameterException" {
				return err
			}
		}
	}
	return nil
}
