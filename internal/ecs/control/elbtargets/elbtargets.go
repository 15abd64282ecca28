// Package elbtargets is the ECS control plane's TargetRegistrar over the
// in-process ALB control plane: ECS registers its tasks' instance:hostPort
// targets there, reads their health, and checks a service's target groups.
package elbtargets

import (
	"context"

	"github.com/ecslocal/ecslocal/internal/ecs"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
	"github.com/ecslocal/ecslocal/internal/elb"
	elbcontrol "github.com/ecslocal/ecslocal/internal/elb/control"
)

// New returns the registrar over c.
func New(c *elbcontrol.Control) ecscontrol.TargetRegistrar { return registrar{c} }

type registrar struct{ c *elbcontrol.Control }

func descriptions(ts []ecscontrol.Target) []elb.TargetDescription {
	out := make([]elb.TargetDescription, len(ts))
	for i, t := range ts {
		out[i] = elb.TargetDescription{ID: t.ID, Port: t.Port}
	}
	return out
}

func (r registrar) RegisterTargets(ctx context.Context, tg string, ts []ecscontrol.Target) error {
	_, err := r.c.RegisterTargets(ctx, &elbcontrol.RegisterTargetsInput{TargetGroupARN: tg, Targets: descriptions(ts)})
	return err
}

func (r registrar) DeregisterTargets(ctx context.Context, tg string, ts []ecscontrol.Target) error {
	_, err := r.c.DeregisterTargets(ctx, &elbcontrol.DeregisterTargetsInput{TargetGroupARN: tg, Targets: descriptions(ts)})
	return err
}

func (r registrar) TargetHealth(ctx context.Context, tg string) ([]ecscontrol.TargetHealth, error) {
	out, err := r.c.DescribeTargetHealth(ctx, &elbcontrol.DescribeTargetHealthInput{TargetGroupARN: tg})
	if err != nil {
		return nil, err
	}
	hs := make([]ecscontrol.TargetHealth, len(out.TargetHealthDescriptions))
	for i, d := range out.TargetHealthDescriptions {
		hs[i] = ecscontrol.TargetHealth{
			Target:      ecscontrol.Target{ID: d.Target.ID, Port: d.Target.Port},
			State:       scheduler.TargetState(d.TargetHealth.State),
			Description: d.TargetHealth.Description,
		}
	}
	return hs, nil
}

func (r registrar) ValidateTargetGroup(ctx context.Context, tg string, mode ecs.NetworkMode) error {
	out, err := r.c.DescribeTargetGroups(ctx, &elbcontrol.DescribeTargetGroupsInput{TargetGroupARNs: []string{tg}})
	if err != nil {
		return ecs.NewInvalidParameter("Unable to find target group %s.", tg)
	}
	g := out.TargetGroups[0]
	switch {
	case len(g.LoadBalancerARNs) == 0:
		return ecs.NewTargetGroupWithoutLoadBalancer(tg)
	case g.TargetType != elb.TargetTypeInstance && mode == ecs.NetworkModeBridge:
		return ecs.NewTargetGroupIncompatible(tg, string(g.TargetType), mode)
	}
	return nil
}
