package awsapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/cfnapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/ecsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/elbapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/stsapi"
	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
	elbcontrol "github.com/ecslocal/ecslocal/internal/elb/control"
	"github.com/ecslocal/ecslocal/internal/elb/health"
)

// The account and region of every endpoint test. The account is moto's
// default, so the two sides of the differential test agree on it.
const (
	testRegion  = "us-east-1"
	testAccount = "123456789012"
)

// logWriter routes logs through testing.TB.
type logWriter struct{ tb testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// stillClock is a health.Clock whose timers never fire: no health check
// ever runs, so a registered target keeps its first state (initial or
// unused) and every answer is the same on every run.
type stillClock struct{}

func (stillClock) Now() time.Time                      { return time.Now() }
func (stillClock) NewTimer(time.Duration) health.Timer { return stillTimer{make(chan time.Time)} }

type stillTimer struct{ ch chan time.Time }

func (t stillTimer) C() <-chan time.Time      { return t.ch }
func (t stillTimer) Reset(time.Duration) bool { return false }
func (t stillTimer) Stop() bool               { return true }

// newEndpoint starts the whole AWS endpoint of ecslocal on 127.0.0.1, wired
// as cmd/ecslocal/up.go wires it: one awsapi.Server serving ECS over a real
// ecs/control (in-memory store, evaluation loop running, no agents), ELBv2
// over a real elb/control, STS, and CloudFormation over a real stack
// executor whose handlers reach the same ELB control plane (cmd's ECS
// adapter for CloudFormation lives in cmd and is left out). The
// credentials are test/test. now is the verifier's clock; nil means
// time.Now, as in up.go. The ELB control plane publishes nowhere (no
// listener binds a port) and never runs a health check.
func newEndpoint(tb testing.TB, now func() time.Time) string {
	tb.Helper()
	logger := slog.New(slog.NewTextHandler(logWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))

	ecsControl, err := ecscontrol.New(ecscontrol.Options{
		Store:     state.NewStore(),
		Region:    testRegion,
		AccountID: testAccount,
		Logger:    logger.With("component", "ecs"),
	})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go ecsControl.Run(ctx) // owned by the test: stopped at cleanup
	tb.Cleanup(func() { cancel(); <-ecsControl.WaitCh() })

	elbControl := elbcontrol.New(elbcontrol.Options{
		Region:    testRegion,
		AccountID: testAccount,
		Clock:     stillClock{},
		Prober:    health.ProberFunc(func(context.Context, health.ProbeRequest) health.Result { return health.Pass() }),
		Logger:    logger.With("component", "elb"),
	})
	tb.Cleanup(func() { elbControl.Close() })

	stacks := deploy.New(deploy.Options{
		Handlers:  deploy.NewHandlers(deploy.HandlerOptions{ELB: elbControl}),
		Region:    testRegion,
		AccountID: testAccount,
		Logger:    logger.With("component", "cloudformation"),
	})
	tb.Cleanup(func() { stacks.Close() })

	srv := httptest.NewServer(&awsapi.Server{
		Verifier: &awsapi.Verifier{Credentials: map[string]string{"test": "test"}, Now: now},
		JSON:     []awsapi.JSONService{ecsapi.Service(ecsControl)},
		Query: []awsapi.QueryService{
			(&stsapi.Handler{AccountID: testAccount}).Service(),
			(&elbapi.Handler{Control: elbControl}).Service(),
			(&cfnapi.Handler{Stacks: stacks, Settle: 2 * time.Second}).Service(),
		},
		Logger: logger.With("component", "api"),
	})
	tb.Cleanup(srv.Close)
	return srv.URL
}

// wireRequest is one request as it goes on the wire: a JSON 1.1 request
// when Target is set, a Query request (form body) otherwise.
type wireRequest struct {
	// Service is the SigV4 signing name.
	Service string
	// Target is the X-Amz-Target header of a JSON 1.1 request.
	Target string
	Body   string
}

// wireResponse is an answer as it came off the wire.
type wireResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// sendSigned sends req to url signed by the AWS SDK's own signer with
// akid/secret at time at; an empty akid sends it unsigned.
func sendSigned(tb testing.TB, url string, req wireRequest, akid, secret string, at time.Time) wireResponse {
	tb.Helper()
	r, err := http.NewRequest(http.MethodPost, url, strings.NewReader(req.Body))
	if err != nil {
		tb.Fatal(err)
	}
	if req.Target != "" {
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", req.Target)
	} else {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	if akid != "" {
		sum := sha256.Sum256([]byte(req.Body))
		creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), req.Service, testRegion, at); err != nil {
			tb.Fatal(err)
		}
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return wireResponse{Status: res.StatusCode, Header: res.Header, Body: b}
}
