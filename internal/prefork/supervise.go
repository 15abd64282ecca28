package prefork

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"slices"
	"syscall"
	"time"
)

// The signals the master handles and sends.
const (
	sigTerm = syscall.SIGTERM
	sigInt  = syscall.SIGINT
	sigHup  = syscall.SIGHUP
	sigKill = syscall.SIGKILL
)

// workerState is where a worker is in its lifecycle (see the package
// documentation for the diagram).
type workerState int

const (
	stateStarting workerState = iota // started, has not called Ready yet
	stateReady                       // serving
	stateDraining                    // sent SIGTERM by the master
	stateExited                      // waited for
)

// worker is one started worker process.
type worker struct {
	id    int // sequence number in this Run, for the logs
	slot  *slot
	gen   int // the reload generation it was started in
	proc  process
	state workerState

	startedAt, readyAt time.Time
	// settled is closed when the worker leaves stateStarting; it stops the
	// start timeout.
	settled chan struct{}
}

// slot is one of the Master's Workers positions.
type slot struct {
	index int
	cur   *worker // the worker that serves (or is starting to serve) the slot
	next  *worker // its replacement during a rolling restart
	// backoff is the delay before the next restart of this slot; zero
	// means minBackoff.
	backoff time.Duration
	// pending is set while a restart timer is armed for the slot.
	pending bool
}

type eventKind int

const (
	evReady        eventKind = iota // w wrote its readiness byte
	evExit                          // w exited with err
	evStartTimeout                  // w did not become ready in time
	evRestart                       // sl's backoff is over
)

// event is what the goroutines around each worker report to the loop.
type event struct {
	kind eventKind
	w    *worker
	sl   *slot
	err  error
}

// supervisor is the state of one Master.Run. Only the goroutine running run
// touches it; the helper goroutines (one readiness reader, one waiter and one
// timer per worker, one timer per restart) only send events.
type supervisor struct {
	env *env
	log *slog.Logger
	ln  net.Listener

	shutdownTimeout  time.Duration
	startTimeout     time.Duration
	minBackoff       time.Duration
	maxBackoff       time.Duration
	maxStartFailures int

	argv    []string
	environ []string
	// files are the worker's fds 3, 4, 5: the listener, a placeholder for
	// the worker's own readiness pipe, and the lifeline.
	files []*os.File

	events chan event
	done   chan struct{} // closed when Run returns

	slots    []*slot
	live     map[*worker]struct{} // started and not yet waited for
	gen      int                  // bumped by every SIGHUP
	nextID   int
	failures int // start failures in a row
	// rollFailures counts replacements that failed in a row during a
	// rolling restart; they are kept apart from failures because a
	// broken reload must not take down workers that serve fine.
	rollFailures int
	stopping     bool
	allReady     bool // all slots were ready at least once
}

// post hands ev to the loop, or drops it once Run has returned.
func (s *supervisor) post(ev event) {
	select {
	case s.events <- ev:
	case <-s.done:
	}
}

// run is the supervision loop. It returns after every worker has been
// stopped.
func (s *supervisor) run(ctx context.Context, sigs <-chan os.Signal) error {
	err := s.reconcile()
loop:
	for err == nil {
		select {
		case <-ctx.Done():
			s.log.Info("prefork: context done")
			break loop
		case sig := <-sigs:
			if sig != sigHup {
				s.log.Info("prefork: signal received", slog.String("signal", sig.String()))
				break loop
			}
			s.reload()
			err = s.reconcile()
		case ev := <-s.events:
			err = s.handle(ev)
			if err == nil {
				err = s.reconcile()
			}
		}
	}
	s.shutdown(sigs)
	return err
}

// reload starts a rolling restart: every worker started before it is
// replaced, one slot at a time, by reconcile.
func (s *supervisor) reload() {
	s.gen++
	s.rollFailures = 0
	s.log.Info("prefork: rolling restart", slog.Int("generation", s.gen))
}

// handle applies one event. It returns ErrStartFailures when it is time to
// give up.
func (s *supervisor) handle(ev event) error {
	switch ev.kind {
	case evReady:
		s.ready(ev.w)
	case evExit:
		return s.exited(ev.w, ev.err)
	case evStartTimeout:
		if ev.w.state == stateStarting {
			s.log.Warn("prefork: worker start timed out, killing it", s.attrs(ev.w)...)
			s.signal(ev.w, sigKill)
		}
	case evRestart:
		ev.sl.pending = false
	}
	return nil
}

// reconcile starts whatever the slots are missing: a worker for every empty
// slot whose backoff is over and, while a rolling restart is under way, one
// replacement at a time, and only while every slot has a ready worker, so
// that the number of ready workers never drops below Workers.
func (s *supervisor) reconcile() error {
	for _, sl := range s.slots {
		if sl.cur == nil && sl.next == nil && !sl.pending {
			if err := s.start(sl, &sl.cur); err != nil {
				return err
			}
		}
	}
	for _, sl := range s.slots {
		if sl.pending || sl.next != nil || sl.cur == nil || sl.cur.state != stateReady {
			return nil
		}
	}
	for _, sl := range s.slots {
		if sl.cur.gen < s.gen {
			return s.start(sl, &sl.next)
		}
	}
	return nil
}

// start starts a worker for sl and stores it in *role (sl.cur or sl.next).
// A failure to start counts like a worker that died before it was ready.
func (s *supervisor) start(sl *slot, role **worker) error {
	replacement := role == &sl.next
	readyR, readyW, err := os.Pipe()
	if err != nil {
		s.log.Error("prefork: readiness pipe", slog.Int("slot", sl.index), slog.Any("error", err))
		return s.startFailed(sl, replacement)
	}
	files := append([]*os.File(nil), s.files...)
	files[readyFD-listenerFD] = readyW
	proc, err := s.env.newProc(s.argv, s.environ, files)
	// The worker has its own copy now; the master must not keep one, or
	// the pipe would never reach EOF when the worker dies.
	readyW.Close()
	if err != nil {
		readyR.Close()
		s.log.Error("prefork: start worker", slog.Int("slot", sl.index), slog.Any("error", err))
		return s.startFailed(sl, replacement)
	}

	s.nextID++
	w := &worker{
		id:        s.nextID,
		slot:      sl,
		gen:       s.gen,
		proc:      proc,
		state:     stateStarting,
		startedAt: s.env.now(),
		settled:   make(chan struct{}),
	}
	*role = w
	s.live[w] = struct{}{}
	s.log.Info("prefork: worker started", append(s.attrs(w), slog.Bool("replacement", replacement))...)

	go func() {
		var b [1]byte
		n, _ := readyR.Read(b[:])
		readyR.Close()
		if n == 1 {
			s.post(event{kind: evReady, w: w})
		}
	}()
	go func() {
		err := proc.Wait()
		s.post(event{kind: evExit, w: w, err: err})
	}()
	timeout := s.env.after(s.startTimeout)
	go func() {
		select {
		case <-timeout:
			s.post(event{kind: evStartTimeout, w: w})
		case <-w.settled:
		case <-s.done:
		}
	}()
	return nil
}

// ready records that w is serving. A replacement takes over its slot and the
// worker it replaces is told to drain.
func (s *supervisor) ready(w *worker) {
	if w.state != stateStarting {
		// It exited (or was stopped) before its readiness byte was
		// read.
		return
	}
	w.state = stateReady
	w.readyAt = s.env.now()
	close(w.settled)
	s.failures = 0
	s.log.Info("prefork: worker ready", append(s.attrs(w), slog.Duration("startup", w.readyAt.Sub(w.startedAt)))...)

	sl := w.slot
	if sl.next == w {
		s.rollFailures = 0
		old := sl.cur
		sl.cur, sl.next = w, nil
		if old != nil {
			s.stop(old)
		}
	}
	if !s.allReady && s.readyCount() == len(s.slots) {
		s.allReady = true
		s.log.Info("prefork: all workers ready", slog.Int("workers", len(s.slots)))
	}
}

// exited records that w is gone and, unless the master stopped it, schedules
// a restart of its slot. It returns ErrStartFailures when too many workers in
// a row died before they were ready.
func (s *supervisor) exited(w *worker, err error) error {
	prev := w.state
	w.state = stateExited
	if prev == stateStarting {
		close(w.settled)
	}
	delete(s.live, w)

	now := s.env.now()
	attrs := append(s.attrs(w), slog.String("status", exitStatus(err)), slog.Duration("uptime", now.Sub(w.startedAt)))
	if prev == stateDraining || s.stopping {
		s.log.Info("prefork: worker exited", attrs...)
		return nil
	}
	s.log.Warn("prefork: worker died", append(attrs, slog.Bool("was_ready", !w.readyAt.IsZero()))...)

	sl := w.slot
	switch {
	case w.readyAt.IsZero():
		if err := s.countFailure(sl, w == sl.next); err != nil {
			return err
		}
	case now.Sub(w.readyAt) >= stableUptime:
		sl.backoff = 0
	}

	switch w {
	case sl.cur:
		sl.cur = nil
		if sl.next != nil {
			// A replacement is already starting; it takes the slot.
			sl.cur, sl.next = sl.next, nil
			return nil
		}
	case sl.next:
		sl.next = nil
		if s.rollAbandoned(sl) {
			return nil
		}
	default:
		return nil
	}
	s.scheduleRestart(sl)
	return nil
}

// startFailed counts a worker that could not even be started and schedules
// another try.
func (s *supervisor) startFailed(sl *slot, replacement bool) error {
	if err := s.countFailure(sl, replacement); err != nil {
		return err
	}
	if !replacement || !s.rollAbandoned(sl) {
		s.scheduleRestart(sl)
	}
	return nil
}

// countFailure counts a worker that died (or never started) before it was
// ready. Too many in a row make Run give up, unless they are replacements
// in a rolling restart: then only the rolling restart is given up.
func (s *supervisor) countFailure(sl *slot, replacement bool) error {
	if replacement {
		s.rollFailures++
		if s.rollFailures >= s.maxStartFailures {
			// Keep the workers that serve; mark them current so
			// that reconcile stops replacing them. Another SIGHUP
			// tries again.
			s.log.Error("prefork: rolling restart abandoned: replacements keep dying before they are ready",
				slog.Int("failures", s.rollFailures))
			for _, sl := range s.slots {
				if sl.cur != nil {
					sl.cur.gen = s.gen
				}
			}
		}
		return nil
	}
	s.failures++
	if s.failures >= s.maxStartFailures {
		s.log.Error("prefork: giving up: workers keep dying before they are ready",
			slog.Int("failures", s.failures))
		return ErrStartFailures
	}
	return nil
}

// rollAbandoned reports whether sl's serving worker no longer needs a
// replacement because the rolling restart was abandoned.
func (s *supervisor) rollAbandoned(sl *slot) bool {
	return sl.cur != nil && sl.cur.gen == s.gen
}

// scheduleRestart arms sl's restart timer with the current backoff and
// doubles the backoff for next time.
func (s *supervisor) scheduleRestart(sl *slot) {
	delay := sl.backoff
	if delay <= 0 {
		delay = s.minBackoff
	}
	sl.backoff = min(2*delay, s.maxBackoff)
	sl.pending = true
	timer := s.env.after(delay)
	s.log.Info("prefork: restarting worker", slog.Int("slot", sl.index), slog.Duration("backoff", delay))
	go func() {
		select {
		case <-timer:
			s.post(event{kind: evRestart, sl: sl})
		case <-s.done:
		}
	}()
}

// stop tells w to drain and exit.
func (s *supervisor) stop(w *worker) {
	w.state = stateDraining
	s.log.Info("prefork: stopping worker", s.attrs(w)...)
	s.signal(w, sigTerm)
}

// shutdown stops every live worker: SIGTERM, then SIGKILL for those that are
// still there after shutdownTimeout plus killMargin (or at once on a second
// SIGTERM or SIGINT).
func (s *supervisor) shutdown(sigs <-chan os.Signal) {
	s.stopping = true
	// Workers have their own copies of the socket; once they have all
	// closed theirs, new connections are refused instead of waiting in a
	// queue that nobody will accept from.
	s.ln.Close()
	if lnFile := s.files[0]; lnFile != nil { // the duplicate passed to workers
		lnFile.Close()
	}
	s.log.Info("prefork: shutting down", slog.Int("workers", len(s.live)), slog.Duration("timeout", s.shutdownTimeout))
	for _, w := range s.liveWorkers() {
		if w.state != stateDraining {
			s.stop(w)
		}
	}

	deadline := s.env.after(s.shutdownTimeout + killMargin)
	killed := false
	kill := func(reason string) {
		s.log.Warn("prefork: killing workers", slog.String("reason", reason), slog.Int("workers", len(s.live)))
		for _, w := range s.liveWorkers() {
			s.signal(w, sigKill)
		}
		killed = true
		deadline = s.env.after(killMargin)
	}
	for len(s.live) > 0 {
		select {
		case ev := <-s.events:
			if ev.kind == evExit {
				s.exited(ev.w, ev.err)
			}
		case sig := <-sigs:
			if sig != sigHup && !killed {
				kill("second " + sig.String())
			}
		case <-deadline:
			if killed {
				s.log.Error("prefork: workers still running after SIGKILL", slog.Int("workers", len(s.live)))
				return
			}
			kill("shutdown timeout")
		}
	}
	s.log.Info("prefork: all workers stopped")
}

// liveWorkers lists the live workers in start order, for stable logs.
func (s *supervisor) liveWorkers() []*worker {
	ws := make([]*worker, 0, len(s.live))
	for w := range s.live {
		ws = append(ws, w)
	}
	slices.SortFunc(ws, func(a, b *worker) int { return a.id - b.id })
	return ws
}

func (s *supervisor) readyCount() int {
	n := 0
	for _, sl := range s.slots {
		if sl.cur != nil && sl.cur.state == stateReady {
			n++
		}
	}
	return n
}

// signal sends sig to w; a worker that has just exited is not an error.
func (s *supervisor) signal(w *worker, sig os.Signal) {
	if err := w.proc.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.log.Warn("prefork: signal worker", append(s.attrs(w), slog.String("signal", sig.String()), slog.Any("error", err))...)
	}
}

func (s *supervisor) attrs(w *worker) []any {
	return []any{slog.Int("worker", w.id), slog.Int("pid", w.proc.Pid()), slog.Int("slot", w.slot.index)}
}

// exitStatus describes how a process ended, from the error of its Wait.
func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}
