package proxy

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// The tests in this file run the routing behaviour (rules, selection,
// stickiness, slow start, fail-open, weights) through real HTTP against
// every engine.

func TestRoundRobinSpread(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		var targets []elb.TargetSnapshot
		for _, id := range []string{"a", "b", "c"} {
			_, tg := backend(t, id, nil)
			targets = append(targets, tg)
		}
		lb := testLB(nil)
		h := newHarness(t, newEngine(), Options{}, snapshot(
			[]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA))},
			group(tgA, nil, targets...)))
		seen := map[string]int{}
		for range 30 {
			res, body := h.get(80, "/")
			if res.StatusCode != 200 || body != "ok" {
				t.Fatalf("got %d %q; want 200 ok", res.StatusCode, body)
			}
			seen[res.Header.Get("X-Backend")]++
		}
		for _, id := range []string{"a", "b", "c"} {
			if seen[id] != 10 {
				t.Fatalf("spread: got %v; want 10 each", seen)
			}
		}
	})
}

func TestLeastOutstandingRequests(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		arrived, release := make(chan struct{}, 1), make(chan struct{})
		_, slow := backend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/hold" {
				arrived <- struct{}{}
				<-release
			}
			_, _ = w.Write([]byte("ok"))
		})
		_, fast := backend(t, "fast", nil)
		lb := testLB(nil)
		lor := func(a *elb.TargetGroupAttributes) { a.Algorithm = elb.AlgorithmLeastOutstandingRequests }
		h := newHarness(t, newEngine(), Options{}, snapshot(
			[]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA))},
			group(tgA, lor, slow, fast)))
		done := make(chan string)
		go func() {
			res, _ := h.get(80, "/hold")
			done <- res.Header.Get("X-Backend")
		}()
		<-arrived // the first pick (cursor 0, all idle) is "slow"
		for i := range 6 {
			res, _ := h.get(80, "/")
			if got := res.Header.Get("X-Backend"); got != "fast" {
				t.Fatalf("request %d with slow busy: got %q; want fast", i, got)
			}
		}
		close(release)
		if got := <-done; got != "slow" {
			t.Fatalf("held request: got %q; want slow", got)
		}
	})
}

func TestStickiness(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, a := backend(t, "a", nil)
		_, b := backend(t, "b", nil)
		lb := testLB(nil)
		sticky := func(at *elb.TargetGroupAttributes) {
			at.StickinessEnabled, at.LBCookieDurationSeconds = true, 3600
		}
		ls := []*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA))}
		h := newHarness(t, newEngine(), Options{}, snapshot(ls, group(tgA, sticky, a, b)))

		res, _ := h.get(80, "/")
		first := res.Header.Get("X-Backend")
		cookie := stickyCookie(t, res, cookieLB, h.clock.Now())
		stickyCookie(t, res, cookieLBCORS, h.clock.Now())
		for i := range 5 {
			res, _ := h.get(80, "/", "Cookie", cookieLB+"="+cookie)
			if got := res.Header.Get("X-Backend"); got != first {
				t.Fatalf("request %d with cookie: got %q; want %q", i, got, first)
			}
		}

		t.Run("Undecodable", func(t *testing.T) {
			res, _ := h.get(80, "/", "Cookie", cookieLB+"=not-ours")
			if v := stickyCookie(t, res, cookieLB, h.clock.Now()); v == "not-ours" {
				t.Fatal("got the bad cookie back; want a rewritten one")
			}
		})

		t.Run("TargetGone", func(t *testing.T) {
			// The pinned target starts draining: a new target, a new cookie.
			pinned, other := a, b
			if first == "b" {
				pinned, other = b, a
			}
			if err := h.p.Publish(snapshot(ls, group(tgA, sticky, withHealth(pinned, elb.TargetHealthStateDraining), other))); err != nil {
				t.Fatal(err)
			}
			res, _ := h.get(80, "/", "Cookie", cookieLB+"="+cookie)
			if got := res.Header.Get("X-Backend"); got == first {
				t.Fatalf("got %q; want the other target", got)
			}
			next := stickyCookie(t, res, cookieLB, h.clock.Now())
			if next == cookie {
				t.Fatal("cookie not rewritten")
			}
			for range 3 {
				res, _ := h.get(80, "/", "Cookie", cookieLB+"="+next)
				if got := res.Header.Get("X-Backend"); got == first {
					t.Fatalf("with rewritten cookie: got %q; want the new target", got)
				}
			}
		})
	})
}

// stickyCookie returns the value of the Set-Cookie named name and checks
// its Expires (7 days, §4.5).
func stickyCookie(tb testing.TB, res *http.Response, name string, now time.Time) string {
	tb.Helper()
	for _, c := range res.Cookies() {
		if c.Name != name {
			continue
		}
		if want := now.Add(7 * 24 * time.Hour).UTC().Truncate(time.Second); !c.Expires.Equal(want) {
			tb.Fatalf("%s Expires: got %v; want %v", name, c.Expires, want)
		}
		if c.MaxAge != 0 {
			tb.Fatalf("%s: got Max-Age %d; want Expires only", name, c.MaxAge)
		}
		if strings.HasSuffix(name, "CORS") && (c.SameSite != http.SameSiteNoneMode || !c.Secure) {
			tb.Fatalf("%s: want SameSite=None; Secure, got %q", name, c.Raw)
		}
		return c.Value
	}
	tb.Fatalf("no %s cookie in %q", name, res.Header["Set-Cookie"])
	return ""
}

func TestSlowStartRamp(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, old := backend(t, "old", nil)
		_, young := backend(t, "young", nil)
		lb := testLB(nil)
		clock := newTestClock()
		old.HealthySince = clock.Now().Add(-time.Hour)
		young.HealthySince = clock.Now()
		slow := func(a *elb.TargetGroupAttributes) { a.SlowStartSeconds = 60 }
		h := newHarness(t, newEngine(), Options{Now: clock.Now}, snapshot(
			[]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA))},
			group(tgA, slow, old, young)))
		count := func(n int) int {
			got := 0
			for range n {
				res, _ := h.get(80, "/")
				if res.Header.Get("X-Backend") == "young" {
					got++
				}
			}
			return got
		}
		if got := count(20); got != 0 {
			t.Fatalf("at the start of slow start: young got %d of 20; want 0", got)
		}
		clock.Advance(30 * time.Second) // weight 500 of 1500
		if got := count(300); got < 70 || got > 130 {
			t.Fatalf("half way: young got %d of 300; want about 100", got)
		}
		clock.Advance(30 * time.Second) // out of slow start: round robin
		if got := count(20); got != 10 {
			t.Fatalf("after slow start: young got %d of 20; want 10", got)
		}
	})
}

func TestFailOpen(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, a := backend(t, "a", nil)
		_, b := backend(t, "b", nil)
		_, c := backend(t, "c", nil)
		lb := testLB(nil)
		ls := []*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA))}
		unhealthy, initial := elb.TargetHealthStateUnhealthy, elb.TargetHealthStateInitial
		h := newHarness(t, newEngine(), Options{}, snapshot(ls,
			group(tgA, nil, withHealth(a, unhealthy), withHealth(b, unhealthy), withHealth(c, initial))))
		seen := map[string]int{}
		for range 10 {
			res, _ := h.get(80, "/")
			seen[res.Header.Get("X-Backend")]++
		}
		if seen["a"] != 5 || seen["b"] != 5 {
			t.Fatalf("fail open: got %v; want a and b 5 each, never the initial c", seen)
		}

		// One healthy target: no fail-open, unhealthy ones get nothing.
		if err := h.p.Publish(snapshot(ls, group(tgA, nil, withHealth(a, unhealthy), b))); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			if res, _ := h.get(80, "/"); res.Header.Get("X-Backend") != "b" {
				t.Fatalf("got %q; want only the healthy b", res.Header.Get("X-Backend"))
			}
		}

		// Only initial and draining targets: 503.
		if err := h.p.Publish(snapshot(ls, group(tgA, nil, withHealth(a, initial), withHealth(b, elb.TargetHealthStateDraining)))); err != nil {
			t.Fatal(err)
		}
		if res, _ := h.get(80, "/"); res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("nothing routable: got %d; want 503", res.StatusCode)
		}
	})
}

func TestWeightedTargetGroups(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, a := backend(t, "a", nil)
		_, b := backend(t, "b", nil)
		lb := testLB(nil)
		w := func(n int) *int { return &n }
		weighted := func(sticky bool) elb.Action {
			a := elb.Action{Type: elb.ActionTypeForward, ForwardConfig: &elb.ForwardActionConfig{
				TargetGroups:                []elb.TargetGroupTuple{{TargetGroupARN: tgA, Weight: w(10)}, {TargetGroupARN: tgB, Weight: w(30)}},
				TargetGroupStickinessConfig: &elb.TargetGroupStickinessConfig{Enabled: sticky, DurationSeconds: 600},
			}}
			a.Canonicalize()
			return a
		}
		groups := []*elb.TargetGroupSnapshot{group(tgA, nil, a), group(tgB, nil, b)}
		h := newHarness(t, newEngine(), Options{}, snapshot(
			[]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, weighted(false))}, groups...))
		seen := map[string]int{}
		const n = 400
		for range n {
			res, _ := h.get(80, "/")
			seen[res.Header.Get("X-Backend")]++
		}
		if seen["a"] < 70 || seen["a"] > 130 || seen["a"]+seen["b"] != n {
			t.Fatalf("10:30 split over %d: got %v; want a about 100", n, seen)
		}

		// Target-group stickiness pins the group through AWSALBTG.
		if err := h.p.Publish(snapshot([]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, weighted(true))}, groups...)); err != nil {
			t.Fatal(err)
		}
		res, _ := h.get(80, "/")
		first := res.Header.Get("X-Backend")
		cookie := stickyCookie(t, res, cookieTG, h.clock.Now())
		stickyCookie(t, res, cookieTGCORS, h.clock.Now())
		for range 20 {
			res, _ := h.get(80, "/", "Cookie", cookieTG+"="+cookie)
			if got := res.Header.Get("X-Backend"); got != first {
				t.Fatalf("with AWSALBTG: got %q; want %q", got, first)
			}
		}
	})
}

func TestRules(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newEngine func() Engine) {
		_, a := backend(t, "a", nil)
		lb := testLB(nil)
		fixed := &elb.Rule{Priority: 10, Conditions: []elb.RuleCondition{{
			Field: elb.FieldHostHeader, HostHeaderConfig: &elb.HostHeaderConditionConfig{Values: []string{"api.example.com"}},
		}}, Actions: []elb.Action{{Type: elb.ActionTypeFixedResponse, FixedResponseConfig: &elb.FixedResponseActionConfig{
			StatusCode: "404", ContentType: "application/json", MessageBody: `{"error":"nope"}`,
		}}}}
		redirect := &elb.Rule{Priority: 20, Conditions: []elb.RuleCondition{{
			Field: elb.FieldPathPattern, PathPatternConfig: &elb.PathPatternConditionConfig{Values: []string{"/old/*"}},
		}}, Actions: []elb.Action{{Type: elb.ActionTypeRedirect, RedirectConfig: &elb.RedirectActionConfig{
			Protocol: "HTTPS", Port: "443", StatusCode: elb.RedirectStatusCode301,
		}}}}
		temp := &elb.Rule{Priority: 30, Conditions: []elb.RuleCondition{{
			Field: elb.FieldPathPattern, PathPatternConfig: &elb.PathPatternConditionConfig{Values: []string{"/tmp"}},
		}}, Actions: []elb.Action{{Type: elb.ActionTypeRedirect, RedirectConfig: &elb.RedirectActionConfig{
			Host: "other.example.com", Path: "/new", Query: "from=#{path}", StatusCode: elb.RedirectStatusCode302,
		}}}}
		for _, r := range []*elb.Rule{fixed, redirect, temp} {
			r.Canonicalize()
		}
		h := newHarness(t, newEngine(), Options{}, snapshot(
			[]*elb.ListenerSnapshot{listenerSnap(t, lb, 80, forwardTo(tgA), fixed, redirect, temp)},
			group(tgA, nil, a)))

		t.Run("FixedResponse", func(t *testing.T) {
			res, body := h.get(80, "/x", "Host", "API.example.com:8080")
			if res.StatusCode != 404 || body != `{"error":"nope"}` || res.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("got %d %q %q; want 404 json body", res.StatusCode, res.Header.Get("Content-Type"), body)
			}
			if res.Header.Get("X-Backend") != "" {
				t.Fatal("fixed response reached a target")
			}
		})
		t.Run("Redirect301", func(t *testing.T) {
			res, _ := h.get(80, "/old/page?x=1", "Host", "www.example.com")
			if got, want := res.Header.Get("Location"), "https://www.example.com:443/old/page?x=1"; res.StatusCode != 301 || got != want {
				t.Fatalf("got %d %q; want 301 %q", res.StatusCode, got, want)
			}
		})
		t.Run("Redirect302", func(t *testing.T) {
			res, _ := h.get(80, "/tmp", "Host", "www.example.com")
			if got, want := res.Header.Get("Location"), "http://other.example.com:80/new?from=tmp"; res.StatusCode != 302 || got != want {
				t.Fatalf("got %d %q; want 302 %q", res.StatusCode, got, want)
			}
		})
		t.Run("Default", func(t *testing.T) {
			res, body := h.get(80, "/other", "Host", "www.example.com")
			if res.StatusCode != 200 || body != "ok" || res.Header.Get("X-Backend") != "a" {
				t.Fatalf("got %d %q; want 200 from a", res.StatusCode, body)
			}
		})
	})
}
