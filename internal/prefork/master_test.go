package prefork

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Timer durations in the fake tests: long enough that they never collide with
// a backoff, so the test can tell the timers apart.
const (
	fakeStartTimeout    = time.Hour
	fakeShutdownTimeout = 2 * time.Hour
	fakeShutdownTimer   = fakeShutdownTimeout + killMargin
)

// fakeRun is a Master.Run in progress against a fakeOS.
type fakeRun struct {
	os     *fakeOS
	log    *recordingHandler
	ln     net.Listener
	cancel context.CancelFunc
	errc   chan error
}

// startFake runs m against fos in the background. Cleanup stops it.
func startFake(t *testing.T, m *Master, fos *fakeOS) *fakeRun {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logger, rec := newRecordingLogger(t)
	m.Logger = logger
	m.env = fos.env()
	if m.StartTimeout == 0 {
		m.StartTimeout = fakeStartTimeout
	}
	if m.ShutdownTimeout == 0 {
		m.ShutdownTimeout = fakeShutdownTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &fakeRun{os: fos, log: rec, ln: ln, cancel: cancel, errc: make(chan error, 1)}
	go func() { r.errc <- m.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		deadline := time.After(10 * time.Second)
		for {
			// Keep firing timers so that a Run stuck on one ends.
			fos.fireAll()
			select {
			case <-r.errc:
				return
			case <-deadline:
				t.Error("Run did not return")
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	return r
}

// wait waits for Run to return and returns its error.
func (r *fakeRun) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.errc:
		r.errc <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

// waitLog waits for a master log record.
func (r *fakeRun) waitLog(t *testing.T, msg string, kv ...string) {
	t.Helper()
	waitFor(t, 5*time.Second, func() bool { return r.log.has(msg, kv...) }, "no log %q %v", msg, kv)
}

func pidAttr(p *fakeProc) []string { return []string{"pid", strconv.Itoa(p.pid)} }

func TestMasterRestartsWithBackoff(t *testing.T) {
	t.Parallel()
	fos := newFakeOS(t)
	r := startFake(t, &Master{Workers: 1, MaxStartFailures: 100}, fos)
	crash := errors.New("exit status 1")

	// n counts the processes started so far.
	n := 0
	next := func() *fakeProc { p := fos.proc(n); n++; return p }

	p := next()
	p.ready()
	r.waitLog(t, "prefork: worker ready", pidAttr(p)...)

	// A ready worker dies: restarted after MinBackoff.
	p.exit(crash)
	fos.fire(DefaultMinBackoff)
	p = next()

	// Workers that die before they are ready double the delay each time,
	// up to MaxBackoff.
	for i := range 7 {
		p.exit(crash)
		var ds []time.Duration
		waitFor(t, 5*time.Second, func() bool {
			ds = fos.durations(time.Minute)
			return len(ds) == i+2
		}, "no restart timer after death %d", i)
		fos.fire(ds[len(ds)-1])
		p = next()
	}

	// A worker that stays up long enough resets the backoff.
	p.ready()
	r.waitLog(t, "prefork: worker ready", pidAttr(p)...)
	fos.advance(stableUptime)
	p.exit(crash)
	fos.fire(DefaultMinBackoff)
	p = next()
	p.ready()
	r.waitLog(t, "prefork: worker ready", pidAttr(p)...)

	want := []time.Duration{
		100 * time.Millisecond, // the ready worker died
		200 * time.Millisecond,
		400 * time.Millisecond,
		800 * time.Millisecond,
		1600 * time.Millisecond,
		3200 * time.Millisecond,
		5 * time.Second, // capped
		5 * time.Second,
		100 * time.Millisecond, // after a stable worker
	}
	if got := fos.durations(time.Minute); !slices.Equal(got, want) {
		t.Errorf("backoffs = %v; want %v", got, want)
	}

	r.cancel()
	if err := r.wait(t); err != nil {
		t.Errorf("Run = %v; want nil", err)
	}
	if got := p.signals(); !slices.Equal(got, []os.Signal{syscall.SIGTERM}) {
		t.Errorf("last worker got %v; want [SIGTERM]", got)
	}
}

func TestMasterGivesUp(t *testing.T) {
	t.Parallel()
	crash := errors.New("exit status 3")

	t.Run("ErrStartFailures", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		fos.autoFire = time.Minute // backoffs pass at once
		fos.onStart = func(p *fakeProc) { go p.exit(crash) }
		r := startFake(t, &Master{Workers: 2}, fos)
		if err := r.wait(t); !errors.Is(err, ErrStartFailures) {
			t.Fatalf("Run = %v; want ErrStartFailures", err)
		}
		// The other slot's worker may be started before the last
		// failure is counted, and is then stopped.
		if got := fos.started(); got < DefaultMaxStartFailures || got > DefaultMaxStartFailures+1 {
			t.Errorf("started %d workers; want %d or %d", got, DefaultMaxStartFailures, DefaultMaxStartFailures+1)
		}
		if _, err := r.ln.Accept(); err == nil {
			t.Error("listener still open after Run")
		}
	})

	t.Run("ReadyResetsCount", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		fos.autoFire = time.Minute
		// Workers 0-3 crash, 4 becomes ready and then crashes, 5-9
		// crash: only 5 failures in a row count.
		fos.onStart = func(p *fakeProc) {
			if p.pid == 105 {
				go p.ready()
				return
			}
			go p.exit(crash)
		}
		r := startFake(t, &Master{Workers: 1, MaxStartFailures: 5}, fos)
		p := fos.proc(4)
		r.waitLog(t, "prefork: worker ready", pidAttr(p)...)
		p.exit(crash)
		if err := r.wait(t); !errors.Is(err, ErrStartFailures) {
			t.Fatalf("Run = %v; want ErrStartFailures", err)
		}
		if got, want := fos.started(), 10; got != want {
			t.Errorf("started %d workers; want %d", got, want)
		}
	})

	t.Run("ExecFails", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		fos.autoFire = time.Minute
		fos.startErr = func() error { return errors.New("exec format error") }
		r := startFake(t, &Master{Workers: 3, MaxStartFailures: 4}, fos)
		if err := r.wait(t); !errors.Is(err, ErrStartFailures) {
			t.Fatalf("Run = %v; want ErrStartFailures", err)
		}
	})

	t.Run("StartTimeout", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		r := startFake(t, &Master{Workers: 1, MaxStartFailures: 2}, fos)
		p := fos.proc(0) // never calls Ready
		fos.fire(fakeStartTimeout)
		r.waitLog(t, "prefork: worker died", pidAttr(p)...)
		if got := p.signals(); !slices.Equal(got, []os.Signal{syscall.SIGKILL}) {
			t.Errorf("worker got %v; want [SIGKILL]", got)
		}
		fos.fire(DefaultMinBackoff)
		fos.proc(1)
		fos.fire(fakeStartTimeout)
		if err := r.wait(t); !errors.Is(err, ErrStartFailures) {
			t.Fatalf("Run = %v; want ErrStartFailures", err)
		}
	})
}

func TestMasterRollingRestart(t *testing.T) {
	t.Parallel()
	const workers = 3

	t.Run("OneAtATime", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		fos.onStart = func(p *fakeProc) { go p.ready() }
		r := startFake(t, &Master{Workers: workers}, fos)
		r.waitLog(t, "prefork: all workers ready")
		fos.mu.Lock()
		fos.minReady = workers
		fos.mu.Unlock()

		fos.signalMaster(syscall.SIGHUP)
		waitFor(t, 5*time.Second, func() bool {
			for i := range workers {
				if !fos.proc(i).hasExited() {
					return false
				}
			}
			return fos.started() == 2*workers && r.log.has("prefork: worker ready", "pid", "106")
		}, "rolling restart did not finish: %v", fos.log())

		// Replacement i starts only after replacement i-1 took over, and
		// old worker i is stopped only after its replacement is ready.
		var order []string
		for _, e := range fos.log() {
			if !strings.HasPrefix(e, "exit ") {
				order = append(order, e)
			}
		}
		want := []string{
			"start 101", "start 102", "start 103", "ready 101", "ready 102", "ready 103",
			"start 104", "ready 104", "terminated 101",
			"start 105", "ready 105", "terminated 102",
			"start 106", "ready 106", "terminated 103",
		}
		// The first three start and become ready in any order.
		slices.Sort(order[:6])
		slices.Sort(want[:6])
		if !slices.Equal(order, want) {
			t.Errorf("events = %v; want %v", order, want)
		}
		fos.mu.Lock()
		violations := fos.violations
		fos.minReady = 0
		fos.mu.Unlock()
		if len(violations) > 0 {
			t.Errorf("fewer than %d ready workers: %v", workers, violations)
		}

		r.cancel()
		if err := r.wait(t); err != nil {
			t.Errorf("Run = %v; want nil", err)
		}
	})

	t.Run("ReplacementFails", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		// The first replacement (104) dies before it is ready; the rest
		// come up.
		fos.onStart = func(p *fakeProc) {
			if p.pid == 104 {
				go p.exit(errors.New("exit status 2"))
				return
			}
			go p.ready()
		}
		r := startFake(t, &Master{Workers: workers}, fos)
		r.waitLog(t, "prefork: all workers ready")
		fos.mu.Lock()
		fos.minReady = workers
		fos.mu.Unlock()

		fos.signalMaster(syscall.SIGHUP)
		r.waitLog(t, "prefork: worker died", "pid", "104")
		if got := fos.proc(0).signals(); len(got) != 0 {
			t.Errorf("old worker got %v while its replacement failed; want nothing", got)
		}
		fos.fire(DefaultMinBackoff)
		waitFor(t, 5*time.Second, func() bool {
			for i := range workers {
				if !fos.proc(i).hasExited() {
					return false
				}
			}
			return fos.started() == 2*workers+1 && r.log.has("prefork: worker ready", "pid", "107")
		}, "rolling restart did not finish: %v", fos.log())

		fos.mu.Lock()
		violations := fos.violations
		fos.minReady = 0
		fos.mu.Unlock()
		if len(violations) > 0 {
			t.Errorf("fewer than %d ready workers: %v", workers, violations)
		}
	})

	t.Run("ReplacementsKeepFailing", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		fos.autoFire = time.Minute // backoffs pass at once
		// The initial workers come up; every replacement (a broken
		// new build, say) dies at once.
		fos.onStart = func(p *fakeProc) {
			if p.pid <= 102 {
				go p.ready()
				return
			}
			go p.exit(errors.New("exit status 2"))
		}
		r := startFake(t, &Master{Workers: 2}, fos)
		r.waitLog(t, "prefork: all workers ready")

		fos.signalMaster(syscall.SIGHUP)
		r.waitLog(t, "prefork: rolling restart abandoned: replacements keep dying before they are ready")
		select {
		case err := <-r.errc:
			t.Fatalf("Run = %v after a failed reload; want it to keep serving", err)
		default:
		}
		if got, want := fos.started(), 2+DefaultMaxStartFailures; got != want {
			t.Errorf("started %d workers; want %d", got, want)
		}
		for i := range 2 {
			if got := fos.proc(i).signals(); len(got) != 0 {
				t.Errorf("serving worker %d got %v; want nothing", i, got)
			}
		}

		// Another SIGHUP tries again.
		fos.signalMaster(syscall.SIGHUP)
		fos.proc(2 + DefaultMaxStartFailures)
		r.cancel()
		if err := r.wait(t); err != nil {
			t.Errorf("Run = %v; want nil", err)
		}
	})

	t.Run("OldWorkerDiesDuringRoll", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		fos.onStart = func(p *fakeProc) {
			if p.pid != 103 { // the first replacement is readied below
				go p.ready()
			}
		}
		r := startFake(t, &Master{Workers: 2}, fos)
		r.waitLog(t, "prefork: all workers ready")
		fos.signalMaster(syscall.SIGHUP)
		replacement := fos.proc(2)
		// The worker being replaced crashes: its starting replacement
		// takes the slot instead of a second restart.
		fos.proc(0).exit(errors.New("exit status 1"))
		r.waitLog(t, "prefork: worker died", "pid", "101")
		replacement.ready()
		waitFor(t, 5*time.Second, func() bool {
			return fos.proc(1).hasExited() && r.log.has("prefork: worker ready", "pid", "104")
		}, "rolling restart did not finish: %v", fos.log())
		if got := fos.started(); got != 4 {
			t.Errorf("started %d workers; want 4: %v", got, fos.log())
		}
	})
}

func TestMasterShutdown(t *testing.T) {
	t.Parallel()

	t.Run("TermThenKill", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		fos.onStart = func(p *fakeProc) { go p.ready() }
		fos.termIgnored = func(p *fakeProc) bool { return p.pid == 102 }
		r := startFake(t, &Master{Workers: 2}, fos)
		r.waitLog(t, "prefork: all workers ready")

		fos.signalMaster(syscall.SIGTERM)
		r.waitLog(t, "prefork: worker exited", "pid", "101")
		if fos.proc(1).hasExited() {
			t.Fatal("worker that ignores SIGTERM exited")
		}
		fos.fire(fakeShutdownTimer)
		if err := r.wait(t); err != nil {
			t.Errorf("Run = %v; want nil", err)
		}
		if got, want := fos.proc(0).signals(), []os.Signal{syscall.SIGTERM}; !slices.Equal(got, want) {
			t.Errorf("worker 101 got %v; want %v", got, want)
		}
		if got, want := fos.proc(1).signals(), []os.Signal{syscall.SIGTERM, syscall.SIGKILL}; !slices.Equal(got, want) {
			t.Errorf("worker 102 got %v; want %v", got, want)
		}
		if _, err := r.ln.Accept(); err == nil {
			t.Error("listener still open after Run")
		}
	})

	t.Run("SecondSignalKills", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		fos.onStart = func(p *fakeProc) { go p.ready() }
		fos.termIgnored = func(*fakeProc) bool { return true }
		r := startFake(t, &Master{Workers: 1}, fos)
		r.waitLog(t, "prefork: all workers ready")
		fos.signalMaster(syscall.SIGINT)
		r.waitLog(t, "prefork: shutting down")
		fos.signalMaster(syscall.SIGINT)
		if err := r.wait(t); err != nil {
			t.Errorf("Run = %v; want nil", err)
		}
		if got, want := fos.proc(0).signals(), []os.Signal{syscall.SIGTERM, syscall.SIGKILL}; !slices.Equal(got, want) {
			t.Errorf("worker got %v; want %v", got, want)
		}
	})

	t.Run("ContextStopsStartingWorkers", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		r := startFake(t, &Master{Workers: 2}, fos)
		fos.proc(1)
		r.cancel()
		if err := r.wait(t); err != nil {
			t.Errorf("Run = %v; want nil", err)
		}
		for i := range 2 {
			if got := fos.proc(i).signals(); !slices.Equal(got, []os.Signal{syscall.SIGTERM}) {
				t.Errorf("worker %d got %v; want [SIGTERM]", i, got)
			}
		}
	})
}

func TestMasterConfig(t *testing.T) {
	t.Parallel()

	t.Run("ErrWorkers", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := (&Master{}).Run(context.Background(), ln); err == nil {
			t.Error("Run with 0 workers = nil; want an error")
		}
	})

	t.Run("ArgsAndEnv", func(t *testing.T) {
		t.Parallel()
		fos := newFakeOS(t)
		var environ []string
		var argv []string
		fos.onStart = func(p *fakeProc) { go p.ready() }
		m := &Master{Workers: 1, Env: []string{"A=1"}}
		m.env = fos.env()
		newProc := m.env.newProc
		m.env.newProc = func(a, e []string, files []*os.File) (process, error) {
			argv, environ = a, e
			return newProc(a, e, files)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		logger, rec := newRecordingLogger(t)
		m.Logger = logger
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- m.Run(ctx, ln) }()
		waitFor(t, 5*time.Second, func() bool { return rec.has("prefork: all workers ready") }, "worker not ready")
		cancel()
		if err := <-errc; err != nil {
			t.Fatalf("Run = %v", err)
		}
		if want := []string{"forum", "-workers", "2"}; !slices.Equal(argv, want) {
			t.Errorf("argv = %q; want %q", argv, want)
		}
		if want := []string{"HOME=/nonexistent", "A=1", "PREFORK_WORKER=1"}; !slices.Equal(environ, want) {
			t.Errorf("environ = %q; want %q", environ, want)
		}
	})
}
