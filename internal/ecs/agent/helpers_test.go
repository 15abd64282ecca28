package agent

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver/fake"
	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// instanceARN is the container instance of the test agents.
var instanceARN = ecstest.ContainerInstance(1).ContainerInstanceARN

// recorder is a Reporter that keeps every change and checks, as they
// arrive, that each task's statuses and each container's statuses move
// only along the lifecycle (ecs.CanTransition, ecs.CanTransitionContainer)
// or repeat.
type recorder struct {
	mu       sync.Mutex
	changes  []TaskStateChange
	last     map[string]TaskStateChange
	problems []string
	changed  chan struct{} // closed and replaced on every change
}

func newRecorder() *recorder {
	return &recorder{last: map[string]TaskStateChange{}, changed: make(chan struct{})}
}

// start sets the status control has for a task before the agent reports,
// as ecs.NewTask leaves it (PENDING) or as recorded by an earlier agent.
func (r *recorder) start(t *ecs.Task) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.last[t.TaskARN]; !ok {
		c := TaskStateChange{LastStatus: t.LastStatus}
		for _, tc := range t.Containers {
			c.Containers = append(c.Containers, ContainerStateChange{Name: tc.Name, LastStatus: tc.LastStatus})
		}
		r.last[t.TaskARN] = c
	}
}

func (r *recorder) TaskStateChanged(c TaskStateChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := r.last[c.TaskARN]
	if c.LastStatus != prev.LastStatus && !ecs.CanTransition(prev.LastStatus, c.LastStatus) {
		r.problems = append(r.problems, fmt.Sprintf("task %s: %s → %s", c.TaskARN, prev.LastStatus, c.LastStatus))
	}
	for _, cc := range c.Containers {
		from := ecs.ContainerStatus("")
		if p := prev.Container(cc.Name); p != nil {
			from = p.LastStatus
		}
		if cc.LastStatus != from && !ecs.CanTransitionContainer(from, cc.LastStatus) {
			r.problems = append(r.problems, fmt.Sprintf("container %s: %s → %s", cc.Name, from, cc.LastStatus))
		}
		if cc.ExitCode != nil && cc.LastStatus != ecs.ContainerStatusStopped {
			r.problems = append(r.problems, fmt.Sprintf("container %s: exit code while %s", cc.Name, cc.LastStatus))
		}
	}
	if prev.LastStatus == ecs.TaskStatusStopped {
		r.problems = append(r.problems, fmt.Sprintf("task %s: report after STOPPED", c.TaskARN))
	}
	r.last[c.TaskARN] = c.Copy()
	r.changes = append(r.changes, c.Copy())
	close(r.changed)
	r.changed = make(chan struct{})
}

// statuses returns the task statuses reported for a task, in order.
func (r *recorder) statuses(arn string) []ecs.TaskStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []ecs.TaskStatus
	for _, c := range r.changes {
		if c.TaskARN == arn {
			out = append(out, c.LastStatus)
		}
	}
	return out
}

// wait returns the first change of task arn that satisfies cond, waiting
// for it up to 10 s of real time.
func (r *recorder) wait(t *testing.T, arn string, what string, cond func(TaskStateChange) bool) TaskStateChange {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for _, c := range r.changes {
			if c.TaskARN == arn && cond(c) {
				r.mu.Unlock()
				return c.Copy()
			}
		}
		changed := r.changed
		r.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("task %s: no change %s; got %v", arn, what, r.statuses(arn))
		}
	}
}

// waitStatus waits for the task to be reported with status s.
func (r *recorder) waitStatus(t *testing.T, arn string, s ecs.TaskStatus) TaskStateChange {
	t.Helper()
	return r.wait(t, arn, string(s), func(c TaskStateChange) bool { return c.LastStatus == s })
}

// check fails the test for every illegal transition seen.
func (r *recorder) check(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.problems {
		t.Errorf("illegal report: %s", p)
	}
}

// harness is an agent on a fake driver with a manual clock.
type harness struct {
	clock *fake.ManualClock
	drv   *fake.Driver
	rec   *recorder
	agent *Agent
	cfg   Config
}

func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	return newHarnessOn(t, fake.NewManualClock(epoch), mod)
}

// newHarnessOn is newHarness on a given clock: a second harness on the
// first one's clock is ecslocal restarted.
func newHarnessOn(t *testing.T, clock *fake.ManualClock, mod func(*Config)) *harness {
	t.Helper()
	h := &harness{clock: clock, rec: newRecorder()}
	h.drv = fake.New(fake.Options{Clock: h.clock})
	h.cfg = Config{
		InstanceARN: instanceARN,
		Driver:      h.drv,
		Reporter:    h.rec,
		LogDir:      t.TempDir(),
		Now:         h.clock.Now,
		Logger:      testLogger(t),
	}
	if mod != nil {
		mod(&h.cfg)
	}
	a, err := New(h.cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.agent = a
	t.Cleanup(func() {
		destroyAll(h.drv)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Kill(ctx); err != nil {
			t.Errorf("Kill at cleanup: %v", err)
		}
		destroyAll(h.drv)
		h.rec.check(t)
	})
	return h
}

// destroyAll force-destroys every task the fake driver ever started.
func destroyAll(d *fake.Driver) {
	for _, c := range d.Calls() {
		if c.Op == "Start" || c.Op == "Recover" {
			_ = d.Destroy(c.TaskID, true)
		}
	}
}

// apply hands the task to the agent and registers its starting status.
func (h *harness) apply(t *testing.T, task *ecs.Task, td *ecs.TaskDefinition) {
	t.Helper()
	h.rec.start(task)
	if err := h.agent.Apply(task, td); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

// stop hands the agent the task desired STOPPED, as StopTask does.
func (h *harness) stop(t *testing.T, task *ecs.Task, td *ecs.TaskDefinition) {
	t.Helper()
	task = task.Copy()
	task.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
	if err := h.agent.Apply(task, td); err != nil {
		t.Fatalf("Apply (stop): %v", err)
	}
}

// testLogger routes the agent's logs to t.Log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// container returns a container definition running the fake driver's
// script labels.
func container(name string, essential bool, script map[string]string) ecs.ContainerDefinition {
	return ecs.ContainerDefinition{
		Name:         name,
		Image:        name + ":v1",
		Memory:       ptr(128),
		Essential:    ptr(essential),
		DockerLabels: script,
	}
}

// taskDef returns a registered definition of the containers.
func taskDef(family string, cds ...ecs.ContainerDefinition) *ecs.TaskDefinition {
	td := &ecs.TaskDefinition{Family: family, ContainerDefinitions: cds}
	td.Canonicalize()
	td.Register(ecstest.Scope.TaskDefinitionARN(family, 1), 1, epoch)
	return td
}

var taskSeq struct {
	sync.Mutex
	n int
}

// newTask returns a new task of td placed on the test instance, as control
// creates it (desired RUNNING, last PENDING).
func newTask(td *ecs.TaskDefinition) *ecs.Task {
	taskSeq.Lock()
	taskSeq.n++
	id := fmt.Sprintf("%032x", taskSeq.n)
	taskSeq.Unlock()
	return ecs.NewTask(td, ecs.NewTaskInput{
		TaskARN:              ecstest.Scope.TaskARN(ecstest.ClusterName, id),
		ClusterARN:           ecstest.Scope.ClusterARN(ecstest.ClusterName),
		ContainerInstanceARN: instanceARN,
		Now:                  epoch,
	})
}

func ptr[T any](v T) *T { return &v }

// exitCode renders a container's exit code for messages.
func exitCode(c *ContainerStateChange) string {
	if c == nil {
		return "no container"
	}
	if c.ExitCode == nil {
		return "none"
	}
	return fmt.Sprint(*c.ExitCode)
}
