package main

import (
	"time"

	"github.com/ecslocal/ecslocal/internal/elb/health"
)

// scaledClock runs AWS time F times as fast as the wall clock when
// --time-scale F is below 1 (and slower above 1): a timer for an AWS
// duration d fires after d×F of real time, and Now advances by 1/F seconds
// per real second from the moment ecslocal started, so durations measured
// with Now agree with the timers. With F = 1 it is the system clock.
//
// The simulated AWS machinery runs on it (health checks, deregistration
// delays, grace periods, backoffs), and so do the ECS control plane's
// timestamps (createdAt, startedAt, …), because the scheduler compares them
// with those durations: with F < 1 they run ahead of the wall clock, by
// (1/F − 1) × the time since ecslocal started.
type scaledClock struct {
	factor float64
	start  time.Time
}

var _ health.Clock = (*scaledClock)(nil)

func newScaledClock(factor float64) *scaledClock {
	return &scaledClock{factor: factor, start: time.Now()}
}

// Now returns the scaled time.
func (c *scaledClock) Now() time.Time {
	real := time.Since(c.start)
	return c.start.Add(time.Duration(float64(real) / c.factor))
}

// Scale converts an AWS duration to the real duration it takes.
func (c *scaledClock) Scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * c.factor)
}

// NewTimer returns a timer that fires after the AWS duration d.
func (c *scaledClock) NewTimer(d time.Duration) health.Timer {
	return &scaledTimer{c: c, t: time.NewTimer(c.Scale(d))}
}

type scaledTimer struct {
	c *scaledClock
	t *time.Timer
}

func (t *scaledTimer) C() <-chan time.Time        { return t.t.C }
func (t *scaledTimer) Reset(d time.Duration) bool { return t.t.Reset(t.c.Scale(d)) }
func (t *scaledTimer) Stop() bool                 { return t.t.Stop() }

// After returns a channel that receives after the AWS duration d.
func (c *scaledClock) After(d time.Duration) <-chan time.Time { return time.After(c.Scale(d)) }
