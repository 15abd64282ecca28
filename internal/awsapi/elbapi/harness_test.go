package elbapi_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/elbapi"
	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/control"
	"github.com/ecslocal/ecslocal/internal/elb/health"
)

// t0 is the wall clock of every test: CreatedTime of every load balancer.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC)

var ctx = context.Background()

// stillClock is a health.Clock whose timers never fire: health checks
// never run, so every registered target stays in its first state and the
// answers are the same on every run.
type stillClock struct{}

func (stillClock) Now() time.Time                      { return t0 }
func (stillClock) NewTimer(time.Duration) health.Timer { return stillTimer{make(chan time.Time)} }

type stillTimer struct{ ch chan time.Time }

func (t stillTimer) C() <-chan time.Time      { return t.ch }
func (t stillTimer) Reset(time.Duration) bool { return false }
func (t stillTimer) Stop() bool               { return true }

// recordingPublisher keeps the newest snapshot the control plane published
// and counts them (only the newest: fuzzing publishes millions).
type recordingPublisher struct {
	mu   sync.Mutex
	n    int
	snap *elb.Snapshot
}

func (p *recordingPublisher) Publish(s *elb.Snapshot) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	p.snap = s
	return nil
}

func (p *recordingPublisher) last() *elb.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.snap
}

// testWriter routes logs through testing.TB.
type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(string(p))
	return len(p), nil
}

// env is one emulator endpoint: a real control plane behind the real
// awsapi.Server on 127.0.0.1.
type env struct {
	url     string
	control *control.Control
	pub     *recordingPublisher
	client  *elbv2.Client
}

// newEnv starts an endpoint whose control plane has deterministic IDs
// (0000000000000001, …), time t0, region us-east-1, a recording publisher,
// a clock that never fires, a prober that always passes and a resolver
// that maps instance "i-N" to 10.0.0.N (anything else is unknown).
func newEnv(tb testing.TB) *env {
	tb.Helper()
	c, pub := newControl(tb, slog.New(slog.NewTextHandler(testWriter{tb}, nil)))
	e := &env{control: c, pub: pub}
	e.url = serve(tb, &elbapi.Handler{Control: c})
	e.client = newClient(e.url)
	return e
}

// newControl returns the control plane newEnv serves, and its publisher.
func newControl(tb testing.TB, logger *slog.Logger) (*control.Control, *recordingPublisher) {
	tb.Helper()
	var mu sync.Mutex
	n := 0
	pub := &recordingPublisher{}
	c := control.New(control.Options{
		Region:    "us-east-1",
		AccountID: "000000000000",
		Now:       func() time.Time { return t0 },
		NewID:     func() string { mu.Lock(); defer mu.Unlock(); n++; return fmt.Sprintf("%016x", n) },
		Publisher: pub,
		Resolver: control.ResolverFunc(func(id string) (netip.Addr, error) {
			var k uint8
			if _, err := fmt.Sscanf(id, "i-%d", &k); err != nil {
				return netip.Addr{}, fmt.Errorf("no instance %s", id)
			}
			return netip.AddrFrom4([4]byte{10, 0, 0, k}), nil
		}),
		Clock:  stillClock{},
		Prober: health.ProberFunc(func(context.Context, health.ProbeRequest) health.Result { return health.Pass() }),
		Logger: logger,
	})
	tb.Cleanup(func() { c.Close() })
	return c, pub
}

// serve mounts h on a real awsapi.Server that accepts the credentials
// test/test, and returns its URL.
func serve(tb testing.TB, h *elbapi.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(&awsapi.Server{
		Verifier: &awsapi.Verifier{Credentials: map[string]string{"test": "test"}},
		Query:    []awsapi.QueryService{h.Service()},
		Logger:   slog.New(slog.NewTextHandler(testWriter{tb}, nil)),
	})
	tb.Cleanup(srv.Close)
	return srv.URL
}

// newClient returns the official SDK client for url. Retries are off so a
// 500 answer is seen once, as it was sent.
func newClient(url string) *elbv2.Client {
	return elbv2.New(elbv2.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// wantAPIError fails unless err is the AWS error code with HTTP status, and
// (when msg is not "") the message msg, as the SDK surfaces it.
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
	// The SDK knows the fault of the modeled exceptions only; ValidationError
	// and the common errors come back as generic errors.
	if code != "ValidationError" && code != "InvalidAction" && status < 500 && ae.ErrorFault() != smithy.FaultClient {
		tb.Errorf("%s: got fault %v; want client", code, ae.ErrorFault())
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
