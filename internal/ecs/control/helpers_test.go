package control

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver/fake"
	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/agent"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// env is a control plane on an in-memory store, with real agents on the
// fake driver, a manual clock, deterministic IDs and a fake ALB.
type env struct {
	t      testing.TB
	c      *Controller
	store  *state.Store
	clock  *fake.ManualClock
	agents *agentSet
	elb    *fakeELB
	log    *eventLog
	ctx    context.Context
}

// eventLog records the order of ALB and agent calls.
type eventLog struct {
	mu  sync.Mutex
	ops []string
}

func (l *eventLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops = append(l.ops, s)
}

func (l *eventLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ops)
}

// agentSet holds one real agent per registered instance, started lazily.
type agentSet struct {
	mu     sync.Mutex
	env    *env
	agents map[string]*agent.Agent
}

// loggingSink records desired STOPPED hand-offs before passing them on.
type loggingSink struct {
	a   *agent.Agent
	log *eventLog
}

func (s loggingSink) Apply(t *ecs.Task, td *ecs.TaskDefinition) error {
	if t.ControlTerminal() {
		s.log.add("stop " + t.ID())
	} else {
		s.log.add("run " + t.ID())
	}
	return s.a.Apply(t, td)
}

func (as *agentSet) Agent(arn string) (TaskSink, bool) {
	as.mu.Lock()
	defer as.mu.Unlock()
	a, ok := as.agents[arn]
	if !ok {
		var err error
		a, err = agent.New(agent.Config{
			InstanceARN: arn,
			Driver:      fake.New(fake.Options{Clock: as.env.clock}),
			Reporter:    as.env.c.Reporter(),
			Now:         as.env.clock.Now,
			Logger:      slog.New(slog.DiscardHandler),
		})
		if err != nil {
			as.env.t.Fatalf("agent: %v", err)
		}
		as.agents[arn] = a
	}
	return loggingSink{a: a, log: as.env.log}, true
}

func (as *agentSet) shutdown() {
	as.mu.Lock()
	defer as.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, a := range as.agents {
		_ = a.Kill(ctx)
	}
}

// fakeELB is a TargetRegistrar whose target health tests script.
// Registered targets start healthy when autoHealthy is set, else initial;
// deregistered targets disappear at once.
type fakeELB struct {
	mu          sync.Mutex
	log         *eventLog
	autoHealthy bool
	// drainHold keeps deregistered targets draining until finishDraining.
	drainHold bool
	noLB      map[string]bool
	targets   map[string]map[Target]TargetHealth
}

func (f *fakeELB) RegisterTargets(ctx context.Context, tg string, ts []Target) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.targets[tg] == nil {
		f.targets[tg] = map[Target]TargetHealth{}
	}
	for _, t := range ts {
		st := scheduler.TargetStateInitial
		if f.autoHealthy {
			st = scheduler.TargetStateHealthy
		}
		f.targets[tg][t] = TargetHealth{Target: t, State: st}
		f.log.add("register " + strconv.Itoa(t.Port))
	}
	return nil
}

func (f *fakeELB) DeregisterTargets(ctx context.Context, tg string, ts []Target) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range ts {
		if th, ok := f.targets[tg][t]; ok && f.drainHold {
			th.State = scheduler.TargetStateDraining
			f.targets[tg][t] = th
		} else {
			delete(f.targets[tg], t)
		}
		f.log.add("deregister " + strconv.Itoa(t.Port))
	}
	return nil
}

func (f *fakeELB) TargetHealth(ctx context.Context, tg string) ([]TargetHealth, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []TargetHealth
	for _, th := range f.targets[tg] {
		out = append(out, th)
	}
	return out, nil
}

func (f *fakeELB) ValidateTargetGroup(ctx context.Context, tg string, mode ecs.NetworkMode) error {
	if f.noLB[tg] {
		return ecs.NewTargetGroupWithoutLoadBalancer(tg)
	}
	return nil
}

// setAll sets every registered target of tg to a state.
func (f *fakeELB) setAll(tg string, st scheduler.TargetState, desc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, th := range f.targets[tg] {
		th.State, th.Description = st, desc
		f.targets[tg][k] = th
	}
}

// finishDraining removes the draining targets, as the end of the
// deregistration delay does.
func (f *fakeELB) finishDraining() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.targets {
		for k, th := range m {
			if th.State == scheduler.TargetStateDraining {
				delete(m, k)
			}
		}
	}
}

func (f *fakeELB) count(tg string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.targets[tg])
}

// newEnv returns a running control plane with a default cluster.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, store: state.NewStore(), clock: fake.NewManualClock(ecstest.Now), log: &eventLog{}}
	e.elb = &fakeELB{log: e.log, noLB: map[string]bool{}, targets: map[string]map[Target]TargetHealth{}}
	e.agents = &agentSet{env: e, agents: map[string]*agent.Agent{}}
	var mu sync.Mutex
	n := 0
	c, err := New(Options{
		Store:     e.store,
		Region:    "us-east-1",
		AccountID: "123456789012",
		NewID: func() string {
			mu.Lock()
			defer mu.Unlock()
			n++
			sum := sha256.Sum256([]byte(strconv.Itoa(n)))
			return hex.EncodeToString(sum[:16])
		},
		Clock:              e.clock,
		Registrar:          e.elb,
		Agents:             e.agents,
		HealthPollInterval: time.Second,
		Logger:             slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	ctx, cancel := context.WithCancel(context.Background())
	e.ctx = ctx
	go c.Run(ctx)
	t.Cleanup(func() {
		cancel()
		<-c.WaitCh()
		e.agents.shutdown()
	})
	if _, err := c.CreateCluster(ctx, CreateClusterInput{}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) instance(typ string) *ecs.ContainerInstance {
	e.t.Helper()
	out, err := e.c.RegisterContainerInstance(e.ctx, RegisterContainerInstanceInput{InstanceType: typ})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.ContainerInstance
}

// taskDef registers family with one container "web" on port 80 (dynamic
// host port), 128 MiB, and the fake driver's script as docker labels.
func (e *env) taskDef(family string, memory int, labels map[string]string) *ecs.TaskDefinition {
	e.t.Helper()
	in := RegisterTaskDefinitionInput{ecs.TaskDefinition{
		Family: family,
		ContainerDefinitions: []ecs.ContainerDefinition{{
			Name:         "web",
			Image:        "nginx:latest",
			CPU:          128,
			Memory:       &memory,
			PortMappings: []ecs.PortMapping{{ContainerPort: 80}},
			DockerLabels: labels,
		}},
	}}
	out, err := e.c.RegisterTaskDefinition(e.ctx, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return out.TaskDefinition
}

// waitFor polls cond until it holds or the deadline passes; each round
// advances the manual clock by step (0: not at all).
func (e *env) waitFor(what string, step time.Duration, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		if step > 0 {
			e.clock.Advance(step)
		}
		e.c.Trigger()
		time.Sleep(2 * time.Millisecond) // yield to the loop and the runners
	}
}

func (e *env) task(arn string) *ecs.Task {
	return e.store.Snapshot().Task(arn)
}

func (e *env) service(name string) *ecs.Service {
	return e.store.Snapshot().Service(e.c.Scope().ServiceARN("default", name))
}

func (e *env) serviceTasks(name string) state.ServiceTasks {
	return e.store.Snapshot().ServiceTasks(e.c.Scope().ServiceARN("default", name))
}

// events returns a service's event messages, oldest first.
func (e *env) events(name string) []string {
	svc := e.service(name)
	var out []string
	for i := len(svc.Events) - 1; i >= 0; i-- {
		out = append(out, svc.Events[i].Message)
	}
	return out
}

func (e *env) hasEvent(name, msg string) bool { return slices.Contains(e.events(name), msg) }

func running(ts []*ecs.Task) (n int) {
	for _, t := range ts {
		if t.LastStatus == ecs.TaskStatusRunning && !t.ControlTerminal() {
			n++
		}
	}
	return n
}

func ids(ts []*ecs.Task) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID())
	}
	return out
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ecs.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %s; want %s", err, got, code)
	}
}

func ptr[T any](v T) *T { return &v }
