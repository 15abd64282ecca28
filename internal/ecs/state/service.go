package state

import (
	"github.com/ecslocal/ecslocal/internal/ecs"
)

var serviceCodec = jsonCodec[ecs.Service]()

// UpsertService creates or replaces a service (CreateService,
// UpdateService, the scheduler's deployment and event updates, and
// DRAINING → INACTIVE once its tasks are gone).
//
// The service must be valid, its long-format ARN must name it and its
// cluster, the cluster must be ACTIVE unless the service is INACTIVE, and
// its task definition and every deployment's must exist. A service
// changing to a task definition (a new service, or an update to another
// revision) needs it ACTIVE.
//
// A service's incarnation is its createdAt. While a service of that name
// is ACTIVE or DRAINING in the cluster, an upsert with another createdAt is
// a second service of the same name and is refused
// (ecs.NewServiceNotIdempotent, or ecs.NewServiceStillDraining while the
// first drains). Once the old one is INACTIVE a new incarnation replaces
// it, as ECS lets a deleted service's name be reused (same ARN). Within an
// incarnation the status only moves forward, ACTIVE → DRAINING → INACTIVE
// (ServiceNotActive otherwise).
type UpsertService struct {
	Service *ecs.Service
}

func (op UpsertService) apply(tx *txn) error {
	s := op.Service
	if s == nil {
		return ecs.NewInvalidParameter("Service can not be blank.")
	}
	if err := s.Validate(); err != nil {
		return err
	}
	a, err := ecs.ParseARN(s.ServiceARN)
	if err != nil {
		return err
	}
	if a.Type != ecs.ResourceTypeService || a.Name != s.ServiceName || clusterOfARN(s.ServiceARN) != s.ClusterARN {
		return ecs.NewInvalidParameter("Service ARN %s does not name service %s of cluster %s.", s.ServiceARN, s.ServiceName, s.ClusterARN)
	}
	if s.Status == ecs.ServiceStatusInactive {
		if tx.snap.clusters.m[s.ClusterARN] == nil {
			return ecs.NewClusterNotFound()
		}
	} else if _, err := tx.activeCluster(s.ClusterARN); err != nil {
		return err
	}
	old := tx.snap.services.m[s.ServiceARN]
	if old != nil && old.Status != ecs.ServiceStatusInactive && !old.CreatedAt.Equal(s.CreatedAt.Time) {
		if old.Status == ecs.ServiceStatusDraining {
			return ecs.NewServiceStillDraining()
		}
		return ecs.NewServiceNotIdempotent()
	}
	sameIncarnation := old != nil && old.CreatedAt.Equal(s.CreatedAt.Time)
	if sameIncarnation && statusRank[s.Status] < statusRank[old.Status] {
		// A service is never undeleted: ACTIVE → DRAINING → INACTIVE.
		return ecs.NewServiceNotActive()
	}
	needActive := !sameIncarnation || old.TaskDefinition != s.TaskDefinition
	if _, err := tx.taskDefinition(s.TaskDefinition, needActive); err != nil {
		return err
	}
	for _, d := range s.Deployments {
		if _, err := tx.taskDefinition(d.TaskDefinition, false); err != nil {
			return err
		}
	}
	return put(tx, TableServices, &tx.snap.services, serviceCodec, s.ServiceARN, s)
}

// statusRank orders service statuses along the one way a service goes.
var statusRank = map[ecs.ServiceStatus]int{
	ecs.ServiceStatusActive:   0,
	ecs.ServiceStatusDraining: 1,
	ecs.ServiceStatusInactive: 2,
}

// DeleteService starts deleting a service (DeleteService): ACTIVE →
// DRAINING. Without Force a service scaled above 0 is refused
// (ecs.NewServiceScaledAboveZero); with Force its desired count becomes 0.
// Control makes it INACTIVE with UpsertService once its tasks are
// STOPPING or STOPPED. An unknown service is ServiceNotFound, one that is
// not ACTIVE ServiceNotActive.
type DeleteService struct {
	ServiceARN string
	Force      bool
}

func (op DeleteService) apply(tx *txn) error {
	s := tx.snap.services.m[op.ServiceARN]
	if s == nil {
		return ecs.NewServiceNotFound()
	}
	if s.Status != ecs.ServiceStatusActive {
		return ecs.NewServiceNotActive()
	}
	if s.DesiredCount > 0 && !op.Force {
		return ecs.NewServiceScaledAboveZero()
	}
	ns := s.Copy()
	ns.Status = ecs.ServiceStatusDraining
	ns.DesiredCount = 0
	return put(tx, TableServices, &tx.snap.services, serviceCodec, ns.ServiceARN, ns)
}

// Service returns the service with the given ARN, whatever its status, or
// nil.
func (s *Snapshot) Service(arn string) *ecs.Service {
	return s.services.m[arn].Copy()
}

// ServiceByName returns the service of a cluster with the given name, or
// nil.
func (s *Snapshot) ServiceByName(clusterARN, name string) *ecs.Service {
	for _, arn := range s.servicesByCluster[clusterARN] {
		if svc := s.services.m[arn]; svc.ServiceName == name {
			return svc.Copy()
		}
	}
	return nil
}

// Services returns a cluster's services in ARN order, whatever their
// status.
func (s *Snapshot) Services(clusterARN string, p Page) []*ecs.Service {
	return collect(s.services.m, p.apply(s.servicesByCluster[clusterARN]), (*ecs.Service).Copy)
}
