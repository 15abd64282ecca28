package control

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/health"
)

// inUse returns a harness with load balancer "demo", target group "api"
// (interval 6 s, thresholds 2/2) and a listener on port 80 forwarding to
// it, so that api's targets are checked.
func inUse(t *testing.T, modify ...func(*Options)) (*harness, *elb.TargetGroup) {
	t.Helper()
	h := newHarness(t, modify...)
	lb := h.lb(t, "demo")
	tg := h.tg(t, "api")
	h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
	return h, tg
}

func (h *harness) register(t *testing.T, tgARN string, targets ...elb.TargetDescription) {
	t.Helper()
	must[*RegisterTargetsOutput](t)(h.RegisterTargets(ctx, &RegisterTargetsInput{TargetGroupARN: tgARN, Targets: targets}))
}

// healthOf returns the DescribeTargetHealth state of one target.
func (h *harness) healthOf(t *testing.T, tgARN string, target elb.TargetDescription) elb.TargetHealth {
	t.Helper()
	out := must[*DescribeTargetHealthOutput](t)(h.DescribeTargetHealth(ctx, &DescribeTargetHealthInput{TargetGroupARN: tgARN, Targets: []elb.TargetDescription{target}}))
	return out.TargetHealthDescriptions[0].TargetHealth
}

// waitState polls DescribeTargetHealth until the target is in state.
func (h *harness) waitState(t *testing.T, tgARN string, target elb.TargetDescription, state elb.TargetHealthState) {
	t.Helper()
	waitFor(t, string(state)+" "+target.String(), func() bool { return h.healthOf(t, tgARN, target).State == state })
}

// waitSnapshot polls the last published snapshot until cond holds for it.
func (h *harness) waitSnapshot(t *testing.T, what string, cond func(*elb.Snapshot) bool) *elb.Snapshot {
	t.Helper()
	var s *elb.Snapshot
	waitFor(t, "published snapshot with "+what, func() bool { s = h.pub.last(); return s != nil && cond(s) })
	return s
}

// step advances the fake clock by d and waits until the prober has been
// called for id, so that each interval yields exactly one check.
func (h *harness) step(t *testing.T, d time.Duration, id string) {
	t.Helper()
	h.prober.mu.Lock()
	before := h.prober.calls[id]
	h.prober.mu.Unlock()
	h.clock.Advance(d)
	waitFor(t, "a health check of "+id, func() bool {
		h.prober.mu.Lock()
		defer h.prober.mu.Unlock()
		return h.prober.calls[id] > before
	})
}

var (
	t1 = elb.TargetDescription{ID: "i-1", Port: 32768}
	t2 = elb.TargetDescription{ID: "i-2", Port: 32769}
)

func TestRegisterTargets(t *testing.T) {
	t.Parallel()
	t.Run("HealthyAndPublishedWithResolvedAddresses", func(t *testing.T) {
		h, tg := inUse(t)
		h.register(t, tg.TargetGroupARN, t2, t1, elb.TargetDescription{ID: "i-3"})
		t3 := elb.TargetDescription{ID: "i-3", Port: 80}
		for _, target := range []elb.TargetDescription{t1, t2, t3} {
			h.waitState(t, tg.TargetGroupARN, target, elb.TargetHealthStateHealthy)
		}
		rows := h.health(t, tg.TargetGroupARN)
		if len(rows) != 3 || rows[0].Target != t1 || rows[0].HealthCheckPort != "32768" || rows[2].Target != t3 || rows[2].HealthCheckPort != "80" {
			t.Errorf("DescribeTargetHealth = %+v", rows)
		}
		s := h.waitSnapshot(t, "three healthy targets", func(s *elb.Snapshot) bool {
			ts := s.TargetGroups[tg.TargetGroupARN].Targets
			return len(ts) == 3 && ts[0].Routable() && ts[1].Routable() && ts[2].Routable()
		})
		ts := s.TargetGroups[tg.TargetGroupARN].Targets
		// Registration order, addresses from the Resolver (i-N → 10.0.0.N).
		want := []netip.AddrPort{
			netip.MustParseAddrPort("10.0.0.2:32769"),
			netip.MustParseAddrPort("10.0.0.1:32768"),
			netip.MustParseAddrPort("10.0.0.3:80"),
		}
		for i, w := range want {
			if ts[i].Addr != w {
				t.Errorf("target %d addr = %s; want %s", i, ts[i].Addr, w)
			}
			if !ts[i].HealthySince.Equal(t0) {
				t.Errorf("target %d HealthySince = %s; want %s", i, ts[i].HealthySince, t0)
			}
		}
	})
	t.Run("NotInUseUntilAListenerForwards", func(t *testing.T) {
		h := newHarness(t)
		tg := h.tg(t, "api")
		h.register(t, tg.TargetGroupARN, t1)
		if got := h.healthOf(t, tg.TargetGroupARN, t1); got != elb.HealthFor(elb.TargetHealthReasonNotInUse) {
			t.Fatalf("health = %+v; want unused/Target.NotInUse", got)
		}
		lb := h.lb(t, "demo")
		h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
		h.waitState(t, tg.TargetGroupARN, t1, elb.TargetHealthStateHealthy)
	})
	t.Run("IPTargets", func(t *testing.T) {
		h := newHarness(t)
		out := must[*CreateTargetGroupOutput](t)(h.CreateTargetGroup(ctx, &CreateTargetGroupInput{Name: "ips", Protocol: elb.ProtocolHTTP, Port: 8080, TargetType: elb.TargetTypeIP}))
		tg := out.TargetGroups[0]
		h.register(t, tg.TargetGroupARN, elb.TargetDescription{ID: "192.0.2.7"})
		s := h.pub.last()
		if ts := s.TargetGroups[tg.TargetGroupARN].Targets; len(ts) != 1 || ts[0].Addr != netip.MustParseAddrPort("192.0.2.7:8080") {
			t.Errorf("targets = %+v; want 192.0.2.7:8080", ts)
		}
		_, err := h.RegisterTargets(ctx, &RegisterTargetsInput{TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{{ID: "i-1"}}})
		wantCode(t, err, elb.CodeInvalidTarget)
	})
	t.Run("Errors", func(t *testing.T) {
		h, tg := inUse(t)
		_, err := h.RegisterTargets(ctx, &RegisterTargetsInput{TargetGroupARN: tg.TargetGroupARN + "0", Targets: []elb.TargetDescription{t1}})
		wantCode(t, err, elb.CodeTargetGroupNotFound)
		_, err = h.RegisterTargets(ctx, &RegisterTargetsInput{TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{t1, {ID: "bogus"}}})
		wantCode(t, err, elb.CodeInvalidTarget)
		_, err = h.RegisterTargets(ctx, &RegisterTargetsInput{TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{{ID: "i-1", Port: 65536}}})
		wantCode(t, err, elb.CodeValidationError)
		_, err = h.RegisterTargets(ctx, &RegisterTargetsInput{TargetGroupARN: tg.TargetGroupARN})
		wantCode(t, err, elb.CodeValidationError)
		_, err = h.RegisterTargets(ctx, &RegisterTargetsInput{TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{{Port: 80}}})
		wantCode(t, err, elb.CodeValidationError)
		// A failed call registers nothing.
		if rows := h.health(t, tg.TargetGroupARN); len(rows) != 0 {
			t.Errorf("targets after failed registrations = %+v; want none", rows)
		}
	})
	t.Run("ErrTooManyTargets", func(t *testing.T) {
		h := newHarness(t)
		tg := h.tg(t, "api")
		targets := make([]elb.TargetDescription, maxTargetsPerTG)
		for i := range targets {
			targets[i] = elb.TargetDescription{ID: "i-1", Port: 1 + i}
		}
		h.register(t, tg.TargetGroupARN, targets...)
		_, err := h.RegisterTargets(ctx, &RegisterTargetsInput{TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{{ID: "i-2", Port: 1}}})
		wantCode(t, err, elb.CodeTooManyTargets)
	})
}

func TestDescribeTargetHealth(t *testing.T) {
	t.Parallel()
	h, tg := inUse(t)
	h.register(t, tg.TargetGroupARN, t1)
	h.waitState(t, tg.TargetGroupARN, t1, elb.TargetHealthStateHealthy)
	t.Run("NotRegistered", func(t *testing.T) {
		out := must[*DescribeTargetHealthOutput](t)(h.DescribeTargetHealth(ctx, &DescribeTargetHealthInput{
			TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{t2, t1},
		}))
		rows := out.TargetHealthDescriptions
		if len(rows) != 2 || rows[0].TargetHealth != elb.HealthFor(elb.TargetHealthReasonNotRegistered) || rows[1].TargetHealth != elb.Healthy {
			t.Errorf("rows = %+v; want i-2 unused/Target.NotRegistered, i-1 healthy", rows)
		}
		if rows[0].HealthCheckPort != "32769" {
			t.Errorf("HealthCheckPort = %s; want 32769", rows[0].HealthCheckPort)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		_, err := h.DescribeTargetHealth(ctx, &DescribeTargetHealthInput{TargetGroupARN: tg.TargetGroupARN + "0"})
		wantCode(t, err, elb.CodeTargetGroupNotFound)
		_, err = h.DescribeTargetHealth(ctx, &DescribeTargetHealthInput{})
		wantCode(t, err, elb.CodeValidationError)
		_, err = h.DescribeTargetHealth(ctx, &DescribeTargetHealthInput{TargetGroupARN: tg.TargetGroupARN, Include: []string{"Nope"}})
		wantCode(t, err, elb.CodeValidationError)
	})
}

func TestHealthTransitionRepublishes(t *testing.T) {
	t.Parallel()
	h, tg := inUse(t)
	h.register(t, tg.TargetGroupARN, t1)
	h.waitState(t, tg.TargetGroupARN, t1, elb.TargetHealthStateHealthy)
	before := h.pub.count()

	h.prober.set("i-1", health.FailCode(503))
	h.step(t, 6*time.Second, "i-1") // 1st failure: still healthy (threshold 2)
	h.step(t, 6*time.Second, "i-1") // 2nd failure: unhealthy
	want := elb.ResponseCodeMismatch(503)
	s := h.waitSnapshot(t, "i-1 unhealthy", func(s *elb.Snapshot) bool {
		ts := s.TargetGroups[tg.TargetGroupARN].Targets
		return len(ts) == 1 && ts[0].Health == want
	})
	if h.pub.count() <= before {
		t.Error("no snapshot was published for the health transition")
	}
	if ts := s.TargetGroups[tg.TargetGroupARN].Targets[0]; !ts.HealthySince.IsZero() || !ts.FailOpenRoutable() || ts.Routable() {
		t.Errorf("target = %+v; want unhealthy, no HealthySince", ts)
	}
	if got := h.healthOf(t, tg.TargetGroupARN, t1); got.Description != "Health checks failed with these codes: [503]" {
		t.Errorf("DescribeTargetHealth description = %q", got.Description)
	}

	// Back to healthy after HealthyThresholdCount (2) passes, with a new
	// HealthySince.
	h.prober.set("i-1", health.Pass())
	h.step(t, 6*time.Second, "i-1")
	h.step(t, 6*time.Second, "i-1")
	healthyAt := t0.Add(24 * time.Second)
	h.waitSnapshot(t, "i-1 healthy again", func(s *elb.Snapshot) bool {
		ts := s.TargetGroups[tg.TargetGroupARN].Targets
		return len(ts) == 1 && ts[0].Routable() && ts[0].HealthySince.Equal(healthyAt)
	})
}

func TestDeregisterTargetsDrainsThenRemoves(t *testing.T) {
	t.Parallel()
	h, tg := inUse(t)
	must[*ModifyTargetGroupAttributesOutput](t)(h.ModifyTargetGroupAttributes(ctx, &ModifyTargetGroupAttributesInput{
		TargetGroupARN: tg.TargetGroupARN, Attributes: []elb.Attribute{{Key: elb.AttrDeregistrationDelay, Value: "30"}}}))
	h.register(t, tg.TargetGroupARN, t1, t2)
	h.waitState(t, tg.TargetGroupARN, t1, elb.TargetHealthStateHealthy)
	h.waitState(t, tg.TargetGroupARN, t2, elb.TargetHealthStateHealthy)

	// Port 0 means the group's port: this target is not registered, and
	// deregistering it succeeds (§4.4).
	must[*DeregisterTargetsOutput](t)(h.DeregisterTargets(ctx, &DeregisterTargetsInput{TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{{ID: "i-1"}, {ID: "i-9", Port: 1}}}))
	if got := h.healthOf(t, tg.TargetGroupARN, t1); got.State != elb.TargetHealthStateHealthy {
		t.Fatalf("i-1:32768 = %+v after deregistering i-1:80; want healthy", got)
	}

	must[*DeregisterTargetsOutput](t)(h.DeregisterTargets(ctx, &DeregisterTargetsInput{TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{t1}}))
	if got := h.healthOf(t, tg.TargetGroupARN, t1); got != elb.HealthFor(elb.TargetHealthReasonDeregistrationInProgress) {
		t.Fatalf("health = %+v; want draining/Target.DeregistrationInProgress", got)
	}
	s := h.pub.last()
	ts := s.TargetGroups[tg.TargetGroupARN].Targets
	if len(ts) != 2 || ts[0].Key != t1.Key() || ts[0].Health.State != elb.TargetHealthStateDraining || ts[0].Routable() {
		t.Fatalf("published targets = %+v; want i-1 draining", ts)
	}
	if want := t0.Add(30 * time.Second); !ts[0].DrainDeadline.Equal(want) {
		t.Errorf("DrainDeadline = %s; want %s", ts[0].DrainDeadline, want)
	}

	// i-2 keeps being checked every 6 s; i-1 stays draining until 30 s.
	for range 4 {
		h.step(t, 6*time.Second, "i-2") // t0+24s
	}
	h.clock.Advance(5 * time.Second) // t0+29s: nothing due
	if got := h.healthOf(t, tg.TargetGroupARN, t1); got.State != elb.TargetHealthStateDraining {
		t.Fatalf("health at +29s = %+v; want draining", got)
	}
	h.step(t, time.Second, "i-2") // t0+30s: i-2 due, i-1 removed in the same round
	waitFor(t, "i-1 removed", func() bool { return len(h.health(t, tg.TargetGroupARN)) == 1 })
	if got := h.healthOf(t, tg.TargetGroupARN, t1); got != elb.HealthFor(elb.TargetHealthReasonNotRegistered) {
		t.Errorf("health after the delay = %+v; want unused/Target.NotRegistered", got)
	}
	h.waitSnapshot(t, "only i-2", func(s *elb.Snapshot) bool {
		ts := s.TargetGroups[tg.TargetGroupARN].Targets
		return len(ts) == 1 && ts[0].Key == t2.Key()
	})

	// Registering it again starts it over.
	h.register(t, tg.TargetGroupARN, t1)
	h.waitState(t, tg.TargetGroupARN, t1, elb.TargetHealthStateHealthy)

	_, err := h.DeregisterTargets(ctx, &DeregisterTargetsInput{TargetGroupARN: tg.TargetGroupARN + "0", Targets: []elb.TargetDescription{t1}})
	wantCode(t, err, elb.CodeTargetGroupNotFound)
	_, err = h.DeregisterTargets(ctx, &DeregisterTargetsInput{TargetGroupARN: tg.TargetGroupARN})
	wantCode(t, err, elb.CodeValidationError)
}
