package deploy

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/ecslocal/ecslocal/internal/cfn"
)

// Handler creates, updates and deletes the resources of one type. The
// executor calls it without holding any lock; a handler must be safe for
// concurrent use by several stacks.
type Handler interface {
	// Create creates the resource from req.Properties and returns what
	// Ref and Fn::GetAtt return for it. It returns once the resource is
	// usable (stabilized), waiting through req.Clock.
	Create(ctx context.Context, req *Request) (*Result, error)
	// Update changes req.PhysicalID in place from req.OldProperties to
	// req.Properties. It returns ErrReplacementRequired if the change can
	// only be made by replacing the resource; the executor then creates a
	// new one and deletes the old one during cleanup. The Result's
	// PhysicalID may be empty (unchanged).
	Update(ctx context.Context, req *Request) (*Result, error)
	// Delete deletes req.PhysicalID. Deleting what no longer exists
	// succeeds.
	Delete(ctx context.Context, req *Request) error
	// Replacement says what changing the top-level property does, as the
	// "Update requires" line of the CloudFormation User Guide says:
	// ReplacementTrue (Replacement), ReplacementFalse (No interruption,
	// Some interruptions) or ReplacementConditional.
	Replacement(property string) Replacement
}

// AttributeReader is implemented by handlers whose Fn::GetAtt attributes
// change after creation (a target group's LoadBalancerArns). The executor
// asks it first and falls back to the Result attributes when ok is false.
type AttributeReader interface {
	Attribute(ctx context.Context, physicalID, name string) (v any, ok bool, err error)
}

// ErrReplacementRequired is returned by Handler.Update when the change
// needs a new physical resource.
var ErrReplacementRequired = errors.New("update requires replacement")

// Replacement is the Replacement member of a change set's ResourceChange.
type Replacement string

// The values of Replacement.
const (
	ReplacementTrue        Replacement = "True"
	ReplacementFalse       Replacement = "False"
	ReplacementConditional Replacement = "Conditional"
)

// Request is one resource operation.
type Request struct {
	StackName string
	StackID   string
	Region    string
	AccountID string
	LogicalID string
	Type      string
	// PhysicalID is the resource's id (Update, Delete).
	PhysicalID string
	// Properties are the resolved properties (Create, Update; for Delete
	// the last ones applied).
	Properties map[string]any
	// OldProperties are the properties before an Update.
	OldProperties map[string]any
	// Changes lists the top-level properties an Update changes.
	Changes []cfn.PropertyChange
	// CreationPolicy is the resource's CreationPolicy (Create), or nil.
	CreationPolicy *CreationPolicy
	// Clock is what waits and polls use.
	Clock Clock
	// Attributes are the attributes the resource had (Update, Delete).
	Attributes map[string]any
}

// Result is what a created or updated resource returns.
type Result struct {
	// PhysicalID is what Ref returns.
	PhysicalID string
	// Attributes are the Fn::GetAtt attributes: strings or []string.
	Attributes map[string]any
}

// CreationPolicy is a resource's CreationPolicy.ResourceSignal: how many
// success signals to receive within what time.
type CreationPolicy struct {
	Count   int
	Timeout time.Duration
}

// Handlers maps a resource type to its handler.
type Handlers map[string]Handler

// ResourceTypes returns the set of types with a handler, for
// cfn.Input.ResourceTypes.
func (h Handlers) ResourceTypes() map[string]bool {
	out := make(map[string]bool, len(h))
	for t := range h {
		out[t] = true
	}
	return out
}

// Types returns the handled types, sorted.
func (h Handlers) Types() []string {
	out := make([]string, 0, len(h))
	for t := range h {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Clock is the time source of waits and polls. Real time scaled by
// Options.TimeScale unless a Clock is injected.
type Clock interface {
	Now() time.Time
	// After delivers the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

// scaledClock is real time with every wait divided by scale.
type scaledClock struct{ scale float64 }

func (c scaledClock) Now() time.Time { return time.Now() }

func (c scaledClock) After(d time.Duration) <-chan time.Time {
	if c.scale > 0 && c.scale != 1 {
		d = time.Duration(float64(d) / c.scale)
	}
	return time.After(d)
}

// sleep waits d on clk or until ctx is done.
func sleep(ctx context.Context, clk Clock, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-clk.After(d):
		return nil
	}
}

// replaceOn is a Replacement function over a fixed set of properties that
// need replacement; every other property is updated without interruption.
type replaceOn map[string]bool

func newReplaceOn(props ...string) replaceOn {
	m := replaceOn{}
	for _, p := range props {
		m[p] = true
	}
	return m
}

func (r replaceOn) replacement(prop string) Replacement {
	if r[prop] {
		return ReplacementTrue
	}
	return ReplacementFalse
}

// SupportedResourceTypes lists every resource type NewHandlers provides
// once all of its backends are set: what `ecslocal validate` accepts.
func SupportedResourceTypes() map[string]bool {
	types := NewHandlers(HandlerOptions{}).ResourceTypes()
	for t := range elbHandlers(nil) {
		types[t] = true
	}
	for _, t := range []string{"AWS::ECS::Cluster", "AWS::ECS::TaskDefinition", "AWS::ECS::Service", "AWS::AutoScaling::AutoScalingGroup"} {
		types[t] = true
	}
	return types
}
