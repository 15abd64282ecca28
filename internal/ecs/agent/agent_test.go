package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/driver/fake"
	"github.com/ecslocal/ecslocal/internal/ecs"
)

func TestRunningReportsBindings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *Config) { c.HostIP = "127.0.10.1" })
	web := container("web", true, nil)
	web.PortMappings = []ecs.PortMapping{{ContainerPort: 3000, Protocol: ecs.TransportProtocolTCP}}
	web.Environment = []ecs.KeyValuePair{{Name: "MODE", Value: "prod"}}
	td := taskDef("web", web)
	task := newTask(td)
	want := []ecs.NetworkBinding{{BindIP: ecs.BindIPAny, ContainerPort: 3000, HostPort: 32768, Protocol: ecs.TransportProtocolTCP}}
	task.Containers[0].NetworkBindings = want // control's placement
	h.apply(t, task, td)

	got := h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusRunning)
	c := got.Container("web")
	if c == nil || c.LastStatus != ecs.ContainerStatusRunning {
		t.Fatalf("container = %+v; want RUNNING", c)
	}
	if !slices.Equal(c.NetworkBindings, want) {
		t.Errorf("networkBindings = %+v; want %+v", c.NetworkBindings, want)
	}
	if wantID := "fake-" + HandleID(task.ID(), "web"); c.RuntimeID != wantID {
		t.Errorf("runtimeId = %q; want %q", c.RuntimeID, wantID)
	}
	if got.ContainerInstanceARN != instanceARN || got.PullStartedAt.IsZero() || got.PullStoppedAt.IsZero() {
		t.Errorf("change = %+v; want instance ARN and pull times", got)
	}
	if st := h.rec.statuses(task.TaskARN); !slices.Equal(st, []ecs.TaskStatus{ecs.TaskStatusPending, ecs.TaskStatusRunning}) {
		t.Errorf("statuses = %v; want [PENDING RUNNING]", st)
	}

	// The driver got the config built from the definition.
	hs := h.agent.Handles()[task.TaskARN]
	if len(hs) != 1 {
		t.Fatalf("handles = %v; want 1", hs)
	}
	cfg := hs[0].Config
	if pb := cfg.PortBindings; len(pb) != 1 || pb[0].HostPort != 32768 || pb[0].ContainerPort != 3000 || pb[0].HostIP != "127.0.10.1" {
		t.Errorf("port bindings = %+v", pb)
	}
	if cfg.MemoryMiB != 128 || cfg.Env["MODE"] != "prod" || cfg.Labels[LabelTaskARN] != task.TaskARN {
		t.Errorf("config = %+v", cfg)
	}
	if wantDir := filepath.Join(h.cfg.LogDir, task.ID()); cfg.LogDir != wantDir {
		t.Errorf("log dir = %q; want %q", cfg.LogDir, wantDir)
	}

	// Control records the change on its copy of the task.
	ct := task.Copy()
	for _, ch := range []TaskStateChange{h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusPending), got} {
		if err := ch.ApplyTo(ct); err != nil {
			t.Fatalf("ApplyTo: %v", err)
		}
	}
	if ct.LastStatus != ecs.TaskStatusRunning || ct.StartedAt.IsZero() || ct.Containers[0].RuntimeID != c.RuntimeID || ct.DesiredStatus != ecs.DesiredStatusRunning {
		t.Errorf("task after ApplyTo = %+v", ct)
	}
}

func TestEssentialContainerExit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	app := container("app", true, map[string]string{fake.KeyRunFor: "10s", fake.KeyExitCode: "3"})
	side := container("sidecar", false, nil)
	side.StopTimeout = ptr(5)
	td := taskDef("essential", app, side)
	task := newTask(td)
	h.apply(t, task, td)
	h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusRunning)

	h.clock.Advance(10 * time.Second)
	got := h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
	if got.StopCode != ecs.StopCodeEssentialContainerExited || got.StoppedReason != "Essential container in task exited" {
		t.Errorf("stop = %s %q; want EssentialContainerExited", got.StopCode, got.StoppedReason)
	}
	if c := got.Container("app"); exitCode(c) != "3" || c.Reason != "" {
		t.Errorf("app exit code = %s (%q); want 3", exitCode(c), c.Reason)
	}
	if c := got.Container("sidecar"); exitCode(c) != "143" {
		t.Errorf("sidecar exit code = %s; want 143 (stopped with SIGTERM)", exitCode(c))
	}
	if want := epoch.Add(10 * time.Second); !got.ExecutionStoppedAt.Equal(want) {
		t.Errorf("executionStoppedAt = %v; want %v", got.ExecutionStoppedAt, want)
	}
	stops := h.drv.CallsTo("Stop")
	if len(stops) != 1 || stops[0].TaskID != HandleID(task.ID(), "sidecar") || stops[0].Timeout != 5*time.Second {
		t.Errorf("Stop calls = %+v; want the sidecar with 5s", stops)
	}
	if st := h.rec.statuses(task.TaskARN); !slices.Equal(st, []ecs.TaskStatus{ecs.TaskStatusPending, ecs.TaskStatusRunning, ecs.TaskStatusStopping, ecs.TaskStatusStopped}) {
		t.Errorf("statuses = %v", st)
	}
	<-h.agent.Runner(task.TaskARN).WaitCh()
	for _, id := range []string{HandleID(task.ID(), "app"), HandleID(task.ID(), "sidecar")} {
		if _, err := h.drv.Inspect(id); !errors.Is(err, driver.ErrTaskNotFound) {
			t.Errorf("Inspect(%s) after STOPPED = %v; want destroyed", id, err)
		}
	}
	if hs := h.agent.Handles(); len(hs[task.TaskARN]) != 2 {
		t.Errorf("handles after stop = %v; want both kept for the record", hs)
	}

	// Control writes the proposal with Stop, then the observation.
	ct := task.Copy()
	ct.Stop(got.StopCode, got.StoppedReason)
	if err := got.ApplyTo(ct); err != nil {
		t.Fatalf("ApplyTo: %v", err)
	}
	if err := ct.Validate(); err != nil || !ct.ExecutionStoppedAt.Equal(got.ExecutionStoppedAt) {
		t.Errorf("task after ApplyTo: %v, executionStoppedAt %v", err, ct.ExecutionStoppedAt)
	}
}

func TestNonEssentialExitKeepsTaskRunning(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	td := taskDef("nonessential",
		container("app", true, nil),
		container("init", false, map[string]string{fake.KeyRunFor: "1s", fake.KeyExitCode: "0"}))
	task := newTask(td)
	h.apply(t, task, td)
	h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusRunning)

	h.clock.Advance(time.Second)
	got := h.rec.wait(t, task.TaskARN, "init stopped", func(c TaskStateChange) bool {
		return c.Container("init").LastStatus == ecs.ContainerStatusStopped
	})
	if got.LastStatus != ecs.TaskStatusRunning || exitCode(got.Container("init")) != "0" || got.Container("app").LastStatus != ecs.ContainerStatusRunning {
		t.Errorf("change = %+v; want RUNNING with init exited 0", got)
	}
	if got.StopCode != "" {
		t.Errorf("stopCode = %s; want none", got.StopCode)
	}
	if n := len(h.drv.CallsTo("Stop")); n != 0 {
		t.Errorf("%d Stop calls; want none", n)
	}

	// The task still stops on request, app alone being stopped.
	h.stop(t, task, td)
	end := h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
	if end.StopCode != "" || exitCode(end.Container("app")) != "143" || exitCode(end.Container("init")) != "0" {
		t.Errorf("STOPPED change = %+v", end)
	}
}

func TestImageNotFound(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	td := taskDef("pull",
		container("first", true, nil),
		container("missing", true, map[string]string{fake.KeyImageNotFound: "true"}))
	task := newTask(td)
	h.apply(t, task, td)

	got := h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
	c := got.Container("missing")
	if !strings.HasPrefix(c.Reason, "CannotPullContainerError: ") || c.ExitCode != nil || c.RuntimeID != "" {
		t.Errorf("missing container = %+v; want CannotPullContainerError, no exit code", c)
	}
	if got.StopCode != ecs.StopCodeTaskFailedToStart || got.StoppedReason != c.Reason {
		t.Errorf("stop = %s %q; want TaskFailedToStart with the container reason", got.StopCode, got.StoppedReason)
	}
	if f := got.Container("first"); exitCode(f) != "143" {
		t.Errorf("first container exit code = %s; want 143: started, then stopped", exitCode(f))
	}
	if st := h.rec.statuses(task.TaskARN); slices.Contains(st, ecs.TaskStatusRunning) {
		t.Errorf("statuses = %v; the task never ran", st)
	}
}

func TestStartFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	td := taskDef("fail", container("app", true, map[string]string{fake.KeyFailStart: "boom"}))
	task := newTask(td)
	h.apply(t, task, td)
	got := h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
	if c := got.Container("app"); c.Reason != "CannotStartContainerError: start task "+HandleID(task.ID(), "app")+": boom" {
		t.Errorf("reason = %q", c.Reason)
	}
	if got.StopCode != ecs.StopCodeTaskFailedToStart {
		t.Errorf("stopCode = %s; want TaskFailedToStart", got.StopCode)
	}
}

func TestOOM(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	td := taskDef("oom", container("app", true, map[string]string{fake.KeyOOM: "true", fake.KeyRunFor: "2s"}))
	task := newTask(td)
	h.apply(t, task, td)
	h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusRunning)
	h.clock.Advance(2 * time.Second)
	got := h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
	c := got.Container("app")
	if exitCode(c) != "137" || c.Reason != "OutOfMemoryError: Container killed due to memory usage" {
		t.Errorf("container = %s %q; want 137 OutOfMemoryError", exitCode(c), c.Reason)
	}
	if got.StopCode != ecs.StopCodeEssentialContainerExited {
		t.Errorf("stopCode = %s", got.StopCode)
	}
}

func TestStopEscalatesAfterScaledTimeout(t *testing.T) {
	t.Parallel()
	// --time-scale 0.1: the 10 s stopTimeout takes 1 s.
	h := newHarness(t, func(c *Config) { c.Scale = func(d time.Duration) time.Duration { return d / 10 } })
	app := container("app", true, map[string]string{fake.KeyIgnoreSIGTERM: "true"})
	app.StopTimeout = ptr(10)
	td := taskDef("stubborn", app)
	task := newTask(td)
	h.apply(t, task, td)
	h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusRunning)

	h.stop(t, task, td)
	h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopping)
	if !h.clock.BlockUntil(1, 10*time.Second) {
		t.Fatal("Stop never armed its grace timer")
	}
	h.clock.Advance(999 * time.Millisecond)
	if st, _ := h.agent.State(task.TaskARN); st.LastStatus != ecs.TaskStatusStopping {
		t.Fatalf("status before the grace period ended = %s; want STOPPING", st.LastStatus)
	}
	h.clock.Advance(time.Millisecond)
	got := h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
	if c := got.Container("app"); exitCode(c) != "137" {
		t.Errorf("exit code = %s; want 137 (SIGKILL)", exitCode(c))
	}
	if got.StopCode != "" {
		t.Errorf("stopCode = %s; a stop control asked for carries none", got.StopCode)
	}
	stops := h.drv.CallsTo("Stop")
	if len(stops) != 1 || stops[0].Timeout != time.Second || stops[0].Signal != "" {
		t.Errorf("Stop calls = %+v; want one with 1s and the default signal", stops)
	}
	if want := epoch.Add(time.Second); !got.ExecutionStoppedAt.Equal(want) || !got.At.Equal(want) {
		t.Errorf("stopped at %v / %v; want %v", got.ExecutionStoppedAt, got.At, want)
	}
}

func TestDesiredStoppedBeforeStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	td := taskDef("never", container("app", true, nil))
	task := newTask(td)
	task.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
	h.apply(t, task, td)
	got := h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
	if c := got.Container("app"); c.LastStatus != ecs.ContainerStatusStopped || c.ExitCode != nil {
		t.Errorf("container = %+v", c)
	}
	if n := len(h.drv.CallsTo("Start")); n != 0 {
		t.Errorf("%d Start calls; want none", n)
	}
}

func TestShutdownLeavesTasksRunningKillStopsThem(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	td := taskDef("keep", container("app", true, nil))
	task := newTask(td)
	h.apply(t, task, td)
	h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusRunning)

	h.agent.Shutdown()
	id := HandleID(task.ID(), "app")
	if st, err := h.drv.Inspect(id); err != nil || st.State != driver.TaskStateRunning {
		t.Fatalf("after Shutdown: %v, %v; want running", st, err)
	}
	if st := h.rec.statuses(task.TaskARN); st[len(st)-1] != ecs.TaskStatusRunning {
		t.Errorf("statuses after Shutdown = %v; want RUNNING last", st)
	}
	if err := h.agent.Apply(task, td); !errors.Is(err, ErrClosed) {
		t.Errorf("Apply after Shutdown = %v; want ErrClosed", err)
	}

	// Another agent: Kill stops its task.
	h2 := newHarness(t, nil)
	task2 := newTask(td)
	h2.apply(t, task2, td)
	h2.rec.waitStatus(t, task2.TaskARN, ecs.TaskStatusRunning)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h2.agent.Kill(ctx); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	got, _ := h2.agent.State(task2.TaskARN)
	if got.LastStatus != ecs.TaskStatusStopped || exitCode(got.Container("app")) != "143" {
		t.Errorf("after Kill = %+v; want STOPPED, exit 143", got)
	}
	if _, err := h2.drv.Inspect(HandleID(task2.ID(), "app")); !errors.Is(err, driver.ErrTaskNotFound) {
		t.Errorf("Inspect after Kill = %v; want destroyed", err)
	}
}

func TestRecover(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	first := newHarness(t, func(c *Config) { c.StateDir = stateDir })
	keep := taskDef("keep", container("app", true, nil),
		container("job", false, map[string]string{fake.KeyRunFor: "1s"}))
	lose := taskDef("lose", container("app", true, map[string]string{fake.KeyRunFor: "1s"}))
	tKeep, tLose := newTask(keep), newTask(lose)
	first.apply(t, tKeep, keep)
	first.apply(t, tLose, lose)
	first.rec.waitStatus(t, tKeep.TaskARN, ecs.TaskStatusRunning)
	first.rec.waitStatus(t, tLose.TaskARN, ecs.TaskStatusRunning)
	first.agent.Shutdown()

	// ecslocal is down for 2 s: the 1 s containers exit unwatched.
	first.clock.Advance(2 * time.Second)
	handles, err := LoadHandles(stateDir)
	if err != nil || len(handles[tKeep.TaskARN]) != 2 || len(handles[tLose.TaskARN]) != 1 {
		t.Fatalf("LoadHandles = %v, %v", handles, err)
	}

	// The restarted ecslocal: a new fake driver on the same clock.
	second := newHarnessOn(t, first.clock, func(c *Config) { c.StateDir = stateDir })
	a := second.agent

	ctrl := func(task *ecs.Task) *ecs.Task { // control's view: RUNNING
		c := task.Copy()
		_ = c.SetLastStatus(ecs.TaskStatusRunning, epoch)
		for i := range c.Containers {
			c.Containers[i].LastStatus = ecs.ContainerStatusRunning
		}
		return c
	}
	tKeep, tLose = ctrl(tKeep), ctrl(tLose)
	second.rec.start(tKeep)
	second.rec.start(tLose)
	if err := a.Recover(context.Background(), tKeep, keep, handles[tKeep.TaskARN]); !errors.Is(err, driver.ErrTaskNotFound) {
		t.Errorf("Recover(keep) = %v; want the job container reported gone", err)
	}
	if err := a.Recover(context.Background(), tLose, lose, handles[tLose.TaskARN]); !errors.Is(err, driver.ErrTaskNotFound) {
		t.Errorf("Recover(lose) = %v; want ErrTaskNotFound", err)
	}

	// keep: app re-adopted, job lost but not essential: still RUNNING.
	got := second.rec.waitStatus(t, tKeep.TaskARN, ecs.TaskStatusRunning)
	if c := got.Container("app"); c.LastStatus != ecs.ContainerStatusRunning || c.RuntimeID != "fake-"+HandleID(tKeep.ID(), "app") {
		t.Errorf("re-adopted app = %+v", c)
	}
	got = second.rec.wait(t, tKeep.TaskARN, "job stopped", func(c TaskStateChange) bool {
		return c.Container("job").LastStatus == ecs.ContainerStatusStopped
	})
	if c := got.Container("job"); !strings.HasPrefix(c.Reason, ReasonNotRecovered) || c.ExitCode != nil || got.LastStatus != ecs.TaskStatusRunning {
		t.Errorf("lost job = %+v in %s", c, got.LastStatus)
	}
	// lose: its essential container is gone, so the task stops.
	end := second.rec.waitStatus(t, tLose.TaskARN, ecs.TaskStatusStopped)
	if end.StopCode != ecs.StopCodeEssentialContainerExited || !strings.HasPrefix(end.Container("app").Reason, ReasonNotRecovered) {
		t.Errorf("lost task = %+v", end)
	}

	// The re-adopted task is supervised: desired STOPPED stops it.
	second.stop(t, tKeep, keep)
	end = second.rec.waitStatus(t, tKeep.TaskARN, ecs.TaskStatusStopped)
	if exitCode(end.Container("app")) != "143" {
		t.Errorf("re-adopted app exit code = %s; want 143", exitCode(end.Container("app")))
	}
	<-a.Runner(tKeep.TaskARN).WaitCh()
	<-a.Runner(tLose.TaskARN).WaitCh()
	if left, err := LoadHandles(stateDir); err != nil || len(left) != 0 {
		t.Errorf("handles left after STOPPED = %v, %v; want none", left, err)
	}
}

// noRecover hides the fake driver's Recoverer, as a driver that cannot
// re-adopt tasks would.
type noRecover struct{ driver.Driver }

func TestRecoverNotSupported(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	td := taskDef("orphan", container("app", true, nil))
	task := newTask(td)
	h.apply(t, task, td)
	h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusRunning)
	handles := h.agent.Handles()[task.TaskARN]
	h.agent.Shutdown()

	rec := newRecorder()
	a, err := New(Config{Driver: noRecover{h.drv}, Reporter: rec, Now: h.clock.Now, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Kill(context.Background()) })
	running := task.Copy()
	_ = running.SetLastStatus(ecs.TaskStatusRunning, epoch)
	running.Containers[0].LastStatus = ecs.ContainerStatusRunning
	rec.start(running)
	if err := a.Recover(context.Background(), running, td, handles); !errors.Is(err, driver.ErrNotSupported) {
		t.Errorf("Recover = %v; want ErrNotSupported", err)
	}
	got := rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
	if c := got.Container("app"); !strings.HasPrefix(c.Reason, ReasonNotRecovered) || got.StopCode != ecs.StopCodeEssentialContainerExited {
		t.Errorf("STOPPED = %+v", got)
	}
	rec.check(t)
}

func TestSyncKillsForgottenTasks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	td := taskDef("sync", container("app", true, nil))
	t1, t2 := newTask(td), newTask(td)
	h.rec.start(t1)
	h.rec.start(t2)
	defs := map[string]*ecs.TaskDefinition{td.TaskDefinitionARN: td}
	if err := h.agent.Sync([]*ecs.Task{t1, t2}, defs); err != nil {
		t.Fatal(err)
	}
	h.rec.waitStatus(t, t1.TaskARN, ecs.TaskStatusRunning)
	h.rec.waitStatus(t, t2.TaskARN, ecs.TaskStatusRunning)
	if err := h.agent.Sync([]*ecs.Task{t1}, defs); err != nil {
		t.Fatal(err)
	}
	h.rec.waitStatus(t, t2.TaskARN, ecs.TaskStatusStopped)
	<-h.agent.Runner(t2.TaskARN).WaitCh()
	if err := h.agent.Sync([]*ecs.Task{t1}, defs); err != nil {
		t.Fatal(err)
	}
	if got := h.agent.Tasks(); !slices.Equal(got, []string{t1.TaskARN}) {
		t.Errorf("tasks = %v; want only %s", got, t1.TaskARN)
	}
	if err := h.agent.Sync([]*ecs.Task{newTask(td)}, nil); err == nil {
		t.Error("Sync without the definition succeeded")
	}
}

func TestLogPaths(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	td := taskDef("logs", container("app", true, nil))
	task := newTask(td)
	dir := TaskLogDir(h.cfg.LogDir, task.ID())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app.log"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := h.agent.LogPaths(task.TaskARN)
	if err != nil || got["app"] != filepath.Join(dir, "app.log") || len(got) != 1 {
		t.Errorf("LogPaths = %v, %v", got, err)
	}
}

func TestApplyToRefusesGoingBack(t *testing.T) {
	t.Parallel()
	td := taskDef("back", container("app", true, nil))
	task := newTask(td)
	task.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
	if err := task.SetLastStatus(ecs.TaskStatusStopped, epoch); err != nil {
		t.Fatal(err)
	}
	late := TaskStateChange{TaskARN: task.TaskARN, LastStatus: ecs.TaskStatusRunning, At: epoch,
		Containers: []ContainerStateChange{{Name: "app", LastStatus: ecs.ContainerStatusRunning, RuntimeID: "x"}}}
	if err := late.ApplyTo(task); !errors.Is(err, ecs.ErrInvalidTransition) {
		t.Errorf("ApplyTo = %v; want ErrInvalidTransition", err)
	}
	if task.Containers[0].RuntimeID != "" {
		t.Errorf("a refused change wrote the container")
	}
}

func TestKillDuringStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	td := taskDef("slow",
		container("first", true, nil),
		container("slow", true, map[string]string{fake.KeyStartDelay: "1m"}))
	task := newTask(td)
	h.apply(t, task, td)
	h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusPending)
	if !h.clock.BlockUntil(1, 10*time.Second) {
		t.Fatal("the slow container's start never waited on the clock")
	}
	h.stop(t, task, td)
	got := h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
	if got.StopCode != "" || exitCode(got.Container("first")) != "143" || got.Container("slow").ExitCode != nil {
		t.Errorf("STOPPED = %+v; want first stopped (143), slow never started, no stop code", got)
	}
	if st := h.rec.statuses(task.TaskARN); slices.Contains(st, ecs.TaskStatusRunning) {
		t.Errorf("statuses = %v; the task never ran", st)
	}
}

func TestShutdownDuringStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	td := taskDef("slowshutdown",
		container("first", true, nil),
		container("slow", true, map[string]string{fake.KeyStartDelay: "1m"}))
	task := newTask(td)
	h.apply(t, task, td)
	if !h.clock.BlockUntil(1, 10*time.Second) {
		t.Fatal("the slow container's start never waited on the clock")
	}
	h.agent.Shutdown()
	if st, err := h.drv.Inspect(HandleID(task.ID(), "first")); err != nil || st.State != driver.TaskStateRunning {
		t.Errorf("first container after Shutdown: %v, %v; want left running", st, err)
	}
	if hs := h.agent.Handles()[task.TaskARN]; len(hs) != 1 {
		t.Errorf("handles = %v; want the first container's, to re-adopt", hs)
	}
	if st := h.rec.statuses(task.TaskARN); !slices.Equal(st, []ecs.TaskStatus{ecs.TaskStatusPending}) {
		t.Errorf("statuses = %v; want only PENDING", st)
	}
}

// groupDirs is a LogStreams over directories, one a log group: what
// cmd/ecslocal wires from the CloudFormation log groups.
type groupDirs struct{ root string }

func (g groupDirs) StreamPath(group, stream string, create bool) (string, error) {
	dir := filepath.Join(g.root, group)
	if _, err := os.Stat(dir); err != nil && !create {
		return "", errors.New("ResourceNotFoundException: The specified log group does not exist.")
	}
	path := filepath.Join(dir, stream+".log")
	return path, os.MkdirAll(filepath.Dir(path), 0o755)
}

func TestAWSLogs(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "/ecs/api"), 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config) { c.AWSLogs = groupDirs{root} })
	awslogs := func(group string) ecs.ContainerDefinition {
		cd := container("app", true, nil)
		cd.LogConfiguration = &ecs.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "api",
		}}
		return cd
	}

	t.Run("StreamIsTheLogFile", func(t *testing.T) {
		td := taskDef("logged", awslogs("/ecs/api"))
		task := newTask(td)
		h.apply(t, task, td)
		h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusRunning)
		logs, err := h.agent.LogPaths(task.TaskARN)
		if err != nil {
			t.Fatal(err)
		}
		stream := filepath.Join(root, "/ecs/api", "api", "app", task.ID()+".log")
		if err := os.WriteFile(logs["app"], []byte("hello\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(stream)
		if err != nil || string(got) != "hello\n" {
			t.Errorf("stream %s = %q, %v; want the container's output", stream, got, err)
		}
	})
	t.Run("MissingGroupFailsTheStart", func(t *testing.T) {
		td := taskDef("unlogged", awslogs("/ecs/missing"))
		task := newTask(td)
		h.apply(t, task, td)
		got := h.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
		if c := got.Container("app"); !strings.Contains(c.Reason, "ResourceNotFoundException") {
			t.Errorf("reason = %q; want the missing log group named", c.Reason)
		}
	})
}

// routing is a driver under another name than the handles it runs, as
// cmd/ecslocal's --driver auto ("auto") runs "process" and "docker"
// handles: it passes Recover on to the driver that owns them.
type routing struct{ *fake.Driver }

func (routing) Name() string { return "auto" }

func (r routing) Recover(ctx context.Context, h *driver.TaskHandle) error {
	return r.Driver.Recover(ctx, h)
}

// TestRecoverThroughRoutingDriver re-adopts a task through a driver whose
// Name is not the handle's Driver: the Recoverer decides, so nothing is
// lost for the name alone.
func TestRecoverThroughRoutingDriver(t *testing.T) {
	t.Parallel()
	stateDir := t.TempDir()
	first := newHarness(t, func(c *Config) { c.StateDir = stateDir })
	td := taskDef("routed", container("app", true, nil))
	task := newTask(td)
	first.apply(t, task, td)
	first.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusRunning)
	first.agent.Shutdown()
	handles, err := LoadHandles(stateDir)
	if err != nil || len(handles[task.TaskARN]) != 1 || handles[task.TaskARN][0].Driver == "auto" {
		t.Fatalf("LoadHandles = %v, %v; want one handle of the fake driver", handles, err)
	}

	second := newHarnessOn(t, first.clock, func(c *Config) { c.StateDir = stateDir })
	a, err := New(Config{InstanceARN: instanceARN, Driver: routing{second.drv}, Reporter: second.rec, StateDir: stateDir,
		Now: second.clock.Now, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Kill(context.Background()) })
	running := task.Copy()
	_ = running.SetLastStatus(ecs.TaskStatusRunning, epoch)
	running.Containers[0].LastStatus = ecs.ContainerStatusRunning
	second.rec.start(running)
	if err := a.Recover(context.Background(), running, td, handles[task.TaskARN]); err != nil {
		t.Fatalf("Recover through a routing driver = %v; want the task re-adopted", err)
	}
	got := second.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusRunning)
	if c := got.Container("app"); c.LastStatus != ecs.ContainerStatusRunning || c.Reason != "" {
		t.Errorf("re-adopted app = %+v; want RUNNING without a reason", c)
	}
	if err := a.Kill(context.Background()); err != nil {
		t.Fatal(err)
	}
	end := second.rec.waitStatus(t, task.TaskARN, ecs.TaskStatusStopped)
	if exitCode(end.Container("app")) != "143" {
		t.Errorf("re-adopted app exit code = %s; want 143 (stopped by the routed driver)", exitCode(end.Container("app")))
	}
}
