package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/control"
)

// ELB is what the AWS::ElasticLoadBalancingV2::* handlers need from the
// load balancer control plane: exactly these ELBv2 operations.
// *control.Control satisfies it; cmd/ecslocal wires it in.
type ELB interface {
	CreateLoadBalancer(ctx context.Context, in *control.CreateLoadBalancerInput) (*control.CreateLoadBalancerOutput, error)
	ModifyLoadBalancerAttributes(ctx context.Context, in *control.ModifyLoadBalancerAttributesInput) (*control.ModifyLoadBalancerAttributesOutput, error)
	DeleteLoadBalancer(ctx context.Context, in *control.DeleteLoadBalancerInput) (*control.DeleteLoadBalancerOutput, error)

	CreateListener(ctx context.Context, in *control.CreateListenerInput) (*control.CreateListenerOutput, error)
	ModifyListener(ctx context.Context, in *control.ModifyListenerInput) (*control.ModifyListenerOutput, error)
	DeleteListener(ctx context.Context, in *control.DeleteListenerInput) (*control.DeleteListenerOutput, error)

	CreateRule(ctx context.Context, in *control.CreateRuleInput) (*control.CreateRuleOutput, error)
	ModifyRule(ctx context.Context, in *control.ModifyRuleInput) (*control.ModifyRuleOutput, error)
	SetRulePriorities(ctx context.Context, in *control.SetRulePrioritiesInput) (*control.SetRulePrioritiesOutput, error)
	DeleteRule(ctx context.Context, in *control.DeleteRuleInput) (*control.DeleteRuleOutput, error)

	CreateTargetGroup(ctx context.Context, in *control.CreateTargetGroupInput) (*control.CreateTargetGroupOutput, error)
	DescribeTargetGroups(ctx context.Context, in *control.DescribeTargetGroupsInput) (*control.DescribeTargetGroupsOutput, error)
	ModifyTargetGroup(ctx context.Context, in *control.ModifyTargetGroupInput) (*control.ModifyTargetGroupOutput, error)
	ModifyTargetGroupAttributes(ctx context.Context, in *control.ModifyTargetGroupAttributesInput) (*control.ModifyTargetGroupAttributesOutput, error)
	DeleteTargetGroup(ctx context.Context, in *control.DeleteTargetGroupInput) (*control.DeleteTargetGroupOutput, error)
}

// handlerError is a control plane error as CloudFormation reports it in
// a resource's status reason.
type handlerError struct {
	service string
	err     error
}

func (e *handlerError) Error() string {
	var ee *elb.Error
	if errors.As(e.err, &ee) {
		return fmt.Sprintf("Resource handler returned message: \"%s\" (Service: %s, Status Code: 400, Error Code: %s)", ee.Message, e.service, ee.Code)
	}
	return fmt.Sprintf("Resource handler returned message: \"%s\" (Service: %s)", e.err.Error(), e.service)
}

func (e *handlerError) Unwrap() error { return e.err }

func elbErr(err error) error {
	if err == nil {
		return nil
	}
	return &handlerError{service: "ElasticLoadBalancingV2", err: err}
}

// elbCode returns the ELBv2 error code in err, or "".
func elbCode(err error) string {
	var ee *elb.Error
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ""
}

// canonicalZones are the Route 53 hosted zones of Application Load
// Balancers per region (CanonicalHostedZoneID).
var canonicalZones = map[string]string{
	"us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2", "us-west-1": "Z368ELLRRE2KJ0",
	"us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2", "eu-west-2": "ZHURV8PSTC4K8",
	"eu-central-1": "Z215JYRZR1TBD5", "ap-northeast-1": "Z14GRHDCWA56QT", "ap-southeast-1": "Z1LMS91P8CMLE5",
	"ap-southeast-2": "Z1GM3OXH4ZPM65",
}

// fullName returns the part of an ELBv2 ARN after the resource kind:
// app/<name>/<id> for a load balancer, targetgroup/<name>/<id> for a
// target group.
func fullName(arn, kind string) string {
	_, rest, ok := strings.Cut(arn, ":"+kind+"/")
	if !ok {
		return ""
	}
	if kind == "targetgroup" {
		return "targetgroup/" + rest
	}
	return rest
}

type tagProp struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func elbTags(v any) ([]control.Tag, error) {
	var tags []tagProp
	if err := decode(v, &tags); err != nil {
		return nil, fmt.Errorf("Tags: %w", err)
	}
	out := make([]control.Tag, len(tags))
	for i, t := range tags {
		out[i] = control.Tag{Key: t.Key, Value: t.Value}
	}
	return out, nil
}

func elbAttributes(v any) ([]elb.Attribute, error) {
	var attrs []elb.Attribute
	if err := decode(v, &attrs); err != nil {
		return nil, fmt.Errorf("attributes: %w", err)
	}
	return attrs, nil
}

// loadBalancerHandler is AWS::ElasticLoadBalancingV2::LoadBalancer.
// Ref returns the ARN.
type loadBalancerHandler struct{ elb ELB }

type loadBalancerProps struct {
	Name                   string   `json:"Name"`
	Scheme                 string   `json:"Scheme"`
	Type                   string   `json:"Type"`
	IPAddressType          string   `json:"IpAddressType"`
	SecurityGroups         []string `json:"SecurityGroups"`
	Subnets                []string `json:"Subnets"`
	LoadBalancerAttributes any      `json:"LoadBalancerAttributes"`
	Tags                   any      `json:"Tags"`
}

func (h *loadBalancerHandler) Replacement(p string) Replacement {
	return newReplaceOn("Name", "Scheme", "Type").replacement(p)
}

func (h *loadBalancerHandler) Create(ctx context.Context, req *Request) (*Result, error) {
	var p loadBalancerProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	tags, err := elbTags(p.Tags)
	if err != nil {
		return nil, err
	}
	attrs, err := elbAttributes(p.LoadBalancerAttributes)
	if err != nil {
		return nil, err
	}
	name := p.Name
	if name == "" {
		name = physicalName(req.StackName, req.LogicalID, 32)
	}
	out, err := h.elb.CreateLoadBalancer(ctx, &control.CreateLoadBalancerInput{
		Name: name, Subnets: p.Subnets, SecurityGroups: p.SecurityGroups, Scheme: p.Scheme, Type: p.Type,
		IPAddressType: p.IPAddressType, Tags: tags,
	})
	if err != nil {
		return nil, elbErr(err)
	}
	lb := out.LoadBalancers[0]
	if len(attrs) > 0 {
		if _, err := h.elb.ModifyLoadBalancerAttributes(ctx, &control.ModifyLoadBalancerAttributesInput{LoadBalancerARN: lb.LoadBalancerARN, Attributes: attrs}); err != nil {
			// The load balancer exists; delete it so a rollback has
			// nothing left behind.
			_, _ = h.elb.DeleteLoadBalancer(ctx, &control.DeleteLoadBalancerInput{LoadBalancerARN: lb.LoadBalancerARN})
			return nil, elbErr(err)
		}
	}
	return &Result{PhysicalID: lb.LoadBalancerARN, Attributes: h.attributes(req.Region, lb, p.SecurityGroups)}, nil
}

func (h *loadBalancerHandler) attributes(region string, lb *elb.LoadBalancer, sgs []string) map[string]any {
	zone := canonicalZones[region]
	if zone == "" {
		zone = canonicalZones["us-east-1"]
	}
	if sgs == nil {
		sgs = []string{}
	}
	return map[string]any{
		"CanonicalHostedZoneID": zone, "DNSName": lb.DNSName, "LoadBalancerArn": lb.LoadBalancerARN,
		"LoadBalancerFullName": fullName(lb.LoadBalancerARN, "loadbalancer"), "LoadBalancerName": lb.LoadBalancerName,
		"SecurityGroups": sgs,
	}
}

// Update applies LoadBalancerAttributes. Subnets, SecurityGroups,
// IpAddressType and Tags are recorded: a local load balancer has no
// subnets or security groups.
func (h *loadBalancerHandler) Update(ctx context.Context, req *Request) (*Result, error) {
	var p loadBalancerProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	for _, c := range req.Changes {
		if c.Name != "LoadBalancerAttributes" {
			continue
		}
		attrs, err := elbAttributes(p.LoadBalancerAttributes)
		if err != nil {
			return nil, err
		}
		if len(attrs) > 0 {
			if _, err := h.elb.ModifyLoadBalancerAttributes(ctx, &control.ModifyLoadBalancerAttributesInput{LoadBalancerARN: req.PhysicalID, Attributes: attrs}); err != nil {
				return nil, elbErr(err)
			}
		}
	}
	attrs := map[string]any{}
	for k, v := range req.Attributes {
		attrs[k] = v
	}
	sgs := p.SecurityGroups
	if sgs == nil {
		sgs = []string{}
	}
	attrs["SecurityGroups"] = sgs
	return &Result{Attributes: attrs}, nil
}

func (h *loadBalancerHandler) Delete(ctx context.Context, req *Request) error {
	_, err := h.elb.DeleteLoadBalancer(ctx, &control.DeleteLoadBalancerInput{LoadBalancerARN: req.PhysicalID})
	return elbErr(err)
}

// listenerHandler is AWS::ElasticLoadBalancingV2::Listener. Ref returns
// the ARN.
type listenerHandler struct{ elb ELB }

type listenerProps struct {
	LoadBalancerARN string            `json:"LoadBalancerArn"`
	Port            int               `json:"Port"`
	Protocol        elb.Protocol      `json:"Protocol"`
	SslPolicy       string            `json:"SslPolicy"`
	Certificates    []elb.Certificate `json:"Certificates"`
	DefaultActions  []elb.Action      `json:"DefaultActions"`
	AlpnPolicy      []string          `json:"AlpnPolicy"`
}

func (h *listenerHandler) Replacement(p string) Replacement {
	return newReplaceOn("LoadBalancerArn").replacement(p)
}

func (h *listenerHandler) Create(ctx context.Context, req *Request) (*Result, error) {
	var p listenerProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	out, err := h.elb.CreateListener(ctx, &control.CreateListenerInput{
		LoadBalancerARN: p.LoadBalancerARN, Protocol: p.Protocol, Port: p.Port, SslPolicy: p.SslPolicy,
		Certificates: p.Certificates, DefaultActions: p.DefaultActions, AlpnPolicy: p.AlpnPolicy,
	})
	if err != nil {
		return nil, elbErr(err)
	}
	arn := out.Listeners[0].ListenerARN
	return &Result{PhysicalID: arn, Attributes: map[string]any{"ListenerArn": arn}}, nil
}

func (h *listenerHandler) Update(ctx context.Context, req *Request) (*Result, error) {
	var p listenerProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	_, err := h.elb.ModifyListener(ctx, &control.ModifyListenerInput{
		ListenerARN: req.PhysicalID, Port: p.Port, Protocol: p.Protocol, SslPolicy: p.SslPolicy,
		Certificates: p.Certificates, DefaultActions: p.DefaultActions, AlpnPolicy: p.AlpnPolicy,
	})
	if err != nil {
		return nil, elbErr(err)
	}
	return &Result{Attributes: map[string]any{"ListenerArn": req.PhysicalID}}, nil
}

func (h *listenerHandler) Delete(ctx context.Context, req *Request) error {
	_, err := h.elb.DeleteListener(ctx, &control.DeleteListenerInput{ListenerARN: req.PhysicalID})
	if elbCode(err) == elb.CodeListenerNotFound {
		return nil
	}
	return elbErr(err)
}

// listenerRuleHandler is AWS::ElasticLoadBalancingV2::ListenerRule. Ref
// returns the ARN.
type listenerRuleHandler struct{ elb ELB }

type listenerRuleProps struct {
	ListenerARN string              `json:"ListenerArn"`
	Priority    int                 `json:"Priority"`
	Conditions  []elb.RuleCondition `json:"Conditions"`
	Actions     []elb.Action        `json:"Actions"`
}

func (h *listenerRuleHandler) Replacement(p string) Replacement {
	return newReplaceOn("ListenerArn").replacement(p)
}

func (h *listenerRuleHandler) Create(ctx context.Context, req *Request) (*Result, error) {
	var p listenerRuleProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	out, err := h.elb.CreateRule(ctx, &control.CreateRuleInput{ListenerARN: p.ListenerARN, Conditions: p.Conditions, Priority: p.Priority, Actions: p.Actions})
	if err != nil {
		return nil, elbErr(err)
	}
	arn := out.Rules[0].RuleARN
	return &Result{PhysicalID: arn, Attributes: map[string]any{"RuleArn": arn, "IsDefault": "false"}}, nil
}

func (h *listenerRuleHandler) Update(ctx context.Context, req *Request) (*Result, error) {
	var p listenerRuleProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	for _, c := range req.Changes {
		switch c.Name {
		case "Priority":
			_, err := h.elb.SetRulePriorities(ctx, &control.SetRulePrioritiesInput{RulePriorities: []control.RulePriorityPair{{RuleARN: req.PhysicalID, Priority: p.Priority}}})
			if err != nil {
				return nil, elbErr(err)
			}
		case "Conditions", "Actions":
			if _, err := h.elb.ModifyRule(ctx, &control.ModifyRuleInput{RuleARN: req.PhysicalID, Conditions: p.Conditions, Actions: p.Actions}); err != nil {
				return nil, elbErr(err)
			}
		}
	}
	return &Result{Attributes: map[string]any{"RuleArn": req.PhysicalID, "IsDefault": "false"}}, nil
}

func (h *listenerRuleHandler) Delete(ctx context.Context, req *Request) error {
	_, err := h.elb.DeleteRule(ctx, &control.DeleteRuleInput{RuleARN: req.PhysicalID})
	if elbCode(err) == elb.CodeRuleNotFound {
		return nil
	}
	return elbErr(err)
}

// targetGroupHandler is AWS::ElasticLoadBalancingV2::TargetGroup. Ref
// returns the ARN. Targets are not registered from the template (the
// ECS service registers its tasks).
type targetGroupHandler struct{ elb ELB }

type targetGroupProps struct {
	Name                       string              `json:"Name"`
	Protocol                   elb.Protocol        `json:"Protocol"`
	ProtocolVersion            elb.ProtocolVersion `json:"ProtocolVersion"`
	Port                       int                 `json:"Port"`
	VpcID                      string              `json:"VpcId"`
	HealthCheckProtocol        elb.Protocol        `json:"HealthCheckProtocol"`
	HealthCheckPort            string              `json:"HealthCheckPort"`
	HealthCheckEnabled         *bool               `json:"HealthCheckEnabled"`
	HealthCheckPath            string              `json:"HealthCheckPath"`
	HealthCheckIntervalSeconds int                 `json:"HealthCheckIntervalSeconds"`
	HealthCheckTimeoutSeconds  int                 `json:"HealthCheckTimeoutSeconds"`
	HealthyThresholdCount      int                 `json:"HealthyThresholdCount"`
	UnhealthyThresholdCount    int                 `json:"UnhealthyThresholdCount"`
	Matcher                    *elb.Matcher        `json:"Matcher"`
	TargetType                 elb.TargetType      `json:"TargetType"`
	IPAddressType              string              `json:"IpAddressType"`
	TargetGroupAttributes      any                 `json:"TargetGroupAttributes"`
	Tags                       any                 `json:"Tags"`
}

func (h *targetGroupHandler) Replacement(p string) Replacement {
	return newReplaceOn("Name", "Port", "Protocol", "ProtocolVersion", "TargetType", "VpcId", "IpAddressType").replacement(p)
}

func (h *targetGroupHandler) Create(ctx context.Context, req *Request) (*Result, error) {
	var p targetGroupProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	tags, err := elbTags(p.Tags)
	if err != nil {
		return nil, err
	}
	attrs, err := elbAttributes(p.TargetGroupAttributes)
	if err != nil {
		return nil, err
	}
	name := p.Name
	if name == "" {
		name = physicalName(req.StackName, req.LogicalID, 32)
	}
	out, err := h.elb.CreateTargetGroup(ctx, &control.CreateTargetGroupInput{
		Name: name, Protocol: p.Protocol, ProtocolVersion: p.ProtocolVersion, Port: p.Port, VpcID: p.VpcID,
		HealthCheckProtocol: p.HealthCheckProtocol, HealthCheckPort: p.HealthCheckPort, HealthCheckEnabled: p.HealthCheckEnabled,
		HealthCheckPath: p.HealthCheckPath, HealthCheckIntervalSeconds: p.HealthCheckIntervalSeconds,
		HealthCheckTimeoutSeconds: p.HealthCheckTimeoutSeconds, HealthyThresholdCount: p.HealthyThresholdCount,
		UnhealthyThresholdCount: p.UnhealthyThresholdCount, Matcher: p.Matcher, TargetType: p.TargetType,
		IPAddressType: p.IPAddressType, Tags: tags,
	})
	if err != nil {
		return nil, elbErr(err)
	}
	tg := out.TargetGroups[0]
	if len(attrs) > 0 {
		if _, err := h.elb.ModifyTargetGroupAttributes(ctx, &control.ModifyTargetGroupAttributesInput{TargetGroupARN: tg.TargetGroupARN, Attributes: attrs}); err != nil {
			_, _ = h.elb.DeleteTargetGroup(ctx, &control.DeleteTargetGroupInput{TargetGroupARN: tg.TargetGroupARN})
			return nil, elbErr(err)
		}
	}
	return &Result{PhysicalID: tg.TargetGroupARN, Attributes: targetGroupAttributes(tg)}, nil
}

func targetGroupAttributes(tg *elb.TargetGroup) map[string]any {
	lbs := append([]string{}, tg.LoadBalancerARNs...)
	return map[string]any{
		"LoadBalancerArns": lbs, "TargetGroupArn": tg.TargetGroupARN,
		"TargetGroupFullName": fullName(tg.TargetGroupARN, "targetgroup"), "TargetGroupName": tg.TargetGroupName,
	}
}

// Attribute reads LoadBalancerArns live: it changes when a listener or
// rule starts forwarding to the group.
func (h *targetGroupHandler) Attribute(ctx context.Context, physicalID, name string) (any, bool, error) {
	if name != "LoadBalancerArns" {
		return nil, false, nil
	}
	out, err := h.elb.DescribeTargetGroups(ctx, &control.DescribeTargetGroupsInput{TargetGroupARNs: []string{physicalID}})
	if err != nil {
		return nil, false, elbErr(err)
	}
	if len(out.TargetGroups) == 0 {
		return nil, false, nil
	}
	return targetGroupAttributes(out.TargetGroups[0])["LoadBalancerArns"], true, nil
}

// Update applies the health check settings and TargetGroupAttributes;
// Tags are recorded.
func (h *targetGroupHandler) Update(ctx context.Context, req *Request) (*Result, error) {
	var p targetGroupProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	health, attrsChanged := false, false
	for _, c := range req.Changes {
		switch {
		case strings.HasPrefix(c.Name, "HealthCheck") || c.Name == "HealthyThresholdCount" || c.Name == "UnhealthyThresholdCount" || c.Name == "Matcher":
			health = true
		case c.Name == "TargetGroupAttributes":
			attrsChanged = true
		}
	}
	if health {
		_, err := h.elb.ModifyTargetGroup(ctx, &control.ModifyTargetGroupInput{
			TargetGroupARN: req.PhysicalID, HealthCheckProtocol: p.HealthCheckProtocol, HealthCheckPort: p.HealthCheckPort,
			HealthCheckPath: p.HealthCheckPath, HealthCheckEnabled: p.HealthCheckEnabled,
			HealthCheckIntervalSeconds: p.HealthCheckIntervalSeconds, HealthCheckTimeoutSeconds: p.HealthCheckTimeoutSeconds,
			HealthyThresholdCount: p.HealthyThresholdCount, UnhealthyThresholdCount: p.UnhealthyThresholdCount, Matcher: p.Matcher,
		})
		if err != nil {
			return nil, elbErr(err)
		}
	}
	if attrsChanged {
		attrs, err := elbAttributes(p.TargetGroupAttributes)
		if err != nil {
			return nil, err
		}
		if len(attrs) > 0 {
			if _, err := h.elb.ModifyTargetGroupAttributes(ctx, &control.ModifyTargetGroupAttributesInput{TargetGroupARN: req.PhysicalID, Attributes: attrs}); err != nil {
				return nil, elbErr(err)
			}
		}
	}
	return &Result{Attributes: req.Attributes}, nil
}

func (h *targetGroupHandler) Delete(ctx context.Context, req *Request) error {
	_, err := h.elb.DeleteTargetGroup(ctx, &control.DeleteTargetGroupInput{TargetGroupARN: req.PhysicalID})
	if elbCode(err) == elb.CodeTargetGroupNotFound {
		return nil
	}
	return elbErr(err)
}

// elbHandlers returns the load balancer handlers over e.
func elbHandlers(e ELB) Handlers {
	return Handlers{
		"AWS::ElasticLoadBalancingV2::LoadBalancer": &loadBalancerHandler{elb: e},
		"AWS::ElasticLoadBalancingV2::Listener":     &listenerHandler{elb: e},
		"AWS::ElasticLoadBalancingV2::ListenerRule": &listenerRuleHandler{elb: e},
		"AWS::ElasticLoadBalancingV2::TargetGroup":  &targetGroupHandler{elb: e},
	}
}
