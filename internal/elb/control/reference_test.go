package control

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// backend is a task container: an httptest server that counts the health
// checks it answers.
type backend struct {
	srv  *httptest.Server
	port int

	mu     sync.Mutex
	checks int
	agents []string
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	b := &backend{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.checks++
		b.agents = append(b.agents, r.UserAgent())
		b.mu.Unlock()
		fmt.Fprintln(w, "ok")
	}))
	t.Cleanup(b.srv.Close)
	u, err := url.Parse(b.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b.port, _ = strconv.Atoi(u.Port())
	return b
}

func (b *backend) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.checks
}

// TestReferenceSetup runs the project's reference configuration: load
// balancer "demo" (idle timeout 30 s), listener HTTP:80 forwarding to
// target group "api" (HTTP 80, path "/", interval 6, timeout 5, healthy 2,
// unhealthy 2), and two ECS bridge-mode targets registered as (instance ID,
// dynamic port), resolved through the Resolver to real HTTP servers that
// the real HTTP prober checks.
func TestReferenceSetup(t *testing.T) {
	t.Parallel()
	b1, b2 := newBackend(t), newBackend(t)
	loopback := netip.MustParseAddr("127.0.0.1")
	h := newHarness(t, func(o *Options) {
		o.Prober = nil // the real health.HTTPProber
		o.Resolver = ResolverFunc(func(id string) (netip.Addr, error) {
			if id == "i-0aaa" || id == "i-0bbb" {
				return loopback, nil
			}
			return netip.Addr{}, fmt.Errorf("no container instance %s", id)
		})
	})

	lb := h.lb(t, "demo")
	must[*ModifyLoadBalancerAttributesOutput](t)(h.ModifyLoadBalancerAttributes(ctx, &ModifyLoadBalancerAttributesInput{
		LoadBalancerARN: lb.LoadBalancerARN, Attributes: []elb.Attribute{{Key: elb.AttrIdleTimeout, Value: "30"}}}))
	tg := must[*CreateTargetGroupOutput](t)(h.CreateTargetGroup(ctx, &CreateTargetGroupInput{
		Name: "api", Protocol: elb.ProtocolHTTP, Port: 80, HealthCheckPath: "/",
		HealthCheckIntervalSeconds: 6, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
	})).TargetGroups[0]
	l := h.listener(t, lb.LoadBalancerARN, 80, tg.TargetGroupARN)
	targets := []elb.TargetDescription{{ID: "i-0aaa", Port: b1.port}, {ID: "i-0bbb", Port: b2.port}}
	h.register(t, tg.TargetGroupARN, targets...)

	// "After your target is registered, it must pass one health check to
	// be considered healthy" (§1.2): the first round, at registration.
	for _, target := range targets {
		h.waitState(t, tg.TargetGroupARN, target, elb.TargetHealthStateHealthy)
	}
	if b1.count() != 1 || b2.count() != 1 {
		t.Errorf("checks = %d, %d; want 1 each before the clock moves", b1.count(), b2.count())
	}
	// Each interval of the injected clock is one more check per target.
	h.clock.Advance(6 * time.Second)
	waitFor(t, "second round", func() bool { return b1.count() == 2 && b2.count() == 2 })
	b1.mu.Lock()
	if ua := b1.agents[0]; ua != "ELB-HealthChecker/2.0" {
		t.Errorf("User-Agent = %q; want ELB-HealthChecker/2.0", ua)
	}
	b1.mu.Unlock()

	rows := h.health(t, tg.TargetGroupARN)
	if len(rows) != 2 || rows[0].HealthCheckPort != strconv.Itoa(targets[0].Port) || rows[0].TargetHealth != elb.Healthy {
		t.Errorf("DescribeTargetHealth = %+v", rows)
	}

	s := h.waitSnapshot(t, "both targets healthy", func(s *elb.Snapshot) bool {
		ts := s.TargetGroups[tg.TargetGroupARN].Targets
		return len(ts) == 2 && ts[0].Routable() && ts[1].Routable()
	})
	if len(s.Listeners) != 1 {
		t.Fatalf("snapshot has %d listeners; want 1", len(s.Listeners))
	}
	ls := s.Listeners[0]
	if ls.Listener.ListenerARN != l.ListenerARN || ls.Listener.Port != 80 || ls.Addr != loopback ||
		ls.LoadBalancer.Attributes.IdleTimeoutSeconds != 30 {
		t.Errorf("listener snapshot = %+v / %+v", ls.Listener, ls.LoadBalancer.Attributes)
	}
	rule := ls.Rules.Match(&elb.RequestInfo{Method: "GET", Path: "/anything", Host: "demo"})
	if rule == nil || !rule.IsDefault || rule.Actions[0].TargetGroupARN != tg.TargetGroupARN {
		t.Errorf("matched rule = %+v; want the default rule forwarding to api", rule)
	}
	for i, ts := range s.TargetGroups[tg.TargetGroupARN].Targets {
		want := netip.AddrPortFrom(loopback, uint16(targets[i].Port))
		if ts.Addr != want || ts.Key != targets[i].Key() {
			t.Errorf("target %d = %s (%v); want %s", i, ts.Addr, ts.Key, want)
		}
		// The proxy can reach the target at the published address.
		resp, err := http.Get("http://" + ts.Addr.String() + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
}
