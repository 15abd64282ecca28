package ecs_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func ptr[T any](v T) *T { return &v }

func readJSON(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameJSON reports whether a and b hold the same JSON value.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("unmarshal %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// TestTaskDefinitionCLIInputRoundTrip decodes the JSON `aws ecs
// register-task-definition --cli-input-json` takes and encodes it back
// unchanged: every member name is the API's.
func TestTaskDefinitionCLIInputRoundTrip(t *testing.T) {
	for _, name := range []string{"register-task-definition.json", "register-task-definition-full.json"} {
		t.Run(name, func(t *testing.T) {
			in := readJSON(t, name)
			dec := json.NewDecoder(bytes.NewReader(in))
			dec.DisallowUnknownFields()
			var td ecs.TaskDefinition
			if err := dec.Decode(&td); err != nil {
				t.Fatalf("decode: %v", err)
			}
			out, err := json.Marshal(&td)
			if err != nil {
				t.Fatal(err)
			}
			if !sameJSON(t, in, out) {
				t.Errorf("round trip changed the document:\n got %s\nwant %s", out, in)
			}
			td.Canonicalize()
			if err := td.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

// TestTaskDefinitionReference checks the CLI input decodes to exactly the
// ecstest reference (before registration sets the ECS-written members),
// and the registered form against a golden DescribeTaskDefinition body.
func TestTaskDefinitionReference(t *testing.T) {
	var td ecs.TaskDefinition
	if err := json.Unmarshal(readJSON(t, "register-task-definition.json"), &td); err != nil {
		t.Fatal(err)
	}
	td.Canonicalize()
	want := ecstest.TaskDefinition()
	want.TaskDefinitionARN, want.Revision, want.RegisteredAt = "", 0, ecs.Timestamp{}
	want.RequiresCompatibilities = []ecs.Compatibility{ecs.CompatibilityEC2}
	if !reflect.DeepEqual(&td, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", td, *want)
	}

	registered := ecstest.TaskDefinition()
	registered.RequiresCompatibilities = []ecs.Compatibility{ecs.CompatibilityEC2}
	got, err := json.MarshalIndent(registered, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "describe-task-definition.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !sameJSON(t, got, readJSON(t, "describe-task-definition.golden.json")) {
		t.Errorf("registered task definition =\n%s\nwant %s (run with -update to accept)", got, golden)
	}
}

func TestTaskDefinitionCanonicalize(t *testing.T) {
	td := &ecs.TaskDefinition{
		Family: "f",
		CPU:    "1 vCPU",
		Memory: "2GB",
		ContainerDefinitions: []ecs.ContainerDefinition{{
			Name: "a", Image: "a", Memory: ptr(64),
			PortMappings: []ecs.PortMapping{{ContainerPort: 80}},
			HealthCheck:  &ecs.HealthCheck{Command: []string{"CMD", "true"}},
		}},
	}
	td.Canonicalize()
	cd := td.ContainerDefinitions[0]
	switch {
	case td.NetworkMode != ecs.NetworkModeBridge:
		t.Errorf("NetworkMode = %q; want bridge", td.NetworkMode)
	case td.Status != ecs.TaskDefinitionStatusActive:
		t.Errorf("Status = %q; want ACTIVE", td.Status)
	case td.CPU != "1024" || td.Memory != "2048":
		t.Errorf("CPU, Memory = %q, %q; want 1024, 2048", td.CPU, td.Memory)
	case !cd.IsEssential() || cd.Essential == nil:
		t.Errorf("Essential = %v; want true", cd.Essential)
	case cd.PortMappings[0].Protocol != ecs.TransportProtocolTCP || cd.PortMappings[0].HostPort != 0:
		t.Errorf("PortMapping = %+v; want tcp, hostPort 0 (dynamic in bridge mode)", cd.PortMappings[0])
	case cd.HealthCheck.Interval != 30 || cd.HealthCheck.Timeout != 5 || cd.HealthCheck.Retries != 3 || cd.HealthCheck.StartPeriod != nil:
		t.Errorf("HealthCheck = %+v; want interval 30, timeout 5, retries 3", *cd.HealthCheck)
	case !slices.Equal(td.Compatibilities, []ecs.Compatibility{"EXTERNAL", "EC2"}):
		t.Errorf("Compatibilities = %v", td.Compatibilities)
	case td.Volumes == nil || td.PlacementConstraints == nil || cd.Environment == nil || cd.MountPoints == nil || cd.VolumesFrom == nil:
		t.Errorf("empty lists not set: %+v", td)
	}

	host := &ecs.TaskDefinition{Family: "h", NetworkMode: ecs.NetworkModeHost, ContainerDefinitions: []ecs.ContainerDefinition{{
		Name: "a", Image: "a", Memory: ptr(64), PortMappings: []ecs.PortMapping{{ContainerPort: 80}},
	}}}
	host.Canonicalize()
	if hp := host.ContainerDefinitions[0].PortMappings[0].HostPort; hp != 80 {
		t.Errorf("host mode HostPort = %d; want 80 (= containerPort)", hp)
	}
	if err := host.Validate(); err != nil {
		t.Errorf("host mode Validate: %v", err)
	}
}

// validTD returns a canonical valid task definition for the Validate cases
// to break.
func validTD() *ecs.TaskDefinition { return ecstest.TaskDefinition() }

var taskDefinitionValidateTests = []struct {
	name   string
	modify func(td *ecs.TaskDefinition)
	want   []string // every message, in order
}{
	{"OK", func(td *ecs.TaskDefinition) {}, nil},
	{"ErrFamilyEmpty", func(td *ecs.TaskDefinition) { td.Family = "" },
		[]string{"Family can not be blank."}},
	{"ErrFamilyChars", func(td *ecs.TaskDefinition) { td.Family = "my app" },
		[]string{"Family contains invalid characters."}},
	{"ErrFamilyTooLong", func(td *ecs.TaskDefinition) { td.Family = strings.Repeat("a", 256) },
		[]string{"Family contains invalid characters."}},
	{"ErrNetworkModeAWSVPC", func(td *ecs.TaskDefinition) { td.NetworkMode = ecs.NetworkModeAWSVPC },
		[]string{"Network mode 'awsvpc' is not supported by ecslocal."}},
	{"ErrNetworkModeUnknown", func(td *ecs.TaskDefinition) { td.NetworkMode = "nat" },
		[]string{"Invalid networkMode: nat. Valid values are bridge, host, awsvpc and none."}},
	{"ErrFargate", func(td *ecs.TaskDefinition) { td.RequiresCompatibilities = []ecs.Compatibility{"FARGATE"} },
		[]string{"Task definition does not support launch_type FARGATE: ecslocal runs the EC2 launch type only."}},
	{"ErrCompatibility", func(td *ecs.TaskDefinition) { td.RequiresCompatibilities = []ecs.Compatibility{"MOON"} },
		[]string{"Invalid requiresCompatibilities value: MOON."}},
	{"ErrTaskCPU", func(td *ecs.TaskDefinition) { td.CPU = "64" },
		[]string{"Invalid 'cpu' setting for task. The task cpu must be between 128 and 10240 CPU units."}},
	{"ErrTaskMemory", func(td *ecs.TaskDefinition) { td.Memory = "lots" },
		[]string{"Invalid 'memory' setting for task. The task memory must be at least 6 MiB."}},
	{"ErrNoContainers", func(td *ecs.TaskDefinition) { td.ContainerDefinitions = nil },
		[]string{"Container list cannot be empty."}},
	{"ErrDuplicateNames", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions = append(td.ContainerDefinitions, *td.ContainerDefinitions[0].Copy())
		td.ContainerDefinitions[1].PortMappings = []ecs.PortMapping{}
	}, []string{"Container names must be unique within a Task Definition."}},
	{"ErrNoEssential", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].Essential = ptr(false) },
		[]string{"Task definition must have at least one essential container."}},
	{"ErrContainerNameEmpty", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].Name = "" },
		[]string{"Container.name should not be null or empty."}},
	{"ErrContainerNameChars", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].Name = "a.b" },
		[]string{"Container.name contains invalid characters."}},
	{"ErrImageEmpty", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].Image = "" },
		[]string{"Container.image should not be null or empty."}},
	{"ErrImageChars", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].Image = "api v1" },
		[]string{"Container.image contains invalid characters."}},
	{"ErrContainerCPU", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].CPU = -1 },
		[]string{"Invalid 'cpu' setting for container 'api'. The value cannot be negative."}},
	{"ErrNoMemory", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].Memory = nil },
		[]string{"Invalid setting for container 'api'. At least one of 'memory' or 'memoryReservation' must be specified."}},
	{"OKTaskMemoryOnly", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions[0].Memory = nil
		td.Memory = "512"
	}, nil},
	{"OKReservationOnly", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions[0].Memory = nil
		td.ContainerDefinitions[0].MemoryReservation = ptr(128)
	}, nil},
	{"ErrMemoryTooSmall", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].Memory = ptr(4) },
		[]string{"Invalid 'memory' setting for container 'api'. The memory hard limit must be at least 6 MiB."}},
	{"ErrReservationTooSmall", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].MemoryReservation = ptr(2) },
		[]string{"Invalid 'memoryReservation' setting for container 'api'. The memory reservation must be at least 6 MiB."}},
	{"OKMemoryEqualsReservation", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].MemoryReservation = ptr(256) }, nil},
	{"ErrMemoryBelowReservation", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].MemoryReservation = ptr(257) },
		[]string{"Invalid setting for container 'api'. 'memory' must be greater than or equal to 'memoryReservation'."}},
	{"ErrContainerMemoryAboveTask", func(td *ecs.TaskDefinition) { td.Memory = "128" }, []string{
		"Invalid 'memory' setting for container 'api'. The container memory (256) is greater than the task memory (128).",
		"The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'.",
	}},
	{"ErrCPUSumAboveTask", func(td *ecs.TaskDefinition) { td.CPU = "128" },
		[]string{"The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."}},
	{"ErrContainerPort", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].PortMappings[0].ContainerPort = 0 },
		[]string{"Invalid 'containerPort' setting for container 'api'."}},
	{"ErrHostPort", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].PortMappings[0].HostPort = 70000 },
		[]string{"Invalid 'hostPort' setting for container 'api'. The port must be between 0 and 65535."}},
	{"ErrProtocol", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].PortMappings[0].Protocol = "sctp" },
		[]string{"Invalid 'protocol' setting for container 'api'. Valid values are tcp and udp."}},
	{"ErrPortRange", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions[0].PortMappings[0].ContainerPortRange = "8000-8010"
	},
		[]string{"Invalid 'portMappings' setting for container 'api'. containerPortRange is not supported by ecslocal."}},
	{"ErrHostModePorts", func(td *ecs.TaskDefinition) {
		td.NetworkMode = ecs.NetworkModeHost
		td.ContainerDefinitions[0].PortMappings[0].HostPort = 80
	}, []string{"When networkMode=host, the host ports and container ports in port mappings must match."}},
	{"ErrNoneModePorts", func(td *ecs.TaskDefinition) { td.NetworkMode = ecs.NetworkModeNone },
		[]string{"Port mappings are not supported when networkMode=none."}},
	{"ErrHostPortConflict", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions[0].PortMappings = []ecs.PortMapping{
			{ContainerPort: 3000, HostPort: 80, Protocol: "tcp"},
			{ContainerPort: 3001, HostPort: 80, Protocol: "tcp"},
			{ContainerPort: 3002, HostPort: 80, Protocol: "udp"},
		}
	}, []string{"Host port 80/tcp is used by more than one port mapping in the task definition."}},
	{"ErrLinksHostMode", func(td *ecs.TaskDefinition) {
		td.NetworkMode = ecs.NetworkModeHost
		td.ContainerDefinitions[0].PortMappings = []ecs.PortMapping{}
		td.ContainerDefinitions = append(td.ContainerDefinitions, ecs.ContainerDefinition{Name: "db", Image: "db", Memory: ptr(64), Links: []string{"api"}})
	}, []string{"Links are not supported when networkMode=host."}},
	{"ErrLinkUnknown", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].Links = []string{"db:database"} },
		[]string{"Container 'api' links to 'db', which is not another container of the task definition."}},
	{"ErrLinkSyntax", func(td *ecs.TaskDefinition) { td.ContainerDefinitions[0].Links = []string{"db:data base"} },
		[]string{"Invalid link 'db:data base' in container 'api'. Links must be name or name:alias of up to 255 letters, numbers, hyphens, and underscores."}},
	{"ErrDependsOnUnknown", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions[0].DependsOn = []ecs.ContainerDependency{{ContainerName: "init", Condition: "START"}}
	}, []string{"Cannot depend on container + 'init' because it does not exist"}},
	{"ErrDependsOnCondition", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions = append(td.ContainerDefinitions, ecs.ContainerDefinition{Name: "init", Image: "init", Memory: ptr(8), Essential: ptr(false)})
		td.ContainerDefinitions[0].DependsOn = []ecs.ContainerDependency{{ContainerName: "init", Condition: "DONE"}}
	}, []string{"Invalid dependsOn condition 'DONE'. Valid values are START, COMPLETE, SUCCESS and HEALTHY."}},
	{"ErrDependsOnEssentialComplete", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions = append(td.ContainerDefinitions, ecs.ContainerDefinition{Name: "init", Image: "init", Memory: ptr(8), Essential: ptr(true)})
		td.ContainerDefinitions[0].DependsOn = []ecs.ContainerDependency{{ContainerName: "init", Condition: "SUCCESS"}}
	}, []string{"Invalid dependsOn condition SUCCESS on container 'init': the container is essential."}},
	{"OKDependsOnSuccess", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions = append(td.ContainerDefinitions, ecs.ContainerDefinition{Name: "init", Image: "init", Memory: ptr(8), Essential: ptr(false)})
		td.ContainerDefinitions[0].DependsOn = []ecs.ContainerDependency{{ContainerName: "init", Condition: "SUCCESS"}}
	}, nil},
	{"ErrMountUnknownVolume", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions[0].MountPoints = []ecs.MountPoint{{SourceVolume: "data", ContainerPath: "/data"}}
	}, []string{"Invalid 'mountPoints' setting for container 'api'. Unknown volume 'data'."}},
	{"ErrVolumesFromUnknown", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions[0].VolumesFrom = []ecs.VolumeFrom{{SourceContainer: "data"}}
	}, []string{"Invalid 'volumesFrom' setting for container 'api'. Unknown container 'data'."}},
	{"ErrVolumeName", func(td *ecs.TaskDefinition) { td.Volumes = []ecs.Volume{{Name: "a b"}} },
		[]string{"Volume name 'a b' is invalid. Up to 255 letters, numbers, hyphens, and underscores are allowed."}},
	{"ErrVolumeDuplicate", func(td *ecs.TaskDefinition) { td.Volumes = []ecs.Volume{{Name: "v"}, {Name: "v"}} },
		[]string{"Volume names must be unique within a Task Definition."}},
	{"ErrTimeouts", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions[0].StartTimeout = ptr(-1)
		td.ContainerDefinitions[0].StopTimeout = ptr(-1)
	}, []string{
		"Invalid 'startTimeout' setting for container 'api'. The value cannot be negative.",
		"Invalid 'stopTimeout' setting for container 'api'. The value cannot be negative.",
	}},
	{"ErrLogDriver", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions[0].LogConfiguration = &ecs.LogConfiguration{LogDriver: "file"}
	}, []string{"Invalid logDriver 'file' for container 'api'. Valid values are json-file, syslog, journald, gelf, fluentd, awslogs, splunk, awsfirelens."}},
	{"ErrHealthCheck", func(td *ecs.TaskDefinition) {
		td.ContainerDefinitions[0].HealthCheck = &ecs.HealthCheck{Command: []string{"curl"}, Interval: 1, Timeout: 61, Retries: 11, StartPeriod: ptr(301)}
	}, []string{
		"Invalid 'healthCheck' setting for container 'api'. The command must start with CMD or CMD-SHELL.",
		"Invalid 'healthCheck' setting for container 'api'. interval must be between 5 and 300.",
		"Invalid 'healthCheck' setting for container 'api'. timeout must be between 2 and 60.",
		"Invalid 'healthCheck' setting for container 'api'. retries must be between 1 and 10.",
		"Invalid 'healthCheck' setting for container 'api'. startPeriod must be between 0 and 300.",
	}},
	{"ErrDistinctInstance", func(td *ecs.TaskDefinition) {
		td.PlacementConstraints = []ecs.PlacementConstraint{{Type: "distinctInstance"}}
	}, []string{"The placement constraint type distinctInstance is not supported in task definitions. Only memberOf is allowed."}},
	{"ErrMemberOfExpression", func(td *ecs.TaskDefinition) {
		td.PlacementConstraints = []ecs.PlacementConstraint{{Type: "memberOf", Expression: "attribute:x =="}}
	}, []string{"Invalid expression 'attribute:x ==': missing value."}},
	{"ErrTooManyConstraints", func(td *ecs.TaskDefinition) {
		for range 11 {
			td.PlacementConstraints = append(td.PlacementConstraints, ecs.PlacementConstraint{Type: "memberOf", Expression: "agentConnected == true"})
		}
	}, []string{"The number of placement constraints exceeds the maximum of 10."}},
	{"ErrTags", func(td *ecs.TaskDefinition) { td.Tags = []ecs.Tag{{Key: "", Value: "x"}} },
		[]string{"Tag keys must be between 1 and 128 characters."}},
}

func TestTaskDefinitionValidate(t *testing.T) {
	for _, tt := range taskDefinitionValidateTests {
		t.Run(tt.name, func(t *testing.T) {
			td := validTD()
			tt.modify(td)
			td.Canonicalize()
			err := td.Validate()
			got := messages(err)
			if !slices.Equal(got, tt.want) {
				t.Errorf("messages =\n%q\nwant\n%q", got, tt.want)
			}
			if err != nil && ecs.ErrorCode(err) != ecs.CodeClientException {
				t.Errorf("code = %s; want ClientException", ecs.ErrorCode(err))
			}
		})
	}
}

// messages returns the message of every *ecs.Error joined in err.
func messages(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	var walk func(error)
	walk = func(err error) {
		if e, ok := err.(*ecs.Error); ok {
			out = append(out, e.Message)
			return
		}
		if u, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

func TestTaskDefinitionReservations(t *testing.T) {
	td := validTD()
	if got := td.CPUUnits(); got != 256 {
		t.Errorf("CPUUnits = %d; want 256", got)
	}
	if got := td.MemoryMiB(); got != 256 {
		t.Errorf("MemoryMiB = %d; want 256", got)
	}
	td.ContainerDefinitions[0].MemoryReservation = ptr(128)
	td.ContainerDefinitions = append(td.ContainerDefinitions, ecs.ContainerDefinition{Name: "b", Image: "b", CPU: 100, Memory: ptr(64)})
	if got := td.MemoryMiB(); got != 128+64 {
		t.Errorf("MemoryMiB = %d; want 192 (reservation if set, else memory)", got)
	}
	if got := td.CPUUnits(); got != 356 {
		t.Errorf("CPUUnits = %d; want 356", got)
	}
	td.CPU, td.Memory = "1024", "2048"
	if td.CPUUnits() != 1024 || td.MemoryMiB() != 2048 {
		t.Errorf("task-level values not preferred: %d, %d", td.CPUUnits(), td.MemoryMiB())
	}
	if got := td.FamilyRevision(); got != "api:1" {
		t.Errorf("FamilyRevision = %q", got)
	}
}

func TestTaskDefinitionCopy(t *testing.T) {
	var td ecs.TaskDefinition
	if err := json.Unmarshal(readJSON(t, "register-task-definition-full.json"), &td); err != nil {
		t.Fatal(err)
	}
	td.Canonicalize()
	c := td.Copy()
	if !reflect.DeepEqual(&td, c) {
		t.Fatalf("Copy differs")
	}
	// Mutate every reference of the copy; the original must not change.
	before, _ := json.Marshal(&td)
	cd := &c.ContainerDefinitions[0]
	*cd.Memory = 1
	*cd.Essential = false
	cd.PortMappings[0].HostPort = 1
	cd.Environment[0].Value = "x"
	cd.Command[0] = "x"
	*cd.MountPoints[0].ReadOnly = false
	cd.DockerLabels["team"] = "x"
	cd.LogConfiguration.Options["awslogs-group"] = "x"
	c.ContainerDefinitions[1].HealthCheck.Command[0] = "x"
	*c.ContainerDefinitions[1].HealthCheck.StartPeriod = 0
	c.Volumes[0].Host.SourcePath = "x"
	c.PlacementConstraints[0].Expression = "x"
	c.Tags[0].Value = "x"
	after, _ := json.Marshal(&td)
	if !bytes.Equal(before, after) {
		t.Errorf("mutating the copy changed the original:\n%s\n%s", before, after)
	}
	if (*ecs.TaskDefinition)(nil).Copy() != nil {
		t.Error("nil Copy")
	}
}

func TestTaskDefinitionRegister(t *testing.T) {
	td := &ecs.TaskDefinition{Family: "api"}
	td.Canonicalize()
	arn := ecstest.Scope.TaskDefinitionARN("api", 4)
	td.Register(arn, 4, ecstest.Now)
	if td.TaskDefinitionARN != arn || td.Revision != 4 || !td.Active() || !td.RegisteredAt.Equal(ecstest.Now) {
		t.Errorf("Register = %+v", td)
	}
	later := ecstest.Now.Add(time.Hour)
	td.Deregister(later)
	if td.Active() || td.Status != ecs.TaskDefinitionStatusInactive || !td.DeregisteredAt.Equal(later) {
		t.Errorf("Deregister = %+v", td)
	}
}

func TestStopGracePeriod(t *testing.T) {
	cd := ecstest.TaskDefinition().ContainerDefinitions[0]
	if got := cd.StopGracePeriod(); got != 30*time.Second {
		t.Errorf("default = %v; want 30s", got)
	}
	cd.StopTimeout = ptr(2)
	if got := cd.StopGracePeriod(); got != 2*time.Second {
		t.Errorf("stopTimeout 2 = %v", got)
	}
}
