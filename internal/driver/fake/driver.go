package fake

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// Name is the driver's name.
const Name = "fake"

// Behaviour keys; see the package documentation.
const (
	KeyRunFor        = "runFor"
	KeyExitCode      = "exitCode"
	KeyFailStart     = "failStart"
	KeyStartDelay    = "startDelay"
	KeyIgnoreSIGTERM = "ignoreSIGTERM"
	KeyOOM           = "oom"
	KeyImageNotFound = "imageNotFound"
)

// Options configure a Driver. The zero value is ready to use.
type Options struct {
	// Clock is the time source. Nil means RealClock.
	Clock Clock
}

// Call is one recorded verb.
type Call struct {
	Op      string // "Start", "Wait", "Stop", "Signal", "Destroy", "Inspect"
	TaskID  string
	Signal  string        // Stop, Signal
	Timeout time.Duration // Stop
	Force   bool          // Destroy
	At      time.Time     // the driver clock's time of the call
}

// Driver is the scripted driver. Use New.
type Driver struct {
	clock Clock

	mu    sync.Mutex
	tasks map[string]*handle
	calls []Call
}

var (
	_ driver.Driver    = (*Driver)(nil)
	_ driver.Signaler  = (*Driver)(nil)
	_ driver.Recoverer = (*Driver)(nil)
)

// New returns a fake driver.
func New(opts Options) *Driver {
	c := opts.Clock
	if c == nil {
		c = RealClock{}
	}
	return &Driver{clock: c, tasks: map[string]*handle{}}
}

// Name returns "fake".
func (d *Driver) Name() string { return Name }

// Calls returns a copy of every call recorded so far, oldest first.
func (d *Driver) Calls() []Call {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Call(nil), d.calls...)
}

// CallsTo returns the recorded calls with the given Op.
func (d *Driver) CallsTo(op string) []Call {
	var out []Call
	for _, c := range d.Calls() {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

func (d *Driver) record(c Call) {
	c.At = d.clock.Now()
	d.mu.Lock()
	d.calls = append(d.calls, c)
	d.mu.Unlock()
}

func (d *Driver) get(id string) (*handle, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	h, ok := d.tasks[id]
	if !ok {
		return nil, driver.NewErrTaskNotFound(id)
	}
	return h, nil
}

// behaviour is a task's parsed script.
type behaviour struct {
	runFor, startDelay        time.Duration
	exitCode                  int
	failStart                 string
	ignoreSIGTERM, oom, noImg bool
}

func lookup(cfg *driver.TaskConfig, key string) (string, bool) {
	if v, ok := cfg.Labels[key]; ok {
		return v, true
	}
	v, ok := cfg.Env[key]
	return v, ok
}

func parseBehaviour(cfg *driver.TaskConfig) (behaviour, error) {
	var b behaviour
	var errs []error
	dur := func(key string, dst *time.Duration) {
		if v, ok := lookup(cfg, key); ok {
			x, err := time.ParseDuration(v)
			if err != nil || x < 0 {
				errs = append(errs, fmt.Errorf("%w: %s=%q is not a duration >= 0", driver.ErrInvalidConfig, key, v))
			}
			*dst = x
		}
	}
	boolean := func(key string, dst *bool) {
		if v, ok := lookup(cfg, key); ok {
			x, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%w: %s=%q is not a boolean", driver.ErrInvalidConfig, key, v))
			}
			*dst = x
		}
	}
	dur(KeyRunFor, &b.runFor)
	dur(KeyStartDelay, &b.startDelay)
	boolean(KeyIgnoreSIGTERM, &b.ignoreSIGTERM)
	boolean(KeyOOM, &b.oom)
	boolean(KeyImageNotFound, &b.noImg)
	if v, ok := lookup(cfg, KeyExitCode); ok {
		x, err := strconv.Atoi(v)
		if err != nil || x < 0 || x > 255 {
			errs = append(errs, fmt.Errorf("%w: %s=%q is not an exit code 0-255", driver.ErrInvalidConfig, KeyExitCode, v))
		}
		b.exitCode = x
	}
	if v, ok := lookup(cfg, KeyFailStart); ok && v != "" && v != "false" {
		b.failStart = v
		if v == "true" || v == "1" {
			b.failStart = "fake: start failed"
		}
	}
	return b, errors.Join(errs...)
}

// Start runs the script's start phase (imageNotFound, failStart,
// startDelay) and then registers a running task.
func (d *Driver) Start(ctx context.Context, cfg *driver.TaskConfig) (*driver.TaskHandle, error) {
	d.record(Call{Op: "Start", TaskID: cfg.ID})
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("start task %s: %w", cfg.ID, err)
	}
	b, err := parseBehaviour(cfg)
	if err != nil {
		return nil, fmt.Errorf("start task %s: %w", cfg.ID, err)
	}
	if b.noImg {
		return nil, fmt.Errorf("start task %s: %w", cfg.ID, driver.NewErrImageNotFound(cfg.Image, "scripted by "+KeyImageNotFound))
	}
	if b.failStart != "" {
		return nil, fmt.Errorf("start task %s: %s", cfg.ID, b.failStart)
	}
	if b.startDelay > 0 {
		select {
		case <-d.clock.After(b.startDelay):
		case <-ctx.Done():
			return nil, fmt.Errorf("start task %s: %w", cfg.ID, ctx.Err())
		}
	}

	h := &handle{
		cfg:       cfg.Copy(),
		b:         b,
		killCh:    make(chan int),
		doneCh:    make(chan struct{}),
		startedAt: d.clock.Now(),
		clock:     d.clock,
	}
	// The exit timer is armed here, before Start returns, so that a test
	// holding a ManualClock can Advance right after Start.
	var exitAt <-chan time.Time
	switch {
	case b.runFor > 0:
		exitAt = d.clock.After(b.runFor)
	case b.oom:
		exitAt = d.clock.After(0)
	}

	d.mu.Lock()
	if _, ok := d.tasks[cfg.ID]; ok {
		d.mu.Unlock()
		return nil, fmt.Errorf("start task %s: %w", cfg.ID, driver.ErrTaskExists)
	}
	d.tasks[cfg.ID] = h
	d.mu.Unlock()

	go h.run(exitAt)
	return &driver.TaskHandle{
		ID:        cfg.ID,
		Driver:    Name,
		RuntimeID: "fake-" + cfg.ID,
		StartedAt: h.startedAt,
		Config:    cfg.Copy(),
	}, nil
}

// Recover implements driver.Recoverer, so agent tests can restart "ecslocal"
// by handing the handles of one fake driver to a new one. The script is read
// again from th.Config and resumes where the clock says it is: a task whose
// runFor has already elapsed since th.StartedAt is gone (ErrTaskNotFound),
// any other is running again. An ID the driver already holds is left alone.
func (d *Driver) Recover(ctx context.Context, th *driver.TaskHandle) error {
	if th == nil || th.Config == nil {
		return fmt.Errorf("recover task: %w: handle without config", driver.ErrInvalidConfig)
	}
	d.record(Call{Op: "Recover", TaskID: th.ID})
	if th.Driver != Name {
		return fmt.Errorf("recover task %s: handle belongs to driver %q", th.ID, th.Driver)
	}
	b, err := parseBehaviour(th.Config)
	if err != nil {
		return fmt.Errorf("recover task %s: %w", th.ID, err)
	}
	var exitAt <-chan time.Time
	if b.runFor > 0 || b.oom {
		left := b.runFor - d.clock.Now().Sub(th.StartedAt)
		if left <= 0 {
			return fmt.Errorf("recover task %s: exited while nobody watched: %w", th.ID, driver.ErrTaskNotFound)
		}
		exitAt = d.clock.After(left)
	}
	h := &handle{
		cfg:       th.Config.Copy(),
		b:         b,
		killCh:    make(chan int),
		doneCh:    make(chan struct{}),
		startedAt: th.StartedAt,
		clock:     d.clock,
	}
	d.mu.Lock()
	if _, ok := d.tasks[th.ID]; ok {
		d.mu.Unlock()
		return nil
	}
	d.tasks[th.ID] = h
	d.mu.Unlock()
	go h.run(exitAt)
	return nil
}

// Wait implements driver.Driver.
func (d *Driver) Wait(ctx context.Context, taskID string) (<-chan driver.ExitResult, error) {
	d.record(Call{Op: "Wait", TaskID: taskID})
	h, err := d.get(taskID)
	if err != nil {
		return nil, err
	}
	ch := make(chan driver.ExitResult, 1)
	go func() {
		defer close(ch)
		select {
		case <-h.doneCh:
			ch <- h.exitResult()
		case <-ctx.Done():
		}
	}()
	return ch, nil
}

// Stop implements driver.Driver.
func (d *Driver) Stop(taskID string, timeout time.Duration, signal string) error {
	d.record(Call{Op: "Stop", TaskID: taskID, Signal: signal, Timeout: timeout})
	h, err := d.get(taskID)
	if err != nil {
		return err
	}
	sig, err := driver.ParseSignal(signal)
	if err != nil {
		return fmt.Errorf("stop task %s: %w", taskID, err)
	}
	if h.deliver(sig) {
		<-h.doneCh
		return nil
	}
	select {
	case <-h.doneCh:
		return nil
	case <-d.clock.After(timeout):
	}
	h.deliver(driver.SIGKILL)
	<-h.doneCh
	return nil
}

// Signal implements driver.Signaler.
func (d *Driver) Signal(taskID, signal string) error {
	d.record(Call{Op: "Signal", TaskID: taskID, Signal: signal})
	h, err := d.get(taskID)
	if err != nil {
		return err
	}
	sig, err := driver.ParseSignal(signal)
	if err != nil {
		return fmt.Errorf("signal task %s: %w", taskID, err)
	}
	if h.deliver(sig) {
		<-h.doneCh
	}
	return nil
}

// Destroy implements driver.Driver.
func (d *Driver) Destroy(taskID string, force bool) error {
	d.record(Call{Op: "Destroy", TaskID: taskID, Force: force})
	h, err := d.get(taskID)
	if err != nil {
		return err
	}
	if !h.exited() {
		if !force {
			return fmt.Errorf("destroy task %s: %w", taskID, driver.ErrTaskRunning)
		}
		h.deliver(driver.SIGKILL)
		<-h.doneCh
	}
	d.mu.Lock()
	if d.tasks[taskID] == h {
		delete(d.tasks, taskID)
	}
	d.mu.Unlock()
	return nil
}

// Inspect implements driver.Driver.
func (d *Driver) Inspect(taskID string) (*driver.TaskStatus, error) {
	d.record(Call{Op: "Inspect", TaskID: taskID})
	h, err := d.get(taskID)
	if err != nil {
		return nil, err
	}
	return h.status(), nil
}
