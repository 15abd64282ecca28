package control

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ecslocal/ecslocal/internal/elb"
)

func TestCreateListener(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		h := newHarness(t)
		lb := h.lb(t, "demo")
		tg := h.tg(t, "api")
		l := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
		m := listenerARNPattern.FindStringSubmatch(l.ListenerARN)
		if m == nil || !lbARNPattern.MatchString(lb.LoadBalancerARN) || lb.LoadBalancerARN[len(lb.LoadBalancerARN)-16:] != m[1] {
			t.Fatalf("listener ARN = %s; want listener/app/demo/<lb id>/<16 hex>", l.ListenerARN)
		}
		// The default rule exists, with the default actions.
		rules := must[*DescribeRulesOutput](t)(h.DescribeRules(ctx, &DescribeRulesInput{ListenerARN: l.ListenerARN})).Rules
		if len(rules) != 1 || !rules[0].IsDefault || len(rules[0].Conditions) != 0 || rules[0].Actions[0].TargetGroupARN != tg.TargetGroupARN {
			t.Fatalf("rules = %+v; want the default rule forwarding to api", rules)
		}
		rm := ruleARNPattern.FindStringSubmatch(rules[0].RuleARN)
		if rm == nil || rm[1] != m[1] || rm[2] != m[2] {
			t.Errorf("rule ARN = %s; want listener-rule/app/demo/<lb id>/<listener id>/<16 hex>", rules[0].RuleARN)
		}
		// Canonical forward: ForwardConfig is filled in, as DescribeListeners shows it.
		if fc := l.DefaultActions[0].ForwardConfig; fc == nil || len(fc.TargetGroups) != 1 || *fc.TargetGroups[0].Weight != 1 {
			t.Errorf("default action = %+v; want a one-group ForwardConfig", l.DefaultActions[0])
		}
		// The published snapshot serves the listener on 127.0.0.1:80.
		s := h.pub.last()
		if len(s.Listeners) != 1 || s.Listeners[0].Listener.Port != 80 || s.Listeners[0].Addr.String() != "127.0.0.1" ||
			s.Listeners[0].LoadBalancer.LoadBalancerARN != lb.LoadBalancerARN {
			t.Fatalf("snapshot listeners = %+v; want one on 127.0.0.1:80", s.Listeners)
		}
		// The target group is now in use by the load balancer.
		if got := s.TargetGroups[tg.TargetGroupARN].TargetGroup.LoadBalancerARNs; !slices.Equal(got, []string{lb.LoadBalancerARN}) {
			t.Errorf("LoadBalancerArns = %v", got)
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		h := newHarness(t)
		lb := h.lb(t, "demo")
		tg := h.tg(t, "api")
		a := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
		b := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
		if a.ListenerARN != b.ListenerARN {
			t.Errorf("second create ARN = %s; want %s", b.ListenerARN, a.ListenerARN)
		}
	})
	t.Run("ErrDuplicateListener", func(t *testing.T) {
		h := newHarness(t)
		lb := h.lb(t, "demo")
		tg, other := h.tg(t, "api"), h.tg(t, "other")
		h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
		_, err := h.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: lb.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 80, DefaultActions: forward(other.TargetGroupARN)})
		wantCode(t, err, elb.CodeDuplicateListener)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		h := newHarness(t)
		lb := h.lb(t, "demo")
		tg := h.tg(t, "api")
		_, err := h.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: lb.LoadBalancerARN + "0", Protocol: elb.ProtocolHTTP, Port: 80, DefaultActions: forward(tg.TargetGroupARN)})
		wantCode(t, err, elb.CodeLoadBalancerNotFound)
		_, err = h.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: lb.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 80, DefaultActions: forward(tg.TargetGroupARN + "0")})
		wantCode(t, err, elb.CodeTargetGroupNotFound)
	})
	t.Run("ErrTargetGroupAssociationLimit", func(t *testing.T) {
		h := newHarness(t)
		a, b := h.lb(t, "a"), h.lb(t, "b")
		tg := h.tg(t, "api")
		h.listener(t, a.LoadBalancerARN, 80, tg.TargetGroupARN)
		_, err := h.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: b.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 80, DefaultActions: forward(tg.TargetGroupARN)})
		wantCode(t, err, elb.CodeTargetGroupAssociationLimit)
	})
	t.Run("ErrValidation", func(t *testing.T) {
		h := newHarness(t)
		lb := h.lb(t, "demo")
		tg := h.tg(t, "api")
		for _, in := range []*CreateListenerInput{
			{Protocol: elb.ProtocolHTTP, Port: 80, DefaultActions: forward(tg.TargetGroupARN)},
			{LoadBalancerARN: lb.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 80},
			{LoadBalancerARN: lb.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 0, DefaultActions: forward(tg.TargetGroupARN)},
			{LoadBalancerARN: lb.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 70000, DefaultActions: forward(tg.TargetGroupARN)},
		} {
			if _, err := h.CreateListener(ctx, in); elb.ErrorCode(err) != elb.CodeValidationError {
				t.Errorf("CreateListener(%+v) = %v; want ValidationError", in, err)
			}
		}
		_, err := h.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: lb.LoadBalancerARN, Protocol: "TCP", Port: 80, DefaultActions: forward(tg.TargetGroupARN)})
		wantCode(t, err, elb.CodeUnsupportedProtocol)
	})
	t.Run("ErrTooManyListeners", func(t *testing.T) {
		h := newHarness(t)
		lb := h.lb(t, "demo")
		fixed := []elb.Action{{Type: elb.ActionTypeFixedResponse, FixedResponseConfig: &elb.FixedResponseActionConfig{StatusCode: "200"}}}
		for i := range maxListenersPerLB {
			must[*CreateListenerOutput](t)(h.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: lb.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 8000 + i, DefaultActions: fixed}))
		}
		_, err := h.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: lb.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 9000, DefaultActions: fixed})
		wantCode(t, err, elb.CodeTooManyListeners)
	})
}

func TestCreateListenerRollsBackWhenPublishFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	lb := h.lb(t, "demo")
	tg, other := h.tg(t, "api"), h.tg(t, "other")
	h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
	h.pub.setFail(81, true)

	_, err := h.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: lb.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 81, DefaultActions: forward(other.TargetGroupARN)})
	wantCode(t, err, elb.CodeInvalidConfigurationRequest)

	ls := must[*DescribeListenersOutput](t)(h.DescribeListeners(ctx, &DescribeListenersInput{LoadBalancerARN: lb.LoadBalancerARN})).Listeners
	if len(ls) != 1 || ls[0].Port != 80 {
		t.Fatalf("listeners after rollback = %+v; want only port 80", ls)
	}
	s := h.pub.last()
	if len(s.Listeners) != 1 || s.Listeners[0].Listener.Port != 80 {
		t.Errorf("last published snapshot has %d listeners; want only port 80", len(s.Listeners))
	}
	// The group the rolled-back listener forwarded to is unused again.
	o := must[*DescribeTargetGroupsOutput](t)(h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{TargetGroupARNs: []string{other.TargetGroupARN}})).TargetGroups[0]
	if len(o.LoadBalancerARNs) != 0 {
		t.Errorf("other.LoadBalancerArns = %v; want none", o.LoadBalancerARNs)
	}
	must[*DeleteTargetGroupOutput](t)(h.DeleteTargetGroup(ctx, &DeleteTargetGroupInput{TargetGroupARN: other.TargetGroupARN}))
	// The port can be used once it is free.
	h.pub.setFail(81, false)
	h.listener(t, lb.LoadBalancerARN, 81, tg.TargetGroupARN)
}

func TestOtherListenersFailureDoesNotBlockCreateListener(t *testing.T) {
	t.Parallel()
	for _, typed := range []bool{true, false} {
		t.Run(fmt.Sprintf("typed=%v", typed), func(t *testing.T) {
			h := newHarness(t)
			h.pub.typed = typed
			lb := h.lb(t, "demo")
			tg := h.tg(t, "api")
			h.listener(t, lb.LoadBalancerARN, 81, tg.TargetGroupARN)
			h.pub.setFail(81, true) // port 81 stops being servable
			_, err := h.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: lb.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 82, DefaultActions: forward(tg.TargetGroupARN)})
			if typed {
				// The failure names port 81's listener: 82 is fine.
				if err != nil {
					t.Fatalf("CreateListener(82) = %v; want success", err)
				}
				return
			}
			// An untyped failure cannot be attributed: 82 is rolled back.
			wantCode(t, err, elb.CodeInvalidConfigurationRequest)
		})
	}
}

func TestModifyListenerRollsBackWhenPublishFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	lb := h.lb(t, "demo")
	tg := h.tg(t, "api")
	l := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
	h.pub.setFail(81, true)
	_, err := h.ModifyListener(ctx, &ModifyListenerInput{ListenerARN: l.ListenerARN, Port: 81})
	wantCode(t, err, elb.CodeInvalidConfigurationRequest)
	got := must[*DescribeListenersOutput](t)(h.DescribeListeners(ctx, &DescribeListenersInput{ListenerARNs: []string{l.ListenerARN}})).Listeners[0]
	if got.Port != 80 {
		t.Errorf("port after rollback = %d; want 80", got.Port)
	}
}

func TestDescribeListeners(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	lb := h.lb(t, "demo")
	tg := h.tg(t, "api")
	var arns []string
	for _, p := range []int{80, 81, 82} {
		arns = append(arns, h.listener(t, lb.LoadBalancerARN, p, tg.TargetGroupARN).ListenerARN)
	}
	ports := func(ls []*elb.Listener) []int {
		var out []int
		for _, l := range ls {
			out = append(out, l.Port)
		}
		return out
	}
	t.Run("ByLoadBalancerPaged", func(t *testing.T) {
		p1 := must[*DescribeListenersOutput](t)(h.DescribeListeners(ctx, &DescribeListenersInput{LoadBalancerARN: lb.LoadBalancerARN, PageSize: 2}))
		p2 := must[*DescribeListenersOutput](t)(h.DescribeListeners(ctx, &DescribeListenersInput{LoadBalancerARN: lb.LoadBalancerARN, PageSize: 2, Marker: p1.NextMarker}))
		if got := append(ports(p1.Listeners), ports(p2.Listeners)...); !slices.Equal(got, []int{80, 81, 82}) || p2.NextMarker != "" {
			t.Errorf("ports = %v; want [80 81 82]", got)
		}
	})
	t.Run("ByARNs", func(t *testing.T) {
		out := must[*DescribeListenersOutput](t)(h.DescribeListeners(ctx, &DescribeListenersInput{ListenerARNs: []string{arns[2]}}))
		if got := ports(out.Listeners); !slices.Equal(got, []int{82}) {
			t.Errorf("ports = %v; want [82]", got)
		}
	})
	t.Run("ErrListenerNotFound", func(t *testing.T) {
		_, err := h.DescribeListeners(ctx, &DescribeListenersInput{ListenerARNs: []string{arns[0] + "0"}})
		wantCode(t, err, elb.CodeListenerNotFound)
	})
	t.Run("ErrLoadBalancerNotFound", func(t *testing.T) {
		_, err := h.DescribeListeners(ctx, &DescribeListenersInput{LoadBalancerARN: lb.LoadBalancerARN + "0"})
		wantCode(t, err, elb.CodeLoadBalancerNotFound)
	})
	t.Run("ErrValidation", func(t *testing.T) {
		_, err := h.DescribeListeners(ctx, &DescribeListenersInput{})
		wantCode(t, err, elb.CodeValidationError)
	})
}

func TestModifyListener(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	lb := h.lb(t, "demo")
	tg, other := h.tg(t, "api"), h.tg(t, "other")
	l := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
	h.listener(t, lb.LoadBalancerARN, 90, tg.TargetGroupARN)
	t.Run("PortAndDefaultActions", func(t *testing.T) {
		out := must[*ModifyListenerOutput](t)(h.ModifyListener(ctx, &ModifyListenerInput{ListenerARN: l.ListenerARN, Port: 8080, DefaultActions: forward(other.TargetGroupARN)}))
		if got := out.Listeners[0]; got.Port != 8080 || got.DefaultActions[0].TargetGroupARN != other.TargetGroupARN {
			t.Errorf("listener = %+v", got)
		}
		rules := must[*DescribeRulesOutput](t)(h.DescribeRules(ctx, &DescribeRulesInput{ListenerARN: l.ListenerARN})).Rules
		if rules[0].Actions[0].TargetGroupARN != other.TargetGroupARN {
			t.Errorf("default rule actions = %+v; want forward to other", rules[0].Actions)
		}
		s := h.pub.last()
		if got := s.TargetGroups[other.TargetGroupARN].TargetGroup.LoadBalancerARNs; len(got) != 1 {
			t.Errorf("other.LoadBalancerArns = %v; want the load balancer", got)
		}
	})
	t.Run("ErrDuplicateListener", func(t *testing.T) {
		_, err := h.ModifyListener(ctx, &ModifyListenerInput{ListenerARN: l.ListenerARN, Port: 90})
		wantCode(t, err, elb.CodeDuplicateListener)
	})
	t.Run("ErrListenerNotFound", func(t *testing.T) {
		_, err := h.ModifyListener(ctx, &ModifyListenerInput{ListenerARN: l.ListenerARN + "0", Port: 91})
		wantCode(t, err, elb.CodeListenerNotFound)
	})
}

func TestDeleteListener(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	lb := h.lb(t, "demo")
	tg := h.tg(t, "api")
	l := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
	r := must[*CreateRuleOutput](t)(h.CreateRule(ctx, &CreateRuleInput{ListenerARN: l.ListenerARN, Priority: 1, Conditions: pathRule("/a"), Actions: forward(tg.TargetGroupARN)})).Rules[0]
	must[*DeleteListenerOutput](t)(h.DeleteListener(ctx, &DeleteListenerInput{ListenerARN: l.ListenerARN}))
	_, err := h.DescribeRules(ctx, &DescribeRulesInput{RuleARNs: []string{r.RuleARN}})
	wantCode(t, err, elb.CodeRuleNotFound)
	if n := len(h.pub.last().Listeners); n != 0 {
		t.Errorf("published snapshot has %d listeners; want 0", n)
	}
	_, err = h.DeleteListener(ctx, &DeleteListenerInput{ListenerARN: l.ListenerARN})
	wantCode(t, err, elb.CodeListenerNotFound)
	_, err = h.DeleteListener(ctx, &DeleteListenerInput{})
	wantCode(t, err, elb.CodeValidationError)
}

func TestCreateRule(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	lb := h.lb(t, "demo")
	tg, web := h.tg(t, "api"), h.tg(t, "web")
	l := h.listener(t, lb.LoadBalancerARN, 80, web.TargetGroupARN)
	rule := func(prio int, path string) *CreateRuleInput {
		return &CreateRuleInput{ListenerARN: l.ListenerARN, Priority: prio, Conditions: pathRule(path), Actions: forward(tg.TargetGroupARN)}
	}
	t.Run("OK", func(t *testing.T) {
		r := must[*CreateRuleOutput](t)(h.CreateRule(ctx, rule(10, "/api/*"))).Rules[0]
		if !ruleARNPattern.MatchString(r.RuleARN) || r.Priority != 10 || r.IsDefault {
			t.Errorf("rule = %+v", r)
		}
		// Legacy Values are mirrored into PathPatternConfig (Canonicalize).
		if c := r.Conditions[0]; c.PathPatternConfig == nil || c.PathPatternConfig.Values[0] != "/api/*" {
			t.Errorf("condition = %+v; want PathPatternConfig filled", c)
		}
		s := h.pub.last()
		got := s.Listeners[0].Rules.Rules()
		if len(got) != 2 || got[0].Priority != 10 || !got[1].IsDefault {
			t.Errorf("published rule set = %+v; want the rule then the default", got)
		}
		if m := s.Listeners[0].Rules.Match(&elb.RequestInfo{Path: "/api/users"}); m == nil || m.RuleARN != r.RuleARN {
			t.Errorf("published rule set does not route /api/users to the rule")
		}
	})
	t.Run("ErrPriorityInUse", func(t *testing.T) {
		_, err := h.CreateRule(ctx, rule(10, "/other"))
		wantCode(t, err, elb.CodePriorityInUse)
	})
	t.Run("ErrValidation", func(t *testing.T) {
		for _, in := range []*CreateRuleInput{
			{ListenerARN: l.ListenerARN, Priority: 1, Actions: forward(tg.TargetGroupARN)},
			{ListenerARN: l.ListenerARN, Conditions: pathRule("/x"), Actions: forward(tg.TargetGroupARN)},
			{ListenerARN: l.ListenerARN, Priority: 1, Conditions: pathRule("/x")},
			rule(50001, "/x"),
		} {
			if _, err := h.CreateRule(ctx, in); elb.ErrorCode(err) != elb.CodeValidationError {
				t.Errorf("CreateRule(%+v) = %v; want ValidationError", in, err)
			}
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		in := rule(20, "/x")
		in.ListenerARN += "0"
		_, err := h.CreateRule(ctx, in)
		wantCode(t, err, elb.CodeListenerNotFound)
		in = rule(20, "/x")
		in.Actions = forward(tg.TargetGroupARN + "0")
		_, err = h.CreateRule(ctx, in)
		wantCode(t, err, elb.CodeTargetGroupNotFound)
	})
	t.Run("ErrTooManyRules", func(t *testing.T) {
		h := newHarness(t)
		lb := h.lb(t, "demo")
		tg := h.tg(t, "api")
		l := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
		for i := 1; i <= maxRulesPerLB; i++ {
			must[*CreateRuleOutput](t)(h.CreateRule(ctx, &CreateRuleInput{ListenerARN: l.ListenerARN, Priority: i, Conditions: pathRule(fmt.Sprintf("/%d", i)), Actions: forward(tg.TargetGroupARN)}))
		}
		_, err := h.CreateRule(ctx, &CreateRuleInput{ListenerARN: l.ListenerARN, Priority: 1000, Conditions: pathRule("/x"), Actions: forward(tg.TargetGroupARN)})
		wantCode(t, err, elb.CodeTooManyRules)
	})
}

func TestRulesOrderPrioritiesAndProtection(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	lb := h.lb(t, "demo")
	tg := h.tg(t, "api")
	l := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
	create := func(prio int, path string) *elb.Rule {
		return must[*CreateRuleOutput](t)(h.CreateRule(ctx, &CreateRuleInput{ListenerARN: l.ListenerARN, Priority: prio, Conditions: pathRule(path), Actions: forward(tg.TargetGroupARN)})).Rules[0]
	}
	r30, r10, r20 := create(30, "/c"), create(10, "/a"), create(20, "/b")
	prios := func() []string {
		var out []string
		for _, r := range must[*DescribeRulesOutput](t)(h.DescribeRules(ctx, &DescribeRulesInput{ListenerARN: l.ListenerARN})).Rules {
			if r.IsDefault {
				out = append(out, "default")
			} else {
				out = append(out, fmt.Sprint(r.Priority))
			}
		}
		return out
	}
	if got := prios(); !slices.Equal(got, []string{"10", "20", "30", "default"}) {
		t.Fatalf("DescribeRules order = %v; want [10 20 30 default]", got)
	}
	defaultARN := must[*DescribeRulesOutput](t)(h.DescribeRules(ctx, &DescribeRulesInput{ListenerARN: l.ListenerARN})).Rules[3].RuleARN

	t.Run("DescribeRulesPaged", func(t *testing.T) {
		p1 := must[*DescribeRulesOutput](t)(h.DescribeRules(ctx, &DescribeRulesInput{ListenerARN: l.ListenerARN, PageSize: 3}))
		p2 := must[*DescribeRulesOutput](t)(h.DescribeRules(ctx, &DescribeRulesInput{ListenerARN: l.ListenerARN, PageSize: 3, Marker: p1.NextMarker}))
		if len(p1.Rules) != 3 || len(p2.Rules) != 1 || !p2.Rules[0].IsDefault {
			t.Errorf("pages of %d and %d rules; want 3 and the default", len(p1.Rules), len(p2.Rules))
		}
	})
	t.Run("SetRulePrioritiesSwap", func(t *testing.T) {
		out := must[*SetRulePrioritiesOutput](t)(h.SetRulePriorities(ctx, &SetRulePrioritiesInput{RulePriorities: []RulePriorityPair{
			{RuleARN: r10.RuleARN, Priority: 30}, {RuleARN: r30.RuleARN, Priority: 10},
		}}))
		if len(out.Rules) != 2 || out.Rules[0].Priority != 30 || out.Rules[1].Priority != 10 {
			t.Errorf("rules = %+v", out.Rules)
		}
		got := h.pub.last().Listeners[0].Rules.Rules()
		if got[0].RuleARN != r30.RuleARN || got[2].RuleARN != r10.RuleARN {
			t.Errorf("published order does not follow the new priorities")
		}
	})
	t.Run("ErrSetRulePrioritiesInUse", func(t *testing.T) {
		_, err := h.SetRulePriorities(ctx, &SetRulePrioritiesInput{RulePriorities: []RulePriorityPair{{RuleARN: r20.RuleARN, Priority: 10}}})
		wantCode(t, err, elb.CodePriorityInUse)
	})
	t.Run("ErrDefaultRuleProtected", func(t *testing.T) {
		_, err := h.DeleteRule(ctx, &DeleteRuleInput{RuleARN: defaultARN})
		wantCode(t, err, elb.CodeOperationNotPermitted)
		_, err = h.SetRulePriorities(ctx, &SetRulePrioritiesInput{RulePriorities: []RulePriorityPair{{RuleARN: defaultARN, Priority: 5}}})
		wantCode(t, err, elb.CodeOperationNotPermitted)
		_, err = h.ModifyRule(ctx, &ModifyRuleInput{RuleARN: defaultARN, Conditions: pathRule("/x")})
		wantCode(t, err, elb.CodeOperationNotPermitted)
	})
	t.Run("ModifyRule", func(t *testing.T) {
		out := must[*ModifyRuleOutput](t)(h.ModifyRule(ctx, &ModifyRuleInput{RuleARN: r20.RuleARN, Conditions: pathRule("/changed")}))
		if got := out.Rules[0]; got.Conditions[0].Values[0] != "/changed" || got.Priority != 20 || got.Actions[0].TargetGroupARN != tg.TargetGroupARN {
			t.Errorf("modified rule = %+v", got)
		}
		_, err := h.ModifyRule(ctx, &ModifyRuleInput{RuleARN: r20.RuleARN + "0", Conditions: pathRule("/x")})
		wantCode(t, err, elb.CodeRuleNotFound)
		_, err = h.ModifyRule(ctx, &ModifyRuleInput{RuleARN: r20.RuleARN, Actions: forward(tg.TargetGroupARN + "0")})
		wantCode(t, err, elb.CodeTargetGroupNotFound)
	})
	t.Run("ModifyDefaultRuleActions", func(t *testing.T) {
		fixed := []elb.Action{{Type: elb.ActionTypeFixedResponse, FixedResponseConfig: &elb.FixedResponseActionConfig{StatusCode: "404"}}}
		must[*ModifyRuleOutput](t)(h.ModifyRule(ctx, &ModifyRuleInput{RuleARN: defaultARN, Actions: fixed}))
		got := must[*DescribeListenersOutput](t)(h.DescribeListeners(ctx, &DescribeListenersInput{ListenerARNs: []string{l.ListenerARN}})).Listeners[0]
		if got.DefaultActions[0].Type != elb.ActionTypeFixedResponse {
			t.Errorf("listener default actions = %+v; want the fixed response", got.DefaultActions)
		}
	})
	t.Run("DeleteRule", func(t *testing.T) {
		must[*DeleteRuleOutput](t)(h.DeleteRule(ctx, &DeleteRuleInput{RuleARN: r20.RuleARN}))
		_, err := h.DeleteRule(ctx, &DeleteRuleInput{RuleARN: r20.RuleARN})
		wantCode(t, err, elb.CodeRuleNotFound)
		if n := len(h.pub.last().Listeners[0].Rules.Rules()); n != 3 {
			t.Errorf("published rule set has %d rules; want 3", n)
		}
	})
	t.Run("ErrDescribeRules", func(t *testing.T) {
		_, err := h.DescribeRules(ctx, &DescribeRulesInput{})
		wantCode(t, err, elb.CodeValidationError)
		_, err = h.DescribeRules(ctx, &DescribeRulesInput{ListenerARN: l.ListenerARN + "0"})
		wantCode(t, err, elb.CodeListenerNotFound)
	})
}
