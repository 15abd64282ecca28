package health

import (
	"testing"

	"github.com/ecslocal/ecslocal/internal/elb"
)

var (
	hRegistering = elb.HealthFor(elb.TargetHealthReasonRegistrationInProgress)
	hInitial     = elb.HealthFor(elb.TargetHealthReasonInitialHealthChecking)
	hTimeout     = elb.HealthFor(elb.TargetHealthReasonTimeout)
	hFailed      = elb.HealthFor(elb.TargetHealthReasonFailedHealthChecks)
	hDraining    = elb.HealthFor(elb.TargetHealthReasonDeregistrationInProgress)
	hNotInUse    = elb.HealthFor(elb.TargetHealthReasonNotInUse)
	hNotReg      = elb.HealthFor(elb.TargetHealthReasonNotRegistered)
	hDisabled    = elb.HealthFor(elb.TargetHealthReasonHealthCheckDisabled)
	h503         = elb.ResponseCodeMismatch(503)
)

func st(h elb.TargetHealth, passes, fails int) Status {
	return Status{Health: h, Passes: passes, Fails: fails}
}

// TestStatusObserve walks the §1.2 transitions one result at a time, with
// HealthyThresholdCount 3 and UnhealthyThresholdCount 2 so the two
// thresholds cannot be confused.
func TestStatusObserve(t *testing.T) {
	th := Thresholds{Healthy: 3, Unhealthy: 2}
	tests := []struct {
		name string
		from Status
		res  Result
		want Status
	}{
		{"InitialOnePassIsHealthy", st(hInitial, 0, 0), Pass(), st(elb.Healthy, 1, 0)},
		{"RegisteringOnePassIsHealthy", st(hRegistering, 0, 0), Pass(), st(elb.Healthy, 1, 0)},
		{"InitialFailBelowThreshold", st(hInitial, 0, 0), Fail(elb.TargetHealthReasonTimeout), st(hInitial, 0, 1)},
		{"InitialFailsToUnhealthy", st(hInitial, 0, 1), Fail(elb.TargetHealthReasonTimeout), st(hTimeout, 0, 2)},
		{"InitialPassAfterFailIsHealthy", st(hInitial, 0, 1), Pass(), st(elb.Healthy, 1, 0)},
		{"HealthyPassStays", st(elb.Healthy, 4, 0), Pass(), st(elb.Healthy, 5, 0)},
		{"HealthyOneFailStays", st(elb.Healthy, 4, 0), FailCode(503), st(elb.Healthy, 0, 1)},
		{"HealthyTwoFailsUnhealthy", st(elb.Healthy, 0, 1), FailCode(503), st(h503, 0, 2)},
		{"HealthyReasonIsLastFailure", st(elb.Healthy, 0, 1), Fail(elb.TargetHealthReasonFailedHealthChecks), st(hFailed, 0, 2)},
		{"UnhealthyPassBelowThreshold", st(h503, 0, 2), Pass(), st(h503, 1, 0)},
		{"UnhealthySecondPassBelowThreshold", st(h503, 1, 0), Pass(), st(h503, 2, 0)},
		{"UnhealthyThirdPassHealthy", st(h503, 2, 0), Pass(), st(elb.Healthy, 3, 0)},
		{"UnhealthyFailResetsPasses", st(h503, 2, 0), FailCode(503), st(h503, 0, 1)},
		{"UnhealthyFailRefreshesReason", st(h503, 0, 3), Fail(elb.TargetHealthReasonTimeout), st(hTimeout, 0, 4)},
		{"DrainingIgnoresResults", st(hDraining, 0, 0), FailCode(500), st(hDraining, 0, 0)},
		{"NotInUseIgnoresResults", st(hNotInUse, 0, 0), Pass(), st(hNotInUse, 0, 0)},
		{"DisabledIgnoresResults", st(hDisabled, 0, 0), Pass(), st(hDisabled, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.from.Observe(tt.res, th); got != tt.want {
				t.Errorf("Observe = %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestStatusLifecycle(t *testing.T) {
	tests := []struct {
		name string
		got  Status
		want elb.TargetHealth
	}{
		{"Registered", Registered(), hRegistering},
		{"BeginFromRegistering", Registered().Begin(), hInitial},
		{"BeginKeepsHealthy", st(elb.Healthy, 1, 0).Begin(), elb.Healthy},
		{"DrainFromHealthy", st(elb.Healthy, 1, 0).Drain(), hDraining},
		{"DrainFromUnhealthy", st(h503, 0, 2).Drain(), hDraining},
		{"NotInUseFromHealthy", st(elb.Healthy, 1, 0).NotInUse(), hNotInUse},
		{"NotInUseKeepsDraining", st(hDraining, 0, 0).NotInUse(), hDraining},
		{"InUseRestarts", st(hNotInUse, 0, 0).InUse(), hRegistering},
		{"InUseKeepsHealthy", st(elb.Healthy, 0, 0).InUse(), elb.Healthy},
		{"DisabledFromHealthy", st(elb.Healthy, 0, 0).Disabled(), hDisabled},
		{"DisabledKeepsDraining", st(hDraining, 0, 0).Disabled(), hDraining},
		{"EnabledAgainRestarts", st(hDisabled, 0, 0).InUse(), hRegistering},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got.Health != tt.want {
				t.Errorf("health = %+v; want %+v", tt.got.Health, tt.want)
			}
		})
	}
	if s := st(elb.Healthy, 3, 0).NotInUse(); s.Passes != 0 || s.Fails != 0 {
		t.Errorf("NotInUse kept counts %+v", s)
	}
}
