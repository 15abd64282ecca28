package drivertest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// Behavior is what a contract test wants a task to do.
type Behavior struct {
	// RunFor is how long the task runs before it exits by itself. Zero
	// means until it is stopped.
	RunFor time.Duration
	// ExitCode is the status the task exits with after RunFor.
	ExitCode int
	// IgnoreSIGTERM makes the task ignore SIGTERM, so Stop must escalate.
	IgnoreSIGTERM bool
	// MissingImage asks for an image reference the driver cannot resolve.
	MissingImage bool
}

// Harness binds the suite to one driver implementation.
type Harness struct {
	// Driver is the driver under test, fresh for each subtest.
	Driver driver.Driver
	// Config returns a config with the given ID whose task behaves as b.
	Config func(id string, b Behavior) *driver.TaskConfig
	// Ready, if set, blocks until a started task has done its setup (for
	// instance installed its signal handlers). Nil means Start is enough.
	Ready func(tb testing.TB, cfg *driver.TaskConfig)
}

// WaitFor polls cond every few milliseconds until it returns true or the
// timeout passes, then fails the test with cond's last message.
func WaitFor(tb testing.TB, timeout time.Duration, cond func() (bool, string)) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, msg := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met after %v: %s", timeout, msg)
		}
		<-tick.C
	}
}

// Receive waits up to timeout for one result on ch and fails the test if
// none arrives or ch is closed empty.
func Receive(tb testing.TB, ch <-chan driver.ExitResult, timeout time.Duration) driver.ExitResult {
	tb.Helper()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r, ok := <-ch:
		if !ok {
			tb.Fatalf("wait channel closed without a result")
		}
		return r
	case <-t.C:
		tb.Fatalf("no exit result after %v", timeout)
	}
	return driver.ExitResult{}
}

// resultTimeout bounds every wait in the suite; generous for -race on two
// cores, never reached when things work.
const resultTimeout = 20 * time.Second

// Run runs the contract suite. newHarness is called once per subtest, so
// subtests can run in parallel on independent drivers.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	for _, tc := range contractTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newHarness(t))
		})
	}
}

var contractTests = []struct {
	name string
	fn   func(t *testing.T, h *Harness)
}{
	{"ExitCode", testExitCode},
	{"StopSIGTERM", testStopSIGTERM},
	{"StopEscalatesToSIGKILL", testStopEscalates},
	{"StopExitedIsNoop", testStopExited},
	{"Destroy", testDestroy},
	{"ErrTaskNotFound", testNotFound},
	{"ErrImageNotFound", testImageNotFound},
	{"ErrTaskExists", testTaskExists},
	{"ErrInvalidConfig", testInvalidConfig},
	{"WaitContextDone", testWaitContextDone},
	{"InspectRunning", testInspectRunning},
	{"Concurrent", testConcurrent},
}

// start starts cfg, registers a forced Destroy as cleanup and waits for the
// harness's readiness signal.
func start(t *testing.T, h *Harness, cfg *driver.TaskConfig) *driver.TaskHandle {
	t.Helper()
	th, err := h.Driver.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start(%s): %v", cfg.ID, err)
	}
	t.Cleanup(func() {
		if err := h.Driver.Destroy(cfg.ID, true); err != nil && !errors.Is(err, driver.ErrTaskNotFound) {
			t.Errorf("cleanup Destroy(%s): %v", cfg.ID, err)
		}
	})
	if h.Ready != nil {
		h.Ready(t, cfg)
	}
	return th
}

func wait(t *testing.T, h *Harness, id string) <-chan driver.ExitResult {
	t.Helper()
	ch, err := h.Driver.Wait(context.Background(), id)
	if err != nil {
		t.Fatalf("Wait(%s): %v", id, err)
	}
	return ch
}

func testExitCode(t *testing.T, h *Harness) {
	cfg := h.Config("exit-code", Behavior{RunFor: 50 * time.Millisecond, ExitCode: 3})
	th := start(t, h, cfg)
	if th.ID != cfg.ID || th.Driver != h.Driver.Name() || th.StartedAt.IsZero() {
		t.Errorf("handle = %+v; want ID %q, Driver %q and StartedAt set", th, cfg.ID, h.Driver.Name())
	}
	r := Receive(t, wait(t, h, cfg.ID), resultTimeout)
	if r.ExitCode != 3 || r.Signal != 0 || r.OOMKilled || r.Err != nil {
		t.Errorf("exit = %v; want exit code 3", r)
	}
	// A Wait after the exit gets the same result at once.
	if r2 := Receive(t, wait(t, h, cfg.ID), resultTimeout); r2 != r {
		t.Errorf("second Wait = %v; want %v", r2, r)
	}
	st, err := h.Driver.Inspect(cfg.ID)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if st.State != driver.TaskStateExited || st.ExitResult == nil || st.ExitResult.ExitCode != 3 {
		t.Errorf("Inspect = %+v; want exited with code 3", st)
	}
	if st.CompletedAt.Before(st.StartedAt) {
		t.Errorf("CompletedAt %v before StartedAt %v", st.CompletedAt, st.StartedAt)
	}
}

func testStopSIGTERM(t *testing.T, h *Harness) {
	cfg := h.Config("stop-term", Behavior{})
	start(t, h, cfg)
	ch := wait(t, h, cfg.ID)
	begin := time.Now()
	if err := h.Driver.Stop(cfg.ID, 10*time.Second, ""); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("Stop took %v; SIGTERM should have ended the task at once", d)
	}
	r := Receive(t, ch, resultTimeout)
	if r.ExitCode != 128+driver.SIGTERM || r.Signal != driver.SIGTERM {
		t.Errorf("exit = %v; want 143 (signal 15)", r)
	}
}

func testStopEscalates(t *testing.T, h *Harness) {
	cfg := h.Config("stop-kill", Behavior{IgnoreSIGTERM: true})
	start(t, h, cfg)
	ch := wait(t, h, cfg.ID)
	const grace = 300 * time.Millisecond
	begin := time.Now()
	if err := h.Driver.Stop(cfg.ID, grace, "SIGTERM"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if d := time.Since(begin); d < grace {
		t.Errorf("Stop returned after %v; want at least the %v grace period", d, grace)
	}
	r := Receive(t, ch, resultTimeout)
	if r.ExitCode != 137 || r.Signal != driver.SIGKILL || r.OOMKilled {
		t.Errorf("exit = %v; want 137 (signal 9) without OOM", r)
	}
}

func testStopExited(t *testing.T, h *Harness) {
	cfg := h.Config("stop-exited", Behavior{RunFor: 10 * time.Millisecond})
	start(t, h, cfg)
	r := Receive(t, wait(t, h, cfg.ID), resultTimeout)
	if err := h.Driver.Stop(cfg.ID, time.Second, ""); err != nil {
		t.Errorf("Stop after exit: %v; want nil", err)
	}
	if r2 := Receive(t, wait(t, h, cfg.ID), resultTimeout); r2 != r {
		t.Errorf("result after Stop = %v; want unchanged %v", r2, r)
	}
}

func testDestroy(t *testing.T, h *Harness) {
	cfg := h.Config("destroy", Behavior{})
	start(t, h, cfg)
	ch := wait(t, h, cfg.ID)
	if err := h.Driver.Destroy(cfg.ID, false); !errors.Is(err, driver.ErrTaskRunning) {
		t.Fatalf("Destroy(force=false) on a running task = %v; want ErrTaskRunning", err)
	}
	if st, err := h.Driver.Inspect(cfg.ID); err != nil || st.State != driver.TaskStateRunning {
		t.Fatalf("after refused Destroy: Inspect = %+v, %v; want running", st, err)
	}
	if err := h.Driver.Destroy(cfg.ID, true); err != nil {
		t.Fatalf("Destroy(force=true): %v", err)
	}
	if r := Receive(t, ch, resultTimeout); r.ExitCode != 137 || r.Signal != driver.SIGKILL {
		t.Errorf("exit after forced Destroy = %v; want 137 (signal 9)", r)
	}
	if _, err := h.Driver.Inspect(cfg.ID); !errors.Is(err, driver.ErrTaskNotFound) {
		t.Errorf("Inspect after Destroy = %v; want ErrTaskNotFound", err)
	}
	if err := h.Driver.Destroy(cfg.ID, true); !errors.Is(err, driver.ErrTaskNotFound) {
		t.Errorf("second Destroy = %v; want ErrTaskNotFound", err)
	}

	// An exited task is destroyed without force, and its ID can be reused.
	cfg2 := h.Config("destroy", Behavior{RunFor: 10 * time.Millisecond})
	start(t, h, cfg2)
	Receive(t, wait(t, h, cfg2.ID), resultTimeout)
	if err := h.Driver.Destroy(cfg2.ID, false); err != nil {
		t.Errorf("Destroy(force=false) on an exited task: %v", err)
	}
}

func testNotFound(t *testing.T, h *Harness) {
	const id = "no-such-task"
	checks := map[string]error{}
	_, checks["Wait"] = h.Driver.Wait(context.Background(), id)
	checks["Stop"] = h.Driver.Stop(id, time.Second, "")
	checks["Destroy"] = h.Driver.Destroy(id, true)
	_, checks["Inspect"] = h.Driver.Inspect(id)
	for verb, err := range checks {
		if !errors.Is(err, driver.ErrTaskNotFound) {
			t.Errorf("%s = %v; want ErrTaskNotFound", verb, err)
		}
	}
}

func testImageNotFound(t *testing.T, h *Harness) {
	cfg := h.Config("no-image", Behavior{MissingImage: true})
	_, err := h.Driver.Start(context.Background(), cfg)
	if !errors.Is(err, driver.ErrImageNotFound) {
		t.Fatalf("Start = %v; want ErrImageNotFound", err)
	}
	if _, err := h.Driver.Inspect(cfg.ID); !errors.Is(err, driver.ErrTaskNotFound) {
		t.Errorf("Inspect after failed Start = %v; want ErrTaskNotFound", err)
	}
}

func testTaskExists(t *testing.T, h *Harness) {
	cfg := h.Config("dup", Behavior{})
	start(t, h, cfg)
	if _, err := h.Driver.Start(context.Background(), cfg); !errors.Is(err, driver.ErrTaskExists) {
		t.Errorf("second Start = %v; want ErrTaskExists", err)
	}
}

func testInvalidConfig(t *testing.T, h *Harness) {
	cfg := h.Config("invalid", Behavior{})
	cfg.Image = ""
	if _, err := h.Driver.Start(context.Background(), cfg); !errors.Is(err, driver.ErrInvalidConfig) {
		t.Errorf("Start without image = %v; want ErrInvalidConfig", err)
	}
}

func testWaitContextDone(t *testing.T, h *Harness) {
	cfg := h.Config("wait-ctx", Behavior{})
	start(t, h, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := h.Driver.Wait(ctx, cfg.ID)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	cancel()
	timer := time.NewTimer(resultTimeout)
	defer timer.Stop()
	select {
	case r, ok := <-ch:
		if ok {
			t.Errorf("got %v after cancel; want the channel closed without a result", r)
		}
	case <-timer.C:
		t.Fatal("channel not closed after the context was cancelled")
	}
}

func testInspectRunning(t *testing.T, h *Harness) {
	cfg := h.Config("inspect", Behavior{})
	th := start(t, h, cfg)
	st, err := h.Driver.Inspect(cfg.ID)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if st.ID != cfg.ID || st.State != driver.TaskStateRunning || st.ExitResult != nil ||
		!st.CompletedAt.IsZero() || !st.StartedAt.Equal(th.StartedAt) || st.PID != th.PID {
		t.Errorf("Inspect = %+v; want running with StartedAt %v and PID %d", st, th.StartedAt, th.PID)
	}
	// The status is a copy: changing it changes nothing in the driver.
	st.Details = map[string]string{"x": "y"}
	st.State = driver.TaskStateExited
	if st2, _ := h.Driver.Inspect(cfg.ID); st2.State != driver.TaskStateRunning {
		t.Errorf("Inspect returned shared state: %+v", st2)
	}
}

func testConcurrent(t *testing.T, h *Harness) {
	const n = 4
	errs := make(chan error, n)
	for i := range n {
		go func() {
			id := fmt.Sprintf("conc-%d", i)
			cfg := h.Config(id, Behavior{})
			if _, err := h.Driver.Start(context.Background(), cfg); err != nil {
				errs <- err
				return
			}
			if err := h.Driver.Stop(id, 5*time.Second, ""); err != nil {
				errs <- err
				return
			}
			errs <- h.Driver.Destroy(id, false)
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
