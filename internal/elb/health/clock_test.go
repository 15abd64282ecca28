package health

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock that moves only when the test calls Advance or Set.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

var _ Clock = (*fakeClock)(nil)

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{clock: c, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	t.Reset(d)
	return t
}

// Advance moves time forward and fires every timer that is due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, t := range c.timers {
		if t.active && !t.at.After(c.now) {
			t.fireLocked()
		}
	}
}

// Set moves time to at (forward only) and fires due timers.
func (c *fakeClock) Set(at time.Time) {
	c.Advance(at.Sub(c.Now()))
}

type fakeTimer struct {
	clock  *fakeClock
	ch     chan time.Time
	at     time.Time
	active bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

// Reset follows Go 1.23 semantics: a value not yet received is discarded.
func (t *fakeTimer) Reset(d time.Duration) bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	was := t.active
	select {
	case <-t.ch:
	default:
	}
	t.at, t.active = c.now.Add(d), true
	if d <= 0 {
		t.fireLocked()
	}
	return was
}

func (t *fakeTimer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

func (t *fakeTimer) fireLocked() {
	t.active = false
	select {
	case t.ch <- t.clock.now:
	default:
	}
}

func TestFakeClock(t *testing.T) {
	c := newFakeClock()
	tm := c.NewTimer(5 * time.Second)
	c.Advance(4 * time.Second)
	select {
	case <-tm.C():
		t.Fatal("fired early")
	default:
	}
	c.Advance(time.Second)
	select {
	case <-tm.C():
	default:
		t.Fatal("did not fire at its deadline")
	}
	tm.Reset(0)
	select {
	case <-tm.C():
	default:
		t.Fatal("Reset(0) did not fire at once")
	}
}

func TestSystemClock(t *testing.T) {
	c := SystemClock()
	if c.Now().IsZero() {
		t.Fatal("zero time")
	}
	tm := c.NewTimer(time.Hour)
	if !tm.Stop() {
		t.Error("Stop of an active timer = false")
	}
	tm.Reset(0)
	<-tm.C()
}
