package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// TestELBv2ThroughTheCLI is what a deployment script does against ecslocal:
// the AWS CLI creates a load balancer, a target group with the reference
// health check, a listener and a rule; the load balancer serves at once on
// the published port, forwards /api/* to the healthy target, and answers
// anything else with the listener's fixed response.
func TestELBv2ThroughTheCLI(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend %s xff=%s", r.URL.Path, r.Header.Get("X-Forwarded-For"))
	}))
	defer backend.Close()
	_, backendPort, _ := net.SplitHostPort(backend.Listener.Addr().String())

	lbPort := freePort(t)
	in := startUp(t, "--publish", "80:"+strconv.Itoa(lbPort), "--time-scale", "0.05")

	cli := func(v any, args ...string) {
		t.Helper()
		out, err := awsCLI(t, in.endpoint, nil, args...)
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		if v != nil {
			if err := json.Unmarshal(out, v); err != nil {
				t.Fatalf("aws %v: %v\n%s", args, err, out)
			}
		}
	}
	var lbs struct {
		LoadBalancers []struct{ LoadBalancerArn, DNSName string }
	}
	cli(&lbs, "elbv2", "create-load-balancer", "--name", "demo", "--subnets", "subnet-1", "subnet-2")
	var tgs struct {
		TargetGroups []struct{ TargetGroupArn string }
	}
	cli(&tgs, "elbv2", "create-target-group", "--name", "api", "--protocol", "HTTP", "--port", "80", "--vpc-id", "vpc-1",
		"--target-type", "ip", "--health-check-path", "/", "--health-check-interval-seconds", "6", "--health-check-timeout-seconds", "5",
		"--healthy-threshold-count", "2", "--unhealthy-threshold-count", "2")
	tg := tgs.TargetGroups[0].TargetGroupArn
	var listeners struct {
		Listeners []struct{ ListenerArn string }
	}
	cli(&listeners, "elbv2", "create-listener", "--load-balancer-arn", lbs.LoadBalancers[0].LoadBalancerArn, "--protocol", "HTTP", "--port", "80",
		"--default-actions", `Type=fixed-response,FixedResponseConfig={StatusCode=404,ContentType=text/plain,MessageBody=nothing here}`)
	cli(nil, "elbv2", "create-rule", "--listener-arn", listeners.Listeners[0].ListenerArn, "--priority", "10",
		"--conditions", "Field=path-pattern,Values=/api/*", "--actions", "Type=forward,TargetGroupArn="+tg)
	cli(nil, "elbv2", "register-targets", "--target-group-arn", tg, "--targets", "Id=127.0.0.1,Port="+backendPort)

	base := fmt.Sprintf("http://127.0.0.1:%d", lbPort)
	get := func(path string) (int, string) {
		res, err := http.Get(base + path)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	// At --time-scale 0.05 the first health check passes within a second.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var health struct {
			TargetHealthDescriptions []struct{ TargetHealth struct{ State string } }
		}
		cli(&health, "elbv2", "describe-target-health", "--target-group-arn", tg)
		if len(health.TargetHealthDescriptions) == 1 && health.TargetHealthDescriptions[0].TargetHealth.State == "healthy" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("target not healthy after 30s: %+v", health)
		}
	}
	if code, body := get("/api/users"); code != 200 || body != "backend /api/users xff=127.0.0.1" {
		t.Errorf("GET /api/users through the ALB: %d %q; want 200 from the backend with X-Forwarded-For", code, body)
	}
	if code, body := get("/other"); code != 404 || body != "nothing here" {
		t.Errorf("GET /other: %d %q; want the listener's fixed 404", code, body)
	}
	if code := in.stop(t); code != 0 {
		t.Errorf("exit status after SIGTERM: %d; want 0", code)
	}
}
