package control

import (
	"log/slog"
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// TestStopTaskWithCode stops a running task on the platform's account: it
// is desired STOPPED at once with the code and reason given (not
// UserInitiated), its agent stops it, and a later stop keeps them.
func TestStopTaskWithCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.instance("t2.micro")
	e.taskDef("web", 128, nil)
	out, err := e.c.RunTask(e.ctx, RunTaskInput{TaskDefinition: "web"})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("run: %+v, %v", out, err)
	}
	arn := out.Tasks[0].TaskARN
	e.waitFor("task RUNNING", 0, func() bool { return e.task(arn).LastStatus == ecs.TaskStatusRunning })

	const reason = "Host EC2 (instance i-0123456789abcdef0) stopped/terminated"
	stopped, err := e.c.StopTaskWithCode(arn, ecs.StopCodeTerminationNotice, reason)
	if err != nil || !stopped {
		t.Fatalf("StopTaskWithCode = %t, %v; want true", stopped, err)
	}
	if got := e.task(arn); got.DesiredStatus != ecs.DesiredStatusStopped || got.StopCode != ecs.StopCodeTerminationNotice || got.StoppedReason != reason {
		t.Fatalf("after StopTaskWithCode: desired %s, %s %q; want STOPPED, TerminationNotice %q", got.DesiredStatus, got.StopCode, got.StoppedReason, reason)
	}
	e.waitFor("task STOPPED", 0, func() bool { return e.task(arn).LastStatus == ecs.TaskStatusStopped })
	if got := e.task(arn); got.StopCode != ecs.StopCodeTerminationNotice || got.StoppedReason != reason {
		t.Errorf("STOPPED task: %s %q; want the platform's code and reason kept", got.StopCode, got.StoppedReason)
	}
	if again, err := e.c.StopTaskWithCode(arn, ecs.StopCodeServiceSchedulerInitiated, "later"); err != nil || again {
		t.Errorf("second StopTaskWithCode = %t, %v; want false (the first stop wins)", again, err)
	}
	if _, err := e.c.StopTaskWithCode(e.c.Scope().TaskARN("default", "ffffffffffffffffffffffffffffffff"), ecs.StopCodeTerminationNotice, reason); ecs.ErrorCode(err) != "InvalidParameterException" {
		t.Errorf("unknown task: %v; want InvalidParameterException", err)
	}
}

// TestRestartResumesHostPorts is a restart of ecslocal on the same store:
// the new Controller's dynamic port cursor starts past the host port of
// the task stopped before the restart, so a new task never gets the
// instance:port the restored target group may still list for the old one.
func TestRestartResumesHostPorts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.instance("t2.micro")
	e.taskDef("web", 128, nil)
	out, err := e.c.RunTask(e.ctx, RunTaskInput{TaskDefinition: "web"})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("run: %+v, %v", out, err)
	}
	old := out.Tasks[0].TaskARN
	e.waitFor("task RUNNING", 0, func() bool { return e.task(old).LastStatus == ecs.TaskStatusRunning })
	if _, err := e.c.StopTaskWithCode(old, ecs.StopCodeTerminationNotice, "host stopped"); err != nil {
		t.Fatal(err)
	}
	e.waitFor("task STOPPED", 0, func() bool { return e.task(old).LastStatus == ecs.TaskStatusStopped })
	oldPort, ok := e.task(old).HostPort("web", 80)
	if !ok {
		t.Fatalf("stopped task keeps no host port: %+v", e.task(old).Containers)
	}

	// The restarted control plane: same store, nothing else kept.
	c2, err := New(Options{Store: e.store, Region: "us-east-1", AccountID: "123456789012", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	out, err = c2.RunTask(e.ctx, RunTaskInput{TaskDefinition: "web"})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("run after restart: %+v, %v", out, err)
	}
	newPort, ok := out.Tasks[0].HostPort("web", 80)
	if !ok || newPort == oldPort || newPort < ecs.DynamicPortFirst || newPort > ecs.DynamicPortLast {
		t.Errorf("host port after restart: %d (%t); want a dynamic port other than %d, the stopped task's", newPort, ok, oldPort)
	}
}
