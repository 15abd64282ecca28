package health

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// refTG is a target group with the reference timings of the brief:
// interval 6 s, timeout 5 s, healthy 2, unhealthy 2, and a 30 s
// deregistration delay.
func refTG(tb testing.TB) *elb.TargetGroup {
	tb.Helper()
	tg := &elb.TargetGroup{
		TargetGroupARN:  "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef",
		TargetGroupName: "web", Protocol: elb.ProtocolHTTP, Port: 80,
	}
	tg.HealthCheckIntervalSeconds, tg.HealthCheckTimeoutSeconds = 6, 5
	tg.HealthyThresholdCount, tg.UnhealthyThresholdCount = 2, 2
	tg.HealthCheckPath = "/health"
	tg.Canonicalize()
	tg.Attributes.DeregistrationDelaySeconds = 30
	if err := tg.Validate(); err != nil {
		tb.Fatal(err)
	}
	return tg
}

// scriptProber answers from a per-target script (Pass by default) and
// records every request.
type scriptProber struct {
	mu      sync.Mutex
	results map[string]Result
	calls   map[string]int
	reqs    []ProbeRequest
	// block, when set, is received from before answering.
	block chan struct{}
	// started, when set, gets one send per probe that has begun.
	started chan string
}

func newScriptProber() *scriptProber {
	return &scriptProber{results: map[string]Result{}, calls: map[string]int{}}
}

func (p *scriptProber) set(id string, r Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.results[id] = r
}

func (p *scriptProber) count(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[id]
}

func (p *scriptProber) Probe(ctx context.Context, req ProbeRequest) Result {
	p.mu.Lock()
	p.calls[req.Target.ID]++
	p.reqs = append(p.reqs, req)
	r, ok := p.results[req.Target.ID]
	block, started := p.block, p.started
	p.mu.Unlock()
	if started != nil {
		started <- req.Target.ID
	}
	if block != nil {
		<-block
	}
	if !ok {
		return Pass()
	}
	return r
}

// recorder is a Reporter that keeps every transition.
type recorder struct {
	mu sync.Mutex
	ts []Transition
}

func (r *recorder) TargetHealthChanged(t Transition) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ts = append(r.ts, t)
}

// path renders the recorded transitions of one target as "from>to" steps.
func (r *recorder) path(id string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, t := range r.ts {
		if t.Target.ID == id {
			out = append(out, fmt.Sprintf("%s>%s", short(t.From), short(t.To)))
		}
	}
	return out
}

func short(h elb.TargetHealth) string {
	if h.Reason == "" {
		return string(h.State)
	}
	return string(h.State) + "/" + string(h.Reason)
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func newTestChecker(t *testing.T, tg *elb.TargetGroup, p Prober) (*Checker, *fakeClock, *recorder) {
	t.Helper()
	clock := newFakeClock()
	rec := &recorder{}
	c, err := NewChecker(tg, Options{Prober: p, Clock: clock, Reporter: rec, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c, clock, rec
}

// waitFor polls cond until it holds or the deadline passes; it never sleeps
// a fixed time (STYLE.md §5).
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	poll := time.NewTicker(time.Millisecond)
	defer poll.Stop()
	for !cond() {
		select {
		case <-poll.C:
		case <-deadline.C:
			tb.Fatalf("timed out waiting for %s", what)
		}
	}
}

var target = elb.TargetDescription{ID: "10.0.0.1", Port: 32768}

// TestReferenceTimings drives the reference scenario on a fake clock:
// interval 6 s, timeout 5 s, healthy 2, unhealthy 2. A target that stops
// answering leaves rotation after exactly two failed checks, 12 s after its
// last pass, and returns after two passes.
func TestReferenceTimings(t *testing.T) {
	p := newScriptProber()
	c, clock, rec := newTestChecker(t, refTG(t), p)
	t0 := clock.Now()
	c.SetInUse(true)
	if err := c.Register(target); err != nil {
		t.Fatal(err)
	}
	if h := c.Snapshot().Health(target); h != hRegistering {
		t.Fatalf("after Register: %+v; want initial/Elb.RegistrationInProgress", h)
	}
	steps := []struct {
		at         time.Duration
		answer     *Result // nil: leave the script as is
		wantHealth elb.TargetHealth
		wantProbes int
	}{
		{0, nil, elb.Healthy, 1}, // §1.2: one pass takes initial to healthy
		{5 * time.Second, nil, elb.Healthy, 1},
		{6 * time.Second, ptr(Fail(elb.TargetHealthReasonTimeout)), elb.Healthy, 2}, // one failure: still in rotation
		{11*time.Second + 900*time.Millisecond, nil, elb.Healthy, 2},                // not due yet
		{12 * time.Second, nil, hTimeout, 3},                                        // second failure: out of rotation
		{18 * time.Second, ptr(Pass()), hTimeout, 4},                                // one pass: still out
		{24 * time.Second, nil, elb.Healthy, 5},                                     // second pass: back
		{30 * time.Second, nil, elb.Healthy, 6},
	}
	for _, s := range steps {
		if s.answer != nil {
			p.set(target.ID, *s.answer)
		}
		clock.Set(t0.Add(s.at))
		c.tick(context.Background(), clock.Now())
		if h := c.Snapshot().Health(target); h != s.wantHealth {
			t.Errorf("at %v: health %+v; want %+v", s.at, h, s.wantHealth)
		}
		if n := p.count(target.ID); n != s.wantProbes {
			t.Errorf("at %v: %d probes; want %d", s.at, n, s.wantProbes)
		}
	}
	want := []string{
		"unused/Target.NotRegistered>initial/Elb.RegistrationInProgress",
		"initial/Elb.RegistrationInProgress>initial/Elb.InitialHealthChecking",
		"initial/Elb.InitialHealthChecking>healthy",
		"healthy>unhealthy/Target.Timeout",
		"unhealthy/Target.Timeout>healthy",
	}
	if got := rec.path(target.ID); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("transitions:\n got %v\nwant %v", got, want)
	}
	// The transition out of rotation happened exactly 12 s after the last
	// pass (at 0 s).
	rec.mu.Lock()
	out := rec.ts[3]
	rec.mu.Unlock()
	if d := out.At.Sub(t0); d != 12*time.Second {
		t.Errorf("left rotation at %v; want 12s", d)
	}
	if out.TargetGroupARN == "" || out.Target != target {
		t.Errorf("transition lacks its group or target: %+v", out)
	}
}

func TestProbeRequestFields(t *testing.T) {
	p := newScriptProber()
	tg := refTG(t)
	tg.HealthCheckPort = "8080"
	tg.Matcher.HTTPCode = "200-299"
	c, clock, _ := newTestChecker(t, tg, p)
	c.SetInUse(true)
	if err := c.Register(elb.TargetDescription{ID: "10.0.0.9"}); err != nil { // port defaults to the group's
		t.Fatal(err)
	}
	c.tick(context.Background(), clock.Now())
	if len(p.reqs) != 1 {
		t.Fatalf("%d probes; want 1", len(p.reqs))
	}
	r := p.reqs[0]
	if r.Target.Port != 80 || r.Port != 8080 || r.Path != "/health" || r.Timeout != 5*time.Second || r.Protocol != elb.ProtocolHTTP {
		t.Errorf("ProbeRequest = %+v", r)
	}
	if !r.Codes.Contains(204) || r.Codes.Contains(300) {
		t.Error("ProbeRequest.Codes is not the matcher 200-299")
	}
	rows := c.Snapshot().Targets()
	if len(rows) != 1 || rows[0].HealthCheckPort != 8080 {
		t.Errorf("Snapshot rows = %+v; want HealthCheckPort 8080", rows)
	}
}

func TestNotInUseUntilSetInUse(t *testing.T) {
	p := newScriptProber()
	c, clock, rec := newTestChecker(t, refTG(t), p)
	if err := c.Register(target); err != nil {
		t.Fatal(err)
	}
	c.tick(context.Background(), clock.Now())
	if h := c.Snapshot().Health(target); h != hNotInUse {
		t.Fatalf("health %+v; want unused/Target.NotInUse for a group no listener uses", h)
	}
	if p.count(target.ID) != 0 {
		t.Fatal("a target of an unused group was checked")
	}
	c.SetInUse(true)
	c.tick(context.Background(), clock.Now())
	if h := c.Snapshot().Health(target); h != elb.Healthy {
		t.Fatalf("health %+v; want healthy once in use", h)
	}
	clock.Advance(6 * time.Second)
	c.SetInUse(false)
	c.tick(context.Background(), clock.Now())
	if h := c.Snapshot().Health(target); h != hNotInUse || p.count(target.ID) != 1 {
		t.Fatalf("health %+v after SetInUse(false), %d probes", h, p.count(target.ID))
	}
	want := []string{
		"unused/Target.NotRegistered>unused/Target.NotInUse",
		"unused/Target.NotInUse>initial/Elb.RegistrationInProgress",
		"initial/Elb.RegistrationInProgress>initial/Elb.InitialHealthChecking",
		"initial/Elb.InitialHealthChecking>healthy",
		"healthy>unused/Target.NotInUse",
	}
	if got := rec.path(target.ID); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("transitions:\n got %v\nwant %v", got, want)
	}
}

func TestDeregistrationDelay(t *testing.T) {
	p := newScriptProber()
	c, clock, rec := newTestChecker(t, refTG(t), p)
	t0 := clock.Now()
	c.SetInUse(true)
	other := elb.TargetDescription{ID: "10.0.0.2", Port: 32769}
	if err := c.Register(target, other); err != nil {
		t.Fatal(err)
	}
	c.tick(context.Background(), t0)

	clock.Set(t0.Add(time.Second))
	c.Deregister(target, elb.TargetDescription{ID: "10.9.9.9", Port: 1}) // unknown: ignored
	if h := c.Snapshot().Health(target); h != hDraining {
		t.Fatalf("health %+v; want draining/Target.DeregistrationInProgress", h)
	}
	clock.Set(t0.Add(30 * time.Second))
	c.tick(context.Background(), clock.Now())
	if h := c.Snapshot().Health(target); h != hDraining {
		t.Fatalf("at 30s (delay 30s from 1s): %+v; want still draining", h)
	}
	if p.count(target.ID) != 1 {
		t.Errorf("a draining target was checked: %d probes", p.count(target.ID))
	}
	clock.Set(t0.Add(31 * time.Second))
	c.tick(context.Background(), clock.Now())
	if h := c.Snapshot().Health(target); h != hNotReg {
		t.Fatalf("after the delay: %+v; want unused/Target.NotRegistered", h)
	}
	if rows := c.Snapshot().Targets(); len(rows) != 1 || rows[0].Target != other {
		t.Errorf("Targets = %+v; want only the other target", rows)
	}
	want := []string{
		"unused/Target.NotRegistered>initial/Elb.RegistrationInProgress",
		"initial/Elb.RegistrationInProgress>initial/Elb.InitialHealthChecking",
		"initial/Elb.InitialHealthChecking>healthy",
		"healthy>draining/Target.DeregistrationInProgress",
		"draining/Target.DeregistrationInProgress>unused/Target.NotRegistered",
	}
	if got := rec.path(target.ID); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("transitions:\n got %v\nwant %v", got, want)
	}
}

func TestReregisterWhileDraining(t *testing.T) {
	c, clock, _ := newTestChecker(t, refTG(t), newScriptProber())
	c.SetInUse(true)
	if err := c.Register(target); err != nil {
		t.Fatal(err)
	}
	c.tick(context.Background(), clock.Now())
	if err := c.Register(target); err != nil { // already registered: no-op
		t.Fatal(err)
	}
	if h := c.Snapshot().Health(target); h != elb.Healthy {
		t.Fatalf("re-registering a healthy target changed it to %+v", h)
	}
	c.Deregister(target)
	if err := c.Register(target); err != nil {
		t.Fatal(err)
	}
	if h := c.Snapshot().Health(target); h != hRegistering {
		t.Fatalf("re-registering a draining target: %+v; want a fresh registration", h)
	}
}

func TestRegisterInvalidTarget(t *testing.T) {
	c, _, _ := newTestChecker(t, refTG(t), newScriptProber())
	err := c.Register(target, elb.TargetDescription{ID: "", Port: 80})
	if elb.ErrorCode(err) != elb.CodeInvalidTarget {
		t.Fatalf("err = %v; want InvalidTarget", err)
	}
	if len(c.Snapshot().Targets()) != 0 {
		t.Error("a failed Register registered some targets")
	}
}

func TestDeregisterDuringCheckKeepsDraining(t *testing.T) {
	p := newScriptProber()
	p.block = make(chan struct{})
	p.started = make(chan string, 1)
	c, clock, _ := newTestChecker(t, refTG(t), p)
	c.SetInUse(true)
	if err := c.Register(target); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.tick(context.Background(), clock.Now())
	}()
	<-p.started
	c.Deregister(target) // while the check is in flight
	close(p.block)
	<-done
	if h := c.Snapshot().Health(target); h != hDraining {
		t.Fatalf("health %+v; want the late result ignored and the target draining", h)
	}
}

func TestUpdateDisablesAndReenables(t *testing.T) {
	p := newScriptProber()
	tg := refTG(t)
	c, clock, _ := newTestChecker(t, tg, p)
	c.SetInUse(true)
	if err := c.Register(target); err != nil {
		t.Fatal(err)
	}
	c.tick(context.Background(), clock.Now())

	// Disabling is refused for instance targets (§1.3) ...
	off := tg.Copy()
	off.HealthCheckEnabled = ptr(false)
	if err := c.Update(off); elb.ErrorCode(err) != elb.CodeValidationError {
		t.Fatalf("Update with checks disabled: %v; want ValidationError", err)
	}
	// ... but a valid change of thresholds and port applies.
	mod := tg.Copy()
	mod.HealthCheckPort = "9000"
	if err := c.Update(mod); err != nil {
		t.Fatal(err)
	}
	if rows := c.Snapshot().Targets(); rows[0].HealthCheckPort != 9000 {
		t.Errorf("HealthCheckPort = %d after Update; want 9000", rows[0].HealthCheckPort)
	}
	// The checker itself handles a disabled configuration (Lambda groups on
	// AWS): set it directly, as Validate would refuse it.
	c.mu.Lock()
	c.cfg.hc.HealthCheckEnabled = ptr(false)
	c.mu.Unlock()
	clock.Advance(6 * time.Second)
	c.tick(context.Background(), clock.Now())
	if p.count(target.ID) != 1 {
		t.Errorf("checked with health checks disabled: %d probes", p.count(target.ID))
	}
}

func TestProberPanicIsInternalError(t *testing.T) {
	panicking := ProberFunc(func(context.Context, ProbeRequest) Result { panic("boom") })
	c, clock, _ := newTestChecker(t, refTG(t), panicking)
	c.SetInUse(true)
	if err := c.Register(target); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		c.tick(context.Background(), clock.Now())
		clock.Advance(6 * time.Second)
	}
	want := elb.HealthFor(elb.TargetHealthReasonInternalError)
	if h := c.Snapshot().Health(target); h != want {
		t.Fatalf("health %+v; want %+v", h, want)
	}
}

func TestPanicInRoundIsRecovered(t *testing.T) {
	clock := newFakeClock()
	panics := 1
	reporter := ReporterFunc(func(Transition) {
		if panics > 0 {
			panics--
			panic("reporter bug")
		}
	})
	c, err := NewChecker(refTG(t), Options{Prober: newScriptProber(), Clock: clock, Reporter: reporter, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	// Set the state up by hand so that nothing is reported before the round:
	// the reporter's one panic must happen inside safeTick.
	c.mu.Lock()
	c.inUse = true
	c.targets[target.Key()] = &entry{target: target, status: Registered(), next: clock.Now()}
	c.mu.Unlock()
	c.safeTick(context.Background(), clock.Now()) // the reporter panics here
	// Nothing is left locked: the checker keeps working.
	clock.Advance(6 * time.Second)
	c.safeTick(context.Background(), clock.Now())
	if h := c.Snapshot().Health(target); h != elb.Healthy {
		t.Fatalf("health %+v after a recovered panic; want healthy", h)
	}
	c.Deregister(target)
}

// TestRun drives the real loop on the fake clock: each Advance of one
// interval produces exactly one more check, and cancelling stops Run.
func TestRun(t *testing.T) {
	p := newScriptProber()
	c, clock, _ := newTestChecker(t, refTG(t), p)
	c.SetInUse(true)
	if err := c.Register(target); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)

	waitFor(t, "the first check", func() bool { return p.count(target.ID) == 1 })
	waitFor(t, "healthy", func() bool { return c.Snapshot().Health(target) == elb.Healthy })
	for i := 2; i <= 4; i++ {
		clock.Advance(6 * time.Second)
		waitFor(t, fmt.Sprintf("check %d", i), func() bool { return p.count(target.ID) == i })
	}
	// A target registered while Run sleeps is checked without waiting for
	// the others' schedule: Register wakes the loop.
	late := elb.TargetDescription{ID: "10.0.0.7", Port: 80}
	if err := c.Register(late); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the late target's check", func() bool { return p.count(late.ID) == 1 })

	// Deregistration delay is honoured by the loop too.
	c.Deregister(late)
	clock.Advance(30 * time.Second)
	waitFor(t, "the drained target to go", func() bool { return c.Snapshot().Health(late) == hNotReg })

	cancel()
	select {
	case <-c.WaitCh():
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n := p.count(target.ID); n < 4 {
		t.Errorf("%d checks; want at least 4", n)
	}
}

// TestSnapshotReadersDoNotLock runs readers against rounds and registrations
// under -race: Snapshot is read through an atomic pointer only.
func TestSnapshotReadersDoNotLock(t *testing.T) {
	c, clock, _ := newTestChecker(t, refTG(t), newScriptProber())
	c.SetInUse(true)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := c.Snapshot()
				for _, row := range s.Targets() {
					_ = s.Health(row.Target)
				}
			}
		})
	}
	for i := range 50 {
		if err := c.Register(elb.TargetDescription{ID: fmt.Sprintf("10.0.1.%d", i), Port: 80}); err != nil {
			t.Fatal(err)
		}
		c.tick(context.Background(), clock.Now())
		clock.Advance(time.Second)
	}
	close(stop)
	wg.Wait()
	if n := len(c.Snapshot().Targets()); n != 50 {
		t.Errorf("%d targets; want 50", n)
	}
}

func TestNewCheckerRejectsInvalidGroup(t *testing.T) {
	tg := refTG(t)
	tg.HealthCheckTimeoutSeconds = 6
	_, err := NewChecker(tg, Options{})
	if elb.ErrorMessage(err) != "Health check timeout '6' must be smaller than the interval '6'" {
		t.Errorf("err = %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
