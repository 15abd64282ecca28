package deploy

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/control"
)

// The ELB control plane satisfies the interface the handlers use.
var _ ELB = (*control.Control)(nil)

// refHarness deploys the reference templates against the real ELB
// control plane and fake ECS and instances.
type refHarness struct {
	*harness
	elb   *control.Control
	ecs   *fakeECS
	insts *fakeInstances
}

func newRefHarness(tb testing.TB) *refHarness {
	tb.Helper()
	var n atomic.Int64
	ctl := control.New(control.Options{Region: "us-east-1", AccountID: "123456789012"})
	tb.Cleanup(func() { ctl.Close() })
	e := newFakeECS()
	insts := newFakeInstances(e)
	clk := &testClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := New(Options{
		Handlers:  NewHandlers(HandlerOptions{ELB: ctl, ECS: e, Instances: insts}),
		Now:       clk.Now,
		NewID:     func() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1)) },
		Region:    "us-east-1",
		AccountID: "123456789012",
		Clock:     clk,
	})
	tb.Cleanup(func() { s.Close() })
	return &refHarness{harness: &harness{Stacks: s, log: &callLog{}}, elb: ctl, ecs: e, insts: insts}
}

func readTemplate(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile("../../../deploy/cloudformation/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func outputs(st *Stack) map[string]string {
	m := map[string]string{}
	for _, o := range st.Outputs {
		m[o.OutputKey] = o.OutputValue
	}
	return m
}

func TestReferenceTemplates(t *testing.T) {
	t.Parallel()
	h := newRefHarness(t)
	ctx := context.Background()

	// Without the IAM capability the cluster stack is refused.
	_, err := h.CreateStack(ctx, &CreateStackInput{StackName: "ecslocal-cluster", TemplateBody: readTemplate(t, "cluster.yml")})
	if ErrorCode(err) != CodeInsufficientCapabilities || err.Error() != "Requires capabilities : [CAPABILITY_IAM]" {
		t.Fatalf("CreateStack without capabilities: %v", err)
	}
	if _, err := h.CreateStack(ctx, &CreateStackInput{StackName: "ecslocal-cluster", TemplateBody: readTemplate(t, "cluster.yml"),
		Capabilities: []string{"CAPABILITY_IAM"}}); err != nil {
		t.Fatal(err)
	}
	cluster := h.wait(t, "ecslocal-cluster")
	if cluster.StackStatus != StackStatusCreateComplete {
		t.Fatalf("cluster stack %s: %s\n%s", cluster.StackStatus, cluster.StackStatusReason, strings.Join(h.events(t, "ecslocal-cluster"), "\n"))
	}
	out := outputs(cluster)

	// The ALB and its listener exist in the control plane.
	lbs, err := h.elb.DescribeLoadBalancers(ctx, &control.DescribeLoadBalancersInput{LoadBalancerARNs: []string{out["ALBArn"]}})
	if err != nil {
		t.Fatalf("DescribeLoadBalancers %s: %v", out["ALBArn"], err)
	}
	lb := lbs.LoadBalancers[0]
	if out["Url"] != "http://"+lb.DNSName {
		t.Errorf("Url %q; want http://%s", out["Url"], lb.DNSName)
	}
	if lb.Attributes.IdleTimeoutSeconds != 30 {
		t.Errorf("idle timeout %d; want 30 from LoadBalancerAttributes", lb.Attributes.IdleTimeoutSeconds)
	}
	if !strings.HasPrefix(lb.SecurityGroups[0], "sg-") {
		t.Errorf("security groups %v", lb.SecurityGroups)
	}
	ls, err := h.elb.DescribeListeners(ctx, &control.DescribeListenersInput{LoadBalancerARN: lb.LoadBalancerARN})
	if err != nil || len(ls.Listeners) != 1 {
		t.Fatalf("listeners %v %v", ls, err)
	}
	l := ls.Listeners[0]
	if l.ListenerARN != out["ListenerArn"] || l.Port != 80 || l.Protocol != elb.ProtocolHTTP ||
		l.DefaultActions[0].Type != elb.ActionTypeFixedResponse || l.DefaultActions[0].FixedResponseConfig.StatusCode != "404" {
		t.Errorf("listener %+v; outputs %v", l, out)
	}
	if !strings.HasPrefix(out["ClusterName"], "ecslocal-cluster-ECSCluster-") || !strings.HasPrefix(out["VPCId"], "vpc-") ||
		!strings.HasPrefix(out["ECSRole"], "arn:aws:iam::123456789012:role/ecslocal-cluster-ECSRole-") {
		t.Errorf("outputs %v", out)
	}
	// Two container instances joined the cluster the user data names.
	if cis, _ := h.ecs.ListContainerInstances(ctx, &ListContainerInstancesInput{Cluster: out["ClusterName"]}); len(cis) != 2 {
		t.Errorf("container instances in %s: %d; want 2", out["ClusterName"], len(cis))
	}
	if in := h.insts.launched[0]; in.ImageID == "" || in.InstanceType != "t2.micro" || !strings.Contains(in.UserData, "ECS_CLUSTER="+out["ClusterName"]) {
		t.Errorf("launch %+v", in)
	}
	res, _ := h.DescribeStackResource(ctx, "ecslocal-cluster", "LoadBalancer")
	if res.PhysicalResourceID != lb.LoadBalancerARN || res.ResourceStatus != ResourceCreateComplete {
		t.Errorf("LoadBalancer resource %+v", res)
	}
	if got := len(h.ListExports(ctx)); got != 6 {
		t.Errorf("%d exports; want 6", got)
	}

	// The service stack imports the cluster stack's exports.
	api := h.create(t, "ecslocal-api", readTemplate(t, "api.yml"))
	if api.StackStatus != StackStatusCreateComplete {
		t.Fatalf("api stack %s: %s\n%s", api.StackStatus, api.StackStatusReason, strings.Join(h.events(t, "ecslocal-api"), "\n"))
	}
	aout := outputs(api)
	tgs, err := h.elb.DescribeTargetGroups(ctx, &control.DescribeTargetGroupsInput{TargetGroupARNs: []string{aout["TargetGroupArn"]}})
	if err != nil {
		t.Fatal(err)
	}
	tg := tgs.TargetGroups[0]
	if !slices.Equal(tg.LoadBalancerARNs, []string{lb.LoadBalancerARN}) || tg.HealthCheck.HealthCheckIntervalSeconds != 6 || tg.VpcID != out["VPCId"] {
		t.Errorf("target group %+v", tg)
	}
	rules, err := h.elb.DescribeRules(ctx, &control.DescribeRulesInput{ListenerARN: l.ListenerARN})
	if err != nil || len(rules.Rules) != 2 || rules.Rules[0].Priority != 1 || rules.Rules[0].Actions[0].TargetGroupARN != tg.TargetGroupARN {
		t.Errorf("rules %+v %v", rules, err)
	}
	h.ecs.mu.Lock()
	var svc *CreateServiceInput
	for _, in := range h.ecs.svcInputs {
		svc = in
	}
	h.ecs.mu.Unlock()
	if svc == nil || svc.Cluster != out["ClusterName"] || svc.LoadBalancers[0].TargetGroupARN != tg.TargetGroupARN ||
		svc.LoadBalancers[0].ContainerPort != 3000 || *svc.DesiredCount != 1 || !svc.DeploymentConfiguration.DeploymentCircuitBreaker.Enable {
		t.Errorf("service %+v", svc)
	}
	if !strings.HasPrefix(aout["ServiceName"], "ecslocal-api-Service-") {
		t.Errorf("ServiceName %q", aout["ServiceName"])
	}

	// The cluster stack cannot go while the service stack imports it.
	if err := h.DeleteStack(ctx, "ecslocal-cluster"); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(t, "ecslocal-cluster"); st.StackStatus != StackStatusDeleteFailed || !strings.Contains(st.StackStatusReason, "is in use by ecslocal-api") {
		t.Errorf("delete of the imported stack: %s %q", st.StackStatus, st.StackStatusReason)
	}

	// Scaling the service is an in-place update of the service only.
	if _, err := h.UpdateStack(ctx, &UpdateStackInput{StackName: "ecslocal-api", UsePreviousTemplate: true,
		Parameters: []Parameter{{ParameterKey: "DesiredCount", ParameterValue: "3"}}}); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(t, "ecslocal-api"); st.StackStatus != StackStatusUpdateComplete {
		t.Fatalf("api update %s %s", st.StackStatus, st.StackStatusReason)
	}
	if c := h.ecs.Calls(); !slices.Contains(c, "UpdateService "+aout["ServiceName"]+" desired=3 td=") {
		t.Errorf("ECS calls %q", c)
	}

	// Deleting both in order leaves nothing behind.
	apiID := api.StackID
	h.DeleteStack(ctx, "ecslocal-api")
	if st := h.wait(t, apiID); st.StackStatus != StackStatusDeleteComplete {
		t.Fatalf("api delete %s %s", st.StackStatus, st.StackStatusReason)
	}
	if _, err := h.elb.DescribeTargetGroups(ctx, &control.DescribeTargetGroupsInput{TargetGroupARNs: []string{tg.TargetGroupARN}}); err == nil {
		t.Error("target group still exists")
	}
	h.DeleteStack(ctx, "ecslocal-cluster")
	if st := h.wait(t, cluster.StackID); st.StackStatus != StackStatusDeleteComplete {
		t.Fatalf("cluster delete %s %s\n%s", st.StackStatus, st.StackStatusReason, strings.Join(h.events(t, cluster.StackID), "\n"))
	}
	if _, err := h.elb.DescribeLoadBalancers(ctx, &control.DescribeLoadBalancersInput{LoadBalancerARNs: []string{lb.LoadBalancerARN}}); err == nil {
		t.Error("load balancer still exists")
	}
	if n := h.insts.Running(); n != 0 {
		t.Errorf("%d instances still running", n)
	}
}
