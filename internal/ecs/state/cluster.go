package state

import (
	"github.com/ecslocal/ecslocal/internal/ecs"
)

var clusterCodec = jsonCodec[ecs.Cluster]()

// UpsertCluster creates or replaces a cluster (CreateCluster,
// UpdateClusterSettings, TagResource). The cluster must be valid and its
// ARN must name it. Making a cluster INACTIVE this way is refused: that is
// DeleteCluster, which checks what the cluster still holds. An INACTIVE
// cluster may be made ACTIVE again, as CreateCluster does with a deleted
// cluster's name.
type UpsertCluster struct {
	Cluster *ecs.Cluster
}

func (op UpsertCluster) apply(tx *txn) error {
	c := op.Cluster
	if c == nil {
		return ecs.NewInvalidParameter("Cluster can not be blank.")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	a, err := ecs.ParseARN(c.ClusterARN)
	if err != nil {
		return err
	}
	if a.Type != ecs.ResourceTypeCluster || a.Name != c.ClusterName {
		return ecs.NewInvalidParameter("Cluster ARN %s does not name cluster %s.", c.ClusterARN, c.ClusterName)
	}
	old := tx.snap.clusters.m[c.ClusterARN]
	if c.Status == ecs.ClusterStatusInactive && (old == nil || old.Status != ecs.ClusterStatusInactive) {
		return ecs.NewInvalidParameter("Cluster %s can only become INACTIVE through DeleteCluster.", c.ClusterName)
	}
	return put(tx, TableClusters, &tx.snap.clusters, clusterCodec, c.ClusterARN, c)
}

// DeleteCluster marks a cluster INACTIVE (DeleteCluster): it stays
// describable. It is refused with ECS's ClusterContains* errors while the
// cluster has ACTIVE or DRAINING services, tasks that are not STOPPED, or
// ACTIVE or DRAINING container instances, and with ClusterNotFound for an
// unknown or already INACTIVE cluster.
type DeleteCluster struct {
	ClusterARN string
}

func (op DeleteCluster) apply(tx *txn) error {
	c := tx.snap.clusters.m[op.ClusterARN]
	if c == nil || c.Status == ecs.ClusterStatusInactive {
		return ecs.NewClusterNotFound()
	}
	// The batch's indexes are stale (they are rebuilt at commit), so scan.
	for _, s := range tx.snap.services.m {
		if s.ClusterARN == op.ClusterARN && s.Status != ecs.ServiceStatusInactive {
			return ecs.NewClusterContainsServices()
		}
	}
	for _, t := range tx.snap.tasks.m {
		if t.ClusterARN == op.ClusterARN && !t.AgentTerminal() {
			return ecs.NewClusterContainsTasks()
		}
	}
	for arn, ci := range tx.snap.instances.m {
		if clusterOfARN(arn) == op.ClusterARN && registered(ci) {
			return ecs.NewClusterContainsContainerInstances()
		}
	}
	nc := c.Copy()
	nc.Status = ecs.ClusterStatusInactive
	return put(tx, TableClusters, &tx.snap.clusters, clusterCodec, nc.ClusterARN, nc)
}

// activeCluster returns the cluster with the given ARN in the batch's
// state if it is ACTIVE, else ClusterNotFound (ECS reports an INACTIVE
// cluster as not found to everything but DescribeClusters).
func (tx *txn) activeCluster(arn string) (*ecs.Cluster, error) {
	c := tx.snap.clusters.m[arn]
	if c == nil || !c.Active() {
		return nil, ecs.NewClusterNotFound()
	}
	return c, nil
}

// Cluster returns the cluster with the given ARN, INACTIVE ones included,
// or nil.
func (s *Snapshot) Cluster(arn string) *ecs.Cluster {
	return s.clusters.m[arn].Copy()
}

// ClusterByName returns the cluster with the given name, or nil.
func (s *Snapshot) ClusterByName(name string) *ecs.Cluster {
	return s.Cluster(s.clusterByName[name])
}

// Clusters returns the clusters in ARN order, INACTIVE ones included.
func (s *Snapshot) Clusters(p Page) []*ecs.Cluster {
	return collect(s.clusters.m, p.apply(s.clusters.keys), (*ecs.Cluster).Copy)
}
