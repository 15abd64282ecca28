package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
)

// classicTemplate is a classic ECS cluster template of the kind public
// tutorials give: a launch configuration whose AMI is the public SSM
// parameter, cfn-signal in the user data, IAM roles, security-group
// ingress and egress, a log group, an ALB with attributes and a service
// with Application Auto Scaling.
const classicTemplate = "../../internal/cfn/deploy/testdata/classic-ecs-cluster.yml"

// TestClassicClusterTemplate deploys the classic tutorial template
// unchanged with `aws cloudformation deploy`: the Auto Scaling group's
// DesiredCapacity instances register as container instances of the
// cluster its user data names (the CreationPolicy's signal), the web
// service answers through the load balancer, and delete-stack removes
// every task and resource (checkGone).
func TestClassicClusterTemplate(t *testing.T) {
	forum := buildForum(t)
	lbPort := freePort(t)
	// The template's default image runs as the forum, which honours the
	// PORT the process driver gives it.
	in := startUp(t, "--driver", "process", "--image", "httpd:2.4="+forum,
		"--publish", "80:"+strconv.Itoa(lbPort), "--time-scale", "0.05")
	cli := func(v any, args ...string) {
		t.Helper()
		out, err := awsCLI(t, in.endpoint, nil, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if v != nil {
			if err := json.Unmarshal(out, v); err != nil {
				t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
	}

	start := time.Now()
	cli(nil, "cloudformation", "deploy", "--template-file", classicTemplate, "--stack-name", "classic", "--capabilities", "CAPABILITY_IAM")
	t.Logf("classic stack deployed in %s", time.Since(start))

	var stacks struct {
		Stacks []struct {
			StackStatus string
			Parameters  []struct{ ParameterKey, ParameterValue, ResolvedValue string }
			Outputs     []struct{ OutputKey, OutputValue string }
		}
	}
	cli(&stacks, "cloudformation", "describe-stacks", "--stack-name", "classic")
	st := stacks.Stacks[0]
	if st.StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("stack status %s; want CREATE_COMPLETE", st.StackStatus)
	}
	out := map[string]string{}
	for _, o := range st.Outputs {
		out[o.OutputKey] = o.OutputValue
	}
	params := map[string]string{}
	for _, p := range st.Parameters {
		params[p.ParameterKey] = p.ParameterValue
		if p.ParameterKey == "ECSAMI" && !strings.HasPrefix(p.ResolvedValue, "ami-") {
			t.Errorf("ECSAMI resolved to %q; want the AMI id the SSM parameter %s names", p.ResolvedValue, p.ParameterValue)
		}
	}
	desired, err := strconv.Atoi(params["DesiredCapacity"])
	if err != nil || desired < 1 {
		t.Fatalf("DesiredCapacity parameter %q", params["DesiredCapacity"])
	}
	cluster := out["ClusterName"]
	if !strings.HasPrefix(cluster, "classic-ECSCluster-") {
		t.Fatalf("ClusterName output %q; want a generated classic-ECSCluster-… name", cluster)
	}

	// The group's instances registered in the cluster the user data names.
	var list struct{ ContainerInstanceArns []string }
	cli(&list, "ecs", "list-container-instances", "--cluster", cluster)
	if len(list.ContainerInstanceArns) != desired {
		t.Fatalf("%d container instances in %s; want DesiredCapacity %d: %v", len(list.ContainerInstanceArns), cluster, desired, list.ContainerInstanceArns)
	}
	var cis struct {
		ContainerInstances []struct {
			Ec2InstanceId  string
			Status         string
			AgentConnected bool
		}
	}
	cli(&cis, append([]string{"ecs", "describe-container-instances", "--cluster", cluster, "--container-instances"}, list.ContainerInstanceArns...)...)
	for _, ci := range cis.ContainerInstances {
		if ci.Status != "ACTIVE" || !ci.AgentConnected || !strings.HasPrefix(ci.Ec2InstanceId, "i-") {
			t.Errorf("container instance %+v; want ACTIVE with its agent connected", ci)
		}
	}
	// The group is complete: its creation policy's signal was received.
	var res struct {
		StackResourceDetail struct{ ResourceStatus, PhysicalResourceId string }
	}
	cli(&res, "cloudformation", "describe-stack-resource", "--stack-name", "classic", "--logical-resource-id", "ECSAutoScalingGroup")
	if res.StackResourceDetail.ResourceStatus != "CREATE_COMPLETE" {
		t.Errorf("ECSAutoScalingGroup %+v", res.StackResourceDetail)
	}

	// The web service runs its tasks and answers through the load
	// balancer at the ExternalUrl output.
	var svcs struct {
		Services []struct {
			Status                     string
			RunningCount, DesiredCount int
		}
	}
	cli(&svcs, "ecs", "describe-services", "--cluster", cluster, "--services", out["ServiceName"])
	if len(svcs.Services) != 1 {
		t.Fatalf("describe-services %s: %+v", out["ServiceName"], svcs)
	}
	if s := svcs.Services[0]; s.Status != "ACTIVE" || s.DesiredCount != 2 || s.RunningCount != 2 {
		t.Errorf("service %+v; want ACTIVE with 2 of 2 running", s)
	}
	url := out["ExternalUrl"]
	client := albClient(lbPort)
	waitForum(t, client, url, "the web service")

	// The tasks' awslogs output lands in the stack's log group: one
	// stream web/web/<task ID> per task, holding what the task printed.
	stateDir := in.cmd.Args[slices.Index(in.cmd.Args, "--state-dir")+1]
	logs := deploy.NewLogGroupDir(filepath.Join(stateDir, "logs"), nil)
	streams, err := logs.Streams(out["LogGroupName"])
	if err != nil || len(streams) != 2 {
		t.Errorf("streams of %s: %q %v; want one per task", out["LogGroupName"], streams, err)
	}
	for _, st := range streams {
		p, _ := logs.StreamPath(out["LogGroupName"], st, false)
		if b, err := os.ReadFile(p); !strings.HasPrefix(st, "web/web/") || err != nil || !strings.Contains(string(b), "listening") {
			t.Errorf("stream %s: %q %v; want the forum's start-up log", st, b, err)
		}
	}

	// What the stack made, by logical id, to check it is gone after
	// delete-stack.
	var resources struct {
		StackResources []struct{ LogicalResourceId, PhysicalResourceId string }
	}
	cli(&resources, "cloudformation", "describe-stack-resources", "--stack-name", "classic")
	physical := map[string]string{}
	for _, r := range resources.StackResources {
		physical[r.LogicalResourceId] = r.PhysicalResourceId
	}

	deleteStart := time.Now()
	cli(nil, "cloudformation", "delete-stack", "--stack-name", "classic")
	cli(nil, "cloudformation", "wait", "stack-delete-complete", "--stack-name", "classic")
	t.Logf("classic stack deleted in %s", time.Since(deleteStart))
	checkGone(t, in.endpoint, gone{
		cluster: cluster, service: physical["Service"], instances: list.ContainerInstanceArns, taskDefinition: physical["TaskDefinition"],
		loadBalancer: physical["PublicLoadBalancer"], listener: physical["PublicLoadBalancerListener"], targetGroup: physical["TargetGroup"],
	})
	if left := children(in.cmd.Process.Pid, forum); len(left) != 0 {
		t.Errorf("task processes left after delete-stack: %v", left)
	}
	if code := in.stop(t); code != 0 {
		t.Errorf("exit status after SIGTERM: %d; want 0", code)
	}
}

// clusterGone reports whether describe-clusters answered for a deleted
// cluster: ECS returns it INACTIVE for a while, then as a MISSING failure.
func clusterGone(clusters []struct{ ClusterName, Status string }, failures []struct{ Arn, Reason string }) bool {
	if len(clusters) == 1 {
		return clusters[0].Status == "INACTIVE"
	}
	return len(failures) == 1 && failures[0].Reason == "MISSING"
}
