package ecsapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/ecsapi"
	"github.com/ecslocal/ecslocal/internal/driver/fake"
	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/agent"
	"github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// t0 is where every test's manual clock starts.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC)

// Account and region of every test's ARNs.
const (
	region  = "us-east-1"
	account = "123456789012"
)

// testWriter routes logs through testing.TB.
type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(string(p))
	return len(p), nil
}

// agentSet starts one real agent on driver/fake per container instance,
// when control first hands the instance a task (as cmd wires them).
type agentSet struct {
	mu     sync.Mutex
	clock  *fake.ManualClock
	rep    agent.Reporter
	agents map[string]*agent.Agent
	tb     testing.TB
}

func (as *agentSet) Agent(arn string) (control.TaskSink, bool) {
	as.mu.Lock()
	defer as.mu.Unlock()
	if a, ok := as.agents[arn]; ok {
		return a, true
	}
	a, err := agent.New(agent.Config{
		InstanceARN: arn,
		Driver:      fake.New(fake.Options{Clock: as.clock}),
		Reporter:    as.rep,
		Now:         as.clock.Now,
		Logger:      slog.New(slog.DiscardHandler),
	})
	if err != nil {
		as.tb.Errorf("agent: %v", err)
		return nil, false
	}
	as.agents[arn] = a
	return a, true
}

// shutdown stops supervising every task and waits for the runners.
func (as *agentSet) shutdown() {
	as.mu.Lock()
	defer as.mu.Unlock()
	for _, a := range as.agents {
		a.Shutdown()
	}
}

// env is one emulator endpoint: a real control plane (in-memory store,
// evaluation loop running, agents on driver/fake, manual clock,
// deterministic IDs) behind the real awsapi.Server on 127.0.0.1.
type env struct {
	url     string
	control *control.Controller
	store   *state.Store
	clock   *fake.ManualClock
	client  *awsecs.Client
}

// newEnv starts an endpoint without load balancers. IDs are
// deterministic: the first 32 hex digits of SHA-256("1"), SHA-256("2"), ….
func newEnv(tb testing.TB) *env {
	tb.Helper()
	return newEnvWith(tb, nil)
}

// newEnvWith starts an endpoint whose control plane reaches the load
// balancer through reg (nil: services with load balancers are refused).
func newEnvWith(tb testing.TB, reg control.TargetRegistrar) *env {
	tb.Helper()
	logger := slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelError}))
	c, e := newControl(tb, logger, reg)
	srv := httptest.NewServer(&awsapi.Server{
		Verifier: &awsapi.Verifier{Credentials: map[string]string{"test": "test"}},
		JSON:     []awsapi.JSONService{ecsapi.Service(c)},
		Logger:   logger,
	})
	tb.Cleanup(srv.Close)
	e.url = srv.URL
	e.client = newClient(srv.URL)
	return e
}

// newControl returns a running control plane and its env (without a URL);
// reg may be nil.
func newControl(tb testing.TB, logger *slog.Logger, reg control.TargetRegistrar) (*control.Controller, *env) {
	tb.Helper()
	e := &env{store: state.NewStore(), clock: fake.NewManualClock(t0)}
	agents := &agentSet{clock: e.clock, agents: map[string]*agent.Agent{}, tb: tb}
	var mu sync.Mutex
	n := 0
	c, err := control.New(control.Options{
		Store:     e.store,
		Region:    region,
		AccountID: account,
		NewID: func() string {
			mu.Lock()
			defer mu.Unlock()
			n++
			// Hashed, not 1, 2, …: control derives deployment IDs from an
			// ID's first 15 digits, which must differ.
			sum := sha256.Sum256([]byte(strconv.Itoa(n)))
			return hex.EncodeToString(sum[:16])
		},
		Agents:             agents,
		Registrar:          reg,
		Clock:              e.clock,
		HealthPollInterval: time.Second,
		Logger:             logger,
	})
	if err != nil {
		tb.Fatal(err)
	}
	agents.rep = c.Reporter()
	e.control = c
	ctx, cancel := context.WithCancel(context.Background())
	go c.Run(ctx)
	tb.Cleanup(func() {
		cancel()
		<-c.WaitCh()
		agents.shutdown()
	})
	return c, e
}

// newClient returns the official SDK client for url. Retries are off so
// every answer is seen once, as it was sent.
func newClient(url string) *awsecs.Client {
	return awsecs.New(awsecs.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// waitFor polls cond until it holds, for at most 20 s; each round advances
// the manual clock by step (0: not at all) and wakes the loop.
func (e *env) waitFor(tb testing.TB, what string, step time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		if step > 0 {
			e.clock.Advance(step)
		}
		e.control.Trigger()
		time.Sleep(2 * time.Millisecond) // yield to the loop and the runners
	}
}

// tick advances the manual clock by step every few milliseconds until the
// returned stop is called, for waits that poll through a client (the SDK's
// waiters).
func (e *env) tick(step time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
				e.clock.Advance(step)
				e.control.Trigger()
			}
		}
	}()
	return func() { close(done); <-finished }
}

// apiError returns err as the SDK surfaces an AWS error, or fails.
func apiError(tb testing.TB, err error) smithy.APIError {
	tb.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		tb.Fatalf("got error %v; want an AWS API error", err)
	}
	return ae
}

// wantAPIError fails unless err is the AWS error code with HTTP status and
// (when msg is not "") the message msg, as the SDK surfaces it, with the
// fault the SDK's model gives the exception.
func wantAPIError(tb testing.TB, err error, code string, status int, msg string) {
	tb.Helper()
	ae := apiError(tb, err)
	if ae.ErrorCode() != code {
		tb.Fatalf("got code %s (%s); want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if msg != "" && ae.ErrorMessage() != msg {
		tb.Errorf("%s: got message %q; want %q", code, ae.ErrorMessage(), msg)
	}
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		tb.Errorf("%s: got HTTP status %v; want %d", code, re, status)
	}
	wantFault := smithy.FaultClient
	if status >= 500 {
		wantFault = smithy.FaultServer
	}
	if ae.ErrorFault() != wantFault {
		tb.Errorf("%s: got fault %v; want %v", code, ae.ErrorFault(), wantFault)
	}
}

// must returns a function that fails on error and returns the value.
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

// healthyELB is a control.TargetRegistrar standing in for the load
// balancer: it accepts every target group, reports every registered target
// healthy at once, and forgets a deregistered target at once (no draining).
type healthyELB struct {
	mu      sync.Mutex
	targets map[string]map[control.Target]bool
}

var _ control.TargetRegistrar = (*healthyELB)(nil)

func (h *healthyELB) RegisterTargets(_ context.Context, tg string, ts []control.Target) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.targets == nil {
		h.targets = map[string]map[control.Target]bool{}
	}
	if h.targets[tg] == nil {
		h.targets[tg] = map[control.Target]bool{}
	}
	for _, t := range ts {
		h.targets[tg][t] = true
	}
	return nil
}

func (h *healthyELB) DeregisterTargets(_ context.Context, tg string, ts []control.Target) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range ts {
		delete(h.targets[tg], t)
	}
	return nil
}

func (h *healthyELB) TargetHealth(_ context.Context, tg string) ([]control.TargetHealth, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []control.TargetHealth
	for t := range h.targets[tg] {
		out = append(out, control.TargetHealth{Target: t, State: scheduler.TargetStateHealthy})
	}
	return out, nil
}

func (h *healthyELB) ValidateTargetGroup(context.Context, string, ecs.NetworkMode) error { return nil }

// describeService returns one service of the default cluster, or fails.
func describeService(tb testing.TB, c *awsecs.Client, name string) types.Service {
	tb.Helper()
	d := must[*awsecs.DescribeServicesOutput](tb)(c.DescribeServices(ctx, &awsecs.DescribeServicesInput{Services: []string{name}}))
	if len(d.Services) != 1 {
		tb.Fatalf("DescribeServices %s: got %+v, failures %+v", name, d.Services, d.Failures)
	}
	return d.Services[0]
}

// listTasks returns every task ARN ListTasks gives for in, unpaged (in
// must not set NextToken or MaxResults), or fails.
func listTasks(tb testing.TB, c *awsecs.Client, in awsecs.ListTasksInput) []string {
	tb.Helper()
	var arns []string
	p := awsecs.NewListTasksPaginator(c, &in)
	for p.HasMorePages() {
		arns = append(arns, must[*awsecs.ListTasksOutput](tb)(p.NextPage(ctx)).TaskArns...)
	}
	return arns
}

// describeTasks describes tasks of the default cluster (any number), or
// fails if one is missing.
func describeTasks(tb testing.TB, c *awsecs.Client, arns []string) []types.Task {
	tb.Helper()
	var out []types.Task
	for chunk := range slices.Chunk(arns, 100) {
		d := must[*awsecs.DescribeTasksOutput](tb)(c.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Tasks: chunk}))
		if len(d.Failures) != 0 {
			tb.Fatalf("DescribeTasks: failures %+v", d.Failures)
		}
		out = append(out, d.Tasks...)
	}
	return out
}

// describeInstance returns one container instance of the default cluster,
// or fails.
func describeInstance(tb testing.TB, c *awsecs.Client, arn string) types.ContainerInstance {
	tb.Helper()
	d := must[*awsecs.DescribeContainerInstancesOutput](tb)(c.DescribeContainerInstances(ctx, &awsecs.DescribeContainerInstancesInput{
		ContainerInstances: []string{arn}}))
	if len(d.ContainerInstances) != 1 {
		tb.Fatalf("DescribeContainerInstances %s: got %+v, failures %+v", arn, d.ContainerInstances, d.Failures)
	}
	return d.ContainerInstances[0]
}
