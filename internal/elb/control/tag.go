package control

import (
	"context"
	"maps"
	"slices"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// Tag is an ELBv2 tag. Value may be empty.
type Tag struct {
	Key   string
	Value string
}

// TagDescription is the tags of one resource (DescribeTags).
type TagDescription struct {
	ResourceARN string
	Tags        []Tag
}

// AddTagsInput is the input of AddTags.
type AddTagsInput struct {
	ResourceARNs []string
	Tags         []Tag
}

// AddTagsOutput is the (empty) output of AddTags.
type AddTagsOutput struct{}

// RemoveTagsInput is the input of RemoveTags.
type RemoveTagsInput struct {
	ResourceARNs []string
	TagKeys      []string
}

// RemoveTagsOutput is the (empty) output of RemoveTags.
type RemoveTagsOutput struct{}

// DescribeTagsInput is the input of DescribeTags.
type DescribeTagsInput struct {
	ResourceARNs []string
}

// DescribeTagsOutput is the output of DescribeTags.
type DescribeTagsOutput struct {
	TagDescriptions []TagDescription
}

// validateTags checks tag keys (1-128 characters), values (at most 256) and
// duplicates in one request (DuplicateTagKeys).
func validateTags(tags []Tag) error {
	seen := map[string]bool{}
	for _, t := range tags {
		switch {
		case t.Key == "":
			return elb.NewValidationError("Value '' at 'tags.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1")
		case len(t.Key) > 128:
			return elb.NewValidationError("Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length less than or equal to 128", t.Key)
		case len(t.Value) > 256:
			return elb.NewValidationError("Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", t.Value)
		}
		if seen[t.Key] {
			// The ELBv2 API Reference description of the code.
			return elb.Errorf(codeDuplicateTagKeys, "A tag key was specified more than once.")
		}
		seen[t.Key] = true
	}
	return nil
}

// resourceExistsLocked reports the *NotFound error for an ARN no resource
// has. mu must be held.
func (c *Control) resourceExistsLocked(arn string) error {
	switch resourceKind(arn) {
	case "loadbalancer":
		if _, ok := c.lbs[arn]; !ok {
			return elb.NewLoadBalancerNotFound()
		}
	case "targetgroup":
		if _, ok := c.tgs[arn]; !ok {
			return elb.NewTargetGroupNotFound()
		}
	case "listener":
		if _, ok := c.listeners[arn]; !ok {
			return elb.NewListenerNotFound()
		}
	case "listener-rule":
		if _, ok := c.rules[arn]; !ok {
			return elb.NewRuleNotFound()
		}
	default:
		// Unconfirmed wording.
		return elb.NewValidationError("'%s' is not a valid Elastic Load Balancing resource ARN", arn)
	}
	return nil
}

// setTagsLocked merges tags into a resource's tags, enforcing the
// 50-per-resource quota. mu must be held; the map is replaced, not changed.
func (c *Control) setTagsLocked(arn string, tags []Tag) error {
	if len(tags) == 0 {
		return nil
	}
	next := maps.Clone(c.tags[arn])
	if next == nil {
		next = map[string]string{}
	}
	for _, t := range tags {
		next[t.Key] = t.Value
	}
	if len(next) > maxTagsPerResource {
		// The ELBv2 API Reference description of the code.
		return elb.Errorf(elb.CodeTooManyTags, "You've reached the limit on the number of tags for this resource.")
	}
	c.tags[arn] = next
	return nil
}

// AddTags adds or overwrites tags on load balancers, target groups,
// listeners and rules. Errors: ValidationError, DuplicateTagKeys,
// TooManyTags, LoadBalancerNotFound, TargetGroupNotFound, ListenerNotFound,
// RuleNotFound. Nothing is changed unless every resource can take the tags.
func (c *Control) AddTags(_ context.Context, in *AddTagsInput) (*AddTagsOutput, error) {
	if len(in.ResourceARNs) == 0 {
		return nil, errRequired("resourceArns")
	}
	if len(in.Tags) == 0 {
		return nil, errRequired("tags")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	err := c.writeMeta(func() error {
		for _, arn := range in.ResourceARNs {
			if err := c.resourceExistsLocked(arn); err != nil {
				return err
			}
			if n := len(mergedKeys(c.tags[arn], in.Tags)); n > maxTagsPerResource {
				return elb.Errorf(elb.CodeTooManyTags, "You've reached the limit on the number of tags for this resource.")
			}
		}
		for _, arn := range in.ResourceARNs {
			_ = c.setTagsLocked(arn, in.Tags) // checked above
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &AddTagsOutput{}, nil
}

func mergedKeys(cur map[string]string, tags []Tag) map[string]bool {
	keys := map[string]bool{}
	for k := range cur {
		keys[k] = true
	}
	for _, t := range tags {
		keys[t.Key] = true
	}
	return keys
}

// RemoveTags removes tag keys from resources; keys that are not set are
// ignored. Errors: ValidationError and the *NotFound codes.
func (c *Control) RemoveTags(_ context.Context, in *RemoveTagsInput) (*RemoveTagsOutput, error) {
	if len(in.ResourceARNs) == 0 {
		return nil, errRequired("resourceArns")
	}
	if len(in.TagKeys) == 0 {
		return nil, errRequired("tagKeys")
	}
	err := c.writeMeta(func() error {
		for _, arn := range in.ResourceARNs {
			if err := c.resourceExistsLocked(arn); err != nil {
				return err
			}
		}
		for _, arn := range in.ResourceARNs {
			next := maps.Clone(c.tags[arn])
			for _, k := range in.TagKeys {
				delete(next, k)
			}
			c.tags[arn] = next
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &RemoveTagsOutput{}, nil
}

// DescribeTags returns the tags of up to 20 resources, each sorted by key.
// Errors: ValidationError and the *NotFound codes.
func (c *Control) DescribeTags(_ context.Context, in *DescribeTagsInput) (*DescribeTagsOutput, error) {
	if len(in.ResourceARNs) == 0 {
		return nil, errRequired("resourceArns")
	}
	if len(in.ResourceARNs) > maxDescribeTagResources {
		return nil, elb.NewValidationError("Value '%v' at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to %d", in.ResourceARNs, maxDescribeTagResources)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	out := &DescribeTagsOutput{TagDescriptions: []TagDescription{}}
	for _, arn := range in.ResourceARNs {
		if err := c.resourceExistsLocked(arn); err != nil {
			return nil, err
		}
		td := TagDescription{ResourceARN: arn, Tags: []Tag{}}
		for _, k := range slices.Sorted(maps.Keys(c.tags[arn])) {
			td.Tags = append(td.Tags, Tag{Key: k, Value: c.tags[arn][k]})
		}
		out.TagDescriptions = append(out.TagDescriptions, td)
	}
	return out, nil
}
