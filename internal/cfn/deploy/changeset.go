package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecslocal/ecslocal/internal/cfn"
)

// ResourceChange is one entry of DescribeChangeSet's Changes.
type ResourceChange struct {
	// Action is Add, Modify or Remove.
	Action             string
	LogicalResourceID  string
	PhysicalResourceID string
	ResourceType       string
	// Replacement is set for Modify: True, False or Conditional.
	Replacement Replacement
	// Scope lists what changes ("Properties").
	Scope   []string
	Details []ResourceChangeDetail
}

// ResourceChangeDetail is one changed property of a Modify.
type ResourceChangeDetail struct {
	// Name is the top-level property.
	Name string
	// RequiresRecreation is Never, Conditionally or Always.
	RequiresRecreation string
	// Evaluation is Static (the new value is known) or Dynamic (it
	// depends on a resource the change set changes too).
	Evaluation string
}

// ChangeSet is DescribeChangeSet's answer (and, without Changes, one
// entry of ListChangeSets).
type ChangeSet struct {
	ChangeSetID     string
	ChangeSetName   string
	StackID         string
	StackName       string
	Description     string
	CreationTime    time.Time
	ChangeSetType   ChangeSetType
	Status          ChangeSetStatus
	StatusReason    string
	ExecutionStatus ExecutionStatus
	Parameters      []Parameter
	Capabilities    []string
	Changes         []ResourceChange
}

// changeSet is a stored change set.
type changeSet struct {
	ChangeSet
	version *stackVersion
	deleted bool
}

// CreateChangeSetInput is the input of CreateChangeSet.
type CreateChangeSetInput struct {
	StackName           string
	ChangeSetName       string
	ChangeSetType       ChangeSetType // "" means UPDATE
	TemplateBody        string
	UsePreviousTemplate bool
	Parameters          []Parameter
	Capabilities        []string
	Description         string
}

// CreateChangeSet computes the changes a template would make. A CREATE
// change set creates the stack in REVIEW_IN_PROGRESS. The change set is
// complete when the call returns (CREATE_COMPLETE, or FAILED when nothing
// would change). It returns the change set and stack ids. Errors:
// ValidationError, AlreadyExistsException (name taken on the stack),
// InsufficientCapabilitiesException.
func (s *Stacks) CreateChangeSet(_ context.Context, in *CreateChangeSetInput) (csID, stackID string, err error) {
	if in.ChangeSetType == "" {
		in.ChangeSetType = ChangeSetUpdate
	}
	if err := validateStackName(in.StackName); err != nil && !strings.HasPrefix(in.StackName, "arn:") {
		return "", "", err
	}
	if in.ChangeSetName == "" || strings.HasPrefix(in.ChangeSetName, "arn:") {
		return "", "", validationf("1 validation error detected: Value '%s' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", in.ChangeSetName)
	}
	s.mu.Lock()
	st := s.findLocked(in.StackName, false)
	var prevParams map[string]string
	var prevBody, name, id string
	switch in.ChangeSetType {
	case ChangeSetCreate:
		if st != nil && st.status != StackStatusReviewInProgress {
			s.mu.Unlock()
			return "", "", validationf("Stack [%s] already exists and cannot be created again with the changeSet [%s].", in.StackName, in.ChangeSetName)
		}
		name = in.StackName
		if st != nil {
			id = st.id
		} else {
			id = s.stackARN(name)
		}
	case ChangeSetUpdate:
		if st == nil {
			s.mu.Unlock()
			return "", "", validationf("Stack [%s] does not exist", in.StackName)
		}
		if st.status == StackStatusReviewInProgress {
			s.mu.Unlock()
			return "", "", validationf("Stack [%s] does not exist", in.StackName)
		}
		if !st.status.updatable() || st.done != nil {
			s.mu.Unlock()
			return "", "", errNotUpdatable(st.id, st.status)
		}
		name, id, prevParams, prevBody = st.name, st.id, st.params, st.body
	default:
		s.mu.Unlock()
		return "", "", validationf("1 validation error detected: Value '%s' at 'changeSetType' failed to satisfy constraint: Member must satisfy enum value set: [IMPORT, UPDATE, CREATE]", in.ChangeSetType)
	}
	if st != nil {
		for _, cs := range st.changeSets {
			if cs.ChangeSetName == in.ChangeSetName && !cs.deleted {
				s.mu.Unlock()
				return "", "", errorf(CodeAlreadyExists, "ChangeSet %s already exists", in.ChangeSetName)
			}
		}
	}
	s.mu.Unlock()

	body := in.TemplateBody
	if in.UsePreviousTemplate {
		body = prevBody
	}
	params := paramValues(in.Parameters, prevParams)
	plan, imports, err := s.plan(name, id, body, params)
	if err != nil {
		return "", "", err
	}
	if err := checkCapabilities(plan, in.Capabilities); err != nil {
		return "", "", err
	}
	var changes []ResourceChange
	if st != nil && in.ChangeSetType == ChangeSetUpdate {
		changes = s.changes(st, plan)
	} else {
		changes = s.changes(&stack{res: map[string]*resource{}}, plan)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if in.ChangeSetType == ChangeSetCreate && st == nil {
		if s.liveLocked(name) != nil {
			return "", "", errStackExists(name)
		}
		st = &stack{id: id, name: name, created: s.opts.Now().UTC(), res: map[string]*resource{}, imports: map[string]bool{}}
		s.stacks = append(s.stacks, st)
		s.setStatusLocked(st, StackStatusReviewInProgress, ReasonUserInitiated)
	}
	cs := &changeSet{
		ChangeSet: ChangeSet{
			ChangeSetID:   fmt.Sprintf("arn:aws:cloudformation:%s:%s:changeSet/%s/%s", s.opts.Region, s.opts.AccountID, in.ChangeSetName, s.opts.NewID()),
			ChangeSetName: in.ChangeSetName, StackID: st.id, StackName: st.name, Description: in.Description,
			CreationTime: s.opts.Now().UTC(), ChangeSetType: in.ChangeSetType,
			Status: ChangeSetStatusCreateComplete, ExecutionStatus: ExecutionAvailable,
			Capabilities: slices.Clone(in.Capabilities), Changes: changes,
		},
		version: &stackVersion{plan: plan, body: body, params: params, caps: slices.Clone(in.Capabilities), imports: imports},
	}
	for _, p := range plan.Parameters {
		cs.Parameters = append(cs.Parameters, Parameter{ParameterKey: p.Name, ParameterValue: p.Display()})
	}
	if in.ChangeSetType == ChangeSetUpdate && len(changes) == 0 && outputsEqual(st.plan, plan) {
		cs.Status, cs.ExecutionStatus = ChangeSetStatusFailed, ExecutionUnavailable
		cs.StatusReason = "The submitted information didn't contain changes. Submit different information to create a change set."
	}
	st.changeSets = append(st.changeSets, cs)
	return cs.ChangeSetID, st.id, nil
}

// findChangeSetLocked finds a change set by ARN, or by name on a stack.
func (s *Stacks) findChangeSetLocked(stackName, name string) (*stack, *changeSet) {
	for _, st := range s.stacks {
		if !strings.HasPrefix(name, "arn:") && stackName != "" && st.name != stackName && st.id != stackName {
			continue
		}
		for _, cs := range st.changeSets {
			if cs.deleted {
				continue
			}
			if cs.ChangeSetID == name || cs.ChangeSetName == name && (stackName == st.name || stackName == st.id) && st.status != StackStatusDeleteComplete {
				return st, cs
			}
		}
	}
	return nil, nil
}

// DescribeChangeSet returns a change set by ARN, or by name with its
// stack. Errors: ChangeSetNotFound.
func (s *Stacks) DescribeChangeSet(_ context.Context, stackName, name string) (*ChangeSet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, cs := s.findChangeSetLocked(stackName, name)
	if cs == nil {
		return nil, errChangeSetNotFound(name)
	}
	out := cs.ChangeSet
	out.Changes = slices.Clone(cs.Changes)
	return &out, nil
}

// ListChangeSets returns the stack's change sets, without their changes.
// Errors: ValidationError (stack does not exist).
func (s *Stacks) ListChangeSets(_ context.Context, stackName string) ([]ChangeSet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findLocked(stackName, true)
	if st == nil {
		return nil, errStackNotFound(stackName)
	}
	out := []ChangeSet{}
	for _, cs := range st.changeSets {
		if !cs.deleted {
			c := cs.ChangeSet
			c.Changes = nil
			out = append(out, c)
		}
	}
	return out, nil
}

// DeleteChangeSet deletes a change set. Deleting the CREATE change set of
// a stack in REVIEW_IN_PROGRESS leaves the stack there, as CloudFormation
// does. Errors: ChangeSetNotFound, InvalidChangeSetStatus (executing).
func (s *Stacks) DeleteChangeSet(_ context.Context, stackName, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, cs := s.findChangeSetLocked(stackName, name)
	if cs == nil {
		return errChangeSetNotFound(name)
	}
	if cs.ExecutionStatus == ExecutionInProgress {
		return errorf(CodeInvalidChangeSetStatus, "Cannot delete ChangeSet in status %s", cs.ExecutionStatus)
	}
	cs.deleted = true
	return nil
}

// ExecuteChangeSet starts the stack operation a change set describes;
// afterwards the stack's other change sets are gone. Errors:
// ChangeSetNotFound, InvalidChangeSetStatus.
func (s *Stacks) ExecuteChangeSet(_ context.Context, stackName, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, cs := s.findChangeSetLocked(stackName, name)
	if cs == nil {
		return errChangeSetNotFound(name)
	}
	if cs.ExecutionStatus != ExecutionAvailable {
		return errorf(CodeInvalidChangeSetStatus, "ChangeSet [%s] cannot be executed in its current status of [%s]", cs.ChangeSetID, cs.Status)
	}
	if st.done != nil {
		return errNotUpdatable(st.id, st.status)
	}
	for _, other := range st.changeSets {
		if other != cs {
			other.deleted = true
		}
	}
	cs.ExecutionStatus = ExecutionInProgress
	v := cs.version
	v.changeSetID = cs.ChangeSetID
	finish := func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch st.status {
		case StackStatusCreateComplete, StackStatusUpdateComplete:
			cs.ExecutionStatus = ExecutionComplete
		default:
			cs.ExecutionStatus = ExecutionFailed
		}
	}
	if cs.ChangeSetType == ChangeSetCreate {
		if st.status != StackStatusReviewInProgress {
			return errorf(CodeInvalidChangeSetStatus, "ChangeSet [%s] cannot be executed in its current status of [%s]", cs.ChangeSetID, cs.Status)
		}
		st.plan, st.body, st.params, st.capabilities, st.changeSetID = v.plan, v.body, v.params, v.caps, cs.ChangeSetID
		st.imports = importSet(v.imports)
		s.setStatusLocked(st, StackStatusCreateInProgress, ReasonUserInitiated)
		s.startLocked(st, func(ctx context.Context) { s.runCreate(ctx, st); finish() })
		return nil
	}
	if !st.status.updatable() {
		return errNotUpdatable(st.id, st.status)
	}
	st.updated = s.opts.Now().UTC()
	s.setStatusLocked(st, StackStatusUpdateInProgress, ReasonUserInitiated)
	disableRollback := st.disableRollback
	s.startLocked(st, func(ctx context.Context) { s.runUpdate(ctx, st, v, disableRollback); finish() })
	return nil
}

// errDynamic marks a value a change set cannot know yet: it depends on a
// resource the same change set adds, replaces or modifies.
var errDynamic = errors.New("value known only during the update")

// planResolver resolves properties for a change set over a snapshot.
type planResolver struct {
	res        map[string]*resource
	unknownRef map[string]bool
	unknownAtt map[string]bool
	exports    map[string]string
}

func (r planResolver) PhysicalID(id string) (string, error) {
	if rec := r.res[id]; rec != nil && rec.physicalID != "" && !r.unknownRef[id] {
		return rec.physicalID, nil
	}
	return "", errDynamic
}

func (r planResolver) Attribute(id, name string) (any, error) {
	if rec := r.res[id]; rec != nil && rec.physicalID != "" && !r.unknownAtt[id] && !r.unknownRef[id] {
		if v, ok := rec.attrs[name]; ok {
			return v, nil
		}
	}
	return nil, errDynamic
}

func (r planResolver) Import(name string) (string, error) {
	if v, ok := r.exports[name]; ok {
		return v, nil
	}
	return "", validationf("No export named %s found.", name)
}

// changes computes what moving st to plan would do, resource by
// resource in plan order, then the removals.
func (s *Stacks) changes(st *stack, plan *cfn.StackPlan) []ResourceChange {
	s.mu.Lock()
	snap := make(map[string]*resource, len(st.res))
	for id, r := range st.res {
		snap[id] = r.copy()
	}
	exports := make(map[string]string, len(s.exports))
	for n, e := range s.exports {
		exports[n] = e.value
	}
	s.mu.Unlock()
	pr := planResolver{res: snap, unknownRef: map[string]bool{}, unknownAtt: map[string]bool{}, exports: exports}
	out := []ResourceChange{}
	for _, r := range plan.Resources {
		old := snap[r.LogicalID]
		if old == nil || old.physicalID == "" {
			out = append(out, ResourceChange{Action: "Add", LogicalResourceID: r.LogicalID, ResourceType: r.Type, Scope: []string{}})
			pr.unknownRef[r.LogicalID], pr.unknownAtt[r.LogicalID] = true, true
			continue
		}
		rc := ResourceChange{Action: "Modify", LogicalResourceID: r.LogicalID, PhysicalResourceID: old.physicalID, ResourceType: r.Type, Scope: []string{"Properties"}}
		if old.typ != r.Type {
			rc.Replacement = ReplacementTrue
			out = append(out, rc)
			pr.unknownRef[r.LogicalID], pr.unknownAtt[r.LogicalID] = true, true
			continue
		}
		h := s.opts.Handlers[r.Type]
		static := map[string]any{}
		var dynamic []string
		for k, v := range r.Properties {
			x, err := cfn.Resolve(v, pr)
			if err != nil {
				dynamic = append(dynamic, k)
				continue
			}
			static[k] = x
		}
		oldStatic := map[string]any{}
		for k, v := range old.props {
			if !slices.Contains(dynamic, k) {
				oldStatic[k] = v
			}
		}
		repl := ReplacementFalse
		raise := func(to Replacement) {
			if to == ReplacementTrue || to == ReplacementConditional && repl == ReplacementFalse {
				repl = to
			}
		}
		for _, c := range cfn.Diff(oldStatic, static) {
			d := ResourceChangeDetail{Name: c.Name, Evaluation: "Static", RequiresRecreation: "Never"}
			if h != nil {
				switch h.Replacement(c.Name) {
				case ReplacementTrue:
					d.RequiresRecreation = "Always"
				case ReplacementConditional:
					d.RequiresRecreation = "Conditionally"
				}
				raise(h.Replacement(c.Name))
			}
			rc.Details = append(rc.Details, d)
		}
		sort.Strings(dynamic)
		for _, k := range dynamic {
			d := ResourceChangeDetail{Name: k, Evaluation: "Dynamic", RequiresRecreation: "Never"}
			if h != nil && h.Replacement(k) != ReplacementFalse {
				d.RequiresRecreation = "Conditionally"
				raise(ReplacementConditional)
			}
			rc.Details = append(rc.Details, d)
		}
		if len(rc.Details) == 0 {
			continue
		}
		rc.Replacement = repl
		pr.unknownAtt[r.LogicalID] = true
		if repl != ReplacementFalse {
			pr.unknownRef[r.LogicalID] = true
		}
		out = append(out, rc)
	}
	var removed []string
	for id, r := range snap {
		if plan.Resource(id) == nil && r.physicalID != "" {
			removed = append(removed, id)
		}
	}
	sort.Strings(removed)
	for _, id := range removed {
		r := snap[id]
		out = append(out, ResourceChange{Action: "Remove", LogicalResourceID: id, PhysicalResourceID: r.physicalID, ResourceType: r.typ, Scope: []string{}})
	}
	return out
}
