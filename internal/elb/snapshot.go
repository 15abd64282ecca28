package elb

import (
	"net/netip"
	"time"
)

// Snapshot is the complete, immutable routing state of the data plane at
// one moment: every listener with its compiled rules, and every target group
// with its targets, their addresses and their health. Control builds a new
// Snapshot whenever anything the data plane needs changes (a rule, a
// registration, a health transition, an attribute) and hands it to its
// Publisher; the proxy swaps it in with one atomic store, so requests never
// take a lock the control plane holds (STYLE §6.9).
//
// Nothing reachable from a Snapshot may be modified after it is published.
// Per-target runtime state that must outlive a swap (outstanding request
// counts, in-flight requests of a draining target) belongs to the proxy,
// keyed by TargetGroupARN and TargetKey.
type Snapshot struct {
	// Version increases with every snapshot control publishes; the proxy
	// may use it to skip work when nothing changed.
	Version uint64
	// Listeners are the listeners to serve, at most one per (Addr, Port).
	Listeners []*ListenerSnapshot
	// TargetGroups maps a target group ARN to its state.
	TargetGroups map[string]*TargetGroupSnapshot
}

// ListenerSnapshot is one listener as the data plane serves it.
type ListenerSnapshot struct {
	// Listener is the listener's configuration (port, protocol, default
	// actions).
	Listener *Listener
	// LoadBalancer owns the listener; its attributes (idle timeout,
	// X-Forwarded-For mode, desync mitigation mode, access logs) apply to
	// every request the listener takes.
	LoadBalancer *LoadBalancer
	// Addr is the local address the listener binds (the load balancer's
	// address, e.g. 127.0.0.1).
	Addr netip.Addr
	// Rules are the listener's rules, compiled, with the default rule last.
	Rules *RuleSet
}

// TargetGroupSnapshot is one target group as the data plane routes to it.
type TargetGroupSnapshot struct {
	// TargetGroup is the configuration, including its attributes
	// (algorithm, slow start, stickiness, deregistration delay, the
	// minimum healthy count for fail-open).
	TargetGroup *TargetGroup
	// Targets are the registered targets, in registration order, including
	// draining ones (which get no new requests but whose in-flight requests
	// finish).
	Targets []TargetSnapshot
}

// TargetSnapshot is one registered target.
type TargetSnapshot struct {
	// Key identifies the target in its group (instance ID or IP, and port).
	Key TargetKey
	// Addr is where requests go: the target's resolved address and port.
	Addr netip.AddrPort
	// Health is the target's health state and reason.
	Health TargetHealth
	// HealthySince is when the target last became healthy; slow start
	// ramps its share of requests up from then (§4.3). Zero if not healthy.
	HealthySince time.Time
	// DrainDeadline is, for a draining target, when the deregistration
	// delay ends and requests still in flight to it are cut (§4.4).
	DrainDeadline time.Time
}

// Routable reports whether the target may receive new requests when its
// group has healthy targets: only healthy ones (§2.1).
func (t *TargetSnapshot) Routable() bool {
	return t.Health.State == TargetHealthStateHealthy
}

// FailOpenRoutable reports whether the target may receive new requests when
// its group is failing open (fewer healthy targets than the minimum, §2.1):
// healthy and unhealthy ones, never initial, draining, unused or unavailable.
func (t *TargetSnapshot) FailOpenRoutable() bool {
	return t.Health.State == TargetHealthStateHealthy || t.Health.State == TargetHealthStateUnhealthy
}
