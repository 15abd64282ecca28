package proxy

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// targetID keys the runtime state of one target: the same instance and port
// registered in two target groups are two targets with separate counters.
type targetID struct {
	group string
	key   elb.TargetKey
}

// targetState is the runtime state of one target that must survive a
// snapshot swap (STYLE §6.7, caddy Host): the outstanding request count that
// least_outstanding_requests reads, and the requests in flight, which are cut
// when the target's deregistration delay ends (§4.4). The Proxy keeps one per
// targetID across snapshots; values must not be copied.
type targetState struct {
	// outstanding counts requests sent to the target and not yet finished.
	outstanding atomic.Int64

	mu       sync.Mutex
	inflight map[*inflight]struct{}
}

// inflight is one request running to a target; cutting it calls cancel
// (StdEngine) or fast.cut (FastEngine, whose per-request state is pooled
// and embeds its inflight, so registering costs no allocation).
type inflight struct {
	cancel context.CancelCauseFunc
	fast   *fastForward
	state  *targetState
}

// begin registers a request to the target and returns the function that
// ends it. The request counts as outstanding until then.
func (s *targetState) begin(cancel context.CancelCauseFunc) func() {
	f := &inflight{cancel: cancel}
	s.beginFlight(f)
	return f.end
}

// beginFlight registers f as in flight to the target until f.end.
func (s *targetState) beginFlight(f *inflight) {
	s.outstanding.Add(1)
	f.state = s
	s.mu.Lock()
	if s.inflight == nil {
		s.inflight = make(map[*inflight]struct{})
	}
	s.inflight[f] = struct{}{}
	s.mu.Unlock()
}

// end ends a registration made by beginFlight.
func (f *inflight) end() {
	s := f.state
	s.mu.Lock()
	delete(s.inflight, f)
	s.mu.Unlock()
	s.outstanding.Add(-1)
}

// cut cancels the request with cause.
func (f *inflight) cut(cause error) {
	if f.fast != nil {
		f.fast.cut(cause)
		return
	}
	f.cancel(cause)
}

// cut cancels every request in flight to the target with cause and returns
// how many there were.
func (s *targetState) cut(cause error) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for f := range s.inflight {
		f.cut(cause)
	}
	return len(s.inflight)
}

// groupState is the runtime state of one target group that must survive a
// snapshot swap: the round-robin cursor.
type groupState struct {
	cursor atomic.Uint64
}

// Upstream is one registered target as the data plane routes to it: the
// configuration copied from the snapshot plus a pointer to its runtime
// state. Upstreams are built at Publish and never modified afterwards.
type Upstream struct {
	// Key identifies the target in its group.
	Key elb.TargetKey
	// Addr is where requests to the target go.
	Addr netip.AddrPort
	// Health is the target's health in the snapshot.
	Health elb.TargetHealth
	// HealthySince starts the slow-start ramp (§4.3); zero if unknown.
	HealthySince time.Time
	// DrainDeadline is when requests in flight to a draining target are cut.
	DrainDeadline time.Time

	state *targetState
}

// NewUpstream returns an Upstream for t with fresh runtime state, for
// selection tests and benchmarks that need no Proxy.
func NewUpstream(t elb.TargetSnapshot) *Upstream {
	return newUpstream(t, &targetState{})
}

func newUpstream(t elb.TargetSnapshot, s *targetState) *Upstream {
	return &Upstream{
		Key:           t.Key,
		Addr:          t.Addr,
		Health:        t.Health,
		HealthySince:  t.HealthySince,
		DrainDeadline: t.DrainDeadline,
		state:         s,
	}
}

// Outstanding returns the number of requests in flight to the target.
func (u *Upstream) Outstanding() int64 { return u.state.outstanding.Load() }

// Pool is the set of targets a Selector chooses from. The proxy passes only
// targets that may receive a new request: the routable ones, or the
// fail-open ones when the group fails open (§2.1).
type Pool []*Upstream

// candidates returns the targets of a group that may receive new requests
// and whether the group is failing open (§2.1):
//
//   - normally, the healthy targets (TargetSnapshot.Routable);
//   - when fewer targets are healthy than
//     target_group_health.unhealthy_state_routing.minimum_healthy_targets.count
//     (default 1, so "no healthy target") or, if set, than its percentage of
//     the healthy and unhealthy targets, every healthy and unhealthy target
//     (TargetSnapshot.FailOpenRoutable).
//
// initial, draining, unused and unavailable targets are never candidates:
// whether fail-open includes initial targets is unconfirmed and the spec
// chooses not to.
func candidates(all []*Upstream, attrs *elb.TargetGroupAttributes) (Pool, bool) {
	healthy, failOpen := 0, 0
	for _, u := range all {
		t := elb.TargetSnapshot{Health: u.Health}
		if t.Routable() {
			healthy++
		}
		if t.FailOpenRoutable() {
			failOpen++
		}
	}
	minCount := max(attrs.UnhealthyRoutingMinCount, 1)
	open := healthy < minCount
	if pct := attrs.UnhealthyRoutingMinPercentage; pct > 0 && failOpen > 0 && healthy*100 < pct*failOpen {
		open = true
	}
	pool := make(Pool, 0, len(all))
	for _, u := range all {
		t := elb.TargetSnapshot{Health: u.Health}
		if t.Routable() || open && t.FailOpenRoutable() {
			pool = append(pool, u)
		}
	}
	return pool, open
}
