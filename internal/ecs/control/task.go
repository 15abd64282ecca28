package control

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// MaxRunTaskCount is the most tasks one RunTask starts (§11.4).
const MaxRunTaskCount = 10

// RunTaskInput is RunTask's request.
type RunTaskInput struct {
	Cluster              string                    `json:"cluster,omitempty"`
	TaskDefinition       string                    `json:"taskDefinition"`
	Count                int                       `json:"count,omitempty"`
	Group                string                    `json:"group,omitempty"`
	StartedBy            string                    `json:"startedBy,omitempty"`
	LaunchType           ecs.LaunchType            `json:"launchType,omitempty"`
	Overrides            *ecs.TaskOverride         `json:"overrides,omitempty"`
	PlacementConstraints []ecs.PlacementConstraint `json:"placementConstraints,omitempty"`
	PlacementStrategy    []ecs.PlacementStrategy   `json:"placementStrategy,omitempty"`
	Tags                 []ecs.Tag                 `json:"tags,omitempty"`
	EnableExecuteCommand bool                      `json:"enableExecuteCommand,omitempty"`
}

// RunTaskOutput is RunTask's response.
type RunTaskOutput struct {
	Tasks    []*ecs.Task `json:"tasks"`
	Failures []Failure   `json:"failures"`
}

// RunTask places count tasks of a task definition on the cluster's
// ACTIVE instances with a connected agent (§10.1: CPU, memory, ports,
// then constraints, then strategies; default spread over availability
// zones, then instances). A task that fits nowhere is a failure with the
// reason of the closest instance (RESOURCE:MEMORY…).
func (c *Controller) RunTask(ctx context.Context, in RunTaskInput) (*RunTaskOutput, error) {
	count := in.Count
	if count == 0 {
		count = 1
	}
	if count < 1 || count > MaxRunTaskCount {
		return nil, ecs.NewInvalidParameter("Count must be between 1 and %d.", MaxRunTaskCount)
	}
	if in.LaunchType != "" && in.LaunchType != ecs.LaunchTypeEC2 {
		return nil, ecs.NewInvalidParameter("Launch type %s is not supported by ecslocal. Use EC2.", in.LaunchType)
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	td, err := c.resolveTaskDefinition(snap, in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	if !td.Active() {
		return nil, ecs.NewTaskDefinitionInactive()
	}
	strategies := slices.Clone(in.PlacementStrategy)
	for i := range strategies {
		strategies[i].Canonicalize()
		if err := strategies[i].Validate(); err != nil {
			return nil, err
		}
	}
	if len(strategies) == 0 {
		strategies = []ecs.PlacementStrategy{ecs.SpreadAZ, {Type: ecs.PlacementStrategyTypeSpread, Field: "instanceId"}}
	}
	cons, err := ecs.CompileConstraints(append(slices.Clone(td.PlacementConstraints), in.PlacementConstraints...))
	if err != nil {
		return nil, err
	}
	group := in.Group
	if group == "" {
		group = "family:" + td.Family
	}
	p := c.newPlacer(snap, cl)
	if len(p.nodes) == 0 {
		return nil, ecs.NewNoContainerInstances()
	}
	now := c.now()
	out := &RunTaskOutput{Tasks: []*ecs.Task{}, Failures: []Failure{}}
	for range count {
		n, binds, perr := p.place(td, cons, group, strategies)
		if perr != nil {
			out.Failures = append(out.Failures, Failure{ARN: perr.arn, Reason: string(perr.reason)})
			continue
		}
		t := c.buildTask(td, cl.ClusterName, c.id(), n.ci.ContainerInstanceARN, az(n.ci), group, in.StartedBy, in.Tags, now)
		t.EnableExecuteCommand = in.EnableExecuteCommand
		if in.Overrides != nil {
			t.Overrides = mergeOverrides(t.Overrides, *in.Overrides)
		}
		c.mu.Lock()
		c.bindings[t.TaskARN] = binds
		c.nextPort[n.ci.ContainerInstanceARN] = n.next
		c.mu.Unlock()
		if _, err := c.store.Apply([]state.Op{state.UpsertTask{Task: t}}, now); err != nil {
			c.mu.Lock()
			delete(c.bindings, t.TaskARN)
			c.mu.Unlock()
			return nil, err
		}
		c.tell(t, td)
		out.Tasks = append(out.Tasks, c.overlay(c.store.Snapshot().Task(t.TaskARN)))
	}
	return out, nil
}

// mergeOverrides keeps one entry per container and takes the request's
// values for the containers it names.
func mergeOverrides(base, in ecs.TaskOverride) ecs.TaskOverride {
	out := base
	out.CPU, out.Memory, out.TaskRoleARN, out.ExecutionRoleARN = in.CPU, in.Memory, in.TaskRoleARN, in.ExecutionRoleARN
	out.ContainerOverrides = slices.Clone(base.ContainerOverrides)
	for _, o := range in.ContainerOverrides {
		for i := range out.ContainerOverrides {
			if out.ContainerOverrides[i].Name == o.Name {
				out.ContainerOverrides[i] = o
			}
		}
	}
	return out
}

func az(ci *ecs.ContainerInstance) string {
	v, _ := ci.Attribute(ecs.AttributeAvailabilityZone)
	return v
}

// placer places standalone tasks, one at a time, on a working copy of the
// cluster's instances (remaining resources, host ports, task groups).
type placer struct {
	nodes []*pnode
}

type pnode struct {
	ci     *ecs.ContainerInstance
	used   map[ecs.HostPort]bool
	groups []string
	tasks  int
	next   int
}

type placeError struct {
	arn    string
	reason ecs.PlacementFailure
}

func (c *Controller) newPlacer(snap *state.Snapshot, cl *ecs.Cluster) *placer {
	p := &placer{}
	for _, ci := range snap.ContainerInstances(cl.ClusterARN, state.Page{}) {
		if ci.Status == ecs.ContainerInstanceStatusInactive {
			continue
		}
		if u, ok := snap.InstanceUsage(ci.ContainerInstanceARN); ok {
			ci.RemainingResources = u.Remaining
		}
		var tasks []*ecs.Task
		n := &pnode{ci: ci}
		for _, t := range snap.InstanceTasks(ci.ContainerInstanceARN) {
			if t.AgentTerminal() {
				continue
			}
			t = c.overlay(t)
			tasks = append(tasks, t)
			n.groups = append(n.groups, t.Group)
			n.tasks++
		}
		n.used = ecs.PortsInUse(ci, tasks)
		c.mu.Lock()
		n.next = c.nextPort[ci.ContainerInstanceARN]
		c.mu.Unlock()
		p.nodes = append(p.nodes, n)
	}
	// Every simulated container instance is the same real host: a host
	// port bound on one is taken on all (see scheduler.Reconcile).
	shared := map[ecs.HostPort]bool{}
	for _, n := range p.nodes {
		maps.Copy(shared, n.used)
	}
	for _, n := range p.nodes {
		n.used = shared
	}
	return p
}

// stage orders placement failures: the closest instance is the one that
// got furthest (agent, CPU, memory, ports, constraints).
func stage(r ecs.PlacementFailure) int {
	switch r {
	case ecs.PlacementFailureAgent:
		return 0
	case ecs.PlacementFailureCPU:
		return 1
	case ecs.PlacementFailureMemory:
		return 2
	case ecs.PlacementFailurePorts, ecs.PlacementFailurePortsUDP:
		return 3
	}
	return 4
}

func (p *placer) place(td *ecs.TaskDefinition, cons ecs.Constraints, group string, strategies []ecs.PlacementStrategy) (*pnode, map[string][]ecs.NetworkBinding, *placeError) {
	d := ecs.NewDemand(td)
	var fits []*pnode
	var closest *placeError
	best := -1
	fail := func(n *pnode, r ecs.PlacementFailure) {
		if s := stage(r); s > best {
			best, closest = s, &placeError{arn: n.ci.ContainerInstanceARN, reason: r}
		}
	}
	for _, n := range p.nodes {
		if !n.ci.Schedulable() {
			fail(n, ecs.PlacementFailureAgent)
			continue
		}
		if perr := d.Fit(n.ci); perr != nil {
			fail(n, perr.Reason)
			continue
		}
		if perr := cons.Check(ecs.QueryInput{Instance: n.ci, TaskGroups: n.groups}, group); perr != nil {
			fail(n, perr.Reason)
			continue
		}
		fits = append(fits, n)
	}
	for len(fits) > 0 {
		n := choose(fits, strategies, p.nodes)
		binds, next, err := ecs.AssignHostPorts(td, n.used, n.next)
		if err != nil {
			fail(n, ecs.PlacementFailurePorts)
			fits = slices.DeleteFunc(fits, func(x *pnode) bool { return x == n })
			continue
		}
		n.ci.RemainingResources = d.Reserve(n.ci.RemainingResources)
		for _, bs := range binds {
			for _, b := range bs {
				n.used[ecs.HostPort{Port: b.HostPort, Protocol: b.Protocol}] = true
			}
		}
		n.next = next
		n.groups = append(n.groups, group)
		n.tasks++
		return n, binds, nil
	}
	if closest == nil {
		closest = &placeError{reason: ecs.PlacementFailureMissing}
	}
	return nil, nil, closest
}

// choose applies the strategies in order as tie-breakers: spread prefers
// the key with the fewest tasks, binpack the least remaining resource,
// random keeps the instance order (deterministic; emulator choice).
func choose(fits []*pnode, strategies []ecs.PlacementStrategy, all []*pnode) *pnode {
	cands := slices.Clone(fits)
	for _, s := range strategies {
		if len(cands) == 1 {
			break
		}
		score := map[*pnode]int{}
		switch s.Type {
		case ecs.PlacementStrategyTypeSpread:
			perKey := map[string]int{}
			for _, n := range all {
				perKey[s.SpreadKey(n.ci)] += n.tasks
			}
			for _, n := range cands {
				score[n] = perKey[s.SpreadKey(n.ci)]
			}
		case ecs.PlacementStrategyTypeBinpack:
			res := ecs.ResourceMemory
			if strings.EqualFold(s.Field, "cpu") {
				res = ecs.ResourceCPU
			}
			for _, n := range cands {
				score[n] = n.ci.RemainingResources.Integer(res)
			}
		default:
			continue
		}
		low := score[cands[0]]
		for _, n := range cands {
			low = min(low, score[n])
		}
		cands = slices.DeleteFunc(cands, func(n *pnode) bool { return score[n] != low })
	}
	return cands[0]
}

// StopTaskInput is StopTask's request.
type StopTaskInput struct {
	Cluster string `json:"cluster,omitempty"`
	Task    string `json:"task"`
	Reason  string `json:"reason,omitempty"`
}

// StopTaskOutput is StopTask's response.
type StopTaskOutput struct {
	Task *ecs.Task `json:"task"`
}

// StopTask sets a task desired STOPPED with UserInitiated and the reason
// (default "Task stopped by user", §8.2) and tells its agent. A service
// task is replaced by the scheduler.
func (c *Controller) StopTask(ctx context.Context, in StopTaskInput) (*StopTaskOutput, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	t := c.findTask(snap, cl, in.Task)
	if t == nil {
		return nil, ecs.NewInvalidParameter("The referenced task was not found.")
	}
	reason := in.Reason
	if reason == "" {
		reason = ecs.StoppedReasonUser
	}
	if t.Stop(ecs.StopCodeUserInitiated, reason) {
		t.Version++
		if _, err := c.store.Apply([]state.Op{state.UpsertTask{Task: t}}, c.now()); err != nil {
			return nil, err
		}
		c.tell(t, snap.TaskDefinition(t.TaskDefinitionARN))
		c.Trigger()
	}
	return &StopTaskOutput{Task: c.overlay(c.store.Snapshot().Task(t.TaskARN))}, nil
}

func (c *Controller) findTask(snap *state.Snapshot, cl *ecs.Cluster, ref string) *ecs.Task {
	id, ok := c.scope.ResolveTaskID(cl.ClusterName, ref)
	if !ok {
		return nil
	}
	return snap.Task(c.scope.TaskARN(cl.ClusterName, id))
}

// DescribeTasksInput is DescribeTasks' request.
type DescribeTasksInput struct {
	Cluster string   `json:"cluster,omitempty"`
	Tasks   []string `json:"tasks"`
	Include []string `json:"include,omitempty"`
}

// DescribeTasksOutput is DescribeTasks' response.
type DescribeTasksOutput struct {
	Tasks    []*ecs.Task `json:"tasks"`
	Failures []Failure   `json:"failures"`
}

// DescribeTasks describes up to 100 tasks; unknown ones are MISSING.
func (c *Controller) DescribeTasks(ctx context.Context, in DescribeTasksInput) (*DescribeTasksOutput, error) {
	if len(in.Tasks) == 0 {
		return nil, ecs.NewInvalidParameter("Tasks cannot be empty.")
	}
	if len(in.Tasks) > 100 {
		return nil, ecs.NewInvalidParameter("Too many tasks. Maximum is 100.")
	}
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	out := &DescribeTasksOutput{Tasks: []*ecs.Task{}, Failures: []Failure{}}
	for _, ref := range in.Tasks {
		t := c.findTask(snap, cl, ref)
		if t == nil {
			out.Failures = append(out.Failures, Failure{ARN: ref, Reason: FailureReasonMissing})
			continue
		}
		if !slices.Contains(in.Include, "TAGS") {
			t.Tags = nil
		}
		out.Tasks = append(out.Tasks, c.overlay(t))
	}
	return out, nil
}

// ListTasksInput is ListTasks' request.
type ListTasksInput struct {
	Cluster           string            `json:"cluster,omitempty"`
	ContainerInstance string            `json:"containerInstance,omitempty"`
	Family            string            `json:"family,omitempty"`
	ServiceName       string            `json:"serviceName,omitempty"`
	StartedBy         string            `json:"startedBy,omitempty"`
	DesiredStatus     ecs.DesiredStatus `json:"desiredStatus,omitempty"`
	LaunchType        ecs.LaunchType    `json:"launchType,omitempty"`
	MaxResults        int               `json:"maxResults,omitempty"`
	NextToken         string            `json:"nextToken,omitempty"`
}

// ListTasksOutput is ListTasks' response.
type ListTasksOutput struct {
	TaskARNs  []string `json:"taskArns"`
	NextToken string   `json:"nextToken,omitempty"`
}

// ListTasks lists task ARNs; desiredStatus defaults to RUNNING and
// PENDING lists nothing (§11.4).
func (c *Controller) ListTasks(ctx context.Context, in ListTasksInput) (*ListTasksOutput, error) {
	pg, err := newPager(in.MaxResults, 100, in.NextToken)
	if err != nil {
		return nil, err
	}
	snap := c.store.Snapshot()
	cl, err := c.activeCluster(snap, in.Cluster)
	if err != nil {
		return nil, err
	}
	// "When you specify startedBy as the filter, it must be the only
	// filter that you use" (ListTasks startedBy); desiredStatus still applies.
	if in.StartedBy != "" && (in.Family != "" || in.ServiceName != "" || in.ContainerInstance != "" || in.LaunchType != "") {
		return nil, ecs.NewInvalidParameter("cannot specify startedBy with other arguments")
	}
	switch in.LaunchType {
	case "", ecs.LaunchTypeEC2, ecs.LaunchTypeFargate, ecs.LaunchTypeExternal:
	default:
		return nil, ecs.NewInvalidParameter("Invalid launchType: %s", in.LaunchType)
	}
	f := state.TaskFilter{ClusterARN: cl.ClusterARN, Family: in.Family, StartedBy: in.StartedBy, DesiredStatus: in.DesiredStatus}
	switch in.DesiredStatus {
	case "":
		f.DesiredStatus = ecs.DesiredStatusRunning
	case ecs.DesiredStatusRunning, ecs.DesiredStatusStopped:
	case "PENDING":
		return &ListTasksOutput{TaskARNs: []string{}}, nil
	default:
		return nil, ecs.NewInvalidParameter("Invalid desiredStatus: %s", in.DesiredStatus)
	}
	if in.ServiceName != "" {
		name, err := c.scope.ResolveService(cl.ClusterName, in.ServiceName)
		if err != nil {
			return nil, err
		}
		f.Group = "service:" + name
	}
	if in.ContainerInstance != "" {
		ci := c.findInstance(snap, cl, in.ContainerInstance)
		if ci == nil {
			return nil, ecs.NewInvalidParameter("Container instance not found.")
		}
		f.ContainerInstanceARN = ci.ContainerInstanceARN
	}
	var arns []string
	for _, t := range snap.Tasks(f) {
		if in.LaunchType == "" || t.LaunchType == in.LaunchType {
			arns = append(arns, t.TaskARN)
		}
	}
	page, next := pg.slice(arns)
	return &ListTasksOutput{TaskARNs: page, NextToken: next}, nil
}
