package elbapi_test

import (
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

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/elbapi"
)

var update = flag.Bool("update", false, "rewrite testdata/wire/*.txt with the answers the emulator gives")

// separator divides a wire fixture's request from its expected answer.
const separator = "----------"

// TestWireFixtures replays testdata/wire/*.txt in name order against one
// endpoint: each file holds a request (one Name=Value parameter per line,
// the form the SDKs send) and, after the separator, the HTTP status and
// the exact XML answer. The files build on each other (IDs are handed out
// in order: load balancer 1, target groups 2 and 3, listener 4 with default
// rule 5, rule 6). Regenerate with `go test -run TestWireFixtures -update`.
func TestWireFixtures(t *testing.T) {
	c, _ := newControl(t, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	srv := httptest.NewServer(&awsapi.Server{
		Verifier:     &awsapi.Verifier{Credentials: map[string]string{"test": "test"}},
		Query:        []awsapi.QueryService{(&elbapi.Handler{Control: c}).Service()},
		NewRequestID: func() string { return "00000000-0000-4000-8000-000000000000" },
		Logger:       slog.New(slog.NewTextHandler(testWriter{t}, nil)),
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
		if !ok {
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
	"CreateLoadBalancer", "DescribeLoadBalancers", "DeleteLoadBalancer", "DescribeLoadBalancerAttributes", "ModifyLoadBalancerAttributes",
	"CreateTargetGroup", "DescribeTargetGroups", "ModifyTargetGroup", "DeleteTargetGroup", "DescribeTargetGroupAttributes", "ModifyTargetGroupAttributes",
	"RegisterTargets", "DeregisterTargets", "DescribeTargetHealth",
	"CreateListener", "DescribeListeners", "ModifyListener", "DeleteListener",
	"CreateRule", "DescribeRules", "ModifyRule", "DeleteRule", "SetRulePriorities",
	"AddTags", "RemoveTags", "DescribeTags",
}
