package state

import (
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func service(mut func(*ecs.Service)) *ecs.Service {
	s := ecstest.Service()
	mut(s)
	return s
}

// recreated is the fixture service created again an hour later: another
// incarnation of the same name.
func recreated(mut func(*ecs.Service)) *ecs.Service {
	return service(func(s *ecs.Service) {
		s.CreatedAt = ecs.At(now.Add(time.Hour))
		mut(s)
	})
}

func TestServiceOps(t *testing.T) {
	t.Parallel()
	inactive := UpsertService{service(func(s *ecs.Service) { s.Status = ecs.ServiceStatusInactive; s.DesiredCount = 0 })}
	runOpCases(t, baseOps, []opCase{
		{name: "UpdateOK", ops: []Op{UpsertService{service(func(s *ecs.Service) { s.DesiredCount = 3 })}},
			check: func(t *testing.T, s *Snapshot) {
				if got := s.ServiceByName(clusterARN, "api").DesiredCount; got != 3 {
					t.Fatalf("desired = %d; want 3", got)
				}
			}},
		{name: "SecondServiceOK", ops: []Op{UpsertService{service(func(s *ecs.Service) {
			s.ServiceName, s.ServiceARN = "web", ecstest.Scope.ServiceARN(ecstest.ClusterName, "web")
		})}}, check: func(t *testing.T, s *Snapshot) {
			if got := len(s.Services(clusterARN, Page{})); got != 2 {
				t.Fatalf("services = %d; want 2", got)
			}
		}},
		{name: "ErrDuplicateName", ops: []Op{UpsertService{recreated(func(*ecs.Service) {})}},
			want: ecs.CodeInvalidParameterException, check: nil},
		{name: "ErrDuplicateWhileDraining", setup: []Op{DeleteService{ServiceARN: serviceARN, Force: true}},
			ops: []Op{UpsertService{recreated(func(*ecs.Service) {})}}, want: ecs.CodeInvalidParameterException},
		{name: "RecreateAfterInactive", setup: []Op{inactive},
			ops: []Op{UpsertService{recreated(func(*ecs.Service) {})}}, check: func(t *testing.T, s *Snapshot) {
				svc := s.Service(serviceARN)
				if svc.Status != ecs.ServiceStatusActive || !svc.CreatedAt.Equal(now.Add(time.Hour)) {
					t.Fatalf("service = %s created %v", svc.Status, svc.CreatedAt)
				}
			}},
		{name: "ErrUnknownCluster", ops: []Op{UpsertService{service(func(s *ecs.Service) {
			s.ClusterARN = ecstest.Scope.ClusterARN("nope")
			s.ServiceARN = ecstest.Scope.ServiceARN("nope", "api")
		})}}, want: ecs.CodeClusterNotFoundException},
		{name: "ErrARNMismatch", ops: []Op{UpsertService{service(func(s *ecs.Service) { s.ServiceName = "web" })}},
			want: ecs.CodeInvalidParameterException},
		{name: "ErrInvalid", ops: []Op{UpsertService{service(func(s *ecs.Service) { s.DesiredCount = -1 })}},
			want: ecs.CodeInvalidParameterException},
		{name: "ErrUnknownTaskDefinition", ops: []Op{UpsertService{service(func(s *ecs.Service) { s.TaskDefinition = tdARN2 })}},
			want: ecs.CodeClientException},
		{name: "ErrUpdateToInactiveRevision", setup: []Op{RegisterTaskDefinition{taskDefinition(2)}, DeregisterTaskDefinition{tdARN2}},
			ops: []Op{UpsertService{service(func(s *ecs.Service) { s.TaskDefinition = tdARN2 })}}, want: ecs.CodeClientException},
		{name: "KeepInactiveRevision", setup: []Op{DeregisterTaskDefinition{tdARN1}},
			ops: []Op{UpsertService{service(func(s *ecs.Service) { s.DesiredCount = 2 })}}},
		{name: "ErrNewServiceOnInactiveRevision", setup: []Op{inactive, DeregisterTaskDefinition{tdARN1}},
			ops: []Op{UpsertService{recreated(func(*ecs.Service) {})}}, want: ecs.CodeClientException},
		{name: "ErrUndrain", setup: []Op{DeleteService{ServiceARN: serviceARN, Force: true}},
			ops: []Op{UpsertService{ecstest.Service()}}, want: ecs.CodeServiceNotActiveException},
		{name: "ErrReactivate", setup: []Op{inactive},
			ops: []Op{UpsertService{ecstest.Service()}}, want: ecs.CodeServiceNotActiveException},
		{name: "DrainedToInactive", setup: []Op{DeleteService{ServiceARN: serviceARN, Force: true}},
			ops: []Op{inactive}},
		{name: "DeleteErrScaled", ops: []Op{DeleteService{ServiceARN: serviceARN}}, want: ecs.CodeInvalidParameterException},
		{name: "DeleteForce", ops: []Op{DeleteService{ServiceARN: serviceARN, Force: true}}, check: func(t *testing.T, s *Snapshot) {
			svc := s.Service(serviceARN)
			if svc.Status != ecs.ServiceStatusDraining || svc.DesiredCount != 0 {
				t.Fatalf("service %s desired %d; want DRAINING 0", svc.Status, svc.DesiredCount)
			}
		}},
		{name: "DeleteScaledToZero", setup: []Op{UpsertService{service(func(s *ecs.Service) { s.DesiredCount = 0 })}},
			ops: []Op{DeleteService{ServiceARN: serviceARN}}},
		{name: "DeleteErrDraining", setup: []Op{DeleteService{ServiceARN: serviceARN, Force: true}},
			ops: []Op{DeleteService{ServiceARN: serviceARN, Force: true}}, want: ecs.CodeServiceNotActiveException},
		{name: "DeleteErrUnknown", ops: []Op{DeleteService{ServiceARN: ecstest.Scope.ServiceARN(ecstest.ClusterName, "nope")}},
			want: ecs.CodeServiceNotFoundException},
	})
}
