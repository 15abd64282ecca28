package deploy

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb/control"
)

const albTemplate = `
Parameters:
  Idle:
    Type: String
    Default: "60"
  Priority:
    Type: Number
    Default: 10
  Path:
    Type: String
    Default: /health
Resources:
  LB:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      LoadBalancerAttributes:
        - Key: idle_timeout.timeout_seconds
          Value: !Ref Idle
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref LB
      Port: "8080"
      Protocol: HTTP
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref TG
  TG:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 80
      Protocol: HTTP
      VpcId: vpc-1
      HealthCheckPath: !Ref Path
      TargetGroupAttributes:
        - Key: deregistration_delay.timeout_seconds
          Value: "5"
  Rule:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref Listener
      Priority: !Ref Priority
      Conditions:
        - Field: path-pattern
          Values: [/api/*]
      Actions:
        - Type: forward
          TargetGroupArn: !Ref TG
Outputs:
  LBName:
    Value: !GetAtt LB.LoadBalancerName
  FullName:
    Value: !GetAtt LB.LoadBalancerFullName
  Zone:
    Value: !GetAtt LB.CanonicalHostedZoneID
  TGFull:
    Value: !GetAtt TG.TargetGroupFullName
  TGLBs:
    Value: !Join [",", !GetAtt TG.LoadBalancerArns]
  Rule:
    Value: !GetAtt Rule.RuleArn
`

func TestELBHandlersUpdateInPlace(t *testing.T) {
	t.Parallel()
	h := newRefHarness(t)
	ctx := context.Background()
	st := h.create(t, "alb", albTemplate)
	if st.StackStatus != StackStatusCreateComplete {
		t.Fatalf("%s %s\n%s", st.StackStatus, st.StackStatusReason, strings.Join(h.events(t, "alb"), "\n"))
	}
	out := outputs(st)
	lbARN := func() string { r, _ := h.DescribeStackResource(ctx, "alb", "LB"); return r.PhysicalResourceID }()
	if !regexp.MustCompile(`^alb-LB-[A-Z0-9]{12}$`).MatchString(out["LBName"]) || out["FullName"] != strings.SplitN(lbARN, ":loadbalancer/", 2)[1] ||
		out["Zone"] != "Z35SXDOTRQ7X7K" || !strings.HasPrefix(out["TGFull"], "targetgroup/alb-TG-") || out["TGLBs"] != lbARN {
		t.Errorf("outputs %v (lb %s)", out, lbARN)
	}
	if _, err := h.UpdateStack(ctx, &UpdateStackInput{StackName: "alb", UsePreviousTemplate: true, Parameters: []Parameter{
		{ParameterKey: "Idle", ParameterValue: "15"}, {ParameterKey: "Priority", ParameterValue: "20"}, {ParameterKey: "Path", ParameterValue: "/ready"},
	}}); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(t, "alb"); st.StackStatus != StackStatusUpdateComplete {
		t.Fatalf("%s %s", st.StackStatus, st.StackStatusReason)
	}
	lbs, _ := h.elb.DescribeLoadBalancers(ctx, &control.DescribeLoadBalancersInput{LoadBalancerARNs: []string{lbARN}})
	if got := lbs.LoadBalancers[0].Attributes.IdleTimeoutSeconds; got != 15 {
		t.Errorf("idle timeout %d; want 15", got)
	}
	rules, _ := h.elb.DescribeRules(ctx, &control.DescribeRulesInput{RuleARNs: []string{out["Rule"]}})
	if rules.Rules[0].Priority != 20 {
		t.Errorf("priority %d; want 20", rules.Rules[0].Priority)
	}
	r, _ := h.DescribeStackResource(ctx, "alb", "TG")
	tgs, _ := h.elb.DescribeTargetGroups(ctx, &control.DescribeTargetGroupsInput{TargetGroupARNs: []string{r.PhysicalResourceID}})
	if tgs.TargetGroups[0].HealthCheck.HealthCheckPath != "/ready" {
		t.Errorf("health check path %s", tgs.TargetGroups[0].HealthCheck.HealthCheckPath)
	}
	// Nothing was replaced: the same resources, no cleanup deletes.
	for _, e := range h.events(t, "alb") {
		if strings.Contains(e, "DELETE") {
			t.Errorf("unexpected event %q", e)
		}
	}
}

func TestELBFailureRollsBack(t *testing.T) {
	t.Parallel()
	h := newRefHarness(t)
	ctx := context.Background()
	body := strings.Replace(albTemplate, "Resources:\n", `Resources:
  Second:
    Type: AWS::ElasticLoadBalancingV2::Listener
    DependsOn: Listener
    Properties:
      LoadBalancerArn: !Ref LB
      Port: 8080
      Protocol: HTTP
      DefaultActions:
        - Type: fixed-response
          FixedResponseConfig: {StatusCode: "503"}
`, 1)
	st := h.create(t, "dup", body)
	if st.StackStatus != StackStatusRollbackComplete || st.StackStatusReason != "The following resource(s) failed to create: [Second]. Rollback requested by user." {
		t.Fatalf("%s %q", st.StackStatus, st.StackStatusReason)
	}
	var failed string
	for _, e := range h.events(t, "dup") {
		if strings.HasPrefix(e, "Second CREATE_FAILED ") {
			failed = e
		}
	}
	if !strings.Contains(failed, "Resource handler returned message:") || !strings.Contains(failed, "Error Code: DuplicateListener") {
		t.Errorf("failure reason %q", failed)
	}
	all, err := h.elb.DescribeLoadBalancers(ctx, &control.DescribeLoadBalancersInput{})
	if err != nil || len(all.LoadBalancers) != 0 {
		t.Errorf("load balancers left after rollback: %v %v", all, err)
	}
	tgs, _ := h.elb.DescribeTargetGroups(ctx, &control.DescribeTargetGroupsInput{})
	if len(tgs.TargetGroups) != 0 {
		t.Errorf("target groups left after rollback: %d", len(tgs.TargetGroups))
	}
}

const asgTemplate = `
Parameters:
  Desired:
    Type: Number
    Default: 2
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
    Properties:
      ClusterName: workers
  LT:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        ImageId: ami-123
        InstanceType: t3.micro
        UserData:
          Fn::Base64: !Sub "#!/bin/bash\necho ECS_CLUSTER=${Cluster} >> /etc/ecs/ecs.config\n"
  ASG:
    Type: AWS::AutoScaling::AutoScalingGroup
    CreationPolicy:
      ResourceSignal:
        Count: !Ref Desired
        Timeout: PT10M
    Properties:
      MinSize: "0"
      MaxSize: "4"
      DesiredCapacity: !Ref Desired
      LaunchTemplate:
        LaunchTemplateId: !Ref LT
        Version: !GetAtt LT.LatestVersionNumber
`

func TestAutoScalingGroupSignals(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		t.Parallel()
		h := newRefHarness(t)
		ctx := context.Background()
		if st := h.create(t, "asg", asgTemplate); st.StackStatus != StackStatusCreateComplete {
			t.Fatalf("%s %s", st.StackStatus, st.StackStatusReason)
		}
		if n := len(h.ecs.instances["workers"]); n != 2 {
			t.Fatalf("%d instances registered; want 2", n)
		}
		// Scale in and out in place.
		for _, want := range []int{3, 1} {
			if _, err := h.UpdateStack(ctx, &UpdateStackInput{StackName: "asg", UsePreviousTemplate: true,
				Parameters: []Parameter{{ParameterKey: "Desired", ParameterValue: string(rune('0' + want))}}}); err != nil {
				t.Fatal(err)
			}
			if st := h.wait(t, "asg"); st.StackStatus != StackStatusUpdateComplete {
				t.Fatalf("%s %s", st.StackStatus, st.StackStatusReason)
			}
			if n := h.insts.Running(); n != want {
				t.Errorf("%d instances; want %d", n, want)
			}
		}
	})
	t.Run("Timeout", func(t *testing.T) {
		t.Parallel()
		h := newRefHarness(t)
		h.insts.noJoin = true
		st := h.create(t, "asg", asgTemplate)
		if st.StackStatus != StackStatusRollbackComplete {
			t.Fatalf("%s %s", st.StackStatus, st.StackStatusReason)
		}
		if !slices.Contains(h.events(t, "asg"), "ASG CREATE_FAILED Failed to receive 2 resource signal(s) within the specified duration") {
			t.Errorf("events %q", h.events(t, "asg"))
		}
		if n := h.insts.Running(); n != 0 {
			t.Errorf("%d instances left running", n)
		}
		if h.ecs.clusters["workers"] {
			t.Error("cluster left after rollback")
		}
	})
}

func TestServiceCircuitBreaker(t *testing.T) {
	t.Parallel()
	h := newRefHarness(t)
	h.ecs.DescribeServicesFn = func(in *DescribeServicesInput) ([]*ECSService, error) {
		return []*ECSService{{ServiceARN: in.Services[0], Status: "ACTIVE", DesiredCount: 1,
			Deployments: []ECSDeployment{{Status: "PRIMARY", RolloutState: "FAILED", FailedTasks: 3}}}}, nil
	}
	st := h.create(t, "svc", `
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
  TD:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions: [{Name: web, Image: nginx, Memory: 128}]
  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !Ref Cluster
      TaskDefinition: !Ref TD
      DesiredCount: 1
`)
	if st.StackStatus != StackStatusRollbackComplete || !strings.Contains(st.StackStatusReason, "[Service]") {
		t.Fatalf("%s %q", st.StackStatus, st.StackStatusReason)
	}
	if !slices.Contains(h.events(t, "svc"), "Service CREATE_FAILED Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'.") {
		t.Errorf("events %q", h.events(t, "svc"))
	}
	calls := h.ecs.Calls()
	if !slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "DeregisterTaskDefinition ") }) ||
		!slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "DeleteCluster ") }) {
		t.Errorf("rollback calls %q", calls)
	}
	h.ecs.mu.Lock()
	defer h.ecs.mu.Unlock()
	for _, in := range h.ecs.taskDefs {
		t.Errorf("task definition left: %+v", in)
	}
	for arn, in := range h.ecs.svcInputs {
		if h.ecs.services[arn].Status != "INACTIVE" {
			t.Errorf("service left: %+v", in)
		}
	}
}

func TestRecordedIDs(t *testing.T) {
	t.Parallel()
	h := newRefHarness(t)
	ctx := context.Background()
	st := h.create(t, "net", `
Resources:
  VPC:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref VPC, CidrBlock: 10.0.0.0/24, AvailabilityZone: us-east-1b}
  SG:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: d, VpcId: !Ref VPC}
  Repo:
    Type: AWS::ECR::Repository
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: /ecs/api}
  LT:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData: {ImageId: !Ref Image}
Parameters:
  Image:
    Type: String
    Default: ami-1
Outputs:
  VPC: {Value: !Ref VPC}
  DefaultSG: {Value: !GetAtt VPC.DefaultSecurityGroup}
  SubnetAZ: {Value: !GetAtt Subnet.AvailabilityZone}
  SubnetVPC: {Value: !GetAtt Subnet.VpcId}
  SG: {Value: !GetAtt SG.GroupId}
  RepoURI: {Value: !GetAtt Repo.RepositoryUri}
  LogArn: {Value: !GetAtt Logs.Arn}
  LTVersion: {Value: !GetAtt LT.LatestVersionNumber}
`)
	if st.StackStatus != StackStatusCreateComplete {
		t.Fatalf("%s %s", st.StackStatus, st.StackStatusReason)
	}
	out := outputs(st)
	for k, re := range map[string]string{
		"VPC": `^vpc-[0-9a-f]{17}$`, "DefaultSG": `^sg-[0-9a-f]{17}$`, "SubnetAZ": `^us-east-1b$`, "SG": `^sg-[0-9a-f]{17}$`,
		"RepoURI":   `^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com/net-repo-[a-z0-9]{12}$`,
		"LogArn":    `^arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api:\*$`,
		"LTVersion": `^1$`,
	} {
		if !regexp.MustCompile(re).MatchString(out[k]) {
			t.Errorf("%s = %q; want %s", k, out[k], re)
		}
	}
	if out["SubnetVPC"] != out["VPC"] {
		t.Errorf("Subnet.VpcId %s; want %s", out["SubnetVPC"], out["VPC"])
	}
	// A new launch template version is an in-place update.
	if _, err := h.UpdateStack(ctx, &UpdateStackInput{StackName: "net", UsePreviousTemplate: true, Parameters: []Parameter{{ParameterKey: "Image", ParameterValue: "ami-2"}}}); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(t, "net"); outputs(st)["LTVersion"] != "2" || outputs(st)["VPC"] != out["VPC"] {
		t.Errorf("after update %s %v", st.StackStatus, outputs(st))
	}
}

func TestChangeSetOnReferenceTemplate(t *testing.T) {
	t.Parallel()
	h := newRefHarness(t)
	ctx := context.Background()
	body := readTemplate(t, "cluster.yml")
	if _, err := h.CreateStack(ctx, &CreateStackInput{StackName: "c", TemplateBody: body, Capabilities: []string{"CAPABILITY_IAM"}}); err != nil {
		t.Fatal(err)
	}
	h.wait(t, "c")
	_, _, err := h.CreateChangeSet(ctx, &CreateChangeSetInput{StackName: "c", ChangeSetName: "scale", UsePreviousTemplate: true,
		Capabilities: []string{"CAPABILITY_IAM"}, Parameters: []Parameter{{ParameterKey: "DesiredCapacity", ParameterValue: "1"}, {ParameterKey: "InstanceType", ParameterValue: "t3.small"}}})
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := h.DescribeChangeSet(ctx, "c", "scale")
	var got []string
	for _, c := range cs.Changes {
		got = append(got, c.Action+" "+c.LogicalResourceID+" "+string(c.Replacement))
	}
	want := []string{"Modify LaunchTemplate False", "Modify AutoScalingGroup False"}
	if !slices.Equal(got, want) {
		t.Errorf("changes %q; want %q", got, want)
	}
	if err := h.ExecuteChangeSet(ctx, "c", "scale"); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(t, "c"); st.StackStatus != StackStatusUpdateComplete {
		t.Fatalf("%s %s", st.StackStatus, st.StackStatusReason)
	}
	if n := h.insts.Running(); n != 1 {
		t.Errorf("%d instances; want 1", n)
	}
}

func TestCustomNamedReplacementRefused(t *testing.T) {
	t.Parallel()
	h := newRefHarness(t)
	body := `
Parameters:
  Port: {Type: Number, Default: 80}
Resources:
  TG:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties: {Name: fixed, Port: !Ref Port, Protocol: HTTP, VpcId: vpc-1}
`
	h.create(t, "named", body)
	if _, err := h.UpdateStack(context.Background(), &UpdateStackInput{StackName: "named", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "Port", ParameterValue: "8080"}}}); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(t, "named"); st.StackStatus != StackStatusUpdateRollbackComplete {
		t.Fatalf("%s %s", st.StackStatus, st.StackStatusReason)
	}
	want := "TG UPDATE_FAILED CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename fixed and update the stack again."
	if !slices.Contains(h.events(t, "named"), want) {
		t.Errorf("events %q", h.events(t, "named"))
	}
	tgs, _ := h.elb.DescribeTargetGroups(context.Background(), &control.DescribeTargetGroupsInput{Names: []string{"fixed"}})
	if len(tgs.TargetGroups) != 1 || tgs.TargetGroups[0].Port != 80 {
		t.Errorf("target group after rollback %+v", tgs)
	}
}

// stoppingTasksECS refuses DeleteCluster with code while busy is above
// zero, counting it down on each call, as a cluster whose last tasks are
// stopping does.
type stoppingTasksECS struct {
	*fakeECS
	code  string
	busy  int
	tries int
}

func (e *stoppingTasksECS) DeleteCluster(ctx context.Context, in *DeleteClusterInput) (*ECSCluster, error) {
	e.mu.Lock()
	e.tries++
	refuse := e.busy > 0
	e.busy--
	e.mu.Unlock()
	if refuse {
		return nil, fmt.Errorf("%s: The Cluster cannot be deleted.", e.code)
	}
	return e.fakeECS.DeleteCluster(ctx, in)
}

func TestClusterDeleteWaitsForStoppingTasks(t *testing.T) {
	t.Parallel()
	const tmpl = "Resources:\n  C:\n    Type: AWS::ECS::Cluster\n    Properties:\n      ClusterName: c\n"
	for _, tt := range []struct {
		name, code string
		busy       int
		want       StackStatus
		tries      int
	}{
		// Tasks still stopping: the delete retries until they stopped.
		{"StoppingTasks", "ClusterContainsTasksException", 3, StackStatusDeleteComplete, 4},
		// Tasks that never stop: the wait is bounded (10 minutes at the
		// 5 s poll), then the delete fails with ECS's refusal.
		{"TasksNeverStop", "ClusterContainsTasksException", 1 << 20, StackStatusDeleteFailed, 121},
		// Any other refusal fails at once, as on AWS.
		{"Services", "ClusterContainsServicesException", 1, StackStatusDeleteFailed, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := &stoppingTasksECS{fakeECS: newFakeECS(), code: tt.code}
			clk := &testClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			s := New(Options{Handlers: NewHandlers(HandlerOptions{ECS: e}), Region: "us-east-1", AccountID: "123456789012",
				Clock: clk, Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
			t.Cleanup(func() { s.Close() })
			h := &harness{Stacks: s, log: &callLog{}}
			st := h.create(t, "cl", tmpl)
			e.mu.Lock()
			e.busy = tt.busy
			e.mu.Unlock()
			if err := h.DeleteStack(context.Background(), "cl"); err != nil {
				t.Fatal(err)
			}
			got := h.wait(t, st.StackID)
			if got.StackStatus != tt.want {
				t.Fatalf("%s %s; want %s", got.StackStatus, got.StackStatusReason, tt.want)
			}
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.tries != tt.tries {
				t.Errorf("%d DeleteCluster calls; want %d", e.tries, tt.tries)
			}
			if tt.want == StackStatusDeleteFailed && !slices.ContainsFunc(h.events(t, st.StackID), func(ev string) bool {
				return strings.HasPrefix(ev, "C DELETE_FAILED") && strings.Contains(ev, tt.code)
			}) {
				t.Errorf("events %q; want C DELETE_FAILED naming %s", h.events(t, st.StackID), tt.code)
			}
		})
	}
}
