package control

import (
	"cmp"
	"context"
	"slices"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// ruleRecord is a stored rule (default rules included). r is replaced,
// never modified.
type ruleRecord struct {
	r        *elb.Rule
	listener string // ARN of the owning listener
	seq      uint64
}

// CreateRuleInput is the input of CreateRule.
type CreateRuleInput struct {
	ListenerARN string
	Conditions  []elb.RuleCondition
	// Priority is required: 1-50000, unique on the listener.
	Priority int
	Actions  []elb.Action
	Tags     []Tag
}

// CreateRuleOutput is the output of CreateRule.
type CreateRuleOutput struct {
	Rules []*elb.Rule
}

// CreateRule adds a rule to a listener (§3.2-3.5).
//
// Errors: ValidationError, ListenerNotFound, PriorityInUse, TooManyRules
// (100 per load balancer, default rules not counted), TargetGroupNotFound,
// TargetGroupAssociationLimit, InvalidLoadBalancerAction,
// TooManyTargetGroups, OperationNotPermitted, TooManyTags,
// DuplicateTagKeys.
func (c *Control) CreateRule(_ context.Context, in *CreateRuleInput) (*CreateRuleOutput, error) {
	switch {
	case in.ListenerARN == "":
		return nil, errRequired("listenerArn")
	case len(in.Conditions) == 0:
		return nil, errRequired("conditions")
	case in.Priority == 0:
		return nil, errRequired("priority")
	case len(in.Actions) == 0:
		return nil, errRequired("actions")
	}
	rule := &elb.Rule{Priority: in.Priority}
	for _, cond := range in.Conditions {
		rule.Conditions = append(rule.Conditions, cond.Copy())
	}
	for _, a := range in.Actions {
		rule.Actions = append(rule.Actions, a.Copy())
	}
	rule.Canonicalize()
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	var out *elb.Rule
	err := c.write(func() error {
		lrec, ok := c.listeners[in.ListenerARN]
		if !ok {
			return elb.NewListenerNotFound()
		}
		if err := lrec.l.ValidateRule(rule); err != nil {
			return err
		}
		lbARN := lrec.l.LoadBalancerARN
		n := 0
		for _, r := range c.rules {
			if r.r.IsDefault {
				continue
			}
			if r.listener == in.ListenerARN && r.r.Priority == rule.Priority {
				return elb.NewPriorityInUse(rule.Priority)
			}
			if c.listeners[r.listener].l.LoadBalancerARN == lbARN {
				n++
			}
		}
		if n >= maxRulesPerLB {
			return errTooMany(elb.CodeTooManyRules, "rules per load balancer.")
		}
		if err := c.checkActionTargetsLocked(rule.Actions, lbARN); err != nil {
			return err
		}
		lb := c.lbs[lbARN]
		id := c.uniqueID(func(id string) bool { _, ok := c.rules[c.ruleARN(lb, lrec, id)]; return ok })
		rule.RuleARN = c.ruleARN(lb, lrec, id)
		if err := c.setTagsLocked(rule.RuleARN, in.Tags); err != nil {
			return err
		}
		c.rules[rule.RuleARN] = &ruleRecord{r: rule, listener: in.ListenerARN, seq: c.nextSeq()}
		c.recomputeUsageLocked()
		out = rule.Copy()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateRuleOutput{Rules: []*elb.Rule{out}}, nil
}

// DescribeRulesInput is the input of DescribeRules: exactly one of
// ListenerARN and RuleARNs.
type DescribeRulesInput struct {
	ListenerARN string
	RuleARNs    []string
	Marker      string
	// PageSize is 1-400; 0 means 400.
	PageSize int
}

// DescribeRulesOutput is the output of DescribeRules.
type DescribeRulesOutput struct {
	Rules      []*elb.Rule
	NextMarker string
}

// DescribeRules lists rules in evaluation order: by priority, the default
// rule (IsDefault, shown as priority "default" on the wire) last. Errors:
// ValidationError, ListenerNotFound, RuleNotFound.
func (c *Control) DescribeRules(_ context.Context, in *DescribeRulesInput) (*DescribeRulesOutput, error) {
	if (in.ListenerARN == "") == (len(in.RuleARNs) == 0) {
		// Unconfirmed wording.
		return nil, elb.NewValidationError("You must specify either listener ARN or rule ARNs")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	var recs []*ruleRecord
	if in.ListenerARN != "" {
		if _, ok := c.listeners[in.ListenerARN]; !ok {
			return nil, elb.NewListenerNotFound()
		}
		recs = c.listenerRulesLocked(in.ListenerARN)
	} else {
		for _, arn := range dedupe(in.RuleARNs) {
			r, ok := c.rules[arn]
			if !ok {
				return nil, errRulesNotFound()
			}
			recs = append(recs, r)
		}
		sortRules(recs)
	}
	page, next, err := paginate(recs, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &DescribeRulesOutput{Rules: make([]*elb.Rule, len(page)), NextMarker: next}
	for i, r := range page {
		out.Rules[i] = r.r.Copy()
	}
	return out, nil
}

// listenerRulesLocked returns a listener's rules in evaluation order. mu
// must be held.
func (c *Control) listenerRulesLocked(listenerARN string) []*ruleRecord {
	var recs []*ruleRecord
	for _, r := range c.rules {
		if r.listener == listenerARN {
			recs = append(recs, r)
		}
	}
	sortRules(recs)
	return recs
}

// sortRules orders rules as they are evaluated: by listener creation (for
// mixed listings), then priority, default rule last.
func sortRules(recs []*ruleRecord) {
	slices.SortFunc(recs, func(a, b *ruleRecord) int {
		if a.listener != b.listener {
			return cmp.Compare(a.listener, b.listener)
		}
		switch {
		case a.r.IsDefault && !b.r.IsDefault:
			return 1
		case b.r.IsDefault && !a.r.IsDefault:
			return -1
		}
		return cmp.Or(cmp.Compare(a.r.Priority, b.r.Priority), cmp.Compare(a.seq, b.seq))
	})
}

// ModifyRuleInput is the input of ModifyRule. Nil Conditions and empty
// Actions leave them as they are.
type ModifyRuleInput struct {
	RuleARN    string
	Conditions []elb.RuleCondition
	Actions    []elb.Action
}

// ModifyRuleOutput is the output of ModifyRule.
type ModifyRuleOutput struct {
	Rules []*elb.Rule
}

// ModifyRule replaces a rule's conditions and/or actions. The default rule
// takes new actions (they become the listener's default actions) but no
// conditions.
//
// Errors: ValidationError, RuleNotFound, OperationNotPermitted,
// TargetGroupNotFound, TargetGroupAssociationLimit,
// InvalidLoadBalancerAction, TooManyTargetGroups.
func (c *Control) ModifyRule(_ context.Context, in *ModifyRuleInput) (*ModifyRuleOutput, error) {
	if in.RuleARN == "" {
		return nil, errRequired("ruleArn")
	}
	var out *elb.Rule
	err := c.write(func() error {
		rec, ok := c.rules[in.RuleARN]
		if !ok {
			return elb.NewRuleNotFound()
		}
		lrec := c.listeners[rec.listener]
		if rec.r.IsDefault {
			if len(in.Conditions) > 0 {
				return errDefaultRule(in.RuleARN, "given conditions")
			}
			if len(in.Actions) == 0 {
				out = rec.r.Copy()
				return nil
			}
			l := lrec.l.Copy()
			l.DefaultActions = nil
			for _, a := range in.Actions {
				l.DefaultActions = append(l.DefaultActions, a.Copy())
			}
			l.Canonicalize()
			if err := l.Validate(); err != nil {
				return err
			}
			if err := c.checkActionTargetsLocked(l.DefaultActions, l.LoadBalancerARN); err != nil {
				return err
			}
			c.setListenerLocked(lrec, l)
			out = c.rules[in.RuleARN].r.Copy()
			return nil
		}
		r := rec.r.Copy()
		if in.Conditions != nil {
			r.Conditions = nil
			for _, cond := range in.Conditions {
				r.Conditions = append(r.Conditions, cond.Copy())
			}
		}
		if len(in.Actions) > 0 {
			r.Actions = nil
			for _, a := range in.Actions {
				r.Actions = append(r.Actions, a.Copy())
			}
		}
		r.Canonicalize()
		if err := lrec.l.ValidateRule(r); err != nil {
			return err
		}
		if err := c.checkActionTargetsLocked(r.Actions, lrec.l.LoadBalancerARN); err != nil {
			return err
		}
		rec.r = r
		c.recomputeUsageLocked()
		out = r.Copy()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ModifyRuleOutput{Rules: []*elb.Rule{out}}, nil
}

// DeleteRuleInput is the input of DeleteRule.
type DeleteRuleInput struct {
	RuleARN string
}

// DeleteRuleOutput is the (empty) output of DeleteRule.
type DeleteRuleOutput struct{}

// DeleteRule deletes a rule. Errors: ValidationError, RuleNotFound,
// OperationNotPermitted (the default rule, §3.1).
func (c *Control) DeleteRule(_ context.Context, in *DeleteRuleInput) (*DeleteRuleOutput, error) {
	if in.RuleARN == "" {
		return nil, errRequired("ruleArn")
	}
	err := c.write(func() error {
		rec, ok := c.rules[in.RuleARN]
		if !ok {
			return elb.NewRuleNotFound()
		}
		if rec.r.IsDefault {
			return errDefaultRule(in.RuleARN, "deleted")
		}
		delete(c.rules, in.RuleARN)
		delete(c.tags, in.RuleARN)
		c.recomputeUsageLocked()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteRuleOutput{}, nil
}

// RulePriorityPair is one entry of SetRulePriorities.
type RulePriorityPair struct {
	RuleARN  string
	Priority int
}

// SetRulePrioritiesInput is the input of SetRulePriorities.
type SetRulePrioritiesInput struct {
	RulePriorities []RulePriorityPair
}

// SetRulePrioritiesOutput is the output of SetRulePriorities: the rules
// whose priorities were set.
type SetRulePrioritiesOutput struct {
	Rules []*elb.Rule
}

// SetRulePriorities changes the priorities of several rules at once; the
// priorities must be unique per listener after every change is applied
// (so two rules may swap priorities). All or nothing.
//
// Errors: ValidationError, RuleNotFound, PriorityInUse,
// OperationNotPermitted (the default rule).
func (c *Control) SetRulePriorities(_ context.Context, in *SetRulePrioritiesInput) (*SetRulePrioritiesOutput, error) {
	if len(in.RulePriorities) == 0 {
		return nil, errRequired("rulePriorities")
	}
	for _, p := range in.RulePriorities {
		if p.RuleARN == "" {
			return nil, errRequired("rulePriorities.member.ruleArn")
		}
		if p.Priority < elb.MinRulePriority || p.Priority > elb.MaxRulePriority {
			return nil, elb.NewValidationError("Value '%d' at 'rulePriorities.member.priority' failed to satisfy constraint: Member must have value between %d and %d", p.Priority, elb.MinRulePriority, elb.MaxRulePriority)
		}
	}
	var out []*elb.Rule
	err := c.write(func() error {
		next := map[string]int{}
		for _, p := range in.RulePriorities {
			rec, ok := c.rules[p.RuleARN]
			if !ok {
				return elb.NewRuleNotFound()
			}
			if rec.r.IsDefault {
				return errDefaultRule(p.RuleARN, "given a priority")
			}
			next[p.RuleARN] = p.Priority
		}
		// Check uniqueness per listener with every change applied.
		taken := map[string]map[int]bool{}
		for _, arn := range sortedRuleARNs(c.rules) {
			rec := c.rules[arn]
			if rec.r.IsDefault {
				continue
			}
			prio := rec.r.Priority
			if p, ok := next[arn]; ok {
				prio = p
			}
			if taken[rec.listener] == nil {
				taken[rec.listener] = map[int]bool{}
			}
			if taken[rec.listener][prio] {
				return elb.NewPriorityInUse(prio)
			}
			taken[rec.listener][prio] = true
		}
		for _, p := range in.RulePriorities {
			rec := c.rules[p.RuleARN]
			r := rec.r.Copy()
			r.Priority = p.Priority
			rec.r = r
			out = append(out, r.Copy())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &SetRulePrioritiesOutput{Rules: out}, nil
}

// sortedRuleARNs makes SetRulePriorities report the same conflict on
// every run.
func sortedRuleARNs(rules map[string]*ruleRecord) []string {
	arns := make([]string, 0, len(rules))
	for arn := range rules {
		arns = append(arns, arn)
	}
	slices.Sort(arns)
	return arns
}
