package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/health"
	"github.com/ecslocal/ecslocal/internal/elb/proxy"
)

// withStore gives a harness a Store.
func withStore(s Store) func(*Options) {
	return func(o *Options) { o.Store = s }
}

// described is every answer of the Describe* operations, target health
// kept apart (it is not restored).
type described struct {
	LoadBalancers []*elb.LoadBalancer
	LBAttributes  map[string][]elb.Attribute
	TargetGroups  []*elb.TargetGroup
	TGAttributes  map[string][]elb.Attribute
	Listeners     map[string][]*elb.Listener // by load balancer ARN
	Rules         map[string][]*elb.Rule     // by listener ARN
	Tags          []TagDescription
	// Targets are DescribeTargetHealth rows with TargetHealth cleared.
	Targets map[string][]TargetHealthDescription
	Health  map[string][]elb.TargetHealth
}

func describeAll(t *testing.T, h *harness) *described {
	t.Helper()
	d := &described{
		LBAttributes: map[string][]elb.Attribute{}, TGAttributes: map[string][]elb.Attribute{},
		Listeners: map[string][]*elb.Listener{}, Rules: map[string][]*elb.Rule{},
		Targets: map[string][]TargetHealthDescription{}, Health: map[string][]elb.TargetHealth{},
	}
	var arns []string
	d.LoadBalancers = must[*DescribeLoadBalancersOutput](t)(h.DescribeLoadBalancers(ctx, &DescribeLoadBalancersInput{})).LoadBalancers
	for _, lb := range d.LoadBalancers {
		arns = append(arns, lb.LoadBalancerARN)
		d.LBAttributes[lb.LoadBalancerARN] = must[*DescribeLoadBalancerAttributesOutput](t)(h.DescribeLoadBalancerAttributes(ctx, &DescribeLoadBalancerAttributesInput{LoadBalancerARN: lb.LoadBalancerARN})).Attributes
		ls := must[*DescribeListenersOutput](t)(h.DescribeListeners(ctx, &DescribeListenersInput{LoadBalancerARN: lb.LoadBalancerARN})).Listeners
		d.Listeners[lb.LoadBalancerARN] = ls
		for _, l := range ls {
			arns = append(arns, l.ListenerARN)
			rules := must[*DescribeRulesOutput](t)(h.DescribeRules(ctx, &DescribeRulesInput{ListenerARN: l.ListenerARN})).Rules
			d.Rules[l.ListenerARN] = rules
			for _, r := range rules {
				arns = append(arns, r.RuleARN)
			}
		}
	}
	d.TargetGroups = must[*DescribeTargetGroupsOutput](t)(h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{})).TargetGroups
	for _, tg := range d.TargetGroups {
		arns = append(arns, tg.TargetGroupARN)
		d.TGAttributes[tg.TargetGroupARN] = must[*DescribeTargetGroupAttributesOutput](t)(h.DescribeTargetGroupAttributes(ctx, &DescribeTargetGroupAttributesInput{TargetGroupARN: tg.TargetGroupARN})).Attributes
		for _, row := range h.health(t, tg.TargetGroupARN) {
			d.Health[tg.TargetGroupARN] = append(d.Health[tg.TargetGroupARN], row.TargetHealth)
			row.TargetHealth = elb.TargetHealth{}
			d.Targets[tg.TargetGroupARN] = append(d.Targets[tg.TargetGroupARN], row)
		}
	}
	d.Tags = []TagDescription{}
	for chunk := range slices.Chunk(arns, maxDescribeTagResources) {
		d.Tags = append(d.Tags, must[*DescribeTagsOutput](t)(h.DescribeTags(ctx, &DescribeTagsInput{ResourceARNs: chunk})).TagDescriptions...)
	}
	return d
}

// diffJSON fails with both values as JSON when they are not deep-equal.
func diffJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	t.Errorf("%s after reopen differs.\ngot:  %s\nwant: %s", what, g, w)
}

// restoreFixture builds a configuration that uses every kind of record and
// setting the state holds, and returns the ARNs the tests need.
type restoreFixture struct {
	demo, intra      *elb.LoadBalancer
	api, web, unused *elb.TargetGroup
	http, https, alt *elb.Listener
	rules            []*elb.Rule
	draining         elb.TargetDescription
}

func buildFixture(t *testing.T, h *harness) *restoreFixture {
	t.Helper()
	f := &restoreFixture{}
	f.demo = must[*CreateLoadBalancerOutput](t)(h.CreateLoadBalancer(ctx, &CreateLoadBalancerInput{
		Name: "demo", Tags: []Tag{{Key: "env", Value: "test"}, {Key: "team", Value: "core"}},
	})).LoadBalancers[0]
	f.intra = must[*CreateLoadBalancerOutput](t)(h.CreateLoadBalancer(ctx, &CreateLoadBalancerInput{
		Name: "intra", Scheme: elb.SchemeInternal, SecurityGroups: []string{"sg-0123", "sg-4567"}, IPAddressType: "dualstack",
	})).LoadBalancers[0]
	must[*ModifyLoadBalancerAttributesOutput](t)(h.ModifyLoadBalancerAttributes(ctx, &ModifyLoadBalancerAttributesInput{
		LoadBalancerARN: f.demo.LoadBalancerARN, Attributes: []elb.Attribute{
			{Key: elb.AttrIdleTimeout, Value: "30"},
			{Key: elb.AttrDeletionProtection, Value: "true"},
			{Key: elb.AttrDesyncMitigationMode, Value: elb.DesyncModeStrictest},
			{Key: elb.AttrXFFHeaderProcessingMode, Value: "preserve"},
		}}))

	f.api = must[*CreateTargetGroupOutput](t)(h.CreateTargetGroup(ctx, &CreateTargetGroupInput{
		Name: "api", Protocol: elb.ProtocolHTTP, Port: 80, HealthCheckPath: "/health",
		HealthCheckIntervalSeconds: 10, HealthCheckTimeoutSeconds: 3, HealthyThresholdCount: 3, UnhealthyThresholdCount: 4,
		Matcher: &elb.Matcher{HTTPCode: "200-299"}, Tags: []Tag{{Key: "svc", Value: "api"}},
	})).TargetGroups[0]
	must[*ModifyTargetGroupOutput](t)(h.ModifyTargetGroup(ctx, &ModifyTargetGroupInput{TargetGroupARN: f.api.TargetGroupARN, HealthCheckPath: "/healthz"}))
	must[*ModifyTargetGroupAttributesOutput](t)(h.ModifyTargetGroupAttributes(ctx, &ModifyTargetGroupAttributesInput{
		TargetGroupARN: f.api.TargetGroupARN, Attributes: []elb.Attribute{
			{Key: elb.AttrDeregistrationDelay, Value: "30"},
			{Key: elb.AttrSlowStart, Value: "60"},
			{Key: elb.AttrStickinessEnabled, Value: "true"},
			{Key: elb.AttrLBCookieDuration, Value: "120"},
		}}))
	f.web = must[*CreateTargetGroupOutput](t)(h.CreateTargetGroup(ctx, &CreateTargetGroupInput{
		Name: "web", Protocol: elb.ProtocolHTTP, ProtocolVersion: elb.ProtocolVersionHTTP2, Port: 8080, TargetType: elb.TargetTypeIP,
		HealthCheckPort: "8081", Matcher: &elb.Matcher{HTTPCode: "200,204"},
	})).TargetGroups[0]
	f.unused = must[*CreateTargetGroupOutput](t)(h.CreateTargetGroup(ctx, &CreateTargetGroupInput{
		Name: "unused", Protocol: elb.ProtocolHTTP, Port: 9000,
	})).TargetGroups[0]

	f.http = must[*CreateListenerOutput](t)(h.CreateListener(ctx, &CreateListenerInput{
		LoadBalancerARN: f.demo.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 80,
		DefaultActions: forward(f.api.TargetGroupARN), Tags: []Tag{{Key: "port", Value: "80"}},
	})).Listeners[0]
	f.https = must[*CreateListenerOutput](t)(h.CreateListener(ctx, &CreateListenerInput{
		LoadBalancerARN: f.demo.LoadBalancerARN, Protocol: elb.ProtocolHTTPS, Port: 443,
		SslPolicy:      "ELBSecurityPolicy-2016-08",
		Certificates:   []elb.Certificate{{CertificateARN: "arn:aws:acm:eu-west-1:000000000000:certificate/abc"}},
		DefaultActions: forward(f.web.TargetGroupARN),
	})).Listeners[0]
	f.alt = must[*CreateListenerOutput](t)(h.CreateListener(ctx, &CreateListenerInput{
		LoadBalancerARN: f.intra.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 8080,
		DefaultActions: []elb.Action{{Type: elb.ActionTypeFixedResponse, FixedResponseConfig: &elb.FixedResponseActionConfig{StatusCode: "404", ContentType: "text/plain", MessageBody: "nothing here"}}},
	})).Listeners[0]

	// Every condition field and every action type.
	weight := func(n int) *int { return &n }
	inputs := []*CreateRuleInput{
		{Priority: 10, Conditions: []elb.RuleCondition{
			{Field: elb.FieldHostHeader, HostHeaderConfig: &elb.HostHeaderConditionConfig{Values: []string{"api.example.com"}}},
			{Field: elb.FieldPathPattern, Values: []string{"/api/*"}},
		}, Actions: forward(f.api.TargetGroupARN), Tags: []Tag{{Key: "rule", Value: "a"}}},
		{Priority: 20, Conditions: []elb.RuleCondition{
			{Field: elb.FieldHTTPHeader, HTTPHeaderConfig: &elb.HTTPHeaderConditionConfig{HTTPHeaderName: "X-Env", Values: []string{"beta"}}},
			{Field: elb.FieldHTTPRequestMethod, HTTPRequestMethodConfig: &elb.HTTPRequestMethodConditionConfig{Values: []string{"GET", "HEAD"}}},
		}, Actions: []elb.Action{{Type: elb.ActionTypeForward, ForwardConfig: &elb.ForwardActionConfig{
			TargetGroups: []elb.TargetGroupTuple{
				{TargetGroupARN: f.api.TargetGroupARN, Weight: weight(3)},
				{TargetGroupARN: f.web.TargetGroupARN, Weight: weight(1)},
			},
			TargetGroupStickinessConfig: &elb.TargetGroupStickinessConfig{Enabled: true, DurationSeconds: 60},
		}}}},
		{Priority: 30, Conditions: []elb.RuleCondition{
			{Field: elb.FieldQueryString, QueryStringConfig: &elb.QueryStringConditionConfig{Values: []elb.QueryStringKeyValuePair{{Key: "v", Value: "2"}, {Value: "beta"}}}},
			{Field: elb.FieldSourceIP, SourceIPConfig: &elb.SourceIPConditionConfig{Values: []string{"10.0.0.0/8"}}},
		}, Actions: []elb.Action{{Type: elb.ActionTypeRedirect, RedirectConfig: &elb.RedirectActionConfig{Protocol: "HTTPS", Port: "443", StatusCode: elb.RedirectStatusCode301}}}},
		{Priority: 40, Conditions: []elb.RuleCondition{
			{Field: elb.FieldPathPattern, PathPatternConfig: &elb.PathPatternConditionConfig{Values: []string{"/ping"}}},
		}, Actions: []elb.Action{{Type: elb.ActionTypeFixedResponse, FixedResponseConfig: &elb.FixedResponseActionConfig{StatusCode: "200", ContentType: "text/plain", MessageBody: "pong"}}}},
	}
	for _, in := range inputs {
		in.ListenerARN = f.http.ListenerARN
		f.rules = append(f.rules, must[*CreateRuleOutput](t)(h.CreateRule(ctx, in)).Rules[0])
	}
	// Swap two priorities, so the stored order is not the creation order.
	must[*SetRulePrioritiesOutput](t)(h.SetRulePriorities(ctx, &SetRulePrioritiesInput{RulePriorities: []RulePriorityPair{
		{RuleARN: f.rules[0].RuleARN, Priority: 30}, {RuleARN: f.rules[2].RuleARN, Priority: 10},
	}}))
	must[*ModifyRuleOutput](t)(h.ModifyRule(ctx, &ModifyRuleInput{RuleARN: f.rules[3].RuleARN, Conditions: pathRule("/ping*")}))
	must[*RemoveTagsOutput](t)(h.RemoveTags(ctx, &RemoveTagsInput{ResourceARNs: []string{f.demo.LoadBalancerARN}, TagKeys: []string{"team"}}))
	must[*AddTagsOutput](t)(h.AddTags(ctx, &AddTagsInput{ResourceARNs: []string{f.web.TargetGroupARN, f.alt.ListenerARN}, Tags: []Tag{{Key: "added", Value: ""}}}))

	h.register(t, f.api.TargetGroupARN,
		elb.TargetDescription{ID: "i-1", Port: 32768},
		elb.TargetDescription{ID: "i-2", Port: 32769, AvailabilityZone: "us-east-1b"})
	h.register(t, f.web.TargetGroupARN, elb.TargetDescription{ID: "127.0.0.5"})
	h.register(t, f.unused.TargetGroupARN, elb.TargetDescription{ID: "i-4"})
	return f
}

// drainOne registers a third api target and deregisters it at once: it
// is draining (for the 30 s delay, while the clock stands still).
func (f *restoreFixture) drainOne(t *testing.T, h *harness) {
	t.Helper()
	f.draining = elb.TargetDescription{ID: "i-3", Port: 32770}
	h.register(t, f.api.TargetGroupARN, f.draining)
	must[*DeregisterTargetsOutput](t)(h.DeregisterTargets(ctx, &DeregisterTargetsInput{TargetGroupARN: f.api.TargetGroupARN, Targets: []elb.TargetDescription{f.draining}}))
}

// TestStateSurvivesReopen closes a Control and opens another on the same
// file: every Describe* answer is the same, except target health, which
// starts over; changes made afterwards work and are kept in turn.
func TestStateSurvivesReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "elb.json")
	// CreatedTime must survive to the nanosecond, whatever the zone.
	now := func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 891011121, time.FixedZone("CET", 3600)) }
	h1 := newHarness(t, withStore(NewFileStore(path)), func(o *Options) { o.Now = now })
	f := buildFixture(t, h1)
	// Make api's targets healthy, so that the reset to initial is visible.
	for _, id := range []string{"i-1", "i-2"} {
		target := elb.TargetDescription{ID: id, Port: 32768}
		if id == "i-2" {
			target.Port = 32769
		}
		waitFor(t, id+" healthy", func() bool {
			h1.clock.Advance(10 * time.Second)
			return h1.healthOf(t, f.api.TargetGroupARN, target).State == elb.TargetHealthStateHealthy
		})
	}
	f.drainOne(t, h1)
	before := describeAll(t, h1)
	if err := h1.Close(); err != nil {
		t.Fatal(err)
	}
	if got := before.Health[f.api.TargetGroupARN]; len(got) != 3 || got[2].State != elb.TargetHealthStateDraining {
		t.Fatalf("fixture: api health = %+v; want i-1, i-2 and i-3 draining", got)
	}

	// Checks fail at first after the restart: a target that came back
	// healthy could only have had its health restored (one pass makes an
	// initial target healthy, one failure leaves it initial).
	prober := newScriptProber()
	for _, id := range []string{"i-1", "i-2", "127.0.0.5"} {
		prober.set(id, health.Fail(elb.TargetHealthReasonTimeout))
	}
	h2 := newHarness(t, withStore(NewFileStore(path)), func(o *Options) { o.Prober = prober })
	after := describeAll(t, h2)

	// A draining target's deregistration completes across a restart.
	want := *before
	want.Targets = map[string][]TargetHealthDescription{}
	for arn, rows := range before.Targets {
		for _, row := range rows {
			if row.Target != f.draining {
				want.Targets[arn] = append(want.Targets[arn], row)
			}
		}
	}
	diffJSON(t, "DescribeLoadBalancers", after.LoadBalancers, want.LoadBalancers)
	diffJSON(t, "DescribeLoadBalancerAttributes", after.LBAttributes, want.LBAttributes)
	diffJSON(t, "DescribeTargetGroups", after.TargetGroups, want.TargetGroups)
	diffJSON(t, "DescribeTargetGroupAttributes", after.TGAttributes, want.TGAttributes)
	diffJSON(t, "DescribeListeners", after.Listeners, want.Listeners)
	diffJSON(t, "DescribeRules", after.Rules, want.Rules)
	diffJSON(t, "DescribeTags", after.Tags, want.Tags)
	diffJSON(t, "DescribeTargetHealth targets", after.Targets, want.Targets)
	if got := after.LoadBalancers[0].CreatedTime; !got.Equal(now()) {
		t.Errorf("CreatedTime = %v; want %v", got, now())
	}

	t.Run("HealthStartsOver", func(t *testing.T) {
		for _, arn := range []string{f.api.TargetGroupARN, f.web.TargetGroupARN} {
			for i, th := range after.Health[arn] {
				if th.State != elb.TargetHealthStateInitial {
					t.Errorf("%s target %d health = %+v; want initial as on a fresh registration", arn, i, th)
				}
			}
		}
		if got, want := after.Health[f.unused.TargetGroupARN], []elb.TargetHealth{elb.HealthFor(elb.TargetHealthReasonNotInUse)}; !reflect.DeepEqual(got, want) {
			t.Errorf("unused group health = %+v; want %+v", got, want)
		}
		target := elb.TargetDescription{ID: "i-1", Port: 32768}
		prober.set("i-1", health.Pass())
		waitFor(t, "restored target healthy again", func() bool {
			h2.clock.Advance(10 * time.Second)
			return h2.healthOf(t, f.api.TargetGroupARN, target).State == elb.TargetHealthStateHealthy
		})
		s := h2.waitSnapshot(t, "i-1 healthy", func(s *elb.Snapshot) bool {
			for _, ts := range s.TargetGroups[f.api.TargetGroupARN].Targets {
				if ts.Key == target.Key() {
					return ts.Health.IsHealthy()
				}
			}
			return false
		})
		if len(s.Listeners) != 3 {
			t.Errorf("published %d listeners; want 3", len(s.Listeners))
		}
	})

	t.Run("MutateAfterReopen", func(t *testing.T) {
		old := map[string]bool{}
		for _, lb := range before.LoadBalancers {
			old[lb.LoadBalancerARN] = true
		}
		for _, tg := range before.TargetGroups {
			old[tg.TargetGroupARN] = true
		}
		for _, ls := range before.Listeners {
			for _, l := range ls {
				old[l.ListenerARN] = true
			}
		}
		for _, rs := range before.Rules {
			for _, r := range rs {
				old[r.RuleARN] = true
			}
		}

		// Names are known: idempotent creates return the restored
		// resource, different settings collide.
		lb := must[*CreateLoadBalancerOutput](t)(h2.CreateLoadBalancer(ctx, &CreateLoadBalancerInput{Name: "demo"})).LoadBalancers[0]
		if lb.LoadBalancerARN != f.demo.LoadBalancerARN {
			t.Errorf("CreateLoadBalancer(demo) = %s; want the restored %s", lb.LoadBalancerARN, f.demo.LoadBalancerARN)
		}
		_, err := h2.CreateTargetGroup(ctx, &CreateTargetGroupInput{Name: "api", Protocol: elb.ProtocolHTTP, Port: 81})
		wantCode(t, err, elb.CodeDuplicateTargetGroupName)
		_, err = h2.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: f.demo.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 80, DefaultActions: forward(f.web.TargetGroupARN)})
		wantCode(t, err, elb.CodeDuplicateListener)
		// Attributes are in force, not just shown.
		_, err = h2.DeleteLoadBalancer(ctx, &DeleteLoadBalancerInput{LoadBalancerARN: f.demo.LoadBalancerARN})
		wantCode(t, err, elb.CodeOperationNotPermitted)
		// The one-load-balancer-per-group association is restored too.
		_, err = h2.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: f.intra.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 81, DefaultActions: forward(f.api.TargetGroupARN)})
		wantCode(t, err, elb.CodeTargetGroupAssociationLimit)

		// Priorities: taken ones are refused, free ones work.
		_, err = h2.CreateRule(ctx, &CreateRuleInput{ListenerARN: f.http.ListenerARN, Priority: 10, Conditions: pathRule("/x"), Actions: forward(f.api.TargetGroupARN)})
		wantCode(t, err, elb.CodePriorityInUse)
		r := must[*CreateRuleOutput](t)(h2.CreateRule(ctx, &CreateRuleInput{ListenerARN: f.http.ListenerARN, Priority: 5, Conditions: pathRule("/new"), Actions: forward(f.api.TargetGroupARN)})).Rules[0]
		must[*SetRulePrioritiesOutput](t)(h2.SetRulePriorities(ctx, &SetRulePrioritiesInput{RulePriorities: []RulePriorityPair{{RuleARN: r.RuleARN, Priority: 50}}}))
		tg := must[*CreateTargetGroupOutput](t)(h2.CreateTargetGroup(ctx, &CreateTargetGroupInput{Name: "new", Protocol: elb.ProtocolHTTP, Port: 80})).TargetGroups[0]
		for _, arn := range []string{r.RuleARN, tg.TargetGroupARN} {
			if old[arn] {
				t.Errorf("new resource got the ARN %s of a restored one", arn)
			}
		}
		rules := must[*DescribeRulesOutput](t)(h2.DescribeRules(ctx, &DescribeRulesInput{ListenerARN: f.http.ListenerARN})).Rules
		var prios []int
		for _, r := range rules {
			prios = append(prios, r.Priority)
		}
		if want := []int{10, 20, 30, 40, 50, 0}; !slices.Equal(prios, want) {
			t.Errorf("priorities = %v; want %v", prios, want)
		}
		// Restored targets deregister like any others.
		i1 := elb.TargetDescription{ID: "i-1", Port: 32768}
		must[*DeregisterTargetsOutput](t)(h2.DeregisterTargets(ctx, &DeregisterTargetsInput{TargetGroupARN: f.api.TargetGroupARN, Targets: []elb.TargetDescription{i1}}))
		if got := h2.healthOf(t, f.api.TargetGroupARN, i1).State; got != elb.TargetHealthStateDraining {
			t.Errorf("deregistered restored target = %s; want draining", got)
		}
		must[*DeleteListenerOutput](t)(h2.DeleteListener(ctx, &DeleteListenerInput{ListenerARN: f.alt.ListenerARN}))

		// And all of that is kept in turn.
		mid := describeAll(t, h2)
		if err := h2.Close(); err != nil {
			t.Fatal(err)
		}
		h3 := newHarness(t, withStore(NewFileStore(path)))
		last := describeAll(t, h3)
		diffJSON(t, "DescribeRules (second reopen)", last.Rules, mid.Rules)
		diffJSON(t, "DescribeTargetGroups (second reopen)", last.TargetGroups, mid.TargetGroups)
		diffJSON(t, "DescribeListeners (second reopen)", last.Listeners, mid.Listeners)
		wantTargets := map[string][]TargetHealthDescription{}
		for arn, rows := range mid.Targets {
			for _, row := range rows {
				if row.Target != i1 {
					wantTargets[arn] = append(wantTargets[arn], row)
				}
			}
		}
		diffJSON(t, "targets (second reopen)", last.Targets, wantTargets)
	})
}

// TestOpenEmptyStore opens a state directory with no file yet: the state
// is empty, and the file appears with the first change.
func TestOpenEmptyStore(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "elb.json")
	h := newHarness(t, withStore(NewFileStore(path)))
	if d := describeAll(t, h); len(d.LoadBalancers) != 0 || len(d.TargetGroups) != 0 {
		t.Fatalf("fresh state = %+v; want empty", d)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state file before any change: stat = %v; want not exist", err)
	}
	h.lb(t, "demo")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("state file after CreateLoadBalancer: %v", err)
	}
	var doc stateDoc
	if err := json.Unmarshal(data, &doc); err != nil || doc.Version != stateVersion || len(doc.LoadBalancers) != 1 {
		t.Fatalf("state file = %s (err %v); want version %d with one load balancer", data, err, stateVersion)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("state directory holds %d entries; want only the state file (no temporary left)", len(entries))
	}
}

func TestNewRefusesStore(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("New with a Store did not panic")
		}
	}()
	New(Options{Store: NewFileStore(filepath.Join(t.TempDir(), "elb.json"))})
}

// TestOpenRefusesBadState: a damaged, foreign-version or inconsistent file
// fails Open with an error that names the file and says what is wrong.
func TestOpenRefusesBadState(t *testing.T) {
	t.Parallel()
	// A valid document to damage.
	src := filepath.Join(t.TempDir(), "elb.json")
	h := newHarness(t, withStore(NewFileStore(src)))
	lb := h.lb(t, "demo")
	tg := h.tg(t, "api")
	h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(fn func(doc map[string]any)) []byte {
		var doc map[string]any
		if err := json.Unmarshal(good, &doc); err != nil {
			t.Fatal(err)
		}
		fn(doc)
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"Corrupt", good[:len(good)/2], "decode"},
		{"NotJSON", []byte("\x00\x01bolt"), "decode"},
		{"Empty", []byte{}, "decode"},
		{"NoVersion", []byte(`{"loadBalancers":[]}`), "no version"},
		{"FutureVersion", edit(func(d map[string]any) { d["version"] = 2 }), "state version 2 is not supported"},
		{"DanglingListener", edit(func(d map[string]any) { d["loadBalancers"] = []any{} }), "not in the state"},
		{"DanglingTargetGroup", edit(func(d map[string]any) { d["targetGroups"] = []any{} }), "action forwards to target group"},
		{"BadAttribute", edit(func(d map[string]any) {
			d["targetGroups"].([]any)[0].(map[string]any)["attributes"] = []any{map[string]any{"Key": "no.such.key", "Value": "1"}}
		}), "attributes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "elb.json")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Open(Options{Store: NewFileStore(path), Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
			if err == nil {
				c.Close()
				t.Fatal("Open succeeded; want an error")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open error = %q; want it to name %s and say %q", err, path, tc.want)
			}
			// The file is left for the user to inspect.
			if got, _ := os.ReadFile(path); !bytes.Equal(got, tc.data) {
				t.Error("Open changed the refused file")
			}
		})
	}
	t.Run("LoadFails", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir() // a directory where the file should be
		_, err := Open(Options{Store: NewFileStore(dir)})
		if err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("Open on an unreadable file = %v; want an error naming %s", err, dir)
		}
	})
}

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSaveFailure: when the file cannot be written (its directory is
// gone), the operation still succeeds and the failure is logged at error
// level; Close retries, and fails naming the file if it still cannot.
func TestSaveFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		dirBack    bool // the directory comes back before Close
		wantCloseE bool
	}{
		{"RecoversAtClose", true, false},
		{"CloseReportsLoss", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "state")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "elb.json")
			logs := &logBuffer{}
			h := newHarness(t, withStore(NewFileStore(path)), func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
			lb := h.lb(t, "demo")
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			tg := h.tg(t, "api") // must succeed
			if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "save elb state") || !strings.Contains(logs.String(), path) {
				t.Errorf("log = %q; want an error-level save failure naming %s", logs.String(), path)
			}
			got := must[*DescribeTargetGroupsOutput](t)(h.DescribeTargetGroups(ctx, &DescribeTargetGroupsInput{})).TargetGroups
			if len(got) != 1 || got[0].TargetGroupARN != tg.TargetGroupARN {
				t.Errorf("DescribeTargetGroups = %+v; want the group whose save failed", got)
			}
			if tc.dirBack {
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			err := h.Close()
			if tc.wantCloseE {
				if err == nil || !strings.Contains(err.Error(), path) {
					t.Fatalf("Close = %v; want the save error naming %s", err, path)
				}
				return
			}
			if err != nil {
				t.Fatalf("Close = %v; want the retried save to succeed", err)
			}
			h2 := newHarness(t, withStore(NewFileStore(path)))
			d := describeAll(t, h2)
			if len(d.LoadBalancers) != 1 || d.LoadBalancers[0].LoadBalancerARN != lb.LoadBalancerARN ||
				len(d.TargetGroups) != 1 || d.TargetGroups[0].TargetGroupARN != tg.TargetGroupARN {
				t.Errorf("reopened state = %d load balancers, %d target groups; want demo and api", len(d.LoadBalancers), len(d.TargetGroups))
			}
		})
	}
}

// countingStore is a Store in memory that records every Save.
type countingStore struct {
	mu    sync.Mutex
	data  []byte
	saves int
}

func (s *countingStore) Load() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data, nil
}

func (s *countingStore) Save(data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data, s.saves = slices.Clone(data), s.saves+1
	return nil
}

// TestConcurrentChangesSaveTheLatestState: with writers racing, the
// document left in the store is the final state, never an older one.
func TestConcurrentChangesSaveTheLatestState(t *testing.T) {
	t.Parallel()
	store := &countingStore{}
	h := newHarness(t, withStore(store))
	lb := h.lb(t, "demo")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				tg, err := h.CreateTargetGroup(ctx, &CreateTargetGroupInput{Name: fmt.Sprintf("tg-%d-%d", w, i), Protocol: elb.ProtocolHTTP, Port: 80})
				if err != nil {
					t.Error(err)
					return
				}
				arn := tg.TargetGroups[0].TargetGroupARN
				if _, err := h.AddTags(ctx, &AddTagsInput{ResourceARNs: []string{arn, lb.LoadBalancerARN}, Tags: []Tag{{Key: fmt.Sprintf("w%d", w), Value: fmt.Sprint(i)}}}); err != nil {
					t.Error(err)
				}
				if _, err := h.RegisterTargets(ctx, &RegisterTargetsInput{TargetGroupARN: arn, Targets: []elb.TargetDescription{{ID: fmt.Sprintf("i-%d", w+1), Port: 1000 + i}}}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	before := describeAll(t, h)
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if store.saves < 2 {
		t.Fatalf("saves = %d; want one per change", store.saves)
	}
	h2 := newHarness(t, withStore(store))
	after := describeAll(t, h2)
	diffJSON(t, "DescribeTargetGroups", after.TargetGroups, before.TargetGroups)
	diffJSON(t, "DescribeTags", after.Tags, before.Tags)
	diffJSON(t, "targets", after.Targets, before.Targets)
}

// TestRestoredListenerServes runs the real data plane: a listener created
// before the restart is bound again by Open, answers from its rules at
// once, and forwards to its restored target once the target passes a
// check again.
func TestRestoredListenerServes(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	path := filepath.Join(t.TempDir(), "elb.json")
	withProxy := func(p *proxy.Proxy) func(*Options) {
		return func(o *Options) { o.Publisher = p }
	}
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(p *proxy.Proxy, arn, urlPath string) (int, string, error) {
		addr := p.Addr(arn)
		if addr == nil {
			return 0, "", fmt.Errorf("listener %s not bound", arn)
		}
		resp, err := client.Get("http://" + addr.String() + urlPath)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), err
	}
	// waitServe polls until urlPath answers 200 with body.
	waitServe := func(h *harness, p *proxy.Proxy, arn, urlPath, body string) {
		t.Helper()
		var last string
		waitFor(t, urlPath+" served "+body, func() bool {
			h.clock.Advance(6 * time.Second)
			code, got, err := get(p, arn, urlPath)
			last = fmt.Sprintf("%d %q %v", code, got, err)
			return err == nil && code == http.StatusOK && got == body
		})
		t.Logf("%s: %s", urlPath, last)
	}

	p1 := proxy.New(proxy.Options{Publish: map[int]int{80: 0}})
	t.Cleanup(func() { p1.Close() })
	h1 := newHarness(t, withStore(NewFileStore(path)), withProxy(p1))
	lb := h1.lb(t, "demo")
	tg := must[*CreateTargetGroupOutput](t)(h1.CreateTargetGroup(ctx, &CreateTargetGroupInput{
		Name: "api", Protocol: elb.ProtocolHTTP, Port: b.port, TargetType: elb.TargetTypeIP, HealthCheckIntervalSeconds: 6,
	})).TargetGroups[0]
	l := h1.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
	must[*CreateRuleOutput](t)(h1.CreateRule(ctx, &CreateRuleInput{
		ListenerARN: l.ListenerARN, Priority: 1, Conditions: pathRule("/fixed"),
		Actions: []elb.Action{{Type: elb.ActionTypeFixedResponse, FixedResponseConfig: &elb.FixedResponseActionConfig{StatusCode: "200", ContentType: "text/plain", MessageBody: "fixed"}}},
	}))
	h1.register(t, tg.TargetGroupARN, elb.TargetDescription{ID: "127.0.0.1"})
	waitServe(h1, p1, l.ListenerARN, "/", "ok\n")
	if err := h1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p1.Close(); err != nil {
		t.Fatal(err)
	}
	served := b.count()

	p2 := proxy.New(proxy.Options{Publish: map[int]int{80: 0}})
	t.Cleanup(func() { p2.Close() })
	h2 := newHarness(t, withStore(NewFileStore(path)), withProxy(p2))
	// Open published synchronously: the listener is bound on return.
	code, body, err := get(p2, l.ListenerARN, "/fixed")
	if err != nil || code != http.StatusOK || body != "fixed" {
		t.Fatalf("GET /fixed right after Open = %d %q %v; want 200 \"fixed\"", code, body, err)
	}
	waitServe(h2, p2, l.ListenerARN, "/", "ok\n")
	if b.count() <= served {
		t.Errorf("backend requests = %d after the restart, %d before; want the restored target to be served", b.count(), served)
	}
}

// TestSaveNeverOverwritesNewer: a document captured before another change
// but saved after it (a writer that lost the race to saveMu) is dropped.
func TestSaveNeverOverwritesNewer(t *testing.T) {
	t.Parallel()
	store := &countingStore{}
	h := newHarness(t, withStore(store))
	h.lb(t, "a")
	h.mu.Lock()
	older := h.captureLocked()
	h.mu.Unlock()
	h.lb(t, "b")
	h.save(older)
	var doc stateDoc
	if err := json.Unmarshal(store.data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.LoadBalancers) != 2 {
		t.Errorf("stored document has %d load balancers; want 2 (the older document must not win)", len(doc.LoadBalancers))
	}
}

// TestEveryChangeSaves: each successful mutating operation saves once;
// reads and refused changes do not save.
func TestEveryChangeSaves(t *testing.T) {
	t.Parallel()
	store := &countingStore{}
	h := newHarness(t, withStore(store))
	var lb *elb.LoadBalancer
	var tg *elb.TargetGroup
	var l *elb.Listener
	var r *elb.Rule
	target := elb.TargetDescription{ID: "i-1", Port: 8080}
	for _, op := range []struct {
		name  string
		saves int
		do    func() error
	}{
		{"CreateLoadBalancer", 1, func() (err error) { lb = h.lb(t, "demo"); return nil }},
		{"ModifyLoadBalancerAttributes", 1, func() error {
			_, err := h.ModifyLoadBalancerAttributes(ctx, &ModifyLoadBalancerAttributesInput{LoadBalancerARN: lb.LoadBalancerARN, Attributes: []elb.Attribute{{Key: elb.AttrIdleTimeout, Value: "9"}}})
			return err
		}},
		{"CreateTargetGroup", 1, func() error { tg = h.tg(t, "api"); return nil }},
		{"ModifyTargetGroup", 1, func() error {
			_, err := h.ModifyTargetGroup(ctx, &ModifyTargetGroupInput{TargetGroupARN: tg.TargetGroupARN, HealthCheckPath: "/x"})
			return err
		}},
		{"ModifyTargetGroupAttributes", 1, func() error {
			_, err := h.ModifyTargetGroupAttributes(ctx, &ModifyTargetGroupAttributesInput{TargetGroupARN: tg.TargetGroupARN, Attributes: []elb.Attribute{{Key: elb.AttrDeregistrationDelay, Value: "5"}}})
			return err
		}},
		{"CreateListener", 1, func() error { l = h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN); return nil }},
		{"ModifyListener", 1, func() error {
			_, err := h.ModifyListener(ctx, &ModifyListenerInput{ListenerARN: l.ListenerARN, Port: 81})
			return err
		}},
		{"CreateRule", 1, func() error {
			out, err := h.CreateRule(ctx, &CreateRuleInput{ListenerARN: l.ListenerARN, Priority: 1, Conditions: pathRule("/a"), Actions: forward(tg.TargetGroupARN)})
			if err == nil {
				r = out.Rules[0]
			}
			return err
		}},
		{"ModifyRule", 1, func() error {
			_, err := h.ModifyRule(ctx, &ModifyRuleInput{RuleARN: r.RuleARN, Conditions: pathRule("/b")})
			return err
		}},
		{"SetRulePriorities", 1, func() error {
			_, err := h.SetRulePriorities(ctx, &SetRulePrioritiesInput{RulePriorities: []RulePriorityPair{{RuleARN: r.RuleARN, Priority: 2}}})
			return err
		}},
		{"RegisterTargets", 1, func() error {
			_, err := h.RegisterTargets(ctx, &RegisterTargetsInput{TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{target}})
			return err
		}},
		{"DeregisterTargets", 1, func() error {
			_, err := h.DeregisterTargets(ctx, &DeregisterTargetsInput{TargetGroupARN: tg.TargetGroupARN, Targets: []elb.TargetDescription{target}})
			return err
		}},
		{"AddTags", 1, func() error {
			_, err := h.AddTags(ctx, &AddTagsInput{ResourceARNs: []string{lb.LoadBalancerARN}, Tags: []Tag{{Key: "k", Value: "v"}}})
			return err
		}},
		{"RemoveTags", 1, func() error {
			_, err := h.RemoveTags(ctx, &RemoveTagsInput{ResourceARNs: []string{lb.LoadBalancerARN}, TagKeys: []string{"k"}})
			return err
		}},
		{"Describe", 0, func() error { describeAll(t, h); return nil }},
		{"RefusedChange", 0, func() error {
			_, err := h.CreateRule(ctx, &CreateRuleInput{ListenerARN: l.ListenerARN, Priority: 2, Conditions: pathRule("/c"), Actions: forward(tg.TargetGroupARN)})
			if elb.ErrorCode(err) != elb.CodePriorityInUse {
				return fmt.Errorf("CreateRule = %v; want PriorityInUse", err)
			}
			return nil
		}},
		{"DeleteRule", 1, func() error {
			_, err := h.DeleteRule(ctx, &DeleteRuleInput{RuleARN: r.RuleARN})
			return err
		}},
		{"DeleteListener", 1, func() error {
			_, err := h.DeleteListener(ctx, &DeleteListenerInput{ListenerARN: l.ListenerARN})
			return err
		}},
		{"DeleteTargetGroup", 1, func() error {
			_, err := h.DeleteTargetGroup(ctx, &DeleteTargetGroupInput{TargetGroupARN: tg.TargetGroupARN})
			return err
		}},
		{"DeleteLoadBalancer", 1, func() error {
			_, err := h.DeleteLoadBalancer(ctx, &DeleteLoadBalancerInput{LoadBalancerARN: lb.LoadBalancerARN})
			return err
		}},
	} {
		store.mu.Lock()
		before := store.saves
		store.mu.Unlock()
		if err := op.do(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		store.mu.Lock()
		got := store.saves - before
		store.mu.Unlock()
		if got != op.saves {
			t.Errorf("%s saved %d times; want %d", op.name, got, op.saves)
		}
	}
	var doc stateDoc
	if err := json.Unmarshal(store.data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.LoadBalancers)+len(doc.TargetGroups)+len(doc.Listeners)+len(doc.Rules)+len(doc.Tags) != 0 {
		t.Errorf("stored document after deleting everything = %s; want it empty", store.data)
	}
}

// TestRolledBackListenerIsNotStored: a listener whose port the data plane
// cannot bind is undone, and the stored state is the undone one.
func TestRolledBackListenerIsNotStored(t *testing.T) {
	t.Parallel()
	store := &countingStore{}
	h := newHarness(t, withStore(store))
	lb := h.lb(t, "demo")
	tg := h.tg(t, "api")
	h.pub.setFail(8080, true)
	_, err := h.CreateListener(ctx, &CreateListenerInput{LoadBalancerARN: lb.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 8080, DefaultActions: forward(tg.TargetGroupARN)})
	wantCode(t, err, elb.CodeInvalidConfigurationRequest)
	var doc stateDoc
	if err := json.Unmarshal(store.data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Listeners) != 0 || len(doc.Rules) != 0 {
		t.Errorf("stored %d listeners and %d rules after the rollback; want none", len(doc.Listeners), len(doc.Rules))
	}
}
