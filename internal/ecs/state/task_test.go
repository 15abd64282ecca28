package state

import (
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func task(mut func(*ecs.Task)) *ecs.Task {
	t := ecstest.Task()
	mut(t)
	return t
}

func intp(v int) *int { return &v }

func TestUpsertTask(t *testing.T) {
	t.Parallel()
	runOpCases(t, baseOps, []opCase{
		{name: "OK", ops: []Op{UpsertTask{taskN(2, tdARN1, ecstest.DeploymentID)}}, check: func(t *testing.T, s *Snapshot) {
			if got := len(s.InstanceTasks(instanceARN)); got != 2 {
				t.Fatalf("instance tasks = %d; want 2", got)
			}
		}},
		{name: "ErrInvalid", ops: []Op{UpsertTask{func() *ecs.Task {
			tk := taskN(2, tdARN1, "x")
			tk.DesiredStatus = "PENDING"
			return tk
		}()}}, want: ecs.CodeInvalidParameterException},
		{name: "ErrUnknownCluster", ops: []Op{UpsertTask{func() *ecs.Task {
			tk := taskN(2, tdARN1, "x")
			tk.ClusterARN = ecstest.Scope.ClusterARN("nope")
			tk.TaskARN = ecstest.Scope.TaskARN("nope", ecstest.ContainerInstanceID(2))
			return tk
		}()}}, want: ecs.CodeClusterNotFoundException},
		{name: "ErrARNOfAnotherCluster", ops: []Op{UpsertTask{func() *ecs.Task {
			tk := taskN(2, tdARN1, "x")
			tk.TaskARN = ecstest.Scope.TaskARN("nope", ecstest.ContainerInstanceID(2))
			return tk
		}()}}, want: ecs.CodeInvalidParameterException},
		{name: "ErrUnknownTaskDefinition", ops: []Op{UpsertTask{taskN(2, tdARN2, "x")}}, want: ecs.CodeClientException},
		// Control cannot create a task with what only the agent observes.
		{name: "ErrNewTaskRunning", ops: []Op{UpsertTask{func() *ecs.Task {
			tk := taskN(2, tdARN1, "x")
			_ = tk.SetLastStatus(ecs.TaskStatusRunning, now)
			return tk
		}()}}, want: ecs.CodeInvalidParameterException},
		{name: "ErrNewTaskWithBindings", ops: []Op{UpsertTask{func() *ecs.Task {
			tk := taskN(2, tdARN1, "x")
			tk.Containers[0].NetworkBindings = []ecs.NetworkBinding{{ContainerPort: 3000, HostPort: 32768}}
			return tk
		}()}}, want: ecs.CodeInvalidParameterException},
		{name: "ErrNewTaskWithPullTime", ops: []Op{UpsertTask{func() *ecs.Task {
			tk := taskN(2, tdARN1, "x")
			tk.PullStartedAt = ecs.At(now)
			return tk
		}()}}, want: ecs.CodeInvalidParameterException},
		{name: "ErrUnknownInstance", ops: []Op{UpsertTask{func() *ecs.Task {
			tk := taskN(2, tdARN1, "x")
			tk.ContainerInstanceARN = ecstest.ContainerInstance(9).ContainerInstanceARN
			return tk
		}()}}, want: ecs.CodeInvalidParameterException},
		{name: "ErrDrainingInstance", setup: []Op{UpsertContainerInstance{instance(1, func(ci *ecs.ContainerInstance) {
			ci.Status = ecs.ContainerInstanceStatusDraining
		})}}, ops: []Op{UpsertTask{taskN(2, tdARN1, "x")}}, want: ecs.CodeInvalidParameterException},
		{name: "StopKeepsAgentFields", ops: []Op{UpsertTask{task(func(tk *ecs.Task) {
			tk.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
			tk.Version++
			// Control's copy is stale or wrong about what the agent owns;
			// none of it may be written.
			tk.LastStatus = ecs.TaskStatusPending
			tk.StartedAt = ecs.Timestamp{}
			tk.Containers[0].LastStatus = ecs.ContainerStatusStopped
			tk.Containers[0].ExitCode = intp(3)
			tk.Containers[0].NetworkBindings = nil
		})}}, check: func(t *testing.T, s *Snapshot) {
			tk := s.Task(taskARN)
			if tk.DesiredStatus != ecs.DesiredStatusStopped || tk.StopCode != ecs.StopCodeUserInitiated || tk.Version != 2 {
				t.Fatalf("control fields not written: %s %s %d", tk.DesiredStatus, tk.StopCode, tk.Version)
			}
			c := tk.Containers[0]
			if tk.LastStatus != ecs.TaskStatusRunning || tk.StartedAt.IsZero() || c.LastStatus != ecs.ContainerStatusRunning ||
				c.ExitCode != nil || len(c.NetworkBindings) != 1 {
				t.Fatalf("control overwrote agent fields: %+v", tk)
			}
		}},
		{name: "ErrIdentityChange", ops: []Op{UpsertTask{task(func(tk *ecs.Task) {
			tk.ContainerInstanceARN = ecstest.ContainerInstance(2).ContainerInstanceARN
		})}}, want: ecs.CodeInvalidParameterException},
		{name: "ErrContainerChange", ops: []Op{UpsertTask{task(func(tk *ecs.Task) {
			tk.Containers[0].Image = "other:v1"
		})}}, want: ecs.CodeInvalidParameterException},
		{name: "ErrStartedByChange", ops: []Op{UpsertTask{task(func(tk *ecs.Task) { tk.StartedBy = "me" })}},
			want: ecs.CodeInvalidParameterException},
		{name: "ErrDesiredBackToRunning", setup: []Op{UpsertTask{task(func(tk *ecs.Task) {
			tk.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
		})}}, ops: []Op{UpsertTask{ecstest.Task()}}, want: ecs.CodeInvalidParameterException},
		{name: "DeleteErrNotStopped", ops: []Op{DeleteTask{taskARN}}, want: ecs.CodeInvalidParameterException},
		{name: "DeleteErrUnknown", ops: []Op{DeleteTask{taskN(3, tdARN1, "").TaskARN}}, want: ecs.CodeInvalidParameterException},
	})
}

func TestUpdateTaskLastStatus(t *testing.T) {
	t.Parallel()
	stop := UpsertTask{task(func(tk *ecs.Task) { tk.Stop(ecs.StopCodeEssentialContainerExited, ecs.StoppedReasonEssentialContainer) })}
	pending := func() []Op { return []Op{UpsertTask{taskN(2, tdARN1, ecstest.DeploymentID)}} }
	task2 := taskN(2, tdARN1, "").TaskARN
	runOpCases(t, baseOps, []opCase{
		{name: "PendingToRunning", setup: pending(), ops: []Op{UpdateTaskLastStatus{
			TaskARN:       task2,
			LastStatus:    ecs.TaskStatusRunning,
			PullStartedAt: ecs.At(now), PullStoppedAt: ecs.At(now),
			Containers: []ContainerStateChange{{
				Name: "api", LastStatus: ecs.ContainerStatusRunning, RuntimeID: "r1",
				NetworkBindings: []ecs.NetworkBinding{{BindIP: ecs.BindIPAny, ContainerPort: 3000, HostPort: 32769, Protocol: ecs.TransportProtocolTCP}},
			}},
		}}, check: func(t *testing.T, s *Snapshot) {
			tk := s.Task(task2)
			if tk.LastStatus != ecs.TaskStatusRunning || !tk.StartedAt.Equal(now.Add(3600e9)) {
				t.Fatalf("lastStatus %s startedAt %v; want RUNNING at the batch's now", tk.LastStatus, tk.StartedAt)
			}
			if hp, ok := tk.HostPort("api", 3000); !ok || hp != 32769 || tk.Containers[0].RuntimeID != "r1" || tk.PullStartedAt.IsZero() {
				t.Fatalf("container not updated: %+v", tk.Containers[0])
			}
			if tk.DesiredStatus != ecs.DesiredStatusRunning || tk.Version != 1 {
				t.Fatal("agent update changed control's fields")
			}
		}},
		{name: "SameStatusIsNoTransition", ops: []Op{UpdateTaskLastStatus{TaskARN: taskARN, LastStatus: ecs.TaskStatusRunning}}},
		{name: "ErrBackwards", ops: []Op{UpdateTaskLastStatus{TaskARN: taskARN, LastStatus: ecs.TaskStatusPending}},
			want: ecs.CodeInvalidParameterException, wantErr: ecs.ErrInvalidTransition},
		{name: "ErrContainerBackwards", ops: []Op{UpdateTaskLastStatus{TaskARN: taskARN, Containers: []ContainerStateChange{{
			Name: "api", LastStatus: ecs.ContainerStatusPending,
		}}}}, want: ecs.CodeInvalidParameterException, wantErr: ecs.ErrInvalidTransition},
		{name: "ErrUnknownTask", ops: []Op{UpdateTaskLastStatus{TaskARN: task2, LastStatus: ecs.TaskStatusRunning}},
			want: ecs.CodeInvalidParameterException},
		// The agent names containers; it cannot add one (the task's
		// containers are control's).
		{name: "ErrUnknownContainer", ops: []Op{UpdateTaskLastStatus{TaskARN: taskARN, Containers: []ContainerStateChange{{
			Name: "sidecar", LastStatus: ecs.ContainerStatusRunning,
		}}}}, want: ecs.CodeInvalidParameterException},
		{name: "ErrExitCodeWhileRunning", ops: []Op{UpdateTaskLastStatus{TaskARN: taskARN, Containers: []ContainerStateChange{{
			Name: "api", ExitCode: intp(1),
		}}}}, want: ecs.CodeInvalidParameterException},
		// STOPPED needs control's desired STOPPED first (Task.Validate).
		{name: "ErrStoppedWhileDesiredRunning", ops: []Op{UpdateTaskLastStatus{TaskARN: taskARN, LastStatus: ecs.TaskStatusStopped}},
			want: ecs.CodeInvalidParameterException},
		{name: "EssentialExitOneBatch", ops: []Op{stop, UpdateTaskLastStatus{
			TaskARN: taskARN, LastStatus: ecs.TaskStatusStopped,
			ExecutionStoppedAt: ecs.At(now.Add(59 * 60e9)),
			Containers:         []ContainerStateChange{{Name: "api", LastStatus: ecs.ContainerStatusStopped, ExitCode: intp(137), Reason: ecs.ContainerReasonOutOfMemory}},
		}}, check: func(t *testing.T, s *Snapshot) {
			tk := s.Task(taskARN)
			c := tk.Containers[0]
			if tk.LastStatus != ecs.TaskStatusStopped || c.ExitCode == nil || *c.ExitCode != 137 || c.Reason != ecs.ContainerReasonOutOfMemory {
				t.Fatalf("task %s container %+v", tk.LastStatus, c)
			}
			if !tk.ExecutionStoppedAt.Equal(now.Add(59*60e9)) || !tk.StoppedAt.Equal(now.Add(3600e9)) {
				t.Fatalf("executionStoppedAt %v stoppedAt %v", tk.ExecutionStoppedAt, tk.StoppedAt)
			}
		}},
		{name: "ErrExitCodeChanged", setup: []Op{stop, UpdateTaskLastStatus{TaskARN: taskARN, Containers: []ContainerStateChange{{
			Name: "api", LastStatus: ecs.ContainerStatusStopped, ExitCode: intp(0),
		}}}}, ops: []Op{UpdateTaskLastStatus{TaskARN: taskARN, Containers: []ContainerStateChange{{Name: "api", ExitCode: intp(1)}}}},
			want: ecs.CodeInvalidParameterException},
		{name: "HealthRecomputed", ops: []Op{UpdateTaskLastStatus{TaskARN: taskARN, Containers: []ContainerStateChange{{
			Name: "api", HealthStatus: ecs.HealthStatusUnhealthy,
		}}}}, check: func(t *testing.T, s *Snapshot) {
			if got := s.Task(taskARN).HealthStatus; got != ecs.HealthStatusUnhealthy {
				t.Fatalf("task health = %s; want UNHEALTHY", got)
			}
		}},
		{name: "DeleteStopped", setup: []Op{stop, UpdateTaskLastStatus{TaskARN: taskARN, LastStatus: ecs.TaskStatusStopped}},
			ops: []Op{DeleteTask{taskARN}}, check: func(t *testing.T, s *Snapshot) {
				if s.Task(taskARN) != nil || len(s.ServiceTasks(serviceARN)) != 0 {
					t.Fatal("task still listed")
				}
			}},
	})
}

func TestTaskQueries(t *testing.T) {
	t.Parallel()
	st := newBaseStore(t)
	const dep2 = "ecs-svc/2222222222222222222"
	svc := ecstest.Service()
	svc.TaskDefinition = tdARN2
	svc.Deployments[0].Status = ecs.DeploymentStatusActive
	svc.Deployments = append([]ecs.Deployment{ecs.NewDeployment(dep2, tdARN2, 1, now)}, svc.Deployments...)
	other := taskN(9, tdARN1, "someone")
	other.Group = "family:api"
	mustApply(t, st,
		RegisterTaskDefinition{taskDefinition(2)},
		UpsertService{svc},
		UpsertTask{taskN(3, tdARN2, dep2)},
		UpsertTask{taskN(2, tdARN2, dep2)},
		UpsertTask{other},
		UpsertContainerInstance{ecstest.ContainerInstance(2)},
	)
	s := st.Snapshot()
	st2 := s.ServiceTasks(serviceARN)
	if len(st2) != 3 {
		t.Fatalf("service tasks = %d; want 3", len(st2))
	}
	byDep := st2.ByDeployment()
	if len(byDep[dep2]) != 2 || len(byDep[ecstest.DeploymentID]) != 1 {
		t.Fatalf("by deployment = %v", byDep)
	}
	byTD := st2.ByTaskDefinition()
	if len(byTD[tdARN2]) != 2 || len(byTD[tdARN1]) != 1 {
		t.Fatalf("by task definition = %v", byTD)
	}
	// ARN order: task IDs are ContainerInstanceID(n), zero-padded hex.
	all := s.Tasks(TaskFilter{ClusterARN: clusterARN})
	var ids []string
	for _, tk := range all {
		ids = append(ids, tk.ID())
	}
	want := []string{ecstest.ContainerInstanceID(2), ecstest.ContainerInstanceID(3), ecstest.ContainerInstanceID(9), ecstest.TaskID}
	for i := range want {
		if i >= len(ids) || ids[i] != want[i] {
			t.Fatalf("task order = %v; want %v", ids, want)
		}
	}
	page1 := s.Tasks(TaskFilter{ClusterARN: clusterARN, Page: Page{Limit: 3}})
	page2 := s.Tasks(TaskFilter{ClusterARN: clusterARN, Page: Page{After: page1[2].TaskARN, Limit: 3}})
	if len(page1) != 3 || len(page2) != 1 || page2[0].ID() != ecstest.TaskID {
		t.Fatalf("pages = %d + %d", len(page1), len(page2))
	}
	for _, tc := range []struct {
		name string
		f    TaskFilter
		want int
	}{
		{"running", TaskFilter{ClusterARN: clusterARN, LastStatus: ecs.TaskStatusRunning}, 1},
		{"pending", TaskFilter{LastStatus: ecs.TaskStatusPending}, 3},
		{"family", TaskFilter{Family: "api"}, 4},
		{"startedBy", TaskFilter{ClusterARN: clusterARN, StartedBy: dep2}, 2},
		{"instance", TaskFilter{ContainerInstanceARN: instanceARN}, 4},
		{"other instance", TaskFilter{ContainerInstanceARN: ecstest.ContainerInstance(2).ContainerInstanceARN}, 0},
		{"group", TaskFilter{ClusterARN: clusterARN, Group: "family:api"}, 1},
		{"desired stopped", TaskFilter{DesiredStatus: ecs.DesiredStatusStopped}, 0},
		{"other cluster", TaskFilter{ClusterARN: ecstest.Scope.ClusterARN("x")}, 0},
	} {
		if got := len(s.Tasks(tc.f)); got != tc.want {
			t.Errorf("%s: %d tasks; want %d", tc.name, got, tc.want)
		}
	}
	if got := s.ServiceTasks(ecstest.Scope.ServiceARN(ecstest.ClusterName, "nope")); got != nil {
		t.Fatalf("unknown service tasks = %v", got)
	}
	if got := len(st2.Live()); got != 3 {
		t.Fatalf("live = %d", got)
	}
}
