package health

import (
	"cmp"
	"context"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// Transition is one change of a target's health (state, reason or
// description).
type Transition struct {
	TargetGroupARN string
	Target         elb.TargetDescription
	From, To       elb.TargetHealth
	At             time.Time
}

// Reporter receives every health change of a checker. Control implements it
// (ECS uses it to replace tasks whose targets turn unhealthy); health never
// imports control (STYLE.md §1.1, TaskStateHandler).
//
// TargetHealthChanged is called synchronously and in order. It must be quick
// and must not call the checker's mutating methods (Register, Deregister,
// SetInUse, Update), which would deadlock; reading Snapshot is fine.
type Reporter interface {
	TargetHealthChanged(t Transition)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Transition)

// TargetHealthChanged calls f.
func (f ReporterFunc) TargetHealthChanged(t Transition) { f(t) }

// Options are the collaborators of a Checker; every field may be left zero.
type Options struct {
	// Prober performs the checks. Nil means a new HTTPProber whose target IDs
	// are IP addresses.
	Prober Prober
	// Clock is the source of time. Nil means SystemClock().
	Clock Clock
	// Reporter receives health changes. Nil means they are not reported
	// (the Snapshot still shows them).
	Reporter Reporter
	// Logger logs recovered panics. Nil means slog.Default().
	Logger *slog.Logger
}

// idleWait is how long Run sleeps when nothing is scheduled; any change
// wakes it earlier through the wake channel.
const idleWait = time.Hour

// Checker runs the health checks of one target group and owns the health
// state of its targets. Control calls Register, Deregister, SetInUse and
// Update; Run drives the checks; the proxy reads Snapshot.
//
// A new checker's group is not in use: its targets are
// unused/Target.NotInUse and are not checked until SetInUse(true) says a
// listener rule forwards to the group (§1.1).
type Checker struct {
	prober   Prober
	clock    Clock
	reporter Reporter
	log      *slog.Logger

	// mu guards everything below it except snap, which is written under mu
	// but read without it. reportMu keeps reports in mutation order; it is
	// taken before mu is released (see update).
	mu       sync.Mutex
	reportMu sync.Mutex
	cfg      config
	inUse    bool
	targets  map[elb.TargetKey]*entry
	// dirty asks update to publish although no health changed (a new
	// health check port changes the snapshot's HealthCheckPort).
	dirty bool

	snap atomic.Pointer[Snapshot]
	// wake is a cap-1 trigger: mutators poke it so Run recomputes its timer.
	wake   chan struct{}
	waitCh chan struct{}
}

// config is what the checker needs from the target group, precomputed.
type config struct {
	arn        string
	port       int // default port of targets registered without one
	hc         elb.HealthCheck
	codes      elb.CodeSet
	thresholds Thresholds
	interval   time.Duration
	timeout    time.Duration
	drainDelay time.Duration
}

// entry is the runtime state of one registered target.
type entry struct {
	target     elb.TargetDescription
	status     Status
	next       time.Time // when the next check is due (checked states)
	drainUntil time.Time // when a draining target is removed
	probing    bool      // a check is in flight; never two at once
}

// NewChecker returns a checker for a canonical target group. It reports the
// group's validation problems.
func NewChecker(tg *elb.TargetGroup, opts Options) (*Checker, error) {
	cfg, err := configOf(tg)
	if err != nil {
		return nil, err
	}
	c := &Checker{
		prober:   opts.Prober,
		clock:    opts.Clock,
		reporter: opts.Reporter,
		log:      opts.Logger,
		cfg:      cfg,
		targets:  map[elb.TargetKey]*entry{},
		wake:     make(chan struct{}, 1),
		waitCh:   make(chan struct{}),
	}
	if c.prober == nil {
		c.prober = &HTTPProber{}
	}
	if c.clock == nil {
		c.clock = SystemClock()
	}
	if c.reporter == nil {
		c.reporter = ReporterFunc(func(Transition) {})
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.snap.Store(emptySnapshot)
	return c, nil
}

func configOf(tg *elb.TargetGroup) (config, error) {
	if err := tg.Validate(); err != nil {
		return config{}, err
	}
	codes, err := tg.HealthCheck.Codes(tg.ProtocolVersion)
	if err != nil {
		return config{}, err
	}
	return config{
		arn:        tg.TargetGroupARN,
		port:       tg.Port,
		hc:         tg.HealthCheck,
		codes:      codes,
		thresholds: ThresholdsOf(&tg.HealthCheck),
		interval:   tg.Interval(),
		timeout:    tg.Timeout(),
		drainDelay: tg.Attributes.DeregistrationDelay(),
	}, nil
}

// Snapshot returns the current health of every registered target. It never
// blocks and never returns nil.
func (c *Checker) Snapshot() *Snapshot {
	return c.snap.Load()
}

// WaitCh is closed when Run returns.
func (c *Checker) WaitCh() <-chan struct{} {
	return c.waitCh
}

// Register adds targets (RegisterTargets). A target without a port gets the
// group's port. Registering a target that is already registered does
// nothing; registering a draining target starts it over. An invalid target
// fails the whole call with InvalidTarget and registers nothing.
func (c *Checker) Register(targets ...elb.TargetDescription) error {
	resolved := make([]elb.TargetDescription, len(targets))
	c.mu.Lock()
	port := c.cfg.port
	c.mu.Unlock()
	for i, t := range targets {
		if t.Port == 0 {
			t.Port = port
		}
		if t.ID == "" || t.Port < 1 || t.Port > 65535 {
			return elb.NewInvalidTarget("The following targets are not valid: '%s'", t)
		}
		resolved[i] = t
	}
	c.update(func(now time.Time) (ts []Transition) {
		for _, t := range resolved {
			from := elb.HealthFor(elb.TargetHealthReasonNotRegistered)
			if e, ok := c.targets[t.Key()]; ok {
				if e.status.Health.State != elb.TargetHealthStateDraining {
					continue
				}
				from = e.status.Health
			}
			e := &entry{target: t, status: c.startStatus(), next: now}
			c.targets[t.Key()] = e
			ts = c.appendChange(ts, t, from, e.status.Health, now)
		}
		return ts
	})
	c.poke()
	return nil
}

// startStatus is the status of a newly registered target given whether the
// group is in use and checks are enabled.
func (c *Checker) startStatus() Status {
	s := Registered()
	if !c.cfg.hc.Enabled() {
		return s.Disabled()
	}
	if !c.inUse {
		return s.NotInUse()
	}
	return s
}

// Deregister starts draining targets (DeregisterTargets): they leave
// rotation at once and are removed when the deregistration delay has passed
// (§4.4). Unknown targets are ignored, as ELBv2 ignores them.
func (c *Checker) Deregister(targets ...elb.TargetDescription) {
	c.update(func(now time.Time) (ts []Transition) {
		for _, t := range targets {
			if t.Port == 0 {
				t.Port = c.cfg.port
			}
			e, ok := c.targets[t.Key()]
			if !ok || e.status.Health.State == elb.TargetHealthStateDraining {
				continue
			}
			from := e.status.Health
			e.status = e.status.Drain()
			e.drainUntil = now.Add(c.cfg.drainDelay)
			ts = c.appendChange(ts, e.target, from, e.status.Health, now)
		}
		return ts
	})
	c.poke()
}

// SetInUse tells the checker whether any listener rule or default action
// forwards to the group. Targets of an unused group are unused/Target.NotInUse
// and unchecked (§1.1); when the group comes into use they start over.
func (c *Checker) SetInUse(inUse bool) {
	c.update(func(now time.Time) (ts []Transition) {
		if c.inUse == inUse {
			return nil
		}
		c.inUse = inUse
		for _, e := range c.sortedEntries() {
			from := e.status.Health
			switch {
			case !inUse:
				e.status = e.status.NotInUse()
			case c.cfg.hc.Enabled():
				e.status = e.status.InUse()
				e.next = now
			case e.status.Health.Reason == elb.TargetHealthReasonNotInUse:
				e.status = e.status.Disabled()
			}
			ts = c.appendChange(ts, e.target, from, e.status.Health, now)
		}
		return ts
	})
	c.poke()
}

// Update applies changed health check settings or attributes
// (ModifyTargetGroup, ModifyTargetGroupAttributes). Target states are kept;
// the new thresholds apply from the next result and the new interval from
// the next check.
func (c *Checker) Update(tg *elb.TargetGroup) error {
	cfg, err := configOf(tg)
	if err != nil {
		return err
	}
	c.update(func(now time.Time) (ts []Transition) {
		wasEnabled := c.cfg.hc.Enabled()
		c.cfg = cfg
		c.dirty = true
		if wasEnabled == cfg.hc.Enabled() {
			return nil
		}
		for _, e := range c.sortedEntries() {
			from := e.status.Health
			if cfg.hc.Enabled() {
				e.status = e.status.InUse()
				if !c.inUse {
					e.status = e.status.NotInUse()
				}
				e.next = now
			} else {
				e.status = e.status.Disabled()
			}
			ts = c.appendChange(ts, e.target, from, e.status.Health, now)
		}
		return ts
	})
	c.poke()
	return nil
}

// Run checks targets until ctx is done, then closes WaitCh. A panic inside
// a round is recovered and logged, and the loop goes on. Run must be called
// at most once.
func (c *Checker) Run(ctx context.Context) {
	defer close(c.waitCh)
	timer := c.clock.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
		case <-c.wake:
		}
		c.safeTick(ctx, c.clock.Now())
		timer.Reset(c.untilNextDue(c.clock.Now()))
	}
}

// safeTick is tick with panics recovered (caddy activeHealthChecker): a bug
// in one round must not stop health checking for the whole group.
func (c *Checker) safeTick(ctx context.Context, now time.Time) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("health check round panicked", "target_group", c.cfg.arn, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	c.tick(ctx, now)
}

// tick runs one round at time now: it removes targets whose deregistration
// delay has passed, sends a check to every target that is due (in parallel,
// each bounded by the health check timeout), waits for them, and applies the
// results. Tests call it directly to run a round synchronously.
func (c *Checker) tick(ctx context.Context, now time.Time) {
	var due []*entry
	var cfg config
	// A panic anywhere in the round (a Reporter, a bug) must not leave
	// targets marked in flight, or they would never be checked again.
	defer func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, e := range due {
			e.probing = false
		}
	}()
	c.update(func(time.Time) (ts []Transition) {
		cfg = c.cfg
		for _, e := range c.sortedEntries() {
			switch {
			case e.status.Health.State == elb.TargetHealthStateDraining:
				if !now.Before(e.drainUntil) {
					delete(c.targets, e.target.Key())
					ts = c.appendChange(ts, e.target, e.status.Health, elb.HealthFor(elb.TargetHealthReasonNotRegistered), now)
				}
			case c.checkable(e) && !now.Before(e.next):
				from := e.status.Health
				e.status = e.status.Begin()
				ts = c.appendChange(ts, e.target, from, e.status.Health, now)
				e.probing = true
				// §1.2: the schedule does not drift with response times;
				// a round that ran late does not cause a burst.
				e.next = e.next.Add(cfg.interval)
				if !e.next.After(now) {
					e.next = now.Add(cfg.interval)
				}
				due = append(due, e)
			}
		}
		return ts
	})
	if len(due) == 0 {
		return
	}

	results := make([]Result, len(due))
	var wg sync.WaitGroup
	for i, e := range due {
		wg.Go(func() { results[i] = c.probe(ctx, cfg, e.target) })
	}
	wg.Wait()

	c.update(func(time.Time) (ts []Transition) {
		for i, e := range due {
			e.probing = false
			// A result that arrives after shutdown began says nothing about
			// the target; one for a target deregistered or re-registered
			// meanwhile belongs to an entry that is gone.
			if ctx.Err() != nil || c.targets[e.target.Key()] != e {
				continue
			}
			from := e.status.Health
			e.status = e.status.Observe(results[i], cfg.thresholds)
			ts = c.appendChange(ts, e.target, from, e.status.Health, now)
		}
		return ts
	})
}

// checkable reports whether a check may be sent to e now (ignoring time).
func (c *Checker) checkable(e *entry) bool {
	return c.inUse && c.cfg.hc.Enabled() && e.status.Checked() && !e.probing
}

// probe runs one check, turning a panic in the prober into
// Elb.InternalError: the goroutine it runs in is not covered by safeTick.
func (c *Checker) probe(ctx context.Context, cfg config, t elb.TargetDescription) (r Result) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("health check panicked", "target_group", cfg.arn, "target", t.String(), "panic", p, "stack", string(debug.Stack()))
			r = Fail(elb.TargetHealthReasonInternalError)
		}
	}()
	return c.prober.Probe(ctx, ProbeRequest{
		Target:   t,
		Port:     cfg.hc.ResolvePort(t.Port),
		Protocol: cfg.hc.HealthCheckProtocol,
		Path:     cfg.hc.HealthCheckPath,
		Timeout:  cfg.timeout,
		Codes:    cfg.codes,
	})
}

// untilNextDue returns how long Run may sleep: until the earliest check or
// drain expiry, or idleWait when nothing is scheduled.
func (c *Checker) untilNextDue(now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first time.Time
	for _, e := range c.targets {
		var at time.Time
		switch {
		case e.status.Health.State == elb.TargetHealthStateDraining:
			at = e.drainUntil
		case c.checkable(e):
			at = e.next
		default:
			continue
		}
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	if first.IsZero() {
		return idleWait
	}
	return max(first.Sub(now), 0)
}

// update runs fn under mu with the current time, publishes a new snapshot
// if anything changed, and reports the transitions fn returns, in order and
// outside mu. reportMu is taken before mu is released so that reports of two
// updates never interleave or swap.
func (c *Checker) update(fn func(now time.Time) []Transition) {
	now := c.clock.Now()
	c.mu.Lock()
	locked := true
	defer func() {
		if locked {
			c.mu.Unlock() // fn panicked
		}
	}()
	ts := fn(now)
	if len(ts) > 0 || c.dirty {
		c.publishLocked()
		c.dirty = false
	}
	c.reportMu.Lock()
	defer c.reportMu.Unlock()
	c.mu.Unlock()
	locked = false
	for _, t := range ts {
		c.reporter.TargetHealthChanged(t)
	}
}

// poke wakes Run so it recomputes its timer after a change made outside a
// round. The send never blocks: one pending wake-up is enough.
func (c *Checker) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// publishLocked stores a new snapshot built from the entries.
func (c *Checker) publishLocked() {
	rows := make([]TargetStatus, 0, len(c.targets))
	for _, e := range c.targets {
		rows = append(rows, TargetStatus{Target: e.target, HealthCheckPort: c.cfg.hc.ResolvePort(e.target.Port), Health: e.status.Health})
	}
	c.snap.Store(newSnapshot(rows))
}

// appendChange appends a transition when the health changed.
func (c *Checker) appendChange(ts []Transition, t elb.TargetDescription, from, to elb.TargetHealth, now time.Time) []Transition {
	if from == to {
		return ts
	}
	return append(ts, Transition{TargetGroupARN: c.cfg.arn, Target: t, From: from, To: to, At: now})
}

// sortedEntries returns the entries ordered by ID and port, so rounds and
// reports are deterministic.
func (c *Checker) sortedEntries() []*entry {
	out := make([]*entry, 0, len(c.targets))
	for _, e := range c.targets {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(a.target.ID, b.target.ID), cmp.Compare(a.target.Port, b.target.Port))
	})
	return out
}
