package proxy

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// testEngines are the engines every behaviour test runs against. A faster
// engine joins the suite by adding a line here.
var testEngines = []struct {
	name string
	new  func() Engine
}{
	{"std", func() Engine { return NewStdEngine(0) }},
	{"fast", func() Engine { return NewFastEngine(0) }},
}

// forEachEngine runs fn once per engine as a subtest.
func forEachEngine(t *testing.T, fn func(t *testing.T, newEngine func() Engine)) {
	t.Helper()
	for _, e := range testEngines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			fn(t, e.new)
		})
	}
}

// testClock is an injected clock that tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// lockedRand is a seeded, goroutine-safe elb.Rand.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newRand(seed uint64) *lockedRand {
	return &lockedRand{r: rand.New(rand.NewPCG(seed, seed+1))}
}

func (l *lockedRand) IntN(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.IntN(n)
}

const (
	testLBARN = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/test/0123456789abcdef"
	tgA       = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/a/00000000000000aa"
	tgB       = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/b/00000000000000bb"
)

// testLB returns a canonical load balancer; mod adjusts its attributes.
func testLB(mod func(*elb.LoadBalancerAttributes)) *elb.LoadBalancer {
	lb := &elb.LoadBalancer{LoadBalancerARN: testLBARN, LoadBalancerName: "test"}
	lb.Canonicalize()
	if mod != nil {
		mod(&lb.Attributes)
	}
	return lb
}

// forwardTo returns a forward action to one group.
func forwardTo(arn string) elb.Action {
	a := elb.Action{Type: elb.ActionTypeForward, TargetGroupARN: arn}
	a.Canonicalize()
	return a
}

// listenerSnap returns a listener on port with default action def and the
// given non-default rules.
func listenerSnap(tb testing.TB, lb *elb.LoadBalancer, port int, def elb.Action, rules ...*elb.Rule) *elb.ListenerSnapshot {
	tb.Helper()
	l := &elb.Listener{
		ListenerARN:     lb.LoadBalancerARN + "/listener/" + strconv.Itoa(port),
		LoadBalancerARN: lb.LoadBalancerARN,
		Port:            port,
		Protocol:        elb.ProtocolHTTP,
		DefaultActions:  []elb.Action{def},
	}
	all := append([]*elb.Rule{l.DefaultRule(l.ListenerARN + "/default")}, rules...)
	rs, err := elb.NewRuleSet(all)
	if err != nil {
		tb.Fatalf("NewRuleSet: %v", err)
	}
	return &elb.ListenerSnapshot{Listener: l, LoadBalancer: lb, Addr: netip.MustParseAddr("127.0.0.1"), Rules: rs}
}

// group returns a target group snapshot; mod adjusts its attributes.
func group(arn string, mod func(*elb.TargetGroupAttributes), targets ...elb.TargetSnapshot) *elb.TargetGroupSnapshot {
	tg := &elb.TargetGroup{TargetGroupARN: arn, TargetGroupName: "tg", Protocol: elb.ProtocolHTTP, Port: 80}
	tg.Canonicalize()
	if mod != nil {
		mod(&tg.Attributes)
	}
	return &elb.TargetGroupSnapshot{TargetGroup: tg, Targets: targets}
}

// snapshot assembles listeners and groups.
func snapshot(listeners []*elb.ListenerSnapshot, groups ...*elb.TargetGroupSnapshot) *elb.Snapshot {
	s := &elb.Snapshot{Listeners: listeners, TargetGroups: map[string]*elb.TargetGroupSnapshot{}}
	for _, g := range groups {
		s.TargetGroups[g.TargetGroup.TargetGroupARN] = g
	}
	return s
}

// target returns a healthy target at addr ("127.0.0.1:port").
func target(id, addr string) elb.TargetSnapshot {
	ap := netip.MustParseAddrPort(addr)
	return elb.TargetSnapshot{Key: elb.TargetKey{ID: id, Port: int(ap.Port())}, Addr: ap, Health: elb.Healthy}
}

// withHealth returns t with another health state.
func withHealth(t elb.TargetSnapshot, s elb.TargetHealthState) elb.TargetSnapshot {
	t.Health = elb.TargetHealth{State: s}
	return t
}

// backend starts an httptest server that answers with its id in the
// X-Backend header, plus whatever handle does (nil: 200 "ok").
func backend(tb testing.TB, id string, handle http.HandlerFunc) (*httptest.Server, elb.TargetSnapshot) {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Backend", id)
		if handle != nil {
			handle(w, r)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	tb.Cleanup(srv.Close)
	return srv, target(id, srv.Listener.Addr().String())
}

// harness is a Proxy serving one snapshot, with a client for it.
type harness struct {
	t      testing.TB
	p      *Proxy
	clock  *testClock
	client *http.Client
}

// newHarness starts a proxy with engine eng and publishes s. Every listener
// port of s is published on a free port.
func newHarness(tb testing.TB, eng Engine, opts Options, s *elb.Snapshot) *harness {
	tb.Helper()
	clock := newTestClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Rand == nil {
		opts.Rand = newRand(1)
	}
	if opts.Publish == nil {
		opts.Publish = map[int]int{}
		for _, l := range s.Listeners {
			opts.Publish[l.Listener.Port] = 0
		}
	}
	opts.Engine = eng
	p := New(opts)
	if err := p.Publish(s); err != nil {
		tb.Fatalf("Publish: %v", err)
	}
	tr := &http.Transport{Proxy: nil, DisableCompression: true, MaxIdleConnsPerHost: 64}
	h := &harness{t: tb, p: p, clock: clock, client: &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	tb.Cleanup(func() {
		tr.CloseIdleConnections()
		_ = p.Close()
	})
	return h
}

// url returns the base URL of the listener on port.
func (h *harness) url(port int) string {
	h.t.Helper()
	a := h.p.Addr(testLBARN + "/listener/" + strconv.Itoa(port))
	if a == nil {
		h.t.Fatalf("listener %d not bound", port)
	}
	return "http://" + a.String()
}

// do sends a request and returns the response with its body read.
func (h *harness) do(req *http.Request) (*http.Response, string) {
	h.t.Helper()
	res, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	return res, string(b)
}

// get sends GET path to the listener on port.
func (h *harness) get(port int, path string, hdr ...string) (*http.Response, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.url(port)+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	return h.do(req)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(tb testing.TB, d time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %v", d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
