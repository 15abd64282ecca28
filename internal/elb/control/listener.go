package control

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// listenerRecord is a stored listener. l is replaced, never modified.
type listenerRecord struct {
	l           *elb.Listener
	id          string // the 16-hex ID ending the ARN
	seq         uint64
	defaultRule string // ARN of the default rule, kept in c.rules
}

// CreateListenerInput is the input of CreateListener.
type CreateListenerInput struct {
	LoadBalancerARN string
	// Protocol is HTTP or HTTPS (HTTPS needs Certificates).
	Protocol       elb.Protocol
	Port           int
	SslPolicy      string
	Certificates   []elb.Certificate
	DefaultActions []elb.Action
	// AlpnPolicy is accepted and ignored (it applies to TLS listeners of
	// Network Load Balancers).
	AlpnPolicy []string
	Tags       []Tag
}

// CreateListenerOutput is the output of CreateListener.
type CreateListenerOutput struct {
	Listeners []*elb.Listener
}

// CreateListener creates a listener and its default rule, and has the
// data plane bind the port: if the Publisher cannot apply the snapshot
// (the port cannot be bound), the listener is removed again and the call
// fails with InvalidConfigurationRequest. Repeating a CreateListener with
// identical settings returns the existing listener (§7.3).
//
// Errors: ValidationError, LoadBalancerNotFound, DuplicateListener,
// TooManyListeners, TargetGroupNotFound, TargetGroupAssociationLimit,
// InvalidLoadBalancerAction, UnsupportedProtocol, TooManyTargetGroups,
// InvalidConfigurationRequest, TooManyTags, DuplicateTagKeys.
func (c *Control) CreateListener(_ context.Context, in *CreateListenerInput) (*CreateListenerOutput, error) {
	switch {
	case in.LoadBalancerARN == "":
		return nil, errRequired("loadBalancerArn")
	case len(in.DefaultActions) == 0:
		return nil, errRequired("defaultActions")
	}
	l := &elb.Listener{
		LoadBalancerARN: in.LoadBalancerARN,
		Port:            in.Port,
		Protocol:        in.Protocol,
		SslPolicy:       in.SslPolicy,
		Certificates:    slices.Clone(in.Certificates),
	}
	for _, a := range in.DefaultActions {
		l.DefaultActions = append(l.DefaultActions, a.Copy())
	}
	l.Canonicalize()
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	var out *elb.Listener
	err := c.writeBinding(func() (func(), error) {
		lb, ok := c.lbs[in.LoadBalancerARN]
		if !ok {
			return nil, elb.NewLoadBalancerNotFound()
		}
		n := 0
		for _, o := range c.listeners {
			if o.l.LoadBalancerARN != in.LoadBalancerARN {
				continue
			}
			n++
			if o.l.Port != l.Port {
				continue
			}
			if sameListenerSettings(o.l, l) {
				out = o.l.Copy()
				return func() {}, nil
			}
			return nil, elb.NewDuplicateListener()
		}
		if n >= maxListenersPerLB {
			return nil, errTooMany(elb.CodeTooManyListeners, "listeners per load balancer.")
		}
		if err := c.checkActionTargetsLocked(l.DefaultActions, in.LoadBalancerARN); err != nil {
			return nil, err
		}
		rec := &listenerRecord{seq: c.nextSeq()}
		rec.id = c.uniqueID(func(id string) bool { _, ok := c.listeners[c.listenerARN(lb, id)]; return ok })
		l.ListenerARN = c.listenerARN(lb, rec.id)
		rec.l = l
		ruleID := c.uniqueID(func(id string) bool { _, ok := c.rules[c.ruleARN(lb, rec, id)]; return ok })
		rule := l.DefaultRule(c.ruleARN(lb, rec, ruleID))
		rec.defaultRule = rule.RuleARN
		if err := c.setTagsLocked(l.ListenerARN, in.Tags); err != nil {
			return nil, err
		}
		c.listeners[l.ListenerARN] = rec
		c.rules[rule.RuleARN] = &ruleRecord{r: rule, listener: l.ListenerARN, seq: c.nextSeq()}
		c.recomputeUsageLocked()
		out = l.Copy()
		arn := l.ListenerARN
		return func() {
			if _, ok := c.listeners[arn]; ok {
				c.deleteListenerLocked(arn)
				c.recomputeUsageLocked()
			}
		}, nil
	}, func() (string, string) {
		return out.ListenerARN, fmt.Sprintf("%s:%d on %s", out.Protocol, out.Port, c.lbAddr)
	})
	if err != nil {
		return nil, err
	}
	return &CreateListenerOutput{Listeners: []*elb.Listener{out}}, nil
}

// sameListenerSettings reports whether a repeated CreateListener asks for
// what exists.
func sameListenerSettings(a, b *elb.Listener) bool {
	return a.Protocol == b.Protocol && a.Port == b.Port && a.SslPolicy == b.SslPolicy &&
		slices.Equal(a.Certificates, b.Certificates) && reflect.DeepEqual(a.DefaultActions, b.DefaultActions)
}

// checkActionTargetsLocked checks that every target group the actions
// forward to exists and serves no other load balancer (one load balancer
// per target group, §3.6). mu must be held.
func (c *Control) checkActionTargetsLocked(actions []elb.Action, lbARN string) error {
	for i := range actions {
		for _, arn := range actions[i].TargetGroupARNs() {
			tg, ok := c.tgs[arn]
			if !ok {
				return errTargetGroupNotFoundARN(arn)
			}
			for _, other := range tg.tg.LoadBalancerARNs {
				if other != lbARN {
					return errAssociationLimit(arn)
				}
			}
		}
	}
	return nil
}

// deleteListenerLocked removes a listener with all its rules and tags.
// The caller recomputes usage. mu must be held.
func (c *Control) deleteListenerLocked(arn string) {
	for ruleARN, r := range c.rules {
		if r.listener == arn {
			delete(c.rules, ruleARN)
			delete(c.tags, ruleARN)
		}
	}
	delete(c.listeners, arn)
	delete(c.tags, arn)
}

// recomputeUsageLocked derives, for every target group, the load
// balancers whose listener default actions or rules forward to it
// (TargetGroup.LoadBalancerArns), and tells each checker whether its group
// is in use: targets of a group nothing forwards to are
// unused/Target.NotInUse and unchecked (§1.1). mu must be held.
func (c *Control) recomputeUsageLocked() {
	used := map[string]map[string]bool{}
	mark := func(actions []elb.Action, lbARN string) {
		for i := range actions {
			for _, arn := range actions[i].TargetGroupARNs() {
				if used[arn] == nil {
					used[arn] = map[string]bool{}
				}
				used[arn][lbARN] = true
			}
		}
	}
	for _, l := range c.listeners {
		mark(l.l.DefaultActions, l.l.LoadBalancerARN)
	}
	for _, r := range c.rules {
		if r.r.IsDefault {
			continue // mirrors its listener's default actions
		}
		if l, ok := c.listeners[r.listener]; ok {
			mark(r.r.Actions, l.l.LoadBalancerARN)
		}
	}
	for arn, rec := range c.tgs {
		lbs := slices.Sorted(maps.Keys(used[arn]))
		if lbs == nil {
			lbs = []string{}
		}
		if !slices.Equal(lbs, rec.tg.LoadBalancerARNs) {
			tg := rec.tg.Copy()
			tg.LoadBalancerARNs = lbs
			rec.tg = tg
		}
		if inUse := len(lbs) > 0; inUse != rec.inUse {
			rec.inUse = inUse
			rec.checker.SetInUse(inUse)
		}
	}
}

// DescribeListenersInput is the input of DescribeListeners: exactly one of
// LoadBalancerARN and ListenerARNs.
type DescribeListenersInput struct {
	LoadBalancerARN string
	ListenerARNs    []string
	Marker          string
	// PageSize is 1-400; 0 means 400.
	PageSize int
}

// DescribeListenersOutput is the output of DescribeListeners.
type DescribeListenersOutput struct {
	Listeners  []*elb.Listener
	NextMarker string
}

// DescribeListeners lists listeners in creation order. Errors:
// ValidationError, LoadBalancerNotFound, ListenerNotFound.
func (c *Control) DescribeListeners(_ context.Context, in *DescribeListenersInput) (*DescribeListenersOutput, error) {
	if (in.LoadBalancerARN == "") == (len(in.ListenerARNs) == 0) {
		// Unconfirmed wording.
		return nil, elb.NewValidationError("You must specify either listener ARNs or a load balancer ARN")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	var recs []*listenerRecord
	if in.LoadBalancerARN != "" {
		if _, ok := c.lbs[in.LoadBalancerARN]; !ok {
			return nil, elb.NewLoadBalancerNotFound()
		}
		for _, l := range c.listeners {
			if l.l.LoadBalancerARN == in.LoadBalancerARN {
				recs = append(recs, l)
			}
		}
	} else {
		for _, arn := range dedupe(in.ListenerARNs) {
			l, ok := c.listeners[arn]
			if !ok {
				return nil, errListenersNotFound()
			}
			recs = append(recs, l)
		}
	}
	slices.SortFunc(recs, func(a, b *listenerRecord) int { return cmp.Compare(a.seq, b.seq) })
	page, next, err := paginate(recs, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &DescribeListenersOutput{Listeners: make([]*elb.Listener, len(page)), NextMarker: next}
	for i, l := range page {
		out.Listeners[i] = l.l.Copy()
	}
	return out, nil
}

// ModifyListenerInput is the input of ModifyListener; zero values leave a
// setting as it is.
type ModifyListenerInput struct {
	ListenerARN    string
	Port           int
	Protocol       elb.Protocol
	SslPolicy      string
	Certificates   []elb.Certificate
	DefaultActions []elb.Action
	AlpnPolicy     []string
}

// ModifyListenerOutput is the output of ModifyListener.
type ModifyListenerOutput struct {
	Listeners []*elb.Listener
}

// ModifyListener changes a listener's port, protocol, certificates or
// default actions (which are its default rule's actions). A port change is
// published synchronously and undone if the data plane cannot bind it.
//
// Errors: ValidationError, ListenerNotFound, DuplicateListener,
// TargetGroupNotFound, TargetGroupAssociationLimit,
// InvalidLoadBalancerAction, UnsupportedProtocol,
// InvalidConfigurationRequest.
func (c *Control) ModifyListener(_ context.Context, in *ModifyListenerInput) (*ModifyListenerOutput, error) {
	if in.ListenerARN == "" {
		return nil, errRequired("listenerArn")
	}
	var out *elb.Listener
	err := c.writeBinding(func() (func(), error) {
		rec, ok := c.listeners[in.ListenerARN]
		if !ok {
			return nil, elb.NewListenerNotFound()
		}
		l := rec.l.Copy()
		setIf(&l.Port, in.Port)
		setIf(&l.Protocol, in.Protocol)
		setIf(&l.SslPolicy, in.SslPolicy)
		if in.Certificates != nil {
			l.Certificates = slices.Clone(in.Certificates)
		}
		if len(in.DefaultActions) > 0 {
			l.DefaultActions = nil
			for _, a := range in.DefaultActions {
				l.DefaultActions = append(l.DefaultActions, a.Copy())
			}
		}
		l.Canonicalize()
		if err := l.Validate(); err != nil {
			return nil, err
		}
		for _, o := range c.listeners {
			if o != rec && o.l.LoadBalancerARN == l.LoadBalancerARN && o.l.Port == l.Port {
				return nil, elb.NewDuplicateListener()
			}
		}
		if err := c.checkActionTargetsLocked(l.DefaultActions, l.LoadBalancerARN); err != nil {
			return nil, err
		}
		// Rules created on an HTTPS listener may hold actions an HTTP
		// listener refuses; re-check them against the new protocol.
		for _, r := range c.rules {
			if r.listener == in.ListenerARN && !r.r.IsDefault {
				if err := l.ValidateRule(r.r); err != nil {
					return nil, err
				}
			}
		}
		prevL, prevRule := rec.l, c.rules[rec.defaultRule].r
		c.setListenerLocked(rec, l)
		out = l.Copy()
		return func() {
			if cur, ok := c.listeners[in.ListenerARN]; ok && cur == rec {
				rec.l = prevL
				c.rules[rec.defaultRule].r = prevRule
				c.recomputeUsageLocked()
			}
		}, nil
	}, func() (string, string) {
		return out.ListenerARN, fmt.Sprintf("%s:%d on %s", out.Protocol, out.Port, c.lbAddr)
	})
	if err != nil {
		return nil, err
	}
	return &ModifyListenerOutput{Listeners: []*elb.Listener{out}}, nil
}

// setListenerLocked stores l and mirrors its default actions into the
// default rule. mu must be held.
func (c *Control) setListenerLocked(rec *listenerRecord, l *elb.Listener) {
	rec.l = l
	dr := c.rules[rec.defaultRule]
	dr.r = l.DefaultRule(rec.defaultRule)
	c.recomputeUsageLocked()
}

// DeleteListenerInput is the input of DeleteListener.
type DeleteListenerInput struct {
	ListenerARN string
}

// DeleteListenerOutput is the (empty) output of DeleteListener.
type DeleteListenerOutput struct{}

// DeleteListener deletes a listener and its rules; the data plane closes
// the port. Errors: ValidationError, ListenerNotFound.
func (c *Control) DeleteListener(_ context.Context, in *DeleteListenerInput) (*DeleteListenerOutput, error) {
	if in.ListenerARN == "" {
		return nil, errRequired("listenerArn")
	}
	err := c.write(func() error {
		if _, ok := c.listeners[in.ListenerARN]; !ok {
			return elb.NewListenerNotFound()
		}
		c.deleteListenerLocked(in.ListenerARN)
		c.recomputeUsageLocked()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteListenerOutput{}, nil
}
