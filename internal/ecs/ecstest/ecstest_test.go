package ecstest_test

import (
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

// TestFixturesValid checks every fixture passes its own Validate and the
// references between them hold.
func TestFixturesValid(t *testing.T) {
	td := ecstest.TaskDefinition()
	svc := ecstest.Service()
	task := ecstest.Task()
	for name, err := range map[string]error{
		"Cluster":              ecstest.Cluster().Validate(),
		"ContainerInstance":    ecstest.ContainerInstance(1).Validate(),
		"ContainerInstance254": ecstest.ContainerInstance(254).Validate(),
		"TaskDefinition":       td.Validate(),
		"Service":              svc.Validate(),
		"ServiceLoadBalancers": svc.ValidateLoadBalancers(td),
		"Task":                 task.Validate(),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if svc.TaskDefinition != td.TaskDefinitionARN || task.TaskDefinitionARN != td.TaskDefinitionARN {
		t.Error("task definition ARNs differ")
	}
	if task.Group != svc.Group() || task.StartedBy != svc.PrimaryDeployment().ID {
		t.Error("task is not the service's")
	}
	if task.ContainerInstanceARN != ecstest.ContainerInstance(1).ContainerInstanceARN {
		t.Error("task is not on instance 1")
	}
	if d := ecs.NewDemand(td); d.Fit(ecstest.ContainerInstance(1)) != nil {
		t.Error("reference task does not fit a t2.micro")
	}
	if a, b := ecstest.ContainerInstance(1), ecstest.ContainerInstance(1); a == b {
		t.Error("fixtures are shared")
	}
}
