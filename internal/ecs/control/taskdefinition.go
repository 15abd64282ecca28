package control

import (
	"context"
	"slices"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// RegisterTaskDefinitionInput is RegisterTaskDefinition's request: the
// task definition's members at the top level, as ECS takes them (the
// embedded struct's JSON members are promoted), tags included.
type RegisterTaskDefinitionInput struct {
	ecs.TaskDefinition
}

// RegisterTaskDefinitionOutput is RegisterTaskDefinition's response.
type RegisterTaskDefinitionOutput struct {
	TaskDefinition *ecs.TaskDefinition `json:"taskDefinition"`
	Tags           []ecs.Tag           `json:"tags"`
}

// RegisterTaskDefinition registers the next revision of a family (§12.1).
func (c *Controller) RegisterTaskDefinition(ctx context.Context, in RegisterTaskDefinitionInput) (*RegisterTaskDefinitionOutput, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	td := in.TaskDefinition.Copy()
	td.TaskDefinitionARN, td.Revision, td.Status = "", 0, ""
	td.Canonicalize()
	if err := td.Validate(); err != nil {
		return nil, err
	}
	now := c.now()
	rev := c.store.Snapshot().NextRevision(td.Family)
	td.Register(c.scope.TaskDefinitionARN(td.Family, rev), rev, now)
	if _, err := c.store.Apply([]state.Op{state.RegisterTaskDefinition{TaskDefinition: td}}, now); err != nil {
		return nil, err
	}
	out := c.store.Snapshot().TaskDefinition(td.TaskDefinitionARN)
	tags := slices.Clone(out.Tags)
	if tags == nil {
		tags = []ecs.Tag{}
	}
	out.Tags = nil
	return &RegisterTaskDefinitionOutput{TaskDefinition: out, Tags: tags}, nil
}

// DescribeTaskDefinitionInput is DescribeTaskDefinition's request.
type DescribeTaskDefinitionInput struct {
	TaskDefinition string   `json:"taskDefinition"`
	Include        []string `json:"include,omitempty"`
}

// DescribeTaskDefinitionOutput is DescribeTaskDefinition's response.
type DescribeTaskDefinitionOutput struct {
	TaskDefinition *ecs.TaskDefinition `json:"taskDefinition"`
	Tags           []ecs.Tag           `json:"tags,omitempty"`
}

// DescribeTaskDefinition describes "family", "family:revision" or an ARN.
func (c *Controller) DescribeTaskDefinition(ctx context.Context, in DescribeTaskDefinitionInput) (*DescribeTaskDefinitionOutput, error) {
	td, err := c.resolveTaskDefinition(c.store.Snapshot(), in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	out := &DescribeTaskDefinitionOutput{TaskDefinition: td}
	if slices.Contains(in.Include, "TAGS") {
		out.Tags = slices.Clone(td.Tags)
		if out.Tags == nil {
			out.Tags = []ecs.Tag{}
		}
	}
	td.Tags = nil
	return out, nil
}

func (c *Controller) resolveTaskDefinition(snap *state.Snapshot, ref string) (*ecs.TaskDefinition, error) {
	if ref == "" {
		return nil, ecs.NewClientException("TaskDefinition can not be blank.")
	}
	r, err := c.scope.ResolveTaskDefinition(ref)
	if err != nil {
		return nil, err
	}
	return snap.ResolveTaskDefinition(r)
}

// ListTaskDefinitionsInput is ListTaskDefinitions' request.
type ListTaskDefinitionsInput struct {
	FamilyPrefix string `json:"familyPrefix,omitempty"`
	Status       string `json:"status,omitempty"`
	Sort         string `json:"sort,omitempty"`
	MaxResults   int    `json:"maxResults,omitempty"`
	NextToken    string `json:"nextToken,omitempty"`
}

// ListTaskDefinitionsOutput is ListTaskDefinitions' response.
type ListTaskDefinitionsOutput struct {
	TaskDefinitionARNs []string `json:"taskDefinitionArns"`
	NextToken          string   `json:"nextToken,omitempty"`
}

// ListTaskDefinitions lists revisions by family then revision (status
// default ACTIVE; familyPrefix matches the family exactly, as ECS does).
// sort DESC reverses the order.
func (c *Controller) ListTaskDefinitions(ctx context.Context, in ListTaskDefinitionsInput) (*ListTaskDefinitionsOutput, error) {
	status := in.Status
	switch status {
	case "":
		status = string(ecs.TaskDefinitionStatusActive)
	case "ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS":
	default:
		return nil, ecs.NewInvalidParameter("Invalid status: %s. Valid values are ACTIVE, INACTIVE and DELETE_IN_PROGRESS.", status)
	}
	var arns []string
	for _, td := range c.store.Snapshot().TaskDefinitions(in.FamilyPrefix) {
		if string(td.Status) == status {
			arns = append(arns, td.TaskDefinitionARN)
		}
	}
	// Pages run over positions, so the order (family, then numeric
	// revision) need not be the ARN's string order.
	if in.Sort == "DESC" {
		slices.Reverse(arns)
	}
	page, next, err := pageByIndex(arns, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ListTaskDefinitionsOutput{TaskDefinitionARNs: page, NextToken: next}, nil
}

// ListTaskDefinitionFamiliesInput is ListTaskDefinitionFamilies' request.
type ListTaskDefinitionFamiliesInput struct {
	FamilyPrefix string `json:"familyPrefix,omitempty"`
	Status       string `json:"status,omitempty"`
	MaxResults   int    `json:"maxResults,omitempty"`
	NextToken    string `json:"nextToken,omitempty"`
}

// ListTaskDefinitionFamiliesOutput is ListTaskDefinitionFamilies'
// response.
type ListTaskDefinitionFamiliesOutput struct {
	Families  []string `json:"families"`
	NextToken string   `json:"nextToken,omitempty"`
}

// ListTaskDefinitionFamilies lists families by prefix; status ACTIVE keeps
// families with an ACTIVE revision, INACTIVE those without, ALL (and no
// status: "By default, both ACTIVE and INACTIVE task definition families
// are listed") every family.
func (c *Controller) ListTaskDefinitionFamilies(ctx context.Context, in ListTaskDefinitionFamiliesInput) (*ListTaskDefinitionFamiliesOutput, error) {
	switch in.Status {
	case "", "ACTIVE", "INACTIVE", "ALL":
	default:
		return nil, ecs.NewInvalidParameter("Invalid status: %s. Valid values are ACTIVE, INACTIVE and ALL.", in.Status)
	}
	pg, err := newPager(in.MaxResults, 100, in.NextToken)
	if err != nil {
		return nil, err
	}
	snap := c.store.Snapshot()
	var fams []string
	for _, f := range snap.Families() {
		if len(f) < len(in.FamilyPrefix) || f[:len(in.FamilyPrefix)] != in.FamilyPrefix {
			continue
		}
		active := snap.LatestActiveTaskDefinition(f) != nil
		switch in.Status {
		case "ACTIVE":
			if !active {
				continue
			}
		case "INACTIVE":
			if active {
				continue
			}
		}
		fams = append(fams, f)
	}
	slices.Sort(fams)
	page, next := pg.slice(fams)
	return &ListTaskDefinitionFamiliesOutput{Families: page, NextToken: next}, nil
}

// DeregisterTaskDefinitionInput is DeregisterTaskDefinition's request.
type DeregisterTaskDefinitionInput struct {
	TaskDefinition string `json:"taskDefinition"`
}

// DeregisterTaskDefinitionOutput is DeregisterTaskDefinition's response.
type DeregisterTaskDefinitionOutput struct {
	TaskDefinition *ecs.TaskDefinition `json:"taskDefinition"`
}

// DeregisterTaskDefinition marks a revision INACTIVE; it needs one
// (family:revision or ARN).
func (c *Controller) DeregisterTaskDefinition(ctx context.Context, in DeregisterTaskDefinitionInput) (*DeregisterTaskDefinitionOutput, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	r, err := c.scope.ResolveTaskDefinition(in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	if r.Revision == 0 {
		return nil, ecs.NewClientException("Invalid revision number. Number: %s", in.TaskDefinition)
	}
	td, err := c.store.Snapshot().ResolveTaskDefinition(r)
	if err != nil {
		return nil, err
	}
	if _, err := c.store.Apply([]state.Op{state.DeregisterTaskDefinition{TaskDefinitionARN: td.TaskDefinitionARN}}, c.now()); err != nil {
		return nil, err
	}
	out := c.store.Snapshot().TaskDefinition(td.TaskDefinitionARN)
	out.Tags = nil
	return &DeregisterTaskDefinitionOutput{TaskDefinition: out}, nil
}
