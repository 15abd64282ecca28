package control

import (
	"strings"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// Error codes the domain does not define yet (see the report: they belong
// in elb/error.go).
const (
	codeDuplicateTagKeys = "DuplicateTagKeys"
)

// Messages. Where AWS's text is known it is used verbatim: the
// "Load balancers '[name]' not found" form is observed real output, the
// "One or more ... not found" form is the Smithy query test's, and the
// quota texts are the ELBv2 API Reference descriptions of the error codes.
// The others are marked unconfirmed.

// errRequired is the AWS model-validation message for a missing required
// member (the form elb uses for its own required members).
func errRequired(member string) *elb.Error {
	return elb.NewValidationError("Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

func errLoadBalancersNotFound() *elb.Error {
	return elb.Errorf(elb.CodeLoadBalancerNotFound, "One or more load balancers not found")
}

func errLoadBalancerNamesNotFound(names []string) *elb.Error {
	return elb.Errorf(elb.CodeLoadBalancerNotFound, "Load balancers '[%s]' not found", strings.Join(names, ", "))
}

func errTargetGroupsNotFound() *elb.Error {
	return elb.Errorf(elb.CodeTargetGroupNotFound, "One or more target groups not found")
}

func errListenersNotFound() *elb.Error {
	return elb.Errorf(elb.CodeListenerNotFound, "One or more listeners not found")
}

func errRulesNotFound() *elb.Error {
	return elb.Errorf(elb.CodeRuleNotFound, "One or more rules not found")
}

func errTargetGroupNotFoundARN(arn string) *elb.Error {
	return elb.Errorf(elb.CodeTargetGroupNotFound, "Target group '%s' not found", arn)
}

// errTargetGroupInUse is the DeleteTargetGroup refusal (observed wording).
func errTargetGroupInUse(arn string) *elb.Error {
	return elb.Errorf(elb.CodeResourceInUse, "Target group '%s' is currently in use by a listener or a rule", arn)
}

// errAssociationLimit: a target group can serve one load balancer (§3.6).
func errAssociationLimit(arn string) *elb.Error {
	return elb.Errorf(elb.CodeTargetGroupAssociationLimit, "The following target groups cannot be associated with more than one load balancer: %s", arn)
}

// errDuplicateLoadBalancerName: CreateLoadBalancer is idempotent only for
// identical settings (§7.3). Unconfirmed wording.
func errDuplicateLoadBalancerName(name string) *elb.Error {
	return elb.Errorf(elb.CodeDuplicateLoadBalancerName, "A load balancer with the same name '%s' exists, but with different settings", name)
}

func errTooMany(code, what string) *elb.Error {
	return elb.Errorf(code, "You've reached the limit on the number of %s", what)
}

func errDefaultRule(arn, verb string) *elb.Error {
	// Unconfirmed wording; the code is the documented one (§3.1).
	return elb.NewOperationNotPermitted("Default rule '%s' cannot be %s", arn, verb)
}
