package deploy

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const logGroupTemplate = `
Parameters:
  Name:
    Type: String
    Default: /ecs/web
  Days:
    Type: Number
    Default: 7
Resources:
  Named:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Ref Name
      RetentionInDays: !Ref Days
  Unnamed:
    Type: AWS::Logs::LogGroup
Outputs:
  Arn:
    Value: !GetAtt Named.Arn
  Generated:
    Value: !Ref Unnamed
`

// newLogsHarness is a Stacks whose log groups live in a LogGroupDir.
func newLogsHarness(tb testing.TB) (*harness, *LogGroupDir) {
	tb.Helper()
	var n atomic.Int64
	clk := &testClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	logs := NewLogGroupDir(tb.TempDir(), clk.Now)
	s := New(Options{
		Handlers:  NewHandlers(HandlerOptions{Logs: logs}),
		Now:       clk.Now,
		NewID:     func() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1)) },
		Region:    "us-east-1",
		AccountID: "123456789012",
		Clock:     clk,
		Logger:    slog.New(slog.DiscardHandler),
	})
	tb.Cleanup(func() { s.Close() })
	return &harness{Stacks: s, log: &callLog{}}, logs
}

func TestLogGroups(t *testing.T) {
	t.Parallel()
	h, logs := newLogsHarness(t)
	ctx := context.Background()
	st := h.create(t, "lg", logGroupTemplate)
	if st.StackStatus != StackStatusCreateComplete {
		t.Fatalf("%s %s", st.StackStatus, st.StackStatusReason)
	}
	out := outputs(st)
	if out["Arn"] != "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web:*" {
		t.Errorf("Arn %q", out["Arn"])
	}
	g, err := logs.DescribeLogGroup("/ecs/web")
	if err != nil || g.RetentionInDays != 7 || g.CreationTime == 0 {
		t.Fatalf("/ecs/web: %+v %v; want retention 7", g, err)
	}
	generated := out["Generated"]
	if !strings.HasPrefix(generated, "lg-Unnamed-") {
		t.Errorf("generated name %q", generated)
	}
	if _, err := logs.DescribeLogGroup(generated); err != nil {
		t.Errorf("group %s: %v", generated, err)
	}

	// A new retention is an in-place update.
	if _, err := h.UpdateStack(ctx, &UpdateStackInput{StackName: "lg", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "Days", ParameterValue: "30"}}}); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(t, "lg"); st.StackStatus != StackStatusUpdateComplete {
		t.Fatalf("update %s %s", st.StackStatus, st.StackStatusReason)
	}
	if g, err := logs.DescribeLogGroup("/ecs/web"); err != nil || g.RetentionInDays != 30 {
		t.Errorf("after the update: %+v %v; want retention 30", g, err)
	}

	// A new name replaces the group: the new one exists, the old one is
	// deleted in cleanup.
	if _, err := h.UpdateStack(ctx, &UpdateStackInput{StackName: "lg", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "Name", ParameterValue: "/ecs/api"}, {ParameterKey: "Days", UsePreviousValue: true}}}); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(t, "lg"); st.StackStatus != StackStatusUpdateComplete {
		t.Fatalf("rename %s %s", st.StackStatus, st.StackStatusReason)
	}
	if g, err := logs.DescribeLogGroup("/ecs/api"); err != nil || g.RetentionInDays != 30 {
		t.Errorf("/ecs/api: %+v %v", g, err)
	}
	if _, err := logs.DescribeLogGroup("/ecs/web"); !errorCodeIs(err, CodeLogsResourceNotFound) {
		t.Errorf("/ecs/web after the replacement: %v; want %s", err, CodeLogsResourceNotFound)
	}

	// Deleting the stack deletes the groups with their streams.
	if p, err := logs.StreamPath("/ecs/api", "web/web/0123", false); err != nil || os.WriteFile(p, []byte("x\n"), 0o644) != nil {
		t.Fatalf("stream of /ecs/api: %v", err)
	}
	if err := h.DeleteStack(ctx, "lg"); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(t, st.StackID); st.StackStatus != StackStatusDeleteComplete {
		t.Fatalf("delete %s %s", st.StackStatus, st.StackStatusReason)
	}
	left, _ := os.ReadDir(logs.root)
	if len(left) != 0 {
		t.Errorf("%d log groups left after delete", len(left))
	}
}

func TestLogGroupCreateFailures(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		params []Parameter
		exists string
		reason string
	}{
		{"AlreadyExists", nil, "/ecs/web",
			"Resource of type 'AWS::Logs::LogGroup' with identifier '/ecs/web' already exists."},
		{"BadRetention", []Parameter{{ParameterKey: "Days", ParameterValue: "8"}}, "",
			"Value '8' at 'retentionInDays' failed to satisfy constraint"},
		{"BadName", []Parameter{{ParameterKey: "Name", ParameterValue: "web logs"}}, "",
			"Value 'web logs' at 'logGroupName' failed to satisfy constraint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, logs := newLogsHarness(t)
			if tt.exists != "" {
				if err := logs.CreateLogGroup(context.Background(), tt.exists, 0); err != nil {
					t.Fatal(err)
				}
			}
			st := h.create(t, "lg", logGroupTemplate, tt.params...)
			if st.StackStatus != StackStatusRollbackComplete {
				t.Fatalf("%s; want ROLLBACK_COMPLETE", st.StackStatus)
			}
			if !slices.ContainsFunc(h.events(t, "lg"), func(e string) bool {
				return strings.HasPrefix(e, "Named CREATE_FAILED") && strings.Contains(e, tt.reason)
			}) {
				t.Errorf("events %q; want Named CREATE_FAILED with %q", h.events(t, "lg"), tt.reason)
			}
			// The rollback deletes only what the stack created.
			if tt.exists != "" {
				if _, err := logs.DescribeLogGroup(tt.exists); err != nil {
					t.Errorf("the existing group was deleted by the rollback: %v", err)
				}
			}
		})
	}
}

// TestLogStreams pins the layout the awslogs driver of the agents
// writes: one file per stream in the group's directory.
func TestLogStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	logs := NewLogGroupDir(t.TempDir(), nil)
	stream := AWSLogsStream("web", "app", "0123456789abcdef0123456789abcdef")
	if stream != "web/app/0123456789abcdef0123456789abcdef" {
		t.Errorf("stream name %q", stream)
	}
	if got := AWSLogsStream("", "app", "0123"); got != "0123-app" {
		t.Errorf("stream name without a prefix %q", got)
	}
	if _, err := logs.StreamPath("/ecs/web", stream, false); !errorCodeIs(err, CodeLogsResourceNotFound) || err.Error() != "ResourceNotFoundException: The specified log group does not exist." {
		t.Fatalf("stream of a missing group: %v", err)
	}
	// awslogs-create-group: the driver creates the group. The agent links
	// the container's log file in as the stream.
	p, err := logs.StreamPath("/ecs/web", stream, true)
	if err != nil {
		t.Fatal(err)
	}
	taskLog := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(taskLog, []byte("listening on :3000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(taskLog, p); err != nil {
		t.Fatal(err)
	}
	again, err := logs.StreamPath("/ecs/web", stream, false)
	if err != nil || again != p {
		t.Fatalf("same stream again: %q %v; want %q", again, err, p)
	}
	if b, _ := os.ReadFile(again); string(b) != "listening on :3000\n" {
		t.Errorf("stream holds %q; want the task's log", b)
	}
	if filepath.Dir(filepath.Dir(p)) != logs.root || strings.Count(filepath.Base(p), "/") != 0 {
		t.Errorf("stream file %s is not one file in the group's directory", p)
	}
	if ss, err := logs.Streams("/ecs/web"); err != nil || !slices.Equal(ss, []string{stream}) {
		t.Errorf("streams %q %v", ss, err)
	}
	if err := logs.CreateLogGroup(ctx, "/ecs/web", 0); !errorCodeIs(err, CodeLogsResourceAlreadyExists) {
		t.Errorf("create again: %v; want %s", err, CodeLogsResourceAlreadyExists)
	}
	if err := logs.DeleteLogGroup(ctx, "/ecs/web"); err != nil {
		t.Fatal(err)
	}
	if err := logs.DeleteLogGroup(ctx, "/ecs/web"); !errorCodeIs(err, CodeLogsResourceNotFound) {
		t.Errorf("delete again: %v; want %s", err, CodeLogsResourceNotFound)
	}
}
