package cfnapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
)

// fakeECS (a copy of internal/cfn/deploy's test fake) is a function-field deploy.ECS with an in-memory default behaviour:
// clusters, task definitions, services that are stable at once, and
// container instances registered by fakeInstances.
type fakeECS struct {
	mu                 sync.Mutex
	account            string
	clusters           map[string]bool
	taskDefs           map[string]*deploy.RegisterTaskDefinitionInput
	revisions          map[string]int
	services           map[string]*deploy.ECSService
	svcInputs          map[string]*deploy.CreateServiceInput
	instances          map[string][]*deploy.ECSContainerInstance // cluster → instances
	calls              []string
	CreateServiceFn    func(in *deploy.CreateServiceInput) (*deploy.ECSService, error)
	DescribeServicesFn func(in *deploy.DescribeServicesInput) ([]*deploy.ECSService, error)
}

var _ deploy.ECS = (*fakeECS)(nil)

func newFakeECS() *fakeECS {
	return &fakeECS{
		account: "123456789012", clusters: map[string]bool{}, taskDefs: map[string]*deploy.RegisterTaskDefinitionInput{},
		revisions: map[string]int{}, services: map[string]*deploy.ECSService{}, svcInputs: map[string]*deploy.CreateServiceInput{},
		instances: map[string][]*deploy.ECSContainerInstance{},
	}
}

func (f *fakeECS) call(s string) {
	f.calls = append(f.calls, s)
}

func (f *fakeECS) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeECS) arn(kind, name string) string {
	return fmt.Sprintf("arn:aws:ecs:us-east-1:%s:%s/%s", f.account, kind, name)
}

func (f *fakeECS) CreateCluster(_ context.Context, in *deploy.CreateClusterInput) (*deploy.ECSCluster, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("CreateCluster " + in.ClusterName)
	f.clusters[in.ClusterName] = true
	return &deploy.ECSCluster{ClusterName: in.ClusterName, ClusterARN: f.arn("cluster", in.ClusterName), Status: "ACTIVE"}, nil
}

func (f *fakeECS) DeleteCluster(_ context.Context, in *deploy.DeleteClusterInput) (*deploy.ECSCluster, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("DeleteCluster " + in.Cluster)
	if len(f.instances[in.Cluster]) > 0 {
		return nil, fmt.Errorf("ClusterContainsContainerInstancesException: The Cluster cannot be deleted while Container Instances are active or draining.")
	}
	delete(f.clusters, in.Cluster)
	return &deploy.ECSCluster{ClusterName: in.Cluster, Status: "INACTIVE"}, nil
}

func (f *fakeECS) RegisterTaskDefinition(_ context.Context, in *deploy.RegisterTaskDefinitionInput) (*deploy.ECSTaskDefinition, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revisions[in.Family]++
	arn := f.arn("task-definition", fmt.Sprintf("%s:%d", in.Family, f.revisions[in.Family]))
	f.call("RegisterTaskDefinition " + arn)
	f.taskDefs[arn] = in
	return &deploy.ECSTaskDefinition{TaskDefinitionARN: arn, Family: in.Family, Revision: f.revisions[in.Family], Status: "ACTIVE"}, nil
}

func (f *fakeECS) DeregisterTaskDefinition(_ context.Context, in *deploy.DeregisterTaskDefinitionInput) (*deploy.ECSTaskDefinition, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("DeregisterTaskDefinition " + in.TaskDefinition)
	delete(f.taskDefs, in.TaskDefinition)
	return &deploy.ECSTaskDefinition{TaskDefinitionARN: in.TaskDefinition, Status: "INACTIVE"}, nil
}

func (f *fakeECS) CreateService(_ context.Context, in *deploy.CreateServiceInput) (*deploy.ECSService, error) {
	if f.CreateServiceFn != nil {
		return f.CreateServiceFn(in)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("CreateService " + in.Cluster + " " + in.ServiceName)
	if !f.clusters[in.Cluster] {
		return nil, fmt.Errorf("ClusterNotFoundException: Cluster not found.")
	}
	n := 1
	if in.DesiredCount != nil {
		n = *in.DesiredCount
	}
	s := &deploy.ECSService{
		ServiceARN: f.arn("service", in.Cluster+"/"+in.ServiceName), ServiceName: in.ServiceName, ClusterARN: f.arn("cluster", in.Cluster),
		Status: "ACTIVE", TaskDefinition: in.TaskDefinition, DesiredCount: n, RunningCount: n,
		Deployments: []deploy.ECSDeployment{{ID: "ecs-svc/1", Status: "PRIMARY", RolloutState: "COMPLETED", DesiredCount: n, RunningCount: n}},
	}
	f.services[s.ServiceARN] = s
	f.svcInputs[s.ServiceARN] = in
	return s, nil
}

func (f *fakeECS) UpdateService(_ context.Context, in *deploy.UpdateServiceInput) (*deploy.ECSService, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.services[in.Service]
	if s == nil {
		return nil, fmt.Errorf("ServiceNotFoundException: Service not found.")
	}
	f.call(fmt.Sprintf("UpdateService %s desired=%v td=%s", s.ServiceName, deref(in.DesiredCount), in.TaskDefinition))
	c := *s
	if in.DesiredCount != nil {
		c.DesiredCount, c.RunningCount = *in.DesiredCount, *in.DesiredCount
	}
	if in.TaskDefinition != "" {
		c.TaskDefinition = in.TaskDefinition
	}
	f.services[in.Service] = &c
	return &c, nil
}

func deref(p *int) any {
	if p == nil {
		return "nil"
	}
	return *p
}

func (f *fakeECS) DeleteService(_ context.Context, in *deploy.DeleteServiceInput) (*deploy.ECSService, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.services[in.Service]
	if s == nil {
		return nil, fmt.Errorf("ServiceNotFoundException: Service not found.")
	}
	f.call("DeleteService " + s.ServiceName)
	c := *s
	c.Status = "INACTIVE"
	f.services[in.Service] = &c
	return &c, nil
}

func (f *fakeECS) DescribeServices(_ context.Context, in *deploy.DescribeServicesInput) ([]*deploy.ECSService, error) {
	if f.DescribeServicesFn != nil {
		return f.DescribeServicesFn(in)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*deploy.ECSService
	for _, a := range in.Services {
		if s := f.services[a]; s != nil {
			c := *s
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fakeECS) ListContainerInstances(_ context.Context, in *deploy.ListContainerInstancesInput) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, ci := range f.instances[in.Cluster] {
		out = append(out, ci.ContainerInstanceARN)
	}
	return out, nil
}

func (f *fakeECS) DescribeContainerInstances(_ context.Context, in *deploy.DescribeContainerInstancesInput) ([]*deploy.ECSContainerInstance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*deploy.ECSContainerInstance
	for _, ci := range f.instances[in.Cluster] {
		if slices.Contains(in.ContainerInstances, ci.ContainerInstanceARN) {
			c := *ci
			out = append(out, &c)
		}
	}
	return out, nil
}

// fakeInstances starts "instances" whose agent registers with the
// cluster at once (unless register is false).
type fakeInstances struct {
	ecs      *fakeECS
	mu       sync.Mutex
	n        int
	noJoin   bool
	launched []*deploy.RunInstancesInput
	running  map[string]string // instance id → cluster
}

var _ deploy.Instances = (*fakeInstances)(nil)

func newFakeInstances(e *fakeECS) *fakeInstances {
	return &fakeInstances{ecs: e, running: map[string]string{}}
}

func (f *fakeInstances) RunInstances(_ context.Context, in *deploy.RunInstancesInput) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.launched = append(f.launched, in)
	var ids []string
	for range in.Count {
		f.n++
		id := fmt.Sprintf("i-%017x", f.n)
		ids = append(ids, id)
		f.running[id] = in.Cluster
		if !f.noJoin {
			f.ecs.mu.Lock()
			f.ecs.instances[in.Cluster] = append(f.ecs.instances[in.Cluster], &deploy.ECSContainerInstance{
				ContainerInstanceARN: f.ecs.arn("container-instance", in.Cluster+"/"+strings.TrimPrefix(id, "i-")),
				EC2InstanceID:        id, Status: "ACTIVE", AgentConnected: true,
			})
			f.ecs.mu.Unlock()
		}
	}
	return ids, nil
}

func (f *fakeInstances) TerminateInstances(_ context.Context, ids []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		cluster := f.running[id]
		delete(f.running, id)
		f.ecs.mu.Lock()
		f.ecs.instances[cluster] = slices.DeleteFunc(f.ecs.instances[cluster], func(ci *deploy.ECSContainerInstance) bool { return ci.EC2InstanceID == id })
		f.ecs.mu.Unlock()
	}
	return nil
}

func (f *fakeInstances) Running() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.running)
}
