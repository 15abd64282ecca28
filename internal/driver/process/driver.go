package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// Name is the driver's name.
const Name = "process"

// killWait bounds how long Stop and Destroy wait for a task to die after
// SIGKILL; only a process stuck in the kernel (D state) takes longer.
const killWait = 10 * time.Second

// cgroupRemoveWait bounds how long Destroy retries removing a cgroup whose
// processes are still being torn down.
const cgroupRemoveWait = 5 * time.Second

// Options configure a Driver. The zero value runs nothing (no image
// resolves) but is otherwise usable.
type Options struct {
	// Images resolves image references to local executables. Nil means
	// every Start fails with driver.ErrImageNotFound.
	Images Resolver

	// BaseEnv is the environment every task starts with, before the
	// container definition's. Nil means PATH, HOME, TMPDIR and LANG copied
	// from ecslocal's own environment; an empty non-nil slice means none.
	BaseEnv []string

	// CgroupParent names the cgroup that holds the task cgroups. A relative
	// name is taken under ecslocal's own cgroup, an absolute one ("/ecslocal")
	// from the hierarchy root. Zero means "ecslocal" under ecslocal's own
	// cgroup, or "/ecslocal" on cgroup v2 when ecslocal's own cgroup is not
	// the root (v2 cannot delegate controllers from a cgroup with processes).
	CgroupParent string

	// DisableCgroups runs tasks without cgroups: no memory or CPU limits
	// and no OOM detection.
	DisableCgroups bool

	// Logger receives the driver's warnings (cgroups not usable, cleanup
	// failures). Nil means slog.Default().
	Logger *slog.Logger

	// Now is the clock for StartedAt and CompletedAt. Nil means time.Now.
	Now func() time.Time
}

// Driver runs each task as a local process in its own process group and,
// where the host allows, its own cgroup. Use New.
type Driver struct {
	images  Resolver
	baseEnv []string
	parent  string
	layout  cgroupLayout
	log     *slog.Logger
	now     func() time.Time
	tasks   *taskStore

	warnMu sync.Mutex
	warned map[string]bool
}

var (
	_ driver.Driver    = (*Driver)(nil)
	_ driver.Signaler  = (*Driver)(nil)
	_ driver.Recoverer = (*Driver)(nil)
)

// New returns a process driver. It detects the host's cgroup layout once;
// if no memory or cpu controller is usable it says so once through the
// logger and runs tasks without limits.
func New(opts Options) *Driver {
	d := &Driver{
		images:  opts.Images,
		baseEnv: opts.BaseEnv,
		parent:  opts.CgroupParent,
		log:     opts.Logger,
		now:     opts.Now,
		tasks:   newTaskStore(),
		warned:  map[string]bool{},
	}
	if d.images == nil {
		d.images = ImageMap(nil)
	}
	if d.baseEnv == nil {
		d.baseEnv = defaultBaseEnv()
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.now == nil {
		d.now = time.Now
	}
	if !opts.DisableCgroups {
		l, err := detectHostCgroups()
		switch {
		case err != nil:
			d.warnOnce("cgroup-detect", "cgroups not detected; tasks run without memory and cpu limits", "err", err)
		case !l.usable():
			d.warnOnce("cgroup-detect", "no memory or cpu cgroup controller found; tasks run without limits")
		default:
			d.layout = l
		}
	}
	return d
}

// Name returns "process".
func (d *Driver) Name() string { return Name }

// CgroupVersion reports which cgroup version holds the controllers the
// driver uses: "v1", "v2", "v1+v2" or "none".
func (d *Driver) CgroupVersion() string { return d.layout.version() }

// warnOnce logs msg the first time key is seen, so a host without usable
// cgroups produces one warning rather than one per task.
func (d *Driver) warnOnce(key, msg string, args ...any) {
	d.warnMu.Lock()
	seen := d.warned[key]
	d.warned[key] = true
	d.warnMu.Unlock()
	if !seen {
		d.log.Warn("process driver: "+msg, args...)
	}
}

// Start implements driver.Driver: it resolves the image, opens the log
// file, creates the task cgroup and starts the process in a new process
// group.
func (d *Driver) Start(ctx context.Context, cfg *driver.TaskConfig) (*driver.TaskHandle, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("start task %s: %w", cfg.ID, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("start task %s: %w", cfg.ID, err)
	}
	cfg = cfg.Copy()
	img, err := d.images.Resolve(cfg.Image)
	if err != nil {
		return nil, fmt.Errorf("start task %s: %w", cfg.ID, err)
	}
	if err := d.tasks.reserve(cfg.ID); err != nil {
		return nil, fmt.Errorf("start task %s: %w", cfg.ID, err)
	}
	h, err := d.start(cfg, img)
	if err != nil {
		d.tasks.release(cfg.ID)
		return nil, fmt.Errorf("start task %s: %w", cfg.ID, err)
	}
	d.tasks.set(cfg.ID, h)
	go h.run()
	return &driver.TaskHandle{
		ID:          cfg.ID,
		Driver:      Name,
		RuntimeID:   "pid-" + strconv.Itoa(h.pid),
		PID:         h.pid,
		StartedAt:   h.startedAt,
		Config:      cfg.Copy(),
		DriverState: h.driverState(),
	}, nil
}

// start does the work of Start for a reserved ID. On error nothing is
// left behind.
func (d *Driver) start(cfg *driver.TaskConfig, img Image) (*handle, error) {
	args := argv(img, cfg)
	cmd := exec.Command(args[0], args[1:]...)
	if cmd.Err != nil {
		return nil, fmt.Errorf("executable %q: %w", args[0], cmd.Err)
	}
	cmd.Env = environ(d.baseEnv, cfg)
	cmd.Dir = cfg.WorkingDir
	if cmd.Dir == "" {
		cmd.Dir = img.Dir
	}
	// Its own process group, so Stop reaches the task's children too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

	// stdout and stderr share one file; the child gets the descriptor
	// itself, so no copying goroutines are needed and the parent's copy is
	// closed right after the start.
	if p := cfg.LogPath(); p != "" {
		if err := os.MkdirAll(cfg.LogDir, 0o755); err != nil {
			return nil, fmt.Errorf("log directory: %w", err)
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("log file: %w", err)
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
	}

	details := map[string]string{"cgroup.version": "none"}
	cg := d.createCgroup(cfg, details)
	if cg != nil && cg.memV2 && cg.memDir != "" {
		// On v2 the child is born in its cgroup (clone3 CLONE_INTO_CGROUP),
		// so not even its first allocation escapes the limit.
		if dir, err := os.Open(cg.memDir); err == nil {
			defer dir.Close()
			cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, int(dir.Fd())
		}
	}

	if err := cmd.Start(); err != nil {
		_ = cg.remove(0)
		return nil, err
	}
	pid := cmd.Process.Pid
	// Read before the process can be reaped; a process that is already
	// gone has nothing to recover, so an error leaves it 0.
	startTicks, _, _ := procStat(pid)
	if cg != nil {
		// On v1 there is no way to start a process inside a cgroup: move it
		// in straight away. Its runtime initialisation may be charged to
		// ecslocal's cgroup; everything it allocates afterwards is not.
		if err := cg.addProc(pid); err != nil && !exitedEarly(pid) {
			d.warnOnce("cgroup-procs", "cannot move tasks into their cgroups; they run without limits", "err", err)
			// Keep cg: Destroy still removes the directories.
			clear(details)
			details["cgroup.version"] = "none"
		}
	}
	return &handle{
		cfg:        cfg,
		cmd:        cmd,
		pid:        pid,
		startTicks: startTicks,
		cg:         cg,
		startedAt:  d.now(),
		details:    details,
		now:        d.now,
		doneCh:     make(chan struct{}),
	}, nil
}

// exitedEarly reports whether pid is already a zombie, in which case the
// kernel refuses to move it into a cgroup and there is nothing to warn
// about: the task finished before it could be moved.
func exitedEarly(pid int) bool {
	_, state, err := procStat(pid)
	return err != nil || state == 'Z' || state == 'X'
}

// createCgroup makes the task's cgroup, records what it applied in details
// and returns nil (after one warning per driver) if it cannot.
func (d *Driver) createCgroup(cfg *driver.TaskConfig, details map[string]string) *taskCgroup {
	if !d.layout.usable() {
		return nil
	}
	lim := limits{
		memoryBytes:      cfg.MemoryMiB << 20,
		reservationBytes: cfg.MemoryReservationMiB << 20,
		// ECS passes cpu 0 or 1 as 2 shares, the kernel's minimum.
		cpuShares: max(cfg.CPUUnits, 2),
	}
	cg, err := createTaskCgroup(d.layout, d.parent, cfg.ID, lim)
	if err != nil {
		d.warnOnce("cgroup-create", "cannot create task cgroups; tasks run without memory and cpu limits", "err", err)
		return nil
	}
	details["cgroup.version"] = d.layout.version()
	if cg.memDir != "" {
		details["cgroup.memory"] = cg.memDir
		details["memory.limitBytes"] = strconv.FormatInt(lim.memoryBytes, 10)
	}
	if cg.cpuDir != "" {
		details["cgroup.cpu"] = cg.cpuDir
		details["cpu.shares"] = strconv.FormatInt(lim.cpuShares, 10)
	}
	return cg
}

// Wait implements driver.Driver.
func (d *Driver) Wait(ctx context.Context, taskID string) (<-chan driver.ExitResult, error) {
	h, err := d.tasks.get(taskID)
	if err != nil {
		return nil, err
	}
	ch := make(chan driver.ExitResult, 1)
	if h.done() {
		ch <- h.exitResult()
		close(ch)
		return ch, nil
	}
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

// Stop implements driver.Driver: signal to the process group, SIGKILL to
// the group and the cgroup after timeout, and return once the task exited.
func (d *Driver) Stop(taskID string, timeout time.Duration, signal string) error {
	h, err := d.tasks.get(taskID)
	if err != nil {
		return err
	}
	sig, err := driver.ParseSignal(signal)
	if err != nil {
		return fmt.Errorf("stop task %s: %w", taskID, err)
	}
	if h.done() {
		return nil
	}
	if _, err := h.signal(sig); err != nil {
		return fmt.Errorf("stop task %s: %w", taskID, err)
	}
	if timeout > 0 && sig != driver.SIGKILL {
		t := time.NewTimer(timeout)
		select {
		case <-h.doneCh:
			t.Stop()
			return nil
		case <-t.C:
		}
	}
	if err := h.kill(); err != nil {
		return fmt.Errorf("stop task %s: %w", taskID, err)
	}
	return d.awaitDeath(h)
}

// awaitDeath waits for a killed task's run goroutine to finish.
func (d *Driver) awaitDeath(h *handle) error {
	t := time.NewTimer(killWait)
	defer t.Stop()
	select {
	case <-h.doneCh:
		return nil
	case <-t.C:
		return fmt.Errorf("task %s (pid %d) did not exit %v after SIGKILL", h.cfg.ID, h.pid, killWait)
	}
}

// Signal implements driver.Signaler.
func (d *Driver) Signal(taskID, signal string) error {
	h, err := d.tasks.get(taskID)
	if err != nil {
		return err
	}
	sig, err := driver.ParseSignal(signal)
	if err != nil {
		return fmt.Errorf("signal task %s: %w", taskID, err)
	}
	if _, err := h.signal(sig); err != nil {
		return fmt.Errorf("signal task %s: %w", taskID, err)
	}
	return nil
}

// Destroy implements driver.Driver. The handle is forgotten even if the
// cgroup cannot be removed; that error is returned (and logged) so the
// leak is visible.
func (d *Driver) Destroy(taskID string, force bool) error {
	h, err := d.tasks.get(taskID)
	if err != nil {
		return err
	}
	if !h.done() {
		if !force {
			return fmt.Errorf("destroy task %s: %w", taskID, driver.ErrTaskRunning)
		}
		if err := h.kill(); err != nil {
			return fmt.Errorf("destroy task %s: %w", taskID, err)
		}
		if err := d.awaitDeath(h); err != nil {
			return fmt.Errorf("destroy task %s: %w", taskID, err)
		}
	}
	if !d.tasks.delete(h) {
		// A concurrent Destroy got there first.
		return driver.NewErrTaskNotFound(taskID)
	}
	if err := h.cg.remove(cgroupRemoveWait); err != nil {
		d.log.Warn("process driver: task cgroup left behind", "task", taskID, "err", err)
		return fmt.Errorf("destroy task %s: %w", taskID, err)
	}
	return nil
}

// Inspect implements driver.Driver.
func (d *Driver) Inspect(taskID string) (*driver.TaskStatus, error) {
	h, err := d.tasks.get(taskID)
	if err != nil {
		return nil, err
	}
	return h.status(), nil
}

// RemoveCgroupParent removes the parent cgroup that holds the task cgroups
// if it is empty, for ecslocal's shutdown. It does nothing (and returns
// nil) while tasks remain or when cgroups are not in use.
func (d *Driver) RemoveCgroupParent() error {
	var errs []error
	for _, c := range []controller{d.layout.memory, d.layout.cpu} {
		if c.root == "" {
			continue
		}
		err := os.Remove(c.parentDir(d.parent))
		if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.EBUSY) && !errors.Is(err, syscall.ENOTEMPTY) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
