package process

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/driver/drivertest"
)

// TestRecover re-adopts a running task with a second driver, as a
// restarted ecslocal would, and stops it through that driver.
func TestRecover(t *testing.T) {
	t.Parallel()
	first := newDriver(t)
	cfg := taskConfig(t, "recover", "ready", "sleep", "1h")
	cfg.MemoryMiB = 64
	th := startTask(t, first, cfg)
	waitLog(t, cfg, readyRE)

	second := newDriver(t)
	if err := second.Recover(context.Background(), th.Copy()); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	if err := second.Recover(context.Background(), th.Copy()); err != nil {
		t.Errorf("second Recover = %v; want nil (already held)", err)
	}
	st, err := second.Inspect(cfg.ID)
	if err != nil || st.State != driver.TaskStateRunning || st.PID != th.PID || !st.StartedAt.Equal(th.StartedAt) {
		t.Fatalf("Inspect after Recover = %+v, %v; want running pid %d", st, err, th.PID)
	}
	ch, err := second.Wait(context.Background(), cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	// A re-adopted task's exit status is known only when the driver itself
	// killed it, as a forced Destroy does.
	if err := second.Destroy(cfg.ID, true); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	r := drivertest.Receive(t, ch, timeout)
	if r.ExitCode != 137 || r.Signal != driver.SIGKILL || r.Err != nil {
		t.Errorf("exit via the second driver = %v; want 137 (signal 9)", r)
	}
	// The original parent sees the real status.
	if r := waitExit(t, first, cfg.ID); r.ExitCode != 137 || r.Signal != driver.SIGKILL {
		t.Errorf("exit via the first driver = %v; want 137 (signal 9)", r)
	}
}

func TestRecoverUnknownExit(t *testing.T) {
	t.Parallel()
	first := newDriver(t)
	cfg := taskConfig(t, "recover-exit", "ready", "sleep", "1h")
	th := startTask(t, first, cfg)
	waitLog(t, cfg, readyRE)
	second := newDriver(t)
	if err := second.Recover(context.Background(), th); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	ch, _ := second.Wait(context.Background(), cfg.ID)
	// The task ends without the second driver's doing.
	if err := first.Stop(cfg.ID, time.Second, "SIGTERM"); err != nil {
		t.Fatal(err)
	}
	r := drivertest.Receive(t, ch, timeout)
	if r.ExitCode != -1 || !errors.Is(r.Err, driver.ErrExitUnknown) {
		t.Errorf("exit = %v; want -1 with ErrExitUnknown", r)
	}
	if err := second.Destroy(cfg.ID, false); err != nil {
		t.Errorf("Destroy: %v", err)
	}
}

func TestRecoverGone(t *testing.T) {
	t.Parallel()
	first := newDriver(t)
	cfg := taskConfig(t, "gone", "exit", "0")
	cfg.MemoryMiB = 64
	th := startTask(t, first, cfg)
	waitExit(t, first, cfg.ID)

	second := newDriver(t)
	if err := second.Recover(context.Background(), th); !errors.Is(err, driver.ErrTaskNotFound) {
		t.Errorf("Recover(exited task) = %v; want ErrTaskNotFound", err)
	}
	if _, err := second.Inspect(cfg.ID); !errors.Is(err, driver.ErrTaskNotFound) {
		t.Errorf("Inspect = %v; want ErrTaskNotFound", err)
	}
	bad := th.Copy()
	bad.Driver = "docker"
	if err := second.Recover(context.Background(), bad); err == nil {
		t.Error("Recover accepted another driver's handle")
	}
	bad = th.Copy()
	bad.DriverState = []byte("{")
	if err := second.Recover(context.Background(), bad); !errors.Is(err, driver.ErrInvalidConfig) {
		t.Errorf("Recover(bad state) = %v; want ErrInvalidConfig", err)
	}
}
