package control

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/health"
)

// t0 is the injected wall clock of every test.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeClock is a health.Clock that moves only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

var _ health.Clock = (*fakeClock)(nil)

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) health.Timer {
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	t.Reset(d)
	return t
}

// Advance moves the clock and fires every timer that is due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, t := range c.timers {
		if t.active && !t.at.After(c.now) {
			t.fireLocked()
		}
	}
}

type fakeTimer struct {
	c      *fakeClock
	ch     chan time.Time
	at     time.Time
	active bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	select { // Go 1.23 semantics: a stale value is discarded
	case <-t.ch:
	default:
	}
	t.at, t.active = t.c.now.Add(d), true
	if d <= 0 {
		t.fireLocked()
	}
	return was
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

func (t *fakeTimer) fireLocked() {
	t.active = false
	select {
	case t.ch <- t.c.now:
	default:
	}
}

// fakePublisher records every snapshot and reports a failure for each
// listener on a port in failPorts (a port the data plane cannot bind).
// With typed set, each failure is a ListenerFailure naming its listener.
type fakePublisher struct {
	mu        sync.Mutex
	snaps     []*elb.Snapshot
	failPorts map[int]bool
	typed     bool
}

// bindError is a ListenerFailure, as the proxy may report one.
type bindError struct {
	arn string
	err error
}

var _ ListenerFailure = (*bindError)(nil)

func (e *bindError) Error() string       { return "listener " + e.arn + ": " + e.err.Error() }
func (e *bindError) Unwrap() error       { return e.err }
func (e *bindError) ListenerARN() string { return e.arn }

func (p *fakePublisher) Publish(s *elb.Snapshot) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, l := range s.Listeners {
		if p.failPorts[l.Listener.Port] {
			err := fmt.Errorf("listen tcp %s:%d: bind: address already in use", l.Addr, l.Listener.Port)
			if p.typed {
				err = &bindError{arn: l.Listener.ListenerARN, err: err}
			}
			errs = append(errs, err)
		}
	}
	// Like the proxy, the rest of the snapshot is applied anyway.
	p.snaps = append(p.snaps, s)
	return errors.Join(errs...)
}

// setFail makes Publish fail (or stop failing) for snapshots with a
// listener on port.
func (p *fakePublisher) setFail(port int, fail bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failPorts[port] = fail
}

// last returns the newest snapshot published.
func (p *fakePublisher) last() *elb.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.snaps) == 0 {
		return nil
	}
	return p.snaps[len(p.snaps)-1]
}

func (p *fakePublisher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.snaps)
}

// scriptProber answers health checks from a per-target-ID table (Pass by
// default) and counts them.
type scriptProber struct {
	mu      sync.Mutex
	results map[string]health.Result
	calls   map[string]int
}

func newScriptProber() *scriptProber {
	return &scriptProber{results: map[string]health.Result{}, calls: map[string]int{}}
}

func (p *scriptProber) Probe(_ context.Context, req health.ProbeRequest) health.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[req.Target.ID]++
	if r, ok := p.results[req.Target.ID]; ok {
		return r
	}
	return health.Pass()
}

func (p *scriptProber) set(id string, r health.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.results[id] = r
}

// harness is a Control with every collaborator faked.
type harness struct {
	*Control
	pub    *fakePublisher
	clock  *fakeClock
	prober *scriptProber
}

// newHarness returns a Control with deterministic IDs (0000000000000001,
// …), time t0, a recording publisher, a fake clock, a scripted prober and
// a resolver that maps instance "i-N" to 10.0.0.N. modify may change the
// options first.
func newHarness(tb testing.TB, modify ...func(*Options)) *harness {
	tb.Helper()
	h := &harness{pub: &fakePublisher{failPorts: map[int]bool{}}, clock: newFakeClock(), prober: newScriptProber()}
	var mu sync.Mutex
	n := 0
	opts := Options{
		Region:    "eu-west-1",
		Now:       func() time.Time { return t0 },
		NewID:     func() string { mu.Lock(); defer mu.Unlock(); n++; return fmt.Sprintf("%016x", n) },
		Publisher: h.pub,
		Resolver: ResolverFunc(func(id string) (netip.Addr, error) {
			var k uint8
			if _, err := fmt.Sscanf(id, "i-%d", &k); err != nil {
				return netip.Addr{}, fmt.Errorf("no instance %s", id)
			}
			return netip.AddrFrom4([4]byte{10, 0, 0, k}), nil
		}),
		Clock:  h.clock,
		Prober: h.prober,
		Logger: slog.New(slog.NewTextHandler(testWriter{tb}, nil)),
	}
	for _, m := range modify {
		m(&opts)
	}
	c, err := Open(opts)
	if err != nil {
		tb.Fatalf("open control: %v", err)
	}
	h.Control = c
	tb.Cleanup(func() { h.Close() })
	return h
}

// testWriter routes logs through testing.TB.
type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(string(p))
	return len(p), nil
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// wantCode fails unless err carries the ELBv2 code.
func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := elb.ErrorCode(err); got != code {
		tb.Fatalf("error = %v; want code %s", err, code)
	}
}

func must[T any](tb testing.TB) func(T, error) T {
	return func(v T, err error) T {
		tb.Helper()
		if err != nil {
			tb.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

var ctx = context.Background()

// fixtures

func (h *harness) lb(tb testing.TB, name string) *elb.LoadBalancer {
	tb.Helper()
	out := must[*CreateLoadBalancerOutput](tb)(h.CreateLoadBalancer(ctx, &CreateLoadBalancerInput{Name: name}))
	return out.LoadBalancers[0]
}

func (h *harness) tg(tb testing.TB, name string) *elb.TargetGroup {
	tb.Helper()
	out := must[*CreateTargetGroupOutput](tb)(h.CreateTargetGroup(ctx, &CreateTargetGroupInput{
		Name: name, Protocol: elb.ProtocolHTTP, Port: 80,
		HealthCheckIntervalSeconds: 6, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
	}))
	return out.TargetGroups[0]
}

func forward(tgARN string) []elb.Action {
	return []elb.Action{{Type: elb.ActionTypeForward, TargetGroupARN: tgARN}}
}

func (h *harness) listener(tb testing.TB, lbARN string, port int, tgARN string) *elb.Listener {
	tb.Helper()
	out := must[*CreateListenerOutput](tb)(h.CreateListener(ctx, &CreateListenerInput{
		LoadBalancerARN: lbARN, Protocol: elb.ProtocolHTTP, Port: port, DefaultActions: forward(tgARN),
	}))
	return out.Listeners[0]
}

func pathRule(path string) []elb.RuleCondition {
	return []elb.RuleCondition{{Field: elb.FieldPathPattern, Values: []string{path}}}
}

func (h *harness) health(tb testing.TB, tgARN string) []TargetHealthDescription {
	tb.Helper()
	out := must[*DescribeTargetHealthOutput](tb)(h.DescribeTargetHealth(ctx, &DescribeTargetHealthInput{TargetGroupARN: tgARN}))
	return out.TargetHealthDescriptions
}

func TestCloseIsIdempotentAndRefusesOperations(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.tg(t, "api")
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := h.CreateLoadBalancer(ctx, &CreateLoadBalancerInput{Name: "x"})
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: err = %v; want ErrClosed", err)
	}
}

func TestCloseStopsCheckers(t *testing.T) {
	t.Parallel()
	h, tg := inUse(t)
	h.register(t, tg.TargetGroupARN, t1)
	h.waitState(t, tg.TargetGroupARN, t1, elb.TargetHealthStateHealthy)
	h.mu.Lock()
	ch := h.tgs[tg.TargetGroupARN].checker
	h.mu.Unlock()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch.WaitCh():
	default:
		t.Fatal("checker still running after Close")
	}
}

func TestDeleteTargetGroupStopsChecker(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tg := h.tg(t, "api")
	h.mu.Lock()
	ch := h.tgs[tg.TargetGroupARN].checker
	h.mu.Unlock()
	must[*DeleteTargetGroupOutput](t)(h.DeleteTargetGroup(ctx, &DeleteTargetGroupInput{TargetGroupARN: tg.TargetGroupARN}))
	select {
	case <-ch.WaitCh():
	default:
		t.Fatal("checker still running after DeleteTargetGroup")
	}
}

// TestPublishedSnapshotsAreImmutable checks that a later change never
// reaches a snapshot already handed to the data plane.
func TestPublishedSnapshotsAreImmutable(t *testing.T) {
	t.Parallel()
	h, tg := inUse(t)
	before := h.pub.last()
	lbARN := before.Listeners[0].LoadBalancer.LoadBalancerARN
	must[*ModifyLoadBalancerAttributesOutput](t)(h.ModifyLoadBalancerAttributes(ctx, &ModifyLoadBalancerAttributesInput{
		LoadBalancerARN: lbARN, Attributes: []elb.Attribute{{Key: elb.AttrIdleTimeout, Value: "7"}}}))
	must[*ModifyTargetGroupOutput](t)(h.ModifyTargetGroup(ctx, &ModifyTargetGroupInput{TargetGroupARN: tg.TargetGroupARN, HealthCheckPath: "/changed"}))
	h.register(t, tg.TargetGroupARN, t1)
	if got := before.Listeners[0].LoadBalancer.Attributes.IdleTimeoutSeconds; got != 60 {
		t.Errorf("old snapshot idle timeout = %d; want 60", got)
	}
	if got := before.TargetGroups[tg.TargetGroupARN]; got.TargetGroup.HealthCheckPath != "/" || len(got.Targets) != 0 {
		t.Errorf("old snapshot target group changed: %+v", got)
	}
	after := h.pub.last()
	if after.Version <= before.Version {
		t.Errorf("versions %d then %d; want increasing", before.Version, after.Version)
	}
}

// TestConcurrentOperations runs writers, readers and health rounds at once;
// with -race it checks the locking, and it would hang on a lock-order bug.
func TestConcurrentOperations(t *testing.T) {
	t.Parallel()
	h, tg := inUse(t)
	l := must[*DescribeListenersOutput](t)(h.DescribeListeners(ctx, &DescribeListenersInput{ListenerARNs: nil, LoadBalancerARN: h.pub.last().Listeners[0].LoadBalancer.LoadBalancerARN})).Listeners[0]
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 20 {
				target := elb.TargetDescription{ID: fmt.Sprintf("i-%d", w+1), Port: 1000 + i}
				if _, err := h.RegisterTargets(ctx, &RegisterTargetsInput{TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{target}}); err != nil {
					t.Error(err)
					return
				}
				prio := w*100 + i + 1
				r, err := h.CreateRule(ctx, &CreateRuleInput{ListenerARN: l.ListenerARN, Priority: prio, Conditions: pathRule(fmt.Sprintf("/%d", prio)), Actions: forward(tg.TargetGroupARN)})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := h.DescribeTargetHealth(ctx, &DescribeTargetHealthInput{TargetGroupARN: tg.TargetGroupARN}); err != nil {
					t.Error(err)
				}
				if _, err := h.DeregisterTargets(ctx, &DeregisterTargetsInput{TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{target}}); err != nil {
					t.Error(err)
				}
				if _, err := h.DeleteRule(ctx, &DeleteRuleInput{RuleARN: r.Rules[0].RuleARN}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			h.clock.Advance(3 * time.Second)
		}
	})
	wg.Wait()
	h.clock.Advance(time.Hour) // every deregistration delay (300 s) ends
	waitFor(t, "every target drained and removed", func() bool { return len(h.health(t, tg.TargetGroupARN)) == 0 })
	h.waitSnapshot(t, "no targets", func(s *elb.Snapshot) bool { return len(s.TargetGroups[tg.TargetGroupARN].Targets) == 0 })
}
