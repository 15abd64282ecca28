package health

import (
	"github.com/ecslocal/ecslocal/internal/elb"
)

// Status is one target's position in the target health state machine (§1):
// its published health plus the consecutive pass and fail counts the
// thresholds are compared with. It is a value; every transition returns a new
// Status, so the machine can be tested as a table of (from, event, to).
//
//	Register
//	   │
//	   ▼
//	initial/Elb.RegistrationInProgress
//	   │ first check sent (Begin)
//	   ▼
//	initial/Elb.InitialHealthChecking ──1 pass──────────────────▶ healthy
//	   │                                                          │   ▲
//	   │ UnhealthyThresholdCount                UnhealthyThreshold│   │HealthyThreshold
//	   │ consecutive fails (unconfirmed)          consecutive fails│   │consecutive passes
//	   ▼                                                          ▼   │
//	unhealthy/<reason of the last failure> ◀──────────────────────┘   │
//	   └──────────────────────────────────────────────────────────────┘
//
//	any ──Deregister──▶ draining/Target.DeregistrationInProgress
//	                         │ deregistration delay elapsed
//	                         ▼
//	                    unused/Target.NotRegistered (removed from the group)
//
//	any but draining ──group leaves every listener──▶ unused/Target.NotInUse
//	unused/Target.NotInUse ──group back in use──▶ initial/Elb.RegistrationInProgress
//	enabled targets ──HealthCheckEnabled=false──▶ unavailable/Target.HealthCheckDisabled
//
// Draining, unused and unavailable targets are not checked; Observe leaves
// them unchanged.
type Status struct {
	Health elb.TargetHealth
	// Passes and Fails count consecutive check results; a result of the
	// other kind resets the count.
	Passes int
	Fails  int
}

// Thresholds are the target group's HealthyThresholdCount and
// UnhealthyThresholdCount.
type Thresholds struct {
	Healthy   int
	Unhealthy int
}

// ThresholdsOf returns the thresholds of a canonical health check.
func ThresholdsOf(hc *elb.HealthCheck) Thresholds {
	return Thresholds{Healthy: hc.HealthyThresholdCount, Unhealthy: hc.UnhealthyThresholdCount}
}

// Result is the outcome of one health check.
type Result struct {
	// OK is true when the target answered with a matching code in time.
	OK bool
	// Failure is the health a failed check points to, e.g.
	// elb.ResponseCodeMismatch(503) or elb.HealthFor(elb.TargetHealthReasonTimeout);
	// unused when OK.
	Failure elb.TargetHealth
}

// Pass is the result of a successful check.
func Pass() Result { return Result{OK: true} }

// Fail is the result of a check that failed for the given reason, with the
// reason's standard description.
func Fail(reason elb.TargetHealthReason) Result {
	return Result{Failure: elb.HealthFor(reason)}
}

// FailCode is the result of a check answered with an unexpected status code.
func FailCode(code int) Result {
	return Result{Failure: elb.ResponseCodeMismatch(code)}
}

// Registered is the status of a target that was just registered.
func Registered() Status {
	return Status{Health: elb.HealthFor(elb.TargetHealthReasonRegistrationInProgress)}
}

// Begin moves a target whose registration is in progress to "initial health
// checks in progress"; the checker calls it when it sends the first check.
func (s Status) Begin() Status {
	if s.Health.Reason == elb.TargetHealthReasonRegistrationInProgress {
		s.Health = elb.HealthFor(elb.TargetHealthReasonInitialHealthChecking)
	}
	return s
}

// Checked reports whether the state is one the checker sends checks in.
func (s Status) Checked() bool {
	switch s.Health.State {
	case elb.TargetHealthStateInitial, elb.TargetHealthStateHealthy, elb.TargetHealthStateUnhealthy:
		return true
	}
	return false
}

// Observe applies one check result under the given thresholds (§1.2):
//
//   - initial: one pass makes the target healthy ("it must pass one health
//     check to be considered healthy"); UnhealthyThresholdCount consecutive
//     failures make it unhealthy (the spec's emulator choice: the threshold
//     for initial → unhealthy is not documented).
//   - healthy: UnhealthyThresholdCount consecutive failures make it unhealthy.
//   - unhealthy: HealthyThresholdCount consecutive passes make it healthy;
//     each further failure refreshes the reason, so DescribeTargetHealth
//     shows why the latest check failed.
func (s Status) Observe(r Result, t Thresholds) Status {
	if !s.Checked() {
		return s
	}
	if r.OK {
		s.Passes++
		s.Fails = 0
		switch s.Health.State {
		case elb.TargetHealthStateInitial:
			s.Health = elb.Healthy
		case elb.TargetHealthStateUnhealthy:
			if s.Passes >= t.Healthy {
				s.Health = elb.Healthy
			}
		}
		return s
	}
	s.Fails++
	s.Passes = 0
	switch s.Health.State {
	case elb.TargetHealthStateInitial, elb.TargetHealthStateHealthy:
		if s.Fails >= t.Unhealthy {
			s.Health = r.Failure
		}
	case elb.TargetHealthStateUnhealthy:
		s.Health = r.Failure
	}
	return s
}

// Drain moves the target to draining on deregistration (§4.4).
func (s Status) Drain() Status {
	return Status{Health: elb.HealthFor(elb.TargetHealthReasonDeregistrationInProgress)}
}

// NotInUse moves a target that is not draining to unused/Target.NotInUse,
// for a group no listener rule forwards to (§1.1). Counts restart.
func (s Status) NotInUse() Status {
	if s.Health.State == elb.TargetHealthStateDraining {
		return s
	}
	return Status{Health: elb.HealthFor(elb.TargetHealthReasonNotInUse)}
}

// InUse brings a target of a group that is back in use to the start of the
// machine. AWS does not document which initial reason it shows then; we
// show RegistrationInProgress (unconfirmed), as the load balancer nodes are
// registering the target anew.
func (s Status) InUse() Status {
	switch s.Health.Reason {
	case elb.TargetHealthReasonNotInUse, elb.TargetHealthReasonHealthCheckDisabled:
		return Registered()
	}
	return s
}

// Disabled moves a target that is not draining to
// unavailable/Target.HealthCheckDisabled (§1.1; only Lambda groups can
// disable checks on AWS, kept for completeness).
func (s Status) Disabled() Status {
	if s.Health.State == elb.TargetHealthStateDraining {
		return s
	}
	return Status{Health: elb.HealthFor(elb.TargetHealthReasonHealthCheckDisabled)}
}
