package state

import (
	"github.com/ecslocal/ecslocal/internal/ecs"
)

var (
	taskDefinitionCodec = jsonCodec[ecs.TaskDefinition]()
	familyCodec         = jsonCodec[family]()
)

// RegisterTaskDefinition stores a new revision (RegisterTaskDefinition).
// The definition must be canonical and valid, registered by control
// (TaskDefinition.Register: status ACTIVE, the ARN and registeredAt), and
// its revision must be the family's next: one more than the highest
// revision ever registered in the family, deregistered ones included, or 1
// for a new family. Control reads Snapshot.NextRevision to build the ARN;
// the check keeps two registrations from taking the same number.
type RegisterTaskDefinition struct {
	TaskDefinition *ecs.TaskDefinition
}

func (op RegisterTaskDefinition) apply(tx *txn) error {
	td := op.TaskDefinition
	if td == nil {
		return ecs.NewClientException("Task definition can not be blank.")
	}
	if err := td.Validate(); err != nil {
		return err
	}
	if td.Status != ecs.TaskDefinitionStatusActive {
		return ecs.NewClientException("A new task definition must be ACTIVE, not %s.", td.Status)
	}
	a, err := ecs.ParseARN(td.TaskDefinitionARN)
	if err != nil {
		return err
	}
	if a.Type != ecs.ResourceTypeTaskDefinition || a.Name != td.Family || a.Revision != td.Revision {
		return ecs.NewClientException("Task definition ARN %s does not name %s.", td.TaskDefinitionARN, td.FamilyRevision())
	}
	next := 1
	if f := tx.snap.families.m[td.Family]; f != nil {
		next = f.LastRevision + 1
	}
	if td.Revision != next {
		return ecs.NewClientException("Revision %d of family %s is not the next revision, %d.", td.Revision, td.Family, next)
	}
	if err := put(tx, TableTaskDefinitions, &tx.snap.taskDefs, taskDefinitionCodec, td.TaskDefinitionARN, td); err != nil {
		return err
	}
	return put(tx, tableFamilies, &tx.snap.families, familyCodec, td.Family, &family{Name: td.Family, LastRevision: td.Revision})
}

// DeregisterTaskDefinition marks a revision INACTIVE at the batch's now
// (DeregisterTaskDefinition): it stays describable, running tasks and
// services keep it, new ones cannot use it. Deregistering an INACTIVE
// revision changes nothing (its deregisteredAt is kept); an unknown ARN is
// ECS's "Unable to describe task definition." ClientException.
type DeregisterTaskDefinition struct {
	TaskDefinitionARN string
}

func (op DeregisterTaskDefinition) apply(tx *txn) error {
	td := tx.snap.taskDefs.m[op.TaskDefinitionARN]
	if td == nil {
		return ecs.NewTaskDefinitionNotFound()
	}
	if !td.Active() {
		return nil
	}
	nd := td.Copy()
	nd.Deregister(tx.now)
	return put(tx, TableTaskDefinitions, &tx.snap.taskDefs, taskDefinitionCodec, nd.TaskDefinitionARN, nd)
}

// taskDefinition returns the task definition with the given ARN in the
// batch's state; if active is true it must also be ACTIVE.
func (tx *txn) taskDefinition(arn string, active bool) (*ecs.TaskDefinition, error) {
	td := tx.snap.taskDefs.m[arn]
	if td == nil {
		return nil, ecs.NewTaskDefinitionNotFound()
	}
	if active && !td.Active() {
		return nil, ecs.NewTaskDefinitionInactive()
	}
	return td, nil
}

// TaskDefinition returns the task definition with the given ARN, ACTIVE or
// INACTIVE, or nil.
func (s *Snapshot) TaskDefinition(arn string) *ecs.TaskDefinition {
	return s.taskDefs.m[arn].Copy()
}

// TaskDefinitionRevision returns revision rev of a family, or nil.
func (s *Snapshot) TaskDefinitionRevision(family string, rev int) *ecs.TaskDefinition {
	for _, arn := range s.tdByFamily[family] {
		if td := s.taskDefs.m[arn]; td.Revision == rev {
			return td.Copy()
		}
	}
	return nil
}

// LatestActiveTaskDefinition returns the highest ACTIVE revision of a
// family, what a reference to the family alone means, or nil if the family
// has none.
func (s *Snapshot) LatestActiveTaskDefinition(family string) *ecs.TaskDefinition {
	arns := s.tdByFamily[family]
	for i := len(arns) - 1; i >= 0; i-- {
		if td := s.taskDefs.m[arns[i]]; td.Active() {
			return td.Copy()
		}
	}
	return nil
}

// ResolveTaskDefinition returns the task definition a request's reference
// names: the given revision whatever its status, or the latest ACTIVE
// revision for a family alone. A reference to nothing is ECS's "Unable to
// describe task definition." ClientException.
func (s *Snapshot) ResolveTaskDefinition(ref ecs.TaskDefinitionRef) (*ecs.TaskDefinition, error) {
	var td *ecs.TaskDefinition
	if ref.Revision == 0 {
		td = s.LatestActiveTaskDefinition(ref.Family)
	} else {
		td = s.TaskDefinitionRevision(ref.Family, ref.Revision)
	}
	if td == nil {
		return nil, ecs.NewTaskDefinitionNotFound()
	}
	return td, nil
}

// TaskDefinitions returns the revisions of a family in revision order, or
// of every family (family "") ordered by family then revision, whatever
// their status.
func (s *Snapshot) TaskDefinitions(family string) []*ecs.TaskDefinition {
	keys := s.taskDefs.keys
	if family != "" {
		keys = s.tdByFamily[family]
	}
	return collect(s.taskDefs.m, keys, (*ecs.TaskDefinition).Copy)
}

// Families returns the names of every family ever registered, in order.
func (s *Snapshot) Families() []string {
	return append([]string(nil), s.families.keys...)
}

// NextRevision returns the revision the next registration of a family
// must have: the highest ever registered plus one, 1 for a new family.
func (s *Snapshot) NextRevision(family string) int {
	if f := s.families.m[family]; f != nil {
		return f.LastRevision + 1
	}
	return 1
}
