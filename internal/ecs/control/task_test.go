package control

import (
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

func TestRunTaskStopTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx
	ci := e.instance("t2.micro")
	e.taskDef("web", 128, nil)

	out, err := e.c.RunTask(ctx, RunTaskInput{TaskDefinition: "web", Count: 2, StartedBy: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tasks) != 2 || len(out.Failures) != 0 {
		t.Fatalf("run: %+v", out)
	}
	for _, tk := range out.Tasks {
		if tk.Group != "family:web" || tk.DesiredStatus != ecs.DesiredStatusRunning || tk.ContainerInstanceARN != ci.ContainerInstanceARN {
			t.Fatalf("task %+v", tk)
		}
	}
	a, b := out.Tasks[0], out.Tasks[1]
	e.waitFor("tasks RUNNING", 0, func() bool {
		return e.task(a.TaskARN).LastStatus == ecs.TaskStatusRunning && e.task(b.TaskARN).LastStatus == ecs.TaskStatusRunning
	})
	pa, _ := e.task(a.TaskARN).HostPort("web", 80)
	pb, _ := e.task(b.TaskARN).HostPort("web", 80)
	if pa < ecs.DynamicPortFirst || pb < ecs.DynamicPortFirst || pa == pb {
		t.Fatalf("host ports %d %d", pa, pb)
	}

	l, err := e.c.ListTasks(ctx, ListTasksInput{Family: "web", ContainerInstance: ci.ID()})
	if err != nil || len(l.TaskARNs) != 2 {
		t.Fatalf("list: %+v %v", l, err)
	}
	// startedBy must be the only filter (ListTasks startedBy).
	l, err = e.c.ListTasks(ctx, ListTasksInput{StartedBy: "me"})
	if err != nil || len(l.TaskARNs) != 2 {
		t.Fatalf("list startedBy: %+v %v", l, err)
	}
	l, err = e.c.ListTasks(ctx, ListTasksInput{DesiredStatus: "PENDING"})
	if err != nil || len(l.TaskARNs) != 0 {
		t.Fatalf("list pending: %+v %v", l, err)
	}

	st, err := e.c.StopTask(ctx, StopTaskInput{Task: a.ID(), Reason: "done here"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Task.DesiredStatus != ecs.DesiredStatusStopped || st.Task.StopCode != ecs.StopCodeUserInitiated || st.Task.StoppedReason != "done here" {
		t.Fatalf("stop: %+v", st.Task)
	}
	e.waitFor("task STOPPED", 0, func() bool { return e.task(a.TaskARN).LastStatus == ecs.TaskStatusStopped })
	d, err := e.c.DescribeTasks(ctx, DescribeTasksInput{Tasks: []string{a.TaskARN, "ffffffffffffffffffffffffffffffff"}})
	if err != nil || len(d.Tasks) != 1 || len(d.Failures) != 1 {
		t.Fatalf("describe: %+v %v", d, err)
	}
	if got := d.Tasks[0]; got.StoppedAt.IsZero() || got.Containers[0].ExitCode == nil {
		t.Fatalf("stopped task %+v", got)
	}
	l, err = e.c.ListTasks(ctx, ListTasksInput{DesiredStatus: ecs.DesiredStatusStopped})
	if err != nil || len(l.TaskARNs) != 1 {
		t.Fatalf("list stopped: %+v %v", l, err)
	}

	t.Run("ErrCount", func(t *testing.T) {
		_, err := e.c.RunTask(ctx, RunTaskInput{TaskDefinition: "web", Count: 11})
		wantCode(t, err, ecs.CodeInvalidParameterException)
	})
	t.Run("InsufficientMemory", func(t *testing.T) {
		e.taskDef("big", 2000, nil)
		out, err := e.c.RunTask(ctx, RunTaskInput{TaskDefinition: "big"})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Tasks) != 0 || len(out.Failures) != 1 || out.Failures[0].Reason != "RESOURCE:MEMORY" || out.Failures[0].ARN != ci.ContainerInstanceARN {
			t.Fatalf("run big: %+v", out)
		}
	})
	t.Run("ErrStopUnknown", func(t *testing.T) {
		_, err := e.c.StopTask(ctx, StopTaskInput{Task: "ffffffffffffffffffffffffffffffff"})
		wantCode(t, err, ecs.CodeInvalidParameterException)
	})
}

func TestRunTaskNoInstances(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.taskDef("web", 128, nil)
	_, err := e.c.RunTask(e.ctx, RunTaskInput{TaskDefinition: "web"})
	wantCode(t, err, ecs.CodeInvalidParameterException)
}

func TestRunTaskFailsToStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.instance("")
	e.taskDef("broken", 128, map[string]string{"failStart": "no such image"})
	out, err := e.c.RunTask(e.ctx, RunTaskInput{TaskDefinition: "broken"})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Tasks[0].TaskARN
	e.waitFor("task STOPPED", 0, func() bool { return e.task(arn).LastStatus == ecs.TaskStatusStopped })
	if got := e.task(arn); got.StopCode != ecs.StopCodeTaskFailedToStart || got.DesiredStatus != ecs.DesiredStatusStopped {
		t.Fatalf("task %+v", got)
	}
}
