package elb

import "testing"

func TestHealthFor(t *testing.T) {
	tests := []struct {
		reason    TargetHealthReason
		wantState TargetHealthState
		wantDesc  string
	}{
		{TargetHealthReasonRegistrationInProgress, TargetHealthStateInitial, "Target registration is in progress"},
		{TargetHealthReasonInitialHealthChecking, TargetHealthStateInitial, "Initial health checks in progress"},
		{TargetHealthReasonTimeout, TargetHealthStateUnhealthy, "Request timed out"},
		{TargetHealthReasonFailedHealthChecks, TargetHealthStateUnhealthy, "Health checks failed"},
		{TargetHealthReasonInternalError, TargetHealthStateUnhealthy, "Health checks failed due to an internal error"},
		{TargetHealthReasonNotRegistered, TargetHealthStateUnused, "Target is not registered to the target group"},
		{TargetHealthReasonNotInUse, TargetHealthStateUnused, "Target group is not configured to receive traffic from the load balancer"},
		{TargetHealthReasonDeregistrationInProgress, TargetHealthStateDraining, "Target deregistration is in progress"},
		{TargetHealthReasonHealthCheckDisabled, TargetHealthStateUnavailable, "Health checks are disabled"},
	}
	for _, tt := range tests {
		h := HealthFor(tt.reason)
		if h.State != tt.wantState || h.Reason != tt.reason || h.Description != tt.wantDesc {
			t.Errorf("HealthFor(%s) = %+v; want {%s %s %q}", tt.reason, h, tt.wantState, tt.reason, tt.wantDesc)
		}
	}
	if h := ResponseCodeMismatch(503); h.Description != "Health checks failed with these codes: [503]" || h.State != TargetHealthStateUnhealthy {
		t.Errorf("ResponseCodeMismatch(503) = %+v", h)
	}
	if !Healthy.IsHealthy() || Healthy.Reason != "" || Healthy.Description != "" {
		t.Errorf("Healthy = %+v; want no reason or description (§1.1)", Healthy)
	}
}

func TestTargetDescriptionKey(t *testing.T) {
	a := TargetDescription{ID: "i-1", Port: 32768, AvailabilityZone: "us-east-1a"}
	b := TargetDescription{ID: "i-1", Port: 32768}
	if a.Key() != b.Key() {
		t.Error("the zone must not be part of a target's identity")
	}
	if a.String() != "i-1:32768" {
		t.Errorf("String = %q", a.String())
	}
}
