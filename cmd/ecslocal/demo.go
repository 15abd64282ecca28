package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/elb"
	elbcontrol "github.com/ecslocal/ecslocal/internal/elb/control"
)

// The reference system ("Break the Monolith"), as `ecslocal up` creates it
// unless --no-demo.
const (
	demoCluster = "BreakTheMonolith-Demo"
	demoService = "api"
)

//go:embed demo/api-task-definition.json
var demoTaskDefinition []byte

// runDemo creates the reference system through the control planes, as a
// deployment script would through the APIs, waits until the service is
// steady, prints where it answers, and then prints every service event
// until ctx is done.
func (u *Up) runDemo(ctx context.Context, ecsc *ecscontrol.Controller, elbc *elbcontrol.Control, endpoint string) error {
	if _, err := ecsc.CreateCluster(ctx, ecscontrol.CreateClusterInput{ClusterName: demoCluster}); err != nil {
		return fmt.Errorf("create cluster: %w", err)
	}
	// Two t2.micro container instances; control alternates their zones.
	for range 2 {
		if _, err := ecsc.RegisterContainerInstance(ctx, ecscontrol.RegisterContainerInstanceInput{Cluster: demoCluster, InstanceType: "t2.micro"}); err != nil {
			return fmt.Errorf("register container instance: %w", err)
		}
	}

	lbs, err := elbc.CreateLoadBalancer(ctx, &elbcontrol.CreateLoadBalancerInput{Name: "demo", Scheme: "internet-facing"})
	if err != nil {
		return fmt.Errorf("create load balancer: %w", err)
	}
	lb := lbs.LoadBalancers[0]
	if _, err := elbc.ModifyLoadBalancerAttributes(ctx, &elbcontrol.ModifyLoadBalancerAttributesInput{
		LoadBalancerARN: lb.LoadBalancerARN,
		Attributes:      []elb.Attribute{{Key: "idle_timeout.timeout_seconds", Value: "30"}},
	}); err != nil {
		return fmt.Errorf("set idle timeout: %w", err)
	}
	tgs, err := elbc.CreateTargetGroup(ctx, &elbcontrol.CreateTargetGroupInput{
		Name: "api", Protocol: elb.ProtocolHTTP, Port: 80, TargetType: elb.TargetTypeInstance,
		HealthCheckPath: "/", HealthCheckIntervalSeconds: 6, HealthCheckTimeoutSeconds: 5,
		HealthyThresholdCount: 2, UnhealthyThresholdCount: 2,
	})
	if err != nil {
		return fmt.Errorf("create target group: %w", err)
	}
	tg := tgs.TargetGroups[0].TargetGroupARN
	if _, err := elbc.CreateListener(ctx, &elbcontrol.CreateListenerInput{
		LoadBalancerARN: lb.LoadBalancerARN, Protocol: elb.ProtocolHTTP, Port: 80,
		DefaultActions: []elb.Action{{Type: elb.ActionTypeForward, TargetGroupARN: tg}},
	}); err != nil {
		return fmt.Errorf("create listener: %w", err)
	}

	var td ecscontrol.RegisterTaskDefinitionInput
	if err := json.Unmarshal(demoTaskDefinition, &td); err != nil {
		return fmt.Errorf("demo task definition: %w", err)
	}
	if _, err := ecsc.RegisterTaskDefinition(ctx, td); err != nil {
		return fmt.Errorf("register task definition: %w", err)
	}
	desired := 1
	if _, err := ecsc.CreateService(ctx, ecscontrol.CreateServiceInput{
		Cluster: demoCluster, ServiceName: demoService, TaskDefinition: "api", DesiredCount: &desired,
		LaunchType:    ecs.LaunchTypeEC2,
		LoadBalancers: []ecs.LoadBalancer{{TargetGroupARN: tg, ContainerName: "api", ContainerPort: 3000}},
	}); err != nil {
		return fmt.Errorf("create service: %w", err)
	}

	// Print the service's events as they come; announce the URL at the
	// first steady state.
	seen := map[string]bool{}
	announced := false
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := ecsc.DescribeServices(ctx, ecscontrol.DescribeServicesInput{Cluster: demoCluster, Services: []string{demoService}})
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
					u.announce(lb, endpoint)
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

// announce prints where the reference system answers.
func (u *Up) announce(lb *elb.LoadBalancer, endpoint string) {
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
	fmt.Fprintf(u.Stdout, "  API:       aws --endpoint-url %s ecs describe-services --cluster %s --services %s\n\n", endpoint, demoCluster, demoService)
}
