package state

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func TestApplyIndex(t *testing.T) {
	t.Parallel()
	st := NewStore()
	if got := st.Index(); got != 0 {
		t.Fatalf("empty store index = %d; want 0", got)
	}
	if got := mustApply(t, st, UpsertCluster{ecstest.Cluster()}); got != 1 {
		t.Fatalf("first batch index = %d; want 1", got)
	}
	if got := mustApply(t, st, UpsertContainerInstance{ecstest.ContainerInstance(1)}); got != 2 {
		t.Fatalf("second batch index = %d; want 2", got)
	}
	// An empty batch is not a batch.
	if got := mustApply(t, st); got != 2 {
		t.Fatalf("empty batch index = %d; want 2", got)
	}
	s := st.Snapshot()
	if s.TableIndex(Table(99)) != 0 || s.Changed(Table(-1)) != nil || Table(99).String() != "unknown" {
		t.Fatal("unknown table not refused")
	}
	if TableTasks.String() != "tasks" {
		t.Fatalf("TableTasks = %s", TableTasks)
	}
	if s.TableIndex(TableClusters) != 1 || s.TableIndex(TableContainerInstances) != 2 || s.TableIndex(TableTasks) != 0 {
		t.Fatalf("table indexes = %d %d %d; want 1 2 0", s.TableIndex(TableClusters), s.TableIndex(TableContainerInstances), s.TableIndex(TableTasks))
	}
}

// TestApplyAtomic: a batch with one bad op changes nothing, whatever ops
// before it in the batch did.
func TestApplyAtomic(t *testing.T) {
	t.Parallel()
	st := newBaseStore(t)
	before := st.Snapshot()
	want := dump(before)

	c2 := ecstest.Cluster()
	c2.ClusterName, c2.ClusterARN = "other", ecstest.Scope.ClusterARN("other")
	ops := []Op{
		UpsertCluster{c2},
		RegisterTaskDefinition{taskDefinition(2)},
		DeregisterTaskDefinition{tdARN1},
		UpsertTask{taskN(7, tdARN1, ecstest.DeploymentID)}, // fails: api:1 is now INACTIVE
	}
	idx, err := st.Apply(ops, now)
	if got := errCode(err); got != ecs.CodeClientException {
		t.Fatalf("Apply error = %v (code %q); want ClientException", err, got)
	}
	if idx != before.Index() {
		t.Fatalf("index after failed batch = %d; want %d", idx, before.Index())
	}
	if st.Snapshot() != before {
		t.Fatal("a failed batch published a new snapshot")
	}
	assertSameContents(t, dump(st.Snapshot()), want)
	if st.Snapshot().NextRevision("api") != 2 {
		t.Fatal("the failed batch's registration moved the revision counter")
	}
	// Watches did not fire.
	for _, tb := range Tables {
		select {
		case <-before.Changed(tb):
			t.Fatalf("%s watch fired for a failed batch", tb)
		default:
		}
	}
}

// TestSnapshotIsolation: a snapshot taken before an Apply does not see it.
func TestSnapshotIsolation(t *testing.T) {
	t.Parallel()
	st := newBaseStore(t)
	old := st.Snapshot()
	want := dump(old)

	stopped := ecstest.Task()
	stopped.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
	mustApply(t, st,
		UpsertTask{stopped},
		UpdateTaskLastStatus{TaskARN: taskARN, LastStatus: ecs.TaskStatusStopped},
		RegisterTaskDefinition{taskDefinition(2)},
		DeregisterTaskDefinition{tdARN1},
	)
	assertSameContents(t, dump(old), want)
	if got := old.Task(taskARN).LastStatus; got != ecs.TaskStatusRunning {
		t.Fatalf("old snapshot task lastStatus = %s; want RUNNING", got)
	}
	if got := st.Snapshot().Task(taskARN).LastStatus; got != ecs.TaskStatusStopped {
		t.Fatalf("new snapshot task lastStatus = %s; want STOPPED", got)
	}
	if old.LatestActiveTaskDefinition("api").Revision != 1 || st.Snapshot().LatestActiveTaskDefinition("api").Revision != 2 {
		t.Fatal("latest ACTIVE revision not isolated per snapshot")
	}
}

// TestReadsAreCopies: mutating everything a read returns, deeply, changes
// nothing in the store; so reads are not shared mutable state.
func TestReadsAreCopies(t *testing.T) {
	t.Parallel()
	st := newBaseStore(t)
	s := st.Snapshot()
	want := dump(s)

	c := s.Cluster(clusterARN)
	c.Status, c.Tags = ecs.ClusterStatusInactive, append(c.Tags, ecs.Tag{Key: "k"})
	ci := s.ContainerInstance(instanceARN)
	ci.RemainingResources[0].IntegerValue = -1
	ci.Attributes[0].Value = "changed"
	td := s.TaskDefinition(tdARN1)
	td.ContainerDefinitions[0].PortMappings[0].HostPort = 1
	*td.ContainerDefinitions[0].Memory = 1
	tk := s.Task(taskARN)
	tk.Containers[0].NetworkBindings[0].HostPort = 1
	tk.LastStatus = ecs.TaskStatusStopped
	svc := s.Service(serviceARN)
	svc.Deployments[0].DesiredCount = 99
	*svc.DeploymentConfiguration.MaximumPercent = 1
	for _, x := range s.Tasks(TaskFilter{}) {
		x.DesiredStatus = ecs.DesiredStatusStopped
	}
	for _, x := range s.ServiceTasks(serviceARN).ByDeployment() {
		x[0].StartedBy = "x"
	}
	u, _ := s.InstanceUsage(instanceARN)
	u.Remaining[0].IntegerValue = -5

	assertSameContents(t, dump(s), want)
	assertSameContents(t, dump(st.Snapshot()), want)
}

// TestInputNotRetained: the objects given to Apply are not kept; changing
// them afterwards changes nothing.
func TestInputNotRetained(t *testing.T) {
	t.Parallel()
	st := NewStore()
	c := ecstest.Cluster()
	mustApply(t, st, UpsertCluster{c})
	c.Tags = append(c.Tags, ecs.Tag{Key: "k", Value: "v"})
	c.Status = ecs.ClusterStatusFailed
	if got := st.Snapshot().Cluster(clusterARN); got.Status != ecs.ClusterStatusActive || len(got.Tags) != 0 {
		t.Fatalf("stored cluster changed with the caller's object: %+v", got)
	}
}

// TestConcurrentReadWrite runs readers that mutate what they read while a
// writer applies batches; -race reports any sharing.
func TestConcurrentReadWrite(t *testing.T) {
	t.Parallel()
	st := newBaseStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				s := st.Snapshot()
				for _, tk := range s.Tasks(TaskFilter{ClusterARN: clusterARN}) {
					tk.Containers[0].LastStatus = "X"
					tk.Tags = append(tk.Tags, ecs.Tag{Key: "r"})
				}
				if svc := s.Service(serviceARN); svc != nil {
					svc.Events = append(svc.Events, ecs.ServiceEvent{})
				}
				s.InstanceUsage(instanceARN)
			}
		})
	}
	for i := range 50 {
		svc := st.Snapshot().Service(serviceARN)
		svc.AddEvent(ecs.NewServiceEvent("e", now, "event"))
		tk := taskN(100+i, tdARN1, ecstest.DeploymentID)
		mustApply(t, st, UpsertService{svc}, UpsertTask{tk})
	}
	cancel()
	wg.Wait()
	if got := len(st.Snapshot().Service(serviceARN).Events); got != 50 {
		t.Fatalf("events = %d; want 50", got)
	}
}

// TestWatch: a table's channel closes on the first batch that changes that
// table, and only then.
func TestWatch(t *testing.T) {
	t.Parallel()
	st := newBaseStore(t)
	closed := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	tests := []struct {
		name string
		ops  []Op
		want []Table
	}{
		{"cluster", []Op{UpsertCluster{ecstest.Cluster()}}, []Table{TableClusters}},
		{"instance", []Op{UpsertContainerInstance{ecstest.ContainerInstance(2)}}, []Table{TableContainerInstances}},
		{"register", []Op{RegisterTaskDefinition{taskDefinition(2)}}, []Table{TableTaskDefinitions}},
		{"deregister", []Op{DeregisterTaskDefinition{tdARN2}}, []Table{TableTaskDefinitions}},
		{"deregister again is no change", []Op{DeregisterTaskDefinition{tdARN2}}, nil},
		{"agent", []Op{UpdateTaskLastStatus{TaskARN: taskARN, Containers: []ContainerStateChange{{Name: "api", HealthStatus: ecs.HealthStatusHealthy}}}}, []Table{TableTasks}},
		{"task and service", []Op{UpsertTask{taskN(9, tdARN1, "x")}, UpsertService{ecstest.Service()}}, []Table{TableTasks, TableServices}},
		{"failed batch", []Op{DeleteCluster{clusterARN}}, nil},
	}
	for _, tc := range tests {
		s := st.Snapshot()
		_, _ = st.Apply(tc.ops, now)
		for _, tb := range Tables {
			want := false
			for _, w := range tc.want {
				want = want || w == tb
			}
			if got := closed(s.Changed(tb)); got != want {
				t.Errorf("%s: %s watch fired = %v; want %v", tc.name, tb, got, want)
			}
		}
		// The new snapshot's channels are fresh.
		for _, tb := range Tables {
			if closed(st.Snapshot().Changed(tb)) {
				t.Errorf("%s: new snapshot's %s watch already closed", tc.name, tb)
			}
		}
	}
}

// TestWatchWakes: a goroutine blocked on a watch wakes on the change and
// sees it in a fresh snapshot.
func TestWatchWakes(t *testing.T) {
	t.Parallel()
	st := newBaseStore(t)
	s := st.Snapshot()
	changed := st.Changed(TableTasks) // the store's shorthand, same channel
	got := make(chan ecs.HealthStatus)
	go func() {
		<-s.Changed(TableTasks)
		<-changed
		got <- st.Snapshot().Task(taskARN).Containers[0].HealthStatus
	}()
	mustApply(t, st, UpdateTaskLastStatus{TaskARN: taskARN, Containers: []ContainerStateChange{{Name: "api", HealthStatus: ecs.HealthStatusHealthy}}})
	select {
	case h := <-got:
		if h != ecs.HealthStatusHealthy {
			t.Fatalf("woken reader saw health %s; want HEALTHY", h)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watcher not woken")
	}
}

func TestWaitIndex(t *testing.T) {
	t.Parallel()
	st := NewStore()
	done := make(chan *Snapshot)
	go func() {
		s, err := st.WaitIndex(context.Background(), 2)
		if err != nil {
			t.Error(err)
		}
		done <- s
	}()
	mustApply(t, st, UpsertCluster{ecstest.Cluster()})
	mustApply(t, st, UpsertContainerInstance{ecstest.ContainerInstance(1)})
	select {
	case s := <-done:
		if s.Index() < 2 || s.ContainerInstance(instanceARN) == nil {
			t.Fatalf("WaitIndex returned index %d without the batch", s.Index())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitIndex did not return")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.WaitIndex(ctx, 100); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitIndex on a cancelled context = %v; want context.Canceled", err)
	}
	if s, err := st.WaitIndex(ctx, 0); err != nil || s == nil {
		t.Fatalf("WaitIndex(0) = %v, %v; want the current snapshot", s, err)
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	st := newBaseStore(t)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply([]Op{UpsertCluster{ecstest.Cluster()}}, now); !errors.Is(err, ErrClosed) {
		t.Fatalf("Apply after Close = %v; want ErrClosed", err)
	}
	if st.Snapshot().Cluster(clusterARN) == nil {
		t.Fatal("snapshot unreadable after Close")
	}
	if err := st.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func TestApplyNilOp(t *testing.T) {
	t.Parallel()
	st := NewStore()
	if _, err := st.Apply([]Op{nil}, now); err == nil {
		t.Fatal("nil op accepted")
	}
	for _, op := range []Op{UpsertCluster{}, UpsertContainerInstance{}, RegisterTaskDefinition{}, UpsertTask{}, UpsertService{}} {
		if _, err := st.Apply([]Op{op}, now); err == nil {
			t.Errorf("%T with a nil object accepted", op)
		}
	}
}
