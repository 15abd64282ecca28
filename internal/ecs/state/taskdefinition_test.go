package state

import (
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func TestTaskDefinitionOps(t *testing.T) {
	t.Parallel()
	runOpCases(t, baseOps, []opCase{
		{name: "OK", ops: []Op{RegisterTaskDefinition{taskDefinition(2)}}, check: func(t *testing.T, s *Snapshot) {
			if got := s.LatestActiveTaskDefinition("api").Revision; got != 2 {
				t.Fatalf("latest ACTIVE = %d; want 2", got)
			}
			if got := s.NextRevision("api"); got != 3 {
				t.Fatalf("next revision = %d; want 3", got)
			}
		}},
		{name: "TwoInOneBatch", ops: []Op{RegisterTaskDefinition{taskDefinition(2)}, RegisterTaskDefinition{taskDefinition(3)}}},
		{name: "ErrRevisionReused", ops: []Op{RegisterTaskDefinition{ecstest.TaskDefinition()}}, want: ecs.CodeClientException},
		{name: "ErrRevisionSkipped", ops: []Op{RegisterTaskDefinition{taskDefinition(3)}}, want: ecs.CodeClientException},
		{name: "ErrFirstRevisionNot1", ops: []Op{RegisterTaskDefinition{func() *ecs.TaskDefinition {
			td := taskDefinition(2)
			td.Family = "web"
			td.TaskDefinitionARN = ecstest.Scope.TaskDefinitionARN("web", 2)
			return td
		}()}}, want: ecs.CodeClientException},
		{name: "ErrARNMismatch", ops: []Op{RegisterTaskDefinition{func() *ecs.TaskDefinition {
			td := taskDefinition(2)
			td.TaskDefinitionARN = tdARN1
			return td
		}()}}, want: ecs.CodeClientException},
		{name: "ErrNotRegistered", ops: []Op{RegisterTaskDefinition{func() *ecs.TaskDefinition {
			td := taskDefinition(2)
			td.Status = ecs.TaskDefinitionStatusInactive
			return td
		}()}}, want: ecs.CodeClientException},
		{name: "ErrInvalid", ops: []Op{RegisterTaskDefinition{func() *ecs.TaskDefinition {
			td := taskDefinition(2)
			td.ContainerDefinitions = nil
			return td
		}()}}, want: ecs.CodeClientException},
		{name: "DeregisterKeepsRevisionReadable", ops: []Op{DeregisterTaskDefinition{tdARN1}}, check: func(t *testing.T, s *Snapshot) {
			td := s.TaskDefinition(tdARN1)
			if td == nil || td.Status != ecs.TaskDefinitionStatusInactive {
				t.Fatalf("deregistered revision = %+v; want INACTIVE", td)
			}
			// Stamped with the batch's now (runOpCases applies at now+1h).
			if !td.DeregisteredAt.Equal(ecs.At(now.Add(60 * 60 * 1e9)).Time) {
				t.Fatalf("deregisteredAt = %v", td.DeregisteredAt)
			}
			if s.LatestActiveTaskDefinition("api") != nil {
				t.Fatal("an INACTIVE revision is the latest ACTIVE")
			}
			if _, err := s.ResolveTaskDefinition(ecs.TaskDefinitionRef{Family: "api"}); errCode(err) != ecs.CodeClientException {
				t.Fatalf("resolve family with no ACTIVE revision = %v", err)
			}
			if got, err := s.ResolveTaskDefinition(ecs.TaskDefinitionRef{Family: "api", Revision: 1}); err != nil || got.Status != ecs.TaskDefinitionStatusInactive {
				t.Fatalf("resolve api:1 = %v, %v; want the INACTIVE revision", got, err)
			}
		}},
		{name: "RevisionAfterDeregistration", setup: []Op{RegisterTaskDefinition{taskDefinition(2)}, DeregisterTaskDefinition{tdARN2}},
			ops: []Op{RegisterTaskDefinition{taskDefinition(3)}}, check: func(t *testing.T, s *Snapshot) {
				if got := s.LatestActiveTaskDefinition("api").Revision; got != 3 {
					t.Fatalf("latest ACTIVE = %d; want 3", got)
				}
				var revs []int
				for _, td := range s.TaskDefinitions("api") {
					revs = append(revs, td.Revision)
				}
				if len(revs) != 3 || revs[0] != 1 || revs[1] != 2 || revs[2] != 3 {
					t.Fatalf("revisions = %v; want [1 2 3]", revs)
				}
			}},
		{name: "ErrRevisionAfterDeregistrationReused", setup: []Op{RegisterTaskDefinition{taskDefinition(2)}, DeregisterTaskDefinition{tdARN2}},
			ops: []Op{RegisterTaskDefinition{taskDefinition(2)}}, want: ecs.CodeClientException},
		{name: "DeregisterTwiceKeepsFirstTime", setup: []Op{DeregisterTaskDefinition{tdARN1}},
			ops: []Op{DeregisterTaskDefinition{tdARN1}}, check: func(t *testing.T, s *Snapshot) {
				if !s.TaskDefinition(tdARN1).DeregisteredAt.Equal(now) {
					t.Fatalf("deregisteredAt moved to %v", s.TaskDefinition(tdARN1).DeregisteredAt)
				}
			}},
		{name: "DeregisterErrUnknown", ops: []Op{DeregisterTaskDefinition{tdARN2}}, want: ecs.CodeClientException},
		{name: "ErrTaskOfInactiveRevision", setup: []Op{DeregisterTaskDefinition{tdARN1}},
			ops: []Op{UpsertTask{taskN(5, tdARN1, "x")}}, want: ecs.CodeClientException},
		{name: "ExistingTaskKeepsInactiveRevision", setup: []Op{DeregisterTaskDefinition{tdARN1}},
			ops: []Op{UpsertTask{func() *ecs.Task {
				tk := ecstest.Task()
				tk.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
				return tk
			}()}}},
	})
}

// TestTaskDefinitionOrder: revisions list numerically (api:10 after api:9),
// families alphabetically.
func TestTaskDefinitionOrder(t *testing.T) {
	t.Parallel()
	st := NewStore()
	var ops []Op
	for rev := 1; rev <= 11; rev++ {
		ops = append(ops, RegisterTaskDefinition{taskDefinition(rev)})
	}
	web := taskDefinition(1)
	web.Family, web.TaskDefinitionARN = "aaa", ecstest.Scope.TaskDefinitionARN("aaa", 1)
	ops = append(ops, RegisterTaskDefinition{web})
	mustApply(t, st, ops...)
	s := st.Snapshot()
	all := s.TaskDefinitions("")
	if len(all) != 12 || all[0].Family != "aaa" {
		t.Fatalf("first = %s; want aaa:1", all[0].FamilyRevision())
	}
	for i, td := range all[1:] {
		if td.Revision != i+1 {
			t.Fatalf("position %d = %s; want api:%d", i+1, td.FamilyRevision(), i+1)
		}
	}
	if got := s.TaskDefinitionRevision("api", 10); got == nil || got.Revision != 10 {
		t.Fatalf("api:10 = %v", got)
	}
	if got := s.Families(); len(got) != 2 || got[0] != "aaa" || got[1] != "api" {
		t.Fatalf("families = %v", got)
	}
}
