package prefork

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeOS is an env whose processes, signals and timers the test drives (the
// tableflip testEnv idea). Processes are fakeProcs; the readiness pipe stays
// real, so the master's handshake code runs unchanged.
type fakeOS struct {
	tb testing.TB

	// onStart, if set, runs for every started process, before the master
	// sees it (for example to make it ready or kill it at once).
	onStart func(p *fakeProc)
	// startErr, if set, makes newProc fail when it returns an error.
	startErr func() error
	// termIgnored makes processes ignore SIGTERM (SIGKILL still works).
	termIgnored func(p *fakeProc) bool

	mu       sync.Mutex
	nextPid  int
	procs    []*fakeProc
	sigc     chan<- os.Signal // the master's signal channel
	timers   []*fakeTimer
	autoFire time.Duration // timers shorter than this fire at once
	clock    time.Time
	journal  []string // "start 101", "ready 101", "term 100", "exit 100"
	// minReady, when > 0, is the number of ready, unsignalled processes
	// that must remain whenever one of them is signalled; violations
	// collects the signals that broke it.
	minReady   int
	violations []string
}

// fakeTimer is one env.after call.
type fakeTimer struct {
	d     time.Duration
	c     chan time.Time
	fired bool
}

func newFakeOS(tb testing.TB) *fakeOS {
	return &fakeOS{tb: tb, nextPid: 100, clock: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (f *fakeOS) env() *env {
	return &env{
		newProc: f.newProc,
		notify: func(c chan<- os.Signal, _ ...os.Signal) {
			f.mu.Lock()
			f.sigc = c
			f.mu.Unlock()
		},
		stopNotify: func(chan<- os.Signal) {},
		getenv:     func(string) string { return "" },
		environ:    func() []string { return []string{"HOME=/nonexistent"} },
		args:       func() []string { return []string{"forum", "-workers", "2"} },
		after:      f.after,
		now: func() time.Time {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.clock
		},
	}
}

func (f *fakeOS) newProc(argv, environ []string, files []*os.File) (process, error) {
	if f.startErr != nil {
		if err := f.startErr(); err != nil {
			return nil, err
		}
	}
	if len(files) != 3 {
		f.tb.Errorf("newProc got %d files; want 3", len(files))
	}
	if last := environ[len(environ)-1]; last != workerEnvKey+"="+workerEnvVal {
		f.tb.Errorf("last worker env entry is %q; want the worker marker", last)
	}
	// The master closes its copy of the readiness pipe after newProc, as
	// the parent of a real fork does; keep our own, like the child.
	ready, err := dupFile(files[readyFD-listenerFD])
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.nextPid++
	p := &fakeProc{os: f, pid: f.nextPid, argv: argv, readyW: ready, exitc: make(chan error, 1)}
	f.procs = append(f.procs, p)
	f.journal = append(f.journal, fmt.Sprintf("start %d", p.pid))
	f.mu.Unlock()
	if f.onStart != nil {
		f.onStart(p)
	}
	return p, nil
}

func dupFile(src *os.File) (*os.File, error) {
	fd, err := syscall.Dup(int(src.Fd()))
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), src.Name()), nil
}

func (f *fakeOS) after(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{d: d, c: make(chan time.Time, 1)}
	f.timers = append(f.timers, t)
	if d < f.autoFire {
		t.fired = true
		t.c <- f.clock
	}
	return t.c
}

// fire fires the oldest pending timer of duration d, waiting for it to be
// armed.
func (f *fakeOS) fire(d time.Duration) {
	f.tb.Helper()
	waitFor(f.tb, 5*time.Second, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, t := range f.timers {
			if t.d == d && !t.fired {
				t.fired = true
				t.c <- f.clock
				return true
			}
		}
		return false
	}, "no pending %s timer", d)
}

// fireAll fires every pending timer (used in cleanup, so nothing hangs).
func (f *fakeOS) fireAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.autoFire = 1<<63 - 1
	for _, t := range f.timers {
		if !t.fired {
			t.fired = true
			t.c <- f.clock
		}
	}
}

// durations lists the requested timer durations, in order, that are below
// limit (the backoffs, when the start and shutdown timers are long).
func (f *fakeOS) durations(limit time.Duration) []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ds []time.Duration
	for _, t := range f.timers {
		if t.d < limit {
			ds = append(ds, t.d)
		}
	}
	return ds
}

func (f *fakeOS) advance(d time.Duration) {
	f.mu.Lock()
	f.clock = f.clock.Add(d)
	f.mu.Unlock()
}

// signalMaster delivers sig as if the OS had.
func (f *fakeOS) signalMaster(sig os.Signal) {
	f.tb.Helper()
	var c chan<- os.Signal
	waitFor(f.tb, 5*time.Second, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		c = f.sigc
		return c != nil
	}, "master never called signal.Notify")
	c <- sig
}

// proc waits for the i-th started process (0-based).
func (f *fakeOS) proc(i int) *fakeProc {
	f.tb.Helper()
	var p *fakeProc
	waitFor(f.tb, 5*time.Second, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		if i < len(f.procs) {
			p = f.procs[i]
		}
		return p != nil
	}, "process %d never started", i)
	return p
}

func (f *fakeOS) started() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.procs)
}

func (f *fakeOS) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.journal...)
}

func (f *fakeOS) readyUnsignalled() int {
	n := 0
	for _, p := range f.procs {
		if p.isReady && !p.signalled && !p.exited {
			n++
		}
	}
	return n
}

// fakeProc is a worker that exists only in the test.
type fakeProc struct {
	os     *fakeOS
	pid    int
	argv   []string
	readyW *os.File
	exitc  chan error

	// Guarded by os.mu.
	isReady   bool
	signalled bool
	exited    bool
	sigs      []os.Signal
}

var _ process = (*fakeProc)(nil)

func (p *fakeProc) Pid() int    { return p.pid }
func (p *fakeProc) Wait() error { return <-p.exitc }

func (p *fakeProc) Signal(sig os.Signal) error {
	f := p.os
	f.mu.Lock()
	if p.exited {
		f.mu.Unlock()
		return os.ErrProcessDone
	}
	if f.minReady > 0 && p.isReady && !p.signalled && f.readyUnsignalled()-1 < f.minReady {
		f.violations = append(f.violations, fmt.Sprintf("%s to %d left %d ready", sig, p.pid, f.readyUnsignalled()-1))
	}
	p.signalled = true
	p.sigs = append(p.sigs, sig)
	f.journal = append(f.journal, fmt.Sprintf("%s %d", sig, p.pid))
	f.mu.Unlock()

	switch {
	case sig == syscall.SIGKILL:
		p.exit(errors.New("signal: killed"))
	case sig == syscall.SIGTERM && (f.termIgnored == nil || !f.termIgnored(p)):
		p.exit(nil)
	}
	return nil
}

// ready does what prefork.Ready does in a real worker.
func (p *fakeProc) ready() {
	f := p.os
	f.mu.Lock()
	p.isReady = true
	f.journal = append(f.journal, fmt.Sprintf("ready %d", p.pid))
	f.mu.Unlock()
	if _, err := p.readyW.Write([]byte{1}); err != nil {
		f.tb.Errorf("ready %d: %v", p.pid, err)
	}
	p.readyW.Close()
}

// exit ends the process with err (nil: exit status 0); the kernel would
// close its descriptors, so its end of the readiness pipe goes too.
func (p *fakeProc) exit(err error) {
	f := p.os
	f.mu.Lock()
	if p.exited {
		f.mu.Unlock()
		return
	}
	p.exited = true
	f.journal = append(f.journal, fmt.Sprintf("exit %d", p.pid))
	f.mu.Unlock()
	p.readyW.Close()
	p.exitc <- err
}

func (p *fakeProc) hasExited() bool {
	p.os.mu.Lock()
	defer p.os.mu.Unlock()
	return p.exited
}

func (p *fakeProc) signals() []os.Signal {
	p.os.mu.Lock()
	defer p.os.mu.Unlock()
	return append([]os.Signal(nil), p.sigs...)
}
