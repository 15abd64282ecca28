package elbapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func forwardTo(arn *string) []types.Action {
	return []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: arn}}
}

func pathCondition(paths ...string) []types.RuleCondition {
	return []types.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &types.PathPatternConditionConfig{Values: paths}}}
}

func TestListenersAndRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client
	lb := must[*elbv2.CreateLoadBalancerOutput](t)(c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("demo")})).LoadBalancers[0]
	api := createReferenceTargetGroup(t, c, "api")
	web := createReferenceTargetGroup(t, c, "web")

	l := must[*elbv2.CreateListenerOutput](t)(c.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: lb.LoadBalancerArn, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: forwardTo(api.TargetGroupArn),
	})).Listeners[0]
	if aws.ToInt32(l.Port) != 80 || l.Protocol != types.ProtocolEnumHttp || aws.ToString(l.LoadBalancerArn) != aws.ToString(lb.LoadBalancerArn) ||
		len(l.DefaultActions) != 1 {
		t.Fatalf("got listener %+v", l)
	}
	da := l.DefaultActions[0]
	if da.Type != types.ActionTypeEnumForward || aws.ToString(da.TargetGroupArn) != aws.ToString(api.TargetGroupArn) ||
		da.ForwardConfig == nil || len(da.ForwardConfig.TargetGroups) != 1 || aws.ToInt32(da.ForwardConfig.TargetGroups[0].Weight) != 1 {
		t.Errorf("got default action %+v", da)
	}
	if snap := e.pub.last(); snap == nil || len(snap.Listeners) != 1 {
		t.Errorf("the data plane got snapshot %+v; want one listener", snap)
	}

	t.Run("ErrDuplicateListener", func(t *testing.T) {
		_, err := c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Protocol: types.ProtocolEnumHttp,
			Port: aws.Int32(80), DefaultActions: forwardTo(web.TargetGroupArn)})
		wantAPIError(t, err, "DuplicateListener", 400, "A listener with the specified port already exists.")
	})
	t.Run("ErrCreateListenerNotFound", func(t *testing.T) {
		_, err := c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(lbARN1 + "0"), Protocol: types.ProtocolEnumHttp,
			Port: aws.Int32(81), DefaultActions: forwardTo(web.TargetGroupArn)})
		wantAPIError(t, err, "LoadBalancerNotFound", 400, "")
		_, err = c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Protocol: types.ProtocolEnumHttp,
			Port: aws.Int32(81), DefaultActions: forwardTo(aws.String(tgARN1 + "0"))})
		wantAPIError(t, err, "TargetGroupNotFound", 400, "")
	})
	t.Run("ErrTargetGroupInUse", func(t *testing.T) {
		_, err := c.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: api.TargetGroupArn})
		wantAPIError(t, err, "ResourceInUse", 400, "Target group '"+aws.ToString(api.TargetGroupArn)+"' is currently in use by a listener or a rule")
	})
	t.Run("DescribeListeners", func(t *testing.T) {
		out := must[*elbv2.DescribeListenersOutput](t)(c.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn}))
		if len(out.Listeners) != 1 || aws.ToString(out.Listeners[0].ListenerArn) != aws.ToString(l.ListenerArn) {
			t.Errorf("got %+v", out.Listeners)
		}
		out = must[*elbv2.DescribeListenersOutput](t)(c.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{aws.ToString(l.ListenerArn)}}))
		if len(out.Listeners) != 1 {
			t.Errorf("by ARN: got %+v", out.Listeners)
		}
		tgs := must[*elbv2.DescribeTargetGroupsOutput](t)(c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn}))
		if len(tgs.TargetGroups) != 1 || len(tgs.TargetGroups[0].LoadBalancerArns) != 1 {
			t.Errorf("target groups of the load balancer: got %+v; want api, serving it", tgs.TargetGroups)
		}
	})
	t.Run("ErrDescribeListeners", func(t *testing.T) {
		_, err := c.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{aws.ToString(l.ListenerArn) + "0"}})
		wantAPIError(t, err, "ListenerNotFound", 400, "One or more listeners not found")
		_, err = c.DescribeListeners(ctx, &elbv2.DescribeListenersInput{})
		wantAPIError(t, err, "ValidationError", 400, "")
	})

	var ruleARN *string
	t.Run("CreateRule", func(t *testing.T) {
		out := must[*elbv2.CreateRuleOutput](t)(c.CreateRule(ctx, &elbv2.CreateRuleInput{
			ListenerArn: l.ListenerArn, Priority: aws.Int32(10), Conditions: pathCondition("/api/*"),
			Actions: []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{
				TargetGroups: []types.TargetGroupTuple{{TargetGroupArn: api.TargetGroupArn, Weight: aws.Int32(10)}, {TargetGroupArn: web.TargetGroupArn, Weight: aws.Int32(30)}},
			}}},
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
		}))
		r := out.Rules[0]
		ruleARN = r.RuleArn
		if aws.ToString(r.Priority) != "10" || aws.ToBool(r.IsDefault) || len(r.Conditions) != 1 ||
			aws.ToString(r.Conditions[0].Field) != "path-pattern" || r.Conditions[0].PathPatternConfig == nil ||
			len(r.Conditions[0].PathPatternConfig.Values) != 1 || r.Conditions[0].PathPatternConfig.Values[0] != "/api/*" ||
			len(r.Actions) != 1 || len(r.Actions[0].ForwardConfig.TargetGroups) != 2 || aws.ToInt32(r.Actions[0].ForwardConfig.TargetGroups[1].Weight) != 30 {
			t.Errorf("got rule %+v", r)
		}
	})
	t.Run("ErrPriorityInUse", func(t *testing.T) {
		_, err := c.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: aws.Int32(10),
			Conditions: pathCondition("/b"), Actions: forwardTo(api.TargetGroupArn)})
		wantAPIError(t, err, "PriorityInUse", 400, "Priority '10' is currently in use")
	})
	t.Run("ErrPriorityRange", func(t *testing.T) {
		_, err := c.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: aws.Int32(0),
			Conditions: pathCondition("/b"), Actions: forwardTo(api.TargetGroupArn)})
		wantAPIError(t, err, "ValidationError", 400,
			"1 validation error detected: Value '0' at 'priority' failed to satisfy constraint: Member must have value greater than or equal to 1")
	})
	t.Run("ErrCreateRuleNotFound", func(t *testing.T) {
		_, err := c.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: aws.String(aws.ToString(l.ListenerArn) + "0"), Priority: aws.Int32(11),
			Conditions: pathCondition("/b"), Actions: forwardTo(api.TargetGroupArn)})
		wantAPIError(t, err, "ListenerNotFound", 400, "The specified listener does not exist.")
	})

	var defaultARN *string
	t.Run("DescribeRules", func(t *testing.T) {
		out := must[*elbv2.DescribeRulesOutput](t)(c.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: l.ListenerArn}))
		if len(out.Rules) != 2 {
			t.Fatalf("got %d rules; want 2", len(out.Rules))
		}
		if aws.ToString(out.Rules[0].Priority) != "10" || aws.ToString(out.Rules[1].Priority) != "default" || !aws.ToBool(out.Rules[1].IsDefault) ||
			out.Rules[1].Conditions == nil || len(out.Rules[1].Conditions) != 0 || len(out.Rules[1].Actions) != 1 {
			t.Errorf("got rules %+v, %+v; want 10 then the default rule", out.Rules[0], out.Rules[1])
		}
		defaultARN = out.Rules[1].RuleArn
		one := must[*elbv2.DescribeRulesOutput](t)(c.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{aws.ToString(ruleARN)}}))
		if len(one.Rules) != 1 {
			t.Errorf("by ARN: got %d rules; want 1", len(one.Rules))
		}
	})
	t.Run("ErrDescribeRules", func(t *testing.T) {
		_, err := c.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{aws.ToString(ruleARN) + "0"}})
		wantAPIError(t, err, "RuleNotFound", 400, "One or more rules not found")
	})

	t.Run("ModifyRule", func(t *testing.T) {
		out := must[*elbv2.ModifyRuleOutput](t)(c.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: ruleARN, Conditions: pathCondition("/v2/*")}))
		if got := out.Rules[0].Conditions[0].PathPatternConfig.Values; len(got) != 1 || got[0] != "/v2/*" {
			t.Errorf("got conditions %v; want [/v2/*]", got)
		}
		_, err := c.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: defaultARN, Conditions: pathCondition("/x")})
		wantAPIError(t, err, "OperationNotPermitted", 400, "")
		_, err = c.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(aws.ToString(ruleARN) + "0"), Conditions: pathCondition("/x")})
		wantAPIError(t, err, "RuleNotFound", 400, "The specified rule does not exist.")
	})
	t.Run("SetRulePriorities", func(t *testing.T) {
		second := must[*elbv2.CreateRuleOutput](t)(c.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: aws.Int32(20),
			Conditions: pathCondition("/web/*"), Actions: forwardTo(web.TargetGroupArn)})).Rules[0]
		// Swapping two priorities is one change (§7.3).
		out := must[*elbv2.SetRulePrioritiesOutput](t)(c.SetRulePriorities(ctx, &elbv2.SetRulePrioritiesInput{RulePriorities: []types.RulePriorityPair{
			{RuleArn: ruleARN, Priority: aws.Int32(20)}, {RuleArn: second.RuleArn, Priority: aws.Int32(10)},
		}}))
		if len(out.Rules) != 2 || aws.ToString(out.Rules[0].Priority) != "20" || aws.ToString(out.Rules[1].Priority) != "10" {
			t.Errorf("got %+v", out.Rules)
		}
		_, err := c.SetRulePriorities(ctx, &elbv2.SetRulePrioritiesInput{RulePriorities: []types.RulePriorityPair{{RuleArn: ruleARN, Priority: aws.Int32(10)}}})
		wantAPIError(t, err, "PriorityInUse", 400, "Priority '10' is currently in use")
		_, err = c.SetRulePriorities(ctx, &elbv2.SetRulePrioritiesInput{RulePriorities: []types.RulePriorityPair{{RuleArn: defaultARN, Priority: aws.Int32(5)}}})
		wantAPIError(t, err, "OperationNotPermitted", 400, "")
		must[*elbv2.DeleteRuleOutput](t)(c.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: second.RuleArn}))
	})
	t.Run("ErrDeleteDefaultRule", func(t *testing.T) {
		_, err := c.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: defaultARN})
		wantAPIError(t, err, "OperationNotPermitted", 400, "Default rule '"+aws.ToString(defaultARN)+"' cannot be deleted")
	})

	t.Run("ModifyListener", func(t *testing.T) {
		out := must[*elbv2.ModifyListenerOutput](t)(c.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: l.ListenerArn,
			Port: aws.Int32(8080), DefaultActions: forwardTo(web.TargetGroupArn)}))
		got := out.Listeners[0]
		if aws.ToInt32(got.Port) != 8080 || aws.ToString(got.DefaultActions[0].TargetGroupArn) != aws.ToString(web.TargetGroupArn) {
			t.Errorf("got %+v", got)
		}
		_, err := c.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(aws.ToString(l.ListenerArn) + "0"), Port: aws.Int32(81)})
		wantAPIError(t, err, "ListenerNotFound", 400, "")
	})
	t.Run("ErrAssociationLimit", func(t *testing.T) {
		other := must[*elbv2.CreateLoadBalancerOutput](t)(c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("other")})).LoadBalancers[0]
		_, err := c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: other.LoadBalancerArn, Protocol: types.ProtocolEnumHttp,
			Port: aws.Int32(80), DefaultActions: forwardTo(web.TargetGroupArn)})
		wantAPIError(t, err, "TargetGroupAssociationLimit", 400, "")
	})

	t.Run("Delete", func(t *testing.T) {
		must[*elbv2.DeleteRuleOutput](t)(c.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: ruleARN}))
		_, err := c.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: ruleARN})
		wantAPIError(t, err, "RuleNotFound", 400, "")
		must[*elbv2.DeleteListenerOutput](t)(c.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: l.ListenerArn}))
		_, err = c.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: l.ListenerArn})
		wantAPIError(t, err, "ListenerNotFound", 400, "")
		_, err = c.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: l.ListenerArn})
		wantAPIError(t, err, "ListenerNotFound", 400, "")
		// Nothing forwards to api any more.
		must[*elbv2.DeleteTargetGroupOutput](t)(c.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: api.TargetGroupArn}))
	})
}

func TestTags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client
	lb := must[*elbv2.CreateLoadBalancerOutput](t)(c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("demo"),
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}})).LoadBalancers[0]
	tg := createReferenceTargetGroup(t, c, "api")
	arns := []string{aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn)}

	must[*elbv2.AddTagsOutput](t)(c.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: arns,
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("empty")}}}))
	out := must[*elbv2.DescribeTagsOutput](t)(c.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: arns}))
	if len(out.TagDescriptions) != 2 {
		t.Fatalf("got %d tag descriptions; want 2", len(out.TagDescriptions))
	}
	got := map[string]map[string]string{}
	for _, td := range out.TagDescriptions {
		m := map[string]string{}
		for _, tg := range td.Tags {
			m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		got[aws.ToString(td.ResourceArn)] = m
	}
	if m := got[arns[0]]; len(m) != 3 || m["env"] != "dev" || m["team"] != "a" || m["empty"] != "" {
		t.Errorf("load balancer tags %v; want env=dev empty= team=a", m)
	}
	if m := got[arns[1]]; len(m) != 2 || m["team"] != "a" {
		t.Errorf("target group tags %v; want empty= team=a", m)
	}

	must[*elbv2.RemoveTagsOutput](t)(c.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: arns[:1], TagKeys: []string{"team", "absent"}}))
	out = must[*elbv2.DescribeTagsOutput](t)(c.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: arns[:1]}))
	if tags := out.TagDescriptions[0].Tags; len(tags) != 2 || aws.ToString(tags[0].Key) != "empty" || aws.ToString(tags[1].Key) != "env" {
		t.Errorf("after RemoveTags: got %+v; want empty, env", tags)
	}

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := c.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{arns[0] + "0"}})
		wantAPIError(t, err, "LoadBalancerNotFound", 400, "")
		_, err = c.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arns[1] + "0"}, Tags: []types.Tag{{Key: aws.String("k")}}})
		wantAPIError(t, err, "TargetGroupNotFound", 400, "")
		_, err = c.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{arns[1] + "0"}, TagKeys: []string{"k"}})
		wantAPIError(t, err, "TargetGroupNotFound", 400, "")
	})
	t.Run("ErrDuplicateTagKeys", func(t *testing.T) {
		_, err := c.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: arns[:1],
			Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("1")}, {Key: aws.String("k"), Value: aws.String("2")}}})
		wantAPIError(t, err, "DuplicateTagKeys", 400, "A tag key was specified more than once.")
	})
	t.Run("ErrInvalidARN", func(t *testing.T) {
		_, err := c.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{"nope"}})
		wantAPIError(t, err, "ValidationError", 400, "")
	})
}
