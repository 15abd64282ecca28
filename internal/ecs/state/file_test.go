package state

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

var update = flag.Bool("update", false, "rewrite the schema fixture in testdata/")

// mustOpen opens a durable store in a fresh directory and closes it at
// the end of the test.
func mustOpen(tb testing.TB, path string) *Store {
	tb.Helper()
	st, err := Open(path)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func TestOpenNew(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	st := mustOpen(t, path)
	if st.Index() != 0 || len(st.Snapshot().Clusters(Page{})) != 0 {
		t.Fatal("new file not empty")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = mustOpen(t, path)
	if st.Index() != 0 {
		t.Fatalf("reopened index = %d; want 0", st.Index())
	}
}

// TestReopen: a durable store closed and reopened holds exactly what it
// held, including fields off the wire (Address) and the revision counter
// of a family after deregistration; and it keeps working.
func TestReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	st := mustOpen(t, path)
	for _, batch := range fixtureBatches() {
		if _, err := st.Apply(batch, now); err != nil {
			t.Fatal(err)
		}
	}
	want := dump(st.Snapshot())
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = mustOpen(t, path)
	assertSameContents(t, dump(st.Snapshot()), want)
	if got := st.Snapshot().ContainerInstance(instanceARN).Address; got != ecs.InstanceAddress(1) {
		t.Fatalf("address after reopen = %s", got)
	}
	if got := st.Snapshot().NextRevision("api"); got != 4 {
		t.Fatalf("next revision after reopen = %d; want 4", got)
	}
	// The reopened store continues the index and the rules.
	if idx := mustApply(t, st, RegisterTaskDefinition{taskDefinition(4)}); idx != want.Index+1 {
		t.Fatalf("index after reopen = %d; want %d", idx, want.Index+1)
	}
	if _, err := st.Apply([]Op{RegisterTaskDefinition{taskDefinition(4)}}, now); errCode(err) != ecs.CodeClientException {
		t.Fatalf("reused revision after reopen: %v", err)
	}
}

// fixtureBatches is the content of the schema fixture: every table, every
// kind of record (INACTIVE revision, STOPPED task with an exit code,
// DRAINING instance, a service with two deployments and an event).
func fixtureBatches() [][]Op {
	td2 := taskDefinition(2)
	td2.ContainerDefinitions[0].Environment = []ecs.KeyValuePair{{Name: "A", Value: "b"}}
	td3 := taskDefinition(3)
	svc := ecstest.Service()
	svc.TaskDefinition = td3.TaskDefinitionARN
	svc.Deployments[0].Status = ecs.DeploymentStatusActive
	svc.Deployments = append([]ecs.Deployment{ecs.NewDeployment("ecs-svc/3333333333333333333", td3.TaskDefinitionARN, 1, now)}, svc.Deployments...)
	svc.AddEvent(ecs.NewServiceEvent("11111111-1111-1111-1111-111111111111", now, ecs.EventSteadyState("api")))
	stopped := taskN(2, tdARN1, ecstest.DeploymentID)
	ci2 := ecstest.ContainerInstance(2)
	ci2.Status = ecs.ContainerInstanceStatusDraining
	return [][]Op{
		baseOps(),
		{RegisterTaskDefinition{td2}, RegisterTaskDefinition{td3}, DeregisterTaskDefinition{td2.TaskDefinitionARN}},
		{UpsertContainerInstance{ci2}, UpsertService{svc}, UpsertTask{stopped}},
		{UpsertTask{task(func(tk *ecs.Task) {})}, UpsertTask{func() *ecs.Task {
			tk := stopped.Copy()
			tk.Stop(ecs.StopCodeEssentialContainerExited, ecs.StoppedReasonEssentialContainer)
			return tk
		}()}, UpdateTaskLastStatus{TaskARN: stopped.TaskARN, LastStatus: ecs.TaskStatusStopped, Containers: []ContainerStateChange{{
			Name: "api", LastStatus: ecs.ContainerStatusStopped, ExitCode: intp(1), Reason: "exit",
		}}}},
	}
}

// TestSchemaFixture opens every state file of testdata/ (one per schema
// version ever shipped): each must still open, and the current one must
// hold exactly fixtureBatches. -update rewrites the current version's file;
// never rewrite an older one.
func TestSchemaFixture(t *testing.T) {
	current := filepath.Join("testdata", fmt.Sprintf("state-schema%d.db.gz", SchemaVersion))
	if *update {
		writeFixture(t, current)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "state-schema*.db.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata (run with -update): %v", err)
	}
	mem := NewStore()
	for _, b := range fixtureBatches() {
		mustApply(t, mem, b...)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			st := mustOpen(t, gunzipTo(t, f))
			if err := st.Snapshot().checkIntegrity(); err != nil {
				t.Fatal(err)
			}
			if f == current {
				assertSameContents(t, dump(st.Snapshot()), dump(mem.Snapshot()))
			}
		})
	}
}

func writeFixture(t *testing.T, dst string) {
	path := filepath.Join(t.TempDir(), "state.db")
	st := mustOpen(t, path)
	for _, b := range fixtureBatches() {
		mustApply(t, st, b...)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// gunzipTo decompresses a fixture into a temporary file and returns its
// path.
func gunzipTo(tb testing.TB, src string) string {
	tb.Helper()
	f, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "state.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// editFile opens a state file with bbolt directly and runs edit in a
// write transaction, to damage it.
func editFile(tb testing.TB, path string, edit func(tx *bolt.Tx) error) {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(edit); err != nil {
		tb.Fatal(err)
	}
}

// validFile returns a state file holding baseOps.
func validFile(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "state.db")
	st, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	mustApply(tb, st, baseOps()...)
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestOpenBadFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		make func(t *testing.T) string
		want error
	}{
		{"garbage", func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "state.db")
			os.WriteFile(path, bytes.Repeat([]byte("not a database "), 1000), 0o600)
			return path
		}, ErrCorrupt},
		{"truncated", func(t *testing.T) string {
			path := validFile(t)
			raw, _ := os.ReadFile(path)
			os.WriteFile(path, raw[:len(raw)/3], 0o600)
			return path
		}, ErrCorrupt},
		{"zeroed pages", func(t *testing.T) string {
			path := validFile(t)
			raw, _ := os.ReadFile(path)
			for i := 2 * 4096; i < len(raw); i++ {
				raw[i] = 0xff
			}
			os.WriteFile(path, raw, 0o600)
			return path
		}, ErrCorrupt},
		{"bad record", func(t *testing.T) string {
			path := validFile(t)
			editFile(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("tasks")).Put([]byte(taskARN), []byte("{not json"))
			})
			return path
		}, ErrCorrupt},
		{"dangling reference", func(t *testing.T) string {
			path := validFile(t)
			editFile(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("container_instances")).Delete([]byte(instanceARN))
			})
			return path
		}, ErrCorrupt},
		{"bad index", func(t *testing.T) string {
			path := validFile(t)
			editFile(t, path, func(tx *bolt.Tx) error { return tx.Bucket(metaBucket).Put(indexKey, []byte("x")) })
			return path
		}, ErrCorrupt},
		{"no meta", func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "state.db")
			editFile(t, path, func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
			return path
		}, ErrCorrupt},
		{"newer schema", func(t *testing.T) string {
			path := validFile(t)
			editFile(t, path, func(tx *bolt.Tx) error { return tx.Bucket(metaBucket).Put(schemaKey, []byte("2")) })
			return path
		}, ErrSchemaTooNew},
		{"bad schema", func(t *testing.T) string {
			path := validFile(t)
			editFile(t, path, func(tx *bolt.Tx) error { return tx.Bucket(metaBucket).Put(schemaKey, []byte("one")) })
			return path
		}, ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := tc.make(t)
			st, err := Open(path)
			if err == nil {
				st.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open error = %v; want %v", err, tc.want)
			}
			t.Log(err)
		})
	}
}

// TestDurableMatchesMemory is a property test: random op sequences, many
// of them invalid, applied to an in-memory store and to a durable one
// (reopened from its file every so often) leave both with the same
// results, the same contents and no broken invariant.
func TestDurableMatchesMemory(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 42))
			path := filepath.Join(t.TempDir(), "state.db")
			reopen := func() *Store {
				st, err := open(path, true)
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				return st
			}
			disk, mem := reopen(), NewStore()
			defer func() { disk.Close() }()
			const batches = 400
			applied := 0
			for i := range batches {
				ops := randomBatch(rng, mem.Snapshot())
				// Nanoseconds in now check that stored times survive the
				// JSON round trip to the file.
				at := now.Add(time.Duration(i)*time.Second + 123456789)
				_, errMem := mem.Apply(ops, at)
				_, errDisk := disk.Apply(ops, at)
				if (errMem == nil) != (errDisk == nil) {
					t.Fatalf("batch %d: memory %v, disk %v", i, errMem, errDisk)
				}
				if errMem == nil {
					applied++
				}
				if i%50 == 49 {
					if err := disk.Close(); err != nil {
						t.Fatal(err)
					}
					disk = reopen()
				}
				// Comparing every batch would dominate the run under -race;
				// every 10th and after each reopen is enough to locate a
				// divergence.
				if i%10 == 9 {
					assertSameContents(t, dump(disk.Snapshot()), dump(mem.Snapshot()))
				}
			}
			if err := mem.Snapshot().checkIntegrity(); err != nil {
				t.Fatal(err)
			}
			s := mem.Snapshot()
			t.Logf("%d of %d batches applied; %d tasks, %d task definitions", applied, batches, len(s.Tasks(TaskFilter{})), len(s.TaskDefinitions("")))
			if applied < batches/4 {
				t.Fatalf("only %d batches applied; the generator is too often wrong to test much", applied)
			}
		})
	}
}

// randomBatch returns 1-3 ops drawn from what s holds, valid or not.
func randomBatch(rng *rand.Rand, s *Snapshot) []Op {
	pick := func(xs []string) string {
		if len(xs) == 0 {
			return "arn:aws:ecs:us-east-1:123456789012:task/default/none"
		}
		return xs[rng.IntN(len(xs))]
	}
	clusters := []string{"default", "blue"}
	clusterName := clusters[rng.IntN(2)]
	cARN := ecstest.Scope.ClusterARN(clusterName)
	var tdARNs, taskARNs, instanceARNs, serviceARNs []string
	for _, td := range s.TaskDefinitions("") {
		tdARNs = append(tdARNs, td.TaskDefinitionARN)
	}
	for _, tk := range s.Tasks(TaskFilter{}) {
		taskARNs = append(taskARNs, tk.TaskARN)
	}
	for _, c := range s.Clusters(Page{}) {
		for _, ci := range s.ContainerInstances(c.ClusterARN, Page{}) {
			instanceARNs = append(instanceARNs, ci.ContainerInstanceARN)
		}
		for _, svc := range s.Services(c.ClusterARN, Page{}) {
			serviceARNs = append(serviceARNs, svc.ServiceARN)
		}
	}
	var ops []Op
	for range 1 + rng.IntN(2) {
		switch rng.IntN(12) {
		case 0:
			ops = append(ops, UpsertCluster{cluster(func(c *ecs.Cluster) {
				c.ClusterName, c.ClusterARN = clusterName, cARN
			})})
		case 1:
			ops = append(ops, DeleteCluster{cARN})
		case 2:
			n := 1 + rng.IntN(5)
			ops = append(ops, UpsertContainerInstance{instance(n, func(ci *ecs.ContainerInstance) {
				ci.ContainerInstanceARN = ecstest.Scope.ContainerInstanceARN(clusterName, ecstest.ContainerInstanceID(n))
				ci.Status = []ecs.ContainerInstanceStatus{ecs.ContainerInstanceStatusActive, ecs.ContainerInstanceStatusDraining, ecs.ContainerInstanceStatusInactive}[rng.IntN(3)]
				ci.AgentConnected = rng.IntN(2) == 0
				ci.Version = int64(rng.IntN(10))
			})})
		case 3:
			ops = append(ops, DeleteContainerInstance{pick(instanceARNs)})
		case 4:
			fam := []string{"api", "web"}[rng.IntN(2)]
			rev := s.NextRevision(fam) + rng.IntN(4)/3 // now and then a wrong revision
			td := taskDefinition(rev)
			td.Family, td.TaskDefinitionARN = fam, ecstest.Scope.TaskDefinitionARN(fam, rev)
			ops = append(ops, RegisterTaskDefinition{td})
		case 5:
			ops = append(ops, DeregisterTaskDefinition{pick(tdARNs)})
		case 6, 7:
			ci := pick(instanceARNs)
			cl := clusterOfARN(ci)
			id := fmt.Sprintf("%032x", rng.IntN(40))
			a, _ := ecs.ParseARN(cl)
			td := ecstest.TaskDefinition()
			td.TaskDefinitionARN = pick(tdARNs)
			ops = append(ops, UpsertTask{ecs.NewTask(td, ecs.NewTaskInput{
				TaskARN: ecstest.Scope.TaskARN(a.Name, id), ClusterARN: cl, ContainerInstanceARN: ci,
				ContainerARNs: []string{"c-" + id}, Group: "service:s" + fmt.Sprint(rng.IntN(2)),
				StartedBy: "d" + fmt.Sprint(rng.IntN(2)), Now: now,
			})})
		case 8:
			if tk := s.Task(pick(taskARNs)); tk != nil {
				tk.Stop(ecs.StopCodeServiceSchedulerInitiated, "scale in")
				tk.Tags = append(tk.Tags, ecs.Tag{Key: "k", Value: fmt.Sprint(rng.IntN(9))})
				ops = append(ops, UpsertTask{tk})
			}
		case 9:
			arn := pick(taskARNs)
			to := ecs.TaskStatuses[rng.IntN(len(ecs.TaskStatuses))]
			if tk := s.Task(arn); tk != nil && rng.IntN(4) != 0 {
				// Mostly a move the lifecycle allows, stopping the task
				// first in the same batch when the agent reports STOPPED.
				var next []ecs.TaskStatus
				for _, st := range ecs.TaskStatuses {
					if ecs.CanTransition(tk.LastStatus, st) {
						next = append(next, st)
					}
				}
				if len(next) > 0 {
					to = next[rng.IntN(len(next))]
				}
				if to.Terminal() && !tk.ControlTerminal() {
					tk.Stop(ecs.StopCodeEssentialContainerExited, ecs.StoppedReasonEssentialContainer)
					ops = append(ops, UpsertTask{tk})
				}
			}
			cs := []ContainerStateChange{{Name: "api", LastStatus: []ecs.ContainerStatus{"", ecs.ContainerStatusRunning, ecs.ContainerStatusStopped}[rng.IntN(3)]}}
			if cs[0].LastStatus == ecs.ContainerStatusStopped {
				cs[0].ExitCode = intp(rng.IntN(3))
			}
			if rng.IntN(2) == 0 {
				cs[0].NetworkBindings = []ecs.NetworkBinding{{BindIP: ecs.BindIPAny, ContainerPort: 3000, HostPort: 32768 + rng.IntN(5), Protocol: ecs.TransportProtocolTCP}}
			}
			ops = append(ops, UpdateTaskLastStatus{TaskARN: arn, LastStatus: to, Containers: cs})
		case 10:
			ops = append(ops, DeleteTask{pick(taskARNs)})
		case 11:
			name := "s" + fmt.Sprint(rng.IntN(2))
			if rng.IntN(3) == 0 && len(serviceARNs) > 0 {
				ops = append(ops, DeleteService{ServiceARN: pick(serviceARNs), Force: rng.IntN(2) == 0})
				break
			}
			ops = append(ops, UpsertService{service(func(svc *ecs.Service) {
				svc.ServiceName, svc.ClusterARN = name, cARN
				svc.ServiceARN = ecstest.Scope.ServiceARN(clusterName, name)
				svc.TaskDefinition = pick(tdARNs)
				svc.Deployments = nil
				svc.DesiredCount = rng.IntN(3)
				svc.CreatedAt = ecs.At(now.Add(time.Duration(rng.IntN(2)) * time.Hour))
				svc.Status = []ecs.ServiceStatus{ecs.ServiceStatusActive, ecs.ServiceStatusActive, ecs.ServiceStatusInactive}[rng.IntN(3)]
			})})
		}
	}
	return ops
}
