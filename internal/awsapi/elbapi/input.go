package elbapi

import (
	"fmt"
	"strconv"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/control"
)

// The wire inputs below name their members as the ELBv2 API does (the
// `query` tag, else the field name) so awsapi.DecodeQuery fills them from
// Name.member.N / Parent.Child parameters (§7.1). Nested shapes whose domain
// types already carry the AWS spelling in json tags (elb.Action,
// elb.RuleCondition, elb.Attribute, elb.Matcher, elb.Certificate) are
// decoded directly.
//
// Scalars are pointers where the API distinguishes "absent" from zero: a
// required member that is absent, and an explicit 0 that the control plane
// would otherwise take for "not set" (Priority=0 must fail, not mean
// "default"). Each input's control method checks what the API's model
// checks before the service runs (required members, numeric ranges) and
// reports every violation at once, in AWS's wording; the control plane
// validates the rest.

// checks collects model-constraint violations of one request.
type checks []string

// required records member as missing unless present. member is the
// lower-camel path AWS uses in these messages ("loadBalancerArn",
// "targets.1.member.id"; the form of list paths is unconfirmed).
func (c *checks) required(present bool, member string) {
	if !present {
		*c = append(*c, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", member))
	}
}

// inRange records *v outside [lo, hi]; an absent value is not checked.
func (c *checks) inRange(v *int, member string, lo, hi int) {
	switch {
	case v == nil:
	case *v < lo:
		*c = append(*c, fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", *v, member, lo))
	case *v > hi:
		*c = append(*c, fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", *v, member, hi))
	}
}

// err returns the violations as one ValidationError, or nil.
func (c checks) err() error {
	if len(c) == 0 {
		return nil
	}
	return validationError(c)
}

// Model ranges (ELBv2 API Reference, the shapes' constraints).
const (
	minPort, maxPort           = 1, 65535
	minPageSize, maxPageSize   = 1, 400
	minInterval, maxInterval   = 5, 300
	minTimeout, maxTimeout     = 2, 120
	minThreshold, maxThreshold = 2, 10
)

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// listPath is the message path of member n (1-based) of list: "tags.1.member.key".
func listPath(list string, n int, field string) string {
	return list + "." + strconv.Itoa(n) + ".member." + field
}

// tag is an input Tag; Key is required.
type tag struct {
	Key   *string
	Value string
}

func controlTags(c *checks, ts []tag) []control.Tag {
	if ts == nil {
		return nil
	}
	out := make([]control.Tag, len(ts))
	for i, t := range ts {
		c.required(t.Key != nil, listPath("tags", i+1, "key"))
		out[i] = control.Tag{Key: deref(t.Key), Value: t.Value}
	}
	return out
}

// checkActions reports actions without a Type (required in Action).
func checkActions(c *checks, list string, as []elb.Action) {
	for i, a := range as {
		c.required(a.Type != "", listPath(list, i+1, "type"))
	}
}

// target is an input TargetDescription; Id is required.
type target struct {
	ID               *string `query:"Id"`
	Port             *int
	AvailabilityZone string
}

func controlTargets(c *checks, ts []target) []elb.TargetDescription {
	if ts == nil {
		return nil
	}
	out := make([]elb.TargetDescription, len(ts))
	for i, t := range ts {
		c.required(t.ID != nil, listPath("targets", i+1, "id"))
		c.inRange(t.Port, listPath("targets", i+1, "port"), minPort, maxPort)
		out[i] = elb.TargetDescription{ID: deref(t.ID), Port: deref(t.Port), AvailabilityZone: t.AvailabilityZone}
	}
	return out
}

// healthCheckSettings are the health check members CreateTargetGroup and
// ModifyTargetGroup share.
type healthCheckSettings struct {
	HealthCheckProtocol        elb.Protocol
	HealthCheckPort            string
	HealthCheckEnabled         *bool
	HealthCheckPath            string
	HealthCheckIntervalSeconds *int
	HealthCheckTimeoutSeconds  *int
	HealthyThresholdCount      *int
	UnhealthyThresholdCount    *int
	Matcher                    *elb.Matcher
}

func (hc *healthCheckSettings) check(c *checks) {
	c.inRange(hc.HealthCheckIntervalSeconds, "healthCheckIntervalSeconds", minInterval, maxInterval)
	c.inRange(hc.HealthCheckTimeoutSeconds, "healthCheckTimeoutSeconds", minTimeout, maxTimeout)
	c.inRange(hc.HealthyThresholdCount, "healthyThresholdCount", minThreshold, maxThreshold)
	c.inRange(hc.UnhealthyThresholdCount, "unhealthyThresholdCount", minThreshold, maxThreshold)
}

// Load balancers.

type createLoadBalancerInput struct {
	Name *string
	// Subnets and SubnetMappings are accepted and ignored (a local load
	// balancer has no subnets); SubnetMappings is not even decoded.
	Subnets        []string
	SecurityGroups []string
	Scheme         string
	Type           string
	IPAddressType  string `query:"IpAddressType"`
	Tags           []tag
}

func (w *createLoadBalancerInput) control() (*control.CreateLoadBalancerInput, error) {
	var c checks
	c.required(w.Name != nil, "name")
	in := &control.CreateLoadBalancerInput{
		Name: deref(w.Name), Subnets: w.Subnets, SecurityGroups: w.SecurityGroups,
		Scheme: w.Scheme, Type: w.Type, IPAddressType: w.IPAddressType, Tags: controlTags(&c, w.Tags),
	}
	return in, c.err()
}

type describeLoadBalancersInput struct {
	LoadBalancerARNs []string `query:"LoadBalancerArns"`
	Names            []string
	Marker           string
	PageSize         *int
}

func (w *describeLoadBalancersInput) control() (*control.DescribeLoadBalancersInput, error) {
	var c checks
	c.inRange(w.PageSize, "pageSize", minPageSize, maxPageSize)
	return &control.DescribeLoadBalancersInput{LoadBalancerARNs: w.LoadBalancerARNs, Names: w.Names,
		Marker: w.Marker, PageSize: deref(w.PageSize)}, c.err()
}

// loadBalancerARNInput is the input of the operations that take only a
// load balancer ARN.
type loadBalancerARNInput struct {
	LoadBalancerARN *string `query:"LoadBalancerArn"`
}

func (w *loadBalancerARNInput) arn() (string, error) {
	var c checks
	c.required(w.LoadBalancerARN != nil, "loadBalancerArn")
	return deref(w.LoadBalancerARN), c.err()
}

func (w *loadBalancerARNInput) deleteInput() (*control.DeleteLoadBalancerInput, error) {
	arn, err := w.arn()
	return &control.DeleteLoadBalancerInput{LoadBalancerARN: arn}, err
}

func (w *loadBalancerARNInput) describeAttributesInput() (*control.DescribeLoadBalancerAttributesInput, error) {
	arn, err := w.arn()
	return &control.DescribeLoadBalancerAttributesInput{LoadBalancerARN: arn}, err
}

type modifyLoadBalancerAttributesInput struct {
	LoadBalancerARN *string `query:"LoadBalancerArn"`
	Attributes      []elb.Attribute
}

func (w *modifyLoadBalancerAttributesInput) control() (*control.ModifyLoadBalancerAttributesInput, error) {
	var c checks
	c.required(w.LoadBalancerARN != nil, "loadBalancerArn")
	c.required(w.Attributes != nil, "attributes")
	return &control.ModifyLoadBalancerAttributesInput{LoadBalancerARN: deref(w.LoadBalancerARN), Attributes: w.Attributes}, c.err()
}

// Target groups.

type createTargetGroupInput struct {
	Name            *string
	Protocol        elb.Protocol
	ProtocolVersion elb.ProtocolVersion
	Port            *int
	VpcID           string `query:"VpcId"`
	healthCheckSettings
	TargetType    elb.TargetType
	IPAddressType string `query:"IpAddressType"`
	Tags          []tag
}

func (w *createTargetGroupInput) control() (*control.CreateTargetGroupInput, error) {
	var c checks
	c.required(w.Name != nil, "name")
	c.inRange(w.Port, "port", minPort, maxPort)
	w.healthCheckSettings.check(&c)
	in := &control.CreateTargetGroupInput{
		Name: deref(w.Name), Protocol: w.Protocol, ProtocolVersion: w.ProtocolVersion, Port: deref(w.Port), VpcID: w.VpcID,
		HealthCheckProtocol: w.HealthCheckProtocol, HealthCheckPort: w.HealthCheckPort, HealthCheckEnabled: w.HealthCheckEnabled,
		HealthCheckPath: w.HealthCheckPath, HealthCheckIntervalSeconds: deref(w.HealthCheckIntervalSeconds),
		HealthCheckTimeoutSeconds: deref(w.HealthCheckTimeoutSeconds), HealthyThresholdCount: deref(w.HealthyThresholdCount),
		UnhealthyThresholdCount: deref(w.UnhealthyThresholdCount), Matcher: w.Matcher,
		TargetType: w.TargetType, IPAddressType: w.IPAddressType, Tags: controlTags(&c, w.Tags),
	}
	return in, c.err()
}

type describeTargetGroupsInput struct {
	LoadBalancerARN string   `query:"LoadBalancerArn"`
	TargetGroupARNs []string `query:"TargetGroupArns"`
	Names           []string
	Marker          string
	PageSize        *int
}

func (w *describeTargetGroupsInput) control() (*control.DescribeTargetGroupsInput, error) {
	var c checks
	c.inRange(w.PageSize, "pageSize", minPageSize, maxPageSize)
	return &control.DescribeTargetGroupsInput{LoadBalancerARN: w.LoadBalancerARN, TargetGroupARNs: w.TargetGroupARNs,
		Names: w.Names, Marker: w.Marker, PageSize: deref(w.PageSize)}, c.err()
}

type modifyTargetGroupInput struct {
	TargetGroupARN *string `query:"TargetGroupArn"`
	healthCheckSettings
}

func (w *modifyTargetGroupInput) control() (*control.ModifyTargetGroupInput, error) {
	var c checks
	c.required(w.TargetGroupARN != nil, "targetGroupArn")
	w.healthCheckSettings.check(&c)
	return &control.ModifyTargetGroupInput{
		TargetGroupARN: deref(w.TargetGroupARN), HealthCheckProtocol: w.HealthCheckProtocol, HealthCheckPort: w.HealthCheckPort,
		HealthCheckPath: w.HealthCheckPath, HealthCheckEnabled: w.HealthCheckEnabled,
		HealthCheckIntervalSeconds: deref(w.HealthCheckIntervalSeconds), HealthCheckTimeoutSeconds: deref(w.HealthCheckTimeoutSeconds),
		HealthyThresholdCount: deref(w.HealthyThresholdCount), UnhealthyThresholdCount: deref(w.UnhealthyThresholdCount),
		Matcher: w.Matcher,
	}, c.err()
}

// targetGroupARNInput is the input of the operations that take only a
// target group ARN.
type targetGroupARNInput struct {
	TargetGroupARN *string `query:"TargetGroupArn"`
}

func (w *targetGroupARNInput) arn() (string, error) {
	var c checks
	c.required(w.TargetGroupARN != nil, "targetGroupArn")
	return deref(w.TargetGroupARN), c.err()
}

func (w *targetGroupARNInput) deleteInput() (*control.DeleteTargetGroupInput, error) {
	arn, err := w.arn()
	return &control.DeleteTargetGroupInput{TargetGroupARN: arn}, err
}

func (w *targetGroupARNInput) describeAttributesInput() (*control.DescribeTargetGroupAttributesInput, error) {
	arn, err := w.arn()
	return &control.DescribeTargetGroupAttributesInput{TargetGroupARN: arn}, err
}

type modifyTargetGroupAttributesInput struct {
	TargetGroupARN *string `query:"TargetGroupArn"`
	Attributes     []elb.Attribute
}

func (w *modifyTargetGroupAttributesInput) control() (*control.ModifyTargetGroupAttributesInput, error) {
	var c checks
	c.required(w.TargetGroupARN != nil, "targetGroupArn")
	c.required(w.Attributes != nil, "attributes")
	return &control.ModifyTargetGroupAttributesInput{TargetGroupARN: deref(w.TargetGroupARN), Attributes: w.Attributes}, c.err()
}

// Targets.

// targetsInput is the input of RegisterTargets and DeregisterTargets.
type targetsInput struct {
	TargetGroupARN *string `query:"TargetGroupArn"`
	Targets        []target
}

func (w *targetsInput) check() (string, []elb.TargetDescription, error) {
	var c checks
	c.required(w.TargetGroupARN != nil, "targetGroupArn")
	c.required(w.Targets != nil, "targets")
	ts := controlTargets(&c, w.Targets)
	return deref(w.TargetGroupARN), ts, c.err()
}

func (w *targetsInput) registerInput() (*control.RegisterTargetsInput, error) {
	arn, ts, err := w.check()
	return &control.RegisterTargetsInput{TargetGroupARN: arn, Targets: ts}, err
}

func (w *targetsInput) deregisterInput() (*control.DeregisterTargetsInput, error) {
	arn, ts, err := w.check()
	return &control.DeregisterTargetsInput{TargetGroupARN: arn, Targets: ts}, err
}

type describeTargetHealthInput struct {
	TargetGroupARN *string `query:"TargetGroupArn"`
	Targets        []target
	Include        []string
}

func (w *describeTargetHealthInput) control() (*control.DescribeTargetHealthInput, error) {
	var c checks
	c.required(w.TargetGroupARN != nil, "targetGroupArn")
	ts := controlTargets(&c, w.Targets)
	return &control.DescribeTargetHealthInput{TargetGroupARN: deref(w.TargetGroupARN), Targets: ts, Include: w.Include}, c.err()
}

// Listeners.

type createListenerInput struct {
	LoadBalancerARN *string `query:"LoadBalancerArn"`
	Protocol        elb.Protocol
	Port            *int
	SslPolicy       string
	Certificates    []elb.Certificate
	DefaultActions  []elb.Action
	AlpnPolicy      []string
	Tags            []tag
}

func (w *createListenerInput) control() (*control.CreateListenerInput, error) {
	var c checks
	c.required(w.LoadBalancerARN != nil, "loadBalancerArn")
	c.inRange(w.Port, "port", minPort, maxPort)
	c.required(w.DefaultActions != nil, "defaultActions")
	checkActions(&c, "defaultActions", w.DefaultActions)
	return &control.CreateListenerInput{
		LoadBalancerARN: deref(w.LoadBalancerARN), Protocol: w.Protocol, Port: deref(w.Port), SslPolicy: w.SslPolicy,
		Certificates: w.Certificates, DefaultActions: w.DefaultActions, AlpnPolicy: w.AlpnPolicy, Tags: controlTags(&c, w.Tags),
	}, c.err()
}

type describeListenersInput struct {
	LoadBalancerARN string   `query:"LoadBalancerArn"`
	ListenerARNs    []string `query:"ListenerArns"`
	Marker          string
	PageSize        *int
}

func (w *describeListenersInput) control() (*control.DescribeListenersInput, error) {
	var c checks
	c.inRange(w.PageSize, "pageSize", minPageSize, maxPageSize)
	return &control.DescribeListenersInput{LoadBalancerARN: w.LoadBalancerARN, ListenerARNs: w.ListenerARNs,
		Marker: w.Marker, PageSize: deref(w.PageSize)}, c.err()
}

type modifyListenerInput struct {
	ListenerARN    *string `query:"ListenerArn"`
	Port           *int
	Protocol       elb.Protocol
	SslPolicy      string
	Certificates   []elb.Certificate
	DefaultActions []elb.Action
	AlpnPolicy     []string
}

func (w *modifyListenerInput) control() (*control.ModifyListenerInput, error) {
	var c checks
	c.required(w.ListenerARN != nil, "listenerArn")
	c.inRange(w.Port, "port", minPort, maxPort)
	checkActions(&c, "defaultActions", w.DefaultActions)
	return &control.ModifyListenerInput{
		ListenerARN: deref(w.ListenerARN), Port: deref(w.Port), Protocol: w.Protocol, SslPolicy: w.SslPolicy,
		Certificates: w.Certificates, DefaultActions: w.DefaultActions, AlpnPolicy: w.AlpnPolicy,
	}, c.err()
}

type listenerARNInput struct {
	ListenerARN *string `query:"ListenerArn"`
}

func (w *listenerARNInput) deleteInput() (*control.DeleteListenerInput, error) {
	var c checks
	c.required(w.ListenerARN != nil, "listenerArn")
	return &control.DeleteListenerInput{ListenerARN: deref(w.ListenerARN)}, c.err()
}

// Rules.

type createRuleInput struct {
	ListenerARN *string `query:"ListenerArn"`
	Conditions  []elb.RuleCondition
	Priority    *int
	Actions     []elb.Action
	Tags        []tag
}

func (w *createRuleInput) control() (*control.CreateRuleInput, error) {
	var c checks
	c.required(w.ListenerARN != nil, "listenerArn")
	c.required(w.Conditions != nil, "conditions")
	c.required(w.Priority != nil, "priority")
	c.inRange(w.Priority, "priority", elb.MinRulePriority, elb.MaxRulePriority)
	c.required(w.Actions != nil, "actions")
	checkActions(&c, "actions", w.Actions)
	return &control.CreateRuleInput{ListenerARN: deref(w.ListenerARN), Conditions: w.Conditions,
		Priority: deref(w.Priority), Actions: w.Actions, Tags: controlTags(&c, w.Tags)}, c.err()
}

type describeRulesInput struct {
	ListenerARN string   `query:"ListenerArn"`
	RuleARNs    []string `query:"RuleArns"`
	Marker      string
	PageSize    *int
}

func (w *describeRulesInput) control() (*control.DescribeRulesInput, error) {
	var c checks
	c.inRange(w.PageSize, "pageSize", minPageSize, maxPageSize)
	return &control.DescribeRulesInput{ListenerARN: w.ListenerARN, RuleARNs: w.RuleARNs,
		Marker: w.Marker, PageSize: deref(w.PageSize)}, c.err()
}

type modifyRuleInput struct {
	RuleARN    *string `query:"RuleArn"`
	Conditions []elb.RuleCondition
	Actions    []elb.Action
}

func (w *modifyRuleInput) control() (*control.ModifyRuleInput, error) {
	var c checks
	c.required(w.RuleARN != nil, "ruleArn")
	checkActions(&c, "actions", w.Actions)
	return &control.ModifyRuleInput{RuleARN: deref(w.RuleARN), Conditions: w.Conditions, Actions: w.Actions}, c.err()
}

type ruleARNInput struct {
	RuleARN *string `query:"RuleArn"`
}

func (w *ruleARNInput) deleteInput() (*control.DeleteRuleInput, error) {
	var c checks
	c.required(w.RuleARN != nil, "ruleArn")
	return &control.DeleteRuleInput{RuleARN: deref(w.RuleARN)}, c.err()
}

type rulePriorityPair struct {
	RuleARN  string `query:"RuleArn"`
	Priority int
}

type setRulePrioritiesInput struct {
	RulePriorities []rulePriorityPair
}

func (w *setRulePrioritiesInput) control() (*control.SetRulePrioritiesInput, error) {
	var c checks
	c.required(w.RulePriorities != nil, "rulePriorities")
	in := &control.SetRulePrioritiesInput{}
	for _, p := range w.RulePriorities {
		in.RulePriorities = append(in.RulePriorities, control.RulePriorityPair{RuleARN: p.RuleARN, Priority: p.Priority})
	}
	return in, c.err()
}

// Tags.

type addTagsInput struct {
	ResourceARNs []string `query:"ResourceArns"`
	Tags         []tag
}

func (w *addTagsInput) control() (*control.AddTagsInput, error) {
	var c checks
	c.required(w.ResourceARNs != nil, "resourceArns")
	c.required(w.Tags != nil, "tags")
	return &control.AddTagsInput{ResourceARNs: w.ResourceARNs, Tags: controlTags(&c, w.Tags)}, c.err()
}

type removeTagsInput struct {
	ResourceARNs []string `query:"ResourceArns"`
	TagKeys      []string
}

func (w *removeTagsInput) control() (*control.RemoveTagsInput, error) {
	var c checks
	c.required(w.ResourceARNs != nil, "resourceArns")
	c.required(w.TagKeys != nil, "tagKeys")
	return &control.RemoveTagsInput{ResourceARNs: w.ResourceARNs, TagKeys: w.TagKeys}, c.err()
}

type describeTagsInput struct {
	ResourceARNs []string `query:"ResourceArns"`
}

func (w *describeTagsInput) control() (*control.DescribeTagsInput, error) {
	var c checks
	c.required(w.ResourceARNs != nil, "resourceArns")
	return &control.DescribeTagsInput{ResourceARNs: w.ResourceARNs}, c.err()
}
