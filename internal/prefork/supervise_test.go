package prefork

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"
)

// stepSupervisor is a supervisor driven one event at a time by the test,
// without its loop: the test calls handle and reconcile directly (the
// "runOnce" seam) and plays the part of the helper goroutines.
type stepSupervisor struct {
	*supervisor
	fos *fakeOS
}

func newStepSupervisor(t *testing.T, workers int) *stepSupervisor {
	fos := newFakeOS(t)
	// Processes exit only when the test says so.
	fos.termIgnored = func(*fakeProc) bool { return true }
	m := &Master{Workers: workers, MaxStartFailures: 1 << 30, Logger: slog.New(slog.DiscardHandler)}
	s := m.newSupervisor(fos.env(), nil)
	s.files = make([]*os.File, 3)
	t.Cleanup(func() {
		// Unblock the helper goroutines start left behind.
		close(s.done)
		for i := range fos.started() {
			fos.proc(i).exit(nil)
		}
	})
	return &stepSupervisor{supervisor: s, fos: fos}
}

// inState lists the live workers in state st, in start order.
func (s *stepSupervisor) inState(st workerState) []*worker {
	return slices.DeleteFunc(s.liveWorkers(), func(w *worker) bool { return w.state != st })
}

func (s *stepSupervisor) step(t *testing.T, ev event) {
	t.Helper()
	if err := s.handle(ev); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if err := s.reconcile(); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
}

// exit ends w's process and delivers the exit event.
func (s *stepSupervisor) exit(t *testing.T, w *worker, err error) {
	w.proc.(*fakeProc).exit(err)
	s.step(t, event{kind: evExit, w: w, err: err})
}

// TestSupervisorRollingProperty drives random interleavings of readiness,
// SIGHUP, drained exits, crashes and restart timers, and checks after every
// step that:
//   - no step other than a crash lowers the number of ready workers (so a
//     rolling restart never drops below Workers ready ones);
//   - at most one replacement is starting at a time;
//   - once events stop arriving, every slot ends with a ready worker of the
//     latest generation.
func TestSupervisorRollingProperty(t *testing.T) {
	t.Parallel()
	crash := errors.New("exit status 1")
	for seed := range uint64(200) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			workers := 1 + rng.IntN(4)
			crashes := seed%2 == 1
			s := newStepSupervisor(t, workers)
			if err := s.reconcile(); err != nil {
				t.Fatal(err)
			}

			for i := range 150 {
				before := len(s.inState(stateReady))
				starting := s.inState(stateStarting)
				draining := s.inState(stateDraining)
				var pending []*slot
				for _, sl := range s.slots {
					if sl.pending {
						pending = append(pending, sl)
					}
				}

				var action string
				switch r := rng.IntN(10); {
				case r < 4 && len(starting) > 0:
					action = "ready"
					s.step(t, event{kind: evReady, w: starting[rng.IntN(len(starting))]})
				case r < 6 && len(draining) > 0:
					action = "drained"
					s.exit(t, draining[rng.IntN(len(draining))], nil)
				case r < 7 && len(pending) > 0:
					action = "backoff over"
					s.step(t, event{kind: evRestart, sl: pending[rng.IntN(len(pending))]})
				case r < 8 && crashes:
					action = "crash"
					candidates := append(starting, s.inState(stateReady)...)
					if len(candidates) > 0 {
						s.exit(t, candidates[rng.IntN(len(candidates))], crash)
					}
				default:
					action = "SIGHUP"
					s.reload()
					if err := s.reconcile(); err != nil {
						t.Fatal(err)
					}
				}

				if after := len(s.inState(stateReady)); action != "crash" && after < before {
					t.Fatalf("step %d (%s): ready workers %d -> %d", i, action, before, after)
				}
				replacements := 0
				for _, sl := range s.slots {
					if sl.next != nil {
						replacements++
					}
				}
				if replacements > 1 {
					t.Fatalf("step %d (%s): %d replacements starting at once", i, action, replacements)
				}
			}

			// Let everything settle: the supervisor must converge.
			for range 100 {
				switch starting, draining := s.inState(stateStarting), s.inState(stateDraining); {
				case len(starting) > 0:
					s.step(t, event{kind: evReady, w: starting[0]})
				case len(draining) > 0:
					s.exit(t, draining[0], nil)
				default:
					for _, sl := range s.slots {
						if sl.pending {
							s.step(t, event{kind: evRestart, sl: sl})
						}
					}
				}
			}
			for _, sl := range s.slots {
				if sl.cur == nil || sl.cur.state != stateReady || sl.cur.gen != s.gen || sl.next != nil || sl.pending {
					t.Errorf("slot %d did not converge: cur=%+v next=%v pending=%t gen=%d", sl.index, sl.cur, sl.next, sl.pending, s.gen)
				}
			}
			if got := len(s.live); got != workers {
				t.Errorf("%d live workers after settling; want %d", got, workers)
			}
		})
	}
}

// TestSupervisorBackoffReset checks the backoff arithmetic step by step.
func TestSupervisorBackoffReset(t *testing.T) {
	t.Parallel()
	s := newStepSupervisor(t, 1)
	if err := s.reconcile(); err != nil {
		t.Fatal(err)
	}
	sl := s.slots[0]
	crash := errors.New("exit status 1")

	w := sl.cur
	s.step(t, event{kind: evReady, w: w})
	s.fos.advance(stableUptime - time.Millisecond)
	s.exit(t, w, crash) // not up long enough: no reset
	if got, want := sl.backoff, 2*DefaultMinBackoff; got != want {
		t.Fatalf("backoff after first death = %s; want %s", got, want)
	}
	s.step(t, event{kind: evRestart, sl: sl})
	w = sl.cur
	s.step(t, event{kind: evReady, w: w})
	s.exit(t, w, crash)
	if got, want := sl.backoff, 4*DefaultMinBackoff; got != want {
		t.Fatalf("backoff after second death = %s; want %s", got, want)
	}
	s.step(t, event{kind: evRestart, sl: sl})
	w = sl.cur
	s.step(t, event{kind: evReady, w: w})
	s.fos.advance(stableUptime)
	s.exit(t, w, crash) // stable: starts over
	if got, want := sl.backoff, 2*DefaultMinBackoff; got != want {
		t.Fatalf("backoff after a stable worker died = %s; want %s", got, want)
	}
	if got, want := s.fos.durations(DefaultStartTimeout), []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 100 * time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("restart delays = %v; want %v", got, want)
	}
}
