package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// restartRig is the reference system run twice on one state directory:
// the same flags, the same listener host port, the same forum binary.
type restartRig struct {
	forum string
	base  string // http://127.0.0.1:<listener host port>
	args  []string
}

func newRestartRig(t *testing.T) *restartRig {
	t.Helper()
	forum := buildForum(t)
	lbPort := freePort(t)
	return &restartRig{
		forum: forum,
		base:  fmt.Sprintf("http://127.0.0.1:%d", lbPort),
		// The later --state-dir wins over startUpWith's fresh one.
		args: []string{"--driver", "process", "--image", "api:v1=" + forum, "--publish", "80:" + strconv.Itoa(lbPort),
			"--time-scale", "0.05", "--state-dir", t.TempDir()},
	}
}

// up starts `ecslocal up` on the rig's state directory and waits until it
// announces the reference system and /api/users answers 200 through the
// ALB.
func (r *restartRig) up(t *testing.T) *instance {
	t.Helper()
	start := time.Now()
	in := startUpWith(t, r.args...)
	in.waitLine(t, "URL:", 90*time.Second)
	waitFor(t, 30*time.Second, "GET /api/users through the ALB answers 200", func() bool {
		res, err := http.Get(r.base + "/api/users")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
	t.Logf("ecslocal up: announced and a 200 through the ALB %s after start", time.Since(start).Round(time.Millisecond))
	return in
}

// system is what the AWS APIs say the reference system is.
type system struct {
	cluster, service, taskDefinition string
	loadBalancer, listener           string
	targetGroup                      string
	rules                            []string
	taskDefinitions                  []string // every registered revision of family api
	running, desired                 int
	deployments                      int
	rollout                          string
	newestEvent                      string
	tasks                            []string // desired RUNNING
}

// describeSystem reads the reference system through the SDKs.
func describeSystem(t *testing.T, endpoint string) system {
	t.Helper()
	ctx := context.Background()
	c := ecsClient(endpoint)
	lbc := elbv2.New(elbv2.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(DefaultAccessKeyID, DefaultSecretAccessKey, "")})
	var s system
	cl, err := c.DescribeClusters(ctx, &awsecs.DescribeClustersInput{Clusters: []string{demoCluster}})
	if err != nil || len(cl.Clusters) != 1 {
		t.Fatalf("DescribeClusters %s: %+v, %v", demoCluster, cl, err)
	}
	s.cluster = aws.ToString(cl.Clusters[0].ClusterArn)
	svcs, err := c.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: aws.String(demoCluster), Services: []string{demoService}})
	if err != nil || len(svcs.Services) != 1 {
		t.Fatalf("DescribeServices %s: %+v, %v", demoService, svcs, err)
	}
	svc := svcs.Services[0]
	s.service, s.taskDefinition = aws.ToString(svc.ServiceArn), aws.ToString(svc.TaskDefinition)
	s.running, s.desired, s.deployments = int(svc.RunningCount), int(svc.DesiredCount), len(svc.Deployments)
	if len(svc.Deployments) > 0 {
		s.rollout = string(svc.Deployments[0].RolloutState)
	}
	if len(svc.Events) > 0 {
		s.newestEvent = aws.ToString(svc.Events[0].Message)
	}
	tds, err := c.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("api")})
	if err != nil {
		t.Fatalf("ListTaskDefinitions: %v", err)
	}
	s.taskDefinitions = tds.TaskDefinitionArns
	lt, err := c.ListTasks(ctx, &awsecs.ListTasksInput{Cluster: aws.String(demoCluster), ServiceName: aws.String(demoService)})
	if err != nil {
		t.Fatalf("ListTasks: %v", err)
	}
	s.tasks = lt.TaskArns
	lbs, err := lbc.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{demoLoadBalancer}})
	if err != nil || len(lbs.LoadBalancers) != 1 {
		t.Fatalf("DescribeLoadBalancers %s: %+v, %v", demoLoadBalancer, lbs, err)
	}
	s.loadBalancer = aws.ToString(lbs.LoadBalancers[0].LoadBalancerArn)
	ls, err := lbc.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(s.loadBalancer)})
	if err != nil || len(ls.Listeners) != 1 {
		t.Fatalf("DescribeListeners: %+v, %v", ls, err)
	}
	s.listener = aws.ToString(ls.Listeners[0].ListenerArn)
	rules, err := lbc.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: aws.String(s.listener)})
	if err != nil {
		t.Fatalf("DescribeRules: %v", err)
	}
	for _, r := range rules.Rules {
		s.rules = append(s.rules, aws.ToString(r.RuleArn))
	}
	tgs, err := lbc.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"api"}})
	if err != nil || len(tgs.TargetGroups) != 1 {
		t.Fatalf("DescribeTargetGroups api: %+v, %v", tgs, err)
	}
	s.targetGroup = aws.ToString(tgs.TargetGroups[0].TargetGroupArn)
	return s
}

// steady reports whether the service runs its desired count in one
// completed deployment, and the scheduler says it is steady.
func (s system) steady() bool {
	return s.desired == 1 && s.running == s.desired && len(s.tasks) == s.desired && s.deployments == 1 &&
		s.rollout == "COMPLETED" && strings.Contains(s.newestEvent, "has reached a steady state")
}

// waitSteady polls the APIs until the service is steady and returns what
// they said then.
func waitSteady(t *testing.T, endpoint string) system {
	t.Helper()
	var s system
	waitFor(t, 60*time.Second, "the service steady (running = desired = 1, one COMPLETED deployment)", func() bool {
		s = describeSystem(t, endpoint)
		return s.steady()
	})
	return s
}

// checkSameSystem checks that the restarted system is the one that ran
// before: the same ARNs, and no new task definition revision.
func checkSameSystem(t *testing.T, before, after system) {
	t.Helper()
	for _, c := range []struct{ what, before, after string }{
		{"cluster", before.cluster, after.cluster},
		{"service", before.service, after.service},
		{"service task definition", before.taskDefinition, after.taskDefinition},
		{"load balancer", before.loadBalancer, after.loadBalancer},
		{"listener", before.listener, after.listener},
		{"target group", before.targetGroup, after.targetGroup},
	} {
		if c.before != c.after {
			t.Errorf("%s after the restart: %s; want %s, as before", c.what, c.after, c.before)
		}
	}
	if !slices.Equal(before.rules, after.rules) {
		t.Errorf("listener rules after the restart: %v; want %v", after.rules, before.rules)
	}
	if len(after.taskDefinitions) != 1 || !slices.Equal(before.taskDefinitions, after.taskDefinitions) || !strings.HasSuffix(after.taskDefinition, "/api:1") {
		t.Errorf("task definitions after the restart: %v (service uses %s); want only api:1, as before (%v)", after.taskDefinitions, after.taskDefinition, before.taskDefinitions)
	}
}

// describeTask returns one task of the demo cluster.
func describeTask(t *testing.T, endpoint, arn string) (lastStatus, stopCode, reason string) {
	t.Helper()
	out, err := ecsClient(endpoint).DescribeTasks(context.Background(), &awsecs.DescribeTasksInput{Cluster: aws.String(demoCluster), Tasks: []string{arn}})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("DescribeTasks %s: %+v, %v", arn, out, err)
	}
	tk := out.Tasks[0]
	return aws.ToString(tk.LastStatus), string(tk.StopCode), aws.ToString(tk.StoppedReason)
}

// checkStoppedWithHost waits for a task of the first run to be STOPPED and
// checks that it says why: its simulated host stopped with ecslocal.
func checkStoppedWithHost(t *testing.T, endpoint, arn string) {
	t.Helper()
	var status, code, reason string
	waitFor(t, 30*time.Second, "the first run's task STOPPED", func() bool {
		status, code, reason = describeTask(t, endpoint, arn)
		return status == "STOPPED"
	})
	if code != "TerminationNotice" || !strings.HasPrefix(reason, "Host EC2 (instance i-") || !strings.HasSuffix(reason, ") stopped/terminated") {
		t.Errorf("the first run's task: stopCode %q, stoppedReason %q; want TerminationNotice, Host EC2 (instance i-…) stopped/terminated", code, reason)
	}
}

// waitStaleTargetsGone polls the target group until every target it
// lists belongs to a task that runs now: the first run's target is
// deregistered (draining, then gone) by the restarted control plane.
func waitStaleTargetsGone(t *testing.T, endpoint string, s system) {
	t.Helper()
	ctx := context.Background()
	c := ecsClient(endpoint)
	lbc := elbv2.New(elbv2.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(DefaultAccessKeyID, DefaultSecretAccessKey, "")})
	current := map[string]bool{} // "i-…:port" of the running tasks
	out, err := c.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: aws.String(demoCluster), Tasks: s.tasks})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range out.Tasks {
		cis, err := c.DescribeContainerInstances(ctx, &awsecs.DescribeContainerInstancesInput{Cluster: aws.String(demoCluster),
			ContainerInstances: []string{aws.ToString(tk.ContainerInstanceArn)}})
		if err != nil || len(cis.ContainerInstances) != 1 {
			t.Fatalf("DescribeContainerInstances: %+v, %v", cis, err)
		}
		for _, ct := range tk.Containers {
			for _, b := range ct.NetworkBindings {
				current[fmt.Sprintf("%s:%d", aws.ToString(cis.ContainerInstances[0].Ec2InstanceId), aws.ToInt32(b.HostPort))] = true
			}
		}
	}
	var listed []string
	waitFor(t, 60*time.Second, "only the running task's target in target group api", func() bool {
		th, err := lbc.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(s.targetGroup)})
		if err != nil {
			return false
		}
		listed = listed[:0]
		ok := len(th.TargetHealthDescriptions) == len(current)
		for _, d := range th.TargetHealthDescriptions {
			key := fmt.Sprintf("%s:%d", aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port))
			listed = append(listed, key+" "+string(d.TargetHealth.State))
			if !current[key] || d.TargetHealth.State != "healthy" {
				ok = false
			}
		}
		return ok
	})
	t.Logf("targets after the restart: %v", listed)
}

// TestRestartAfterShutdown is a restart of `ecslocal up` on the same state
// directory after SIGINT: the reference system comes back with the same
// ARNs and no new task definition revision, the task stopped with its host
// is replaced by a new one and its target deregistered, the service is
// steady again and /api/users answers 200 through the same listener.
func TestRestartAfterShutdown(t *testing.T) {
	r := newRestartRig(t)
	first := r.up(t)
	before := waitSteady(t, first.endpoint)
	if err := first.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.done:
	case <-time.After(60 * time.Second):
		t.Fatal("ecslocal up still running 60s after SIGINT")
	}
	if first.err != nil {
		t.Fatalf("first ecslocal up after SIGINT: %v; want exit 0\n%s", first.err, first.stderr.String())
	}
	if left := processesOf(r.forum); len(left) > 0 {
		t.Fatalf("task processes %v outlived the first ecslocal up", left)
	}

	second := r.up(t)
	after := waitSteady(t, second.endpoint)
	checkSameSystem(t, before, after)
	if len(before.tasks) != 1 || slices.Contains(after.tasks, before.tasks[0]) {
		t.Errorf("tasks: %v before, %v after; want a new task in place of the one stopped with ecslocal", before.tasks, after.tasks)
	}
	checkStoppedWithHost(t, second.endpoint, before.tasks[0])
	waitStaleTargetsGone(t, second.endpoint, after)

	if code := second.stop(t); code != 0 {
		t.Errorf("exit status of the second ecslocal up after SIGTERM: %d; want 0", code)
	}
	if left := processesOf(r.forum); len(left) > 0 {
		t.Errorf("task processes %v outlived the second ecslocal up", left)
	}
}

// TestRestartAfterCrash kills `ecslocal up` with SIGKILL, leaving its
// process task running, and starts it again on the same state directory:
// the system comes back (same ARNs, same task definition revision, steady,
// 200 through the same listener), and the task the crash left is replaced
// rather than re-adopted: its process is stopped, so none is orphaned, and
// it is recorded STOPPED with its host.
func TestRestartAfterCrash(t *testing.T) {
	r := newRestartRig(t)
	first := r.up(t)
	before := waitSteady(t, first.endpoint)
	procs := children(first.cmd.Process.Pid, r.forum)
	if len(procs) != 1 {
		t.Fatalf("want one forum task process under ecslocal, got %v", procs)
	}
	old := procs[0]
	t.Cleanup(func() {
		if alive(old) {
			_ = syscall.Kill(old, syscall.SIGKILL)
		}
	})
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.done
	if !alive(old) {
		t.Fatalf("task process %d did not outlive the kill -9 of ecslocal: nothing for the restart to find", old)
	}

	second := r.up(t)
	after := waitSteady(t, second.endpoint)
	checkSameSystem(t, before, after)
	waitFor(t, 30*time.Second, fmt.Sprintf("the first run's task process %d stopped", old), func() bool { return !alive(old) })
	if len(before.tasks) != 1 || slices.Contains(after.tasks, before.tasks[0]) {
		t.Errorf("tasks: %v before, %v after; want a new task in place of the one the crash left", before.tasks, after.tasks)
	}
	checkStoppedWithHost(t, second.endpoint, before.tasks[0])
	waitStaleTargetsGone(t, second.endpoint, after)
	// The forum's master may run workers: once the old task's workers
	// have followed their master, every forum process is the new task's
	// master or one of its workers.
	var mine, orphans []int
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		mine, orphans = children(second.cmd.Process.Pid, r.forum), nil
		for _, pid := range processesOf(r.forum) {
			if !slices.Contains(mine, pid) && !slices.Contains(mine, parentOf(pid)) {
				orphans = append(orphans, pid)
			}
		}
		if len(mine) == 1 && len(orphans) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(mine) != 1 || len(orphans) > 0 {
		t.Errorf("forum processes: %v under the second ecslocal (want one, its task), %v orphaned (want none)", mine, orphans)
	}

	if code := second.stop(t); code != 0 {
		t.Errorf("exit status of the second ecslocal up after SIGTERM: %d; want 0", code)
	}
	if left := processesOf(r.forum); len(left) > 0 {
		t.Errorf("task processes %v outlived the second ecslocal up", left)
	}
}

// parentOf returns the parent PID of pid, or 0.
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}
