package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecslocal/ecslocal/deploy/cloudformation"
	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
	"github.com/ecslocal/ecslocal/internal/ecs"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
	"github.com/ecslocal/ecslocal/internal/elb"
	elbcontrol "github.com/ecslocal/ecslocal/internal/elb/control"
)

// The reference system ("Break the Monolith"), as `ecslocal up` creates it
// unless --no-demo: the two stacks of deploy/cloudformation, the same
// templates that deploy it to AWS, with names that make it the demo.
const (
	demoCluster      = "BreakTheMonolith-Demo"
	demoService      = "api"
	demoLoadBalancer = "demo"
	demoClusterStack = "ecslocal-cluster"
	demoAPIStack     = "ecslocal-api"
)

// demoStack is one stack of the demo and the parameters it is deployed
// with.
type demoStack struct {
	name, body   string
	params       map[string]string
	capabilities []string
}

// demoStacks are deployed in order: api.yml imports cluster.yml's exports.
// Every value is given, rather than left to the templates' defaults, so
// that the demo stays what the README describes.
var demoStacks = []demoStack{
	{demoClusterStack, cloudformation.ClusterTemplate, map[string]string{
		"ClusterName": demoCluster, "LoadBalancerName": demoLoadBalancer, "DesiredCapacity": "2", "MaxSize": "2", "InstanceType": "t2.micro",
	}, []string{"CAPABILITY_IAM"}},
	{demoAPIStack, cloudformation.APITemplate, map[string]string{
		"ClusterStackName": demoClusterStack, "ServiceName": demoService, "TargetGroupName": "api",
		"Image": "api:v1", "DesiredCount": "1",
		// Last of the listener's rules, as the listener's default action
		// would be: a script (or the next step of breaking the monolith)
		// can route paths to other services in front of it.
		"RulePriority": "50000",
	}, nil},
}

// runDemo deploys the reference system's stacks, as `aws cloudformation
// deploy` would, waits until the service is steady, prints where it
// answers, and then prints every service event until ctx is done. With
// restored set (the state of an earlier run holds the demo) nothing is
// deployed: it waits for the restored service to be steady again, prints
// the same announcement, and then the events that are new.
func (u *Up) runDemo(ctx context.Context, stacks *deploy.Stacks, ecsc *ecscontrol.Controller, elbc *elbcontrol.Control, endpoint string, restored *restoredDemo) error {
	if restored != nil && !restored.whole() {
		fmt.Fprintf(u.Stdout, "The state in %s holds part of the reference system (%s); it is not deployed again. Remove the directory to start afresh.\n",
			u.Config.StateDir, restored.missing())
		return nil
	}
	var lb *elb.LoadBalancer
	var cluster, service string
	seen := map[string]bool{}
	if restored != nil {
		lb, cluster, service = restored.lb, demoCluster, demoService
		seen = restored.events
	} else {
		outputs := map[string]string{}
		for _, ds := range demoStacks {
			out, err := deployStack(ctx, stacks, ds)
			if err != nil {
				if ctx.Err() != nil {
					return nil // interrupted while deploying
				}
				return err
			}
			for _, o := range out.Outputs {
				outputs[o.OutputKey] = o.OutputValue
			}
		}
		lbs, err := elbc.DescribeLoadBalancers(ctx, &elbcontrol.DescribeLoadBalancersInput{LoadBalancerARNs: []string{outputs["ALBArn"]}})
		if err != nil {
			return fmt.Errorf("load balancer of stack %s: %w", demoClusterStack, err)
		}
		lb = lbs.LoadBalancers[0]
		cluster, service = outputs["ClusterName"], outputs["ServiceName"]
	}

	// Print the service's events as they come; announce the URL at the
	// first steady state (restored: once the restored service is steady,
	// which may need no new event).
	announced := false
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := ecsc.DescribeServices(ctx, ecscontrol.DescribeServicesInput{Cluster: cluster, Services: []string{service}})
		if err == nil && len(out.Services) == 1 {
			svc := out.Services[0]
			events := svc.Events
			for i := len(events) - 1; i >= 0; i-- { // oldest first
				e := events[i]
				if seen[e.ID] {
					continue
				}
				seen[e.ID] = true
				fmt.Fprintf(u.Stdout, "%s %s\n", time.Now().Format("15:04:05"), e.Message)
				if !announced && restored == nil && strings.Contains(e.Message, "has reached a steady state") {
					announced = true
					u.announce(lb, endpoint, cluster, service)
				}
			}
			if !announced && restored != nil && restoredSteady(ctx, ecsc, elbc, svc) {
				announced = true
				u.announce(lb, endpoint, cluster, service)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// deployStack creates one stack and waits for it. A stack that does not
// reach CREATE_COMPLETE is an error naming the resource that failed, as
// its events do.
func deployStack(ctx context.Context, stacks *deploy.Stacks, ds demoStack) (*deploy.Stack, error) {
	in := &deploy.CreateStackInput{StackName: ds.name, TemplateBody: ds.body, Capabilities: ds.capabilities}
	for k, v := range ds.params {
		in.Parameters = append(in.Parameters, deploy.Parameter{ParameterKey: k, ParameterValue: v})
	}
	if _, err := stacks.CreateStack(ctx, in); err != nil {
		return nil, fmt.Errorf("create stack %s: %w", ds.name, err)
	}
	st, err := stacks.Wait(ctx, ds.name)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", ds.name, err)
	}
	if st.StackStatus == deploy.StackStatusCreateComplete {
		return st, nil
	}
	why := st.StackStatusReason
	if events, err := stacks.DescribeStackEvents(ctx, ds.name); err == nil {
		for i := len(events) - 1; i >= 0; i-- { // oldest first: the first failure is the cause
			if e := events[i]; e.ResourceStatus == string(deploy.ResourceCreateFailed) && e.LogicalResourceID != ds.name {
				why = fmt.Sprintf("%s (%s): %s", e.LogicalResourceID, e.ResourceType, e.ResourceStatusReason)
				break
			}
		}
	}
	return nil, fmt.Errorf("stack %s: %s: %s", ds.name, st.StackStatus, why)
}

// announce prints where the reference system answers.
func (u *Up) announce(lb *elb.LoadBalancer, endpoint, cluster, service string) {
	port := 80
	if p, ok := u.Config.Publish[80]; ok && p != 0 {
		port = p
	}
	url := "http://" + u.Config.LBAddr.String()
	if port != 80 {
		url += ":" + strconv.Itoa(port)
	}
	fmt.Fprintf(u.Stdout, "\nThe reference system is up:\n")
	fmt.Fprintf(u.Stdout, "  URL:       %s/api/users\n", url)
	fmt.Fprintf(u.Stdout, "  ALB DNS:   %s (listener 80 served on %s)\n", lb.DNSName, url)
	fmt.Fprintf(u.Stdout, "  API:       aws --endpoint-url %s ecs describe-services --cluster %s --services %s\n\n", endpoint, cluster, service)
}

// restoredDemo is the part of the reference system the restored state
// holds: CloudFormation stacks are not restored, but the resources they
// created are, so the demo is recognised by its resources.
type restoredDemo struct {
	cluster, service bool
	lb               *elb.LoadBalancer
	// events are the IDs of the service's events of earlier runs, which
	// are not printed again.
	events map[string]bool
}

// findDemo returns what the restored state holds of the demo, or nil when
// it holds none of it (a fresh state directory, or the demo deleted).
func findDemo(ctx context.Context, store *state.Store, elbc *elbcontrol.Control) *restoredDemo {
	d := &restoredDemo{events: map[string]bool{}}
	snap := store.Snapshot()
	if cl := snap.ClusterByName(demoCluster); cl != nil && cl.Status == ecs.ClusterStatusActive {
		d.cluster = true
		if svc := snap.ServiceByName(cl.ClusterARN, demoService); svc != nil && svc.Status == ecs.ServiceStatusActive {
			d.service = true
			for _, e := range svc.Events {
				d.events[e.ID] = true
			}
		}
	}
	if out, err := elbc.DescribeLoadBalancers(ctx, &elbcontrol.DescribeLoadBalancersInput{Names: []string{demoLoadBalancer}}); err == nil && len(out.LoadBalancers) == 1 {
		d.lb = out.LoadBalancers[0]
	}
	if !d.cluster && !d.service && d.lb == nil {
		return nil
	}
	return d
}

// whole reports whether the cluster, the service and the load balancer
// are all there.
func (d *restoredDemo) whole() bool { return d.cluster && d.service && d.lb != nil }

// missing lists what the restored demo lacks.
func (d *restoredDemo) missing() string {
	var gone []string
	if !d.cluster {
		gone = append(gone, "no cluster "+demoCluster)
	}
	if !d.service {
		gone = append(gone, "no service "+demoService)
	}
	if d.lb == nil {
		gone = append(gone, "no load balancer "+demoLoadBalancer)
	}
	return strings.Join(gone, ", ")
}

// restoredSteady reports whether a restored service is steady again: one
// deployment, COMPLETED; the scheduler's newest event is the steady state
// (any start or stop since would be newer); desiredCount tasks desired
// RUNNING and RUNNING; and each of its target groups with at least that
// many healthy targets. A restored service can be steady without a new
// steady-state event (re-adopted Docker tasks change nothing, and ECS
// does not repeat the event), and the event of an earlier run alone is no
// proof: its tasks may have just been replaced.
func restoredSteady(ctx context.Context, ecsc *ecscontrol.Controller, elbc *elbcontrol.Control, svc *ecs.Service) bool {
	if svc.Status != ecs.ServiceStatusActive || len(svc.Deployments) != 1 || svc.Deployments[0].RolloutState != ecs.RolloutStateCompleted ||
		svc.RunningCount != svc.DesiredCount || svc.PendingCount != 0 ||
		len(svc.Events) == 0 || !strings.Contains(svc.Events[0].Message, "has reached a steady state") {
		return false
	}
	lt, err := ecsc.ListTasks(ctx, ecscontrol.ListTasksInput{Cluster: svc.ClusterARN, ServiceName: svc.ServiceName, DesiredStatus: ecs.DesiredStatusRunning})
	if err != nil || len(lt.TaskARNs) != svc.DesiredCount {
		return false
	}
	if len(lt.TaskARNs) > 0 {
		dt, err := ecsc.DescribeTasks(ctx, ecscontrol.DescribeTasksInput{Cluster: svc.ClusterARN, Tasks: lt.TaskARNs})
		if err != nil || len(dt.Tasks) != len(lt.TaskARNs) {
			return false
		}
		for _, t := range dt.Tasks {
			if t.LastStatus != ecs.TaskStatusRunning {
				return false
			}
		}
	}
	for _, lb := range svc.LoadBalancers {
		th, err := elbc.DescribeTargetHealth(ctx, &elbcontrol.DescribeTargetHealthInput{TargetGroupARN: lb.TargetGroupARN})
		if err != nil {
			return false
		}
		healthy := 0
		for _, d := range th.TargetHealthDescriptions {
			if d.TargetHealth.State == elb.TargetHealthStateHealthy {
				healthy++
			}
		}
		if healthy < svc.DesiredCount {
			return false
		}
	}
	return true
}
