package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeHandler is a function-field Handler that records its calls in a
// shared log ("create A", "update A", "delete A").
type fakeHandler struct {
	log       *callLog
	CreateFn  func(ctx context.Context, req *Request) (*Result, error)
	UpdateFn  func(req *Request) (*Result, error)
	DeleteFn  func(req *Request) error
	ReplaceOn []string
}

type callLog struct {
	mu    sync.Mutex
	calls []string
	seq   atomic.Int64
}

func (l *callLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, s)
}

func (l *callLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

func (h *fakeHandler) Create(ctx context.Context, req *Request) (*Result, error) {
	h.log.add("create " + req.LogicalID)
	if h.CreateFn != nil {
		return h.CreateFn(ctx, req)
	}
	id := fmt.Sprintf("%s-%d", strings.ToLower(req.LogicalID), h.log.seq.Add(1))
	return &Result{PhysicalID: id, Attributes: map[string]any{"Arn": "arn:fake:" + id, "Name": str(req.Properties["Name"])}}, nil
}

func (h *fakeHandler) Update(_ context.Context, req *Request) (*Result, error) {
	h.log.add("update " + req.LogicalID)
	if h.UpdateFn != nil {
		return h.UpdateFn(req)
	}
	return &Result{Attributes: map[string]any{"Arn": "arn:fake:" + req.PhysicalID, "Name": str(req.Properties["Name"])}}, nil
}

func (h *fakeHandler) Delete(_ context.Context, req *Request) error {
	h.log.add("delete " + req.LogicalID + " " + req.PhysicalID)
	if h.DeleteFn != nil {
		return h.DeleteFn(req)
	}
	return nil
}

func (h *fakeHandler) Replacement(p string) Replacement {
	if slices.Contains(h.ReplaceOn, p) {
		return ReplacementTrue
	}
	return ReplacementFalse
}

// testClock is a Clock whose After fires at once, advancing Now.
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

type harness struct {
	*Stacks
	log *callLog
	h   *fakeHandler
}

func newHarness(tb testing.TB, parallel int) *harness {
	tb.Helper()
	log := &callLog{}
	h := &fakeHandler{log: log, ReplaceOn: []string{"Name"}}
	var n atomic.Int64
	clk := &testClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := New(Options{
		Handlers: Handlers{"Test::Thing": h, "AWS::IAM::Role": h},
		Now: func() time.Time {
			return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(n.Add(1)) * time.Millisecond)
		},
		NewID:       func() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1)) },
		Region:      "us-east-1",
		AccountID:   "123456789012",
		Clock:       clk,
		Parallelism: parallel,
	})
	tb.Cleanup(func() { s.Close() })
	return &harness{Stacks: s, log: log, h: h}
}

func (h *harness) wait(tb testing.TB, name string) *Stack {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := h.Wait(ctx, name)
	if err != nil {
		tb.Fatalf("wait %s: %v", name, err)
	}
	return st
}

func (h *harness) create(tb testing.TB, name, body string, params ...Parameter) *Stack {
	tb.Helper()
	if _, err := h.CreateStack(context.Background(), &CreateStackInput{StackName: name, TemplateBody: body, Parameters: params}); err != nil {
		tb.Fatalf("CreateStack: %v", err)
	}
	return h.wait(tb, name)
}

// events returns the stack's events oldest first as "logical status
// reason" lines.
func (h *harness) events(tb testing.TB, name string) []string {
	tb.Helper()
	evs, err := h.DescribeStackEvents(context.Background(), name)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		line := e.LogicalResourceID + " " + e.ResourceStatus
		if e.ResourceStatusReason != "" {
			line += " " + e.ResourceStatusReason
		}
		out = append(out, line)
	}
	return out
}

const smallTemplate = `
Parameters:
  Name:
    Type: String
    Default: one
  Secret:
    Type: String
    NoEcho: true
    Default: hunter2
Resources:
  A:
    Type: Test::Thing
    Properties:
      Name: !Ref Name
      Secret: !Ref Secret
  B:
    Type: Test::Thing
    Properties:
      Source: !Ref A
      SourceArn: !GetAtt A.Arn
  C:
    Type: Test::Thing
    Properties:
      Source: !Ref B
Outputs:
  AArn:
    Value: !GetAtt A.Arn
    Export:
      Name: !Sub ${AWS::StackName}-AArn
  CId:
    Value: !Ref C
`

func TestCreateUpdateDelete(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ctx := context.Background()
	st := h.create(t, "small", smallTemplate)
	if st.StackStatus != StackStatusCreateComplete {
		t.Fatalf("status %s (%s); want CREATE_COMPLETE", st.StackStatus, st.StackStatusReason)
	}
	if !strings.HasPrefix(st.StackID, "arn:aws:cloudformation:us-east-1:123456789012:stack/small/") {
		t.Errorf("stack id %s", st.StackID)
	}
	want := []string{
		"small CREATE_IN_PROGRESS User Initiated",
		"A CREATE_IN_PROGRESS", "A CREATE_IN_PROGRESS Resource creation Initiated", "A CREATE_COMPLETE",
		"B CREATE_IN_PROGRESS", "B CREATE_IN_PROGRESS Resource creation Initiated", "B CREATE_COMPLETE",
		"C CREATE_IN_PROGRESS", "C CREATE_IN_PROGRESS Resource creation Initiated", "C CREATE_COMPLETE",
		"small CREATE_COMPLETE",
	}
	if got := h.events(t, "small"); !slices.Equal(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
	if got := map[string]string{st.Parameters[0].ParameterKey: st.Parameters[0].ParameterValue, st.Parameters[1].ParameterKey: st.Parameters[1].ParameterValue}; got["Secret"] != "****" || got["Name"] != "one" {
		t.Errorf("parameters %v; want Secret masked", got)
	}
	outs := map[string]Output{}
	for _, o := range st.Outputs {
		outs[o.OutputKey] = o
	}
	if outs["AArn"].OutputValue != "arn:fake:a-1" || outs["AArn"].ExportName != "small-AArn" || outs["CId"].OutputValue != "c-3" {
		t.Errorf("outputs %+v", st.Outputs)
	}
	if ex := h.ListExports(ctx); len(ex) != 1 || ex[0].Name != "small-AArn" || ex[0].ExportingStackID != st.StackID {
		t.Errorf("exports %+v", ex)
	}
	res, _ := h.DescribeStackResources(ctx, "small")
	if len(res) != 3 || res[1].PhysicalResourceID != "b-2" || res[1].ResourceStatus != ResourceCreateComplete {
		t.Errorf("resources %+v", res)
	}

	// The same template and parameters: nothing to do.
	_, err := h.UpdateStack(ctx, &UpdateStackInput{StackName: "small", UsePreviousTemplate: true})
	if ErrorCode(err) != CodeValidation || err.Error() != "No updates are to be performed." {
		t.Fatalf("UpdateStack unchanged: %v; want No updates are to be performed.", err)
	}

	// A new value for a property that needs replacement replaces A, and
	// B and C follow through their references.
	h.log.calls = nil
	if _, err := h.UpdateStack(ctx, &UpdateStackInput{StackName: "small", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "Name", ParameterValue: "two"}}}); err != nil {
		t.Fatal(err)
	}
	st = h.wait(t, "small")
	if st.StackStatus != StackStatusUpdateComplete || st.LastUpdatedTime.IsZero() {
		t.Fatalf("status %s (%s); want UPDATE_COMPLETE", st.StackStatus, st.StackStatusReason)
	}
	wantCalls := []string{"create A", "update B", "delete A a-1"}
	if got := h.log.get(); !slices.Equal(got, wantCalls) {
		t.Errorf("calls %q; want %q", got, wantCalls)
	}
	evs := h.events(t, "small")
	tail := evs[11:]
	wantTail := []string{
		"small UPDATE_IN_PROGRESS User Initiated",
		"A UPDATE_IN_PROGRESS " + ReasonReplacementCreate,
		"A UPDATE_IN_PROGRESS Resource creation Initiated", "A UPDATE_COMPLETE",
		"B UPDATE_IN_PROGRESS", "B UPDATE_COMPLETE",
		"small UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
		"A DELETE_IN_PROGRESS", "A DELETE_COMPLETE",
		"small UPDATE_COMPLETE",
	}
	if !slices.Equal(tail, wantTail) {
		t.Errorf("update events\n got %q\nwant %q", tail, wantTail)
	}
	if got := h.ListExports(ctx)[0].Value; got != "arn:fake:a-4" {
		t.Errorf("export after replacement %s; want arn:fake:a-4", got)
	}

	h.log.calls = nil
	if err := h.DeleteStack(ctx, "small"); err != nil {
		t.Fatal(err)
	}
	st = h.wait(t, st.StackID)
	if st.StackStatus != StackStatusDeleteComplete {
		t.Fatalf("status %s; want DELETE_COMPLETE", st.StackStatus)
	}
	if got, want := h.log.get(), []string{"delete C c-3", "delete B b-2", "delete A a-4"}; !slices.Equal(got, want) {
		t.Errorf("delete calls %q; want %q", got, want)
	}
	if _, err := h.DescribeStacks(ctx, "small"); err == nil || err.Error() != "Stack with id small does not exist" {
		t.Errorf("DescribeStacks after delete: %v", err)
	}
	if got := h.ListStacks(ctx, StackStatusDeleteComplete); len(got) != 1 {
		t.Errorf("ListStacks DELETE_COMPLETE: %+v", got)
	}
	if len(h.ListExports(ctx)) != 0 {
		t.Errorf("exports remain after delete")
	}
}

func TestCreateFailureRollsBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	h.h.CreateFn = func(_ context.Context, req *Request) (*Result, error) {
		if req.LogicalID == "C" {
			return nil, errors.New("Property Source cannot be empty.")
		}
		id := strings.ToLower(req.LogicalID) + "-x"
		return &Result{PhysicalID: id, Attributes: map[string]any{"Arn": "arn:" + id}}, nil
	}
	st := h.create(t, "bad", smallTemplate)
	if st.StackStatus != StackStatusRollbackComplete {
		t.Fatalf("status %s; want ROLLBACK_COMPLETE", st.StackStatus)
	}
	evs := h.events(t, "bad")
	if !slices.Contains(evs, "C CREATE_FAILED Property Source cannot be empty.") {
		t.Errorf("no CREATE_FAILED event for C: %q", evs)
	}
	if !slices.Contains(evs, "bad ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [C]. Rollback requested by user.") {
		t.Errorf("no rollback reason: %q", evs)
	}
	if got, want := h.log.get(), []string{"create A", "create B", "create C", "delete B b-x", "delete A a-x"}; !slices.Equal(got, want) {
		t.Errorf("calls %q; want %q", got, want)
	}
	if evs[len(evs)-1] != "bad ROLLBACK_COMPLETE" {
		t.Errorf("last event %q", evs[len(evs)-1])
	}
	// A stack in ROLLBACK_COMPLETE cannot be updated, only deleted.
	_, err := h.UpdateStack(context.Background(), &UpdateStackInput{StackName: "bad", UsePreviousTemplate: true})
	if err == nil || !strings.Contains(err.Error(), "is in ROLLBACK_COMPLETE state and can not be updated.") {
		t.Errorf("UpdateStack: %v", err)
	}
	if _, err := h.CreateStack(context.Background(), &CreateStackInput{StackName: "bad", TemplateBody: smallTemplate}); ErrorCode(err) != CodeAlreadyExists || err.Error() != "Stack [bad] already exists" {
		t.Errorf("CreateStack again: %v", err)
	}
}

func TestUpdateFailureRollsBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	h.create(t, "upd", smallTemplate)
	h.h.UpdateFn = func(req *Request) (*Result, error) {
		if req.LogicalID == "B" && str(req.Properties["Source"]) != str(req.OldProperties["Source"]) && !strings.HasPrefix(str(req.Properties["Source"]), "a-1") {
			return nil, errors.New("B refuses")
		}
		return &Result{Attributes: map[string]any{"Arn": "arn:fake:" + req.PhysicalID}}, nil
	}
	h.log.calls = nil
	if _, err := h.UpdateStack(context.Background(), &UpdateStackInput{StackName: "upd", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "Name", ParameterValue: "two"}}}); err != nil {
		t.Fatal(err)
	}
	st := h.wait(t, "upd")
	if st.StackStatus != StackStatusUpdateRollbackComplete {
		t.Fatalf("status %s; want UPDATE_ROLLBACK_COMPLETE", st.StackStatus)
	}
	// The new A was created, B failed, the old A is put back and the new
	// one deleted during the rollback cleanup.
	if got, want := h.log.get(), []string{"create A", "update B", "delete A a-4"}; !slices.Equal(got, want) {
		t.Errorf("calls %q; want %q", got, want)
	}
	evs := h.events(t, "upd")
	for _, w := range []string{
		"B UPDATE_FAILED B refuses",
		"upd UPDATE_ROLLBACK_IN_PROGRESS The following resource(s) failed to update: [B]. ",
		"upd UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
		"upd UPDATE_ROLLBACK_COMPLETE",
	} {
		if !slices.Contains(evs, w) {
			t.Errorf("missing event %q in %q", w, evs)
		}
	}
	res, _ := h.DescribeStackResource(context.Background(), "upd", "A")
	if res.PhysicalResourceID != "a-1" {
		t.Errorf("A after rollback %s; want a-1", res.PhysicalResourceID)
	}
	if st.Parameters[0].ParameterValue != "one" {
		t.Errorf("parameters after rollback %+v", st.Parameters)
	}
}

func TestParallelCreate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 4)
	body := "Resources:\n"
	for i := range 10 {
		body += fmt.Sprintf("  R%d:\n    Type: Test::Thing\n", i)
	}
	body += "  Last:\n    Type: Test::Thing\n    DependsOn: [R0, R1, R2, R3, R4, R5, R6, R7, R8, R9]\n"
	st := h.create(t, "wide", body)
	if st.StackStatus != StackStatusCreateComplete {
		t.Fatalf("status %s", st.StackStatus)
	}
	if got := h.log.get(); got[len(got)-1] != "create Last" {
		t.Errorf("Last created before its dependencies: %q", got)
	}
}

const iamTemplate = `
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:%s
      AssumeRolePolicyDocument: {}
`

func TestCapabilities(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ctx := context.Background()
	for _, tt := range []struct {
		name, roleName string
		given          []string
		want           string
	}{
		{"UnnamedNone", "", nil, "Requires capabilities : [CAPABILITY_IAM]"},
		{"NamedWithIAM", "\n      RoleName: my-role", []string{"CAPABILITY_IAM"}, "Requires capabilities : [CAPABILITY_NAMED_IAM]"},
		{"UnnamedWithNamed", "", []string{"CAPABILITY_NAMED_IAM"}, ""},
		{"NamedWithNamed", "\n      RoleName: my-role", []string{"CAPABILITY_NAMED_IAM"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			name := "iam-" + strings.ToLower(tt.name)
			_, err := h.CreateStack(ctx, &CreateStackInput{StackName: name, TemplateBody: fmt.Sprintf(iamTemplate, tt.roleName), Capabilities: tt.given})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				h.wait(t, name)
				return
			}
			if ErrorCode(err) != CodeInsufficientCapabilities || err.Error() != tt.want {
				t.Errorf("got %v (%s); want %s %q", err, ErrorCode(err), CodeInsufficientCapabilities, tt.want)
			}
		})
	}
}

const exporter = `
Resources:
  Net:
    Type: Test::Thing
Outputs:
  NetId:
    Value: !Ref Net
    Export:
      Name: shared-net
`

const importer = `
Resources:
  User:
    Type: Test::Thing
    Properties:
      Net: !ImportValue shared-net
`

func TestExportsAndImports(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ctx := context.Background()
	h.create(t, "producer", exporter)
	if st := h.create(t, "consumer", importer); st.StackStatus != StackStatusCreateComplete {
		t.Fatalf("consumer %s %s", st.StackStatus, st.StackStatusReason)
	}
	if users, _ := h.ListImports(ctx, "shared-net"); !slices.Equal(users, []string{"consumer"}) {
		t.Errorf("imports %v", users)
	}
	// A second stack exporting the same name fails and rolls back.
	if st := h.create(t, "producer2", exporter); st.StackStatus != StackStatusRollbackComplete ||
		!strings.Contains(st.StackStatusReason, "Export with name shared-net is already exported by stack producer") {
		t.Errorf("duplicate export: %s %q", st.StackStatus, st.StackStatusReason)
	}
	// Nor can the producer drop the export by an update.
	if _, err := h.UpdateStack(ctx, &UpdateStackInput{StackName: "producer", TemplateBody: "Resources:\n  Net:\n    Type: Test::Thing\n"}); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(t, "producer"); st.StackStatus != StackStatusUpdateRollbackComplete || st.StackStatusReason != "Cannot delete export shared-net as it is in use by consumer." {
		t.Errorf("update dropping an imported export: %s %q", st.StackStatus, st.StackStatusReason)
	}
	if ex := h.ListExports(ctx); len(ex) != 1 || ex[0].Name != "shared-net" {
		t.Errorf("exports after refused update %+v", ex)
	}
	if err := h.DeleteStack(ctx, "producer"); err != nil {
		t.Fatal(err)
	}
	st := h.wait(t, "producer")
	if st.StackStatus != StackStatusDeleteFailed || st.StackStatusReason != "Export shared-net cannot be deleted as it is in use by consumer" {
		t.Errorf("delete of producer: %s %q", st.StackStatus, st.StackStatusReason)
	}
	// Importing a missing export is a validation error.
	_, err := h.CreateStack(ctx, &CreateStackInput{StackName: "orphan", TemplateBody: strings.ReplaceAll(importer, "shared-net", "nope")})
	if ErrorCode(err) != CodeValidation || err.Error() != "No export named nope found." {
		t.Errorf("import of a missing export: %v", err)
	}
	consumer, _ := h.DescribeStacks(ctx, "consumer")
	h.DeleteStack(ctx, "consumer")
	h.wait(t, consumer[0].StackID)
	h.DeleteStack(ctx, "producer")
	if st := h.wait(t, st.StackID); st.StackStatus != StackStatusDeleteComplete {
		t.Errorf("producer after consumer gone: %s %s", st.StackStatus, st.StackStatusReason)
	}
}

func TestChangeSets(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ctx := context.Background()
	csID, stackID, err := h.CreateChangeSet(ctx, &CreateChangeSetInput{StackName: "cs", ChangeSetName: "first", ChangeSetType: ChangeSetCreate, TemplateBody: smallTemplate})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := h.DescribeStacks(ctx, "cs")
	if st[0].StackStatus != StackStatusReviewInProgress || st[0].StackID != stackID {
		t.Fatalf("stack %+v", st[0])
	}
	cs, err := h.DescribeChangeSet(ctx, "", csID)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Status != ChangeSetStatusCreateComplete || cs.ExecutionStatus != ExecutionAvailable || len(cs.Changes) != 3 || cs.Changes[0].Action != "Add" {
		t.Fatalf("change set %+v", cs)
	}
	if err := h.ExecuteChangeSet(ctx, "cs", "first"); err != nil {
		t.Fatal(err)
	}
	if s := h.wait(t, "cs"); s.StackStatus != StackStatusCreateComplete || s.ChangeSetID != csID {
		t.Fatalf("after execute: %s %s", s.StackStatus, s.ChangeSetID)
	}
	if cs, _ := h.DescribeChangeSet(ctx, "", csID); cs.ExecutionStatus != ExecutionComplete {
		t.Errorf("execution status %s", cs.ExecutionStatus)
	}

	// UPDATE: Name changes (replacement of A), B follows dynamically.
	csID2, _, err := h.CreateChangeSet(ctx, &CreateChangeSetInput{StackName: "cs", ChangeSetName: "second", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "Name", ParameterValue: "two"}, {ParameterKey: "Secret", UsePreviousValue: true}}})
	if err != nil {
		t.Fatal(err)
	}
	cs, _ = h.DescribeChangeSet(ctx, "cs", "second")
	if cs.ChangeSetID != csID2 || len(cs.Changes) != 2 {
		t.Fatalf("changes %+v", cs.Changes)
	}
	if a := cs.Changes[0]; a.LogicalResourceID != "A" || a.Action != "Modify" || a.Replacement != ReplacementTrue || a.Details[0].Name != "Name" || a.Details[0].RequiresRecreation != "Always" {
		t.Errorf("A change %+v", a)
	}
	if b := cs.Changes[1]; b.LogicalResourceID != "B" || b.Replacement != ReplacementFalse || b.Details[0].Evaluation != "Dynamic" {
		t.Errorf("B change %+v", b)
	}
	// A change set without changes fails.
	h.CreateChangeSet(ctx, &CreateChangeSetInput{StackName: "cs", ChangeSetName: "empty", UsePreviousTemplate: true})
	if e, _ := h.DescribeChangeSet(ctx, "cs", "empty"); e.Status != ChangeSetStatusFailed || e.ExecutionStatus != ExecutionUnavailable ||
		e.StatusReason != "The submitted information didn't contain changes. Submit different information to create a change set." {
		t.Errorf("empty change set %+v", e)
	}
	if err := h.ExecuteChangeSet(ctx, "cs", "empty"); ErrorCode(err) != CodeInvalidChangeSetStatus {
		t.Errorf("execute empty: %v", err)
	}
	if l, _ := h.ListChangeSets(ctx, "cs"); len(l) != 3 {
		t.Errorf("ListChangeSets %d; want 3", len(l))
	}
	if err := h.DeleteChangeSet(ctx, "cs", "empty"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.DescribeChangeSet(ctx, "cs", "empty"); ErrorCode(err) != CodeChangeSetNotFound || err.Error() != "ChangeSet [empty] does not exist" {
		t.Errorf("describe deleted: %v", err)
	}
	if err := h.ExecuteChangeSet(ctx, "", csID2); err != nil {
		t.Fatal(err)
	}
	if s := h.wait(t, "cs"); s.StackStatus != StackStatusUpdateComplete {
		t.Fatalf("after update execute: %s %s", s.StackStatus, s.StackStatusReason)
	}
	if l, _ := h.ListChangeSets(ctx, "cs"); len(l) != 1 || l[0].ExecutionStatus != ExecutionComplete {
		t.Errorf("ListChangeSets after execute %+v", l)
	}
	if _, _, err := h.CreateChangeSet(ctx, &CreateChangeSetInput{StackName: "nope", ChangeSetName: "x", TemplateBody: smallTemplate}); err == nil || err.Error() != "Stack [nope] does not exist" {
		t.Errorf("UPDATE change set on missing stack: %v", err)
	}
}

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ctx := context.Background()
	if _, err := h.UpdateStack(ctx, &UpdateStackInput{StackName: "ghost", TemplateBody: smallTemplate}); err == nil || err.Error() != "Stack with id ghost does not exist" {
		t.Errorf("update missing: %v", err)
	}
	if _, err := h.CreateStack(ctx, &CreateStackInput{StackName: "x", TemplateBody: "Resources:\n  A:\n    Type: AWS::S3::Bucket\n"}); ErrorCode(err) != CodeValidation || !strings.Contains(err.Error(), "Unrecognized resource types: [AWS::S3::Bucket]") {
		t.Errorf("unsupported type: %v", err)
	}
	if err := h.DeleteStack(ctx, "ghost"); err != nil {
		t.Errorf("delete missing: %v", err)
	}
	if _, err := h.CreateStack(ctx, &CreateStackInput{StackName: "1bad", TemplateBody: smallTemplate}); ErrorCode(err) != CodeValidation {
		t.Errorf("bad name: %v", err)
	}
	if _, err := h.GetTemplate(ctx, "ghost"); err == nil {
		t.Error("GetTemplate of a missing stack succeeded")
	}
}

func TestParallelFailureCancelsOthers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 2)
	started := make(chan struct{})
	h.h.CreateFn = func(ctx context.Context, req *Request) (*Result, error) {
		switch req.LogicalID {
		case "Slow":
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		case "Bad":
			<-started
			return nil, errors.New("bad property")
		}
		return &Result{PhysicalID: req.LogicalID}, nil
	}
	st := h.create(t, "par", "Resources:\n  Slow:\n    Type: Test::Thing\n  Bad:\n    Type: Test::Thing\n")
	if st.StackStatus != StackStatusRollbackComplete || !strings.Contains(st.StackStatusReason, "failed to create: [") {
		t.Fatalf("%s %q", st.StackStatus, st.StackStatusReason)
	}
	evs := h.events(t, "par")
	if !slices.Contains(evs, "Bad CREATE_FAILED bad property") || !slices.Contains(evs, "Slow CREATE_FAILED Resource creation cancelled") {
		t.Errorf("events %q", evs)
	}
}

func TestInPlaceUpdateRevertedOnFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	body := `
Parameters:
  V:
    Type: String
    Default: "1"
Resources:
  First:
    Type: Test::Thing
    Properties: {Value: !Ref V}
  Second:
    Type: Test::Thing
    DependsOn: First
    Properties: {Value: !Ref V}
  Kept:
    Type: Test::Thing
    DeletionPolicy: Retain
`
	h.create(t, "rev", body)
	var applied []string
	var mu sync.Mutex
	h.h.UpdateFn = func(req *Request) (*Result, error) {
		mu.Lock()
		defer mu.Unlock()
		if req.LogicalID == "Second" {
			return nil, errors.New("Second cannot change")
		}
		applied = append(applied, req.LogicalID+"="+str(req.Properties["Value"]))
		return &Result{}, nil
	}
	if _, err := h.UpdateStack(context.Background(), &UpdateStackInput{StackName: "rev", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "V", ParameterValue: "2"}}}); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(t, "rev"); st.StackStatus != StackStatusUpdateRollbackComplete {
		t.Fatalf("%s %s", st.StackStatus, st.StackStatusReason)
	}
	if want := []string{"First=2", "First=1"}; !slices.Equal(applied, want) {
		t.Errorf("updates %q; want %q", applied, want)
	}
	// DeletionPolicy Retain skips the delete.
	id, _ := h.DescribeStacks(context.Background(), "rev")
	h.log.calls = nil
	h.DeleteStack(context.Background(), "rev")
	h.wait(t, id[0].StackID)
	if got := h.log.get(); slices.ContainsFunc(got, func(c string) bool { return strings.HasPrefix(c, "delete Kept") }) {
		t.Errorf("retained resource deleted: %q", got)
	}
	if !slices.Contains(h.events(t, id[0].StackID), "Kept DELETE_SKIPPED") {
		t.Errorf("no DELETE_SKIPPED event: %q", h.events(t, id[0].StackID))
	}
}
