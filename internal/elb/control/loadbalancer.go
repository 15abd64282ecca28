package control

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// lbRecord is a stored load balancer. lb is never modified once stored:
// a change stores a modified copy (STYLE.md §1.1).
type lbRecord struct {
	lb  *elb.LoadBalancer
	id  string // the 16-hex ID ending the ARN
	seq uint64
}

// CreateLoadBalancerInput is the input of CreateLoadBalancer. Subnets and
// SubnetMappings are accepted and ignored: a local load balancer has no
// subnets or Availability Zones.
type CreateLoadBalancerInput struct {
	// Name is required: at most 32 alphanumeric characters or hyphens, not
	// beginning or ending with a hyphen, not beginning with "internal-".
	Name           string
	Subnets        []string
	SecurityGroups []string
	// Scheme "" means internet-facing.
	Scheme string
	// Type "" means application, the only type supported.
	Type string
	// IPAddressType "" means ipv4.
	IPAddressType string
	Tags          []Tag
}

// CreateLoadBalancerOutput is the output of CreateLoadBalancer.
type CreateLoadBalancerOutput struct {
	LoadBalancers []*elb.LoadBalancer
}

// CreateLoadBalancer creates an Application Load Balancer. It is active at
// once (nothing needs provisioning locally) and binds nothing until a
// listener is created. Creating a load balancer with the name and settings
// of an existing one returns the existing one (§7.3).
//
// Errors: ValidationError, DuplicateLoadBalancerName (same name, different
// settings), TooManyLoadBalancers, TooManyTags, DuplicateTagKeys.
func (c *Control) CreateLoadBalancer(_ context.Context, in *CreateLoadBalancerInput) (*CreateLoadBalancerOutput, error) {
	if in.Name == "" {
		return nil, errRequired("name")
	}
	lb := &elb.LoadBalancer{
		LoadBalancerName: in.Name,
		Scheme:           in.Scheme,
		Type:             in.Type,
		IPAddressType:    in.IPAddressType,
		SecurityGroups:   slices.Clone(in.SecurityGroups),
	}
	lb.Canonicalize()
	if err := lb.Validate(); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	var out *elb.LoadBalancer
	err := c.write(func() error {
		for _, r := range c.lbs {
			if r.lb.LoadBalancerName != in.Name {
				continue
			}
			if !sameLoadBalancerSettings(r.lb, lb) {
				return errDuplicateLoadBalancerName(in.Name)
			}
			out = r.lb.Copy()
			return nil
		}
		if len(c.lbs) >= maxLoadBalancers {
			return errTooMany(elb.CodeTooManyLoadBalancers, "load balancers for your Amazon Web Services account.")
		}
		id := c.uniqueID(func(id string) bool { _, ok := c.lbs[c.loadBalancerARN(in.Name, id)]; return ok })
		lb.LoadBalancerARN = c.loadBalancerARN(in.Name, id)
		lb.DNSName = c.dnsName(in.Name, id, lb.Scheme)
		lb.State = elb.LoadBalancerStateActive
		lb.CreatedTime = c.now().UTC()
		if err := c.setTagsLocked(lb.LoadBalancerARN, in.Tags); err != nil {
			return err
		}
		c.lbs[lb.LoadBalancerARN] = &lbRecord{lb: lb, id: id, seq: c.nextSeq()}
		out = lb.Copy()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateLoadBalancerOutput{LoadBalancers: []*elb.LoadBalancer{out}}, nil
}

// sameLoadBalancerSettings reports whether a repeated CreateLoadBalancer
// asks for what exists (the idempotency test of §7.3).
func sameLoadBalancerSettings(a, b *elb.LoadBalancer) bool {
	return a.Scheme == b.Scheme && a.Type == b.Type && a.IPAddressType == b.IPAddressType &&
		slices.Equal(a.SecurityGroups, b.SecurityGroups)
}

// DescribeLoadBalancersInput is the input of DescribeLoadBalancers: at most
// one of LoadBalancerARNs and Names; neither lists every load balancer.
type DescribeLoadBalancersInput struct {
	LoadBalancerARNs []string
	Names            []string
	Marker           string
	// PageSize is 1-400; 0 means 400.
	PageSize int
}

// DescribeLoadBalancersOutput is the output of DescribeLoadBalancers.
type DescribeLoadBalancersOutput struct {
	LoadBalancers []*elb.LoadBalancer
	// NextMarker is "" on the last page.
	NextMarker string
}

// DescribeLoadBalancers lists load balancers in creation order. Errors:
// ValidationError, LoadBalancerNotFound (any ARN or name unknown).
func (c *Control) DescribeLoadBalancers(_ context.Context, in *DescribeLoadBalancersInput) (*DescribeLoadBalancersOutput, error) {
	if len(in.LoadBalancerARNs) > 0 && len(in.Names) > 0 {
		// Unconfirmed wording.
		return nil, elb.NewValidationError("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	var recs []*lbRecord
	switch {
	case len(in.LoadBalancerARNs) > 0:
		for _, arn := range dedupe(in.LoadBalancerARNs) {
			r, ok := c.lbs[arn]
			if !ok {
				return nil, errLoadBalancersNotFound()
			}
			recs = append(recs, r)
		}
	case len(in.Names) > 0:
		byName := map[string]*lbRecord{}
		for _, r := range c.lbs {
			byName[r.lb.LoadBalancerName] = r
		}
		var missing []string
		for _, n := range dedupe(in.Names) {
			r, ok := byName[n]
			if !ok {
				missing = append(missing, n)
				continue
			}
			recs = append(recs, r)
		}
		if len(missing) > 0 {
			return nil, errLoadBalancerNamesNotFound(missing)
		}
	default:
		recs = slices.Collect(maps.Values(c.lbs))
	}
	slices.SortFunc(recs, func(a, b *lbRecord) int { return cmp.Compare(a.seq, b.seq) })
	page, next, err := paginate(recs, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &DescribeLoadBalancersOutput{LoadBalancers: make([]*elb.LoadBalancer, len(page)), NextMarker: next}
	for i, r := range page {
		out.LoadBalancers[i] = r.lb.Copy()
	}
	return out, nil
}

// DeleteLoadBalancerInput is the input of DeleteLoadBalancer.
type DeleteLoadBalancerInput struct {
	LoadBalancerARN string
}

// DeleteLoadBalancerOutput is the (empty) output of DeleteLoadBalancer.
type DeleteLoadBalancerOutput struct{}

// DeleteLoadBalancer deletes a load balancer with its listeners and rules;
// its target groups stay, no longer in use. Deleting a load balancer that
// does not exist succeeds (§7.3). Errors: ValidationError,
// OperationNotPermitted (deletion protection).
func (c *Control) DeleteLoadBalancer(_ context.Context, in *DeleteLoadBalancerInput) (*DeleteLoadBalancerOutput, error) {
	if in.LoadBalancerARN == "" {
		return nil, errRequired("loadBalancerArn")
	}
	err := c.write(func() error {
		r, ok := c.lbs[in.LoadBalancerARN]
		if !ok {
			return nil
		}
		if r.lb.Attributes.DeletionProtection {
			// Unconfirmed wording; the code is documented (§7.3).
			return elb.NewOperationNotPermitted("Load balancer '%s' cannot be deleted because deletion protection is enabled", in.LoadBalancerARN)
		}
		for arn, l := range c.listeners {
			if l.l.LoadBalancerARN == in.LoadBalancerARN {
				c.deleteListenerLocked(arn)
			}
		}
		delete(c.lbs, in.LoadBalancerARN)
		delete(c.tags, in.LoadBalancerARN)
		c.recomputeUsageLocked()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteLoadBalancerOutput{}, nil
}

// DescribeLoadBalancerAttributesInput is the input of
// DescribeLoadBalancerAttributes.
type DescribeLoadBalancerAttributesInput struct {
	LoadBalancerARN string
}

// DescribeLoadBalancerAttributesOutput is the output of
// DescribeLoadBalancerAttributes and ModifyLoadBalancerAttributes.
type DescribeLoadBalancerAttributesOutput struct {
	Attributes []elb.Attribute
}

// DescribeLoadBalancerAttributes returns every attribute of a load balancer
// (§4.6). Errors: ValidationError, LoadBalancerNotFound.
func (c *Control) DescribeLoadBalancerAttributes(_ context.Context, in *DescribeLoadBalancerAttributesInput) (*DescribeLoadBalancerAttributesOutput, error) {
	if in.LoadBalancerARN == "" {
		return nil, errRequired("loadBalancerArn")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	r, ok := c.lbs[in.LoadBalancerARN]
	if !ok {
		return nil, elb.NewLoadBalancerNotFound()
	}
	return &DescribeLoadBalancerAttributesOutput{Attributes: r.lb.Attributes.List()}, nil
}

// ModifyLoadBalancerAttributesInput is the input of
// ModifyLoadBalancerAttributes.
type ModifyLoadBalancerAttributesInput struct {
	LoadBalancerARN string
	Attributes      []elb.Attribute
}

// ModifyLoadBalancerAttributesOutput is the output of
// ModifyLoadBalancerAttributes: every attribute after the change.
type ModifyLoadBalancerAttributesOutput = DescribeLoadBalancerAttributesOutput

// ModifyLoadBalancerAttributes changes attributes; either all of them are
// applied or none. Errors: ValidationError, InvalidConfigurationRequest,
// LoadBalancerNotFound.
func (c *Control) ModifyLoadBalancerAttributes(_ context.Context, in *ModifyLoadBalancerAttributesInput) (*ModifyLoadBalancerAttributesOutput, error) {
	if in.LoadBalancerARN == "" {
		return nil, errRequired("loadBalancerArn")
	}
	if len(in.Attributes) == 0 {
		return nil, errRequired("attributes")
	}
	var out []elb.Attribute
	err := c.write(func() error {
		r, ok := c.lbs[in.LoadBalancerARN]
		if !ok {
			return elb.NewLoadBalancerNotFound()
		}
		attrs, err := r.lb.Attributes.Apply(in.Attributes)
		if err != nil {
			return err
		}
		lb := r.lb.Copy()
		lb.Attributes = attrs
		r.lb = lb
		out = attrs.List()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ModifyLoadBalancerAttributesOutput{Attributes: out}, nil
}

// dedupe drops repeated values, keeping the first of each.
func dedupe(vs []string) []string {
	seen := make(map[string]bool, len(vs))
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
