package elb

import "fmt"

// TargetDescription names one registered target (ELBv2 TargetDescription).
// ECS bridge tasks register the same instance several times with different
// dynamic ports (§4.4), so a target is identified by ID and Port together.
type TargetDescription struct {
	// ID is the instance ID (target type instance) or IP address (type ip).
	ID string `json:"Id"`
	// Port is the port the target receives traffic on. Zero means the target
	// group's port; control resolves it before registering.
	Port int `json:"Port,omitempty"`
	// AvailabilityZone is informational; local targets have none.
	AvailabilityZone string `json:"AvailabilityZone,omitempty"`
}

// Key returns the identity of the target: its ID and port, ignoring the zone.
func (t TargetDescription) Key() TargetKey {
	return TargetKey{ID: t.ID, Port: t.Port}
}

// String returns "id:port" for logs.
func (t TargetDescription) String() string {
	return fmt.Sprintf("%s:%d", t.ID, t.Port)
}

// TargetKey identifies a registered target inside a target group.
type TargetKey struct {
	ID   string
	Port int
}

// TargetHealthState is TargetHealth.State (§1.1).
type TargetHealthState string

// Target health states (§1.1). TargetHealthStateUnhealthyDraining exists in
// the API enum for NLB only; the ALB emulator never produces it.
const (
	TargetHealthStateInitial           TargetHealthState = "initial"
	TargetHealthStateHealthy           TargetHealthState = "healthy"
	TargetHealthStateUnhealthy         TargetHealthState = "unhealthy"
	TargetHealthStateUnhealthyDraining TargetHealthState = "unhealthy.draining"
	TargetHealthStateUnused            TargetHealthState = "unused"
	TargetHealthStateDraining          TargetHealthState = "draining"
	TargetHealthStateUnavailable       TargetHealthState = "unavailable"
)

// TargetHealthReason is TargetHealth.Reason (§1.1). The prefix says who is at
// fault: Elb.* the load balancer side, Target.* the target side.
type TargetHealthReason string

// Target health reason codes (§1.1).
const (
	TargetHealthReasonRegistrationInProgress   TargetHealthReason = "Elb.RegistrationInProgress"
	TargetHealthReasonInitialHealthChecking    TargetHealthReason = "Elb.InitialHealthChecking"
	TargetHealthReasonInternalError            TargetHealthReason = "Elb.InternalError"
	TargetHealthReasonResponseCodeMismatch     TargetHealthReason = "Target.ResponseCodeMismatch"
	TargetHealthReasonTimeout                  TargetHealthReason = "Target.Timeout"
	TargetHealthReasonFailedHealthChecks       TargetHealthReason = "Target.FailedHealthChecks"
	TargetHealthReasonNotRegistered            TargetHealthReason = "Target.NotRegistered"
	TargetHealthReasonNotInUse                 TargetHealthReason = "Target.NotInUse"
	TargetHealthReasonInvalidState             TargetHealthReason = "Target.InvalidState"
	TargetHealthReasonIPUnusable               TargetHealthReason = "Target.IpUnusable"
	TargetHealthReasonDeregistrationInProgress TargetHealthReason = "Target.DeregistrationInProgress"
	TargetHealthReasonHealthCheckDisabled      TargetHealthReason = "Target.HealthCheckDisabled"
)

// reasonInfo is the state each reason belongs to and the description the API
// returns with it, worded as the User Guide reason table (§1.1).
var reasonInfo = map[TargetHealthReason]struct {
	state TargetHealthState
	desc  string
}{
	TargetHealthReasonRegistrationInProgress:   {TargetHealthStateInitial, "Target registration is in progress"},
	TargetHealthReasonInitialHealthChecking:    {TargetHealthStateInitial, "Initial health checks in progress"},
	TargetHealthReasonInternalError:            {TargetHealthStateUnhealthy, "Health checks failed due to an internal error"},
	TargetHealthReasonResponseCodeMismatch:     {TargetHealthStateUnhealthy, "Health checks failed"}, // see ResponseCodeMismatch
	TargetHealthReasonTimeout:                  {TargetHealthStateUnhealthy, "Request timed out"},
	TargetHealthReasonFailedHealthChecks:       {TargetHealthStateUnhealthy, "Health checks failed"},
	TargetHealthReasonNotRegistered:            {TargetHealthStateUnused, "Target is not registered to the target group"},
	TargetHealthReasonNotInUse:                 {TargetHealthStateUnused, "Target group is not configured to receive traffic from the load balancer"},
	TargetHealthReasonInvalidState:             {TargetHealthStateUnused, "Target is in an invalid state"},
	TargetHealthReasonIPUnusable:               {TargetHealthStateUnused, "The IP address cannot be used as a target, as it is in use by a load balancer"},
	TargetHealthReasonDeregistrationInProgress: {TargetHealthStateDraining, "Target deregistration is in progress"},
	TargetHealthReasonHealthCheckDisabled:      {TargetHealthStateUnavailable, "Health checks are disabled"},
}

// Description returns the standard description for the reason, "" if the
// reason is unknown.
func (r TargetHealthReason) Description() string {
	return reasonInfo[r].desc
}

// State returns the state the reason belongs to, "" if the reason is unknown.
func (r TargetHealthReason) State() TargetHealthState {
	return reasonInfo[r].state
}

// TargetHealth is the health of one target as DescribeTargetHealth returns it.
// Reason and Description are empty for healthy targets (§1.1).
type TargetHealth struct {
	State       TargetHealthState  `json:"State"`
	Reason      TargetHealthReason `json:"Reason,omitempty"`
	Description string             `json:"Description,omitempty"`
}

// Healthy is the health of a target that passes its checks.
var Healthy = TargetHealth{State: TargetHealthStateHealthy}

// HealthFor returns the health for a reason: its state, the reason and its
// standard description. Use ResponseCodeMismatch for that reason, whose
// description carries the status code.
func HealthFor(r TargetHealthReason) TargetHealth {
	info := reasonInfo[r]
	return TargetHealth{State: info.state, Reason: r, Description: info.desc}
}

// ResponseCodeMismatch returns the unhealthy health for a check answered with
// a status code outside the matcher, worded as the UG and the ECS events quote
// it: "Health checks failed with these codes: [503]" (§1.1, §1.2).
func ResponseCodeMismatch(code int) TargetHealth {
	return TargetHealth{
		State:       TargetHealthStateUnhealthy,
		Reason:      TargetHealthReasonResponseCodeMismatch,
		Description: fmt.Sprintf("Health checks failed with these codes: [%d]", code),
	}
}

// IsHealthy reports whether the state is healthy.
func (h TargetHealth) IsHealthy() bool {
	return h.State == TargetHealthStateHealthy
}
