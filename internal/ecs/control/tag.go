package control

import (
	"context"
	"slices"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// TagResourceInput is TagResource's request.
type TagResourceInput struct {
	ResourceARN string    `json:"resourceArn"`
	Tags        []ecs.Tag `json:"tags"`
}

// UntagResourceInput is UntagResource's request.
type UntagResourceInput struct {
	ResourceARN string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

// ListTagsForResourceInput is ListTagsForResource's request.
type ListTagsForResourceInput struct {
	ResourceARN string `json:"resourceArn"`
}

// ListTagsForResourceOutput is ListTagsForResource's response.
type ListTagsForResourceOutput struct {
	Tags []ecs.Tag `json:"tags"`
}

// TagResource adds or replaces tags on a cluster, service, task or
// container instance. (Task definitions cannot be re-tagged: the store has
// no op that rewrites a registered revision.)
func (c *Controller) TagResource(ctx context.Context, in TagResourceInput) (struct{}, error) {
	return struct{}{}, c.editTags(in.ResourceARN, func(tags []ecs.Tag) []ecs.Tag {
		for _, t := range in.Tags {
			if i := slices.IndexFunc(tags, func(x ecs.Tag) bool { return x.Key == t.Key }); i >= 0 {
				tags[i] = t
			} else {
				tags = append(tags, t)
			}
		}
		return tags
	})
}

// UntagResource removes tags by key.
func (c *Controller) UntagResource(ctx context.Context, in UntagResourceInput) (struct{}, error) {
	return struct{}{}, c.editTags(in.ResourceARN, func(tags []ecs.Tag) []ecs.Tag {
		return slices.DeleteFunc(tags, func(t ecs.Tag) bool { return slices.Contains(in.TagKeys, t.Key) })
	})
}

// ListTagsForResource returns a resource's tags.
func (c *Controller) ListTagsForResource(ctx context.Context, in ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	snap := c.store.Snapshot()
	a, err := ecs.ParseARN(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	var tags []ecs.Tag
	found := false
	switch a.Type {
	case ecs.ResourceTypeCluster:
		if cl := snap.Cluster(in.ResourceARN); cl != nil {
			tags, found = cl.Tags, true
		}
	case ecs.ResourceTypeService:
		if s := snap.Service(in.ResourceARN); s != nil {
			tags, found = s.Tags, true
		}
	case ecs.ResourceTypeTask:
		if t := snap.Task(in.ResourceARN); t != nil {
			tags, found = t.Tags, true
		}
	case ecs.ResourceTypeContainerInstance:
		if ci := snap.ContainerInstance(in.ResourceARN); ci != nil {
			tags, found = ci.Tags, true
		}
	case ecs.ResourceTypeTaskDefinition:
		if td := snap.TaskDefinition(in.ResourceARN); td != nil {
			tags, found = td.Tags, true
		}
	}
	if !found {
		return nil, ecs.Errorf(ecs.CodeResourceNotFoundException, "The specified resource could not be found.")
	}
	return &ListTagsForResourceOutput{Tags: nonNil(tags)}, nil
}

func (c *Controller) editTags(arn string, edit func([]ecs.Tag) []ecs.Tag) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	snap := c.store.Snapshot()
	a, err := ecs.ParseARN(arn)
	if err != nil {
		return err
	}
	var op state.Op
	switch a.Type {
	case ecs.ResourceTypeCluster:
		if cl := snap.Cluster(arn); cl != nil {
			cl.Tags = edit(cl.Tags)
			op = state.UpsertCluster{Cluster: cl}
		}
	case ecs.ResourceTypeService:
		if s := snap.Service(arn); s != nil {
			s.Tags = edit(s.Tags)
			op = state.UpsertService{Service: s}
		}
	case ecs.ResourceTypeTask:
		if t := snap.Task(arn); t != nil {
			t.Tags = edit(t.Tags)
			op = state.UpsertTask{Task: t}
		}
	case ecs.ResourceTypeContainerInstance:
		if ci := snap.ContainerInstance(arn); ci != nil {
			ci.Tags = edit(ci.Tags)
			op = state.UpsertContainerInstance{ContainerInstance: ci}
		}
	case ecs.ResourceTypeTaskDefinition:
		if snap.TaskDefinition(arn) != nil {
			return ecs.NewInvalidParameter("Tagging task definitions after registration is not supported by ecslocal.")
		}
	}
	if op == nil {
		return ecs.Errorf(ecs.CodeResourceNotFoundException, "The specified resource could not be found.")
	}
	_, err = c.store.Apply([]state.Op{op}, c.now())
	return err
}
