package cfnapi_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/cfnapi"
	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
	"github.com/ecslocal/ecslocal/internal/elb/control"
)

// t0 is the wall clock every test starts at.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

var ctx = context.Background()

// testClock is a deploy.Clock whose After fires at once, advancing Now:
// stabilization waits and CreationPolicy timeouts take no real time.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	t := c.now
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- t
	return ch
}

// testWriter routes logs through testing.TB.
type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(string(p))
	return len(p), nil
}

// env is one emulator endpoint: a real stack executor with the recorded
// handlers, the ELB handlers over a real elb/control, and the ECS and
// Auto Scaling handlers over in-memory fakes, behind the real
// awsapi.Server on 127.0.0.1.
type env struct {
	url    string
	stacks *deploy.Stacks
	elb    *control.Control
	ecs    *fakeECS
	insts  *fakeInstances
	client *cloudformation.Client
}

// newEnv starts an endpoint whose executor has deterministic ids
// (00000000-0000-4000-8000-000000000001, …), a clock that starts at t0
// and never sleeps, region us-east-1 and account 123456789012. settle is
// Handler.Settle.
func newEnv(tb testing.TB, settle time.Duration) *env {
	tb.Helper()
	logger := slog.New(slog.NewTextHandler(testWriter{tb}, nil))
	ctl := control.New(control.Options{Region: "us-east-1", AccountID: "123456789012", Logger: logger})
	tb.Cleanup(func() { ctl.Close() })
	e := &env{elb: ctl, ecs: newFakeECS()}
	e.insts = newFakeInstances(e.ecs)
	e.stacks = newStacks(tb, deploy.NewHandlers(deploy.HandlerOptions{ELB: ctl, ECS: e.ecs, Instances: e.insts}), logger)
	e.url = serve(tb, &cfnapi.Handler{Stacks: e.stacks, Settle: settle})
	e.client = newClient(e.url)
	return e
}

// newStacks returns an executor over handlers with deterministic ids and
// the test clock.
func newStacks(tb testing.TB, hs deploy.Handlers, logger *slog.Logger) *deploy.Stacks {
	tb.Helper()
	var n atomic.Int64
	clk := &testClock{now: t0}
	s := deploy.New(deploy.Options{
		Handlers:  hs,
		Now:       clk.Now,
		NewID:     func() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1)) },
		Region:    "us-east-1",
		AccountID: "123456789012",
		Clock:     clk,
		Logger:    logger,
	})
	tb.Cleanup(func() { s.Close() })
	return s
}

// serve mounts h on a real awsapi.Server that accepts the credentials
// test/test, and returns its URL.
func serve(tb testing.TB, h *cfnapi.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(&awsapi.Server{
		Verifier: &awsapi.Verifier{Credentials: map[string]string{"test": "test"}},
		Query:    []awsapi.QueryService{h.Service()},
		Logger:   slog.New(slog.NewTextHandler(testWriter{tb}, nil)),
	})
	tb.Cleanup(srv.Close)
	return srv.URL
}

// newClient returns the official SDK client for url. Retries are off so
// an answer is seen once, as it was sent.
func newClient(url string) *cloudformation.Client {
	return cloudformation.New(cloudformation.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// wantAPIError fails unless err is the AWS error code with HTTP status,
// and (when msg is not "") the message msg, as the SDK surfaces it.
func wantAPIError(tb testing.TB, err error, code string, status int, msg string) {
	tb.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		tb.Fatalf("got error %v; want API error %s", err, code)
	}
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

// readFile returns a file's content, relative to the package.
func readFile(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// outputs returns a stack's outputs by key.
func outputs(tb testing.TB, c *cloudformation.Client, stack string) map[string]string {
	tb.Helper()
	out := must[*cloudformation.DescribeStacksOutput](tb)(c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)}))
	m := map[string]string{}
	for _, o := range out.Stacks[0].Outputs {
		m[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return m
}

// asError is errors.As, for the SDK's modeled exception types.
func asError[T error](err error, target *T) bool { return errors.As(err, target) }
