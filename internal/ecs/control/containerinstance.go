package control

import (
	"context"
	"net/netip"
	"slices"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// RegisterContainerInstanceInput is RegisterContainerInstance's request,
// as the embedding process (or a CloudFormation auto scaling group) sends
// it. Only the members ecslocal uses are kept.
type RegisterContainerInstanceInput struct {
	Cluster string `json:"cluster,omitempty"`
	// InstanceType names an entry of ecs.InstanceTypes; zero means
	// ecs.DefaultInstanceType. (ECS reads it from the instance identity
	// document; ecslocal takes it here.)
	InstanceType string `json:"instanceType,omitempty"`
	// EC2InstanceID is the instance's ID; zero means a new "i-" + 17 hex.
	EC2InstanceID string `json:"ec2InstanceId,omitempty"`
	// TotalResources overrides the instance type's resources.
	TotalResources       ecs.Resources    `json:"totalResources,omitempty"`
	VersionInfo          *ecs.VersionInfo `json:"versionInfo,omitempty"`
	Attributes           []ecs.Attribute  `json:"attributes,omitempty"`
	Tags                 []ecs.Tag        `json:"tags,omitempty"`
	ContainerInstanceARN string           `json:"containerInstanceArn,omitempty"`
}

// RegisterContainerInstanceOutput is RegisterContainerInstance's response.
type RegisterContainerInstanceOutput struct {
	ContainerInstance *ecs.ContainerInstance `json:"containerInstance"`
}

// RegisterContainerInstance registers a container instance: registered
// resources from its instance type, availability zone alternating a/b in
// the cluster, a free address 127.0.10.N, an EC2 instance ID and the
// built-in attributes. The agent is connected from the start: the
// embedding process registers the instance when it starts its agent.
func (c *Controller) RegisterContainerInstance(ctx context.Context, in RegisterContainerInstanceInput) (*RegisterContainerInstanceOutput, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	if in.ContainerInstanceARN != "" {
		// Re-registration of a known instance (an agent reconnecting after a
		// restart of ecslocal): the same record, agent connected.
		ci := snap.ContainerInstance(in.ContainerInstanceARN)
		if ci == nil || ci.Status == ecs.ContainerInstanceStatusInactive || clusterOf(ci.ContainerInstanceARN) != cl.ClusterName {
			return nil, ecs.NewInvalidParameter("Container instance not found.")
		}
		if !ci.AgentConnected {
			ci.AgentConnected = true
			ci.Version++
			if _, err := c.store.Apply([]state.Op{state.UpsertContainerInstance{ContainerInstance: ci}}, c.now()); err != nil {
				return nil, err
			}
			c.Trigger()
		}
		return &RegisterContainerInstanceOutput{ContainerInstance: c.instanceCounts(c.store.Snapshot(), ci)}, nil
	}
	it := in.InstanceType
	if it == "" {
		it = ecs.DefaultInstanceType
	}
	spec, ok := ecs.InstanceTypes[it]
	if !ok {
		return nil, ecs.NewInvalidParameter("Unsupported instance type: %s", it)
	}
	existing := snap.ContainerInstances(cl.ClusterARN, state.Page{})
	az := c.scope.Region + "a"
	if len(existing)%2 == 1 {
		az = c.scope.Region + "b"
	}
	addr, ok := c.freeAddress(snap)
	if !ok {
		return nil, ecs.NewInvalidParameter("No free container instance address in 127.0.10.0/24.")
	}
	ec2ID := in.EC2InstanceID
	if ec2ID == "" {
		ec2ID = c.ec2InstanceID()
	}
	now := c.now()
	ci := &ecs.ContainerInstance{
		ContainerInstanceARN: c.scope.ContainerInstanceARN(cl.ClusterName, c.id()),
		EC2InstanceID:        ec2ID,
		Version:              1,
		VersionInfo:          ecs.VersionInfo{AgentVersion: "1.0.0", DockerVersion: "DockerVersion: 25.0.0"},
		Status:               ecs.ContainerInstanceStatusActive,
		AgentConnected:       true,
		RegisteredAt:         ecs.At(now),
		Tags:                 slices.Clone(in.Tags),
		Address:              addr,
		Attributes: []ecs.Attribute{
			{Name: ecs.AttributeInstanceType, Value: it},
			{Name: ecs.AttributeAvailabilityZone, Value: az},
			{Name: ecs.AttributeAMIID, Value: "ami-0123456789abcdef0"},
		},
	}
	if in.VersionInfo != nil {
		ci.VersionInfo = *in.VersionInfo
	}
	for _, a := range in.Attributes {
		if _, dup := ci.Attribute(a.Name); !dup {
			ci.Attributes = append(ci.Attributes, a)
		}
	}
	if len(in.TotalResources) > 0 {
		ci.RegisteredResources = in.TotalResources.Copy()
	} else {
		ci.RegisteredResources = ecs.NewResources(spec.CPU, spec.Memory, ecs.ReservedPorts, ecs.ReservedPortsUDP)
	}
	ci.Canonicalize()
	if err := ci.Validate(); err != nil {
		return nil, err
	}
	if _, err := c.store.Apply([]state.Op{state.UpsertContainerInstance{ContainerInstance: ci}}, now); err != nil {
		return nil, err
	}
	c.Trigger()
	return &RegisterContainerInstanceOutput{ContainerInstance: c.instanceCounts(c.store.Snapshot(), ci)}, nil
}

type addrT = netip.Addr

// freeAddress returns the lowest 127.0.10.N no registered instance uses.
func (c *Controller) freeAddress(snap *state.Snapshot) (addrT, bool) {
	used := map[addrT]bool{}
	for _, cl := range snap.Clusters(state.Page{}) {
		for _, ci := range snap.ContainerInstances(cl.ClusterARN, state.Page{}) {
			if ci.Status != ecs.ContainerInstanceStatusInactive {
				used[ci.Address] = true
			}
		}
	}
	for n := 1; n < 255; n++ {
		if a := ecs.InstanceAddress(n); !used[a] {
			return a, true
		}
	}
	return addrT{}, false
}

// instanceCounts fills remainingResources and the task counts from the
// store's usage (§10.3).
func (c *Controller) instanceCounts(snap *state.Snapshot, ci *ecs.ContainerInstance) *ecs.ContainerInstance {
	if u, ok := snap.InstanceUsage(ci.ContainerInstanceARN); ok {
		ci.RemainingResources = u.Remaining
		ci.RunningTasksCount = u.Running
		ci.PendingTasksCount = u.Pending
	}
	return ci
}

// ListContainerInstancesInput is ListContainerInstances' request.
type ListContainerInstancesInput struct {
	Cluster    string `json:"cluster,omitempty"`
	Filter     string `json:"filter,omitempty"`
	Status     string `json:"status,omitempty"`
	MaxResults int    `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
}

// ListContainerInstancesOutput is ListContainerInstances' response.
type ListContainerInstancesOutput struct {
	ContainerInstanceARNs []string `json:"containerInstanceArns"`
	NextToken             string   `json:"nextToken,omitempty"`
}

// ListContainerInstances lists a cluster's instances, optionally by
// status and cluster query language filter.
func (c *Controller) ListContainerInstances(ctx context.Context, in ListContainerInstancesInput) (*ListContainerInstancesOutput, error) {
	pg, err := newPager(in.MaxResults, 100, in.NextToken)
	if err != nil {
		return nil, err
	}
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	var expr *ecs.Expression
	if in.Filter != "" {
		if expr, err = ecs.ParseExpression(in.Filter); err != nil {
			return nil, err
		}
	}
	var arns []string
	for _, ci := range snap.ContainerInstances(cl.ClusterARN, state.Page{}) {
		if in.Status != "" && string(ci.Status) != in.Status {
			continue
		}
		if in.Status == "" && ci.Status == ecs.ContainerInstanceStatusInactive {
			continue
		}
		if expr != nil && !expr.Match(ecs.QueryInput{Instance: ci}) {
			continue
		}
		arns = append(arns, ci.ContainerInstanceARN)
	}
	page, next := pg.slice(arns)
	return &ListContainerInstancesOutput{ContainerInstanceARNs: page, NextToken: next}, nil
}

// DescribeContainerInstancesInput is DescribeContainerInstances' request.
type DescribeContainerInstancesInput struct {
	Cluster            string   `json:"cluster,omitempty"`
	ContainerInstances []string `json:"containerInstances"`
	Include            []string `json:"include,omitempty"`
}

// DescribeContainerInstancesOutput is DescribeContainerInstances' response.
type DescribeContainerInstancesOutput struct {
	ContainerInstances []*ecs.ContainerInstance `json:"containerInstances"`
	Failures           []Failure                `json:"failures"`
}

// DescribeContainerInstances describes instances with their remaining
// resources and task counts computed from the store.
func (c *Controller) DescribeContainerInstances(ctx context.Context, in DescribeContainerInstancesInput) (*DescribeContainerInstancesOutput, error) {
	if len(in.ContainerInstances) == 0 {
		return nil, ecs.NewInvalidParameter("Container instances cannot be empty.")
	}
	if len(in.ContainerInstances) > 100 {
		return nil, ecs.NewInvalidParameter("Too many container instances. Maximum is 100.")
	}
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	out := &DescribeContainerInstancesOutput{ContainerInstances: []*ecs.ContainerInstance{}, Failures: []Failure{}}
	for _, ref := range in.ContainerInstances {
		ci := c.findInstance(snap, cl, ref)
		if ci == nil {
			out.Failures = append(out.Failures, Failure{ARN: ref, Reason: FailureReasonMissing})
			continue
		}
		if !slices.Contains(in.Include, "TAGS") {
			ci.Tags = nil
		}
		out.ContainerInstances = append(out.ContainerInstances, c.instanceCounts(snap, ci))
	}
	return out, nil
}

// findInstance resolves an instance ID or ARN in a cluster.
func (c *Controller) findInstance(snap *state.Snapshot, cl *ecs.Cluster, ref string) *ecs.ContainerInstance {
	id, ok := c.scope.ResolveContainerInstanceID(cl.ClusterName, ref)
	if !ok {
		return nil
	}
	return snap.ContainerInstance(c.scope.ContainerInstanceARN(cl.ClusterName, id))
}

// UpdateContainerInstancesStateInput is UpdateContainerInstancesState's
// request.
type UpdateContainerInstancesStateInput struct {
	Cluster            string                      `json:"cluster,omitempty"`
	ContainerInstances []string                    `json:"containerInstances"`
	Status             ecs.ContainerInstanceStatus `json:"status"`
}

// UpdateContainerInstancesStateOutput is UpdateContainerInstancesState's
// response.
type UpdateContainerInstancesStateOutput struct {
	ContainerInstances []*ecs.ContainerInstance `json:"containerInstances"`
	Failures           []Failure                `json:"failures"`
}

// UpdateContainerInstancesState sets instances ACTIVE or DRAINING. A
// DRAINING instance gets no new tasks; the loop stops its pending service
// tasks and replaces its running ones within the deployment bounds (§9.9).
func (c *Controller) UpdateContainerInstancesState(ctx context.Context, in UpdateContainerInstancesStateInput) (*UpdateContainerInstancesStateOutput, error) {
	if in.Status != ecs.ContainerInstanceStatusActive && in.Status != ecs.ContainerInstanceStatusDraining {
		return nil, ecs.NewInvalidParameter("Container instance status should be one of [ACTIVE, DRAINING], but was %s", in.Status)
	}
	if len(in.ContainerInstances) == 0 || len(in.ContainerInstances) > 10 {
		return nil, ecs.NewInvalidParameter("Container instances must contain between 1 and 10 entries.")
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	out := &UpdateContainerInstancesStateOutput{ContainerInstances: []*ecs.ContainerInstance{}, Failures: []Failure{}}
	var ops []state.Op
	var updated []*ecs.ContainerInstance
	for _, ref := range in.ContainerInstances {
		ci := c.findInstance(snap, cl, ref)
		if ci == nil || ci.Status == ecs.ContainerInstanceStatusInactive {
			out.Failures = append(out.Failures, Failure{ARN: ref, Reason: FailureReasonMissing})
			continue
		}
		if ci.Status != in.Status {
			ci.Status = in.Status
			ci.Version++
			ops = append(ops, state.UpsertContainerInstance{ContainerInstance: ci})
		}
		updated = append(updated, ci)
	}
	if _, err := c.store.Apply(ops, c.now()); err != nil {
		return nil, err
	}
	snap = c.store.Snapshot()
	for _, ci := range updated {
		out.ContainerInstances = append(out.ContainerInstances, c.instanceCounts(snap, ci))
	}
	c.Trigger()
	return out, nil
}

// DeregisterContainerInstanceInput is DeregisterContainerInstance's
// request.
type DeregisterContainerInstanceInput struct {
	Cluster           string `json:"cluster,omitempty"`
	ContainerInstance string `json:"containerInstance"`
	Force             bool   `json:"force,omitempty"`
}

// DeregisterContainerInstanceOutput is DeregisterContainerInstance's
// response.
type DeregisterContainerInstanceOutput struct {
	ContainerInstance *ecs.ContainerInstance `json:"containerInstance"`
}

// DeregisterContainerInstance makes an instance INACTIVE. With tasks still
// running it is refused unless force, which stops them with
// "Container instance deregistration forced by user" (service tasks are
// then replaced elsewhere).
func (c *Controller) DeregisterContainerInstance(ctx context.Context, in DeregisterContainerInstanceInput) (*DeregisterContainerInstanceOutput, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	ci := c.findInstance(snap, cl, in.ContainerInstance)
	if ci == nil || ci.Status == ecs.ContainerInstanceStatusInactive {
		return nil, ecs.NewInvalidParameter("Container instance not found.")
	}
	var ops []state.Op
	var stopped []*ecs.Task
	for _, t := range snap.InstanceTasks(ci.ContainerInstanceARN) {
		if t.Terminal() {
			continue
		}
		if !in.Force {
			return nil, ecs.NewInvalidParameter("Found running tasks on the instance.") // (unconfirmed wording)
		}
		t.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonDeregistrationForced)
		t.Version++
		ops = append(ops, state.UpsertTask{Task: t})
		stopped = append(stopped, t)
	}
	ci.Status = ecs.ContainerInstanceStatusInactive
	ci.AgentConnected = false
	ci.Version++
	ops = append(ops, state.UpsertContainerInstance{ContainerInstance: ci})
	if _, err := c.store.Apply(ops, c.now()); err != nil {
		return nil, err
	}
	for _, t := range stopped {
		c.tell(t, snap.TaskDefinition(t.TaskDefinitionARN))
	}
	c.Trigger()
	return &DeregisterContainerInstanceOutput{ContainerInstance: c.instanceCounts(c.store.Snapshot(), ci)}, nil
}

// clusterOf returns the cluster name of a long-format ARN
// (…:type/<cluster>/<id>).
func clusterOf(arn string) string {
	a, err := ecs.ParseARN(arn)
	if err != nil {
		return ""
	}
	return a.Cluster
}

// AgentState returns what the agent of a container instance must run:
// every task placed on it that the agent has not reported STOPPED, with
// their task definitions by ARN. cmd hands it to agent.Sync after
// agent.Recover when ecslocal starts. Host ports assigned at placement
// but not yet reported are included.
func (c *Controller) AgentState(containerInstanceARN string) ([]*ecs.Task, map[string]*ecs.TaskDefinition) {
	snap := c.store.Snapshot()
	var tasks []*ecs.Task
	defs := map[string]*ecs.TaskDefinition{}
	for _, t := range snap.InstanceTasks(containerInstanceARN) {
		if t.AgentTerminal() {
			continue
		}
		tasks = append(tasks, c.overlay(t))
		if _, ok := defs[t.TaskDefinitionARN]; !ok {
			defs[t.TaskDefinitionARN] = snap.TaskDefinition(t.TaskDefinitionARN)
		}
	}
	return tasks, defs
}
