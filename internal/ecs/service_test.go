package ecs_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func TestServiceCanonicalize(t *testing.T) {
	s := &ecs.Service{ServiceName: "api", TaskDefinition: "api", DesiredCount: 1,
		LoadBalancers:     []ecs.LoadBalancer{{TargetGroupARN: tgARN, ContainerName: "api", ContainerPort: 3000}},
		PlacementStrategy: []ecs.PlacementStrategy{{Type: "binpack", Field: "MEMORY"}}}
	s.Canonicalize()
	b, err := json.Marshal(s.DeploymentConfiguration)
	if err != nil {
		t.Fatal(err)
	}
	// §9.2 defaults, with the disabled circuit breaker DescribeServices shows.
	if want := `{"deploymentCircuitBreaker":{"enable":false,"rollback":false},"maximumPercent":200,"minimumHealthyPercent":100}`; string(b) != want {
		t.Errorf("deploymentConfiguration = %s; want %s", b, want)
	}
	if s.Status != "ACTIVE" || s.LaunchType != "EC2" || s.SchedulingStrategy != "REPLICA" || s.DeploymentController.Type != "ECS" {
		t.Errorf("service = %+v", s)
	}
	if s.HealthCheckGracePeriodSeconds == nil || *s.HealthCheckGracePeriodSeconds != 0 {
		t.Errorf("grace period = %v; want 0 with a load balancer", s.HealthCheckGracePeriodSeconds)
	}
	if s.PlacementStrategy[0].Field != "memory" {
		t.Errorf("binpack field = %q; want memory", s.PlacementStrategy[0].Field)
	}
	if s.Group() != "service:api" {
		t.Errorf("Group = %q", s.Group())
	}
	zero := &ecs.Service{DeploymentConfiguration: ecs.DeploymentConfiguration{MinimumHealthyPercent: ptr(0)}}
	zero.Canonicalize()
	if *zero.DeploymentConfiguration.MinimumHealthyPercent != 0 || zero.HealthCheckGracePeriodSeconds != nil {
		t.Errorf("explicit 0 replaced or grace period set without load balancer: %+v", zero)
	}
}

var serviceValidateTests = []struct {
	name   string
	modify func(*ecs.Service)
	want   []string
}{
	{"OK", func(*ecs.Service) {}, nil},
	{"ErrName", func(s *ecs.Service) { s.ServiceName = "my api" },
		[]string{`Service name must match ^[a-zA-Z0-9\-_]{1,255}$, but was my api`}},
	{"ErrTaskDefinition", func(s *ecs.Service) { s.TaskDefinition = "" }, []string{"TaskDefinition can not be blank."}},
	{"ErrDesired", func(s *ecs.Service) { s.DesiredCount = -1 }, []string{"Desired count must be greater than or equal to 0."}},
	{"ErrStatus", func(s *ecs.Service) { s.Status = "GONE" }, []string{"Invalid service status: GONE"}},
	{"ErrLaunchType", func(s *ecs.Service) { s.LaunchType = "FARGATE" }, []string{"Launch type FARGATE is not supported by ecslocal. Use EC2."}},
	{"ErrDaemon", func(s *ecs.Service) { s.SchedulingStrategy = "DAEMON" }, []string{"Scheduling strategy DAEMON is not supported by ecslocal. Use REPLICA."}},
	{"ErrController", func(s *ecs.Service) { s.DeploymentController.Type = "CODE_DEPLOY" },
		[]string{"Deployment controller type CODE_DEPLOY is not supported by ecslocal. Use ECS."}},
	{"ErrPercents", func(s *ecs.Service) {
		s.DeploymentConfiguration.MinimumHealthyPercent = ptr(101)
		s.DeploymentConfiguration.MaximumPercent = ptr(99)
	}, []string{"minimumHealthyPercent must be between 0 and 100.", "maximumPercent must be greater than or equal to 100."}},
	{"ErrLoadBalancer", func(s *ecs.Service) {
		s.LoadBalancers = []ecs.LoadBalancer{{LoadBalancerName: "classic"}}
	}, []string{"Classic Load Balancers are not supported by ecslocal. Use targetGroupArn.", "Target group ARN can not be blank.",
		"Container Name can not be blank.", "Container port must be between 1 and 65535."}},
	{"ErrTooManyLoadBalancers", func(s *ecs.Service) {
		for range 5 {
			s.LoadBalancers = append(s.LoadBalancers, s.LoadBalancers[0])
		}
	}, []string{"The number of load balancers exceeds the maximum of 5."}},
	{"ErrGraceWithoutLoadBalancer", func(s *ecs.Service) { s.LoadBalancers = nil },
		[]string{"Health check grace period is only valid for services configured to use load balancers"}},
	{"ErrGraceNegative", func(s *ecs.Service) { s.HealthCheckGracePeriodSeconds = ptr(-1) },
		[]string{"healthCheckGracePeriodSeconds must be between 0 and 2147483647."}},
	{"ErrStrategies", func(s *ecs.Service) {
		s.PlacementStrategy = []ecs.PlacementStrategy{
			{Type: "random", Field: "cpu"}, {Type: "binpack", Field: "disk"}, {Type: "spread", Field: "zone"}, {Type: "pack"},
			ecs.SpreadAZ, {Type: "spread", Field: "instanceId"},
		}
	}, []string{"The number of placement strategies exceeds the maximum of 5.",
		"Placement strategy type random does not take a field.",
		"Invalid placement strategy field 'disk' for binpack. Valid values are cpu and memory.",
		"Invalid placement strategy field 'zone' for spread. Valid values are instanceId, host and attribute:<name>.",
		"Invalid placement strategy type 'pack'. Valid values are random, spread and binpack."}},
	{"ErrConstraints", func(s *ecs.Service) {
		s.PlacementConstraints = []ecs.PlacementConstraint{
			{Type: "distinctInstance"}, {Type: "distinctInstance", Expression: "x"}, {Type: "memberOf"},
			{Type: "memberOf", Expression: "attribute:ecs.instance-type =~ t2.*"}, {Type: "sameHost"},
		}
	}, []string{"Placement constraint type distinctInstance does not take an expression.",
		"Placement constraint type memberOf requires an expression.",
		"Invalid placement constraint type 'sameHost'. Valid values are distinctInstance and memberOf."}},
	{"ErrPropagateTags", func(s *ecs.Service) { s.PropagateTags = "ALL" },
		[]string{"Invalid propagateTags value: ALL. Valid values are TASK_DEFINITION, SERVICE and NONE."}},
	{"ErrDeploymentID", func(s *ecs.Service) { s.Deployments[0].ID = "ecs-svc/1" }, []string{"Invalid deployment ID: ecs-svc/1"}},
	{"ErrTags", func(s *ecs.Service) {
		s.Tags = []ecs.Tag{{Key: "aws:x", Value: "v"}, {Key: "a", Value: "1"}, {Key: "a", Value: "2"}}
	}, []string{"Tag keys beginning with 'aws:' are reserved for AWS use.", "Duplicate tag key 'a'."}},
}

func TestServiceValidate(t *testing.T) {
	for _, tt := range serviceValidateTests {
		t.Run(tt.name, func(t *testing.T) {
			s := ecstest.Service()
			tt.modify(s)
			err := s.Validate()
			if got := messages(err); !slices.Equal(got, tt.want) {
				t.Errorf("messages =\n%q\nwant\n%q", got, tt.want)
			}
			if err != nil && ecs.ErrorCode(err) != ecs.CodeInvalidParameterException {
				t.Errorf("code = %s", ecs.ErrorCode(err))
			}
		})
	}
}

func TestServiceValidateLoadBalancers(t *testing.T) {
	s := ecstest.Service()
	td := ecstest.TaskDefinition()
	if err := s.ValidateLoadBalancers(td); err != nil {
		t.Fatalf("reference: %v", err)
	}
	s.LoadBalancers = []ecs.LoadBalancer{
		{TargetGroupARN: tgARN, ContainerName: "web", ContainerPort: 80},
		{TargetGroupARN: tgARN, ContainerName: "api", ContainerPort: 8080},
	}
	want := []string{"The container web does not exist in the task definition.", "The container api did not have a container port 8080 defined."}
	if got := messages(s.ValidateLoadBalancers(td)); !slices.Equal(got, want) {
		t.Errorf("messages = %q; want %q", got, want)
	}
}

func TestDeploymentConfigurationBounds(t *testing.T) {
	// The §9.2 examples.
	for _, tt := range []struct {
		desired, min, max, lower, upper int
	}{
		{4, 50, 200, 2, 8},
		{2, 75, 200, 2, 4},
		{4, 100, 200, 4, 8},
		{3, 100, 125, 3, 3},
		{1, 100, 200, 1, 2},
		{0, 100, 200, 0, 0},
		{3, 0, 100, 0, 3},
	} {
		dc := ecs.DeploymentConfiguration{MinimumHealthyPercent: ptr(tt.min), MaximumPercent: ptr(tt.max)}
		lower, upper := dc.Bounds(tt.desired)
		if lower != tt.lower || upper != tt.upper {
			t.Errorf("desired %d min %d max %d: bounds %d, %d; want %d, %d", tt.desired, tt.min, tt.max, lower, upper, tt.lower, tt.upper)
		}
	}
}

func TestCircuitBreakerThreshold(t *testing.T) {
	for desired, want := range map[int]int{0: 3, 1: 3, 6: 3, 7: 4, 25: 13, 400: 200, 800: 200} {
		if got := ecs.CircuitBreakerThreshold(desired); got != want {
			t.Errorf("CircuitBreakerThreshold(%d) = %d; want %d", desired, got, want)
		}
	}
}

func TestDeploymentRollout(t *testing.T) {
	now := ecstest.Now
	d := ecs.NewDeployment("ecs-svc/8010098638150428715", "arn", 2, now)
	if d.Status != "PRIMARY" || d.RolloutState != "IN_PROGRESS" || d.RolloutStateReason != "ECS deployment ecs-svc/8010098638150428715 in progress." {
		t.Errorf("new deployment = %+v", d)
	}
	d.Complete(now.Add(time.Minute))
	if d.RolloutState != "COMPLETED" || d.RolloutStateReason != "ECS deployment ecs-svc/8010098638150428715 completed." || !d.UpdatedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("completed = %+v", d)
	}
	d.FailCircuitBreaker(now)
	if d.RolloutState != "FAILED" || d.RolloutStateReason != "ECS deployment circuit breaker: tasks failed to start." {
		t.Errorf("failed = %+v", d)
	}
	if got := ecs.RollbackReason("ecs-svc/1"); got != "ECS deployment circuit breaker: rolling back to deployment ecs-svc/1." {
		t.Errorf("RollbackReason = %q", got)
	}
}

func TestServiceDeploymentsAndEvents(t *testing.T) {
	s := ecstest.Service()
	if p := s.PrimaryDeployment(); p == nil || p.ID != ecstest.DeploymentID {
		t.Fatalf("PrimaryDeployment = %+v", p)
	}
	if s.Deployment("ecs-svc/0") != nil || s.Deployment(ecstest.DeploymentID) == nil {
		t.Error("Deployment lookup")
	}
	for i := range 105 {
		s.AddEvent(ecs.NewServiceEvent(string(rune('a'+i%26)), ecstest.Now.Add(time.Duration(i)*time.Second), "m"))
	}
	if len(s.Events) != ecs.MaxServiceEvents {
		t.Errorf("len(Events) = %d; want 100", len(s.Events))
	}
	if !s.Events[0].CreatedAt.Equal(ecstest.Now.Add(104 * time.Second)) {
		t.Errorf("newest event not first: %v", s.Events[0].CreatedAt)
	}
}

func TestServiceCopy(t *testing.T) {
	s := ecstest.Service()
	s.AddEvent(ecs.NewServiceEvent("e", ecstest.Now, "m"))
	s.PlacementStrategy = []ecs.PlacementStrategy{ecs.SpreadAZ}
	before, _ := json.Marshal(s)
	c := s.Copy()
	if !reflect.DeepEqual(c, s) {
		t.Fatal("Copy differs")
	}
	*c.DeploymentConfiguration.MaximumPercent = 1
	c.DeploymentConfiguration.DeploymentCircuitBreaker.Enable = true
	*c.HealthCheckGracePeriodSeconds = 9
	c.LoadBalancers[0].ContainerPort = 1
	c.Deployments[0].RunningCount = 9
	c.Events[0].Message = "x"
	c.PlacementStrategy[0].Field = "x"
	if after, _ := json.Marshal(s); string(before) != string(after) {
		t.Error("mutating the copy changed the original")
	}
}

// TestServiceJSON pins the DescribeServices member names of the reference
// service.
func TestServiceJSON(t *testing.T) {
	b, err := json.Marshal(ecstest.Service())
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
	want := []string{"clusterArn", "createdAt", "createdBy", "deploymentConfiguration", "deploymentController", "deployments",
		"desiredCount", "enableECSManagedTags", "enableExecuteCommand", "events", "healthCheckGracePeriodSeconds", "launchType",
		"loadBalancers", "pendingCount", "placementConstraints", "placementStrategy", "propagateTags", "runningCount", "schedulingStrategy",
		"serviceArn", "serviceName", "serviceRegistries", "status", "taskDefinition"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys =\n%v\nwant\n%v", keys, want)
	}
	lb := m["loadBalancers"].([]any)[0]
	if !reflect.DeepEqual(lb, map[string]any{"targetGroupArn": ecstest.TargetGroupARN, "containerName": "api", "containerPort": 3000.0}) {
		t.Errorf("loadBalancers[0] = %v", lb)
	}
	var back ecs.Service
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, ecstest.Service()) {
		t.Errorf("round trip differs:\n%+v", back)
	}
}
