package elbapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/control"
)

// Wire constants of the ELBv2 Query API (§7.1).
const (
	// Version is the API version every request must carry.
	Version = "2015-12-01"
	// SigningName is the SigV4 service name and endpoint prefix.
	SigningName = "elasticloadbalancing"
	// Namespace is the XML namespace of responses.
	Namespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
)

// Controller is what the API needs of the ALB control plane: one method per
// ELBv2 operation, shaped like *control.Control's, which satisfies it.
type Controller interface {
	CreateLoadBalancer(context.Context, *control.CreateLoadBalancerInput) (*control.CreateLoadBalancerOutput, error)
	DescribeLoadBalancers(context.Context, *control.DescribeLoadBalancersInput) (*control.DescribeLoadBalancersOutput, error)
	DeleteLoadBalancer(context.Context, *control.DeleteLoadBalancerInput) (*control.DeleteLoadBalancerOutput, error)
	DescribeLoadBalancerAttributes(context.Context, *control.DescribeLoadBalancerAttributesInput) (*control.DescribeLoadBalancerAttributesOutput, error)
	ModifyLoadBalancerAttributes(context.Context, *control.ModifyLoadBalancerAttributesInput) (*control.ModifyLoadBalancerAttributesOutput, error)

	CreateTargetGroup(context.Context, *control.CreateTargetGroupInput) (*control.CreateTargetGroupOutput, error)
	DescribeTargetGroups(context.Context, *control.DescribeTargetGroupsInput) (*control.DescribeTargetGroupsOutput, error)
	ModifyTargetGroup(context.Context, *control.ModifyTargetGroupInput) (*control.ModifyTargetGroupOutput, error)
	DeleteTargetGroup(context.Context, *control.DeleteTargetGroupInput) (*control.DeleteTargetGroupOutput, error)
	DescribeTargetGroupAttributes(context.Context, *control.DescribeTargetGroupAttributesInput) (*control.DescribeTargetGroupAttributesOutput, error)
	ModifyTargetGroupAttributes(context.Context, *control.ModifyTargetGroupAttributesInput) (*control.ModifyTargetGroupAttributesOutput, error)

	RegisterTargets(context.Context, *control.RegisterTargetsInput) (*control.RegisterTargetsOutput, error)
	DeregisterTargets(context.Context, *control.DeregisterTargetsInput) (*control.DeregisterTargetsOutput, error)
	DescribeTargetHealth(context.Context, *control.DescribeTargetHealthInput) (*control.DescribeTargetHealthOutput, error)

	CreateListener(context.Context, *control.CreateListenerInput) (*control.CreateListenerOutput, error)
	DescribeListeners(context.Context, *control.DescribeListenersInput) (*control.DescribeListenersOutput, error)
	ModifyListener(context.Context, *control.ModifyListenerInput) (*control.ModifyListenerOutput, error)
	DeleteListener(context.Context, *control.DeleteListenerInput) (*control.DeleteListenerOutput, error)

	CreateRule(context.Context, *control.CreateRuleInput) (*control.CreateRuleOutput, error)
	DescribeRules(context.Context, *control.DescribeRulesInput) (*control.DescribeRulesOutput, error)
	ModifyRule(context.Context, *control.ModifyRuleInput) (*control.ModifyRuleOutput, error)
	DeleteRule(context.Context, *control.DeleteRuleInput) (*control.DeleteRuleOutput, error)
	SetRulePriorities(context.Context, *control.SetRulePrioritiesInput) (*control.SetRulePrioritiesOutput, error)

	AddTags(context.Context, *control.AddTagsInput) (*control.AddTagsOutput, error)
	RemoveTags(context.Context, *control.RemoveTagsInput) (*control.RemoveTagsOutput, error)
	DescribeTags(context.Context, *control.DescribeTagsInput) (*control.DescribeTagsOutput, error)
}

var _ Controller = (*control.Control)(nil)

// Handler answers ELBv2 requests by calling Control. It holds no state of
// its own and is safe for concurrent use if Control is.
type Handler struct {
	Control Controller
}

var _ awsapi.QueryHandler = (*Handler)(nil)

// Service mounts h on an awsapi.Server.
func (h *Handler) Service() awsapi.QueryService {
	return awsapi.QueryService{SigningName: SigningName, Version: Version, Namespace: Namespace, Handler: h}
}

// Handle implements awsapi.QueryHandler: it decodes the parameters of
// action, runs the operation and returns its result member (nil for the
// operations whose result is empty). An action ecslocal does not serve is
// InvalidAction, the common Query error (§7.2).
func (h *Handler) Handle(ctx context.Context, action string, params url.Values) (any, error) {
	c := h.Control
	switch action {
	case "CreateLoadBalancer":
		return run(ctx, params, (*createLoadBalancerInput).control, c.CreateLoadBalancer,
			func(o *control.CreateLoadBalancerOutput) any {
				return loadBalancersResult{LoadBalancers: loadBalancers(o.LoadBalancers)}
			})
	case "DescribeLoadBalancers":
		return run(ctx, params, (*describeLoadBalancersInput).control, c.DescribeLoadBalancers,
			func(o *control.DescribeLoadBalancersOutput) any {
				return loadBalancersResult{LoadBalancers: loadBalancers(o.LoadBalancers), NextMarker: o.NextMarker}
			})
	case "DeleteLoadBalancer":
		return run(ctx, params, (*loadBalancerARNInput).deleteInput, c.DeleteLoadBalancer, empty[control.DeleteLoadBalancerOutput])
	case "DescribeLoadBalancerAttributes":
		return run(ctx, params, (*loadBalancerARNInput).describeAttributesInput, c.DescribeLoadBalancerAttributes,
			func(o *control.DescribeLoadBalancerAttributesOutput) any {
				return attributesResult{Attributes: nonNil(o.Attributes)}
			})
	case "ModifyLoadBalancerAttributes":
		return run(ctx, params, (*modifyLoadBalancerAttributesInput).control, c.ModifyLoadBalancerAttributes,
			func(o *control.ModifyLoadBalancerAttributesOutput) any {
				return attributesResult{Attributes: nonNil(o.Attributes)}
			})

	case "CreateTargetGroup":
		return run(ctx, params, (*createTargetGroupInput).control, c.CreateTargetGroup,
			func(o *control.CreateTargetGroupOutput) any {
				return targetGroupsResult{TargetGroups: targetGroups(o.TargetGroups)}
			})
	case "DescribeTargetGroups":
		return run(ctx, params, (*describeTargetGroupsInput).control, c.DescribeTargetGroups,
			func(o *control.DescribeTargetGroupsOutput) any {
				return targetGroupsResult{TargetGroups: targetGroups(o.TargetGroups), NextMarker: o.NextMarker}
			})
	case "ModifyTargetGroup":
		return run(ctx, params, (*modifyTargetGroupInput).control, c.ModifyTargetGroup,
			func(o *control.ModifyTargetGroupOutput) any {
				return targetGroupsResult{TargetGroups: targetGroups(o.TargetGroups)}
			})
	case "DeleteTargetGroup":
		return run(ctx, params, (*targetGroupARNInput).deleteInput, c.DeleteTargetGroup, empty[control.DeleteTargetGroupOutput])
	case "DescribeTargetGroupAttributes":
		return run(ctx, params, (*targetGroupARNInput).describeAttributesInput, c.DescribeTargetGroupAttributes,
			func(o *control.DescribeTargetGroupAttributesOutput) any {
				return attributesResult{Attributes: nonNil(o.Attributes)}
			})
	case "ModifyTargetGroupAttributes":
		return run(ctx, params, (*modifyTargetGroupAttributesInput).control, c.ModifyTargetGroupAttributes,
			func(o *control.ModifyTargetGroupAttributesOutput) any {
				return attributesResult{Attributes: nonNil(o.Attributes)}
			})

	case "RegisterTargets":
		return run(ctx, params, (*targetsInput).registerInput, c.RegisterTargets, empty[control.RegisterTargetsOutput])
	case "DeregisterTargets":
		return run(ctx, params, (*targetsInput).deregisterInput, c.DeregisterTargets, empty[control.DeregisterTargetsOutput])
	case "DescribeTargetHealth":
		return run(ctx, params, (*describeTargetHealthInput).control, c.DescribeTargetHealth,
			func(o *control.DescribeTargetHealthOutput) any {
				return targetHealthResult{TargetHealthDescriptions: nonNil(o.TargetHealthDescriptions)}
			})

	case "CreateListener":
		return run(ctx, params, (*createListenerInput).control, c.CreateListener,
			func(o *control.CreateListenerOutput) any { return listenersResult{Listeners: listeners(o.Listeners)} })
	case "DescribeListeners":
		return run(ctx, params, (*describeListenersInput).control, c.DescribeListeners,
			func(o *control.DescribeListenersOutput) any {
				return listenersResult{Listeners: listeners(o.Listeners), NextMarker: o.NextMarker}
			})
	case "ModifyListener":
		return run(ctx, params, (*modifyListenerInput).control, c.ModifyListener,
			func(o *control.ModifyListenerOutput) any { return listenersResult{Listeners: listeners(o.Listeners)} })
	case "DeleteListener":
		return run(ctx, params, (*listenerARNInput).deleteInput, c.DeleteListener, empty[control.DeleteListenerOutput])

	case "CreateRule":
		return run(ctx, params, (*createRuleInput).control, c.CreateRule,
			func(o *control.CreateRuleOutput) any { return rulesResult{Rules: rules(o.Rules)} })
	case "DescribeRules":
		return run(ctx, params, (*describeRulesInput).control, c.DescribeRules,
			func(o *control.DescribeRulesOutput) any {
				return rulesResult{Rules: rules(o.Rules), NextMarker: o.NextMarker}
			})
	case "ModifyRule":
		return run(ctx, params, (*modifyRuleInput).control, c.ModifyRule,
			func(o *control.ModifyRuleOutput) any { return rulesResult{Rules: rules(o.Rules)} })
	case "DeleteRule":
		return run(ctx, params, (*ruleARNInput).deleteInput, c.DeleteRule, empty[control.DeleteRuleOutput])
	case "SetRulePriorities":
		return run(ctx, params, (*setRulePrioritiesInput).control, c.SetRulePriorities,
			func(o *control.SetRulePrioritiesOutput) any { return rulesResult{Rules: rules(o.Rules)} })

	case "AddTags":
		return run(ctx, params, (*addTagsInput).control, c.AddTags, empty[control.AddTagsOutput])
	case "RemoveTags":
		return run(ctx, params, (*removeTagsInput).control, c.RemoveTags, empty[control.RemoveTagsOutput])
	case "DescribeTags":
		return run(ctx, params, (*describeTagsInput).control, c.DescribeTags,
			func(o *control.DescribeTagsOutput) any {
				return tagDescriptionsResult{TagDescriptions: tagDescriptions(o.TagDescriptions)}
			})
	}
	return nil, awsapi.Errorf("InvalidAction", "Could not find operation %s for version %s.", action, Version)
}

// run is one operation: decode the wire input W, check it and turn it into
// the control input I (convert), call the control plane, and shape its
// output O into the result member.
func run[W, I, O any](ctx context.Context, params url.Values, convert func(*W) (*I, error),
	call func(context.Context, *I) (*O, error), result func(*O) any) (any, error) {
	var w W
	if err := awsapi.DecodeQuery(params, &w); err != nil {
		return nil, err
	}
	in, err := convert(&w)
	if err != nil {
		return nil, err
	}
	out, err := call(ctx, in)
	if err != nil {
		return nil, awsError(err)
	}
	return result(out), nil
}

// empty is the result of the operations whose <OpResult> is empty.
func empty[O any](*O) any { return nil }

// nonNil makes a nil list an empty one, so it is encoded as <Name/> the way
// ELBv2 shows empty lists.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// awsError is the one conversion of control-plane errors to wire errors:
// an *elb.Error keeps its ELBv2 code (awsapi gives the HTTP status), a
// closed control plane is ServiceUnavailable, and anything else is returned
// as it is, for awsapi to log and answer as InternalFailure.
func awsError(err error) error {
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, control.ErrClosed) {
		return &awsapi.Error{Code: "ServiceUnavailable", Message: "The load balancer service is shutting down."}
	}
	var e *elb.Error
	if !errors.As(err, &e) {
		return err
	}
	code := elb.ErrorCode(err)
	var msgs []string
	collectMessages(err, &msgs)
	if code == elb.CodeValidationError && allConstraints(msgs) {
		return validationError(msgs)
	}
	return &awsapi.Error{Code: code, Message: strings.Join(msgs, "; ")}
}

// collectMessages gathers the messages of every *elb.Error in err's tree,
// in the order errors.Join keeps (Validate reports every problem at once).
func collectMessages(err error, msgs *[]string) {
	if e, ok := err.(*elb.Error); ok {
		*msgs = append(*msgs, e.Message)
		return
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			collectMessages(inner, msgs)
		}
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			collectMessages(inner, msgs)
		}
	}
}

// allConstraints reports whether every message is a model-constraint
// violation ("Value … at '…' failed to satisfy constraint: …").
func allConstraints(msgs []string) bool {
	for _, m := range msgs {
		if !strings.HasPrefix(m, "Value ") || !strings.Contains(m, " failed to satisfy constraint: ") {
			return false
		}
	}
	return len(msgs) > 0
}

// validationError words model-constraint violations as AWS services do:
// "1 validation error detected: Value null at 'loadBalancerNames' failed to
// satisfy constraint: Member must not be null" (observed from ELB), and
// "N validation errors detected: …; …" for several.
func validationError(msgs []string) *awsapi.Error {
	prefix := "1 validation error detected: "
	if len(msgs) > 1 {
		prefix = fmt.Sprintf("%d validation errors detected: ", len(msgs))
	}
	return &awsapi.Error{Code: elb.CodeValidationError, Message: prefix + strings.Join(msgs, "; ")}
}
