package state

import (
	"cmp"
	"maps"
	"slices"
	"sort"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// Table names one table of the store, for watches and per-table indexes.
type Table int

// The tables a caller can watch. Task definition families (the revision
// counters) change only with TableTaskDefinitions and are not watchable on
// their own.
const (
	TableClusters Table = iota
	TableContainerInstances
	TableTaskDefinitions
	TableTasks
	TableServices
	tableFamilies
	numTables
)

// Tables lists the watchable tables.
var Tables = []Table{TableClusters, TableContainerInstances, TableTaskDefinitions, TableTasks, TableServices}

// tableNames are the tables' names, which are also their bbolt bucket
// names; changing one is a schema change.
var tableNames = [numTables]string{
	TableClusters:           "clusters",
	TableContainerInstances: "container_instances",
	TableTaskDefinitions:    "task_definitions",
	TableTasks:              "tasks",
	TableServices:           "services",
	tableFamilies:           "task_definition_families",
}

// String returns the table's name.
func (t Table) String() string {
	if t < 0 || t >= numTables {
		return "unknown"
	}
	return tableNames[t]
}

// table is one copy-on-write table: m is never modified once the snapshot
// holding it is published (a batch clones it first), and keys are m's keys
// in listing order.
type table[T any] struct {
	m    map[string]*T
	keys []string
}

// family is a task definition family's revision counter. It outlives the
// revisions (the next revision is last+1 even if revisions were
// deregistered), so it is a table of its own.
type family struct {
	Name         string `json:"family"`
	LastRevision int    `json:"lastRevision"`
}

// Snapshot is a consistent, read-only view of the store at one index. All
// its methods are safe for concurrent use, and every object they return is
// a deep copy the caller owns.
type Snapshot struct {
	index      uint64
	tableIndex [numTables]uint64

	clusters  table[ecs.Cluster]
	instances table[ecs.ContainerInstance]
	taskDefs  table[ecs.TaskDefinition]
	families  table[family]
	tasks     table[ecs.Task]
	services  table[ecs.Service]

	// Secondary indexes, rebuilt for the tables a batch changes. The
	// slices hold primary keys in listing order.
	clusterByName      map[string]string   // cluster name → ARN
	instancesByCluster map[string][]string // cluster ARN → instance ARNs
	tdByFamily         map[string][]string // family → ARNs by revision
	tasksByCluster     map[string][]string // cluster ARN → task ARNs
	tasksByInstance    map[string][]string // instance ARN → task ARNs
	tasksByGroup       map[string][]string // groupKey(cluster ARN, group) → task ARNs
	servicesByCluster  map[string][]string // cluster ARN → service ARNs

	// watch[t] is closed by the first batch after this snapshot that
	// changes t; any by the first batch at all.
	watch [numTables]chan struct{}
	any   chan struct{}
}

// emptySnapshot returns the snapshot of an empty store at index 0.
func emptySnapshot() *Snapshot {
	s := &Snapshot{any: make(chan struct{})}
	for t := range s.watch {
		s.watch[t] = make(chan struct{})
	}
	s.clusters.m = map[string]*ecs.Cluster{}
	s.instances.m = map[string]*ecs.ContainerInstance{}
	s.taskDefs.m = map[string]*ecs.TaskDefinition{}
	s.families.m = map[string]*family{}
	s.tasks.m = map[string]*ecs.Task{}
	s.services.m = map[string]*ecs.Service{}
	var all [numTables]bool
	for t := range all {
		all[t] = true
	}
	s.reindex(all)
	return s
}

// Index returns the index of the last batch applied in this snapshot; 0
// for an empty store.
func (s *Snapshot) Index() uint64 { return s.index }

// TableIndex returns the index of the last batch that changed t, 0 if
// none did. A caller that cached a result computed from t can compare it
// to decide whether to recompute.
func (s *Snapshot) TableIndex(t Table) uint64 {
	if t < 0 || t >= numTables {
		return 0
	}
	return s.tableIndex[t]
}

// Changed returns a channel closed by the first batch after this snapshot
// that changes t. A nil channel (blocks forever) is returned for an
// unknown table.
func (s *Snapshot) Changed(t Table) <-chan struct{} {
	if t < 0 || t >= numTables {
		return nil
	}
	return s.watch[t]
}

// Page selects part of an ordered listing, for ECS's nextToken pagination:
// the entries whose key sorts after After, at most Limit of them. The zero
// Page is the whole listing. A caller pages by passing the ARN of the last
// entry it got as the next After, which stays correct while entries are
// added or removed between pages.
type Page struct {
	// After is the exclusive start key; "" starts at the beginning.
	After string
	// Limit is the most entries returned; 0 means no limit.
	Limit int
}

// apply returns the part of keys (sorted ascending) that p selects.
func (p Page) apply(keys []string) []string {
	if p.After != "" {
		i := sort.SearchStrings(keys, p.After)
		if i < len(keys) && keys[i] == p.After {
			i++
		}
		keys = keys[i:]
	}
	if p.Limit > 0 && len(keys) > p.Limit {
		keys = keys[:p.Limit]
	}
	return keys
}

// collect copies the records of keys out of m with cp.
func collect[T any](m map[string]*T, keys []string, cp func(*T) *T) []*T {
	out := make([]*T, 0, len(keys))
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out = append(out, cp(v))
		}
	}
	return out
}

// reindex rebuilds the keys and secondary indexes of the changed tables.
// It runs on a snapshot before it is published, so it may write freely;
// the maps it replaces may be shared with the previous snapshot and are
// never modified, only replaced.
func (s *Snapshot) reindex(changed [numTables]bool) {
	if changed[TableClusters] {
		s.clusters.keys = sortedKeys(s.clusters.m)
		s.clusterByName = make(map[string]string, len(s.clusters.m))
		for _, k := range s.clusters.keys {
			s.clusterByName[s.clusters.m[k].ClusterName] = k
		}
	}
	if changed[TableContainerInstances] {
		s.instances.keys = sortedKeys(s.instances.m)
		s.instancesByCluster = map[string][]string{}
		for _, k := range s.instances.keys {
			c := clusterOfARN(k)
			s.instancesByCluster[c] = append(s.instancesByCluster[c], k)
		}
	}
	if changed[TableTaskDefinitions] {
		// Task definitions list by family, then revision as a number, as
		// ListTaskDefinitions does: ARN order would put api:10 before api:2.
		s.taskDefs.keys = slices.SortedFunc(maps.Keys(s.taskDefs.m), func(a, b string) int {
			ta, tb := s.taskDefs.m[a], s.taskDefs.m[b]
			return cmp.Or(cmp.Compare(ta.Family, tb.Family), cmp.Compare(ta.Revision, tb.Revision), cmp.Compare(a, b))
		})
		s.tdByFamily = map[string][]string{}
		for _, k := range s.taskDefs.keys {
			f := s.taskDefs.m[k].Family
			s.tdByFamily[f] = append(s.tdByFamily[f], k)
		}
	}
	if changed[tableFamilies] {
		s.families.keys = sortedKeys(s.families.m)
	}
	if changed[TableTasks] {
		s.tasks.keys = sortedKeys(s.tasks.m)
		s.tasksByCluster = map[string][]string{}
		s.tasksByInstance = map[string][]string{}
		s.tasksByGroup = map[string][]string{}
		for _, k := range s.tasks.keys {
			t := s.tasks.m[k]
			s.tasksByCluster[t.ClusterARN] = append(s.tasksByCluster[t.ClusterARN], k)
			if t.ContainerInstanceARN != "" {
				s.tasksByInstance[t.ContainerInstanceARN] = append(s.tasksByInstance[t.ContainerInstanceARN], k)
			}
			g := groupKey(t.ClusterARN, t.Group)
			s.tasksByGroup[g] = append(s.tasksByGroup[g], k)
		}
	}
	if changed[TableServices] {
		s.services.keys = sortedKeys(s.services.m)
		s.servicesByCluster = map[string][]string{}
		for _, k := range s.services.keys {
			c := s.services.m[k].ClusterARN
			s.servicesByCluster[c] = append(s.servicesByCluster[c], k)
		}
	}
}

func sortedKeys[T any](m map[string]*T) []string {
	return slices.Sorted(maps.Keys(m))
}

// groupKey is the key of tasksByGroup: task groups are per cluster.
func groupKey(clusterARN, group string) string { return clusterARN + "\x00" + group }

// clusterOfARN returns the cluster ARN of a long-format service, task or
// container instance ARN, "" if it names no cluster.
func clusterOfARN(arn string) string {
	a, err := ecs.ParseARN(arn)
	if err != nil || a.Cluster == "" {
		return ""
	}
	return ecs.Scope{Region: a.Region, Account: a.Account}.ClusterARN(a.Cluster)
}

// lastElem returns what follows the last "/" of an ARN: the ID of a task
// or container instance.
func lastElem(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' {
			return arn[i+1:]
		}
	}
	return arn
}
