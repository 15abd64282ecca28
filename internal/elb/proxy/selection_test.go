package proxy

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// testPool returns n healthy upstreams with fake addresses and no network
// (caddy testPool).
func testPool(n int) Pool {
	p := make(Pool, n)
	for i := range p {
		p[i] = NewUpstream(elb.TargetSnapshot{
			Key:    elb.TargetKey{ID: fmt.Sprintf("i-%d", i), Port: 8000 + i},
			Addr:   netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), uint16(8000+i)),
			Health: elb.Healthy,
		})
	}
	return p
}

func TestRoundRobinSelection(t *testing.T) {
	t.Parallel()
	pool := testPool(3)
	sel := RoundRobinSelection{Cursor: new(atomic.Uint64)}
	for i := range 9 {
		if got, want := sel.Select(pool, time.Time{}), pool[i%3]; got != want {
			t.Fatalf("pick %d: got %s; want %s", i, got.Key.ID, want.Key.ID)
		}
	}
	if got := sel.Select(nil, time.Time{}); got != nil {
		t.Fatalf("empty pool: got %v; want nil", got)
	}
}

func TestLeastOutstandingSelection(t *testing.T) {
	t.Parallel()
	pool := testPool(3)
	sel := LeastOutstandingSelection{Cursor: new(atomic.Uint64)}
	pool[0].state.outstanding.Store(2)
	pool[1].state.outstanding.Store(1)
	pool[2].state.outstanding.Store(3)
	for i := range 5 {
		if got := sel.Select(pool, time.Time{}); got != pool[1] {
			t.Fatalf("pick %d: got %s; want i-1", i, got.Key.ID)
		}
	}
	// Ties spread over the tied targets.
	for _, u := range pool {
		u.state.outstanding.Store(0)
	}
	seen := map[string]int{}
	for range 6 {
		seen[sel.Select(pool, time.Time{}).Key.ID]++
	}
	for _, u := range pool {
		if seen[u.Key.ID] != 2 {
			t.Fatalf("tie spread: got %v; want 2 each", seen)
		}
	}
}

func TestSlowStartSelection(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := 100 * time.Second
	tests := []struct {
		name    string
		elapsed time.Duration
		want    float64 // share of the new target
	}{
		{"Start", 0, 0},
		{"Quarter", 25 * time.Second, 250.0 / 1250},
		{"Half", 50 * time.Second, 500.0 / 1500},
		{"Done", 100 * time.Second, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := testPool(2)
			pool[0].HealthySince = now.Add(-time.Hour)
			pool[1].HealthySince = now.Add(-tt.elapsed)
			sel := SlowStartSelection{Duration: d, Rand: newRand(7), Next: RoundRobinSelection{Cursor: new(atomic.Uint64)}}
			const n = 4000
			got := 0
			for range n {
				if sel.Select(pool, now) == pool[1] {
					got++
				}
			}
			share := float64(got) / n
			if share < tt.want-0.03 || share > tt.want+0.03 {
				t.Fatalf("share of ramping target: got %.3f; want %.3f±0.03", share, tt.want)
			}
		})
	}
	t.Run("AllRamping", func(t *testing.T) {
		// No target out of slow start: nobody ramps (§4.3), plain policy.
		pool := testPool(2)
		pool[0].HealthySince, pool[1].HealthySince = now, now
		sel := SlowStartSelection{Duration: d, Rand: newRand(7), Next: RoundRobinSelection{Cursor: new(atomic.Uint64)}}
		if a, b := sel.Select(pool, now), sel.Select(pool, now); a == b {
			t.Fatalf("got %s twice; want round robin", a.Key.ID)
		}
	})
}

func TestSlowStartWeight(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	for _, tt := range []struct {
		since time.Time
		d     time.Duration
		want  int
	}{
		{time.Time{}, time.Minute, 1000},
		{now, 0, 1000},
		{now, time.Minute, 0},
		{now.Add(-30 * time.Second), time.Minute, 500},
		{now.Add(-time.Minute), time.Minute, 1000},
		{now.Add(time.Second), time.Minute, 0},
	} {
		if got := slowStartWeight(tt.since, now, tt.d); got != tt.want {
			t.Errorf("slowStartWeight(%v, %v): got %d; want %d", now.Sub(tt.since), tt.d, got, tt.want)
		}
	}
}

func TestCandidates(t *testing.T) {
	t.Parallel()
	mk := func(states ...elb.TargetHealthState) []*Upstream {
		out := make([]*Upstream, len(states))
		for i, s := range states {
			out[i] = NewUpstream(elb.TargetSnapshot{Key: elb.TargetKey{ID: fmt.Sprint(i)}, Health: elb.TargetHealth{State: s}})
		}
		return out
	}
	const (
		h = elb.TargetHealthStateHealthy
		u = elb.TargetHealthStateUnhealthy
		i = elb.TargetHealthStateInitial
		d = elb.TargetHealthStateDraining
	)
	tests := []struct {
		name     string
		states   []elb.TargetHealthState
		minCount int
		minPct   int
		want     int
		open     bool
	}{
		{"HealthyOnly", []elb.TargetHealthState{h, u, i, d}, 1, 0, 1, false},
		{"FailOpenOverUnhealthy", []elb.TargetHealthState{u, u, i, d}, 1, 0, 2, true},
		{"NothingRoutable", []elb.TargetHealthState{i, d}, 1, 0, 0, true},
		{"MinCountTwo", []elb.TargetHealthState{h, u, u}, 2, 0, 3, true},
		{"MinPercent", []elb.TargetHealthState{h, u, u, u}, 1, 50, 4, true},
		{"MinPercentMet", []elb.TargetHealthState{h, h, u, u}, 1, 50, 2, false},
		{"ZeroCountMeansOne", []elb.TargetHealthState{u}, 0, 0, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := elb.DefaultTargetGroupAttributes()
			attrs.UnhealthyRoutingMinCount, attrs.UnhealthyRoutingMinPercentage = tt.minCount, tt.minPct
			pool, open := candidates(mk(tt.states...), &attrs)
			if len(pool) != tt.want || open != tt.open {
				t.Fatalf("got %d candidates, open=%v; want %d, open=%v", len(pool), open, tt.want, tt.open)
			}
		})
	}
}

func BenchmarkRoundRobinSelection(b *testing.B) {
	pool := testPool(10)
	sel := RoundRobinSelection{Cursor: new(atomic.Uint64)}
	b.ReportAllocs()
	for b.Loop() {
		_ = sel.Select(pool, time.Time{})
	}
}

func BenchmarkLeastOutstandingSelection(b *testing.B) {
	pool := testPool(10)
	sel := LeastOutstandingSelection{Cursor: new(atomic.Uint64)}
	b.ReportAllocs()
	for b.Loop() {
		_ = sel.Select(pool, time.Time{})
	}
}

func BenchmarkSlowStartSelection(b *testing.B) {
	now := time.Now()
	pool := testPool(10)
	pool[3].HealthySince = now.Add(-10 * time.Second)
	sel := SlowStartSelection{Duration: time.Minute, Rand: newRand(1), Next: RoundRobinSelection{Cursor: new(atomic.Uint64)}}
	b.ReportAllocs()
	for b.Loop() {
		_ = sel.Select(pool, now)
	}
}
