package control

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// Target is one ALB target: an EC2 instance ID and a port (§9.7: the
// container instance's ec2InstanceId and the host port bound to the load
// balancer's container port).
type Target struct {
	ID   string
	Port int
}

// TargetHealth is the ALB's view of one target (elb TargetHealth: state,
// description). State uses the ALB's words: initial, healthy, unhealthy,
// unused, draining, unavailable.
type TargetHealth struct {
	Target      Target
	State       scheduler.TargetState
	Description string
}

// TargetRegistrar is how control reaches the load balancer; cmd wires it
// to internal/elb/control. It is owned here, by the caller (STYLE.md §2).
type TargetRegistrar interface {
	// RegisterTargets registers targets in a target group.
	RegisterTargets(ctx context.Context, targetGroupARN string, targets []Target) error
	// DeregisterTargets starts draining targets of a target group.
	DeregisterTargets(ctx context.Context, targetGroupARN string, targets []Target) error
	// TargetHealth returns the health of every target registered in the
	// target group, draining ones included. A target not listed is not
	// registered.
	TargetHealth(ctx context.Context, targetGroupARN string) ([]TargetHealth, error)
	// ValidateTargetGroup checks that a target group can front a service
	// (CreateService, §11.4): it exists, is attached to a load balancer
	// and has target type instance. It returns the *ecs.Error to send
	// (ecs.NewTargetGroupWithoutLoadBalancer, ecs.NewTargetGroupIncompatible).
	ValidateTargetGroup(ctx context.Context, targetGroupARN string, mode ecs.NetworkMode) error
}

// TaskSink receives control's current version of the tasks of one container
// instance. *agent.Agent satisfies it. Apply must not block.
type TaskSink interface {
	Apply(t *ecs.Task, td *ecs.TaskDefinition) error
}

// AgentSet finds the agent of a container instance: cmd wires one real
// agent per instance it runs; tests wire fakes or agents on driver/fake.
type AgentSet interface {
	// Agent returns the sink of the instance's agent and whether the
	// instance has one.
	Agent(containerInstanceARN string) (TaskSink, bool)
}

// Clock gives the evaluation loop its timers (RecheckAt, the health
// poll). cmd scales it with --time-scale; tests use a manual clock
// (driver/fake.ManualClock satisfies it).
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// DefaultHealthPollInterval is how often, in Clock time, the loop
// re-reads target health while a service has load balancers.
const DefaultHealthPollInterval = 5 * time.Second

// Options configures a Controller.
type Options struct {
	// Store is the state store control owns the writes of. Required.
	Store *state.Store
	// Region and AccountID build ARNs. Zero means us-east-1 and
	// 000000000000.
	Region    string
	AccountID string
	// Now stamps API timestamps. Nil means Clock.Now.
	Now func() time.Time
	// NewID returns a new 32-hex-digit ID. Nil means crypto/rand.
	NewID func() string
	// Registrar reaches the load balancer. Nil means services with load
	// balancers are refused.
	Registrar TargetRegistrar
	// Agents reaches the agents. Nil means tasks are only recorded.
	Agents AgentSet
	// Clock gives timers. Nil means the wall clock.
	Clock Clock
	// HealthPollInterval is how often target health is re-read while a
	// service has load balancers. Zero means DefaultHealthPollInterval.
	HealthPollInterval time.Duration
	// Logger receives warnings. Nil means slog.Default().
	Logger *slog.Logger
}

// Controller is the ECS control plane. Use New, then Run in a goroutine.
type Controller struct {
	store     *state.Store
	scope     ecs.Scope
	now       func() time.Time
	newID     func() string
	registrar TargetRegistrar
	agents    AgentSet
	clock     Clock
	poll      time.Duration
	log       *slog.Logger

	trigger chan struct{}
	waitCh  chan struct{}

	// mu guards the fields below, shared by the loop, the API and the
	// agents' reports.
	mu sync.Mutex
	// history is the scheduler's per-deployment memory (throttle,
	// circuit breaker), fed by the agents' reports.
	history map[string]scheduler.History
	// bindings holds the host ports assigned at placement until the agent
	// reports them: the store refuses observations on a new task, so
	// they live here in between (see the report's "Store gap").
	bindings map[string]map[string][]ecs.NetworkBinding
	// nextPort is each instance's dynamic port cursor.
	nextPort map[string]int
	// awaitDrain holds tasks desired STOPPED whose targets are draining,
	// by task ARN: their agents are told once the ALB let them go.
	awaitDrain map[string]map[string]Target
	// writeMu serialises read-decide-apply sequences of the API and the
	// loop so a decision is never made on a snapshot another writer is
	// about to invalidate (the store serialises Apply itself).
	writeMu sync.Mutex
}

// New returns a Controller. It starts nothing. On a store that already
// holds tasks (reopened after a restart of ecslocal) the dynamic host port
// cursors resume past the ports those tasks hold (restart.go).
func New(o Options) (*Controller, error) {
	if o.Store == nil {
		return nil, errors.New("control: Store is required")
	}
	c := &Controller{
		store:      o.Store,
		scope:      ecs.Scope{Region: o.Region, Account: o.AccountID},
		now:        o.Now,
		newID:      o.NewID,
		registrar:  o.Registrar,
		agents:     o.Agents,
		clock:      o.Clock,
		poll:       o.HealthPollInterval,
		log:        o.Logger,
		trigger:    make(chan struct{}, 1),
		waitCh:     make(chan struct{}),
		history:    map[string]scheduler.History{},
		bindings:   map[string]map[string][]ecs.NetworkBinding{},
		nextPort:   map[string]int{},
		awaitDrain: map[string]map[string]Target{},
	}
	if c.scope.Region == "" {
		c.scope.Region = "us-east-1"
	}
	if c.scope.Account == "" {
		c.scope.Account = "000000000000"
	}
	if c.clock == nil {
		c.clock = realClock{}
	}
	if c.now == nil {
		c.now = c.clock.Now
	}
	if c.newID == nil {
		c.newID = randomID
	}
	if c.poll <= 0 {
		c.poll = DefaultHealthPollInterval
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	// A store reopened from its file holds the tasks of an earlier run.
	c.resumePortCursors(c.store.Snapshot())
	return c, nil
}

// Scope returns the region and account ARNs are built in.
func (c *Controller) Scope() ecs.Scope { return c.scope }

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// id returns a fresh 32-hex ID from NewID.
func (c *Controller) id() string { return c.newID() }

// uuid formats a fresh ID as a UUID (event IDs).
func (c *Controller) uuid() string {
	s := c.id()
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// deploymentID returns "ecs-svc/" and 19 digits derived from a fresh ID.
func (c *Controller) deploymentID() string {
	// 15 hex digits are 60 bits (< 1.16e18); adding 1e18 always gives 19
	// digits without a leading zero.
	n, _ := strconv.ParseUint(c.id()[:15], 16, 64)
	return ecs.DeploymentIDPrefix + strconv.FormatUint(n+1_000_000_000_000_000_000, 10)
}

// ec2InstanceID returns "i-" and 17 hex digits derived from a fresh ID.
func (c *Controller) ec2InstanceID() string { return "i-" + c.id()[:17] }

// Trigger asks the loop for an evaluation; it never blocks and wake-ups
// coalesce (nomad's triggerUpdateHooks).
func (c *Controller) Trigger() {
	select {
	case c.trigger <- struct{}{}:
	default:
	}
}

// WaitCh is closed when Run returns.
func (c *Controller) WaitCh() <-chan struct{} { return c.waitCh }

// Run is the evaluation loop: one goroutine that evaluates every service
// that is not INACTIVE whenever something may have changed, and applies
// the plans. It returns when ctx is done and closes WaitCh.
func (c *Controller) Run(ctx context.Context) {
	defer close(c.waitCh)
	for {
		snap := c.store.Snapshot()
		recheck, polling := c.runOnce(ctx)
		var timer <-chan time.Time
		if !recheck.IsZero() {
			timer = c.clock.After(recheck.Sub(c.now()))
		}
		var pollCh <-chan time.Time
		if polling {
			pollCh = c.clock.After(c.poll)
		}
		select {
		case <-ctx.Done():
			return
		case <-c.trigger:
		case <-snap.Changed(state.TableServices):
		case <-snap.Changed(state.TableTasks):
		case <-snap.Changed(state.TableContainerInstances):
		case <-timer:
		case <-pollCh:
		}
	}
}

// runOnce evaluates every live service once and returns the earliest
// RecheckAt and whether some service needs target health polled.
func (c *Controller) runOnce(ctx context.Context) (recheck time.Time, polling bool) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("ecs control: evaluation panicked", "panic", r)
		}
	}()
	c.writeMu.Lock()
	polling = c.releaseDrained(ctx)
	c.writeMu.Unlock()
	snap := c.store.Snapshot()
	for _, cl := range snap.Clusters(state.Page{}) {
		for _, svc := range snap.Services(cl.ClusterARN, state.Page{}) {
			if svc.Status == ecs.ServiceStatusInactive {
				continue
			}
			if len(svc.LoadBalancers) > 0 {
				polling = true
			}
			at, err := c.evaluate(ctx, svc.ServiceARN)
			if err != nil {
				c.log.Warn("ecs control: evaluation failed", "service", svc.ServiceARN, "err", err)
				continue
			}
			if !at.IsZero() && (recheck.IsZero() || at.Before(recheck)) {
				recheck = at
			}
		}
	}
	return recheck, polling
}

// evaluate runs the scheduler for one service and applies the plan.
func (c *Controller) evaluate(ctx context.Context, serviceARN string) (time.Time, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	now := c.now()
	view := c.newView(ctx, c.store.Snapshot())
	ap := &applier{c: c, ctx: ctx, now: now}
	plan, err := scheduler.Process(view, ap, serviceARN, now, c.id, uint64(now.UnixNano()))
	if err != nil {
		return time.Time{}, err
	}
	if err := c.finishDraining(serviceARN, now); err != nil {
		return plan.RecheckAt, err
	}
	return plan.RecheckAt, nil
}

// finishDraining makes a DRAINING service INACTIVE once every task is
// stopping or stopped (§9.1).
func (c *Controller) finishDraining(serviceARN string, now time.Time) error {
	snap := c.store.Snapshot()
	svc := snap.Service(serviceARN)
	if svc == nil || svc.Status != ecs.ServiceStatusDraining {
		return nil
	}
	for _, t := range snap.ServiceTasks(serviceARN) {
		if !t.ControlTerminal() {
			return nil
		}
		switch t.LastStatus {
		case ecs.TaskStatusStopping, ecs.TaskStatusDeprovisioning, ecs.TaskStatusStopped, ecs.TaskStatusDeleted:
		default:
			return nil
		}
	}
	svc.Status = ecs.ServiceStatusInactive
	svc.DesiredCount = 0
	_, err := c.store.Apply([]state.Op{state.UpsertService{Service: svc}}, now)
	return err
}

// tell hands a task to its instance's agent, with the host ports control
// assigned and the store does not hold yet.
func (c *Controller) tell(t *ecs.Task, td *ecs.TaskDefinition) {
	if c.agents == nil || t.ContainerInstanceARN == "" {
		return
	}
	sink, ok := c.agents.Agent(t.ContainerInstanceARN)
	if !ok {
		return
	}
	t = c.overlay(t)
	if err := sink.Apply(t, td); err != nil {
		c.log.Warn("ecs control: agent refused task", "task", t.TaskARN, "err", err)
	}
}

// overlay returns t with the host ports control assigned at placement
// when the store has none yet for a container.
func (c *Controller) overlay(t *ecs.Task) *ecs.Task {
	c.mu.Lock()
	b := c.bindings[t.TaskARN]
	if b != nil && (t.AgentTerminal() || hasBindings(t)) {
		delete(c.bindings, t.TaskARN)
		b = nil
	}
	c.mu.Unlock()
	if b == nil {
		return t
	}
	t = t.Copy()
	for i := range t.Containers {
		if len(t.Containers[i].NetworkBindings) == 0 {
			t.Containers[i].NetworkBindings = append([]ecs.NetworkBinding{}, b[t.Containers[i].Name]...)
		}
	}
	return t
}

func hasBindings(t *ecs.Task) bool {
	for _, ct := range t.Containers {
		if len(ct.NetworkBindings) > 0 {
			return true
		}
	}
	return false
}
