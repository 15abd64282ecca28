package deploy

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ecslocal/ecslocal/internal/cfn"
)

// Options configures Stacks. Zero values take the defaults given per field.
type Options struct {
	// Handlers executes resources, per type. Types without a handler are
	// refused at plan time.
	Handlers Handlers
	// Now stamps events and stacks. If nil, time.Now.
	Now func() time.Time
	// NewID returns a fresh UUID for stack, event and change set ids. If
	// nil, a random version 4 UUID.
	NewID func() string
	// Region and AccountID build ARNs and AWS::Region/AWS::AccountId. If
	// empty, "us-east-1" and "000000000000".
	Region    string
	AccountID string
	// Logger receives failures. If nil, slog.Default().
	Logger *slog.Logger
	// Clock is given to handlers for stabilization waits and
	// CreationPolicy timeouts. If nil, real time with every wait divided
	// by TimeScale.
	Clock Clock
	// TimeScale speeds up the default clock (2 halves every wait); zero
	// or one is real time.
	TimeScale float64
	// Parallelism bounds how many resources are created or updated at
	// once. Zero means 4.
	Parallelism int
	// SSM resolves AWS::SSM::Parameter::Value<…> parameters. If nil,
	// cfn.DefaultSSM.
	SSM func(name string) (string, bool)
}

// Stacks owns the stacks of one process and runs their operations.
type Stacks struct {
	opts Options
	log  *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	stacks  []*stack           // every stack, deleted ones included, oldest first
	exports map[string]*export // by export name
}

// export is one exported output value.
type export struct {
	name, value string
	stackID     string
	stackName   string
}

// New returns an empty set of stacks.
func New(opts Options) *Stacks {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewID == nil {
		opts.NewID = newUUID
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Clock == nil {
		opts.Clock = scaledClock{scale: opts.TimeScale}
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = 4
	}
	if opts.SSM == nil {
		opts.SSM = cfn.DefaultSSM
	}
	s := &Stacks{opts: opts, log: opts.Logger, exports: map[string]*export{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Close cancels every running operation and waits for them.
func (s *Stacks) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Parameter is a parameter given to CreateStack, UpdateStack or
// CreateChangeSet.
type Parameter struct {
	ParameterKey     string
	ParameterValue   string
	UsePreviousValue bool
	// ResolvedValue is, in DescribeStacks, the value an SSM parameter
	// resolved to.
	ResolvedValue string
}

// Output is a stack output as DescribeStacks shows it.
type Output struct {
	OutputKey   string
	OutputValue string
	Description string
	ExportName  string
}

// Stack is one entry of DescribeStacks.
type Stack struct {
	StackID           string
	StackName         string
	ChangeSetID       string
	Description       string
	Parameters        []Parameter
	CreationTime      time.Time
	LastUpdatedTime   time.Time // zero if never updated
	DeletionTime      time.Time // zero unless deleted
	StackStatus       StackStatus
	StackStatusReason string
	DisableRollback   bool
	Capabilities      []string
	Outputs           []Output
}

// StackSummary is one entry of ListStacks.
type StackSummary struct {
	StackID             string
	StackName           string
	TemplateDescription string
	CreationTime        time.Time
	LastUpdatedTime     time.Time
	DeletionTime        time.Time
	StackStatus         StackStatus
	StackStatusReason   string
}

// StackEvent is one entry of DescribeStackEvents.
type StackEvent struct {
	StackID              string
	EventID              string
	StackName            string
	LogicalResourceID    string
	PhysicalResourceID   string
	ResourceType         string
	Timestamp            time.Time
	ResourceStatus       string
	ResourceStatusReason string
	// ResourceProperties is the JSON of the properties the operation
	// used, on resource IN_PROGRESS events.
	ResourceProperties string
}

// StackResource is one entry of DescribeStackResources and
// ListStackResources (LastUpdatedTimestamp is Timestamp).
type StackResource struct {
	StackID              string
	StackName            string
	LogicalResourceID    string
	PhysicalResourceID   string
	ResourceType         string
	Timestamp            time.Time
	ResourceStatus       ResourceStatus
	ResourceStatusReason string
}

// Export is one entry of ListExports.
type Export struct {
	ExportingStackID string
	Name             string
	Value            string
}

// stack is the stored state of one stack.
type stack struct {
	id, name        string
	status          StackStatus
	reason          string
	created         time.Time
	updated         time.Time
	deleted         time.Time
	disableRollback bool

	body         string
	params       map[string]string // values as given, for UsePreviousValue
	capabilities []string
	plan         *cfn.StackPlan // nil while REVIEW_IN_PROGRESS
	changeSetID  string

	res     map[string]*resource
	outputs []Output
	exports []string        // export names this stack owns
	imports map[string]bool // export names it imports

	events     []StackEvent // oldest first
	changeSets []*changeSet
	done       chan struct{} // closed when the running operation ends; nil if none
}

// resource is one resource of a stack.
type resource struct {
	logicalID  string
	typ        string
	physicalID string
	status     ResourceStatus
	reason     string
	updated    time.Time
	props      map[string]any
	attrs      map[string]any
	def        *cfn.Resource
}

func (r *resource) copy() *resource {
	c := *r
	return &c
}

// CreateStackInput is the input of CreateStack.
type CreateStackInput struct {
	StackName    string
	TemplateBody string
	Parameters   []Parameter
	Capabilities []string
	// DisableRollback leaves a failed stack in CREATE_FAILED.
	DisableRollback bool
}

// CreateStack validates the template and starts creating the stack; it
// returns the stack id at once. Errors: ValidationError,
// AlreadyExistsException, InsufficientCapabilitiesException.
func (s *Stacks) CreateStack(_ context.Context, in *CreateStackInput) (string, error) {
	if err := validateStackName(in.StackName); err != nil {
		return "", err
	}
	id := s.stackARN(in.StackName)
	plan, imports, err := s.plan(in.StackName, id, in.TemplateBody, paramValues(in.Parameters, nil))
	if err != nil {
		return "", err
	}
	if err := checkCapabilities(plan, in.Capabilities); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.liveLocked(in.StackName) != nil {
		return "", errStackExists(in.StackName)
	}
	st := &stack{
		id: id, name: in.StackName, created: s.opts.Now().UTC(), disableRollback: in.DisableRollback,
		body: in.TemplateBody, params: paramValues(in.Parameters, nil), capabilities: slices.Clone(in.Capabilities),
		plan: plan, res: map[string]*resource{}, imports: importSet(imports),
	}
	s.stacks = append(s.stacks, st)
	s.setStatusLocked(st, StackStatusCreateInProgress, ReasonUserInitiated)
	s.startLocked(st, func(ctx context.Context) { s.runCreate(ctx, st) })
	return id, nil
}

// UpdateStackInput is the input of UpdateStack.
type UpdateStackInput struct {
	StackName           string // name or stack id
	TemplateBody        string
	UsePreviousTemplate bool
	Parameters          []Parameter
	Capabilities        []string
	DisableRollback     bool
}

// UpdateStack starts updating a stack and returns its id. Errors:
// ValidationError (stack missing or busy, "No updates are to be
// performed."), InsufficientCapabilitiesException.
func (s *Stacks) UpdateStack(_ context.Context, in *UpdateStackInput) (string, error) {
	s.mu.Lock()
	st := s.findLocked(in.StackName, false)
	if st == nil {
		s.mu.Unlock()
		return "", errStackNotFound(in.StackName)
	}
	if !st.status.updatable() || st.done != nil {
		s.mu.Unlock()
		return "", errNotUpdatable(st.id, st.status)
	}
	body := in.TemplateBody
	if in.UsePreviousTemplate {
		body = st.body
	}
	params := paramValues(in.Parameters, st.params)
	name, id := st.name, st.id
	s.mu.Unlock()

	plan, imports, err := s.plan(name, id, body, params)
	if err != nil {
		return "", err
	}
	if err := checkCapabilities(plan, in.Capabilities); err != nil {
		return "", err
	}
	changes := s.changes(st, plan)
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.done != nil || !st.status.updatable() {
		return "", errNotUpdatable(st.id, st.status)
	}
	if len(changes) == 0 && outputsEqual(st.plan, plan) {
		return "", errNoUpdates()
	}
	s.beginUpdateLocked(st, &stackVersion{plan: plan, body: body, params: params, caps: slices.Clone(in.Capabilities), imports: imports}, in.DisableRollback)
	return st.id, nil
}

// beginUpdateLocked switches the stack to UPDATE_IN_PROGRESS and starts
// the update.
func (s *Stacks) beginUpdateLocked(st *stack, next *stackVersion, disableRollback bool) {
	st.updated = s.opts.Now().UTC()
	s.setStatusLocked(st, StackStatusUpdateInProgress, ReasonUserInitiated)
	s.startLocked(st, func(ctx context.Context) { s.runUpdate(ctx, st, next, disableRollback) })
}

// DeleteStack starts deleting a stack. Deleting a stack that does not
// exist succeeds, as in CloudFormation. Errors: ValidationError (an
// operation is in progress).
func (s *Stacks) DeleteStack(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findLocked(name, false)
	if st == nil || st.status == StackStatusDeleteComplete {
		return nil
	}
	if st.done != nil {
		if st.status == StackStatusDeleteInProgress {
			return nil
		}
		return validationf("Stack [%s] cannot be deleted while in status %s", st.name, st.status)
	}
	s.setStatusLocked(st, StackStatusDeleteInProgress, ReasonUserInitiated)
	s.startLocked(st, func(ctx context.Context) { s.runDelete(ctx, st) })
	return nil
}

// Wait blocks until no operation runs on the stack (name or id, looked
// up once, so a stack being deleted can be waited for by name) or ctx is
// done, and returns the stack as DescribeStacks shows it.
func (s *Stacks) Wait(ctx context.Context, name string) (*Stack, error) {
	s.mu.Lock()
	st := s.findLocked(name, true)
	s.mu.Unlock()
	if st == nil {
		return nil, errStackNotFound(name)
	}
	for {
		s.mu.Lock()
		done := st.done
		if done == nil {
			out := s.describeLocked(st)
			s.mu.Unlock()
			return out, nil
		}
		s.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// DescribeStacks returns one stack (name or id) or, for "", every stack
// that is not deleted. A deleted stack is found by its id only. Errors:
// ValidationError (does not exist).
func (s *Stacks) DescribeStacks(_ context.Context, name string) ([]*Stack, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "" {
		var out []*Stack
		for _, st := range s.stacks {
			if st.status != StackStatusDeleteComplete {
				out = append(out, s.describeLocked(st))
			}
		}
		return out, nil
	}
	st := s.findLocked(name, true)
	if st == nil {
		return nil, errStackNotFound(name)
	}
	return []*Stack{s.describeLocked(st)}, nil
}

func (s *Stacks) describeLocked(st *stack) *Stack {
	out := &Stack{
		StackID: st.id, StackName: st.name, ChangeSetID: st.changeSetID, CreationTime: st.created,
		LastUpdatedTime: st.updated, DeletionTime: st.deleted, StackStatus: st.status,
		StackStatusReason: st.reason, DisableRollback: st.disableRollback,
		Capabilities: slices.Clone(st.capabilities), Outputs: slices.Clone(st.outputs),
	}
	if st.plan != nil {
		out.Description = st.plan.Description
		for _, p := range st.plan.Parameters {
			op := Parameter{ParameterKey: p.Name, ParameterValue: p.Display()}
			if p.SSMName != "" {
				op.ParameterValue = p.SSMName
				op.ResolvedValue = p.Display()
			}
			out.Parameters = append(out.Parameters, op)
		}
	}
	return out
}

// ListStacks returns the summaries of every stack, deleted ones included,
// newest first, keeping only the given statuses when any are given.
func (s *Stacks) ListStacks(_ context.Context, statuses ...StackStatus) []StackSummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []StackSummary
	for i := len(s.stacks) - 1; i >= 0; i-- {
		st := s.stacks[i]
		if len(statuses) > 0 && !slices.Contains(statuses, st.status) {
			continue
		}
		sum := StackSummary{
			StackID: st.id, StackName: st.name, CreationTime: st.created, LastUpdatedTime: st.updated,
			DeletionTime: st.deleted, StackStatus: st.status, StackStatusReason: st.reason,
		}
		if st.plan != nil {
			sum.TemplateDescription = st.plan.Description
		}
		out = append(out, sum)
	}
	return out
}

// DescribeStackEvents returns the stack's events, newest first. Errors:
// ValidationError (does not exist).
func (s *Stacks) DescribeStackEvents(_ context.Context, name string) ([]StackEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findLocked(name, true)
	if st == nil {
		return nil, errStackNotFound(name)
	}
	out := make([]StackEvent, len(st.events))
	for i, e := range st.events {
		out[len(out)-1-i] = e
	}
	return out, nil
}

// DescribeStackResources returns the stack's resources in creation
// order. Errors: ValidationError (does not exist).
func (s *Stacks) DescribeStackResources(_ context.Context, name string) ([]StackResource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findLocked(name, true)
	if st == nil {
		return nil, errStackNotFound(name)
	}
	return s.resourcesLocked(st), nil
}

// ListStackResources is DescribeStackResources (the summaries carry the
// same members).
func (s *Stacks) ListStackResources(ctx context.Context, name string) ([]StackResource, error) {
	return s.DescribeStackResources(ctx, name)
}

// DescribeStackResource returns one resource. Errors: ValidationError
// (stack or resource does not exist).
func (s *Stacks) DescribeStackResource(_ context.Context, name, logicalID string) (*StackResource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findLocked(name, true)
	if st == nil {
		return nil, errStackNotFound(name)
	}
	for _, r := range s.resourcesLocked(st) {
		if r.LogicalResourceID == logicalID {
			return &r, nil
		}
	}
	return nil, validationf("Resource %s does not exist for stack %s", logicalID, st.name)
}

func (s *Stacks) resourcesLocked(st *stack) []StackResource {
	var ids []string
	seen := map[string]bool{}
	if st.plan != nil {
		for _, r := range st.plan.Resources {
			if st.res[r.LogicalID] != nil {
				ids = append(ids, r.LogicalID)
				seen[r.LogicalID] = true
			}
		}
	}
	var rest []string
	for id := range st.res {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	sort.Strings(rest)
	out := []StackResource{}
	for _, id := range append(ids, rest...) {
		r := st.res[id]
		out = append(out, StackResource{
			StackID: st.id, StackName: st.name, LogicalResourceID: r.logicalID, PhysicalResourceID: r.physicalID,
			ResourceType: r.typ, Timestamp: r.updated, ResourceStatus: r.status, ResourceStatusReason: r.reason,
		})
	}
	return out
}

// GetTemplate returns the template body the stack was last created or
// updated with. Errors: ValidationError (does not exist).
func (s *Stacks) GetTemplate(_ context.Context, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findLocked(name, true)
	if st == nil {
		return "", errStackNotFound(name)
	}
	return st.body, nil
}

// ListExports returns every export, sorted by name.
func (s *Stacks) ListExports(context.Context) []Export {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Export{}
	for _, e := range s.exports {
		out = append(out, Export{ExportingStackID: e.stackID, Name: e.name, Value: e.value})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ListImports returns the names of the stacks importing an export.
// Errors: ValidationError (no such export).
func (s *Stacks) ListImports(_ context.Context, exportName string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exports[exportName] == nil {
		return nil, validationf("Export '%s' does not exist.", exportName)
	}
	return s.importersLocked(exportName), nil
}

func (s *Stacks) importersLocked(exportName string) []string {
	var out []string
	for _, st := range s.stacks {
		if st.status != StackStatusDeleteComplete && st.imports[exportName] {
			out = append(out, st.name)
		}
	}
	return out
}

// findLocked returns the live stack with the name, or the stack with the
// id (deleted ones only when byIDDeleted).
func (s *Stacks) findLocked(nameOrID string, byIDDeleted bool) *stack {
	if strings.HasPrefix(nameOrID, "arn:") {
		for _, st := range s.stacks {
			if st.id == nameOrID && (byIDDeleted || st.status != StackStatusDeleteComplete) {
				return st
			}
		}
		return nil
	}
	return s.liveLocked(nameOrID)
}

func (s *Stacks) liveLocked(name string) *stack {
	for _, st := range s.stacks {
		if st.name == name && st.status != StackStatusDeleteComplete {
			return st
		}
	}
	return nil
}

func (s *Stacks) stackARN(name string) string {
	return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", s.opts.Region, s.opts.AccountID, name, s.opts.NewID())
}

// startLocked runs op in its own goroutine; the stack is busy until it
// returns.
func (s *Stacks) startLocked(st *stack, op func(ctx context.Context)) {
	done := make(chan struct{})
	st.done = done
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			st.done = nil
			s.mu.Unlock()
			close(done)
		}()
		op(s.ctx)
	}()
}

// setStatusLocked changes the stack status and records the stack event.
// The end of a rollback keeps the reason that started it, so
// DescribeStacks still names the failed resource.
func (s *Stacks) setStatusLocked(st *stack, status StackStatus, reason string) {
	keep := reason == "" && (status == StackStatusRollbackComplete || status == StackStatusUpdateRollbackComplete ||
		status == StackStatusUpdateRollbackCompleteCleanupInProgress)
	st.status = status
	if !keep {
		st.reason = reason
	}
	s.eventLocked(st, StackEvent{
		LogicalResourceID: st.name, PhysicalResourceID: st.id, ResourceType: "AWS::CloudFormation::Stack",
		ResourceStatus: string(status), ResourceStatusReason: reason,
	})
}

func (s *Stacks) setStatus(st *stack, status StackStatus, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setStatusLocked(st, status, reason)
}

// eventLocked stamps and appends an event.
func (s *Stacks) eventLocked(st *stack, e StackEvent) {
	e.StackID, e.StackName = st.id, st.name
	e.Timestamp = s.opts.Now().UTC()
	if e.ResourceType == "AWS::CloudFormation::Stack" {
		e.EventID = s.opts.NewID()
	} else {
		e.EventID = fmt.Sprintf("%s-%s-%s", e.LogicalResourceID, e.ResourceStatus, e.Timestamp.Format("2006-01-02T15:04:05.000Z"))
	}
	st.events = append(st.events, e)
}

// resourceEvent sets a resource's status and records the event.
func (s *Stacks) resourceEvent(st *stack, r *resource, status ResourceStatus, reason string, props map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.status, r.reason, r.updated = status, reason, s.opts.Now().UTC()
	e := StackEvent{
		LogicalResourceID: r.logicalID, PhysicalResourceID: r.physicalID, ResourceType: r.typ,
		ResourceStatus: string(status), ResourceStatusReason: reason,
	}
	if props != nil {
		if b, err := json.Marshal(props); err == nil {
			e.ResourceProperties = string(b)
		}
	}
	s.eventLocked(st, e)
}

// plan evaluates a template for the stack. Fn::ImportValue is resolved
// at plan time, so a missing export is a ValidationError of the call
// ("No export named X found."); it returns the export names imported.
func (s *Stacks) plan(name, id, body string, params map[string]string) (*cfn.StackPlan, []string, error) {
	if strings.TrimSpace(body) == "" {
		return nil, nil, validationf("Either Template URL or Template Body must be specified.")
	}
	var imports []string
	plan, _, err := cfn.Plan([]byte(body), cfn.Input{
		Parameters: params, StackName: name, StackID: id, Region: s.opts.Region, AccountID: s.opts.AccountID,
		SSM: s.opts.SSM, ResourceTypes: s.opts.Handlers.ResourceTypes(),
		Exports: func(export string) (string, bool) {
			s.mu.Lock()
			defer s.mu.Unlock()
			e := s.exports[export]
			if e == nil {
				return "", false
			}
			imports = append(imports, export)
			return e.value, true
		},
	})
	if err != nil {
		var ce *cfn.Error
		if asCfnError(err, &ce) {
			return nil, nil, &Error{Code: CodeValidation, Message: ce.Message}
		}
		return nil, nil, validationf("%s", err.Error())
	}
	// The engine passes CreationPolicy through unevaluated; CloudFormation
	// allows parameter references in it (Count: !Ref DesiredCapacity).
	params2 := map[string]string{}
	for _, p := range plan.Parameters {
		params2[p.Name] = p.Value
	}
	for _, r := range plan.Resources {
		if r.CreationPolicy != nil {
			r.CreationPolicy = substituteRefs(r.CreationPolicy, params2)
		}
	}
	return plan, imports, nil
}

// importSet turns import names into the set a stack keeps.
func importSet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// substituteRefs replaces {"Ref": parameter} with the parameter's value.
func substituteRefs(v any, params map[string]string) any {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 1 {
			if name, ok := t["Ref"].(string); ok {
				if val, ok := params[name]; ok {
					return val
				}
			}
		}
		m := make(map[string]any, len(t))
		for k, el := range t {
			m[k] = substituteRefs(el, params)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, el := range t {
			l[i] = substituteRefs(el, params)
		}
		return l
	}
	return v
}

// checkCapabilities refuses a plan whose IAM resources were not
// acknowledged. CAPABILITY_NAMED_IAM also acknowledges CAPABILITY_IAM.
func checkCapabilities(plan *cfn.StackPlan, given []string) error {
	for _, need := range plan.Capabilities {
		ok := slices.Contains(given, need) ||
			need == "CAPABILITY_IAM" && slices.Contains(given, "CAPABILITY_NAMED_IAM")
		if !ok {
			return errCapabilities(plan.Capabilities)
		}
	}
	return nil
}

// paramValues turns input parameters into the values Plan takes, taking
// UsePreviousValue ones from prev.
func paramValues(in []Parameter, prev map[string]string) map[string]string {
	out := map[string]string{}
	for _, p := range in {
		if p.UsePreviousValue {
			if v, ok := prev[p.ParameterKey]; ok {
				out[p.ParameterKey] = v
			}
			continue
		}
		out[p.ParameterKey] = p.ParameterValue
	}
	return out
}

// validateStackName applies CloudFormation's stack name rule.
func validateStackName(name string) error {
	ok := name != "" && len(name) <= 128 && (name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z')
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			ok = false
		}
	}
	if !ok {
		return validationf("1 validation error detected: Value '%s' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", name)
	}
	return nil
}

// bracket formats a list as CloudFormation does: [A, B].
func bracket(ss []string) string {
	return "[" + strings.Join(ss, ", ") + "]"
}
