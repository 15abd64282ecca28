package proxy

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// benchRoutes compiles a listener with ten path rules in front of a
// default forward to a group of ten targets.
func benchRoutes(b *testing.B) (*Proxy, *routes, *listenerRoute) {
	lb := testLB(nil)
	var rules []*elb.Rule
	for i := 1; i <= 10; i++ {
		r := &elb.Rule{Priority: i, Conditions: []elb.RuleCondition{{
			Field: elb.FieldPathPattern, PathPatternConfig: &elb.PathPatternConditionConfig{Values: []string{fmt.Sprintf("/svc%d/*", i)}},
		}}, Actions: []elb.Action{forwardTo(tgA)}}
		r.Canonicalize()
		rules = append(rules, r)
	}
	var targets []elb.TargetSnapshot
	for i := range 10 {
		targets = append(targets, target(fmt.Sprintf("i-%d", i), fmt.Sprintf("10.0.0.1:%d", 8000+i)))
	}
	s := snapshot([]*elb.ListenerSnapshot{listenerSnap(b, lb, 80, forwardTo(tgA), rules...)}, group(tgA, nil, targets...))
	p := New(Options{Rand: newRand(1)})
	b.Cleanup(func() { _ = p.Close() })
	p.mu.Lock()
	rt := p.compile(s)
	p.mu.Unlock()
	for _, lr := range rt.listeners {
		return p, rt, lr
	}
	return nil, nil, nil
}

// BenchmarkRuleAndSelect measures the per-request routing work: request
// info, rule match (the tenth rule), group choice and target choice.
func BenchmarkRuleAndSelect(b *testing.B) {
	p, rt, lr := benchRoutes(b)
	r := httptest.NewRequest(http.MethodGet, "http://www.example.com/svc10/users?id=1", nil)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		ri := elb.NewRequestInfo(r, lr.proto, lr.port)
		rr := rt.rules[lr.ls.Rules.Match(&ri)]
		arn, _ := rr.weighted.Select(p.rand)
		g := rt.groups[arn]
		if g.selector.Select(g.pool, now) == nil {
			b.Fatal("no target")
		}
	}
}

// BenchmarkOutboundHeader measures the outbound header step.
func BenchmarkOutboundHeader(b *testing.B) {
	_, _, lr := benchRoutes(b)
	in := http.Header{
		"User-Agent":      {"bench"},
		"Accept":          {"*/*"},
		"Connection":      {"keep-alive"},
		"X-Forwarded-For": {"10.1.1.1"},
	}
	fi := forwardInfo{Protocol: lr.proto, ListenerPort: 80, Attrs: lr.attrs, Now: time.Now(), Rand: newRand(1)}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = outboundHeader(in, &fi)
	}
}

// BenchmarkProxy measures one keep-alive GET through the proxy per engine,
// end to end on loopback.
func BenchmarkProxy(b *testing.B) {
	for _, e := range testEngines {
		b.Run(e.name, func(b *testing.B) {
			_, tg := backend(b, "a", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
			h := newHarness(b, e.new(), Options{}, snapshot(
				[]*elb.ListenerSnapshot{listenerSnap(b, testLB(nil), 80, forwardTo(tgA))}, group(tgA, nil, tg)))
			url := h.url(80) + "/"
			b.ReportAllocs()
			for b.Loop() {
				res, err := h.client.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
}

// BenchmarkForwardGET measures one forwarded keep-alive GET per engine with
// a fasthttp client and a fasthttp backend, which allocate (almost)
// nothing themselves, so allocs/op is the proxy's own.
func BenchmarkForwardGET(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	backendSrv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok") }}
	go func() { _ = backendSrv.Serve(ln) }()
	b.Cleanup(func() { _ = backendSrv.Shutdown() })
	tg := target("a", ln.Addr().String())
	for _, e := range testEngines {
		b.Run(e.name, func(b *testing.B) {
			h := newHarness(b, e.new(), Options{}, snapshot(
				[]*elb.ListenerSnapshot{listenerSnap(b, testLB(nil), 80, forwardTo(tgA))}, group(tgA, nil, tg)))
			addr := strings.TrimPrefix(h.url(80), "http://")
			c := &fasthttp.HostClient{Addr: addr, MaxConns: 1}
			req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			req.SetRequestURI("http://" + addr + "/api/users")
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Do(req, res); err != nil || res.StatusCode() != 200 {
					b.Fatalf("got %d, %v", res.StatusCode(), err)
				}
			}
		})
	}
}
