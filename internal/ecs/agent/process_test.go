package agent

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver/process"
	"github.com/ecslocal/ecslocal/internal/ecs"
)

// TestProcessDriverRealProcess runs a task whose container is this test
// binary (TestMain's testTask) through the process driver: PENDING →
// RUNNING with a pid runtimeId and a log file, then STOPPED on a stop
// request, with the exit code of SIGTERM.
func TestProcessDriverRealProcess(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the process driver runs on Linux")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	drv := process.New(process.Options{
		Images:         process.ImageMap{"testtask:v1": {Path: exe}},
		BaseEnv:        []string{},
		DisableCgroups: true,
		Logger:         testLogger(t),
	})
	rec := newRecorder()
	logDir := t.TempDir()
	a, err := New(Config{InstanceARN: instanceARN, Driver: drv, Reporter: rec, LogDir: logDir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := a.Kill(ctx); err != nil {
			t.Errorf("Kill: %v", err)
		}
		rec.check(t)
	})

	app := ecs.ContainerDefinition{
		Name:   "app",
		Image:  "123456789012.dkr.ecr.us-east-1.amazonaws.com/testtask:v1",
		Memory: ptr(64),
		Environment: []ecs.KeyValuePair{
			{Name: testTaskEnv, Value: "1"},
			// Without this a -race test binary sleeps 1 s before exiting.
			{Name: "GORACE", Value: "atexit_sleep_ms=0"},
		},
	}
	td := taskDef("real", app)
	task := newTask(td)
	rec.start(task)
	if err := a.Apply(task, td); err != nil {
		t.Fatal(err)
	}

	got := rec.waitStatus(t, task.TaskARN, ecs.TaskStatusRunning)
	if id := got.Container("app").RuntimeID; !strings.HasPrefix(id, "pid-") {
		t.Errorf("runtimeId = %q; want pid-<n>", id)
	}
	paths, err := a.LogPaths(task.TaskARN)
	if err != nil || paths["app"] == "" {
		t.Fatalf("LogPaths = %v, %v", paths, err)
	}
	// The program prints "ready" once it runs; poll for it.
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(paths["app"])
		if bytes.Contains(b, []byte("ready")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %s = %q; want ready", paths["app"], b)
		}
		time.Sleep(10 * time.Millisecond) // polling, not an assertion
	}

	stopped := task.Copy()
	stopped.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
	if err := a.Apply(stopped, td); err != nil {
		t.Fatal(err)
	}
	end := rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
	if c := end.Container("app"); exitCode(c) != "143" {
		t.Errorf("exit code = %s (%q); want 143 (SIGTERM)", exitCode(c), c.Reason)
	}
	want := []ecs.TaskStatus{ecs.TaskStatusPending, ecs.TaskStatusRunning, ecs.TaskStatusStopping, ecs.TaskStatusStopped}
	if st := rec.statuses(task.TaskARN); !slices.Equal(st, want) {
		t.Errorf("statuses = %v; want %v", st, want)
	}
}
