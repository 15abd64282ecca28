package control

import (
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

func (e *env) createService(in CreateServiceInput) *ecs.Service {
	e.t.Helper()
	out, err := e.c.CreateService(e.ctx, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return out.Service
}

func TestServiceSteadyState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.instance("t2.medium")
	e.instance("t2.medium")
	e.taskDef("web", 128, nil)
	svc := e.createService(CreateServiceInput{ServiceName: "api", TaskDefinition: "web", DesiredCount: ptr(2)})
	if len(svc.Deployments) != 1 || !ecs.IsDeploymentID(svc.Deployments[0].ID) {
		t.Fatalf("deployments %+v", svc.Deployments)
	}

	e.waitFor("2 running tasks", 0, func() bool { return running(e.serviceTasks("api")) == 2 })
	tasks := e.serviceTasks("api").Live()
	if tasks[0].ContainerInstanceARN == tasks[1].ContainerInstanceARN {
		t.Fatalf("both tasks on one instance; want spread")
	}
	e.waitFor("steady state", 5*time.Second, func() bool { return e.hasEvent("api", ecs.EventSteadyState("api")) })

	evs := e.events("api")
	ts := ids(e.serviceTasks("api"))
	a := ecs.EventStartedTasks("api", ts)
	b := ecs.EventStartedTasks("api", []string{ts[1], ts[0]})
	if evs[0] != a && evs[0] != b {
		t.Fatalf("first event %q; want %q", evs[0], a)
	}
	got := e.service("api")
	if got.RunningCount != 2 || got.PendingCount != 0 {
		t.Fatalf("counts running %d pending %d", got.RunningCount, got.PendingCount)
	}
	if p := got.PrimaryDeployment(); p.RolloutState != ecs.RolloutStateCompleted || p.RunningCount != 2 {
		t.Fatalf("primary %+v", p)
	}
	if !e.hasEvent("api", ecs.EventDeploymentCompleted("api", got.Deployments[0].ID)) {
		t.Fatalf("no deployment completed event in %q", evs)
	}

	t.Run("Idempotency", func(t *testing.T) {
		again, err := e.c.CreateService(e.ctx, CreateServiceInput{ServiceName: "api", TaskDefinition: "web", DesiredCount: ptr(2)})
		if err != nil || again.Service.ServiceARN != svc.ServiceARN {
			t.Fatalf("same request: %v %v", again, err)
		}
		_, err = e.c.CreateService(e.ctx, CreateServiceInput{ServiceName: "api", TaskDefinition: "web", DesiredCount: ptr(3)})
		if ecs.ErrorMessage(err) != "Creation of service was not idempotent." {
			t.Fatalf("different request: %v", err)
		}
	})
	t.Run("DescribeListMissing", func(t *testing.T) {
		d, err := e.c.DescribeServices(e.ctx, DescribeServicesInput{Services: []string{"api", "nope"}})
		if err != nil || len(d.Services) != 1 || len(d.Failures) != 1 || d.Failures[0].Reason != "MISSING" {
			t.Fatalf("describe: %+v %v", d, err)
		}
		l, err := e.c.ListServices(e.ctx, ListServicesInput{})
		if err != nil || len(l.ServiceARNs) != 1 {
			t.Fatalf("list: %+v %v", l, err)
		}
		_, err = e.c.UpdateService(e.ctx, UpdateServiceInput{Service: "nope", DesiredCount: ptr(1)})
		wantCode(t, err, ecs.CodeServiceNotFoundException)
	})
	t.Run("ScaleIn", func(t *testing.T) {
		if _, err := e.c.UpdateService(e.ctx, UpdateServiceInput{Service: "api", DesiredCount: ptr(1)}); err != nil {
			t.Fatal(err)
		}
		if n := len(e.service("api").Deployments); n != 1 {
			t.Fatalf("desired count only made %d deployments", n)
		}
		e.waitFor("1 running task", 0, func() bool { return running(e.serviceTasks("api")) == 1 })
	})
}

func TestServiceReplacesExitedTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.instance("t2.medium")
	e.taskDef("web", 128, map[string]string{"runFor": "30s", "exitCode": "1"})
	e.createService(CreateServiceInput{ServiceName: "api", TaskDefinition: "web", DesiredCount: ptr(1)})
	e.waitFor("first task running", 0, func() bool { return running(e.serviceTasks("api")) == 1 })
	first := e.serviceTasks("api")[0]

	e.waitFor("first task exits", time.Second, func() bool { return e.task(first.TaskARN).LastStatus == ecs.TaskStatusStopped })
	got := e.task(first.TaskARN)
	if got.StopCode != ecs.StopCodeEssentialContainerExited || got.StoppedReason != ecs.StoppedReasonEssentialContainer {
		t.Fatalf("stopped task %s %q", got.StopCode, got.StoppedReason)
	}
	e.waitFor("replacement", 0, func() bool {
		for _, tk := range e.serviceTasks("api").Live() {
			if tk.TaskARN != first.TaskARN {
				return true
			}
		}
		return false
	})
}

func TestServiceInsufficientMemoryEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ci := e.instance("t2.micro")
	e.taskDef("big", 2000, nil)
	e.createService(CreateServiceInput{ServiceName: "api", TaskDefinition: "big", DesiredCount: ptr(1)})
	want := "(service api) was unable to place a task because no container instance met all of its requirements. " +
		"The closest matching (container-instance " + ci.ID() + ") has insufficient memory available. " +
		"For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
	e.waitFor("unable to place event", 0, func() bool { return e.hasEvent("api", want) })
}

func TestDeleteService(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.instance("t2.medium")
	e.taskDef("web", 128, nil)
	e.createService(CreateServiceInput{ServiceName: "api", TaskDefinition: "web", DesiredCount: ptr(2)})
	e.waitFor("2 running tasks", 0, func() bool { return running(e.serviceTasks("api")) == 2 })

	_, err := e.c.DeleteService(e.ctx, DeleteServiceInput{Service: "api"})
	if got, want := ecs.ErrorMessage(err), "The service cannot be stopped while it is scaled above 0."; got != want {
		t.Fatalf("delete without force: %q; want %q", got, want)
	}
	out, err := e.c.DeleteService(e.ctx, DeleteServiceInput{Service: "api", Force: true})
	if err != nil || out.Service.Status != ecs.ServiceStatusDraining {
		t.Fatalf("delete: %+v %v", out, err)
	}
	l, err := e.c.ListServices(e.ctx, ListServicesInput{})
	if err != nil || len(l.ServiceARNs) != 0 {
		t.Fatalf("list hides DRAINING: %+v %v", l, err)
	}
	e.waitFor("INACTIVE", 0, func() bool { return e.service("api").Status == ecs.ServiceStatusInactive })
	for _, tk := range e.serviceTasks("api") {
		if !tk.ControlTerminal() || tk.StopCode != ecs.StopCodeServiceSchedulerInitiated {
			t.Fatalf("task %s desired %s code %s", tk.ID(), tk.DesiredStatus, tk.StopCode)
		}
	}
	e.waitFor("tasks STOPPED", 0, func() bool { return len(e.serviceTasks("api").Live()) == 0 && running(e.serviceTasks("api")) == 0 })

	// The name can be used again once the old service is INACTIVE.
	e.createService(CreateServiceInput{ServiceName: "api", TaskDefinition: "web", DesiredCount: ptr(1)})
}

func TestDrainingInstanceMovesTasks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.instance("t2.medium")
	e.taskDef("web", 128, nil)
	e.createService(CreateServiceInput{ServiceName: "api", TaskDefinition: "web", DesiredCount: ptr(2)})
	e.waitFor("2 running tasks", 0, func() bool { return running(e.serviceTasks("api")) == 2 })
	b := e.instance("t2.medium")

	if _, err := e.c.UpdateContainerInstancesState(e.ctx, UpdateContainerInstancesStateInput{
		ContainerInstances: []string{a.ID()}, Status: ecs.ContainerInstanceStatusDraining,
	}); err != nil {
		t.Fatal(err)
	}
	e.waitFor("tasks moved to b", 5*time.Second, func() bool {
		live := e.serviceTasks("api").Live()
		if len(live) != 2 {
			return false
		}
		for _, tk := range live {
			if tk.ContainerInstanceARN != b.ContainerInstanceARN || tk.LastStatus != ecs.TaskStatusRunning {
				return false
			}
		}
		return true
	})
	e.waitFor("old tasks STOPPED", 0, func() bool {
		for _, tk := range e.store.Snapshot().InstanceTasks(a.ContainerInstanceARN) {
			if tk.LastStatus != ecs.TaskStatusStopped {
				return false
			}
		}
		return true
	})
}
