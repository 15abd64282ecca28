package ecs_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

// transitionTable is the lifecycle of doc.go: row = from, the letters mark
// the statuses it may move to, in the order
// PROVISIONING PENDING ACTIVATING RUNNING DEACTIVATING STOPPING
// DEPROVISIONING STOPPED DELETED.
var transitionTable = map[ecs.TaskStatus]string{
	"":               "xx.......",
	"PROVISIONING":   ".x....xx.",
	"PENDING":        "..xx.xxx.",
	"ACTIVATING":     "...xxxxx.",
	"RUNNING":        "....xxxx.",
	"DEACTIVATING":   ".....xxx.",
	"STOPPING":       "......xx.",
	"DEPROVISIONING": ".......x.",
	"STOPPED":        "........x",
	"DELETED":        ".........",
	"UNKNOWN":        ".........",
}

func TestCanTransition(t *testing.T) {
	for from, row := range transitionTable {
		for i, to := range ecs.TaskStatuses {
			want := row[i] == 'x'
			if got := ecs.CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%q, %s) = %v; want %v", from, to, got, want)
			}
		}
		if ecs.CanTransition(from, "UNKNOWN") || ecs.CanTransition(from, "") {
			t.Errorf("CanTransition(%q, unknown or empty) = true", from)
		}
	}
}

// TestLifecycleForwardOnly checks the property behind the table: no
// transition goes backward, and STOPPED is reachable from every live status.
func TestLifecycleForwardOnly(t *testing.T) {
	for i, from := range ecs.TaskStatuses {
		for j, to := range ecs.TaskStatuses {
			if ecs.CanTransition(from, to) && j <= i {
				t.Errorf("%s → %s goes backward", from, to)
			}
		}
		if !from.Terminal() && !ecs.CanTransition(from, ecs.TaskStatusStopped) && from != ecs.TaskStatusStopped {
			t.Errorf("%s cannot reach STOPPED directly", from)
		}
	}
}

func TestCanTransitionContainer(t *testing.T) {
	allowed := map[[2]ecs.ContainerStatus]bool{
		{"", "PENDING"}:        true,
		{"PENDING", "RUNNING"}: true,
		{"PENDING", "STOPPED"}: true,
		{"RUNNING", "STOPPED"}: true,
	}
	all := []ecs.ContainerStatus{"", "PENDING", "RUNNING", "STOPPED"}
	for _, from := range all {
		for _, to := range all {
			if got := ecs.CanTransitionContainer(from, to); got != allowed[[2]ecs.ContainerStatus{from, to}] {
				t.Errorf("CanTransitionContainer(%q, %q) = %v", from, to, got)
			}
		}
	}
}

func TestTaskSetLastStatus(t *testing.T) {
	td := ecstest.TaskDefinition()
	t0 := ecstest.Now
	task := ecs.NewTask(td, ecs.NewTaskInput{TaskARN: ecstest.Scope.TaskARN("default", id32), Now: t0})
	steps := []struct {
		to ecs.TaskStatus
		at time.Duration
	}{
		{ecs.TaskStatusActivating, 1 * time.Second},
		{ecs.TaskStatusRunning, 2 * time.Second},
		{ecs.TaskStatusDeactivating, 3 * time.Second},
		{ecs.TaskStatusStopping, 4 * time.Second},
		{ecs.TaskStatusStopped, 5 * time.Second},
	}
	for _, s := range steps {
		if err := task.SetLastStatus(s.to, t0.Add(s.at)); err != nil {
			t.Fatalf("SetLastStatus(%s): %v", s.to, err)
		}
	}
	for name, tt := range map[string]struct {
		got  ecs.Timestamp
		want time.Duration
	}{
		"createdAt":          {task.CreatedAt, 0},
		"startedAt":          {task.StartedAt, 2 * time.Second},
		"stoppingAt":         {task.StoppingAt, 3 * time.Second},
		"executionStoppedAt": {task.ExecutionStoppedAt, 5 * time.Second},
		"stoppedAt":          {task.StoppedAt, 5 * time.Second},
	} {
		if !tt.got.Equal(t0.Add(tt.want)) {
			t.Errorf("%s = %v; want %v", name, tt.got.Time, t0.Add(tt.want))
		}
	}
	err := task.SetLastStatus(ecs.TaskStatusRunning, t0)
	if !errors.Is(err, ecs.ErrInvalidTransition) {
		t.Errorf("STOPPED → RUNNING: err = %v; want ErrInvalidTransition", err)
	}
	if !strings.Contains(err.Error(), "task "+id32+": STOPPED to RUNNING") {
		t.Errorf("err = %q", err)
	}
}

func TestTaskStatusPredicates(t *testing.T) {
	task := ecstest.Task()
	if task.ControlTerminal() || task.AgentTerminal() || task.Terminal() {
		t.Fatal("running task is terminal")
	}
	if !task.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser) {
		t.Fatal("Stop = false")
	}
	// §8.1: desired STOPPED while the agent still reports RUNNING.
	if !task.ControlTerminal() || task.AgentTerminal() || !task.Terminal() {
		t.Errorf("after Stop: control %v agent %v", task.ControlTerminal(), task.AgentTerminal())
	}
	if task.Stop(ecs.StopCodeServiceSchedulerInitiated, "later") {
		t.Error("second Stop = true")
	}
	if task.StopCode != ecs.StopCodeUserInitiated || task.StoppedReason != "Task stopped by user" {
		t.Errorf("first stop did not win: %s %q", task.StopCode, task.StoppedReason)
	}
	if err := task.SetLastStatus(ecs.TaskStatusStopped, ecstest.Now); err != nil {
		t.Fatal(err)
	}
	if !task.AgentTerminal() {
		t.Error("AgentTerminal = false after STOPPED")
	}
	if !ecs.DesiredStatusStopped.Terminal() || ecs.DesiredStatusRunning.Terminal() {
		t.Error("DesiredStatus.Terminal")
	}
}

func TestStoppedReasons(t *testing.T) {
	if got := ecs.StoppedReasonScaling("ecs-svc/8709920613704280865"); got != "Scaling activity initiated by (deployment ecs-svc/8709920613704280865)" {
		t.Errorf("StoppedReasonScaling = %q", got)
	}
	tg := "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef"
	if got := ecs.StoppedReasonELBHealthChecks(tg); got != "Task failed ELB health checks in (target-group "+tg+")" {
		t.Errorf("StoppedReasonELBHealthChecks = %q", got)
	}
}

func TestTaskHealth(t *testing.T) {
	td := ecstest.TaskDefinition()
	td.ContainerDefinitions = append(td.ContainerDefinitions, ecs.ContainerDefinition{Name: "side", Image: "s", Memory: ptr(8), Essential: ptr(false)})
	task := ecs.NewTask(td, ecs.NewTaskInput{})
	for _, tt := range []struct {
		api, side, want ecs.HealthStatus
	}{
		{"UNKNOWN", "UNKNOWN", "UNKNOWN"},
		{"HEALTHY", "UNHEALTHY", "HEALTHY"}, // non-essential containers don't count
		{"UNHEALTHY", "HEALTHY", "UNHEALTHY"},
		{"UNKNOWN", "HEALTHY", "UNKNOWN"},
	} {
		task.Containers[0].HealthStatus, task.Containers[1].HealthStatus = tt.api, tt.side
		if got := task.ComputeHealthStatus(td); got != tt.want {
			t.Errorf("api %s side %s: health = %s; want %s", tt.api, tt.side, got, tt.want)
		}
	}
}

func TestNewTask(t *testing.T) {
	task := ecstest.Task()
	if err := task.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if task.Group != "service:api" || task.StartedBy != ecstest.DeploymentID || task.LaunchType != "EC2" || task.Version != 1 {
		t.Errorf("task = %+v", task)
	}
	if hp, ok := task.HostPort("api", 3000); !ok || hp != 32768 {
		t.Errorf("HostPort = %d, %v", hp, ok)
	}
	if _, ok := task.HostPort("api", 3001); ok {
		t.Error("HostPort of unmapped port")
	}
	if task.ID() != ecstest.TaskID {
		t.Errorf("ID = %s", task.ID())
	}
	c := task.Containers[0]
	if c.CPU != "256" || c.Memory != "256" || c.MemoryReservation != "" || c.LastStatus != "RUNNING" {
		t.Errorf("container = %+v", c)
	}
	runTask := ecs.NewTask(ecstest.TaskDefinition(), ecs.NewTaskInput{})
	if runTask.Group != "family:api" {
		t.Errorf("default group = %q; want family:api", runTask.Group)
	}
}

// TestTaskJSON pins the wire shape of a task: member names and the
// members that are always present.
func TestTaskJSON(t *testing.T) {
	b, err := json.Marshal(ecstest.Task())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"availabilityZone", "clusterArn", "containerInstanceArn", "containers", "createdAt", "desiredStatus",
		"enableExecuteCommand", "group", "healthStatus", "lastStatus", "launchType", "overrides", "startedAt", "startedBy",
		"taskArn", "taskDefinitionArn", "version"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys =\n%v\nwant\n%v", keys, want)
	}
	nb := m["containers"].([]any)[0].(map[string]any)["networkBindings"].([]any)[0]
	if !reflect.DeepEqual(nb, map[string]any{"bindIP": "0.0.0.0", "containerPort": 3000.0, "hostPort": 32768.0, "protocol": "tcp"}) {
		t.Errorf("networkBindings[0] = %v", nb)
	}
	var back ecs.Task
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, ecstest.Task()) {
		t.Errorf("round trip:\n%+v\nwant\n%+v", back, *ecstest.Task())
	}
}

var taskValidateTests = []struct {
	name   string
	modify func(*ecs.Task)
	want   []string
}{
	{"OK", func(*ecs.Task) {}, nil},
	{"ErrARNs", func(tk *ecs.Task) { tk.TaskARN, tk.ClusterARN, tk.TaskDefinitionARN = "x", "y", "z" },
		[]string{"Invalid task ARN: x", "Invalid cluster ARN: y", "Invalid task definition ARN: z"}},
	{"ErrDesired", func(tk *ecs.Task) { tk.DesiredStatus = "PENDING" }, []string{"Invalid desired status: PENDING"}},
	{"ErrLast", func(tk *ecs.Task) { tk.LastStatus = "BOOTING" }, []string{"Invalid last status: BOOTING"}},
	{"ErrLaunchType", func(tk *ecs.Task) { tk.LaunchType = "FARGATE" }, []string{"Invalid launch type: FARGATE. ecslocal supports EC2 only."}},
	{"ErrStopCode", func(tk *ecs.Task) { tk.StopCode = "Oops" }, []string{"Invalid stop code: Oops"}},
	{"ErrStartedBy", func(tk *ecs.Task) { tk.StartedBy = "me!" },
		[]string{"startedBy must be at most 128 letters, numbers, hyphens, forward slashes and underscores."}},
	{"ErrStoppedButDesiredRunning", func(tk *ecs.Task) { tk.LastStatus = "STOPPED" },
		[]string{"Task " + ecstest.TaskID + " is STOPPED but its desired status is RUNNING."}},
	{"ErrContainer", func(tk *ecs.Task) {
		tk.Containers[0].LastStatus = "DEAD"
		tk.Containers[0].Reason = strings.Repeat("x", 1025)
	}, []string{"Invalid container status: DEAD", "Container reason exceeds 1024 characters."}},
	{"ErrExitCodeWhileRunning", func(tk *ecs.Task) { tk.Containers[0].ExitCode = ptr(0) },
		[]string{"Container api has an exit code but is RUNNING."}},
}

func TestTaskValidate(t *testing.T) {
	for _, tt := range taskValidateTests {
		t.Run(tt.name, func(t *testing.T) {
			task := ecstest.Task()
			tt.modify(task)
			if got := messages(task.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("messages =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestTaskCanonicalize(t *testing.T) {
	task := &ecs.Task{Containers: []ecs.Container{{Name: "a"}}}
	task.Canonicalize()
	if task.DesiredStatus != "RUNNING" || task.LastStatus != "PENDING" || task.LaunchType != "EC2" || task.HealthStatus != "UNKNOWN" ||
		task.Containers[0].LastStatus != "PENDING" || task.Containers[0].NetworkBindings == nil || task.Overrides.ContainerOverrides == nil {
		t.Errorf("Canonicalize = %+v", task)
	}
}

func TestTaskCopy(t *testing.T) {
	task := ecstest.Task()
	task.Containers[0].ExitCode = ptr(0)
	task.Overrides.ContainerOverrides[0].Command = []string{"a"}
	task.Tags = []ecs.Tag{{Key: "k", Value: "v"}}
	before, _ := json.Marshal(task)
	c := task.Copy()
	if !reflect.DeepEqual(c, task) {
		t.Fatal("Copy differs")
	}
	*c.Containers[0].ExitCode = 1
	c.Containers[0].NetworkBindings[0].HostPort = 1
	c.Overrides.ContainerOverrides[0].Command[0] = "b"
	c.Tags[0].Value = "x"
	if after, _ := json.Marshal(task); string(before) != string(after) {
		t.Errorf("mutating the copy changed the original")
	}
}
