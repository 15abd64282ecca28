// Package health runs the active health checks of one ALB target group and
// keeps each target's position in the target health state machine of §1 of
// /work/shared/spec/aws-semantics.md.
//
// It imports elb and the standard library only; it must not import control or
// proxy. It reports every health change upward through the Reporter interface
// it defines, and publishes the health of all targets as an immutable
// Snapshot behind an atomic pointer, so the proxy reads health without taking
// a lock.
//
// The pieces, from pure to effectful:
//
//	Status.Observe(Result)   pure state machine of one target (status.go)
//	Prober.Probe             one check, one new connection (prober.go)
//	Checker.tick(ctx, now)   one round: due targets probed in parallel,
//	                         results applied, drained targets removed
//	Checker.Run(ctx)         a timer loop calling tick; time comes from an
//	                         injected Clock so tests drive it
//
// Flow of one round:
//
//	Run ──timer──▶ tick(now) ──▶ due targets ──▶ Probe ×N (goroutines, each
//	                 │                              with its own timeout)
//	                 ◀──────────── Results ◀────────┘
//	                 ├─▶ Status.Observe ─▶ Transition ─▶ Reporter
//	                 └─▶ publish Snapshot (atomic.Pointer)
package health
