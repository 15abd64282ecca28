package control

import (
	"slices"
	"testing"

	"github.com/ecslocal/ecslocal/internal/elb"
)

func TestCreateTargetGroup(t *testing.T) {
	t.Parallel()
	t.Run("Defaults", func(t *testing.T) {
		h := newHarness(t)
		out := must[*CreateTargetGroupOutput](t)(h.CreateTargetGroup(ctx, &CreateTargetGroupInput{Name: "api", Protocol: elb.ProtocolHTTP, Port: 80, VpcID: "vpc-1"}))
		tg := out.TargetGroups[0]
		if !tgARNPattern.MatchString(tg.TargetGroupARN) {
			t.Errorf("ARN = %s; want targetgroup/api/<16 hex>", tg.TargetGroupARN)
		}
		// §1.3: the CreateTargetGroup example output.
		if tg.HealthCheckIntervalSeconds != 30 || tg.HealthCheckPath != "/" || tg.HealthCheckPort != "traffic-port" ||
			tg.HealthCheckProtocol != elb.ProtocolHTTP || tg.HealthCheckTimeoutSeconds != 5 || tg.HealthyThresholdCount != 5 ||
			tg.UnhealthyThresholdCount != 2 || tg.Matcher.HTTPCode != "200" || tg.TargetType != elb.TargetTypeInstance ||
			tg.ProtocolVersion != elb.ProtocolVersionHTTP1 || tg.LoadBalancerARNs == nil || len(tg.LoadBalancerARNs) != 0 {
			t.Errorf("target group = %+v; want the ELBv2 defaults", tg)
		}
	})
	t.Run("IdempotentForIdenticalSettings", func(t *testing.T) {
		h := newHarness(t)
		a := h.tg(t, "api")
		b := h.tg(t, "api")
		if a.TargetGroupARN != b.TargetGroupARN {
			t.Errorf("second create ARN = %s; want %s", b.TargetGroupARN, a.TargetGroupARN)
		}
		all := must[*DescribeTargetGroupsOutput](t)(h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{}))
		if len(all.TargetGroups) != 1 {
			t.Errorf("%d target groups; want 1", len(all.TargetGroups))
		}
	})
	t.Run("ErrDuplicateTargetGroupName", func(t *testing.T) {
		h := newHarness(t)
		h.tg(t, "api")
		_, err := h.CreateTargetGroup(ctx, &CreateTargetGroupInput{Name: "api", Protocol: elb.ProtocolHTTP, Port: 8080})
		wantCode(t, err, elb.CodeDuplicateTargetGroupName)
	})
	t.Run("ErrValidation", func(t *testing.T) {
		h := newHarness(t)
		for _, in := range []*CreateTargetGroupInput{
			{Protocol: elb.ProtocolHTTP, Port: 80},
			{Name: "api", Port: 80},
			{Name: "api", Protocol: elb.ProtocolHTTP},
			{Name: "api", Protocol: elb.ProtocolHTTP, Port: 80, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 5},
			{Name: "api", Protocol: elb.ProtocolHTTP, Port: 80, HealthyThresholdCount: 11},
			{Name: "api", Protocol: elb.ProtocolHTTP, Port: 80, TargetType: elb.TargetTypeLambda},
		} {
			if _, err := h.CreateTargetGroup(ctx, in); elb.ErrorCode(err) != elb.CodeValidationError {
				t.Errorf("CreateTargetGroup(%+v) = %v; want ValidationError", in, err)
			}
		}
		_, err := h.CreateTargetGroup(ctx, &CreateTargetGroupInput{Name: "api", Protocol: elb.ProtocolHTTP, Port: 80, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 5})
		if got, want := elb.ErrorMessage(err), "Health check timeout '5' must be smaller than the interval '5'"; got != want {
			t.Errorf("message = %q; want %q", got, want)
		}
		_, err = h.CreateTargetGroup(ctx, &CreateTargetGroupInput{Name: "api", Protocol: "TCP", Port: 80})
		wantCode(t, err, elb.CodeUnsupportedProtocol)
	})
}

func TestDescribeTargetGroups(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a, b, c := h.tg(t, "a"), h.tg(t, "b"), h.tg(t, "c")
	lb := h.lb(t, "demo")
	h.listener(t, lb.LoadBalancerARN, 80, b.TargetGroupARN)
	names := func(tgs []*elb.TargetGroup) []string {
		var out []string
		for _, tg := range tgs {
			out = append(out, tg.TargetGroupName)
		}
		return out
	}
	cases := []struct {
		name string
		in   *DescribeTargetGroupsInput
		want []string
	}{
		{"All", &DescribeTargetGroupsInput{}, []string{"a", "b", "c"}},
		{"ByARNs", &DescribeTargetGroupsInput{TargetGroupARNs: []string{c.TargetGroupARN, a.TargetGroupARN}}, []string{"a", "c"}},
		{"ByNames", &DescribeTargetGroupsInput{Names: []string{"c"}}, []string{"c"}},
		{"ByLoadBalancer", &DescribeTargetGroupsInput{LoadBalancerARN: lb.LoadBalancerARN}, []string{"b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := must[*DescribeTargetGroupsOutput](t)(h.DescribeTargetGroups(ctx, tc.in))
			if got := names(out.TargetGroups); !slices.Equal(got, tc.want) {
				t.Errorf("got %v; want %v", got, tc.want)
			}
		})
	}
	t.Run("LoadBalancerArns", func(t *testing.T) {
		out := must[*DescribeTargetGroupsOutput](t)(h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{Names: []string{"b"}}))
		if got := out.TargetGroups[0].LoadBalancerARNs; !slices.Equal(got, []string{lb.LoadBalancerARN}) {
			t.Errorf("LoadBalancerArns = %v; want [%s]", got, lb.LoadBalancerARN)
		}
	})
	t.Run("Pagination", func(t *testing.T) {
		p1 := must[*DescribeTargetGroupsOutput](t)(h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{PageSize: 2}))
		p2 := must[*DescribeTargetGroupsOutput](t)(h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{PageSize: 2, Marker: p1.NextMarker}))
		if got := append(names(p1.TargetGroups), names(p2.TargetGroups)...); !slices.Equal(got, []string{"a", "b", "c"}) || p2.NextMarker != "" {
			t.Errorf("pages = %v, last marker %q; want [a b c] and none", got, p2.NextMarker)
		}
	})
	t.Run("ErrTargetGroupNotFound", func(t *testing.T) {
		_, err := h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{Names: []string{"a", "zzz"}})
		wantCode(t, err, elb.CodeTargetGroupNotFound)
		if got, want := elb.ErrorMessage(err), "One or more target groups not found"; got != want {
			t.Errorf("message = %q; want %q", got, want)
		}
		_, err = h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{TargetGroupARNs: []string{a.TargetGroupARN + "0"}})
		wantCode(t, err, elb.CodeTargetGroupNotFound)
	})
	t.Run("ErrLoadBalancerNotFound", func(t *testing.T) {
		_, err := h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{LoadBalancerARN: lb.LoadBalancerARN + "0"})
		wantCode(t, err, elb.CodeLoadBalancerNotFound)
	})
	t.Run("ErrValidation", func(t *testing.T) {
		_, err := h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{Names: []string{"a"}, TargetGroupARNs: []string{a.TargetGroupARN}})
		wantCode(t, err, elb.CodeValidationError)
	})
}

func TestModifyTargetGroup(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tg := h.tg(t, "api")
	t.Run("OK", func(t *testing.T) {
		out := must[*ModifyTargetGroupOutput](t)(h.ModifyTargetGroup(ctx, &ModifyTargetGroupInput{
			TargetGroupARN: tg.TargetGroupARN, HealthCheckPath: "/health", HealthCheckIntervalSeconds: 10,
			Matcher: &elb.Matcher{HTTPCode: "200-299"},
		}))
		got := out.TargetGroups[0]
		if got.HealthCheckPath != "/health" || got.HealthCheckIntervalSeconds != 10 || got.Matcher.HTTPCode != "200-299" ||
			got.HealthyThresholdCount != 2 {
			t.Errorf("modified = %+v; want path /health, interval 10, matcher 200-299, other settings kept", got)
		}
		desc := must[*DescribeTargetGroupsOutput](t)(h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{TargetGroupARNs: []string{tg.TargetGroupARN}}))
		if desc.TargetGroups[0].HealthCheckPath != "/health" {
			t.Error("Describe does not show the change")
		}
		if s := h.pub.last(); s.TargetGroups[tg.TargetGroupARN].TargetGroup.HealthCheckPath != "/health" {
			t.Error("published snapshot does not show the change")
		}
	})
	t.Run("ErrValidation", func(t *testing.T) {
		_, err := h.ModifyTargetGroup(ctx, &ModifyTargetGroupInput{TargetGroupARN: tg.TargetGroupARN, HealthCheckTimeoutSeconds: 60})
		wantCode(t, err, elb.CodeValidationError)
		_, err = h.ModifyTargetGroup(ctx, &ModifyTargetGroupInput{})
		wantCode(t, err, elb.CodeValidationError)
	})
	t.Run("ErrTargetGroupNotFound", func(t *testing.T) {
		_, err := h.ModifyTargetGroup(ctx, &ModifyTargetGroupInput{TargetGroupARN: tg.TargetGroupARN + "0", HealthCheckPath: "/x"})
		wantCode(t, err, elb.CodeTargetGroupNotFound)
	})
}

func TestDeleteTargetGroup(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		h := newHarness(t)
		tg := h.tg(t, "api")
		must[*DeleteTargetGroupOutput](t)(h.DeleteTargetGroup(ctx, &DeleteTargetGroupInput{TargetGroupARN: tg.TargetGroupARN}))
		_, err := h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{TargetGroupARNs: []string{tg.TargetGroupARN}})
		wantCode(t, err, elb.CodeTargetGroupNotFound)
		if _, ok := h.pub.last().TargetGroups[tg.TargetGroupARN]; ok {
			t.Error("deleted target group is still in the published snapshot")
		}
	})
	t.Run("ErrResourceInUseByDefaultAction", func(t *testing.T) {
		h := newHarness(t)
		tg := h.tg(t, "api")
		lb := h.lb(t, "demo")
		l := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
		_, err := h.DeleteTargetGroup(ctx, &DeleteTargetGroupInput{TargetGroupARN: tg.TargetGroupARN})
		wantCode(t, err, elb.CodeResourceInUse)
		must[*DeleteListenerOutput](t)(h.DeleteListener(ctx, &DeleteListenerInput{ListenerARN: l.ListenerARN}))
		must[*DeleteTargetGroupOutput](t)(h.DeleteTargetGroup(ctx, &DeleteTargetGroupInput{TargetGroupARN: tg.TargetGroupARN}))
	})
	t.Run("ErrResourceInUseByRule", func(t *testing.T) {
		h := newHarness(t)
		tg, other := h.tg(t, "api"), h.tg(t, "other")
		lb := h.lb(t, "demo")
		l := h.listener(t, lb.LoadBalancerARN, 80, other.TargetGroupARN)
		r := must[*CreateRuleOutput](t)(h.CreateRule(ctx, &CreateRuleInput{ListenerARN: l.ListenerARN, Priority: 5, Conditions: pathRule("/api/*"), Actions: forward(tg.TargetGroupARN)})).Rules[0]
		_, err := h.DeleteTargetGroup(ctx, &DeleteTargetGroupInput{TargetGroupARN: tg.TargetGroupARN})
		wantCode(t, err, elb.CodeResourceInUse)
		must[*DeleteRuleOutput](t)(h.DeleteRule(ctx, &DeleteRuleInput{RuleARN: r.RuleARN}))
		must[*DeleteTargetGroupOutput](t)(h.DeleteTargetGroup(ctx, &DeleteTargetGroupInput{TargetGroupARN: tg.TargetGroupARN}))
	})
	t.Run("ErrTargetGroupNotFound", func(t *testing.T) {
		h := newHarness(t)
		_, err := h.DeleteTargetGroup(ctx, &DeleteTargetGroupInput{TargetGroupARN: "arn:aws:elasticloadbalancing:eu-west-1:000000000000:targetgroup/x/0000000000000009"})
		wantCode(t, err, elb.CodeTargetGroupNotFound)
	})
}

func TestTargetGroupAttributes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tg := h.tg(t, "api")
	t.Run("RoundTrip", func(t *testing.T) {
		mod := must[*ModifyTargetGroupAttributesOutput](t)(h.ModifyTargetGroupAttributes(ctx, &ModifyTargetGroupAttributesInput{
			TargetGroupARN: tg.TargetGroupARN,
			Attributes: []elb.Attribute{
				{Key: elb.AttrDeregistrationDelay, Value: "30"},
				{Key: elb.AttrAlgorithm, Value: "least_outstanding_requests"},
			},
		}))
		desc := must[*DescribeTargetGroupAttributesOutput](t)(h.DescribeTargetGroupAttributes(ctx, &DescribeTargetGroupAttributesInput{TargetGroupARN: tg.TargetGroupARN}))
		if !slices.Equal(mod.Attributes, desc.Attributes) {
			t.Errorf("Modify returned %v; Describe returns %v", mod.Attributes, desc.Attributes)
		}
		if !slices.Contains(desc.Attributes, elb.Attribute{Key: elb.AttrDeregistrationDelay, Value: "30"}) ||
			!slices.Contains(desc.Attributes, elb.Attribute{Key: elb.AttrAlgorithm, Value: "least_outstanding_requests"}) {
			t.Errorf("attributes = %v", desc.Attributes)
		}
		if got := h.pub.last().TargetGroups[tg.TargetGroupARN].TargetGroup.Attributes.DeregistrationDelaySeconds; got != 30 {
			t.Errorf("published deregistration delay = %d; want 30", got)
		}
	})
	t.Run("ErrInvalidConfigurationRequest", func(t *testing.T) {
		_, err := h.ModifyTargetGroupAttributes(ctx, &ModifyTargetGroupAttributesInput{
			TargetGroupARN: tg.TargetGroupARN, Attributes: []elb.Attribute{{Key: elb.AttrSlowStart, Value: "60"}}})
		wantCode(t, err, elb.CodeInvalidConfigurationRequest) // slow start with least_outstanding_requests
	})
	t.Run("ErrValidation", func(t *testing.T) {
		_, err := h.ModifyTargetGroupAttributes(ctx, &ModifyTargetGroupAttributesInput{
			TargetGroupARN: tg.TargetGroupARN, Attributes: []elb.Attribute{{Key: elb.AttrDeregistrationDelay, Value: "3601"}}})
		wantCode(t, err, elb.CodeValidationError)
		_, err = h.ModifyTargetGroupAttributes(ctx, &ModifyTargetGroupAttributesInput{TargetGroupARN: tg.TargetGroupARN})
		wantCode(t, err, elb.CodeValidationError)
	})
	t.Run("ErrTargetGroupNotFound", func(t *testing.T) {
		_, err := h.DescribeTargetGroupAttributes(ctx, &DescribeTargetGroupAttributesInput{TargetGroupARN: tg.TargetGroupARN + "0"})
		wantCode(t, err, elb.CodeTargetGroupNotFound)
	})
}
