package control

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
)

const tgARN = ecstest.TargetGroupARN

func lbService(name, td string, desired int) CreateServiceInput {
	return CreateServiceInput{
		ServiceName:    name,
		TaskDefinition: td,
		DesiredCount:   ptr(desired),
		LoadBalancers:  []ecs.LoadBalancer{{TargetGroupARN: tgARN, ContainerName: "web", ContainerPort: 80}},
	}
}

func TestCreateServiceLoadBalancerChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.taskDef("web", 128, nil)
	t.Run("ErrNoLoadBalancer", func(t *testing.T) {
		e.elb.noLB[tgARN] = true
		defer delete(e.elb.noLB, tgARN)
		_, err := e.c.CreateService(e.ctx, lbService("api", "web", 1))
		want := "The target group with targetGroupArn " + tgARN + " does not have an associated load balancer."
		if got := ecs.ErrorMessage(err); got != want {
			t.Fatalf("message %q; want %q", got, want)
		}
	})
	t.Run("ErrContainerPort", func(t *testing.T) {
		in := lbService("api", "web", 1)
		in.LoadBalancers[0].ContainerPort = 81
		_, err := e.c.CreateService(e.ctx, in)
		wantCode(t, err, ecs.CodeInvalidParameterException)
	})
}

func TestServiceELBUnhealthyReplaced(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.instance("t2.medium")
	e.taskDef("web", 128, nil)
	in := lbService("api", "web", 1)
	in.HealthCheckGracePeriodSeconds = ptr(30)
	e.createService(in)

	e.waitFor("target registered", 0, func() bool { return e.elb.count(tgARN) == 1 })
	first := e.serviceTasks("api")[0]
	port, _ := e.task(first.TaskARN).HostPort("web", 80)
	e.waitFor("registered event", 0, func() bool {
		return e.hasEvent("api", ecs.EventRegisteredTargets("api", 1, tgARN))
	})
	e.elb.setAll(tgARN, scheduler.TargetStateUnhealthy, "Health checks failed with these codes: [503]")

	// Within the grace period the task stays.
	e.clock.Advance(10 * time.Second)
	e.c.Trigger()
	if tk := e.task(first.TaskARN); tk.ControlTerminal() {
		t.Fatalf("task stopped during the grace period")
	}
	e.waitFor("unhealthy task stopped", 5*time.Second, func() bool { return e.task(first.TaskARN).ControlTerminal() })
	got := e.task(first.TaskARN)
	if got.StoppedReason != ecs.StoppedReasonELBHealthChecks(tgARN) || got.StopCode != ecs.StopCodeServiceSchedulerInitiated {
		t.Fatalf("stopped %s %q", got.StopCode, got.StoppedReason)
	}
	e.waitFor("unhealthy task STOPPED", 0, func() bool { return e.task(first.TaskARN).LastStatus == ecs.TaskStatusStopped })
	log := e.log.all()
	dereg := slices.Index(log, "deregister "+strconv.Itoa(port))
	stop := slices.Index(log, "stop "+first.ID())
	if dereg < 0 || stop < 0 || dereg > stop {
		t.Fatalf("deregister at %d, stop at %d in %q; want deregister first", dereg, stop, log)
	}
	e.waitFor("replacement running", 0, func() bool { return running(e.serviceTasks("api")) == 1 })
	unhealthy := false
	for _, ev := range e.events("api") {
		if strings.Contains(ev, "is unhealthy in (target-group "+tgARN+")") {
			unhealthy = true
		}
	}
	if !unhealthy {
		t.Fatalf("no unhealthy event in %q", e.events("api"))
	}
}

func TestRollingDeployment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.elb.autoHealthy = true
	e.instance("t2.medium")
	e.instance("t2.medium")
	e.taskDef("web", 128, nil)
	e.createService(lbService("api", "web", 2))
	e.waitFor("rev 1 steady", time.Second, func() bool { return e.hasEvent("api", ecs.EventSteadyState("api")) })
	old := e.serviceTasks("api").Live()
	if len(old) != 2 {
		t.Fatalf("%d live tasks", len(old))
	}

	e.taskDef("web", 256, nil)
	out, err := e.c.UpdateService(e.ctx, UpdateServiceInput{Service: "api", TaskDefinition: "web:2"})
	if err != nil {
		t.Fatal(err)
	}
	if d := out.Service.Deployments; len(d) != 2 || d[0].Status != ecs.DeploymentStatusPrimary || d[1].Status != ecs.DeploymentStatusActive {
		t.Fatalf("deployments %+v", d)
	}
	newID := out.Service.Deployments[0].ID
	e.waitFor("rev 2 completed", time.Second, func() bool {
		s := e.service("api")
		return len(s.Deployments) == 1 && s.Deployments[0].ID == newID && s.Deployments[0].RolloutState == ecs.RolloutStateCompleted
	})
	for _, tk := range e.serviceTasks("api").Live() {
		if !strings.HasSuffix(tk.TaskDefinitionARN, "web:2") || tk.StartedBy != newID {
			t.Fatalf("live task %s of %s", tk.ID(), tk.TaskDefinitionARN)
		}
	}
	e.waitFor("old tasks STOPPED", 0, func() bool {
		for _, tk := range old {
			if e.task(tk.TaskARN).LastStatus != ecs.TaskStatusStopped {
				return false
			}
		}
		return true
	})
	log := e.log.all()
	for _, tk := range old {
		got := e.task(tk.TaskARN)
		if got.StoppedReason != ecs.StoppedReasonScaling(newID) {
			t.Fatalf("old task reason %q", got.StoppedReason)
		}
		port, _ := got.HostPort("web", 80)
		dereg := slices.Index(log, "deregister "+strconv.Itoa(port))
		stop := slices.Index(log, "stop "+tk.ID())
		if dereg < 0 || stop < 0 || dereg > stop {
			t.Fatalf("task %s: deregister at %d, stop at %d in %q; want deregister first", tk.ID(), dereg, stop, log)
		}
	}
	if !e.hasEvent("api", ecs.EventDeploymentCompleted("api", newID)) {
		t.Fatalf("events %q", e.events("api"))
	}
	if e.elb.count(tgARN) != 2 {
		t.Fatalf("%d targets registered; want 2", e.elb.count(tgARN))
	}
}

func TestCircuitBreakerRollback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.instance("t2.medium")
	e.taskDef("web", 128, nil)
	in := CreateServiceInput{
		ServiceName: "api", TaskDefinition: "web", DesiredCount: ptr(1),
		DeploymentConfiguration: &ecs.DeploymentConfiguration{
			DeploymentCircuitBreaker: &ecs.DeploymentCircuitBreaker{Enable: true, Rollback: true},
		},
	}
	svc := e.createService(in)
	good := svc.Deployments[0].ID
	e.waitFor("rev 1 completed", 5*time.Second, func() bool {
		return e.service("api").PrimaryDeployment().RolloutState == ecs.RolloutStateCompleted
	})

	e.taskDef("web", 128, map[string]string{"failStart": "image is broken"})
	out, err := e.c.UpdateService(e.ctx, UpdateServiceInput{Service: "api", TaskDefinition: "web:2"})
	if err != nil {
		t.Fatal(err)
	}
	bad := out.Service.Deployments[0].ID
	t.Cleanup(func() {
		if t.Failed() {
			s := e.service("api")
			t.Logf("events %q", e.events("api"))
			for _, d := range s.Deployments {
				e.c.mu.Lock()
				h := e.c.history[d.ID]
				e.c.mu.Unlock()
				t.Logf("deployment %+v history %+v", d, h)
			}
			for _, tk := range e.serviceTasks("api") {
				t.Logf("task %s %s %s %s %s %q", tk.ID(), tk.StartedBy, tk.DesiredStatus, tk.LastStatus, tk.StopCode, tk.StoppedReason)
			}
		}
	})
	// The FAILED deployment is dropped as soon as it has no task left, so
	// the rollback is checked on the events and the final deployment.
	e.waitFor("rolled back and steady", 5*time.Second, func() bool {
		s := e.service("api")
		return len(s.Deployments) == 1 && s.Deployments[0].ID != bad && s.Deployments[0].ID != good &&
			strings.HasSuffix(s.Deployments[0].TaskDefinition, "web:1") &&
			s.Deployments[0].RolloutState == ecs.RolloutStateCompleted && running(e.serviceTasks("api")) == 1
	})
	evs := strings.Join(e.events("api"), "\n")
	for _, want := range []string{
		"(service api) (deployment " + bad + ") deployment failed: tasks failed to start.",
		"(service api) rolling back to deployment " + good + ".",
	} {
		if !strings.Contains(evs, want) {
			t.Fatalf("no event %q in\n%s", want, evs)
		}
	}
	failed := 0
	for _, tk := range e.serviceTasks("api") {
		if tk.StartedBy == bad && tk.StopCode == ecs.StopCodeTaskFailedToStart {
			failed++
		}
	}
	if failed != ecs.CircuitBreakerThreshold(1) {
		t.Fatalf("%d tasks failed to start; want %d", failed, ecs.CircuitBreakerThreshold(1))
	}
}

func TestStopWaitsForDraining(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.elb.autoHealthy = true
	e.elb.drainHold = true
	e.instance("t2.medium")
	e.taskDef("web", 128, nil)
	e.createService(lbService("api", "web", 1))
	e.waitFor("steady", time.Second, func() bool { return e.hasEvent("api", ecs.EventSteadyState("api")) })
	old := e.serviceTasks("api").Live()[0]

	if _, err := e.c.UpdateService(e.ctx, UpdateServiceInput{Service: "api", ForceNewDeployment: true}); err != nil {
		t.Fatal(err)
	}
	e.waitFor("old task desired STOPPED", time.Second, func() bool { return e.task(old.TaskARN).ControlTerminal() })
	// The ALB still drains the old target: the agent is not told yet.
	for range 5 {
		e.clock.Advance(time.Second)
		e.c.Trigger()
	}
	if got := e.task(old.TaskARN); got.LastStatus != ecs.TaskStatusRunning || slices.Contains(e.log.all(), "stop "+old.ID()) {
		t.Fatalf("old task %s stopped while draining; log %q", got.LastStatus, e.log.all())
	}
	e.elb.finishDraining()
	e.waitFor("old task STOPPED", time.Second, func() bool { return e.task(old.TaskARN).LastStatus == ecs.TaskStatusStopped })
}

// TestLoopQuiescent checks that a converged service writes nothing more:
// the loop's own writes wake it, so a plan that is never empty would spin.
func TestLoopQuiescent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.elb.autoHealthy = true
	e.instance("t2.medium")
	e.taskDef("web", 128, nil)
	e.createService(lbService("api", "web", 2))
	e.waitFor("steady", time.Second, func() bool { return e.hasEvent("api", ecs.EventSteadyState("api")) })
	idx := e.store.Index()
	for range 20 {
		e.c.Trigger()
		time.Sleep(time.Millisecond) // give the loop a chance to (wrongly) write
	}
	if got := e.store.Index(); got != idx {
		t.Fatalf("store index moved from %d to %d with nothing to do", idx, got)
	}
}

// TestApplyRollback applies a hand-made rollback plan: the failed PRIMARY
// becomes ACTIVE and a new PRIMARY of the COMPLETED deployment's task
// definition carries the rollback reason.
func TestApplyRollback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	td := e.taskDef("web", 128, nil)
	e.taskDef("web", 128, nil)
	svc := e.createService(CreateServiceInput{ServiceName: "api", TaskDefinition: "web:2", DesiredCount: ptr(0)})
	failed := svc.Deployments[0].ID
	to := "ecs-svc/1234567890123456789"

	e.c.writeMu.Lock()
	ap := &applier{c: e.c, ctx: e.ctx, now: e.clock.Now()}
	err := ap.SubmitPlan(scheduler.Plan{ServiceARN: svc.ServiceARN, Rollback: &scheduler.Rollback{
		FailedDeploymentID: failed, ToDeploymentID: to, TaskDefinitionARN: td.TaskDefinitionARN, Reason: ecs.RollbackReason(to),
	}})
	e.c.writeMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	got := e.service("api")
	p := got.PrimaryDeployment()
	if p == nil || p.ID == failed || p.TaskDefinition != td.TaskDefinitionARN || got.TaskDefinition != td.TaskDefinitionARN {
		t.Fatalf("primary %+v, service task definition %s", p, got.TaskDefinition)
	}
	if p.RolloutStateReason != ecs.RollbackReason(to) && p.RolloutState != ecs.RolloutStateCompleted {
		t.Fatalf("reason %q", p.RolloutStateReason)
	}
	if d := got.Deployment(failed); d != nil && d.Status != ecs.DeploymentStatusActive {
		t.Fatalf("failed deployment %+v", d)
	}
}

func TestAgentStateAndReregister(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ci := e.instance("")
	e.taskDef("web", 128, nil)
	out, err := e.c.RunTask(e.ctx, RunTaskInput{TaskDefinition: "web"})
	if err != nil {
		t.Fatal(err)
	}
	tasks, defs := e.c.AgentState(ci.ContainerInstanceARN)
	if len(tasks) != 1 || tasks[0].TaskARN != out.Tasks[0].TaskARN || defs[tasks[0].TaskDefinitionARN] == nil {
		t.Fatalf("agent state %v %v", tasks, defs)
	}
	if p, ok := tasks[0].HostPort("web", 80); !ok || p == 0 {
		t.Fatalf("no host port in agent state")
	}
	again, err := e.c.RegisterContainerInstance(e.ctx, RegisterContainerInstanceInput{ContainerInstanceARN: ci.ContainerInstanceARN})
	if err != nil || again.ContainerInstance.EC2InstanceID != ci.EC2InstanceID {
		t.Fatalf("re-register: %+v %v", again, err)
	}
}
