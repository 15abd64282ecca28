package state

import (
	"errors"
	"fmt"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// checkIntegrity reports every broken invariant of a snapshot: records
// stored under another key than their own, and references Apply would
// have refused. Apply keeps these true; Open checks them because a file
// can be damaged or edited, and the tests check them after random batches.
func (s *Snapshot) checkIntegrity() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for k, c := range s.clusters.m {
		if k != c.ClusterARN {
			bad("cluster %s stored under %s", c.ClusterARN, k)
		}
	}
	for k, ci := range s.instances.m {
		if k != ci.ContainerInstanceARN {
			bad("container instance %s stored under %s", ci.ContainerInstanceARN, k)
		}
		if s.clusters.m[clusterOfARN(k)] == nil {
			bad("container instance %s: no cluster", k)
		}
	}
	for k, td := range s.taskDefs.m {
		if k != td.TaskDefinitionARN {
			bad("task definition %s stored under %s", td.TaskDefinitionARN, k)
		}
		if f := s.families.m[td.Family]; f == nil || f.LastRevision < td.Revision {
			bad("task definition %s: revision beyond its family's counter", k)
		}
	}
	for k, f := range s.families.m {
		if k != f.Name {
			bad("family %s stored under %s", f.Name, k)
		}
	}
	for k, t := range s.tasks.m {
		if k != t.TaskARN {
			bad("task %s stored under %s", t.TaskARN, k)
		}
		if s.clusters.m[t.ClusterARN] == nil {
			bad("task %s: no cluster %s", k, t.ClusterARN)
		}
		if s.instances.m[t.ContainerInstanceARN] == nil {
			bad("task %s: no container instance %s", k, t.ContainerInstanceARN)
		}
		if s.taskDefs.m[t.TaskDefinitionARN] == nil {
			bad("task %s: no task definition %s", k, t.TaskDefinitionARN)
		}
	}
	live := map[string]string{}
	for k, svc := range s.services.m {
		if k != svc.ServiceARN {
			bad("service %s stored under %s", svc.ServiceARN, k)
		}
		if s.clusters.m[svc.ClusterARN] == nil {
			bad("service %s: no cluster %s", k, svc.ClusterARN)
		}
		if s.taskDefs.m[svc.TaskDefinition] == nil {
			bad("service %s: no task definition %s", k, svc.TaskDefinition)
		}
		if svc.Status != ecs.ServiceStatusInactive {
			name := groupKey(svc.ClusterARN, svc.ServiceName)
			if other, dup := live[name]; dup {
				bad("services %s and %s share a name", other, k)
			}
			live[name] = k
		}
	}
	return errors.Join(errs...)
}
