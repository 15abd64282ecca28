package deploy

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecslocal/ecslocal/internal/cfn"
)

// stackVersion is what an update moves a stack to.
type stackVersion struct {
	plan        *cfn.StackPlan
	body        string
	params      map[string]string
	caps        []string
	changeSetID string
	imports     []string // export names the version imports
}

// journalEntry records one change an update made, so a rollback can undo
// it: kind is "add", "modify" or "replace"; old is the resource before
// (nil for add), cur the one the update left.
type journalEntry struct {
	kind     string
	old, cur *resource
}

func asCfnError(err error, target **cfn.Error) bool { return errors.As(err, target) }

// resolver finishes properties and outputs over the stack's resources
// and the exports of every stack.
type resolver struct {
	s   *Stacks
	st  *stack
	ctx context.Context
}

func (r resolver) PhysicalID(id string) (string, error) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	res := r.st.res[id]
	if res == nil || res.physicalID == "" {
		return "", fmt.Errorf("resource %s has no physical id", id)
	}
	return res.physicalID, nil
}

func (r resolver) Attribute(id, name string) (any, error) {
	r.s.mu.Lock()
	res := r.st.res[id]
	if res == nil || res.physicalID == "" {
		r.s.mu.Unlock()
		return nil, fmt.Errorf("resource %s has no physical id", id)
	}
	phys, typ := res.physicalID, res.typ
	v, ok := res.attrs[name]
	r.s.mu.Unlock()
	if ar, is := r.s.opts.Handlers[typ].(AttributeReader); is {
		lv, lok, err := ar.Attribute(r.ctx, phys, name)
		if err != nil {
			return nil, err
		}
		if lok {
			return lv, nil
		}
	}
	if !ok {
		return nil, &Error{Code: CodeValidation, Message: fmt.Sprintf("Template error: resource %s does not support attribute type %s in Fn::GetAtt", id, name)}
	}
	return v, nil
}

func (r resolver) Import(name string) (string, error) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	e := r.s.exports[name]
	if e == nil {
		return "", validationf("No export named %s found.", name)
	}
	r.st.imports[name] = true
	return e.value, nil
}

// reason turns a handler or resolution error into a resource status
// reason.
func reason(err error) string {
	var ce *cfn.Error
	if errors.As(err, &ce) {
		return ce.Message
	}
	return err.Error()
}

// runGraph calls fn for every resource once the resources it depends on
// (within rs) have succeeded, at most Parallelism at a time, ready ones
// in plan order. After the first failure nothing new starts and the
// context of running calls is cancelled. It returns the failed logical
// ids in plan order.
func (s *Stacks) runGraph(ctx context.Context, rs []*cfn.Resource, fn func(ctx context.Context, r *cfn.Resource) error) []string {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		id  string
		err error
	}
	in := map[string]bool{}
	for _, r := range rs {
		in[r.LogicalID] = true
	}
	done, started, failed := map[string]bool{}, map[string]bool{}, map[string]bool{}
	results := make(chan result)
	running, stop := 0, false
	for {
		for _, r := range rs {
			if stop || running >= s.opts.Parallelism {
				break
			}
			if started[r.LogicalID] {
				continue
			}
			ready := true
			for _, d := range r.DependsOn {
				if in[d] && !done[d] {
					ready = false
					break
				}
			}
			if !ready {
				continue
			}
			started[r.LogicalID] = true
			running++
			go func(r *cfn.Resource) {
				results <- result{r.LogicalID, fn(ctx, r)}
			}(r)
		}
		if running == 0 {
			break
		}
		res := <-results
		running--
		if res.err != nil {
			failed[res.id] = true
			stop = true
			cancel()
			continue
		}
		done[res.id] = true
	}
	var out []string
	for _, r := range rs {
		if failed[r.LogicalID] {
			out = append(out, r.LogicalID)
		}
	}
	return out
}

// createOne creates one resource of the plan. A resource that cannot
// be created is left CREATE_FAILED with the reason.
func (s *Stacks) createOne(ctx context.Context, st *stack, def *cfn.Resource) (*resource, error) {
	rec := &resource{logicalID: def.LogicalID, typ: def.Type, def: def}
	s.mu.Lock()
	st.res[def.LogicalID] = rec
	s.mu.Unlock()
	fail := func(err error) (*resource, error) {
		msg := reason(err)
		if ctx.Err() != nil {
			msg = ReasonCreateCancelled
		}
		s.resourceEvent(st, rec, ResourceCreateFailed, msg, nil)
		return rec, err
	}
	props, err := def.ResolveProperties(resolver{s, st, ctx})
	if err != nil {
		s.resourceEvent(st, rec, ResourceCreateInProgress, "", nil)
		return fail(err)
	}
	s.resourceEvent(st, rec, ResourceCreateInProgress, "", props)
	h := s.opts.Handlers[def.Type]
	if h == nil {
		return fail(fmt.Errorf("Resource type %s is not supported", def.Type))
	}
	cp, err := creationPolicy(def.CreationPolicy)
	if err != nil {
		return fail(err)
	}
	req := s.request(st, rec, props)
	req.CreationPolicy = cp
	res, err := h.Create(ctx, req)
	if err != nil {
		return fail(err)
	}
	s.mu.Lock()
	rec.physicalID, rec.props, rec.attrs = res.PhysicalID, props, res.Attributes
	s.mu.Unlock()
	s.resourceEvent(st, rec, ResourceCreateInProgress, ReasonCreateInitiated, nil)
	s.resourceEvent(st, rec, ResourceCreateComplete, "", nil)
	return rec, nil
}

func (s *Stacks) request(st *stack, rec *resource, props map[string]any) *Request {
	return &Request{
		StackName: st.name, StackID: st.id, Region: s.opts.Region, AccountID: s.opts.AccountID,
		LogicalID: rec.logicalID, Type: rec.typ, PhysicalID: rec.physicalID, Properties: props,
		Clock: s.opts.Clock, Attributes: rec.attrs,
	}
}

// creationPolicy reads CreationPolicy.ResourceSignal (Count default 1,
// Timeout default PT5M).
func creationPolicy(v any) (*CreationPolicy, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil
	}
	rs, ok := m["ResourceSignal"].(map[string]any)
	if !ok {
		return nil, nil
	}
	cp := &CreationPolicy{Count: 1, Timeout: 5 * time.Minute}
	if c, ok := rs["Count"]; ok {
		n, err := intOf(c)
		if err != nil {
			return nil, fmt.Errorf("CreationPolicy Count: %w", err)
		}
		cp.Count = n
	}
	if t, ok := rs["Timeout"]; ok {
		d, err := parseISODuration(str(t))
		if err != nil {
			return nil, err
		}
		cp.Timeout = d
	}
	return cp, nil
}

// parseISODuration parses the PT#H#M#S durations CreationPolicy uses.
func parseISODuration(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(s, "PT")
	if !ok || rest == "" {
		return 0, fmt.Errorf("invalid duration %q: must be an ISO 8601 duration like PT15M", s)
	}
	var d time.Duration
	num := 0
	digits := false
	for _, c := range rest {
		switch {
		case c >= '0' && c <= '9':
			num = num*10 + int(c-'0')
			digits = true
		case digits && (c == 'H' || c == 'M' || c == 'S'):
			unit := map[rune]time.Duration{'H': time.Hour, 'M': time.Minute, 'S': time.Second}[c]
			d += time.Duration(num) * unit
			num, digits = 0, false
		default:
			return 0, fmt.Errorf("invalid duration %q: must be an ISO 8601 duration like PT15M", s)
		}
	}
	if digits {
		return 0, fmt.Errorf("invalid duration %q: must be an ISO 8601 duration like PT15M", s)
	}
	return d, nil
}

// runCreate creates every resource of the plan, then the outputs; on
// failure it rolls back.
func (s *Stacks) runCreate(ctx context.Context, st *stack) {
	failed := s.runGraph(ctx, st.plan.Resources, func(ctx context.Context, r *cfn.Resource) error {
		_, err := s.createOne(ctx, st, r)
		return err
	})
	why := ""
	if len(failed) > 0 {
		why = fmt.Sprintf("The following resource(s) failed to create: %s. ", bracket(failed))
	} else if err := s.publishOutputs(ctx, st, st.plan); err != nil {
		why = reason(err)
	}
	if why == "" {
		s.setStatus(st, StackStatusCreateComplete, "")
		return
	}
	if st.disableRollback {
		s.setStatus(st, StackStatusCreateFailed, why)
		return
	}
	s.setStatus(st, StackStatusRollbackInProgress, why+"Rollback requested by user.")
	if bad := s.deleteResources(ctx, st, s.creationOrder(st), false); len(bad) > 0 {
		s.setStatus(st, StackStatusRollbackFailed, fmt.Sprintf("The following resource(s) failed to delete: %s. ", bracket(bad)))
		return
	}
	s.mu.Lock()
	s.dropExportsLocked(st)
	s.setStatusLocked(st, StackStatusRollbackComplete, "")
	s.mu.Unlock()
}

// creationOrder returns the stack's resources in plan order, then any
// others it holds.
func (s *Stacks) creationOrder(st *stack) []*resource {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*resource
	seen := map[string]bool{}
	if st.plan != nil {
		for _, r := range st.plan.Resources {
			if rec := st.res[r.LogicalID]; rec != nil {
				out = append(out, rec)
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
	for _, id := range rest {
		out = append(out, st.res[id])
	}
	return out
}

// deleteResources deletes recs in reverse order and removes them from
// the stack (unless keep). Resources that never got a physical id are
// marked deleted without a call. It returns the ones that failed.
func (s *Stacks) deleteResources(ctx context.Context, st *stack, recs []*resource, keep bool) []string {
	var failed []string
	for i := len(recs) - 1; i >= 0; i-- {
		rec := recs[i]
		if err := s.deleteOne(ctx, st, rec); err != nil {
			failed = append(failed, rec.logicalID)
			continue
		}
		if !keep {
			s.mu.Lock()
			if st.res[rec.logicalID] == rec {
				delete(st.res, rec.logicalID)
			}
			s.mu.Unlock()
		}
	}
	sort.Strings(failed)
	return failed
}

func (s *Stacks) deleteOne(ctx context.Context, st *stack, rec *resource) error {
	if rec.def != nil && (rec.def.DeletionPolicy == "Retain" || rec.def.DeletionPolicy == "RetainExceptOnCreate" && st.status != StackStatusRollbackInProgress) {
		s.resourceEvent(st, rec, ResourceDeleteSkipped, "", nil)
		return nil
	}
	if rec.physicalID == "" {
		s.resourceEvent(st, rec, ResourceDeleteComplete, "", nil)
		return nil
	}
	s.resourceEvent(st, rec, ResourceDeleteInProgress, "", nil)
	h := s.opts.Handlers[rec.typ]
	var err error
	if h == nil {
		err = fmt.Errorf("Resource type %s is not supported", rec.typ)
	} else {
		err = h.Delete(ctx, s.request(st, rec, rec.props))
	}
	if err != nil {
		s.log.Warn("cfn delete resource failed", "stack", st.name, "resource", rec.logicalID, "err", err)
		s.resourceEvent(st, rec, ResourceDeleteFailed, reason(err), nil)
		return err
	}
	s.resourceEvent(st, rec, ResourceDeleteComplete, "", nil)
	return nil
}

// publishOutputs resolves the plan's outputs and registers its exports.
func (s *Stacks) publishOutputs(ctx context.Context, st *stack, plan *cfn.StackPlan) error {
	var outs []Output
	for _, o := range plan.Outputs {
		v, name, err := o.Resolve(resolver{s, st, ctx})
		if err != nil {
			return err
		}
		outs = append(outs, Output{OutputKey: o.LogicalID, OutputValue: v, Description: o.Description, ExportName: name})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	newExports := map[string]string{}
	for _, o := range outs {
		if o.ExportName == "" {
			continue
		}
		if e := s.exports[o.ExportName]; e != nil && e.stackID != st.id {
			return validationf("Export with name %s is already exported by stack %s", o.ExportName, e.stackName)
		}
		newExports[o.ExportName] = o.OutputValue
	}
	// An export another stack imports can be neither removed nor changed.
	for _, name := range st.exports {
		users := s.importersLocked(name)
		if len(users) == 0 {
			continue
		}
		v, kept := newExports[name]
		if !kept {
			return validationf("Cannot delete export %s as it is in use by %s.", name, strings.Join(users, ", "))
		}
		if v != s.exports[name].value {
			return validationf("Cannot update export %s as it is in use by %s.", name, strings.Join(users, ", "))
		}
	}
	s.dropExportsLocked(st)
	for _, o := range outs {
		if o.ExportName != "" {
			s.exports[o.ExportName] = &export{name: o.ExportName, value: o.OutputValue, stackID: st.id, stackName: st.name}
			st.exports = append(st.exports, o.ExportName)
		}
	}
	st.outputs = outs
	return nil
}

func (s *Stacks) dropExportsLocked(st *stack) {
	for _, name := range st.exports {
		if e := s.exports[name]; e != nil && e.stackID == st.id {
			delete(s.exports, name)
		}
	}
	st.exports = nil
}

// runDelete deletes every resource in reverse creation order.
func (s *Stacks) runDelete(ctx context.Context, st *stack) {
	s.mu.Lock()
	for _, name := range st.exports {
		if users := s.importersLocked(name); len(users) > 0 {
			s.setStatusLocked(st, StackStatusDeleteFailed, fmt.Sprintf("Export %s cannot be deleted as it is in use by %s", name, strings.Join(users, ", ")))
			s.mu.Unlock()
			return
		}
	}
	s.mu.Unlock()
	if bad := s.deleteResources(ctx, st, s.creationOrder(st), false); len(bad) > 0 {
		s.setStatus(st, StackStatusDeleteFailed, fmt.Sprintf("The following resource(s) failed to delete: %s. ", bracket(bad)))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExportsLocked(st)
	st.imports = map[string]bool{}
	st.outputs = nil
	st.deleted = s.opts.Now().UTC()
	for _, cs := range st.changeSets {
		cs.deleted = true
	}
	s.setStatusLocked(st, StackStatusDeleteComplete, "")
}

// runUpdate moves the stack to next: resources added, modified or
// replaced in plan order, then cleanup of what is no longer needed; on
// failure everything is put back.
func (s *Stacks) runUpdate(ctx context.Context, st *stack, next *stackVersion, disableRollback bool) {
	// While the update runs the stack holds both versions' imports, so
	// neither exporter can go away under it.
	s.mu.Lock()
	oldImports := st.imports
	st.imports = importSet(next.imports)
	for n := range oldImports {
		st.imports[n] = true
	}
	s.mu.Unlock()
	var journal []journalEntry
	failed := s.runGraph(ctx, next.plan.Resources, func(ctx context.Context, r *cfn.Resource) error {
		e, err := s.updateOne(ctx, st, r)
		if e != nil {
			s.mu.Lock()
			journal = append(journal, *e)
			s.mu.Unlock()
		}
		return err
	})
	why := ""
	if len(failed) > 0 {
		why = fmt.Sprintf("The following resource(s) failed to update: %s. ", bracket(failed))
	} else if err := s.publishOutputs(ctx, st, next.plan); err != nil {
		why = reason(err)
	}
	if why == "" {
		s.mu.Lock()
		oldPlan := st.plan
		st.plan, st.body, st.params, st.capabilities, st.changeSetID = next.plan, next.body, next.params, next.caps, next.changeSetID
		st.imports = importSet(next.imports)
		s.setStatusLocked(st, StackStatusUpdateCompleteCleanupInProgress, "")
		s.mu.Unlock()
		// Cleanup: the replaced physical resources, then the resources
		// the template no longer has, newest first.
		var old []*resource
		for _, e := range journal {
			// An idempotent create may hand back the same resource; it
			// must not be deleted as the old one.
			if e.kind == "replace" && e.old.physicalID != e.cur.physicalID {
				old = append(old, e.old)
			}
		}
		s.deleteResources(ctx, st, old, true)
		var gone []*resource
		s.mu.Lock()
		for _, r := range oldPlan.Resources {
			if next.plan.Resource(r.LogicalID) == nil && st.res[r.LogicalID] != nil {
				gone = append(gone, st.res[r.LogicalID])
			}
		}
		s.mu.Unlock()
		s.deleteResources(ctx, st, gone, false)
		s.setStatus(st, StackStatusUpdateComplete, "")
		return
	}
	if disableRollback {
		s.setStatus(st, StackStatusUpdateRollbackFailed, why)
		return
	}
	s.setStatus(st, StackStatusUpdateRollbackInProgress, why)
	var created []*resource
	rollbackFailed := false
	for i := len(journal) - 1; i >= 0; i-- {
		e := journal[i]
		switch e.kind {
		case "add":
			created = append(created, e.cur)
		case "replace":
			if e.cur.physicalID != e.old.physicalID {
				created = append(created, e.cur)
			}
			s.mu.Lock()
			st.res[e.old.logicalID] = e.old
			s.mu.Unlock()
			s.resourceEvent(st, e.old, ResourceUpdateComplete, "", nil)
		case "modify":
			if err := s.revert(ctx, st, e); err != nil {
				rollbackFailed = true
			}
		}
	}
	// Failed resources that were being added or replaced.
	s.mu.Lock()
	for _, id := range failed {
		if r := st.res[id]; r != nil && r.status == ResourceCreateFailed {
			created = append(created, r)
		}
	}
	s.mu.Unlock()
	if rollbackFailed {
		s.setStatus(st, StackStatusUpdateRollbackFailed, why)
		return
	}
	s.mu.Lock()
	// Imports the failed version added are released again.
	st.imports = oldImports
	s.setStatusLocked(st, StackStatusUpdateRollbackCompleteCleanupInProgress, "")
	s.mu.Unlock()
	slices.Reverse(created) // deleteResources walks backwards: newest first
	s.deleteResources(ctx, st, created, true)
	s.mu.Lock()
	for _, r := range created {
		if st.res[r.logicalID] == r {
			delete(st.res, r.logicalID)
		}
	}
	s.setStatusLocked(st, StackStatusUpdateRollbackComplete, "")
	s.mu.Unlock()
}

// revert undoes an in-place update.
func (s *Stacks) revert(ctx context.Context, st *stack, e journalEntry) error {
	h := s.opts.Handlers[e.cur.typ]
	s.resourceEvent(st, e.cur, ResourceUpdateInProgress, "", e.old.props)
	req := s.request(st, e.cur, e.old.props)
	req.OldProperties = e.cur.props
	req.Changes = cfn.Diff(e.cur.props, e.old.props)
	res, err := h.Update(ctx, req)
	if err != nil {
		s.resourceEvent(st, e.cur, ResourceUpdateFailed, reason(err), nil)
		return err
	}
	s.mu.Lock()
	e.cur.props, e.cur.def = e.old.props, e.old.def
	e.cur.attrs = e.old.attrs
	if res != nil && res.Attributes != nil {
		e.cur.attrs = res.Attributes
	}
	s.mu.Unlock()
	s.resourceEvent(st, e.cur, ResourceUpdateComplete, "", nil)
	return nil
}

// updateOne brings one resource to its new definition: created if new,
// updated in place, or replaced. It returns what it did for the journal.
func (s *Stacks) updateOne(ctx context.Context, st *stack, def *cfn.Resource) (*journalEntry, error) {
	s.mu.Lock()
	cur := st.res[def.LogicalID]
	var old *resource
	if cur != nil {
		old = cur.copy()
	}
	s.mu.Unlock()
	if cur == nil || cur.physicalID == "" {
		rec, err := s.createOne(ctx, st, def)
		if err != nil {
			return nil, err
		}
		return &journalEntry{kind: "add", cur: rec}, nil
	}
	h := s.opts.Handlers[def.Type]
	props, err := def.ResolveProperties(resolver{s, st, ctx})
	if err != nil {
		s.resourceEvent(st, cur, ResourceUpdateFailed, reason(err), nil)
		return nil, err
	}
	changes := cfn.Diff(old.props, props)
	replace := old.typ != def.Type
	if !replace && len(changes) == 0 {
		s.mu.Lock()
		cur.def = def
		s.mu.Unlock()
		return nil, nil
	}
	if h == nil {
		err := fmt.Errorf("Resource type %s is not supported", def.Type)
		s.resourceEvent(st, cur, ResourceUpdateFailed, err.Error(), nil)
		return nil, err
	}
	for _, c := range changes {
		if h.Replacement(c.Name) == ReplacementTrue {
			replace = true
		}
	}
	if !replace {
		s.resourceEvent(st, cur, ResourceUpdateInProgress, "", props)
		req := s.request(st, cur, props)
		req.OldProperties, req.Changes = old.props, changes
		res, err := h.Update(ctx, req)
		switch {
		case errors.Is(err, ErrReplacementRequired):
			replace = true
		case err != nil:
			s.resourceEvent(st, cur, ResourceUpdateFailed, reason(err), nil)
			return nil, err
		default:
			s.mu.Lock()
			cur.props, cur.def = props, def
			if res != nil {
				if res.PhysicalID != "" {
					cur.physicalID = res.PhysicalID
				}
				if res.Attributes != nil {
					cur.attrs = res.Attributes
				}
			}
			s.mu.Unlock()
			s.resourceEvent(st, cur, ResourceUpdateComplete, "", nil)
			return &journalEntry{kind: "modify", old: old, cur: cur}, nil
		}
	}
	// A resource with a custom name cannot be replaced: the new one would
	// need the name the old one still holds.
	if prop := customNameProps[def.Type]; prop != "" && old.typ == def.Type {
		if n := str(props[prop]); n != "" && n == str(old.props[prop]) {
			err := fmt.Errorf("CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename %s and update the stack again.", n)
			s.resourceEvent(st, cur, ResourceUpdateFailed, err.Error(), nil)
			return nil, err
		}
	}
	// Replacement: a new physical resource takes the logical id now; the
	// old one is deleted during cleanup (or restored by a rollback).
	rec := &resource{logicalID: def.LogicalID, typ: def.Type, def: def, physicalID: ""}
	s.mu.Lock()
	st.res[def.LogicalID] = rec
	s.mu.Unlock()
	s.resourceEvent(st, rec, ResourceUpdateInProgress, ReasonReplacementCreate, props)
	if h == nil {
		h = s.opts.Handlers[def.Type]
	}
	cp, _ := creationPolicy(def.CreationPolicy)
	req := s.request(st, rec, props)
	req.CreationPolicy = cp
	res, err := h.Create(ctx, req)
	if err != nil {
		s.resourceEvent(st, rec, ResourceCreateFailed, reason(err), nil)
		s.mu.Lock()
		st.res[def.LogicalID] = cur // the old one stays current
		s.mu.Unlock()
		return nil, err
	}
	s.mu.Lock()
	rec.physicalID, rec.props, rec.attrs = res.PhysicalID, props, res.Attributes
	s.mu.Unlock()
	s.resourceEvent(st, rec, ResourceUpdateInProgress, ReasonCreateInitiated, nil)
	s.resourceEvent(st, rec, ResourceUpdateComplete, "", nil)
	return &journalEntry{kind: "replace", old: old, cur: rec}, nil
}

// customNameProps names, per type, the property that gives a resource a
// custom name.
var customNameProps = map[string]string{
	"AWS::ElasticLoadBalancingV2::LoadBalancer": "Name",
	"AWS::ElasticLoadBalancingV2::TargetGroup":  "Name",
	"AWS::ECS::Cluster":                         "ClusterName",
	"AWS::ECS::Service":                         "ServiceName",
	"AWS::IAM::Role":                            "RoleName",
	"AWS::IAM::InstanceProfile":                 "InstanceProfileName",
	"AWS::ECR::Repository":                      "RepositoryName",
	"AWS::Logs::LogGroup":                       "LogGroupName",
	"AWS::EC2::SecurityGroup":                   "GroupName",
	"AWS::EC2::LaunchTemplate":                  "LaunchTemplateName",
	"AWS::AutoScaling::AutoScalingGroup":        "AutoScalingGroupName",
	"AWS::AutoScaling::LaunchConfiguration":     "LaunchConfigurationName",
}

// outputsEqual reports whether two plans declare the same outputs.
func outputsEqual(a, b *cfn.StackPlan) bool {
	if a == nil || b == nil {
		return a == b
	}
	return reflect.DeepEqual(a.Outputs, b.Outputs)
}
