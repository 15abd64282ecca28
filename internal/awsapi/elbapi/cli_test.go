package elbapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/control"
)

// cli runs the installed AWS CLI against one endpoint.
type cli struct {
	path, url string
}

// run runs `aws --endpoint-url URL elbv2 args… --output json` and returns
// stdout, stderr and the exit status.
func (c cli) run(tb testing.TB, args ...string) (stdout, stderr string, status int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.path, append([]string{"--endpoint-url", c.url, "--output", "json", "elbv2"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		status = ee.ExitCode()
	default:
		tb.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), status
}

// json runs the command, fails the test unless it succeeds, and decodes its
// JSON output into v.
func (c cli) json(tb testing.TB, v any, args ...string) {
	tb.Helper()
	out, errOut, status := c.run(tb, args...)
	if status != 0 {
		tb.Fatalf("aws elbv2 %s: exit status %d\n%s", args[0], status, errOut)
	}
	if v == nil {
		return
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		tb.Fatalf("aws elbv2 %s: %v in %q", args[0], err, out)
	}
}

// JSON shapes of the CLI's output, as much as the test checks.
type (
	cliLoadBalancers struct {
		LoadBalancers []struct {
			LoadBalancerArn, LoadBalancerName, DNSName, Scheme, Type string
			State                                                    struct{ Code string }
		}
	}
	cliTargetGroups struct {
		TargetGroups []struct {
			TargetGroupArn, TargetGroupName, Protocol, HealthCheckPath  string
			Port, HealthCheckIntervalSeconds, HealthCheckTimeoutSeconds int
			HealthyThresholdCount, UnhealthyThresholdCount              int
			HealthCheckEnabled                                          bool
		}
	}
	cliAction    struct{ Type, TargetGroupArn string }
	cliListeners struct {
		Listeners []struct {
			ListenerArn, LoadBalancerArn, Protocol string
			Port                                   int
			DefaultActions                         []cliAction
		}
	}
	cliRules struct {
		Rules []struct {
			RuleArn, Priority string
			IsDefault         bool
			Conditions        []struct {
				Field             string
				Values            []string
				PathPatternConfig struct{ Values []string }
			}
			Actions []cliAction
		}
	}
	cliTargetHealth struct {
		TargetHealthDescriptions []struct {
			Target struct {
				Id   string
				Port int
			}
			HealthCheckPort string
			TargetHealth    struct{ State, Reason, Description string }
		}
	}
	cliAttributes struct {
		Attributes []struct{ Key, Value string }
	}
)

// lbARNPrefix is the ARN of load balancer "demo" without its ID (IDs depend
// on the order in which parallel commands arrive).
const lbARNPrefix = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/demo/"

// TestAWSCLI runs, with the installed AWS CLI v1, the sequence a deployment
// script runs against the reference setup, and one error. Each CLI run
// costs a Python start-up (1-5 s on a busy machine), so commands that do
// not depend on each other run in parallel subtests; each chain keeps the
// script's order.
func TestAWSCLI(t *testing.T) {
	path, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI is required under CI=true: %v", err)
		}
		t.Skipf("no AWS CLI: %v", err)
	}
	t.Parallel()
	e := newEnv(t)
	aws := cli{path: path, url: e.url}

	var lbARN, tgARN string
	t.Run("Create", func(t *testing.T) {
		t.Run("LoadBalancer", func(t *testing.T) {
			t.Parallel()
			var lbs cliLoadBalancers
			aws.json(t, &lbs, "create-load-balancer", "--name", "demo", "--subnets", "subnet-1", "subnet-2")
			if len(lbs.LoadBalancers) != 1 || !strings.HasPrefix(lbs.LoadBalancers[0].LoadBalancerArn, lbARNPrefix) || lbs.LoadBalancers[0].State.Code != "active" ||
				lbs.LoadBalancers[0].Type != "application" || lbs.LoadBalancers[0].DNSName == "" {
				t.Fatalf("create-load-balancer: got %+v", lbs)
			}
			lbARN = lbs.LoadBalancers[0].LoadBalancerArn
		})
		t.Run("TargetGroup", func(t *testing.T) {
			t.Parallel()
			var tgs cliTargetGroups
			aws.json(t, &tgs, "create-target-group", "--name", "api", "--protocol", "HTTP", "--port", "80", "--vpc-id", "vpc-1",
				"--health-check-path", "/", "--health-check-interval-seconds", "6", "--health-check-timeout-seconds", "5",
				"--healthy-threshold-count", "2", "--unhealthy-threshold-count", "2")
			if len(tgs.TargetGroups) != 1 {
				t.Fatalf("create-target-group: got %+v", tgs)
			}
			tg := tgs.TargetGroups[0]
			if tg.TargetGroupName != "api" || tg.Protocol != "HTTP" || tg.Port != 80 || tg.HealthCheckPath != "/" || !tg.HealthCheckEnabled ||
				tg.HealthCheckIntervalSeconds != 6 || tg.HealthCheckTimeoutSeconds != 5 || tg.HealthyThresholdCount != 2 || tg.UnhealthyThresholdCount != 2 {
				t.Errorf("create-target-group: got %+v", tg)
			}
			tgARN = tg.TargetGroupArn
		})
		t.Run("ErrTargetGroupNotFound", func(t *testing.T) {
			t.Parallel()
			// The CLI v2 documents exit status 254 for an error the service
			// returned; the v1 CLI (clidriver.py main) exits 255 for every
			// exception, service errors included.
			_, stderr, status := aws.run(t, "describe-target-groups", "--names", "nope")
			if (status != 254 && status != 255) || !strings.Contains(stderr, "An error occurred (TargetGroupNotFound)") ||
				!strings.Contains(stderr, "One or more target groups not found") {
				t.Errorf("describe-target-groups --names nope: exit status %d, stderr %q; want 254 (v2) or 255 (v1) and TargetGroupNotFound", status, stderr)
			}
		})
	})
	if t.Failed() {
		t.FailNow()
	}

	var ls cliListeners
	aws.json(t, &ls, "create-listener", "--load-balancer-arn", lbARN, "--protocol", "HTTP", "--port", "80",
		"--default-actions", "Type=forward,TargetGroupArn="+tgARN)
	if len(ls.Listeners) != 1 || ls.Listeners[0].Port != 80 || len(ls.Listeners[0].DefaultActions) != 1 ||
		ls.Listeners[0].DefaultActions[0].TargetGroupArn != tgARN {
		t.Fatalf("create-listener: got %+v", ls)
	}
	listenerARN := ls.Listeners[0].ListenerArn

	t.Run("Deploy", func(t *testing.T) {
		t.Run("Listeners", func(t *testing.T) {
			t.Parallel()
			var ls cliListeners
			aws.json(t, &ls, "describe-listeners", "--load-balancer-arn", lbARN)
			if len(ls.Listeners) != 1 || ls.Listeners[0].ListenerArn != listenerARN || ls.Listeners[0].Protocol != "HTTP" ||
				ls.Listeners[0].LoadBalancerArn != lbARN {
				t.Errorf("describe-listeners: got %+v", ls)
			}
		})
		t.Run("Rules", func(t *testing.T) {
			t.Parallel()
			input, err := json.Marshal(map[string]any{
				"ListenerArn": listenerARN,
				"Priority":    10,
				"Conditions":  []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []string{"/api/*"}}}},
				"Actions":     []any{map[string]any{"Type": "forward", "TargetGroupArn": tgARN}},
			})
			if err != nil {
				t.Fatal(err)
			}
			var rules cliRules
			aws.json(t, &rules, "create-rule", "--cli-input-json", string(input))
			if len(rules.Rules) != 1 || rules.Rules[0].Priority != "10" || len(rules.Rules[0].Conditions) != 1 ||
				len(rules.Rules[0].Conditions[0].PathPatternConfig.Values) != 1 || rules.Rules[0].Conditions[0].PathPatternConfig.Values[0] != "/api/*" {
				t.Fatalf("create-rule: got %+v", rules)
			}
			ruleARN := rules.Rules[0].RuleArn

			rules = cliRules{}
			aws.json(t, &rules, "describe-rules", "--listener-arn", listenerARN)
			if len(rules.Rules) != 2 || rules.Rules[0].RuleArn != ruleARN || len(rules.Rules[0].Actions) != 1 || rules.Rules[0].Actions[0].TargetGroupArn != tgARN ||
				rules.Rules[1].Priority != "default" || !rules.Rules[1].IsDefault || len(rules.Rules[1].Actions) != 1 || rules.Rules[1].Actions[0].TargetGroupArn != tgARN {
				t.Errorf("describe-rules: got %+v", rules)
			}

			aws.json(t, nil, "delete-rule", "--rule-arn", ruleARN)
			left, err := e.control.DescribeRules(ctx, &control.DescribeRulesInput{ListenerARN: listenerARN})
			if err != nil || len(left.Rules) != 1 || !left.Rules[0].IsDefault {
				t.Errorf("after delete-rule: got %+v, %v; want the default rule only", left, err)
			}
		})
		t.Run("Targets", func(t *testing.T) {
			t.Parallel()
			aws.json(t, nil, "register-targets", "--target-group-arn", tgARN, "--targets", "Id=i-1,Port=32768", "Id=i-2,Port=32769")
			// The group serves the listener, so each target gets one check
			// at once (the test's clock stands still after that), which the
			// prober passes. Wait for it, so the answer below is fixed.
			waitHealthy(t, e.control, tgARN, 2)
			var th cliTargetHealth
			aws.json(t, &th, "describe-target-health", "--target-group-arn", tgARN)
			if len(th.TargetHealthDescriptions) != 2 {
				t.Fatalf("describe-target-health: got %+v", th)
			}
			for i, want := range []struct {
				id, port string
				p        int
			}{{"i-1", "32768", 32768}, {"i-2", "32769", 32769}} {
				d := th.TargetHealthDescriptions[i]
				if d.Target.Id != want.id || d.Target.Port != want.p || d.HealthCheckPort != want.port || d.TargetHealth.State != "healthy" {
					t.Errorf("describe-target-health row %d: got %+v; want %s:%d healthy", i, d, want.id, want.p)
				}
			}

			var attrs cliAttributes
			aws.json(t, &attrs, "modify-target-group-attributes", "--target-group-arn", tgARN,
				"--attributes", "Key=deregistration_delay.timeout_seconds,Value=5")
			found := false
			for _, a := range attrs.Attributes {
				found = found || a.Key == "deregistration_delay.timeout_seconds" && a.Value == "5"
			}
			if !found {
				t.Errorf("modify-target-group-attributes: got %+v", attrs)
			}

			aws.json(t, nil, "deregister-targets", "--target-group-arn", tgARN, "--targets", "Id=i-1,Port=32768")
			out, err := e.control.DescribeTargetHealth(ctx, &control.DescribeTargetHealthInput{TargetGroupARN: tgARN,
				Targets: []elb.TargetDescription{{ID: "i-1", Port: 32768}}})
			if err != nil || out.TargetHealthDescriptions[0].TargetHealth.State != elb.TargetHealthStateDraining {
				t.Errorf("after deregister-targets: got %+v, %v; want i-1 draining", out, err)
			}
		})
	})
}

// waitHealthy polls the control plane until n targets of the group are
// healthy, for at most 10 s.
func waitHealthy(tb testing.TB, c *control.Control, tgARN string, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := c.DescribeTargetHealth(ctx, &control.DescribeTargetHealthInput{TargetGroupARN: tgARN})
		if err != nil {
			tb.Fatal(err)
		}
		healthy := 0
		for _, d := range out.TargetHealthDescriptions {
			if d.TargetHealth.State == elb.TargetHealthStateHealthy {
				healthy++
			}
		}
		if healthy == n {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %d healthy targets: %+v", n, out.TargetHealthDescriptions)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
