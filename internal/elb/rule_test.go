package elb

import (
	"fmt"
	"strings"
	"testing"
)

func forwardTo(arn string) []Action {
	return []Action{{Type: ActionTypeForward, TargetGroupARN: arn}}
}

func rule(priority int, arn string, conds ...RuleCondition) *Rule {
	r := &Rule{RuleARN: fmt.Sprintf("rule-%d", priority), Priority: priority, Conditions: conds, Actions: forwardTo(arn)}
	r.Canonicalize()
	return r
}

func defaultRule(arn string) *Rule {
	r := &Rule{RuleARN: "rule-default", IsDefault: true, Actions: forwardTo(arn)}
	r.Canonicalize()
	return r
}

func TestRuleValidate(t *testing.T) {
	tests := []struct {
		name     string
		rule     *Rule
		wantCode string
		wantMsg  string
	}{
		{"OK", rule(10, "tg", hostCond("*.example.com"), pathCond("/api/*")), "", ""},
		{"OK/RepeatedHeaderAndQuery", rule(10, "tg", headerCond("A", "1"), headerCond("B", "2"), queryCond(kv("a", "1")), queryCond(kv("b", "2"))), "", ""},
		{"OK/Default", defaultRule("tg"), "", ""},
		{"ErrPriorityZero", rule(0, "tg", pathCond("/")), CodeValidationError, "greater than or equal to 1"},
		{"ErrPriorityTooHigh", rule(50001, "tg", pathCond("/")), CodeValidationError, "less than or equal to 50000"},
		{"ErrNoConditions", rule(1, "tg"), CodeValidationError, "at least one condition"},
		{"ErrTwoHostConditions", rule(1, "tg", hostCond("a.example.com"), hostCond("b.example.com")), CodeValidationError, "only have one 'host-header' condition"},
		{"ErrTwoMethodConditions", rule(1, "tg", methodCond("GET"), methodCond("POST")), CodeValidationError, "only have one 'http-request-method' condition"},
		{"ErrSixValues", rule(1, "tg", pathCond("/a", "/b", "/c"), hostCond("a.example.com", "b.example.com", "c.example.com")), CodeValidationError, "only have '5' condition values"},
		{"ErrSixWildcards", rule(1, "tg", pathCond("/*/*/*"), hostCond("*.*.*.example.com")), CodeValidationError, "only have '5' wildcards"},
		{"OK/FiveWildcards", rule(1, "tg", pathCond("/*/*/*"), hostCond("*.?.example.com")), "", ""},
		{"OK/EscapedWildcardsDoNotCount", rule(1, "tg", queryCond(kv(`\*\*\*`, `\?\?\?`)), pathCond("/*")), "", ""},
		{"ErrDefaultWithConditions", func() *Rule { r := defaultRule("tg"); r.Conditions = []RuleCondition{pathCond("/")}; return r }(), CodeOperationNotPermitted, "cannot have conditions"},
		{"ErrNoActions", &Rule{Priority: 1, Conditions: []RuleCondition{pathCond("/")}}, CodeValidationError, "At least one action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Validate()
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Validate: %v; want nil", err)
				}
				return
			}
			if got := ErrorCode(err); got != tt.wantCode {
				t.Errorf("code = %q; want %q (err %v)", got, tt.wantCode, err)
			}
			if msg := ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message = %q; want it to contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestRuleValidateGathersEveryProblem(t *testing.T) {
	r := rule(0, "", hostCond("nodot"), pathCond("/a#"))
	err := r.Validate()
	msg := ErrorMessage(err)
	for _, want := range []string{"priority", "at least one '.'", "invalid character '#'", "'TargetGroupArn' or 'ForwardConfig'"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestRuleMatchIsANDAcrossConditions(t *testing.T) {
	r := rule(1, "tg", hostCond("api.example.com"), pathCond("/v1/*"), methodCond("GET"))
	if err := r.Compile(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  *RequestInfo
		want bool
	}{
		{"AllMatch", req("GET", "api.example.com", "/v1/x", "", ""), true},
		{"HostDiffers", req("GET", "www.example.com", "/v1/x", "", ""), false},
		{"PathDiffers", req("GET", "api.example.com", "/v2/x", "", ""), false},
		{"MethodDiffers", req("POST", "api.example.com", "/v1/x", "", ""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Match(tt.req); got != tt.want {
				t.Errorf("Match = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestRuleMatchUncompiled(t *testing.T) {
	r := rule(1, "tg", pathCond("/a/*"))
	if !r.Match(req("GET", "h", "/a/b", "", "")) {
		t.Error("uncompiled rule does not match")
	}
	if r.Match(req("GET", "h", "/b", "", "")) {
		t.Error("uncompiled rule matches a wrong path")
	}
}

func TestRuleSetOrder(t *testing.T) {
	rs, err := NewRuleSet([]*Rule{
		defaultRule("tg-default"),
		rule(30, "tg-30", pathCond("/*")),
		rule(5, "tg-5", pathCond("/api/*")),
		rule(10, "tg-10", pathCond("/api/admin/*")),
	})
	if err != nil {
		t.Fatal(err)
	}
	var order []int
	for _, r := range rs.Rules() {
		order = append(order, r.Priority)
	}
	if fmt.Sprint(order) != "[5 10 30 0]" {
		t.Errorf("order = %v; want [5 10 30 0] (default last)", order)
	}
	tests := []struct {
		path string
		want string
	}{
		{"/api/admin/x", "tg-5"}, // lowest priority number wins even if a later rule is more specific
		{"/api/x", "tg-5"},
		{"/other", "tg-30"},
		{"", "tg-default"},
	}
	for _, tt := range tests {
		got := rs.Match(req("GET", "h", tt.path, "", ""))
		if got.Actions[0].TargetGroupARN != tt.want {
			t.Errorf("Match(%q) = %s; want %s", tt.path, got.Actions[0].TargetGroupARN, tt.want)
		}
	}
}

func TestNewRuleSetErrors(t *testing.T) {
	_, err := NewRuleSet([]*Rule{defaultRule("a"), rule(7, "a", pathCond("/a")), rule(7, "b", pathCond("/b"))})
	if ErrorCode(err) != CodePriorityInUse {
		t.Errorf("duplicate priority: code = %q; want PriorityInUse (err %v)", ErrorCode(err), err)
	}
	_, err = NewRuleSet([]*Rule{rule(1, "a", pathCond("/a"))})
	if !strings.Contains(ErrorMessage(err), "exactly one default rule") {
		t.Errorf("no default rule: err = %v", err)
	}
	_, err = NewRuleSet([]*Rule{defaultRule("a"), defaultRule("b")})
	if !strings.Contains(ErrorMessage(err), "found 2") {
		t.Errorf("two default rules: err = %v", err)
	}
}

func TestNewRuleSetCopiesRules(t *testing.T) {
	r := rule(1, "tg", pathCond("/a"))
	rs, err := NewRuleSet([]*Rule{r, defaultRule("d")})
	if err != nil {
		t.Fatal(err)
	}
	r.Conditions[0].PathPatternConfig.Values[0] = "/changed"
	if got := rs.Match(req("GET", "h", "/a", "", "")); got.Priority != 1 {
		t.Errorf("mutating the input rule changed the set: matched priority %d", got.Priority)
	}
}

// benchRules is a listener with 20 rules of mixed conditions, the kind of
// table an ECS cluster with a dozen services produces.
func benchRules() []*Rule {
	var rules []*Rule
	for i := 1; i <= 18; i++ {
		rules = append(rules, rule(i, fmt.Sprintf("tg-%d", i),
			hostCond(fmt.Sprintf("svc%d.example.com", i)),
			pathCond(fmt.Sprintf("/svc%d/*", i))))
	}
	rules = append(rules,
		rule(19, "tg-19", headerCond("X-Canary", "true", "yes"), queryCond(kv("v", "2*"))),
		rule(20, "tg-20", hostCond("*.example.com"), pathCond("/api/*/items/*"), methodCond("GET", "HEAD"), sourceIPCond("10.0.0.0/8")),
		defaultRule("tg-default"),
	)
	return rules
}

func benchRequest() *RequestInfo {
	return req("GET", "Shop.Example.com", "/api/v1/items/42", "page=2&sort=desc", "10.1.2.3",
		"User-Agent", "curl/8.0", "Accept", "*/*")
}

func TestRuleSetMatchDoesNotAllocate(t *testing.T) {
	rs, err := NewRuleSet(benchRules())
	if err != nil {
		t.Fatal(err)
	}
	rq := benchRequest()
	allocs := testing.AllocsPerRun(100, func() {
		if got := rs.Match(rq); got.Priority != 20 {
			t.Fatalf("matched %d; want 20", got.Priority)
		}
	})
	if allocs != 0 {
		t.Errorf("allocs = %v; want 0", allocs)
	}
}

// BenchmarkRuleSetMatch evaluates a 20-rule listener. "Last" matches the
// last non-default rule (every rule before it is tried and fails); "Default"
// falls through to the default rule; "First" matches rule 1.
func BenchmarkRuleSetMatch(b *testing.B) {
	rs, err := NewRuleSet(benchRules())
	if err != nil {
		b.Fatal(err)
	}
	cases := map[string]*RequestInfo{
		"First":   req("GET", "svc1.example.com", "/svc1/x", "", "10.1.2.3"),
		"Last":    benchRequest(),
		"Default": req("POST", "nothing.test", "/", "", "192.168.0.1"),
	}
	for _, name := range []string{"First", "Last", "Default"} {
		rq := cases[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rs.Match(rq) == nil {
					b.Fatal("no rule")
				}
			}
		})
	}
}

func TestRuleCopyIsNotCompiled(t *testing.T) {
	r := rule(1, "tg", pathCond("/a"))
	if err := r.Compile(); err != nil {
		t.Fatal(err)
	}
	c := r.Copy()
	c.Conditions[0].PathPatternConfig.Values[0] = "/b"
	if !c.Match(req("GET", "h", "/b", "", "")) || c.Match(req("GET", "h", "/a", "", "")) {
		t.Error("the copy matches with the original's compiled conditions")
	}
	if !r.Match(req("GET", "h", "/a", "", "")) {
		t.Error("the original changed")
	}
}
