package schedulertest_test

import (
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler/schedulertest"
)

// TestHarnessAppliesPlan checks that a plan's placement reserves
// resources, RUNNING registers nothing by itself, a stop drains the target
// and STOPPED releases the resources.
func TestHarnessAppliesPlan(t *testing.T) {
	t.Parallel()
	h := schedulertest.New()
	td := ecstest.TaskDefinition()
	h.AddTaskDefinition(td)
	ci := ecstest.ContainerInstance(1)
	h.AddInstance(ci)
	svc := ecstest.Service()
	h.AddService(svc)
	p, err := h.Step(svc.ServiceARN)
	if err != nil || len(p.Place) != 1 {
		t.Fatalf("got %+v, %v; want one placement", p, err)
	}
	arn := ecstest.Scope.TaskARN(ecstest.ClusterName, p.Place[0].TaskID)
	task := h.Task(arn)
	if task == nil || task.LastStatus != ecs.TaskStatusPending || task.StartedBy != ecstest.DeploymentID {
		t.Fatalf("got task %+v; want PENDING of %s", task, ecstest.DeploymentID)
	}
	mem := func() int { return h.Instance(ci.ContainerInstanceARN).RemainingResources.Integer(ecs.ResourceMemory) }
	if got, want := mem(), 993-256; got != want {
		t.Errorf("remaining memory %d; want %d", got, want)
	}
	if err := h.Run(arn); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Step(svc.ServiceARN); err != nil {
		t.Fatal(err)
	}
	if th, ok := h.TargetHealth(ecstest.TargetGroupARN, arn); !ok || th.State != scheduler.TargetStateInitial {
		t.Fatalf("got target %+v, %v; want initial", th, ok)
	}
	h.SetDesiredCount(svc.ServiceARN, 0)
	if _, err := h.Step(svc.ServiceARN); err != nil {
		t.Fatal(err)
	}
	if th, _ := h.TargetHealth(ecstest.TargetGroupARN, arn); th.State != scheduler.TargetStateDraining {
		t.Errorf("got target %+v; want draining", th)
	}
	if err := h.FinishStops(); err != nil {
		t.Fatal(err)
	}
	if got := mem(); got != 993 {
		t.Errorf("remaining memory %d after STOPPED; want 993", got)
	}
	if len(h.Plans) != 3 {
		t.Errorf("recorded %d plans; want 3", len(h.Plans))
	}
}
