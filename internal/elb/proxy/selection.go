package proxy

import (
	"sync/atomic"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// Selector chooses the target of a new request from a non-empty pool of
// candidates (caddy Selector). It must be fast and safe for concurrent use;
// now is the request time, for policies that ramp (slow start).
type Selector interface {
	Select(pool Pool, now time.Time) *Upstream
}

// RoundRobinSelection hands requests to the candidates in turn
// (round_robin, §4.2). The cursor belongs to the target group's runtime
// state, so the rotation continues across snapshot swaps.
type RoundRobinSelection struct {
	// Cursor counts the picks; it must not be nil.
	Cursor *atomic.Uint64
}

// Select implements Selector.
func (s RoundRobinSelection) Select(pool Pool, _ time.Time) *Upstream {
	if len(pool) == 0 {
		return nil
	}
	n := s.Cursor.Add(1) - 1
	return pool[n%uint64(len(pool))]
}

// LeastOutstandingSelection picks the candidate with the fewest requests in
// flight (least_outstanding_requests, §4.2). The scan starts at a rotating
// offset so ties spread instead of always going to the first target.
type LeastOutstandingSelection struct {
	// Cursor rotates the scan's start; it must not be nil.
	Cursor *atomic.Uint64
}

// Select implements Selector.
func (s LeastOutstandingSelection) Select(pool Pool, _ time.Time) *Upstream {
	n := uint64(len(pool))
	if n == 0 {
		return nil
	}
	start := s.Cursor.Add(1) - 1
	var best *Upstream
	var bestN int64
	for i := range n {
		u := pool[(start+i)%n]
		if o := u.state.outstanding.Load(); best == nil || o < bestN {
			best, bestN = u, o
		}
	}
	return best
}

// RandomSelection picks a candidate uniformly at random (weighted_random,
// §4.2, without the anomaly detection that would lower a failing target's
// weight: all weights are equal locally).
type RandomSelection struct {
	// Rand draws the pick; it must be safe for concurrent use.
	Rand elb.Rand
}

// Select implements Selector.
func (s RandomSelection) Select(pool Pool, _ time.Time) *Upstream {
	if len(pool) == 0 {
		return nil
	}
	return pool[s.Rand.IntN(len(pool))]
}

// SlowStartSelection wraps another policy with the linear slow-start ramp
// of §4.3: a target that became healthy less than Duration ago gets a share
// of requests proportional to the time elapsed since HealthySince. While any
// candidate is ramping, the choice is weighted random (weights in permille,
// full targets 1000); otherwise Next decides.
//
// A target is ramping only while at least one candidate is not: §4.3 says
// new targets slow-start only if a healthy target not in slow start exists,
// and targets registered into an empty group do not slow-start. The data
// plane sees only HealthySince, so it applies that rule per request
// (emulator choice).
type SlowStartSelection struct {
	// Duration is slow_start.duration_seconds; zero disables the ramp.
	Duration time.Duration
	// Rand draws the weighted pick while a target ramps.
	Rand elb.Rand
	// Next chooses when no target ramps.
	Next Selector
}

// Select implements Selector.
func (s SlowStartSelection) Select(pool Pool, now time.Time) *Upstream {
	total, ramping, full := 0, 0, 0
	for _, u := range pool {
		w := slowStartWeight(u.HealthySince, now, s.Duration)
		total += w
		if w < slowStartFull {
			ramping++
		} else {
			full++
		}
	}
	if ramping == 0 || full == 0 {
		return s.Next.Select(pool, now)
	}
	n := s.Rand.IntN(total)
	for _, u := range pool {
		n -= slowStartWeight(u.HealthySince, now, s.Duration)
		if n < 0 {
			return u
		}
	}
	return pool[len(pool)-1] // unreachable for a correct Rand
}

// slowStartFull is the weight of a target out of slow start.
const slowStartFull = 1000

// slowStartWeight returns the share, in permille, of a target healthy since
// since: linear from 0 at since to 1000 at since+d (§4.3). A zero since or a
// zero d means no slow start.
func slowStartWeight(since, now time.Time, d time.Duration) int {
	if d <= 0 || since.IsZero() {
		return slowStartFull
	}
	el := now.Sub(since)
	switch {
	case el >= d:
		return slowStartFull
	case el <= 0:
		return 0
	}
	return int(el * slowStartFull / d)
}

// newSelector builds the policy of a target group from its attributes
// (§4.2, §4.3). Slow start cannot be combined with
// least_outstanding_requests (Validate refuses it); should a snapshot carry
// both anyway, slow start is ignored.
func newSelector(attrs *elb.TargetGroupAttributes, gs *groupState, r elb.Rand) Selector {
	var sel Selector
	switch attrs.Algorithm {
	case elb.AlgorithmLeastOutstandingRequests:
		return LeastOutstandingSelection{Cursor: &gs.cursor}
	case elb.AlgorithmWeightedRandom:
		sel = RandomSelection{Rand: r}
	default:
		sel = RoundRobinSelection{Cursor: &gs.cursor}
	}
	if attrs.SlowStartSeconds > 0 {
		sel = SlowStartSelection{Duration: time.Duration(attrs.SlowStartSeconds) * time.Second, Rand: r, Next: sel}
	}
	return sel
}

// Interface guards.
var (
	_ Selector = RoundRobinSelection{}
	_ Selector = LeastOutstandingSelection{}
	_ Selector = RandomSelection{}
	_ Selector = SlowStartSelection{}
)
