package fake

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/driver/drivertest"
)

func TestContract(t *testing.T) {
	drivertest.Run(t, func(t *testing.T) *drivertest.Harness {
		return &drivertest.Harness{
			Driver: New(Options{}),
			Config: func(id string, b drivertest.Behavior) *driver.TaskConfig {
				cfg := &driver.TaskConfig{ID: id, Image: "app:latest", Labels: map[string]string{}}
				if b.RunFor > 0 {
					cfg.Labels[KeyRunFor] = b.RunFor.String()
				}
				cfg.Labels[KeyExitCode] = strconv.Itoa(b.ExitCode)
				cfg.Labels[KeyIgnoreSIGTERM] = strconv.FormatBool(b.IgnoreSIGTERM)
				cfg.Labels[KeyImageNotFound] = strconv.FormatBool(b.MissingImage)
				return cfg
			},
		}
	})
}

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// newManual returns a driver on a manual clock.
func newManual(t *testing.T) (*Driver, *ManualClock) {
	t.Helper()
	c := NewManualClock(epoch)
	return New(Options{Clock: c}), c
}

func mustStart(t *testing.T, d *Driver, cfg *driver.TaskConfig) {
	t.Helper()
	if _, err := d.Start(context.Background(), cfg); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = d.Destroy(cfg.ID, true) })
}

func mustWait(t *testing.T, d *Driver, id string) <-chan driver.ExitResult {
	t.Helper()
	ch, err := d.Wait(context.Background(), id)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return ch
}

func TestRunForOnManualClock(t *testing.T) {
	t.Parallel()
	d, c := newManual(t)
	mustStart(t, d, &driver.TaskConfig{ID: "a", Image: "x", Env: map[string]string{KeyRunFor: "10s", KeyExitCode: "4"}})
	ch := mustWait(t, d, "a")
	c.Advance(9 * time.Second)
	if st, _ := d.Inspect("a"); st.State != driver.TaskStateRunning {
		t.Fatalf("state after 9s = %s; want running", st.State)
	}
	c.Advance(time.Second)
	r := drivertest.Receive(t, ch, 5*time.Second)
	if r.ExitCode != 4 || r.Signal != 0 {
		t.Errorf("exit = %v; want code 4", r)
	}
	st, _ := d.Inspect("a")
	if want := epoch.Add(10 * time.Second); !st.CompletedAt.Equal(want) || !st.StartedAt.Equal(epoch) {
		t.Errorf("started %v completed %v; want %v and %v", st.StartedAt, st.CompletedAt, epoch, want)
	}
}

func TestLabelsOverrideEnv(t *testing.T) {
	t.Parallel()
	d, c := newManual(t)
	mustStart(t, d, &driver.TaskConfig{ID: "a", Image: "x",
		Env:    map[string]string{KeyRunFor: "1h", KeyExitCode: "1"},
		Labels: map[string]string{KeyRunFor: "1s"}})
	ch := mustWait(t, d, "a")
	c.Advance(time.Second)
	if r := drivertest.Receive(t, ch, 5*time.Second); r.ExitCode != 1 {
		t.Errorf("exit = %v; want code 1 from env after the label's 1s", r)
	}
}

func TestStopEscalatesOnManualClock(t *testing.T) {
	t.Parallel()
	d, c := newManual(t)
	mustStart(t, d, &driver.TaskConfig{ID: "a", Image: "x", Labels: map[string]string{KeyIgnoreSIGTERM: "true"}})
	stopped := make(chan error, 1)
	go func() { stopped <- d.Stop("a", 30*time.Second, "") }()
	if !c.BlockUntil(1, 5*time.Second) {
		t.Fatal("Stop never armed its grace timer")
	}
	c.Advance(29 * time.Second)
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned %v before the grace period ended", err)
	default:
	}
	c.Advance(time.Second)
	if err := <-stopped; err != nil {
		t.Fatalf("Stop: %v", err)
	}
	st, _ := d.Inspect("a")
	if r := st.ExitResult; r == nil || r.ExitCode != 137 || r.Signal != driver.SIGKILL {
		t.Errorf("exit = %v; want 137 (signal 9)", r)
	}
	if got := d.CallsTo("Stop"); len(got) != 1 || got[0].Timeout != 30*time.Second || !got[0].At.Equal(epoch) {
		t.Errorf("recorded Stop calls = %+v", got)
	}
}

func TestOOM(t *testing.T) {
	t.Parallel()
	d, c := newManual(t)
	mustStart(t, d, &driver.TaskConfig{ID: "a", Image: "x", Labels: map[string]string{KeyOOM: "true", KeyRunFor: "2s"}})
	ch := mustWait(t, d, "a")
	c.Advance(2 * time.Second)
	r := drivertest.Receive(t, ch, 5*time.Second)
	if want := (driver.ExitResult{ExitCode: 137, Signal: 9, OOMKilled: true}); r != want {
		t.Errorf("exit = %v; want %v", r, want)
	}
}

func TestStartFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		labels map[string]string
		check  func(error) bool
	}{
		{"FailStartMessage", map[string]string{KeyFailStart: "boom"}, func(err error) bool {
			return err != nil && err.Error() == "start task a: boom"
		}},
		{"FailStartTrue", map[string]string{KeyFailStart: "true"}, func(err error) bool { return err != nil }},
		{"ImageNotFound", map[string]string{KeyImageNotFound: "1"}, func(err error) bool {
			return errors.Is(err, driver.ErrImageNotFound)
		}},
		{"BadDuration", map[string]string{KeyRunFor: "soon"}, func(err error) bool {
			return errors.Is(err, driver.ErrInvalidConfig)
		}},
		{"BadExitCode", map[string]string{KeyExitCode: "300"}, func(err error) bool {
			return errors.Is(err, driver.ErrInvalidConfig)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, _ := newManual(t)
			_, err := d.Start(context.Background(), &driver.TaskConfig{ID: "a", Image: "x", Labels: tc.labels})
			if !tc.check(err) {
				t.Errorf("Start = %v", err)
			}
			if _, err := d.Inspect("a"); !errors.Is(err, driver.ErrTaskNotFound) {
				t.Errorf("Inspect after failed start = %v; want ErrTaskNotFound", err)
			}
		})
	}
}

func TestStartDelay(t *testing.T) {
	t.Parallel()
	d, c := newManual(t)
	cfg := &driver.TaskConfig{ID: "a", Image: "x", Labels: map[string]string{KeyStartDelay: "5s"}}
	started := make(chan error, 1)
	go func() {
		_, err := d.Start(context.Background(), cfg)
		started <- err
	}()
	if !c.BlockUntil(1, 5*time.Second) {
		t.Fatal("Start never armed its delay timer")
	}
	c.Advance(5 * time.Second)
	if err := <-started; err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = d.Destroy("a", true) })
	if st, _ := d.Inspect("a"); !st.StartedAt.Equal(epoch.Add(5 * time.Second)) {
		t.Errorf("StartedAt = %v; want after the delay", st.StartedAt)
	}

	// A cancelled context abandons the start.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg2 := cfg.Copy()
	cfg2.ID = "b"
	if _, err := d.Start(ctx, cfg2); !errors.Is(err, context.Canceled) {
		t.Errorf("Start with cancelled ctx = %v; want context.Canceled", err)
	}
}

func TestSignal(t *testing.T) {
	t.Parallel()
	d, _ := newManual(t)
	mustStart(t, d, &driver.TaskConfig{ID: "a", Image: "x"})
	ch := mustWait(t, d, "a")
	if err := d.Signal("a", "HUP"); err != nil {
		t.Fatalf("Signal: %v", err)
	}
	if r := drivertest.Receive(t, ch, 5*time.Second); r.ExitCode != 129 || r.Signal != driver.SIGHUP {
		t.Errorf("exit = %v; want 129 (signal 1)", r)
	}
	if err := d.Signal("a", "NOPE"); err == nil {
		t.Error("Signal with an unknown signal name succeeded")
	}
}

func TestRecover(t *testing.T) {
	t.Parallel()
	c := NewManualClock(epoch)
	first := New(Options{Clock: c})
	th, err := first.Start(context.Background(), &driver.TaskConfig{ID: "a", Image: "x", Labels: map[string]string{KeyRunFor: "10s", KeyExitCode: "2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = first.Destroy("a", true) })
	short, err := first.Start(context.Background(), &driver.TaskConfig{ID: "b", Image: "x", Labels: map[string]string{KeyRunFor: "1s"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = first.Destroy("b", true) })
	c.Advance(4 * time.Second)

	// A "restarted" driver on the same clock picks the script up at 4s.
	second := New(Options{Clock: c})
	if err := second.Recover(context.Background(), th.Copy()); err != nil {
		t.Fatalf("Recover: %v", err)
	}
	t.Cleanup(func() { _ = second.Destroy("a", true) })
	if err := second.Recover(context.Background(), th.Copy()); err != nil {
		t.Errorf("second Recover = %v; want nil", err)
	}
	if err := second.Recover(context.Background(), short); !errors.Is(err, driver.ErrTaskNotFound) {
		t.Errorf("Recover(task whose runFor elapsed) = %v; want ErrTaskNotFound", err)
	}
	ch := mustWait(t, second, "a")
	c.Advance(5 * time.Second)
	select {
	case r := <-ch:
		t.Fatalf("exited at 9s: %v", r)
	default:
	}
	c.Advance(time.Second)
	if r := drivertest.Receive(t, ch, 5*time.Second); r.ExitCode != 2 {
		t.Errorf("exit = %v; want 2", r)
	}
	if got := len(second.CallsTo("Recover")); got != 3 {
		t.Errorf("%d Recover calls recorded; want 3", got)
	}
}
