package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// buildForum builds the forum binary the process driver runs for api:v1.
func buildForum(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "forum")
	out, err := exec.Command("go", "build", "-o", bin, "../forum").CombinedOutput()
	if err != nil {
		t.Fatalf("go build forum: %v\n%s", err, out)
	}
	return bin
}

// alive reports whether pid runs and is not a zombie.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && !strings.Contains(string(b[bytes.LastIndexByte(b, ')')+1:]), " Z ")
}

// children lists the live child processes of pid whose executable is exe.
func children(pid int, exe string) []int {
	dirs, _ := os.ReadDir("/proc")
	var out []int
	for _, d := range dirs {
		child, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(pid) || fields[0] == "Z" {
			continue
		}
		if link, err := os.Readlink(filepath.Join("/proc", d.Name(), "exe")); err == nil && link == exe {
			out = append(out, child)
		}
	}
	return out
}

// TestReferenceSystem is the reference system end to end, for real:
// `ecslocal up --time-scale 0.05` deploys the stacks of cluster.yml and
// api.yml (the cluster, two container instances, the ALB, the target
// group, the task definition and the service); the forum runs as a process task; every reference URL answers
// through the ALB; a task killed with SIGKILL is replaced and the ALB serves
// again without manual action; SIGTERM stops everything and exits 0.
func TestReferenceSystem(t *testing.T) {
	forum := buildForum(t)
	lbPort := freePort(t)

	start := time.Now()
	in := startUpWith(t, "--driver", "process", "--image", "api:v1="+forum,
		"--publish", "80:"+strconv.Itoa(lbPort), "--time-scale", "0.05")
	in.waitLine(t, "has reached a steady state", 60*time.Second)
	urlLine := in.waitLine(t, "URL:", 5*time.Second)
	base := fmt.Sprintf("http://127.0.0.1:%d", lbPort)
	if !strings.Contains(urlLine, base+"/api/users") {
		t.Errorf("announced %q; want %s/api/users", urlLine, base)
	}
	t.Logf("steady %s after start", time.Since(start))

	get := func(path string) (int, string, string) {
		res, err := http.Get(base + path)
		if err != nil {
			return 0, "", err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	for _, tt := range []struct{ path, ctype, contains string }{
		{"/", "text/plain; charset=utf-8", "Ready to receive requests"},
		{"/api", "text/plain; charset=utf-8", "API ready to receive requests"},
		{"/api/users", "application/json; charset=utf-8", `"username":"marceline"`},
		{"/api/users/2", "application/json; charset=utf-8", `"username":"finn"`},
		{"/api/threads", "application/json; charset=utf-8", `"title":"What's up with the Lich?"`},
		{"/api/threads/3", "application/json; charset=utf-8", `"createdBy":1`},
		{"/api/posts", "application/json; charset=utf-8", `"text":"Mathematical!"`},
		{"/api/posts/1", "application/json; charset=utf-8", `"id":1`},
		{"/api/posts/in-thread/2", "application/json; charset=utf-8", `"thread":2`},
		{"/api/posts/by-user/1", "application/json; charset=utf-8", `"user":1`},
	} {
		// The service is steady, but a task can still die (its dynamic
		// host port taken by another program on this shared host) and be
		// replaced; the promise is that the ALB serves again on its own, so
		// each URL gets a bounded time to answer.
		var code int
		var ctype, body string
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			code, ctype, body = get(tt.path)
			if code == 200 || time.Now().After(deadline) {
				break
			}
		}
		if code != 200 || ctype != tt.ctype || !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s through the ALB: %d %q %s; want 200 %q containing %s", tt.path, code, ctype, body, tt.ctype, tt.contains)
		}
	}

	// ecslocal status shows the system through the API endpoint.
	var stdout, stderr strings.Builder
	if code := run(context.Background(), []string{"status", "--api-addr", strings.TrimPrefix(in.endpoint, "http://")}, &stdout, &stderr); code != 0 {
		t.Fatalf("ecslocal status: exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"cluster BreakTheMonolith-Demo", "instance i-", "us-east-1a t2.micro", "cpu 256/1024 used, memory 256/993 MiB used",
		"service api", "1/1 running", "api:1 COMPLETED", "RUNNING", "service:api api:1 ports 3000->", "target group api", "healthy"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("ecslocal status lacks %q:\n%s", want, stdout.String())
		}
	}

	// The demo is the two templates of deploy/cloudformation, deployed as
	// the reference system.
	checkDemoSystem(t, in.endpoint)

	// kill -9 the task: its forum master, a child of ecslocal.
	tasks := children(in.cmd.Process.Pid, forum)
	if len(tasks) != 1 {
		t.Fatalf("want one forum task process under ecslocal, got %v", tasks)
	}
	if err := syscall.Kill(tasks[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	deadline := killed.Add(60 * time.Second)
	var replacement int
	for {
		now := children(in.cmd.Process.Pid, forum)
		if len(now) == 1 && now[0] != tasks[0] {
			replacement = now[0]
			if code, _, _ := get("/api/users"); code == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service did not replace the killed task within 60s; processes %v", now)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("self-healing: a new task serves through the ALB %s after kill -9 (at --time-scale 0.05)", time.Since(killed))

	if code := in.stop(t); code != 0 {
		t.Errorf("exit status after SIGTERM: %d; want 0", code)
	}
	if alive(replacement) {
		t.Errorf("task process %d still running after ecslocal exited", replacement)
	}
}

// checkDemoSystem checks, through the SDKs as any client would, that the
// demo is the two stacks of deploy/cloudformation deployed as the
// reference system: the stacks are complete, and the ALB, listener, rule,
// target group, task definition and service are what the README lists.
func checkDemoSystem(t *testing.T, endpoint string) {
	t.Helper()
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider(DefaultAccessKeyID, DefaultSecretAccessKey, "")
	cf := cloudformation.New(cloudformation.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: creds})
	lbc := elbv2.New(elbv2.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: creds})
	c := ecsClient(endpoint)
	for _, name := range []string{"ecslocal-cluster", "ecslocal-api"} {
		out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
		if err != nil || len(out.Stacks) != 1 || out.Stacks[0].StackStatus != cftypes.StackStatusCreateComplete {
			t.Fatalf("stack %s: %+v, %v; want CREATE_COMPLETE", name, out, err)
		}
	}

	lbs, err := lbc.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"demo"}})
	if err != nil || len(lbs.LoadBalancers) != 1 || lbs.LoadBalancers[0].Scheme != "internet-facing" {
		t.Fatalf("load balancer demo: %+v, %v", lbs, err)
	}
	lb := lbs.LoadBalancers[0].LoadBalancerArn
	attrs, err := lbc.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb})
	if err != nil {
		t.Fatal(err)
	}
	idle := ""
	for _, a := range attrs.Attributes {
		if aws.ToString(a.Key) == "idle_timeout.timeout_seconds" {
			idle = aws.ToString(a.Value)
		}
	}
	if idle != "30" {
		t.Errorf("idle timeout of demo: %q; want 30", idle)
	}
	tgs, err := lbc.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"api"}})
	if err != nil || len(tgs.TargetGroups) != 1 {
		t.Fatalf("target group api: %+v, %v", tgs, err)
	}
	tg := tgs.TargetGroups[0]
	if got := fmt.Sprintf("%s %d %s %d/%d/%d/%d", tg.Protocol, aws.ToInt32(tg.Port), aws.ToString(tg.HealthCheckPath), aws.ToInt32(tg.HealthCheckIntervalSeconds),
		aws.ToInt32(tg.HealthCheckTimeoutSeconds), aws.ToInt32(tg.HealthyThresholdCount), aws.ToInt32(tg.UnhealthyThresholdCount)); got != "HTTP 80 / 6/5/2/2" {
		t.Errorf("target group api: %s; want HTTP 80 / 6/5/2/2", got)
	}
	ls, err := lbc.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: lb})
	if err != nil || len(ls.Listeners) != 1 || aws.ToInt32(ls.Listeners[0].Port) != 80 || ls.Listeners[0].Protocol != "HTTP" {
		t.Fatalf("listeners of demo: %+v, %v; want one HTTP:80", ls, err)
	}
	rules, err := lbc.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: ls.Listeners[0].ListenerArn})
	if err != nil {
		t.Fatal(err)
	}
	forwards := 0
	for _, r := range rules.Rules {
		for _, a := range r.Actions {
			if a.Type == "forward" && aws.ToString(a.TargetGroupArn) == aws.ToString(tg.TargetGroupArn) {
				forwards++
				if p := aws.ToString(r.Priority); p != "50000" {
					t.Errorf("the rule forwarding to api has priority %s; want 50000 (after any other service's rules)", p)
				}
			}
		}
	}
	if forwards != 1 {
		t.Errorf("%d rules forward to target group api; want 1: %+v", forwards, rules.Rules)
	}

	td, err := c.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("api")})
	if err != nil || len(td.TaskDefinition.ContainerDefinitions) != 1 {
		t.Fatalf("task definition api: %+v, %v", td, err)
	}
	cd := td.TaskDefinition.ContainerDefinitions[0]
	if len(cd.PortMappings) != 1 {
		t.Fatalf("container api: port mappings %+v; want one", cd.PortMappings)
	}
	if got := fmt.Sprintf("%s %s cpu %d memory %d port %d host %d essential %t", aws.ToString(cd.Name), aws.ToString(cd.Image), cd.Cpu, aws.ToInt32(cd.Memory),
		aws.ToInt32(cd.PortMappings[0].ContainerPort), aws.ToInt32(cd.PortMappings[0].HostPort), aws.ToBool(cd.Essential)); got != "api api:v1 cpu 256 memory 256 port 3000 host 0 essential true" {
		t.Errorf("task definition api: %s; want api api:v1 cpu 256 memory 256 port 3000 host 0 essential true", got)
	}
	svcs, err := c.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: aws.String(demoCluster), Services: []string{demoService}})
	if err != nil || len(svcs.Services) != 1 {
		t.Fatalf("service api: %+v, %v", svcs, err)
	}
	s := svcs.Services[0]
	if s.DesiredCount != 1 || s.LaunchType != "EC2" || len(s.LoadBalancers) != 1 || aws.ToString(s.LoadBalancers[0].ContainerName) != "api" ||
		aws.ToInt32(s.LoadBalancers[0].ContainerPort) != 3000 || aws.ToString(s.LoadBalancers[0].TargetGroupArn) != aws.ToString(tg.TargetGroupArn) {
		t.Errorf("service api: desired %d, launch type %s, load balancers %+v; want 1, EC2, api:3000 → target group api", s.DesiredCount, s.LaunchType, s.LoadBalancers)
	}
}
