package cfnapi_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/cfnapi"
	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
)

var update = flag.Bool("update", false, "rewrite testdata/wire/*.txt with the answers the emulator gives")

// separator divides a wire fixture's request from its expected answer.
const separator = "----------"

// fixedHandler is a deploy.Handler for the wire fixtures: its physical
// ids are derived from the logical ids (vpc-<logical id>), so every answer
// is the same on every run. Every property updates in place.
type fixedHandler struct{}

func (fixedHandler) Create(_ context.Context, req *deploy.Request) (*deploy.Result, error) {
	return &deploy.Result{PhysicalID: "vpc-" + strings.ToLower(req.LogicalID), Attributes: map[string]any{"CidrBlock": req.Properties["CidrBlock"]}}, nil
}
func (fixedHandler) Update(_ context.Context, req *deploy.Request) (*deploy.Result, error) {
	return &deploy.Result{Attributes: map[string]any{"CidrBlock": req.Properties["CidrBlock"]}}, nil
}
func (fixedHandler) Delete(context.Context, *deploy.Request) error { return nil }
func (fixedHandler) Replacement(string) deploy.Replacement         { return deploy.ReplacementFalse }

// TestWireFixtures replays testdata/wire/*.txt in name order against one
// endpoint: each file holds a request (one Name=Value parameter per line,
// the form the SDKs send) and, after the separator, the HTTP status and
// the exact XML answer. The files build on each other (stack "web" is
// created, described, updated by a change set and deleted). The executor
// has deterministic ids and clock and one fixed resource type,
// AWS::EC2::VPC; Settle is on, so every operation has ended when its
// answer is sent. Regenerate with `go test -run TestWireFixtures -update`.
func TestWireFixtures(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	stacks := newStacks(t, deploy.Handlers{"AWS::EC2::VPC": fixedHandler{}}, logger)
	srv := httptest.NewServer(&awsapi.Server{
		Verifier:     &awsapi.Verifier{Credentials: map[string]string{"test": "test"}},
		Query:        []awsapi.QueryService{(&cfnapi.Handler{Stacks: stacks, Settle: 10 * time.Second}).Service()},
		NewRequestID: func() string { return "00000000-0000-4000-8000-000000000000" },
		Logger:       logger,
	})
	t.Cleanup(srv.Close)

	files, err := filepath.Glob(filepath.Join("testdata", "wire", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	if len(files) == 0 {
		t.Fatal("no wire fixtures")
	}
	covered := map[string]bool{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		req, want, ok := strings.Cut(string(b), separator+"\n")
		if !ok && !*update {
			t.Fatalf("%s: no %q line", file, separator)
		}
		form := url.Values{}
		for line := range strings.Lines(req) {
			line = strings.TrimRight(line, "\n")
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, _ := strings.Cut(line, "=")
			form.Add(k, v)
		}
		covered[form.Get("Action")] = true
		status, body := post(t, srv.URL, form)
		got := fmt.Sprintf("%d\n%s\n", status, body)
		if *update {
			if err := os.WriteFile(file, []byte(req+separator+"\n"+got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got != want {
			t.Errorf("%s:\ngot  %s\nwant %s", file, got, want)
		}
	}
	for _, op := range operations {
		if !covered[op] {
			t.Errorf("no wire fixture for %s", op)
		}
	}
}

// operations are every action the Handler serves.
var operations = []string{
	"CreateStack", "UpdateStack", "DeleteStack", "DescribeStacks", "DescribeStackEvents", "DescribeStackResource",
	"DescribeStackResources", "ListStackResources", "ListStacks", "GetTemplate", "GetTemplateSummary", "ValidateTemplate",
	"CreateChangeSet", "DescribeChangeSet", "ExecuteChangeSet", "DeleteChangeSet", "ListChangeSets", "ListExports",
}
