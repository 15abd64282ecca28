package control

import (
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/ecslocal/ecslocal/internal/elb"
)

var (
	lbARNPattern       = regexp.MustCompile(`^arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/app/demo/[0-9a-f]{16}$`)
	tgARNPattern       = regexp.MustCompile(`^arn:aws:elasticloadbalancing:eu-west-1:000000000000:targetgroup/api/[0-9a-f]{16}$`)
	listenerARNPattern = regexp.MustCompile(`^arn:aws:elasticloadbalancing:eu-west-1:000000000000:listener/app/demo/([0-9a-f]{16})/([0-9a-f]{16})$`)
	ruleARNPattern     = regexp.MustCompile(`^arn:aws:elasticloadbalancing:eu-west-1:000000000000:listener-rule/app/demo/([0-9a-f]{16})/([0-9a-f]{16})/[0-9a-f]{16}$`)
)

func TestCreateLoadBalancer(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		h := newHarness(t)
		lb := h.lb(t, "demo")
		if !lbARNPattern.MatchString(lb.LoadBalancerARN) {
			t.Errorf("ARN = %s; want loadbalancer/app/demo/<16 hex>", lb.LoadBalancerARN)
		}
		if want := "arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/app/demo/0000000000000001"; lb.LoadBalancerARN != want {
			t.Errorf("ARN = %s; want %s", lb.LoadBalancerARN, want)
		}
		if want := "demo-0000000000000001.eu-west-1.elb.localhost"; lb.DNSName != want {
			t.Errorf("DNSName = %s; want %s", lb.DNSName, want)
		}
		if lb.State != elb.LoadBalancerStateActive || lb.Scheme != elb.SchemeInternetFacing || lb.Type != "application" ||
			lb.IPAddressType != "ipv4" || !lb.CreatedTime.Equal(t0) {
			t.Errorf("lb = %+v; want active internet-facing application ipv4 created at t0", lb)
		}
	})
	t.Run("InternalDNSName", func(t *testing.T) {
		h := newHarness(t)
		out := must[*CreateLoadBalancerOutput](t)(h.CreateLoadBalancer(ctx, &CreateLoadBalancerInput{Name: "demo", Scheme: elb.SchemeInternal}))
		if want := "internal-demo-0000000000000001.eu-west-1.elb.localhost"; out.LoadBalancers[0].DNSName != want {
			t.Errorf("DNSName = %s; want %s", out.LoadBalancers[0].DNSName, want)
		}
	})
	t.Run("AccountID", func(t *testing.T) {
		h := newHarness(t, func(o *Options) { o.AccountID = "123456789012"; o.Region = "" })
		lb := h.lb(t, "demo")
		if want := "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo/0000000000000001"; lb.LoadBalancerARN != want {
			t.Errorf("ARN = %s; want %s", lb.LoadBalancerARN, want)
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		h := newHarness(t)
		a := h.lb(t, "demo")
		b := h.lb(t, "demo")
		if a.LoadBalancerARN != b.LoadBalancerARN {
			t.Errorf("second create ARN = %s; want %s", b.LoadBalancerARN, a.LoadBalancerARN)
		}
	})
	t.Run("ErrDuplicateLoadBalancerName", func(t *testing.T) {
		h := newHarness(t)
		h.lb(t, "demo")
		_, err := h.CreateLoadBalancer(ctx, &CreateLoadBalancerInput{Name: "demo", Scheme: elb.SchemeInternal})
		wantCode(t, err, elb.CodeDuplicateLoadBalancerName)
	})
	t.Run("ErrValidation", func(t *testing.T) {
		h := newHarness(t)
		for _, in := range []*CreateLoadBalancerInput{
			{},
			{Name: "internal-demo"},
			{Name: "-demo"},
			{Name: "a-name-that-is-longer-than-thirty-two"},
			{Name: "demo", Scheme: "public"},
			{Name: "demo", Type: "network"},
			{Name: "demo", Tags: []Tag{{Key: "a"}, {Key: "a"}}},
		} {
			_, err := h.CreateLoadBalancer(ctx, in)
			if err == nil {
				t.Errorf("CreateLoadBalancer(%+v) succeeded; want an error", in)
			}
		}
		_, err := h.CreateLoadBalancer(ctx, &CreateLoadBalancerInput{})
		if got, want := elb.ErrorMessage(err), "Value null at 'name' failed to satisfy constraint: Member must not be null"; got != want {
			t.Errorf("message = %q; want %q", got, want)
		}
	})
	t.Run("ErrTooManyLoadBalancers", func(t *testing.T) {
		h := newHarness(t)
		for i := range maxLoadBalancers {
			h.lb(t, fmt.Sprintf("lb%d", i))
		}
		_, err := h.CreateLoadBalancer(ctx, &CreateLoadBalancerInput{Name: "one-more"})
		wantCode(t, err, elb.CodeTooManyLoadBalancers)
	})
}

func TestDescribeLoadBalancers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a, b, c := h.lb(t, "a"), h.lb(t, "b"), h.lb(t, "c")
	names := func(lbs []*elb.LoadBalancer) []string {
		var out []string
		for _, lb := range lbs {
			out = append(out, lb.LoadBalancerName)
		}
		return out
	}
	t.Run("All", func(t *testing.T) {
		out := must[*DescribeLoadBalancersOutput](t)(h.DescribeLoadBalancers(ctx, &DescribeLoadBalancersInput{}))
		if got := names(out.LoadBalancers); !slices.Equal(got, []string{"a", "b", "c"}) || out.NextMarker != "" {
			t.Errorf("got %v, marker %q; want [a b c] and no marker", got, out.NextMarker)
		}
	})
	t.Run("ByARNs", func(t *testing.T) {
		out := must[*DescribeLoadBalancersOutput](t)(h.DescribeLoadBalancers(ctx, &DescribeLoadBalancersInput{LoadBalancerARNs: []string{c.LoadBalancerARN, a.LoadBalancerARN}}))
		if got := names(out.LoadBalancers); !slices.Equal(got, []string{"a", "c"}) {
			t.Errorf("got %v; want [a c]", got)
		}
	})
	t.Run("ByNames", func(t *testing.T) {
		out := must[*DescribeLoadBalancersOutput](t)(h.DescribeLoadBalancers(ctx, &DescribeLoadBalancersInput{Names: []string{"b"}}))
		if got := names(out.LoadBalancers); !slices.Equal(got, []string{"b"}) || out.LoadBalancers[0].LoadBalancerARN != b.LoadBalancerARN {
			t.Errorf("got %v; want [b]", got)
		}
	})
	t.Run("ErrLoadBalancerNotFoundByName", func(t *testing.T) {
		_, err := h.DescribeLoadBalancers(ctx, &DescribeLoadBalancersInput{Names: []string{"a", "nope"}})
		wantCode(t, err, elb.CodeLoadBalancerNotFound)
		if got, want := elb.ErrorMessage(err), "Load balancers '[nope]' not found"; got != want {
			t.Errorf("message = %q; want %q", got, want)
		}
	})
	t.Run("ErrLoadBalancerNotFoundByARN", func(t *testing.T) {
		_, err := h.DescribeLoadBalancers(ctx, &DescribeLoadBalancersInput{LoadBalancerARNs: []string{a.LoadBalancerARN + "0"}})
		wantCode(t, err, elb.CodeLoadBalancerNotFound)
	})
	t.Run("ErrBothARNsAndNames", func(t *testing.T) {
		_, err := h.DescribeLoadBalancers(ctx, &DescribeLoadBalancersInput{LoadBalancerARNs: []string{a.LoadBalancerARN}, Names: []string{"a"}})
		wantCode(t, err, elb.CodeValidationError)
	})
	t.Run("Pagination", func(t *testing.T) {
		var got []string
		marker := ""
		pages := 0
		for {
			out := must[*DescribeLoadBalancersOutput](t)(h.DescribeLoadBalancers(ctx, &DescribeLoadBalancersInput{PageSize: 2, Marker: marker}))
			got = append(got, names(out.LoadBalancers)...)
			pages++
			if out.NextMarker == "" {
				break
			}
			marker = out.NextMarker
		}
		if !slices.Equal(got, []string{"a", "b", "c"}) || pages != 2 {
			t.Errorf("got %v in %d pages; want [a b c] in 2", got, pages)
		}
	})
	t.Run("ErrPagination", func(t *testing.T) {
		for _, in := range []*DescribeLoadBalancersInput{{PageSize: 401}, {PageSize: -1}, {Marker: "not-a-marker"}} {
			_, err := h.DescribeLoadBalancers(ctx, in)
			wantCode(t, err, elb.CodeValidationError)
		}
	})
	t.Run("CopiesAreIndependent", func(t *testing.T) {
		out := must[*DescribeLoadBalancersOutput](t)(h.DescribeLoadBalancers(ctx, &DescribeLoadBalancersInput{Names: []string{"a"}}))
		out.LoadBalancers[0].LoadBalancerName = "mutated"
		again := must[*DescribeLoadBalancersOutput](t)(h.DescribeLoadBalancers(ctx, &DescribeLoadBalancersInput{Names: []string{"a"}}))
		if again.LoadBalancers[0].LoadBalancerName != "a" {
			t.Error("a caller's change reached the stored load balancer")
		}
	})
}

func TestDeleteLoadBalancer(t *testing.T) {
	t.Parallel()
	t.Run("CascadesToListenersAndRules", func(t *testing.T) {
		h := newHarness(t)
		lb := h.lb(t, "demo")
		tg := h.tg(t, "api")
		l := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
		rule := must[*CreateRuleOutput](t)(h.CreateRule(ctx, &CreateRuleInput{ListenerARN: l.ListenerARN, Priority: 1, Conditions: pathRule("/x"), Actions: forward(tg.TargetGroupARN)})).Rules[0]
		must[*DeleteLoadBalancerOutput](t)(h.DeleteLoadBalancer(ctx, &DeleteLoadBalancerInput{LoadBalancerARN: lb.LoadBalancerARN}))

		_, err := h.DescribeListeners(ctx, &DescribeListenersInput{ListenerARNs: []string{l.ListenerARN}})
		wantCode(t, err, elb.CodeListenerNotFound)
		_, err = h.DescribeRules(ctx, &DescribeRulesInput{RuleARNs: []string{rule.RuleARN}})
		wantCode(t, err, elb.CodeRuleNotFound)
		_, err = h.DescribeLoadBalancers(ctx, &DescribeLoadBalancersInput{LoadBalancerARNs: []string{lb.LoadBalancerARN}})
		wantCode(t, err, elb.CodeLoadBalancerNotFound)
		// The target group stays, no longer in use, and can be deleted.
		tgs := must[*DescribeTargetGroupsOutput](t)(h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{Names: []string{"api"}}))
		if got := tgs.TargetGroups[0].LoadBalancerARNs; len(got) != 0 {
			t.Errorf("LoadBalancerArns = %v; want none", got)
		}
		if s := h.pub.last(); len(s.Listeners) != 0 {
			t.Errorf("published snapshot has %d listeners; want 0", len(s.Listeners))
		}
		must[*DeleteTargetGroupOutput](t)(h.DeleteTargetGroup(ctx, &DeleteTargetGroupInput{TargetGroupARN: tg.TargetGroupARN}))
	})
	t.Run("UnknownSucceeds", func(t *testing.T) {
		h := newHarness(t)
		must[*DeleteLoadBalancerOutput](t)(h.DeleteLoadBalancer(ctx, &DeleteLoadBalancerInput{
			LoadBalancerARN: "arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/app/x/0000000000000009"}))
	})
	t.Run("ErrDeletionProtection", func(t *testing.T) {
		h := newHarness(t)
		lb := h.lb(t, "demo")
		must[*ModifyLoadBalancerAttributesOutput](t)(h.ModifyLoadBalancerAttributes(ctx, &ModifyLoadBalancerAttributesInput{
			LoadBalancerARN: lb.LoadBalancerARN, Attributes: []elb.Attribute{{Key: elb.AttrDeletionProtection, Value: "true"}}}))
		_, err := h.DeleteLoadBalancer(ctx, &DeleteLoadBalancerInput{LoadBalancerARN: lb.LoadBalancerARN})
		wantCode(t, err, elb.CodeOperationNotPermitted)
	})
	t.Run("ErrValidation", func(t *testing.T) {
		h := newHarness(t)
		_, err := h.DeleteLoadBalancer(ctx, &DeleteLoadBalancerInput{})
		wantCode(t, err, elb.CodeValidationError)
	})
}

func TestLoadBalancerAttributes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	lb := h.lb(t, "demo")
	get := func(attrs []elb.Attribute, key string) string {
		for _, a := range attrs {
			if a.Key == key {
				return a.Value
			}
		}
		return "<missing>"
	}
	t.Run("Defaults", func(t *testing.T) {
		out := must[*DescribeLoadBalancerAttributesOutput](t)(h.DescribeLoadBalancerAttributes(ctx, &DescribeLoadBalancerAttributesInput{LoadBalancerARN: lb.LoadBalancerARN}))
		if v := get(out.Attributes, elb.AttrIdleTimeout); v != "60" {
			t.Errorf("idle timeout = %s; want 60", v)
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		mod := must[*ModifyLoadBalancerAttributesOutput](t)(h.ModifyLoadBalancerAttributes(ctx, &ModifyLoadBalancerAttributesInput{
			LoadBalancerARN: lb.LoadBalancerARN,
			Attributes:      []elb.Attribute{{Key: elb.AttrIdleTimeout, Value: "30"}, {Key: elb.AttrXFFHeaderProcessingMode, Value: "preserve"}},
		}))
		desc := must[*DescribeLoadBalancerAttributesOutput](t)(h.DescribeLoadBalancerAttributes(ctx, &DescribeLoadBalancerAttributesInput{LoadBalancerARN: lb.LoadBalancerARN}))
		if !slices.Equal(mod.Attributes, desc.Attributes) {
			t.Errorf("Modify returned %v; Describe returns %v", mod.Attributes, desc.Attributes)
		}
		if get(desc.Attributes, elb.AttrIdleTimeout) != "30" || get(desc.Attributes, elb.AttrXFFHeaderProcessingMode) != "preserve" {
			t.Errorf("attributes = %v; want idle 30 and xff preserve", desc.Attributes)
		}
	})
	t.Run("ErrValidationIsAllOrNothing", func(t *testing.T) {
		_, err := h.ModifyLoadBalancerAttributes(ctx, &ModifyLoadBalancerAttributesInput{
			LoadBalancerARN: lb.LoadBalancerARN,
			Attributes:      []elb.Attribute{{Key: elb.AttrIdleTimeout, Value: "45"}, {Key: elb.AttrIdleTimeout + "x", Value: "1"}},
		})
		wantCode(t, err, elb.CodeValidationError)
		desc := must[*DescribeLoadBalancerAttributesOutput](t)(h.DescribeLoadBalancerAttributes(ctx, &DescribeLoadBalancerAttributesInput{LoadBalancerARN: lb.LoadBalancerARN}))
		if v := get(desc.Attributes, elb.AttrIdleTimeout); v == "45" {
			t.Error("a failed Modify applied part of its attributes")
		}
	})
	t.Run("ErrLoadBalancerNotFound", func(t *testing.T) {
		_, err := h.DescribeLoadBalancerAttributes(ctx, &DescribeLoadBalancerAttributesInput{LoadBalancerARN: lb.LoadBalancerARN + "0"})
		wantCode(t, err, elb.CodeLoadBalancerNotFound)
		_, err = h.ModifyLoadBalancerAttributes(ctx, &ModifyLoadBalancerAttributesInput{LoadBalancerARN: lb.LoadBalancerARN + "0", Attributes: []elb.Attribute{{Key: elb.AttrIdleTimeout, Value: "5"}}})
		wantCode(t, err, elb.CodeLoadBalancerNotFound)
	})
	t.Run("PublishedInSnapshot", func(t *testing.T) {
		h := newHarness(t)
		lb := h.lb(t, "demo")
		tg := h.tg(t, "api")
		h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
		must[*ModifyLoadBalancerAttributesOutput](t)(h.ModifyLoadBalancerAttributes(ctx, &ModifyLoadBalancerAttributesInput{
			LoadBalancerARN: lb.LoadBalancerARN, Attributes: []elb.Attribute{{Key: elb.AttrIdleTimeout, Value: "30"}}}))
		if got := h.pub.last().Listeners[0].LoadBalancer.Attributes.IdleTimeoutSeconds; got != 30 {
			t.Errorf("published idle timeout = %d; want 30", got)
		}
	})
}
