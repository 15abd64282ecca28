package ecs

import (
	"errors"
	"slices"
	"strings"
)

// PlacementStrategyType is PlacementStrategy.Type (§10.1).
type PlacementStrategyType string

// Placement strategy types.
const (
	PlacementStrategyTypeRandom  PlacementStrategyType = "random"
	PlacementStrategyTypeSpread  PlacementStrategyType = "spread"
	PlacementStrategyTypeBinpack PlacementStrategyType = "binpack"
)

// Placement strategy fields. Spread also takes "attribute:<name>".
const (
	PlacementFieldCPU        = "cpu"
	PlacementFieldMemory     = "memory"
	PlacementFieldInstanceID = "instanceId"
	PlacementFieldHost       = "host" // a synonym of instanceId
)

// MaxPlacementStrategies is the most strategies a service or RunTask takes
// (§10.1: 5 per the API reference).
const MaxPlacementStrategies = 5

// MaxPlacementConstraints is the most constraints a service, RunTask or task
// definition takes (§10.1 marks 10 unconfirmed for services).
const MaxPlacementConstraints = 10

// PlacementStrategy is one entry of placementStrategy: best-effort ranking
// of the instances that passed the constraints, applied in order (§10.1).
// It is data only; the scheduler implements the ranking.
type PlacementStrategy struct {
	Type PlacementStrategyType `json:"type"`
	// Field: binpack cpu|memory; spread instanceId|host|attribute:<name>;
	// none for random.
	Field string `json:"field,omitempty"`
}

// SpreadAZ is the default strategy of a service without one: spread over
// availability zones (§10.1).
var SpreadAZ = PlacementStrategy{Type: PlacementStrategyTypeSpread, Field: "attribute:" + AttributeAvailabilityZone}

// Canonicalize lower-cases the binpack field, which ECS accepts in either
// case (emulator choice, unconfirmed).
func (ps *PlacementStrategy) Canonicalize() {
	if ps.Type == PlacementStrategyTypeBinpack {
		ps.Field = strings.ToLower(ps.Field)
	}
}

// Validate reports the problems of a canonical strategy as
// InvalidParameterException (texts unconfirmed).
func (ps *PlacementStrategy) Validate() error {
	switch ps.Type {
	case PlacementStrategyTypeRandom:
		if ps.Field != "" {
			return NewInvalidParameter("Placement strategy type random does not take a field.")
		}
	case PlacementStrategyTypeBinpack:
		if ps.Field != PlacementFieldCPU && ps.Field != PlacementFieldMemory {
			return NewInvalidParameter("Invalid placement strategy field '%s' for binpack. Valid values are cpu and memory.", ps.Field)
		}
	case PlacementStrategyTypeSpread:
		switch {
		case ps.Field == PlacementFieldInstanceID, ps.Field == PlacementFieldHost:
		case strings.HasPrefix(ps.Field, "attribute:") && validAttributeName(strings.TrimPrefix(ps.Field, "attribute:")):
		default:
			return NewInvalidParameter("Invalid placement strategy field '%s' for spread. Valid values are instanceId, host and attribute:<name>.", ps.Field)
		}
	default:
		return NewInvalidParameter("Invalid placement strategy type '%s'. Valid values are random, spread and binpack.", ps.Type)
	}
	return nil
}

// SpreadAttribute returns the attribute a spread strategy spreads over and
// true, or "" and false when the strategy spreads over instances or is not
// a spread.
func (ps *PlacementStrategy) SpreadAttribute() (string, bool) {
	if ps.Type != PlacementStrategyTypeSpread {
		return "", false
	}
	return strings.CutPrefix(ps.Field, "attribute:")
}

// SpreadKey returns the value a spread strategy groups ci by: the
// instance's ID for instanceId/host, else the value of the attribute (""
// when the instance lacks it, which makes such instances one group).
func (ps *PlacementStrategy) SpreadKey(ci *ContainerInstance) string {
	if attr, ok := ps.SpreadAttribute(); ok {
		v, _ := ci.Attribute(attr)
		return v
	}
	return ci.ID()
}

// PlacementConstraintType is PlacementConstraint.Type (§10.1).
type PlacementConstraintType string

// Placement constraint types.
const (
	PlacementConstraintTypeDistinctInstance PlacementConstraintType = "distinctInstance"
	PlacementConstraintTypeMemberOf         PlacementConstraintType = "memberOf"
)

// PlacementConstraint is one entry of placementConstraints: a binding filter
// on instances (§10.1). memberOf carries a cluster query language
// expression (see ParseExpression); distinctInstance carries none.
type PlacementConstraint struct {
	Type       PlacementConstraintType `json:"type"`
	Expression string                  `json:"expression,omitempty"`
}

// Validate reports the problems of a constraint, including an expression
// that does not parse, as InvalidParameterException.
func (pc *PlacementConstraint) Validate() error {
	switch pc.Type {
	case PlacementConstraintTypeDistinctInstance:
		if pc.Expression != "" {
			return NewInvalidParameter("Placement constraint type distinctInstance does not take an expression.")
		}
	case PlacementConstraintTypeMemberOf:
		if pc.Expression == "" {
			return NewInvalidParameter("Placement constraint type memberOf requires an expression.")
		}
		if _, err := ParseExpression(pc.Expression); err != nil {
			return err
		}
	default:
		return NewInvalidParameter("Invalid placement constraint type '%s'. Valid values are distinctInstance and memberOf.", pc.Type)
	}
	return nil
}

// validatePlacement appends the problems of a service's or RunTask's
// strategies and constraints.
func validatePlacement(errs []error, strategies []PlacementStrategy, constraints []PlacementConstraint) []error {
	if len(strategies) > MaxPlacementStrategies {
		errs = append(errs, NewInvalidParameter("The number of placement strategies exceeds the maximum of %d.", MaxPlacementStrategies))
	}
	for i := range strategies {
		if err := strategies[i].Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(constraints) > MaxPlacementConstraints {
		errs = append(errs, NewInvalidParameter("The number of placement constraints exceeds the maximum of %d.", MaxPlacementConstraints))
	}
	for i := range constraints {
		if err := constraints[i].Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// PlacementFailure is a reason RunTask reports in failures[].reason when no
// instance can take a task (§10.1).
type PlacementFailure string

// Placement failure reasons.
const (
	PlacementFailureCPU       PlacementFailure = "RESOURCE:CPU"
	PlacementFailureMemory    PlacementFailure = "RESOURCE:MEMORY"
	PlacementFailurePorts     PlacementFailure = "RESOURCE:PORTS"
	PlacementFailurePortsUDP  PlacementFailure = "RESOURCE:PORTS_UDP"
	PlacementFailureAgent     PlacementFailure = "AGENT"
	PlacementFailureAttribute PlacementFailure = "ATTRIBUTE"
	PlacementFailureMissing   PlacementFailure = "MISSING"
)

// PlacementError says why a task cannot go on an instance.
type PlacementError struct {
	Reason PlacementFailure
	// Detail is the closest-match clause of the service event (§9.8), e.g.
	// "has insufficient memory available." (see ClosestMatchClause).
	Detail string
}

// Error returns "placement: " and the reason.
func (e *PlacementError) Error() string { return "placement: " + string(e.Reason) }

// Is reports whether target is a *PlacementError with the same reason.
func (e *PlacementError) Is(target error) bool {
	t, ok := target.(*PlacementError)
	return ok && t.Reason == e.Reason
}

// Constraints are placement constraints compiled for evaluation: the
// memberOf expressions parsed once, for the scheduler to test every
// instance against.
type Constraints struct {
	distinct bool
	memberOf []*Expression
}

// CompileConstraints validates and compiles a constraint list (a task
// definition's, then a service's or RunTask's, may be concatenated: all
// must hold).
func CompileConstraints(pcs []PlacementConstraint) (Constraints, error) {
	var c Constraints
	var errs []error
	for i := range pcs {
		if err := pcs[i].Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		switch pcs[i].Type {
		case PlacementConstraintTypeDistinctInstance:
			c.distinct = true
		case PlacementConstraintTypeMemberOf:
			e, _ := ParseExpression(pcs[i].Expression) // Validate parsed it
			c.memberOf = append(c.memberOf, e)
		}
	}
	return c, errors.Join(errs...)
}

// Check reports whether a task of the given group may go on the instance
// in in: for distinctInstance, no task of the group may already be there
// (in.TaskGroups lists the groups of the instance's tasks that are not
// STOPPED); every memberOf expression must match. It returns nil or a
// *PlacementError with reason ATTRIBUTE and the closest-match clause.
func (c Constraints) Check(in QueryInput, group string) *PlacementError {
	if c.distinct && slices.Contains(in.TaskGroups, group) {
		return &PlacementError{Reason: PlacementFailureAttribute, Detail: ClosestMatchDistinctInstance}
	}
	for _, e := range c.memberOf {
		if !e.Match(in) {
			return &PlacementError{Reason: PlacementFailureAttribute, Detail: ClosestMatchMemberOf}
		}
	}
	return nil
}
