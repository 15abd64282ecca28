package control

import (
	"cmp"
	"context"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/health"
)

// tgRecord is a stored target group with its runtime: the health checker
// (owned by Control: started on create, stopped on delete and Close) and
// the registered targets' resolved addresses.
type tgRecord struct {
	tg      *elb.TargetGroup // replaced, never modified
	seq     uint64
	checker *health.Checker
	cancel  context.CancelFunc
	inUse   bool // last value given to checker.SetInUse
	// targets holds what the checker does not: each registered target's
	// resolved address and registration order. The checker's snapshot is
	// the truth about which targets are registered; records of targets the
	// checker has removed after draining are pruned when snapshots are
	// built.
	targets    map[elb.TargetKey]*targetRecord
	targetSeq  uint64
	registered int // targets not deregistered, for the quota
}

// targetRecord is one registered (or draining) target.
type targetRecord struct {
	desc         elb.TargetDescription
	addr         netip.Addr
	seq          uint64
	deregistered bool
}

// tgRuntime is what a group's Reporter learns from health transitions,
// guarded by healthMu: when each target last became healthy (slow start)
// and when each draining target's deregistration delay ends.
type tgRuntime struct {
	drainDelay    time.Duration
	healthySince  map[elb.TargetKey]time.Time
	drainDeadline map[elb.TargetKey]time.Time
}

// CreateTargetGroupInput is the input of CreateTargetGroup, member by
// member. Zero values mean "not set": the §1.3 defaults apply.
type CreateTargetGroupInput struct {
	// Name is required: at most 32 alphanumeric characters or hyphens.
	Name string
	// Protocol is HTTP or HTTPS; required for instance and ip targets.
	Protocol        elb.Protocol
	ProtocolVersion elb.ProtocolVersion
	// Port is required for instance and ip targets: 1-65535.
	Port                       int
	VpcID                      string
	HealthCheckProtocol        elb.Protocol
	HealthCheckPort            string
	HealthCheckEnabled         *bool
	HealthCheckPath            string
	HealthCheckIntervalSeconds int
	HealthCheckTimeoutSeconds  int
	HealthyThresholdCount      int
	UnhealthyThresholdCount    int
	Matcher                    *elb.Matcher
	// TargetType "" means instance.
	TargetType    elb.TargetType
	IPAddressType string
	Tags          []Tag
}

// CreateTargetGroupOutput is the output of CreateTargetGroup.
type CreateTargetGroupOutput struct {
	TargetGroups []*elb.TargetGroup
}

// CreateTargetGroup creates a target group and starts its health checker.
// Like ELBv2 it is idempotent: the same name with identical settings
// returns the existing group; the same name with other settings fails.
//
// Errors: ValidationError, UnsupportedProtocol, DuplicateTargetGroupName,
// TooManyTargetGroups, TooManyTags, DuplicateTagKeys.
func (c *Control) CreateTargetGroup(_ context.Context, in *CreateTargetGroupInput) (*CreateTargetGroupOutput, error) {
	if in.Name == "" {
		return nil, errRequired("name")
	}
	tg := &elb.TargetGroup{
		TargetGroupName: in.Name,
		Protocol:        in.Protocol,
		ProtocolVersion: in.ProtocolVersion,
		Port:            in.Port,
		VpcID:           in.VpcID,
		TargetType:      in.TargetType,
		IPAddressType:   in.IPAddressType,
		HealthCheck: elb.HealthCheck{
			HealthCheckProtocol:        in.HealthCheckProtocol,
			HealthCheckPort:            in.HealthCheckPort,
			HealthCheckPath:            in.HealthCheckPath,
			HealthCheckIntervalSeconds: in.HealthCheckIntervalSeconds,
			HealthCheckTimeoutSeconds:  in.HealthCheckTimeoutSeconds,
			HealthyThresholdCount:      in.HealthyThresholdCount,
			UnhealthyThresholdCount:    in.UnhealthyThresholdCount,
		},
	}
	if in.HealthCheckEnabled != nil {
		tg.HealthCheckEnabled = new(*in.HealthCheckEnabled)
	}
	if in.Matcher != nil {
		tg.Matcher = *in.Matcher
	}
	tg.Canonicalize()
	if err := tg.Validate(); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	var out *elb.TargetGroup
	err := c.write(func() error {
		for _, r := range c.tgs {
			if r.tg.TargetGroupName != in.Name {
				continue
			}
			if !sameTargetGroupSettings(r.tg, tg) {
				return elb.NewDuplicateTargetGroupName()
			}
			out = r.tg.Copy()
			return nil
		}
		if len(c.tgs) >= maxTargetGroups {
			return errTooMany(elb.CodeTooManyTargetGroups, "target groups for your Amazon Web Services account.")
		}
		id := c.uniqueID(func(id string) bool { _, ok := c.tgs[c.targetGroupARN(in.Name, id)]; return ok })
		tg.TargetGroupARN = c.targetGroupARN(in.Name, id)
		if err := c.setTagsLocked(tg.TargetGroupARN, in.Tags); err != nil {
			return err
		}
		rec, err := c.startTargetGroupLocked(tg)
		if err != nil {
			delete(c.tags, tg.TargetGroupARN)
			return err
		}
		c.tgs[tg.TargetGroupARN] = rec
		out = tg.Copy()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateTargetGroupOutput{TargetGroups: []*elb.TargetGroup{out}}, nil
}

// startTargetGroupLocked creates the group's checker and runtime and runs
// the checker under a context Control owns. mu must be held.
func (c *Control) startTargetGroupLocked(tg *elb.TargetGroup) (*tgRecord, error) {
	arn := tg.TargetGroupARN
	ch, err := health.NewChecker(tg, health.Options{
		Prober:   c.proberFor(tg),
		Clock:    c.clock,
		Reporter: health.ReporterFunc(c.targetHealthChanged),
		Logger:   c.log,
	})
	if err != nil {
		return nil, err
	}
	c.healthMu.Lock()
	c.runtime[arn] = &tgRuntime{
		drainDelay:    tg.Attributes.DeregistrationDelay(),
		healthySince:  map[elb.TargetKey]time.Time{},
		drainDeadline: map[elb.TargetKey]time.Time{},
	}
	c.healthMu.Unlock()
	ctx, cancel := context.WithCancel(c.ctx)
	go ch.Run(ctx)
	return &tgRecord{tg: tg, seq: c.nextSeq(), checker: ch, cancel: cancel, targets: map[elb.TargetKey]*targetRecord{}}, nil
}

// proberFor returns the prober of a group's checker: the injected one, or
// an HTTP prober that finds instance targets through the Resolver (ip
// targets need none: nil makes the checker treat IDs as addresses).
func (c *Control) proberFor(tg *elb.TargetGroup) health.Prober {
	if c.prober != nil {
		return c.prober
	}
	if tg.TargetType == elb.TargetTypeInstance {
		return &health.HTTPProber{Resolve: c.resolver.ResolveInstance}
	}
	return nil
}

// targetHealthChanged is every checker's Reporter. It runs synchronously
// inside the checker (possibly while Control holds mu and calls the
// checker), so it takes only healthMu and pokes the publisher.
func (c *Control) targetHealthChanged(t health.Transition) {
	c.healthMu.Lock()
	if rt := c.runtime[t.TargetGroupARN]; rt != nil {
		key := t.Target.Key()
		if t.To.State == elb.TargetHealthStateHealthy {
			if t.From.State != elb.TargetHealthStateHealthy {
				rt.healthySince[key] = t.At
			}
		} else {
			delete(rt.healthySince, key)
		}
		if t.To.State == elb.TargetHealthStateDraining {
			rt.drainDeadline[key] = t.At.Add(rt.drainDelay)
		} else {
			delete(rt.drainDeadline, key)
		}
	}
	c.healthMu.Unlock()
	c.poke()
}

// sameTargetGroupSettings reports whether a repeated CreateTargetGroup
// asks for what exists: every setting the input can carry.
func sameTargetGroupSettings(a, b *elb.TargetGroup) bool {
	return a.Protocol == b.Protocol && a.ProtocolVersion == b.ProtocolVersion && a.Port == b.Port &&
		a.VpcID == b.VpcID && a.TargetType == b.TargetType && a.IPAddressType == b.IPAddressType &&
		sameHealthCheck(&a.HealthCheck, &b.HealthCheck)
}

func sameHealthCheck(a, b *elb.HealthCheck) bool {
	return a.Enabled() == b.Enabled() && a.HealthCheckProtocol == b.HealthCheckProtocol &&
		a.HealthCheckPort == b.HealthCheckPort && a.HealthCheckPath == b.HealthCheckPath &&
		a.HealthCheckIntervalSeconds == b.HealthCheckIntervalSeconds &&
		a.HealthCheckTimeoutSeconds == b.HealthCheckTimeoutSeconds &&
		a.HealthyThresholdCount == b.HealthyThresholdCount &&
		a.UnhealthyThresholdCount == b.UnhealthyThresholdCount && a.Matcher == b.Matcher
}

// DescribeTargetGroupsInput is the input of DescribeTargetGroups: at most
// one of LoadBalancerARN, TargetGroupARNs and Names; none lists every group.
type DescribeTargetGroupsInput struct {
	LoadBalancerARN string
	TargetGroupARNs []string
	Names           []string
	Marker          string
	// PageSize is 1-400; 0 means 400.
	PageSize int
}

// DescribeTargetGroupsOutput is the output of DescribeTargetGroups.
type DescribeTargetGroupsOutput struct {
	TargetGroups []*elb.TargetGroup
	NextMarker   string
}

// DescribeTargetGroups lists target groups in creation order. Errors:
// ValidationError, LoadBalancerNotFound, TargetGroupNotFound.
func (c *Control) DescribeTargetGroups(_ context.Context, in *DescribeTargetGroupsInput) (*DescribeTargetGroupsOutput, error) {
	given := 0
	for _, set := range []bool{in.LoadBalancerARN != "", len(in.TargetGroupARNs) > 0, len(in.Names) > 0} {
		if set {
			given++
		}
	}
	if given > 1 {
		// Unconfirmed wording.
		return nil, elb.NewValidationError("Only one of load balancer ARN, target group ARNs or names can be specified")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	var recs []*tgRecord
	switch {
	case in.LoadBalancerARN != "":
		if _, ok := c.lbs[in.LoadBalancerARN]; !ok {
			return nil, elb.NewLoadBalancerNotFound()
		}
		for _, r := range c.tgs {
			if slices.Contains(r.tg.LoadBalancerARNs, in.LoadBalancerARN) {
				recs = append(recs, r)
			}
		}
	case len(in.TargetGroupARNs) > 0:
		for _, arn := range dedupe(in.TargetGroupARNs) {
			r, ok := c.tgs[arn]
			if !ok {
				return nil, errTargetGroupsNotFound()
			}
			recs = append(recs, r)
		}
	case len(in.Names) > 0:
		byName := map[string]*tgRecord{}
		for _, r := range c.tgs {
			byName[r.tg.TargetGroupName] = r
		}
		for _, n := range dedupe(in.Names) {
			r, ok := byName[n]
			if !ok {
				return nil, errTargetGroupsNotFound()
			}
			recs = append(recs, r)
		}
	default:
		recs = slices.Collect(maps.Values(c.tgs))
	}
	slices.SortFunc(recs, func(a, b *tgRecord) int { return cmp.Compare(a.seq, b.seq) })
	page, next, err := paginate(recs, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &DescribeTargetGroupsOutput{TargetGroups: make([]*elb.TargetGroup, len(page)), NextMarker: next}
	for i, r := range page {
		out.TargetGroups[i] = r.tg.Copy()
	}
	return out, nil
}

// ModifyTargetGroupInput is the input of ModifyTargetGroup: the health
// check settings to change; zero values (nil pointers) leave a setting as
// it is.
type ModifyTargetGroupInput struct {
	TargetGroupARN             string
	HealthCheckProtocol        elb.Protocol
	HealthCheckPort            string
	HealthCheckPath            string
	HealthCheckEnabled         *bool
	HealthCheckIntervalSeconds int
	HealthCheckTimeoutSeconds  int
	HealthyThresholdCount      int
	UnhealthyThresholdCount    int
	Matcher                    *elb.Matcher
}

// ModifyTargetGroupOutput is the output of ModifyTargetGroup.
type ModifyTargetGroupOutput struct {
	TargetGroups []*elb.TargetGroup
}

// ModifyTargetGroup changes health check settings. Target states are kept;
// the new settings apply from the next check. Errors: ValidationError,
// TargetGroupNotFound.
func (c *Control) ModifyTargetGroup(_ context.Context, in *ModifyTargetGroupInput) (*ModifyTargetGroupOutput, error) {
	if in.TargetGroupARN == "" {
		return nil, errRequired("targetGroupArn")
	}
	var out *elb.TargetGroup
	err := c.write(func() error {
		r, ok := c.tgs[in.TargetGroupARN]
		if !ok {
			return elb.NewTargetGroupNotFound()
		}
		tg := r.tg.Copy()
		hc := &tg.HealthCheck
		setIf(&hc.HealthCheckProtocol, in.HealthCheckProtocol)
		setIf(&hc.HealthCheckPort, in.HealthCheckPort)
		setIf(&hc.HealthCheckPath, in.HealthCheckPath)
		setIf(&hc.HealthCheckIntervalSeconds, in.HealthCheckIntervalSeconds)
		setIf(&hc.HealthCheckTimeoutSeconds, in.HealthCheckTimeoutSeconds)
		setIf(&hc.HealthyThresholdCount, in.HealthyThresholdCount)
		setIf(&hc.UnhealthyThresholdCount, in.UnhealthyThresholdCount)
		if in.HealthCheckEnabled != nil {
			hc.HealthCheckEnabled = new(*in.HealthCheckEnabled)
		}
		if in.Matcher != nil {
			hc.Matcher = *in.Matcher
		}
		if err := tg.Validate(); err != nil {
			return err
		}
		if err := r.checker.Update(tg); err != nil {
			return err
		}
		r.tg = tg
		out = tg.Copy()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ModifyTargetGroupOutput{TargetGroups: []*elb.TargetGroup{out}}, nil
}

func setIf[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}

// DeleteTargetGroupInput is the input of DeleteTargetGroup.
type DeleteTargetGroupInput struct {
	TargetGroupARN string
}

// DeleteTargetGroupOutput is the (empty) output of DeleteTargetGroup.
type DeleteTargetGroupOutput struct{}

// DeleteTargetGroup deletes a target group and stops its health checker.
// Its targets are not affected. Errors: ValidationError, ResourceInUse (a
// listener default action or rule forwards to it), TargetGroupNotFound.
//
// ELBv2 documents DeleteTargetGroup as failing with ResourceInUse only;
// for an unknown ARN it reports TargetGroupNotFound like the other
// operations.
func (c *Control) DeleteTargetGroup(_ context.Context, in *DeleteTargetGroupInput) (*DeleteTargetGroupOutput, error) {
	if in.TargetGroupARN == "" {
		return nil, errRequired("targetGroupArn")
	}
	var stopped *tgRecord
	err := c.write(func() error {
		r, ok := c.tgs[in.TargetGroupARN]
		if !ok {
			return elb.NewTargetGroupNotFound()
		}
		if len(r.tg.LoadBalancerARNs) > 0 {
			return errTargetGroupInUse(in.TargetGroupARN)
		}
		r.cancel()
		delete(c.tgs, in.TargetGroupARN)
		delete(c.tags, in.TargetGroupARN)
		c.healthMu.Lock()
		delete(c.runtime, in.TargetGroupARN)
		c.healthMu.Unlock()
		stopped = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Wait outside mu: a round in flight ends when its probes see the
	// cancelled context.
	<-stopped.checker.WaitCh()
	return &DeleteTargetGroupOutput{}, nil
}

// DescribeTargetGroupAttributesInput is the input of
// DescribeTargetGroupAttributes.
type DescribeTargetGroupAttributesInput struct {
	TargetGroupARN string
}

// DescribeTargetGroupAttributesOutput is the output of
// DescribeTargetGroupAttributes and ModifyTargetGroupAttributes.
type DescribeTargetGroupAttributesOutput struct {
	Attributes []elb.Attribute
}

// DescribeTargetGroupAttributes returns every attribute of a target group
// (§4.1). Errors: ValidationError, TargetGroupNotFound.
func (c *Control) DescribeTargetGroupAttributes(_ context.Context, in *DescribeTargetGroupAttributesInput) (*DescribeTargetGroupAttributesOutput, error) {
	if in.TargetGroupARN == "" {
		return nil, errRequired("targetGroupArn")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	r, ok := c.tgs[in.TargetGroupARN]
	if !ok {
		return nil, elb.NewTargetGroupNotFound()
	}
	return &DescribeTargetGroupAttributesOutput{Attributes: r.tg.Attributes.List()}, nil
}

// ModifyTargetGroupAttributesInput is the input of
// ModifyTargetGroupAttributes.
type ModifyTargetGroupAttributesInput struct {
	TargetGroupARN string
	Attributes     []elb.Attribute
}

// ModifyTargetGroupAttributesOutput is the output of
// ModifyTargetGroupAttributes: every attribute after the change.
type ModifyTargetGroupAttributesOutput = DescribeTargetGroupAttributesOutput

// ModifyTargetGroupAttributes changes attributes; all or none are applied.
// A new deregistration delay applies to targets deregistered afterwards.
// Errors: ValidationError, InvalidConfigurationRequest, TargetGroupNotFound.
func (c *Control) ModifyTargetGroupAttributes(_ context.Context, in *ModifyTargetGroupAttributesInput) (*ModifyTargetGroupAttributesOutput, error) {
	if in.TargetGroupARN == "" {
		return nil, errRequired("targetGroupArn")
	}
	if len(in.Attributes) == 0 {
		return nil, errRequired("attributes")
	}
	var out []elb.Attribute
	err := c.write(func() error {
		r, ok := c.tgs[in.TargetGroupARN]
		if !ok {
			return elb.NewTargetGroupNotFound()
		}
		attrs, err := r.tg.Attributes.Apply(in.Attributes)
		if err != nil {
			return err
		}
		tg := r.tg.Copy()
		tg.Attributes = attrs
		if err := r.checker.Update(tg); err != nil {
			return err
		}
		r.tg = tg
		c.healthMu.Lock()
		if rt := c.runtime[tg.TargetGroupARN]; rt != nil {
			rt.drainDelay = attrs.DeregistrationDelay()
		}
		c.healthMu.Unlock()
		out = attrs.List()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ModifyTargetGroupAttributesOutput{Attributes: out}, nil
}
