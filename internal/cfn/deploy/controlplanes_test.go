package deploy

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver/fake"
	"github.com/ecslocal/ecslocal/internal/ecs/agent"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/ecs/control/elbtargets"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
	elbcontrol "github.com/ecslocal/ecslocal/internal/elb/control"
	"github.com/ecslocal/ecslocal/internal/elb/health"
)

// This file wires the handlers to the real control planes, as
// cmd/ecslocal does: the ECS control plane with one real agent per
// container instance on the scripted driver, and the ELB control plane
// whose health checkers pass every check (the end-to-end tests in
// cmd/ecslocal run real health checks against real processes). Every AWS
// duration runs on a clock 100 times as fast as the wall clock.

// fastClock is AWS time at 100× for the stacks (Clock), the ECS control
// plane (ecscontrol.Clock) and the health checkers (health.Clock).
type fastClock struct{ start time.Time }

const fastFactor = 0.01

func (c *fastClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.start)) / fastFactor))
}

func (c *fastClock) After(d time.Duration) <-chan time.Time {
	return time.After(time.Duration(float64(d) * fastFactor))
}

func (c *fastClock) NewTimer(d time.Duration) health.Timer {
	return fastTimer{time.NewTimer(time.Duration(float64(d) * fastFactor))}
}

type fastTimer struct{ t *time.Timer }

func (t fastTimer) C() <-chan time.Time { return t.t.C }
func (t fastTimer) Reset(d time.Duration) bool {
	return t.t.Reset(time.Duration(float64(d) * fastFactor))
}
func (t fastTimer) Stop() bool { return t.t.Stop() }

// planes is a Stacks over the real ECS and ELB control planes.
type planes struct {
	*harness
	ecs      *ecscontrol.Controller
	elb      *elbcontrol.Control
	drv      *fake.Driver
	agents   *testAgents
	launches *launchLog
	logs     *LogGroupDir
}

func newPlanes(tb testing.TB) *planes {
	tb.Helper()
	clk := &fastClock{start: time.Now()}
	quiet := slog.New(slog.DiscardHandler)
	elbCtl := elbcontrol.New(elbcontrol.Options{
		Region: "us-east-1", AccountID: "123456789012", Clock: clk, Logger: quiet,
		Prober: health.ProberFunc(func(context.Context, health.ProbeRequest) health.Result { return health.Pass() }),
	})
	tb.Cleanup(func() { elbCtl.Close() })
	store := state.NewStore()
	drv := fake.New(fake.Options{})
	agents := &testAgents{store: store, drv: drv, agents: map[string]*agent.Agent{}}
	ecsCtl, err := ecscontrol.New(ecscontrol.Options{
		Store: store, Region: "us-east-1", AccountID: "123456789012",
		Registrar: elbtargets.New(elbCtl), Agents: agents, Clock: clk, Logger: quiet,
	})
	if err != nil {
		tb.Fatal(err)
	}
	agents.reporter = ecsCtl.Reporter()
	ctx, cancel := context.WithCancel(context.Background())
	go ecsCtl.Run(ctx) // owned by the test: stopped by the cleanup below
	tb.Cleanup(func() {
		agents.kill()
		cancel()
		<-ecsCtl.WaitCh()
	})
	launches := &launchLog{}
	logs := NewLogGroupDir(tb.TempDir(), nil)
	s := New(Options{
		Handlers: NewHandlers(HandlerOptions{
			ELB: elbCtl, ECS: ECSControl(ecsCtl), Instances: recordingInstances{InstancesControl(ecsCtl), launches}, Logs: logs,
			PollInterval: time.Second, StabilizationTimeout: 10 * time.Minute,
		}),
		Region: "us-east-1", AccountID: "123456789012", Clock: clk, Logger: quiet,
	})
	tb.Cleanup(func() { s.Close() })
	return &planes{harness: &harness{Stacks: s, log: &callLog{}}, ecs: ecsCtl, elb: elbCtl, drv: drv, agents: agents, launches: launches, logs: logs}
}

// waitDone waits (in real time, bounded) until the stack leaves its
// in-progress state.
func (p *planes) waitDone(tb testing.TB, name string) *Stack {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := p.Wait(ctx, name)
	if err != nil {
		tb.Fatalf("wait %s: %v", name, err)
	}
	return st
}

// testAgents runs one real agent per container instance on the scripted
// driver, like cmd/ecslocal's agentSet.
type testAgents struct {
	store    *state.Store
	drv      *fake.Driver
	reporter agent.Reporter

	mu     sync.Mutex
	agents map[string]*agent.Agent
}

func (s *testAgents) Agent(arn string) (ecscontrol.TaskSink, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.agents[arn]; ok {
		return a, true
	}
	if s.store.Snapshot().ContainerInstance(arn) == nil {
		return nil, false
	}
	a, err := agent.New(agent.Config{InstanceARN: arn, Driver: s.drv, Reporter: s.reporter, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, false
	}
	s.agents[arn] = a
	return a, true
}

func (s *testAgents) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, a := range s.agents {
		_ = a.Kill(ctx)
	}
}

// recordingInstances is the real InstancesControl that records every
// launch.
type recordingInstances struct {
	Instances
	launches *launchLog
}

// launchLog records RunInstances inputs, for assertions.
type launchLog struct {
	mu  sync.Mutex
	ins []RunInstancesInput
}

func (l *launchLog) all() []RunInstancesInput {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]RunInstancesInput(nil), l.ins...)
}

func (a recordingInstances) RunInstances(ctx context.Context, in *RunInstancesInput) ([]string, error) {
	a.launches.mu.Lock()
	a.launches.ins = append(a.launches.ins, *in)
	a.launches.mu.Unlock()
	return a.Instances.RunInstances(ctx, in)
}
