package control

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// Failure is one entry of a Describe operation's failures[] (§11.2).
type Failure struct {
	ARN    string `json:"arn,omitempty"`
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// FailureReasonMissing is the reason of a Describe failure for an unknown
// resource.
const FailureReasonMissing = "MISSING"

// CreateClusterInput is CreateCluster's request.
type CreateClusterInput struct {
	ClusterName string               `json:"clusterName,omitempty"`
	Tags        []ecs.Tag            `json:"tags,omitempty"`
	Settings    []ecs.ClusterSetting `json:"settings,omitempty"`
}

// CreateClusterOutput is CreateCluster's response.
type CreateClusterOutput struct {
	Cluster *ecs.Cluster `json:"cluster"`
}

// CreateCluster creates a cluster, or returns the ACTIVE one of that name
// (ECS's CreateCluster is idempotent), or re-activates a deleted one.
func (c *Controller) CreateCluster(ctx context.Context, in CreateClusterInput) (*CreateClusterOutput, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	name := in.ClusterName
	if name == "" {
		name = ecs.DefaultClusterName
	}
	if old := c.store.Snapshot().ClusterByName(name); old != nil && old.Active() {
		return &CreateClusterOutput{Cluster: c.clusterCounts(c.store.Snapshot(), old)}, nil
	}
	cl := &ecs.Cluster{
		ClusterARN:  c.scope.ClusterARN(name),
		ClusterName: name,
		Tags:        slices.Clone(in.Tags),
		Settings:    slices.Clone(in.Settings),
	}
	cl.Canonicalize()
	if err := cl.Validate(); err != nil {
		return nil, err
	}
	if _, err := c.store.Apply([]state.Op{state.UpsertCluster{Cluster: cl}}, c.now()); err != nil {
		return nil, err
	}
	return &CreateClusterOutput{Cluster: c.clusterCounts(c.store.Snapshot(), cl)}, nil
}

// DescribeClustersInput is DescribeClusters' request.
type DescribeClustersInput struct {
	Clusters []string `json:"clusters,omitempty"`
	Include  []string `json:"include,omitempty"`
}

// DescribeClustersOutput is DescribeClusters' response.
type DescribeClustersOutput struct {
	Clusters []*ecs.Cluster `json:"clusters"`
	Failures []Failure      `json:"failures"`
}

// DescribeClusters describes clusters by name or ARN (default: default).
// Unknown ones are failures with reason MISSING.
func (c *Controller) DescribeClusters(ctx context.Context, in DescribeClustersInput) (*DescribeClustersOutput, error) {
	refs := in.Clusters
	if len(refs) == 0 {
		refs = []string{ecs.DefaultClusterName}
	}
	if len(refs) > 100 {
		return nil, ecs.NewInvalidParameter("Too many clusters. Maximum is 100.")
	}
	snap := c.store.Snapshot()
	out := &DescribeClustersOutput{Clusters: []*ecs.Cluster{}, Failures: []Failure{}}
	for _, ref := range refs {
		name, err := c.scope.ResolveCluster(ref)
		var cl *ecs.Cluster
		if err == nil {
			cl = snap.ClusterByName(name)
		}
		if cl == nil {
			arn := ref
			if err == nil {
				arn = c.scope.ClusterARN(name)
			}
			out.Failures = append(out.Failures, Failure{ARN: arn, Reason: FailureReasonMissing})
			continue
		}
		if !slices.Contains(in.Include, "TAGS") {
			cl.Tags = nil
		}
		out.Clusters = append(out.Clusters, c.clusterCounts(snap, cl))
	}
	return out, nil
}

// clusterCounts fills the counters ECS computes on read.
func (c *Controller) clusterCounts(snap *state.Snapshot, cl *ecs.Cluster) *ecs.Cluster {
	cl.RegisteredContainerInstancesCount, cl.RunningTasksCount, cl.PendingTasksCount, cl.ActiveServicesCount = 0, 0, 0, 0
	for _, ci := range snap.ContainerInstances(cl.ClusterARN, state.Page{}) {
		if ci.Status == ecs.ContainerInstanceStatusActive || ci.Status == ecs.ContainerInstanceStatusDraining {
			cl.RegisteredContainerInstancesCount++
		}
	}
	for _, t := range snap.Tasks(state.TaskFilter{ClusterARN: cl.ClusterARN}) {
		switch {
		case t.LastStatus == ecs.TaskStatusRunning:
			cl.RunningTasksCount++
		case t.LastStatus == ecs.TaskStatusProvisioning || t.LastStatus == ecs.TaskStatusPending || t.LastStatus == ecs.TaskStatusActivating:
			cl.PendingTasksCount++
		}
	}
	for _, s := range snap.Services(cl.ClusterARN, state.Page{}) {
		if s.Status == ecs.ServiceStatusActive {
			cl.ActiveServicesCount++
		}
	}
	return cl
}

// ListClustersInput is ListClusters' request.
type ListClustersInput struct {
	MaxResults int    `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
}

// ListClustersOutput is ListClusters' response.
type ListClustersOutput struct {
	ClusterARNs []string `json:"clusterArns"`
	NextToken   string   `json:"nextToken,omitempty"`
}

// ListClusters lists the ACTIVE clusters' ARNs.
func (c *Controller) ListClusters(ctx context.Context, in ListClustersInput) (*ListClustersOutput, error) {
	pg, err := newPager(in.MaxResults, 100, in.NextToken)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, cl := range c.store.Snapshot().Clusters(state.Page{}) {
		if cl.Active() {
			arns = append(arns, cl.ClusterARN)
		}
	}
	page, next := pg.slice(arns)
	return &ListClustersOutput{ClusterARNs: page, NextToken: next}, nil
}

// DeleteClusterInput is DeleteCluster's request.
type DeleteClusterInput struct {
	Cluster string `json:"cluster"`
}

// DeleteClusterOutput is DeleteCluster's response.
type DeleteClusterOutput struct {
	Cluster *ecs.Cluster `json:"cluster"`
}

// DeleteCluster marks a cluster INACTIVE. A cluster with instances,
// services or tasks is refused with the ClusterContains* errors.
func (c *Controller) DeleteCluster(ctx context.Context, in DeleteClusterInput) (*DeleteClusterOutput, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	cl, err := c.activeCluster(c.store.Snapshot(), in.Cluster)
	if err != nil {
		return nil, err
	}
	if _, err := c.store.Apply([]state.Op{state.DeleteCluster{ClusterARN: cl.ClusterARN}}, c.now()); err != nil {
		return nil, err
	}
	snap := c.store.Snapshot()
	return &DeleteClusterOutput{Cluster: c.clusterCounts(snap, snap.Cluster(cl.ClusterARN))}, nil
}

// activeCluster resolves a cluster reference to an ACTIVE cluster or
// ClusterNotFoundException.
func (c *Controller) activeCluster(snap *state.Snapshot, ref string) (*ecs.Cluster, error) {
	name, err := c.scope.ResolveCluster(ref)
	if err != nil {
		return nil, err
	}
	cl := snap.ClusterByName(name)
	if cl == nil || !cl.Active() {
		return nil, ecs.NewClusterNotFound()
	}
	return cl, nil
}

// pager implements nextToken/maxResults over a list of keys: the token is
// the last key returned, base64-encoded (§11.4), so pages stay correct
// while entries come and go.
type pager struct {
	limit int
	after string
}

func newPager(maxResults, def int, token string) (pager, error) {
	if maxResults < 0 || maxResults > 100 {
		return pager{}, ecs.NewInvalidParameter("maxResults must be between 1 and 100.")
	}
	if maxResults == 0 {
		maxResults = def
	}
	p := pager{limit: maxResults}
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(b) == 0 {
			return pager{}, ecs.NewInvalidParameter("Invalid nextToken.")
		}
		p.after = string(b)
	}
	return p, nil
}

// slice returns the page of sorted keys after p.after and the next token.
func (p pager) slice(keys []string) ([]string, string) {
	out := []string{}
	for _, k := range keys {
		if p.after != "" && k <= p.after {
			continue
		}
		if len(out) == p.limit {
			return out, base64.RawURLEncoding.EncodeToString([]byte(out[len(out)-1]))
		}
		out = append(out, k)
	}
	return out, ""
}

// pageByIndex pages a list whose order is not its keys' string order: the
// token is the index of the next entry (base64). Entries added or removed
// between pages may shift it, which ECS's own tokens also allow.
func pageByIndex(keys []string, maxResults int, token string) ([]string, string, error) {
	if maxResults < 0 || maxResults > 100 {
		return nil, "", ecs.NewInvalidParameter("maxResults must be between 1 and 100.")
	}
	if maxResults == 0 {
		maxResults = 100
	}
	start := 0
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		n, perr := strconv.Atoi(string(b))
		if err != nil || perr != nil || n < 0 {
			return nil, "", ecs.NewInvalidParameter("Invalid nextToken.")
		}
		start = min(n, len(keys))
	}
	end := min(start+maxResults, len(keys))
	page := append([]string{}, keys[start:end]...)
	if end < len(keys) {
		return page, base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end))), nil
	}
	return page, "", nil
}
