// Command albproxy runs the ALB data plane the way the benchmark needs it:
// the real control plane and proxy, one load balancer with one HTTP
// listener whose default action forwards to one target group holding the
// given targets (type ip), health-checked with the reference settings. It
// serves until interrupted. With -rules N the listener also gets N path
// rules that do not match /api/users, and -extra-targets M registers M
// further (unreachable) targets in another group that a rule forwards to,
// to measure what rules and targets cost. -engine selects the data-plane
// engine (std: net/http; fast: fasthttp).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/control"
	"github.com/ecslocal/ecslocal/internal/elb/proxy"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3412", "address the listener is published on")
	targets := flag.String("targets", "", "comma-separated ip:port targets")
	rules := flag.Int("rules", 0, "extra path rules that do not match the benchmark path")
	extra := flag.Int("extra-targets", 0, "extra registered targets in a second group")
	engine := flag.String("engine", "", "data-plane engine: std or fast (default: the proxy's default)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*addr, *targets, *rules, *extra, *engine); err != nil {
		log.Print(err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(addr, targets string, nrules, nextra int, engine string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	hostPort, _ := strconv.Atoi(portStr)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts := proxy.Options{Logger: logger, Publish: map[int]int{80: hostPort}, DefaultAddr: netip.MustParseAddr(host)}
	switch engine {
	case "":
	case "std":
		opts.Engine = proxy.NewStdEngine(0)
	case "fast":
		opts.Engine = proxy.NewFastEngine(0)
	default:
		return fmt.Errorf("unknown -engine %q (std or fast)", engine)
	}
	p := proxy.New(opts)
	defer p.Close()
	c := control.New(control.Options{Publisher: p, Logger: logger, LBAddr: netip.MustParseAddr(host)})
	defer c.Close()

	lb, err := c.CreateLoadBalancer(ctx, &control.CreateLoadBalancerInput{Name: "bench"})
	if err != nil {
		return fmt.Errorf("create load balancer: %w", err)
	}
	newGroup := func(name string, addrs []string) (string, error) {
		tg, err := c.CreateTargetGroup(ctx, &control.CreateTargetGroupInput{
			Name: name, Protocol: elb.ProtocolHTTP, Port: 80, TargetType: elb.TargetTypeIP,
			HealthCheckPath: "/", HealthCheckIntervalSeconds: 6, HealthCheckTimeoutSeconds: 5,
			HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
		})
		if err != nil {
			return "", fmt.Errorf("create target group: %w", err)
		}
		arn := tg.TargetGroups[0].TargetGroupARN
		var descs []elb.TargetDescription
		for _, a := range addrs {
			ap, err := netip.ParseAddrPort(a)
			if err != nil {
				return "", fmt.Errorf("target %q: %w", a, err)
			}
			descs = append(descs, elb.TargetDescription{ID: ap.Addr().String(), Port: int(ap.Port())})
		}
		if len(descs) > 0 {
			if _, err := c.RegisterTargets(ctx, &control.RegisterTargetsInput{TargetGroupARN: arn, Targets: descs}); err != nil {
				return "", fmt.Errorf("register targets: %w", err)
			}
		}
		return arn, nil
	}
	apiTG, err := newGroup("api", strings.Split(targets, ","))
	if err != nil {
		return err
	}
	forward := func(arn string) []elb.Action {
		return []elb.Action{{Type: elb.ActionTypeForward, TargetGroupARN: arn}}
	}
	ln, err := c.CreateListener(ctx, &control.CreateListenerInput{
		LoadBalancerARN: lb.LoadBalancers[0].LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 80,
		DefaultActions: forward(apiTG),
	})
	if err != nil {
		return fmt.Errorf("create listener: %w", err)
	}
	if nrules > 0 || nextra > 0 {
		var extra []string
		for i := range nextra {
			extra = append(extra, fmt.Sprintf("127.0.%d.%d:9", 20+i/250, 1+i%250))
		}
		otherTG, err := newGroup("other", extra)
		if err != nil {
			return err
		}
		for i := range max(nrules, 1) {
			_, err := c.CreateRule(ctx, &control.CreateRuleInput{
				ListenerARN: ln.Listeners[0].ListenerARN, Priority: i + 1,
				Conditions: []elb.RuleCondition{{Field: elb.FieldPathPattern, Values: []string{fmt.Sprintf("/other/%d/*", i)}}},
				Actions:    forward(otherTG),
			})
			if err != nil {
				return fmt.Errorf("create rule %d: %w", i, err)
			}
		}
	}

	// Serve once both benchmark targets are healthy (one passing check).
	deadline := time.Now().Add(30 * time.Second)
	for {
		h, err := c.DescribeTargetHealth(ctx, &control.DescribeTargetHealthInput{TargetGroupARN: apiTG})
		if err != nil {
			return err
		}
		healthy := 0
		for _, d := range h.TargetHealthDescriptions {
			if d.TargetHealth.State == elb.TargetHealthStateHealthy {
				healthy++
			}
		}
		if healthy == len(h.TargetHealthDescriptions) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("targets not healthy after 30s: %+v", h.TargetHealthDescriptions)
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "albproxy: serving on http://%s/\n", addr)
	<-ctx.Done()
	return nil
}
