package control

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// stateVersion is the version of the document Control saves. A document
// of another version is refused by Open rather than half-read; a future
// change to the format bumps it and teaches restore the old one.
const stateVersion = 1

// stateDoc is the durable state: everything a Describe* call returns, so
// that a restarted ecslocal answers them exactly as before (same ARNs, IDs,
// names, settings, creation order), plus the registered targets.
//
// Not in it, by design: target health (a restored target starts over as
// on a fresh registration: initial, or unused when its group is not in
// use; the checks that made it healthy happened in another process),
// targets that were draining (their deregistration is taken as complete:
// the connections they were draining are gone with the old process), and
// what the health Reporter learned (healthy-since for slow start, drain
// deadlines). The load balancer address comes from Options.LBAddr.
//
// The domain types are stored with their own JSON members (the ELBv2
// names); attributes, which those types leave out of JSON, are stored as
// the Key/Value list Describe*Attributes returns and applied over the
// defaults on load, so an attribute added later gets its default.
type stateDoc struct {
	Version int `json:"version"`
	// Seq is the last creation sequence number handed out.
	Seq           uint64                       `json:"seq"`
	LoadBalancers []lbState                    `json:"loadBalancers"`
	TargetGroups  []tgState                    `json:"targetGroups"`
	Listeners     []listenerState              `json:"listeners"`
	Rules         []ruleState                  `json:"rules"`
	Tags          map[string]map[string]string `json:"tags"`
}

type lbState struct {
	Seq          uint64            `json:"seq"`
	ID           string            `json:"id"`
	LoadBalancer *elb.LoadBalancer `json:"loadBalancer"`
	Attributes   []elb.Attribute   `json:"attributes"`
}

type tgState struct {
	Seq         uint64           `json:"seq"`
	TargetGroup *elb.TargetGroup `json:"targetGroup"`
	Attributes  []elb.Attribute  `json:"attributes"`
	// TargetSeq is the last registration sequence number of the group.
	TargetSeq uint64        `json:"targetSeq"`
	Targets   []targetState `json:"targets"`
}

// targetState is one registered target with the address it was resolved
// to at registration (kept, like in memory, so a restored group serves
// without asking the Resolver again).
type targetState struct {
	Seq    uint64                `json:"seq"`
	Target elb.TargetDescription `json:"target"`
	Addr   netip.Addr            `json:"addr"`
}

type listenerState struct {
	Seq            uint64        `json:"seq"`
	ID             string        `json:"id"`
	Listener       *elb.Listener `json:"listener"`
	DefaultRuleARN string        `json:"defaultRuleArn"`
}

type ruleState struct {
	Seq         uint64    `json:"seq"`
	ListenerARN string    `json:"listenerArn"`
	Rule        *elb.Rule `json:"rule"`
}

// pendingSave is a document waiting to be saved, numbered so that an
// older document never overwrites a newer one.
type pendingSave struct {
	n    uint64
	data []byte
}

// captureLocked encodes the current state for the Store, or returns nil
// when there is no Store. mu must be held: the records are read here and
// only here (encoding takes microseconds for a local-sized state, and it
// keeps the document consistent with the change just made).
func (c *Control) captureLocked() *pendingSave {
	if c.store == nil {
		return nil
	}
	doc := stateDoc{
		Version:       stateVersion,
		Seq:           c.seq,
		LoadBalancers: []lbState{},
		TargetGroups:  []tgState{},
		Listeners:     []listenerState{},
		Rules:         []ruleState{},
		Tags:          map[string]map[string]string{},
	}
	for _, r := range sortedBySeq(c.lbs, func(r *lbRecord) uint64 { return r.seq }) {
		doc.LoadBalancers = append(doc.LoadBalancers, lbState{Seq: r.seq, ID: r.id, LoadBalancer: r.lb, Attributes: r.lb.Attributes.List()})
	}
	for _, r := range sortedBySeq(c.tgs, func(r *tgRecord) uint64 { return r.seq }) {
		ts := tgState{Seq: r.seq, TargetGroup: r.tg, Attributes: r.tg.Attributes.List(), TargetSeq: r.targetSeq, Targets: []targetState{}}
		for _, t := range sortedBySeq(r.targets, func(t *targetRecord) uint64 { return t.seq }) {
			if t.deregistered {
				continue // draining: gone after a restart (see stateDoc)
			}
			ts.Targets = append(ts.Targets, targetState{Seq: t.seq, Target: t.desc, Addr: t.addr})
		}
		doc.TargetGroups = append(doc.TargetGroups, ts)
	}
	for _, r := range sortedBySeq(c.listeners, func(r *listenerRecord) uint64 { return r.seq }) {
		doc.Listeners = append(doc.Listeners, listenerState{Seq: r.seq, ID: r.id, Listener: r.l, DefaultRuleARN: r.defaultRule})
	}
	for _, r := range sortedBySeq(c.rules, func(r *ruleRecord) uint64 { return r.seq }) {
		doc.Rules = append(doc.Rules, ruleState{Seq: r.seq, ListenerARN: r.listener, Rule: r.r})
	}
	for arn, tags := range c.tags {
		if len(tags) > 0 {
			doc.Tags[arn] = tags
		}
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		// Cannot happen with these types; the change stays in memory.
		c.log.Error("encode elb state", "err", err)
		return nil
	}
	c.saveSeq++
	return &pendingSave{n: c.saveSeq, data: data}
}

func sortedBySeq[K comparable, V any](m map[K]V, seq func(V) uint64) []V {
	vs := slices.Collect(maps.Values(m))
	slices.SortFunc(vs, func(a, b V) int { return cmp.Compare(seq(a), seq(b)) })
	return vs
}

// save hands a captured document to the Store unless a newer one was
// saved already. A failure is logged and the operation that made the
// change still succeeds: the change is applied in memory and published to
// the data plane, so reporting it as failed would be a lie (ELBv2 never
// half-applies a call). The next successful Save, each of which writes the
// whole state, catches up; Close retries the last failed document.
// saveMu is taken with mu released (pubMu may be held).
func (c *Control) save(p *pendingSave) {
	if p == nil {
		return
	}
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	if p.n <= c.savedSeq {
		return
	}
	c.savedSeq = p.n
	if err := c.store.Save(p.data); err != nil {
		c.unsaved = p.data
		c.log.Error("save elb state: the change is applied but will not survive a restart", "store", storeName(c.store), "err", err)
		return
	}
	c.unsaved = nil
}

// flush retries the last document whose Save failed, for Close.
func (c *Control) flush() error {
	if c.store == nil {
		return nil
	}
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	if c.unsaved == nil {
		return nil
	}
	if err := c.store.Save(c.unsaved); err != nil {
		return fmt.Errorf("save elb state %s: %w", storeName(c.store), err)
	}
	c.unsaved = nil
	return nil
}

// restoreLocked rebuilds every record from a saved document: the same
// ARNs, IDs and creation order; each target group's checker is started
// and its targets registered afresh. The document is checked for the
// references between records (a listener's load balancer, a rule's
// listener, an action's target group, a tag's resource) and every record
// is validated as a new one would be, so a damaged or hand-edited file is
// refused rather than served half. mu must be held; on error the caller
// closes the Control (checkers may have been started).
func (c *Control) restoreLocked(data []byte) error {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if head.Version == nil {
		return errors.New("decode: no version member")
	}
	if *head.Version != stateVersion {
		return fmt.Errorf("state version %d is not supported (this ecslocal reads version %d)", *head.Version, stateVersion)
	}
	var doc stateDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	maxSeq := doc.Seq
	seen := func(seq uint64) { maxSeq = max(maxSeq, seq) }

	for i, s := range doc.LoadBalancers {
		lb := s.LoadBalancer
		if lb == nil || lb.LoadBalancerARN == "" || s.ID == "" {
			return fmt.Errorf("load balancer %d: incomplete record", i)
		}
		if _, dup := c.lbs[lb.LoadBalancerARN]; dup {
			return fmt.Errorf("load balancer %s: listed twice", lb.LoadBalancerARN)
		}
		attrs, err := elb.DefaultLoadBalancerAttributes().Apply(s.Attributes)
		if err != nil {
			return fmt.Errorf("load balancer %s: attributes: %w", lb.LoadBalancerARN, err)
		}
		lb.Attributes = attrs
		if err := lb.Validate(); err != nil {
			return fmt.Errorf("load balancer %s: %w", lb.LoadBalancerARN, err)
		}
		c.lbs[lb.LoadBalancerARN] = &lbRecord{lb: lb, id: s.ID, seq: s.Seq}
		seen(s.Seq)
	}

	for i, s := range doc.TargetGroups {
		tg := s.TargetGroup
		if tg == nil || tg.TargetGroupARN == "" {
			return fmt.Errorf("target group %d: incomplete record", i)
		}
		if _, dup := c.tgs[tg.TargetGroupARN]; dup {
			return fmt.Errorf("target group %s: listed twice", tg.TargetGroupARN)
		}
		attrs, err := elb.DefaultTargetGroupAttributes().Apply(s.Attributes)
		if err != nil {
			return fmt.Errorf("target group %s: attributes: %w", tg.TargetGroupARN, err)
		}
		tg.Attributes = attrs
		// Derived from the listeners and rules by recomputeUsageLocked.
		tg.LoadBalancerARNs = []string{}
		if err := tg.Validate(); err != nil {
			return fmt.Errorf("target group %s: %w", tg.TargetGroupARN, err)
		}
		targets := map[elb.TargetKey]*targetRecord{}
		for _, t := range s.Targets {
			if t.Target.ID == "" || t.Target.Port < 1 || t.Target.Port > 65535 || !t.Addr.IsValid() {
				return fmt.Errorf("target group %s: target %s: incomplete record", tg.TargetGroupARN, t.Target)
			}
			if _, dup := targets[t.Target.Key()]; dup {
				return fmt.Errorf("target group %s: target %s listed twice", tg.TargetGroupARN, t.Target)
			}
			targets[t.Target.Key()] = &targetRecord{desc: t.Target, addr: t.Addr, seq: t.Seq}
			s.TargetSeq = max(s.TargetSeq, t.Seq)
		}
		rec, err := c.startTargetGroupLocked(tg)
		if err != nil {
			return fmt.Errorf("target group %s: %w", tg.TargetGroupARN, err)
		}
		rec.seq, rec.targets, rec.targetSeq, rec.registered = s.Seq, targets, s.TargetSeq, len(targets)
		c.tgs[tg.TargetGroupARN] = rec
		seen(s.Seq)
	}

	for i, s := range doc.Listeners {
		l := s.Listener
		if l == nil || l.ListenerARN == "" || s.ID == "" || s.DefaultRuleARN == "" {
			return fmt.Errorf("listener %d: incomplete record", i)
		}
		if _, dup := c.listeners[l.ListenerARN]; dup {
			return fmt.Errorf("listener %s: listed twice", l.ListenerARN)
		}
		if _, ok := c.lbs[l.LoadBalancerARN]; !ok {
			return fmt.Errorf("listener %s: load balancer %s not in the state", l.ListenerARN, l.LoadBalancerARN)
		}
		if err := l.Validate(); err != nil {
			return fmt.Errorf("listener %s: %w", l.ListenerARN, err)
		}
		if err := c.checkRestoredTargetsLocked(l.DefaultActions); err != nil {
			return fmt.Errorf("listener %s: %w", l.ListenerARN, err)
		}
		c.listeners[l.ListenerARN] = &listenerRecord{l: l, id: s.ID, seq: s.Seq, defaultRule: s.DefaultRuleARN}
		seen(s.Seq)
	}

	for i, s := range doc.Rules {
		r := s.Rule
		if r == nil || r.RuleARN == "" {
			return fmt.Errorf("rule %d: incomplete record", i)
		}
		if _, dup := c.rules[r.RuleARN]; dup {
			return fmt.Errorf("rule %s: listed twice", r.RuleARN)
		}
		lrec, ok := c.listeners[s.ListenerARN]
		if !ok {
			return fmt.Errorf("rule %s: listener %s not in the state", r.RuleARN, s.ListenerARN)
		}
		if r.IsDefault {
			if lrec.defaultRule != r.RuleARN {
				return fmt.Errorf("rule %s: a default rule that is not its listener's", r.RuleARN)
			}
			// The default rule mirrors the listener's default actions;
			// rebuilding it keeps the two from disagreeing.
			r = lrec.l.DefaultRule(r.RuleARN)
		} else {
			if err := lrec.l.ValidateRule(r); err != nil {
				return fmt.Errorf("rule %s: %w", r.RuleARN, err)
			}
			if err := c.checkRestoredTargetsLocked(r.Actions); err != nil {
				return fmt.Errorf("rule %s: %w", r.RuleARN, err)
			}
		}
		c.rules[r.RuleARN] = &ruleRecord{r: r, listener: s.ListenerARN, seq: s.Seq}
		seen(s.Seq)
	}
	for arn, l := range c.listeners {
		if dr, ok := c.rules[l.defaultRule]; !ok || !dr.r.IsDefault {
			return fmt.Errorf("listener %s: default rule %s not in the state", arn, l.defaultRule)
		}
	}

	for arn, tags := range doc.Tags {
		if err := c.resourceExistsLocked(arn); err != nil {
			return fmt.Errorf("tags of %s: resource not in the state", arn)
		}
		if len(tags) > 0 {
			c.tags[arn] = tags
		}
	}
	c.seq = maxSeq

	// Tell each checker whether its group is in use before registering
	// the targets, so that they start where a fresh registration would:
	// initial/Elb.RegistrationInProgress, or unused/Target.NotInUse.
	c.recomputeUsageLocked()
	for arn, r := range c.tgs {
		if len(r.targets) == 0 {
			continue
		}
		targets := make([]elb.TargetDescription, 0, len(r.targets))
		for _, t := range sortedBySeq(r.targets, func(t *targetRecord) uint64 { return t.seq }) {
			targets = append(targets, t.desc)
		}
		if err := r.checker.Register(targets...); err != nil {
			return fmt.Errorf("target group %s: register targets: %w", arn, err)
		}
	}
	return nil
}

// checkRestoredTargetsLocked checks that every target group the actions
// forward to is in the state. mu must be held.
func (c *Control) checkRestoredTargetsLocked(actions []elb.Action) error {
	for i := range actions {
		for _, arn := range actions[i].TargetGroupARNs() {
			if _, ok := c.tgs[arn]; !ok {
				return fmt.Errorf("action forwards to target group %s, not in the state", arn)
			}
		}
	}
	return nil
}
