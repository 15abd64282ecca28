package health

import (
	"cmp"
	"slices"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// Snapshot is the health of every registered target of one target group at
// one moment. It is immutable: the checker builds a new one on every change
// and publishes it through an atomic pointer, so readers on the proxy's hot
// path never lock (STYLE.md §6.9).
type Snapshot struct {
	targets []TargetStatus // sorted by ID, then port
	index   map[elb.TargetKey]int
}

// TargetStatus is one row of DescribeTargetHealth.
type TargetStatus struct {
	Target elb.TargetDescription
	// HealthCheckPort is the port probed (the traffic port resolved).
	HealthCheckPort int
	Health          elb.TargetHealth
}

// emptySnapshot is what a checker publishes before any registration.
var emptySnapshot = &Snapshot{index: map[elb.TargetKey]int{}}

func newSnapshot(rows []TargetStatus) *Snapshot {
	slices.SortFunc(rows, func(a, b TargetStatus) int {
		return cmp.Or(cmp.Compare(a.Target.ID, b.Target.ID), cmp.Compare(a.Target.Port, b.Target.Port))
	})
	s := &Snapshot{targets: rows, index: make(map[elb.TargetKey]int, len(rows))}
	for i, r := range rows {
		s.index[r.Target.Key()] = i
	}
	return s
}

// Health returns the health of target t; a target that is not registered is
// unused/Target.NotRegistered, as DescribeTargetHealth reports it (§1.3).
func (s *Snapshot) Health(t elb.TargetDescription) elb.TargetHealth {
	if i, ok := s.index[t.Key()]; ok {
		return s.targets[i].Health
	}
	return elb.HealthFor(elb.TargetHealthReasonNotRegistered)
}

// Targets returns every registered target (draining ones included) sorted by
// ID and port. The slice is shared and must not be modified.
func (s *Snapshot) Targets() []TargetStatus {
	return s.targets
}
