package state

import (
	"encoding/json"
	"fmt"
	"net/netip"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// instanceRecord is how a container instance is written to the file: the
// API shape plus the fields the domain keeps off the wire (json:"-"),
// which a restart must get back too.
type instanceRecord struct {
	ContainerInstance *ecs.ContainerInstance `json:"containerInstance"`
	// Address is ContainerInstance.Address; absent when not set.
	Address string `json:"address,omitempty"`
}

var instanceCodec = codec[ecs.ContainerInstance]{
	encode: func(ci *ecs.ContainerInstance) ([]byte, error) {
		r := instanceRecord{ContainerInstance: ci}
		if ci.Address.IsValid() {
			r.Address = ci.Address.String()
		}
		return json.Marshal(r)
	},
	decode: func(b []byte) (*ecs.ContainerInstance, error) {
		var r instanceRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, err
		}
		if r.ContainerInstance == nil {
			return nil, fmt.Errorf("record has no containerInstance")
		}
		if r.Address != "" {
			a, err := netip.ParseAddr(r.Address)
			if err != nil {
				return nil, fmt.Errorf("container instance address: %w", err)
			}
			r.ContainerInstance.Address = a
		}
		return r.ContainerInstance, nil
	},
}

// registered reports whether an instance counts as registered in its
// cluster: ACTIVE or DRAINING (RegisteredContainerInstancesCount, and what
// keeps a cluster from being deleted).
func registered(ci *ecs.ContainerInstance) bool {
	return ci.Status == ecs.ContainerInstanceStatusActive || ci.Status == ecs.ContainerInstanceStatusDraining
}

// UpsertContainerInstance registers or updates a container instance
// (RegisterContainerInstance, UpdateContainerInstancesState, the agent's
// connection state, the remaining resources control recomputes). The
// instance must be valid, its ARN must be in the long format that names
// its cluster, the cluster must be ACTIVE, and a valid Address must not be
// used by another registered instance (two instances cannot bind the same
// loopback address).
type UpsertContainerInstance struct {
	ContainerInstance *ecs.ContainerInstance
}

func (op UpsertContainerInstance) apply(tx *txn) error {
	ci := op.ContainerInstance
	if ci == nil {
		return ecs.NewInvalidParameter("Container instance can not be blank.")
	}
	if err := ci.Validate(); err != nil {
		return err
	}
	a, err := ecs.ParseARN(ci.ContainerInstanceARN)
	if err != nil {
		return err
	}
	if a.Type != ecs.ResourceTypeContainerInstance || a.Cluster == "" {
		return ecs.NewInvalidParameter("Container instance ARN %s does not name a cluster.", ci.ContainerInstanceARN)
	}
	if _, err := tx.activeCluster(clusterOfARN(ci.ContainerInstanceARN)); err != nil {
		return err
	}
	if ci.Address.IsValid() && registered(ci) {
		for arn, o := range tx.snap.instances.m {
			if arn != ci.ContainerInstanceARN && registered(o) && o.Address == ci.Address {
				return ecs.NewInvalidParameter("Address %s is in use by container instance %s.", ci.Address, o.ID())
			}
		}
	}
	return put(tx, TableContainerInstances, &tx.snap.instances, instanceCodec, ci.ContainerInstanceARN, ci)
}

// DeleteContainerInstance removes a container instance record for good
// (control purges deregistered instances). It is refused while any task,
// STOPPED ones included, still names the instance, so every stored task's
// instance exists; delete those tasks first.
type DeleteContainerInstance struct {
	ContainerInstanceARN string
}

func (op DeleteContainerInstance) apply(tx *txn) error {
	if tx.snap.instances.m[op.ContainerInstanceARN] == nil {
		return newInstanceNotFound(op.ContainerInstanceARN)
	}
	for _, t := range tx.snap.tasks.m {
		if t.ContainerInstanceARN == op.ContainerInstanceARN {
			return ecs.NewInvalidParameter("Container instance %s still has task %s.", lastElem(op.ContainerInstanceARN), t.ID())
		}
	}
	del(tx, TableContainerInstances, &tx.snap.instances, op.ContainerInstanceARN)
	return nil
}

// newInstanceNotFound is the error for an unknown container instance
// (wording unconfirmed).
func newInstanceNotFound(arn string) *ecs.Error {
	return ecs.NewInvalidParameter("Container instance %s not found.", lastElem(arn))
}

// ContainerInstance returns the container instance with the given ARN, or
// nil.
func (s *Snapshot) ContainerInstance(arn string) *ecs.ContainerInstance {
	return s.instances.m[arn].Copy()
}

// ContainerInstances returns a cluster's container instances in ARN order,
// whatever their status.
func (s *Snapshot) ContainerInstances(clusterARN string, p Page) []*ecs.ContainerInstance {
	return collect(s.instances.m, p.apply(s.instancesByCluster[clusterARN]), (*ecs.ContainerInstance).Copy)
}
