package elb

import (
	"errors"
	"slices"
)

// Rule priorities (§3.2).
const (
	MinRulePriority = 1
	MaxRulePriority = 50000
)

// Rule is a listener rule. The default rule of a listener has IsDefault set,
// Priority 0 (the API shows "default") and no conditions; it always matches
// and is evaluated last (§3.1).
//
// Compile must be called before Match is used on the hot path; after Compile
// the rule must not be modified (Copy it, change the copy, compile that),
// since the compiled matchers are read concurrently and are not rebuilt.
type Rule struct {
	RuleARN string `json:"RuleArn,omitempty"`
	// Priority is 1-50000 for a non-default rule, 0 for the default rule.
	Priority   int             `json:"Priority"`
	IsDefault  bool            `json:"IsDefault"`
	Conditions []RuleCondition `json:"Conditions"`
	Actions    []Action        `json:"Actions"`

	// matchers holds one compiled matcher per condition, set by Compile.
	matchers []condMatcher
	compiled bool
}

// Canonicalize canonicalizes every condition and action.
func (r *Rule) Canonicalize() {
	if r.Conditions == nil {
		r.Conditions = []RuleCondition{}
	}
	for i := range r.Conditions {
		r.Conditions[i].Canonicalize()
	}
	for i := range r.Actions {
		r.Actions[i].Canonicalize()
	}
}

// Copy returns a deep copy that is not compiled: the caller is likely to
// change the copy's conditions, and matchers compiled from the original would
// then silently disagree with them. Compile the copy when it is final.
func (r *Rule) Copy() *Rule {
	if r == nil {
		return nil
	}
	c := *r
	c.matchers, c.compiled = nil, false
	c.Conditions = make([]RuleCondition, len(r.Conditions))
	for i, cond := range r.Conditions {
		c.Conditions[i] = cond.Copy()
	}
	c.Actions = make([]Action, len(r.Actions))
	for i, a := range r.Actions {
		c.Actions[i] = a.Copy()
	}
	return &c
}

// Validate reports every problem of a canonical rule that does not depend on
// its listener; Listener.ValidateRule adds the protocol-dependent checks.
func (r *Rule) Validate() error {
	return errors.Join(r.validateConditions(), ValidateActions(r.Actions, ""))
}

// validateConditions checks the priority, each condition, and the per-rule
// quotas of §3.3. Quota messages follow the "can only have '5'" form seen in
// ELBv2 errors; the exact texts are unconfirmed.
func (r *Rule) validateConditions() error {
	var errs []error
	if r.IsDefault {
		if len(r.Conditions) > 0 {
			errs = append(errs, NewOperationNotPermitted("The default rule cannot have conditions"))
		}
		return errors.Join(errs...)
	}
	errs = checkRange(errs, "priority", r.Priority, MinRulePriority, MaxRulePriority)
	if len(r.Conditions) == 0 {
		errs = append(errs, NewValidationError("A rule must have at least one condition"))
	}
	counts := map[ConditionField]int{}
	values, wildcards := 0, 0
	for i := range r.Conditions {
		c := &r.Conditions[i]
		errs = c.validate(errs)
		counts[c.Field]++
		values += c.valueCount()
		wildcards += c.wildcardCount()
	}
	// §3.3: at most one each of these; http-header and query-string repeat.
	for _, f := range []ConditionField{FieldHostHeader, FieldHTTPRequestMethod, FieldPathPattern, FieldSourceIP} {
		if counts[f] > 1 {
			errs = append(errs, NewValidationError("A rule can only have one '%s' condition", f))
		}
	}
	if values > maxValuesPerRule {
		errs = append(errs, NewValidationError("A rule can only have '%d' condition values", maxValuesPerRule))
	}
	if wildcards > maxWildcardsPerRule {
		errs = append(errs, NewValidationError("A rule can only have '%d' wildcards", maxWildcardsPerRule))
	}
	return errors.Join(errs...)
}

// Compile builds the matchers of every condition so that Match allocates
// nothing. It expects a valid rule and reports conditions that cannot be
// compiled. Compiling again is harmless.
func (r *Rule) Compile() error {
	matchers, err := compileConditions(r.Conditions)
	if err != nil {
		return err
	}
	r.matchers, r.compiled = matchers, true
	return nil
}

func compileConditions(conds []RuleCondition) ([]condMatcher, error) {
	out := make([]condMatcher, 0, len(conds))
	var errs []error
	for i := range conds {
		m, err := conds[i].compile()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, m)
	}
	return out, errors.Join(errs...)
}

// Match reports whether req satisfies every condition of the rule (AND
// across conditions, OR across the values of one condition, §3.2). The
// default rule matches everything. On a rule that was never compiled Match
// still answers correctly but compiles on each call (and allocates); a
// condition that does not compile never matches.
func (r *Rule) Match(req *RequestInfo) bool {
	if r.IsDefault {
		return true
	}
	matchers := r.matchers
	if !r.compiled {
		var err error
		if matchers, err = compileConditions(r.Conditions); err != nil {
			return false
		}
	}
	for i := range matchers {
		if !matchers[i].match(req) {
			return false
		}
	}
	return true
}

// RuleSet is the compiled, ordered rule list of one listener: non-default
// rules by ascending priority, then the default rule (§3.2). It is immutable
// and safe for concurrent use, meant to be published to the proxy inside an
// atomic snapshot.
type RuleSet struct {
	rules []*Rule
}

// NewRuleSet copies and compiles rules and orders them for evaluation. It
// reports PriorityInUse for two rules with the same priority and a
// ValidationError unless exactly one rule is the default; every problem is
// reported. It does not re-run Validate, which control does on each change.
func NewRuleSet(rules []*Rule) (*RuleSet, error) {
	var errs []error
	s := &RuleSet{rules: make([]*Rule, 0, len(rules))}
	defaults := 0
	seen := map[int]bool{}
	for _, r := range rules {
		c := r.Copy()
		if err := c.Compile(); err != nil {
			errs = append(errs, err)
		}
		if c.IsDefault {
			defaults++
		} else {
			if seen[c.Priority] {
				errs = append(errs, NewPriorityInUse(c.Priority))
			}
			seen[c.Priority] = true
		}
		s.rules = append(s.rules, c)
	}
	if defaults != 1 {
		errs = append(errs, NewValidationError("A listener must have exactly one default rule, found %d", defaults))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortStableFunc(s.rules, func(a, b *Rule) int {
		switch {
		case a.IsDefault:
			return 1
		case b.IsDefault:
			return -1
		}
		return a.Priority - b.Priority
	})
	return s, nil
}

// Match returns the first rule, in evaluation order, that req satisfies; the
// default rule when no other does. The returned rule is shared and must not
// be modified.
func (s *RuleSet) Match(req *RequestInfo) *Rule {
	for _, r := range s.rules {
		if r.Match(req) {
			return r
		}
	}
	return nil // unreachable: NewRuleSet guarantees a default rule
}

// Rules returns the rules in evaluation order. The slice is shared and must
// not be modified.
func (s *RuleSet) Rules() []*Rule {
	return s.rules
}
