package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecslocal/ecslocal/deploy/cloudformation"
	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/elb"
	elbcontrol "github.com/ecslocal/ecslocal/internal/elb/control"
)

// The reference system ("Break the Monolith"), as `ecslocal up` creates it
// unless --no-demo: the two stacks of deploy/cloudformation, the same
// templates that deploy it to AWS, with names that make it the demo.
const (
	demoCluster      = "BreakTheMonolith-Demo"
	demoService      = "api"
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
		"ClusterName": demoCluster, "LoadBalancerName": "demo", "DesiredCapacity": "2", "MaxSize": "2", "InstanceType": "t2.micro",
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
// answers, and then prints every service event until ctx is done.
func (u *Up) runDemo(ctx context.Context, stacks *deploy.Stacks, ecsc *ecscontrol.Controller, elbc *elbcontrol.Control, endpoint string) error {
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
	lb := lbs.LoadBalancers[0]
	cluster, service := outputs["ClusterName"], outputs["ServiceName"]

	// Print the service's events as they come; announce the URL at the
	// first steady state.
	seen := map[string]bool{}
	announced := false
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := ecsc.DescribeServices(ctx, ecscontrol.DescribeServicesInput{Cluster: cluster, Services: []string{service}})
		if err == nil && len(out.Services) == 1 {
			events := out.Services[0].Events
			for i := len(events) - 1; i >= 0; i-- { // oldest first
				e := events[i]
				if seen[e.ID] {
					continue
				}
				seen[e.ID] = true
				fmt.Fprintf(u.Stdout, "%s %s\n", time.Now().Format("15:04:05"), e.Message)
				if !announced && strings.Contains(e.Message, "has reached a steady state") {
					announced = true
					u.announce(lb, endpoint, cluster, service)
				}
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
