package deploy

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ecslocal/ecslocal/internal/cfn"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
	elbcontrol "github.com/ecslocal/ecslocal/internal/elb/control"
)

// classicTemplate is testdata/classic-ecs-cluster.yml: an ECS cluster
// template in the style of the public tutorials (launch configuration,
// SSM AMI parameter, cfn-signal in the user data, IAM roles, security
// group ingress and egress, a log group, an ALB with attributes, a service
// with Application Auto Scaling). It is not in the cfn-lint test: cfn-lint
// warns (W3697) that AWS::AutoScaling::LaunchConfiguration belongs to a
// service in maintenance mode since AWS retired launch configurations for
// new accounts, and the tutorial construct is the point of the template.
func classicTemplate(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("testdata/classic-ecs-cluster.yml")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestClassicClusterTemplate deploys the tutorial-style template unchanged
// against the real ECS and ELB control planes: the launch configuration's
// instances register with the cluster the user data names, which is the
// signal the group's CreationPolicy waits for; the service runs behind
// the load balancer; deleting the stack removes everything.
func TestClassicClusterTemplate(t *testing.T) {
	t.Parallel()
	p := newPlanes(t)
	ctx := context.Background()
	body := classicTemplate(t)

	// Like CloudFormation, the IAM resources need the capability.
	if _, err := p.CreateStack(ctx, &CreateStackInput{StackName: "classic", TemplateBody: body}); ErrorCode(err) != CodeInsufficientCapabilities {
		t.Fatalf("CreateStack without CAPABILITY_IAM: %v; want %s", err, CodeInsufficientCapabilities)
	}
	if _, err := p.CreateStack(ctx, &CreateStackInput{StackName: "classic", TemplateBody: body, Capabilities: []string{"CAPABILITY_IAM"}}); err != nil {
		t.Fatal(err)
	}
	st := p.waitDone(t, "classic")
	if st.StackStatus != StackStatusCreateComplete {
		t.Fatalf("stack %s: %s\n%s", st.StackStatus, st.StackStatusReason, strings.Join(p.events(t, "classic"), "\n"))
	}
	out := outputs(st)
	cluster := out["ClusterName"]
	if !strings.HasPrefix(cluster, "classic-ECSCluster-") {
		t.Fatalf("ClusterName %q", cluster)
	}

	// The launch configuration's settings reached the launch, with the
	// AMI the SSM parameter resolves to.
	ami, _ := cfn.DefaultSSM("/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id")
	ls := p.launches.all()
	if len(ls) != 1 {
		t.Fatalf("launches %+v; want one of the Auto Scaling group", ls)
	}
	in := ls[0]
	if in.Count != 2 || in.ImageID != ami || in.InstanceType != "t2.micro" || in.Cluster != cluster ||
		!strings.Contains(in.UserData, "/opt/aws/bin/cfn-signal -e $? --stack classic --resource ECSAutoScalingGroup --region us-east-1") ||
		len(in.SecurityGroupIDs) != 1 || !strings.HasPrefix(in.SecurityGroupIDs[0], "sg-") || len(in.SubnetIDs) != 2 {
		t.Errorf("launch %+v", in)
	}

	// DesiredCapacity container instances registered in the cluster the
	// user data names.
	list, err := p.ecs.ListContainerInstances(ctx, ecscontrol.ListContainerInstancesInput{Cluster: cluster})
	if err != nil || len(list.ContainerInstanceARNs) != 2 {
		t.Fatalf("container instances of %s: %v %v; want 2", cluster, list, err)
	}
	cis, err := p.ecs.DescribeContainerInstances(ctx, ecscontrol.DescribeContainerInstancesInput{Cluster: cluster, ContainerInstances: list.ContainerInstanceARNs})
	if err != nil {
		t.Fatal(err)
	}
	for _, ci := range cis.ContainerInstances {
		if ci.Status != "ACTIVE" {
			t.Errorf("container instance %s %s; want ACTIVE", ci.ContainerInstanceARN, ci.Status)
		}
	}
	asg, err := p.DescribeStackResource(ctx, "classic", "ECSAutoScalingGroup")
	if err != nil || asg.ResourceStatus != ResourceCreateComplete {
		t.Errorf("ECSAutoScalingGroup %+v %v", asg, err)
	}
	// The group completed only after the instances registered: the
	// service, which depends on it, started after it.
	evs := p.events(t, "classic")
	if i, j := slices.Index(evs, "ECSAutoScalingGroup CREATE_COMPLETE"), slices.Index(evs, "Service CREATE_IN_PROGRESS"); i < 0 || j < i {
		t.Errorf("events: group complete at %d, service started at %d\n%s", i, j, strings.Join(evs, "\n"))
	}

	// The load balancer has the template's attributes, and its listener
	// forwards to the service's target group.
	lbRes, _ := p.DescribeStackResource(ctx, "classic", "PublicLoadBalancer")
	lbs, err := p.elb.DescribeLoadBalancers(ctx, &elbcontrol.DescribeLoadBalancersInput{LoadBalancerARNs: []string{lbRes.PhysicalResourceID}})
	if err != nil {
		t.Fatal(err)
	}
	lb := lbs.LoadBalancers[0]
	if lb.Attributes.IdleTimeoutSeconds != 30 || out["ExternalUrl"] != "http://"+lb.DNSName {
		t.Errorf("load balancer %+v; outputs %v", lb, out)
	}
	tgRes, _ := p.DescribeStackResource(ctx, "classic", "TargetGroup")
	listeners, err := p.elb.DescribeListeners(ctx, &elbcontrol.DescribeListenersInput{LoadBalancerARN: lb.LoadBalancerARN})
	if err != nil || len(listeners.Listeners) != 1 || listeners.Listeners[0].DefaultActions[0].TargetGroupARN != tgRes.PhysicalResourceID {
		t.Errorf("listeners %+v %v; want one forwarding to %s", listeners, err, tgRes.PhysicalResourceID)
	}

	// The service runs its desired count on the instances, registered in
	// the target group.
	svcs, err := p.ecs.DescribeServices(ctx, ecscontrol.DescribeServicesInput{Cluster: cluster, Services: []string{out["ServiceName"]}})
	if err != nil || len(svcs.Services) != 1 {
		t.Fatalf("service %s: %v %v", out["ServiceName"], svcs, err)
	}
	if s := svcs.Services[0]; s.RunningCount != 2 || s.DesiredCount != 2 {
		t.Errorf("service running %d of %d; want 2 of 2", s.RunningCount, s.DesiredCount)
	}
	th, err := p.elb.DescribeTargetHealth(ctx, &elbcontrol.DescribeTargetHealthInput{TargetGroupARN: tgRes.PhysicalResourceID})
	if err != nil || len(th.TargetHealthDescriptions) != 2 {
		t.Errorf("targets %+v %v; want the 2 tasks", th, err)
	}
	scalable, _ := p.DescribeStackResource(ctx, "classic", "ServiceScalingTarget")
	if want := "service/" + cluster + "/" + out["ServiceName"] + "|ecs:service:DesiredCount|ecs"; scalable.PhysicalResourceID != want {
		t.Errorf("scalable target id %q; want %q", scalable.PhysicalResourceID, want)
	}

	// The tasks' log group exists, named as the template names it.
	if out["LogGroupName"] != "ECSLogGroup-classic" {
		t.Errorf("LogGroupName %q", out["LogGroupName"])
	}
	if g, err := p.logs.DescribeLogGroup("ECSLogGroup-classic"); err != nil || g.RetentionInDays != 14 {
		t.Errorf("log group %+v %v; want retention 14", g, err)
	}

	// Deleting the stack deletes the service, the instances, the cluster
	// and the load balancer.
	if err := p.DeleteStack(ctx, "classic"); err != nil {
		t.Fatal(err)
	}
	if st := p.waitDone(t, st.StackID); st.StackStatus != StackStatusDeleteComplete {
		t.Fatalf("delete: %s %s\n%s", st.StackStatus, st.StackStatusReason, strings.Join(p.events(t, st.StackID), "\n"))
	}
	dc, err := p.ecs.DescribeClusters(ctx, ecscontrol.DescribeClustersInput{Clusters: []string{cluster}})
	if err != nil || (len(dc.Clusters) == 1 && dc.Clusters[0].Status != "INACTIVE") || (len(dc.Clusters) == 0 && len(dc.Failures) != 1) {
		t.Errorf("cluster after delete: %+v %v; want INACTIVE or MISSING", dc, err)
	}
	if _, err := p.elb.DescribeLoadBalancers(ctx, &elbcontrol.DescribeLoadBalancersInput{LoadBalancerARNs: []string{lb.LoadBalancerARN}}); err == nil {
		t.Error("load balancer still exists after delete")
	}
	if _, err := p.logs.DescribeLogGroup("ECSLogGroup-classic"); !errorCodeIs(err, CodeLogsResourceNotFound) {
		t.Errorf("log group after delete: %v; want %s", err, CodeLogsResourceNotFound)
	}
}
