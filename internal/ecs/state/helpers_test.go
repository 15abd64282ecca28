package state

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

// now is the time tests apply batches at; later batches add minutes.
var now = ecstest.Now

var (
	clusterARN  = ecstest.Scope.ClusterARN(ecstest.ClusterName)
	instanceARN = ecstest.ContainerInstance(1).ContainerInstanceARN
	tdARN1      = ecstest.Scope.TaskDefinitionARN("api", 1)
	tdARN2      = ecstest.Scope.TaskDefinitionARN("api", 2)
	serviceARN  = ecstest.Service().ServiceARN
	taskARN     = ecstest.Task().TaskARN
)

// mustApply applies ops as one batch at now and fails the test on error.
func mustApply(tb testing.TB, st *Store, ops ...Op) uint64 {
	tb.Helper()
	idx, err := st.Apply(ops, now)
	if err != nil {
		tb.Fatalf("Apply: %v", err)
	}
	return idx
}

// taskDefinition returns revision rev of the fixture family "api",
// registered by control, with image api:v<rev>.
func taskDefinition(rev int) *ecs.TaskDefinition {
	td := ecstest.TaskDefinition()
	td.ContainerDefinitions[0].Image = "api:v" + string(rune('0'+rev%10))
	td.Register(ecstest.Scope.TaskDefinitionARN(td.Family, rev), rev, now.Add(time.Duration(rev)*time.Minute))
	return td
}

// baseOps is the world most tests start from: cluster default, container
// instance 1, task definition api:1, service api and its RUNNING task.
func baseOps() []Op {
	return []Op{
		UpsertCluster{ecstest.Cluster()},
		UpsertContainerInstance{ecstest.ContainerInstance(1)},
		RegisterTaskDefinition{ecstest.TaskDefinition()},
		UpsertService{ecstest.Service()},
		// ecstest.Task as control creates it and the agent then reports it.
		UpsertTask{newTask(ecstest.Task())},
		UpdateTaskLastStatus{
			TaskARN:    taskARN,
			LastStatus: ecs.TaskStatusRunning,
			Containers: []ContainerStateChange{{
				Name:            "api",
				LastStatus:      ecs.ContainerStatusRunning,
				NetworkBindings: ecstest.Task().Containers[0].NetworkBindings,
			}},
		},
	}
}

// newTask returns t as control creates it: lastStatus PENDING, containers
// PENDING, nothing the agent reports.
func newTask(t *ecs.Task) *ecs.Task {
	t.LastStatus = ecs.TaskStatusPending
	t.StartedAt = ecs.Timestamp{}
	for i := range t.Containers {
		t.Containers[i].LastStatus = ecs.ContainerStatusPending
		t.Containers[i].NetworkBindings = []ecs.NetworkBinding{}
	}
	return t
}

// newBaseStore returns an in-memory store holding baseOps.
func newBaseStore(tb testing.TB) *Store {
	tb.Helper()
	st := NewStore()
	mustApply(tb, st, baseOps()...)
	return st
}

// taskN returns a task of the fixture service on instance 1 with the
// given ID (32 hex digits from n), desired RUNNING, last PENDING.
func taskN(n int, tdARN, startedBy string) *ecs.Task {
	id := ecstest.ContainerInstanceID(n) // 32 hex digits, fine as a task ID
	td := ecstest.TaskDefinition()
	td.TaskDefinitionARN = tdARN
	return ecs.NewTask(td, ecs.NewTaskInput{
		TaskARN:              ecstest.Scope.TaskARN(ecstest.ClusterName, id),
		ClusterARN:           clusterARN,
		ContainerInstanceARN: instanceARN,
		ContainerARNs:        []string{ecstest.Scope.ContainerARN(ecstest.ClusterName, id, "c1")},
		Group:                "service:api",
		StartedBy:            startedBy,
		Now:                  now,
	})
}

// contents is everything a snapshot holds, for comparing stores.
type contents struct {
	Index           uint64
	Clusters        []*ecs.Cluster
	Instances       []*ecs.ContainerInstance
	TaskDefinitions []*ecs.TaskDefinition
	Families        map[string]int
	Tasks           []*ecs.Task
	Services        []*ecs.Service
}

func dump(s *Snapshot) contents {
	c := contents{
		Index:           s.Index(),
		Clusters:        s.Clusters(Page{}),
		TaskDefinitions: s.TaskDefinitions(""),
		Families:        map[string]int{},
		Tasks:           s.Tasks(TaskFilter{}),
	}
	for _, cl := range c.Clusters {
		c.Instances = append(c.Instances, s.ContainerInstances(cl.ClusterARN, Page{})...)
		c.Services = append(c.Services, s.Services(cl.ClusterARN, Page{})...)
	}
	for _, f := range s.Families() {
		c.Families[f] = s.NextRevision(f) - 1
	}
	return c
}

// assertSameContents fails unless a and b hold the same objects.
func assertSameContents(tb testing.TB, got, want contents) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		tb.Fatalf("contents differ\ngot:  %s\nwant: %s", g, w)
	}
}

// errCode returns the ECS code of err, "" for nil.
func errCode(err error) string { return ecs.ErrorCode(err) }

// opCase is one row of an op validation table: from a store holding base,
// setup is applied as its own batch, then ops as one batch, which must
// fail with the ECS code want ("" for success); check inspects the result.
type opCase struct {
	name  string
	setup []Op
	ops   []Op
	want  string
	// wantErr, when set, must match the error with errors.Is.
	wantErr error
	check   func(t *testing.T, s *Snapshot)
}

func runOpCases(t *testing.T, base func() []Op, cases []opCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := NewStore()
			if ops := base(); len(ops) > 0 {
				mustApply(t, st, ops...)
			}
			if len(tc.setup) > 0 {
				mustApply(t, st, tc.setup...)
			}
			before := st.Snapshot()
			_, err := st.Apply(tc.ops, now.Add(time.Hour))
			if got := errCode(err); got != tc.want {
				t.Fatalf("Apply error = %v (code %q); want code %q", err, got, tc.want)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Apply error = %v; want errors.Is %v", err, tc.wantErr)
			}
			if err != nil && st.Snapshot() != before {
				t.Fatal("failed batch published a snapshot")
			}
			if err := st.Snapshot().checkIntegrity(); err != nil {
				t.Fatalf("integrity: %v", err)
			}
			if tc.check != nil {
				tc.check(t, st.Snapshot())
			}
		})
	}
}
