package control

import (
	"context"
	"net/netip"
	"slices"
	"strconv"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/health"
)

// RegisterTargetsInput is the input of RegisterTargets.
type RegisterTargetsInput struct {
	TargetGroupARN string
	// Targets: Port 0 means the target group's port.
	Targets []elb.TargetDescription
}

// RegisterTargetsOutput is the (empty) output of RegisterTargets.
type RegisterTargetsOutput struct{}

// RegisterTargets registers targets with a target group. The same instance
// may be registered several times on different ports (ECS bridge dynamic
// ports, §4.4); registering a registered target does nothing, and
// registering a draining one starts it over. Instance IDs are resolved
// through the Resolver now, and the address is kept for the data plane;
// ip targets must be IP addresses.
//
// Errors: ValidationError, TargetGroupNotFound, InvalidTarget (bad port,
// unresolvable instance, ID that is not an IP for an ip group),
// TooManyTargets.
func (c *Control) RegisterTargets(_ context.Context, in *RegisterTargetsInput) (*RegisterTargetsOutput, error) {
	if in.TargetGroupARN == "" {
		return nil, errRequired("targetGroupArn")
	}
	if len(in.Targets) == 0 {
		return nil, errRequired("targets")
	}
	c.mu.Lock()
	r, ok := c.tgs[in.TargetGroupARN]
	closed := c.closed
	var tg *elb.TargetGroup
	if ok {
		tg = r.tg
	}
	c.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if !ok {
		return nil, elb.NewTargetGroupNotFound()
	}
	// Resolve outside mu: the Resolver belongs to the ECS side and may
	// take its own locks.
	targets, addrs, err := c.resolveTargets(tg, in.Targets)
	if err != nil {
		return nil, err
	}
	err = c.write(func() error {
		r, ok := c.tgs[in.TargetGroupARN]
		if !ok || r.tg.TargetGroupARN != tg.TargetGroupARN {
			return elb.NewTargetGroupNotFound()
		}
		added := 0
		for _, t := range targets {
			if rec, ok := r.targets[t.Key()]; !ok || rec.deregistered {
				added++
			}
		}
		if r.registered+added > maxTargetsPerTG {
			return errTooMany(elb.CodeTooManyTargets, "targets.")
		}
		if err := r.checker.Register(targets...); err != nil {
			return err
		}
		for i, t := range targets {
			rec, ok := r.targets[t.Key()]
			switch {
			case !ok:
				r.targetSeq++
				r.targets[t.Key()] = &targetRecord{desc: t, addr: addrs[i], seq: r.targetSeq}
				r.registered++
			case rec.deregistered:
				// Registering a draining target starts it over (and
				// refreshes its address: the instance may have moved).
				rec.deregistered, rec.addr = false, addrs[i]
				r.registered++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &RegisterTargetsOutput{}, nil
}

// resolveTargets fills default ports, checks each target and resolves its
// address. The whole call fails on the first bad target, as ELBv2 does.
func (c *Control) resolveTargets(tg *elb.TargetGroup, in []elb.TargetDescription) ([]elb.TargetDescription, []netip.Addr, error) {
	targets := make([]elb.TargetDescription, 0, len(in))
	addrs := make([]netip.Addr, 0, len(in))
	seen := map[elb.TargetKey]bool{}
	for _, t := range in {
		if t.ID == "" {
			return nil, nil, errRequired("targets.member.id")
		}
		if t.Port == 0 {
			t.Port = tg.Port
		}
		if t.Port < 1 || t.Port > 65535 {
			return nil, nil, elb.NewValidationError("Value '%d' at 'targets.member.port' failed to satisfy constraint: Member must have value between 1 and 65535", t.Port)
		}
		var addr netip.Addr
		var err error
		if tg.TargetType == elb.TargetTypeIP {
			addr, err = netip.ParseAddr(t.ID)
			if err != nil {
				// Unconfirmed wording.
				return nil, nil, elb.NewInvalidTarget("The IP address '%s' is not a valid IPv4 or IPv6 address", t.ID)
			}
		} else {
			addr, err = c.resolver.ResolveInstance(t.ID)
			if err != nil || !addr.IsValid() {
				// "The following targets are not in a running state and
				// cannot be registered" is the AWS text for stopped
				// instances; an unknown instance is reported this way
				// (unconfirmed wording).
				return nil, nil, elb.NewInvalidTarget("The following targets are not valid: '%s'", t.ID)
			}
		}
		if seen[t.Key()] {
			continue
		}
		seen[t.Key()] = true
		targets = append(targets, t)
		addrs = append(addrs, addr)
	}
	return targets, addrs, nil
}

// DeregisterTargetsInput is the input of DeregisterTargets.
type DeregisterTargetsInput struct {
	TargetGroupARN string
	// Targets: Port 0 means the target group's port; a target registered
	// with another port must be named with it (§4.4).
	Targets []elb.TargetDescription
}

// DeregisterTargetsOutput is the (empty) output of DeregisterTargets.
type DeregisterTargetsOutput struct{}

// DeregisterTargets starts draining targets: they get no new requests at
// once, show draining/Target.DeregistrationInProgress for the group's
// deregistration_delay.timeout_seconds, and then disappear (§4.4).
// Deregistering a target that is not registered succeeds.
//
// Errors: ValidationError, TargetGroupNotFound.
func (c *Control) DeregisterTargets(_ context.Context, in *DeregisterTargetsInput) (*DeregisterTargetsOutput, error) {
	if in.TargetGroupARN == "" {
		return nil, errRequired("targetGroupArn")
	}
	if len(in.Targets) == 0 {
		return nil, errRequired("targets")
	}
	for _, t := range in.Targets {
		if t.ID == "" {
			return nil, errRequired("targets.member.id")
		}
	}
	err := c.write(func() error {
		r, ok := c.tgs[in.TargetGroupARN]
		if !ok {
			return elb.NewTargetGroupNotFound()
		}
		targets := make([]elb.TargetDescription, len(in.Targets))
		for i, t := range in.Targets {
			if t.Port == 0 {
				t.Port = r.tg.Port
			}
			targets[i] = t
			if rec, ok := r.targets[t.Key()]; ok && !rec.deregistered {
				rec.deregistered = true
				r.registered--
			}
		}
		r.checker.Deregister(targets...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeregisterTargetsOutput{}, nil
}

// DescribeTargetHealthInput is the input of DescribeTargetHealth.
type DescribeTargetHealthInput struct {
	TargetGroupARN string
	// Targets limits the answer to these targets; a target that is not
	// registered is returned as unused/Target.NotRegistered. Empty means
	// every registered target.
	Targets []elb.TargetDescription
	// Include is accepted for AnomalyDetection and All; the emulator has
	// no anomaly detection and returns nothing extra.
	Include []string
}

// TargetHealthDescription is one row of DescribeTargetHealth.
type TargetHealthDescription struct {
	Target elb.TargetDescription
	// HealthCheckPort is the port probed, as a string ("80").
	HealthCheckPort string
	TargetHealth    elb.TargetHealth
}

// DescribeTargetHealthOutput is the output of DescribeTargetHealth.
type DescribeTargetHealthOutput struct {
	TargetHealthDescriptions []TargetHealthDescription
}

// DescribeTargetHealth returns the health of targets from the group's
// checker (§1.3), sorted by ID and port when Targets is empty, else in the
// order asked. Errors: ValidationError, TargetGroupNotFound.
func (c *Control) DescribeTargetHealth(_ context.Context, in *DescribeTargetHealthInput) (*DescribeTargetHealthOutput, error) {
	if in.TargetGroupARN == "" {
		return nil, errRequired("targetGroupArn")
	}
	for _, inc := range in.Include {
		if inc != "AnomalyDetection" && inc != "All" {
			return nil, elb.NewValidationError("Value '[%s]' at 'include' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [AnomalyDetection, All]]", inc)
		}
	}
	c.mu.Lock()
	r, ok := c.tgs[in.TargetGroupARN]
	closed := c.closed
	var tg *elb.TargetGroup
	if ok {
		tg = r.tg
	}
	c.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if !ok {
		return nil, elb.NewTargetGroupNotFound()
	}
	// The checker's snapshot is immutable and read without locks, as is
	// tg (stored values are replaced, never modified).
	hc, port := tg.HealthCheck, tg.Port
	snap := r.checker.Snapshot()
	out := &DescribeTargetHealthOutput{TargetHealthDescriptions: []TargetHealthDescription{}}
	if len(in.Targets) == 0 {
		for _, s := range snap.Targets() {
			out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, TargetHealthDescription{
				Target:          s.Target,
				HealthCheckPort: strconv.Itoa(s.HealthCheckPort),
				TargetHealth:    s.Health,
			})
		}
		return out, nil
	}
	rows := snap.Targets()
	for _, t := range in.Targets {
		if t.ID == "" {
			return nil, errRequired("targets.member.id")
		}
		if t.Port == 0 {
			t.Port = port
		}
		d := TargetHealthDescription{Target: t, HealthCheckPort: strconv.Itoa(hc.ResolvePort(t.Port)), TargetHealth: snap.Health(t)}
		if i := slices.IndexFunc(rows, func(s health.TargetStatus) bool { return s.Target.Key() == t.Key() }); i >= 0 {
			d.Target = rows[i].Target
			d.HealthCheckPort = strconv.Itoa(rows[i].HealthCheckPort)
		}
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, d)
	}
	return out, nil
}
