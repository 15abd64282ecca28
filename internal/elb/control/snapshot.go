package control

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// buildSnapshotLocked builds the next immutable routing snapshot from the
// stored configuration, the checkers' health snapshots and what the
// Reporter recorded. Everything in it is a copy: nothing the data plane
// reads is ever written again (elb.Snapshot's contract). mu must be held;
// it takes healthMu.
func (c *Control) buildSnapshotLocked() *elb.Snapshot {
	c.version++
	snap := &elb.Snapshot{
		Version:      c.version,
		Listeners:    []*elb.ListenerSnapshot{},
		TargetGroups: make(map[string]*elb.TargetGroupSnapshot, len(c.tgs)),
	}

	listeners := make([]*listenerRecord, 0, len(c.listeners))
	for _, l := range c.listeners {
		listeners = append(listeners, l)
	}
	slices.SortFunc(listeners, func(a, b *listenerRecord) int { return cmp.Compare(a.seq, b.seq) })
	for _, l := range listeners {
		lb := c.lbs[l.l.LoadBalancerARN]
		recs := c.listenerRulesLocked(l.l.ListenerARN)
		rules := make([]*elb.Rule, len(recs))
		for i, r := range recs {
			rules[i] = r.r
		}
		// NewRuleSet copies and compiles the rules. Control validated
		// each rule when it was stored, so an error here is a bug; the
		// listener is left out rather than served with a partial rule set.
		rs, err := elb.NewRuleSet(rules)
		if err != nil {
			c.log.Error("compile listener rules", "listener", l.l.ListenerARN, "err", err)
			continue
		}
		snap.Listeners = append(snap.Listeners, &elb.ListenerSnapshot{
			Listener:     l.l.Copy(),
			LoadBalancer: lb.lb.Copy(),
			Addr:         c.lbAddr,
			Rules:        rs,
		})
	}

	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	for arn, tg := range c.tgs {
		rt := c.runtime[arn]
		type row struct {
			seq uint64
			ts  elb.TargetSnapshot
		}
		var rows []row
		present := map[elb.TargetKey]bool{}
		for _, st := range tg.checker.Snapshot().Targets() {
			key := st.Target.Key()
			rec, ok := tg.targets[key]
			if !ok {
				continue // cannot happen: registration goes through Control
			}
			present[key] = true
			ts := elb.TargetSnapshot{
				Key:    key,
				Addr:   netip.AddrPortFrom(rec.addr, uint16(key.Port)),
				Health: st.Health,
			}
			if rt != nil {
				if st.Health.State == elb.TargetHealthStateHealthy {
					ts.HealthySince = rt.healthySince[key]
				}
				if st.Health.State == elb.TargetHealthStateDraining {
					ts.DrainDeadline = rt.drainDeadline[key]
				}
			}
			rows = append(rows, row{rec.seq, ts})
		}
		// The checker removed these after their deregistration delay.
		for key, rec := range tg.targets {
			if rec.deregistered && !present[key] {
				delete(tg.targets, key)
			}
		}
		slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.seq, b.seq) })
		targets := make([]elb.TargetSnapshot, len(rows))
		for i, r := range rows {
			targets[i] = r.ts
		}
		snap.TargetGroups[arn] = &elb.TargetGroupSnapshot{TargetGroup: tg.tg.Copy(), Targets: targets}
	}
	return snap
}
