package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDeploymentScriptThroughTheCLI runs, with the installed AWS CLI
// against `ecslocal up --time-scale 0.05`, the sequence a deployment
// script runs to put a second service behind the demo's load balancer:
// register a task definition from JSON, create a target group with the
// reference health check, find the listener, add a path rule from JSON,
// create the service behind the target group, update it to a new
// revision, and check it through describe-services and
// describe-target-health, ending with the new service answering through
// the ALB.
func TestDeploymentScriptThroughTheCLI(t *testing.T) {
	forum := buildForum(t)
	lbPort := freePort(t)
	in := startUpWith(t, "--driver", "process", "--image", "api:v1="+forum, "--image", "posts:v1="+forum,
		"--publish", "80:"+strconv.Itoa(lbPort), "--time-scale", "0.05")
	in.waitLine(t, "has reached a steady state", 60*time.Second)

	dir := t.TempDir()
	cli := func(v any, args ...string) {
		t.Helper()
		out, err := awsCLI(t, in.endpoint, nil, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if v != nil {
			if err := json.Unmarshal(out, v); err != nil {
				t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
	}
	file := func(name string, v any) string {
		b, _ := json.Marshal(v)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return "file://" + p
	}
	taskDef := func(image string) map[string]any {
		return map[string]any{
			"family": "posts",
			"containerDefinitions": []any{map[string]any{
				"name": "posts", "image": image, "cpu": 128, "memory": 128, "essential": true,
				"portMappings": []any{map[string]any{"containerPort": 3000, "hostPort": 0}},
			}},
		}
	}

	cli(nil, "ecs", "register-task-definition", "--cli-input-json", file("td1.json", taskDef("posts:v1")))
	var tgs struct {
		TargetGroups []struct{ TargetGroupArn string }
	}
	cli(&tgs, "elbv2", "create-target-group", "--name", "posts", "--protocol", "HTTP", "--port", "80", "--vpc-id", "vpc-1",
		"--health-check-path", "/", "--health-check-interval-seconds", "6", "--health-check-timeout-seconds", "5",
		"--healthy-threshold-count", "2", "--unhealthy-threshold-count", "2")
	tg := tgs.TargetGroups[0].TargetGroupArn
	var lbs struct {
		LoadBalancers []struct{ LoadBalancerArn string }
	}
	cli(&lbs, "elbv2", "describe-load-balancers", "--names", "demo")
	var listeners struct {
		Listeners []struct{ ListenerArn string }
	}
	cli(&listeners, "elbv2", "describe-listeners", "--load-balancer-arn", lbs.LoadBalancers[0].LoadBalancerArn)
	cli(nil, "elbv2", "create-rule", "--cli-input-json", file("rule.json", map[string]any{
		"ListenerArn": listeners.Listeners[0].ListenerArn, "Priority": 10,
		"Conditions": []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []string{"/api/posts*"}}}},
		"Actions":    []any{map[string]any{"Type": "forward", "TargetGroupArn": tg}},
	}))
	cli(nil, "ecs", "create-service", "--cluster", demoCluster, "--service-name", "posts", "--task-definition", "posts",
		"--desired-count", "1", "--launch-type", "EC2",
		"--load-balancers", fmt.Sprintf("targetGroupArn=%s,containerName=posts,containerPort=3000", tg))
	cli(nil, "ecs", "register-task-definition", "--cli-input-json", file("td2.json", taskDef("posts:v1")))
	cli(nil, "ecs", "update-service", "--cluster", demoCluster, "--service", "posts", "--task-definition", "posts:2")

	// The rollout: the service runs revision 2 only, and its target is
	// healthy.
	deadline := time.Now().Add(90 * time.Second)
	for {
		var state []string
		cli(&state, "ecs", "describe-services", "--cluster", demoCluster, "--services", "posts",
			"--query", "services[0].[taskDefinition, deployments[0].rolloutState, to_string(length(deployments)), to_string(runningCount)]")
		var health struct {
			TargetHealthDescriptions []struct{ TargetHealth struct{ State string } }
		}
		cli(&health, "elbv2", "describe-target-health", "--target-group-arn", tg)
		healthy := len(health.TargetHealthDescriptions) == 1 && health.TargetHealthDescriptions[0].TargetHealth.State == "healthy"
		if len(state) == 4 && strings.HasSuffix(state[0], ":task-definition/posts:2") && state[1] == "COMPLETED" && state[2] == "1" && state[3] == "1" && healthy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service posts not rolled out to revision 2 within 90s: %v, targets %+v", state, health)
		}
		time.Sleep(200 * time.Millisecond)
	}
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/posts/1", lbPort))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"text":"Has anyone checked on the lich recently?"`) {
		t.Fatalf("GET /api/posts/1 through the ALB: %d %s", res.StatusCode, body)
	}
	if code := in.stop(t); code != 0 {
		t.Errorf("exit status after SIGTERM: %d; want 0", code)
	}
}
