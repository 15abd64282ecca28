package scheduler_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler/schedulertest"
)

const (
	dep1 = ecstest.DeploymentID
	dep2 = "ecs-svc/2222222222222222222"
	tg   = ecstest.TargetGroupARN
)

// world is a harness holding the reference service api.
type world struct {
	tb  testing.TB
	h   *schedulertest.Harness
	svc string
	td1 *ecs.TaskDefinition
	td2 *ecs.TaskDefinition
}

// newWorld returns a harness with n t2.micro instances (3 tasks of api:1
// each by memory), api:1 and api:2, and the service api at desired,
// changed by edit.
func newWorld(tb testing.TB, n, desired int, edit func(*ecs.Service)) *world {
	tb.Helper()
	h := schedulertest.New()
	td1 := ecstest.TaskDefinition()
	td2 := ecstest.TaskDefinition()
	td2.ContainerDefinitions[0].Image = "api:v2"
	td2.Register(ecstest.Scope.TaskDefinitionARN("api", 2), 2, ecstest.Now)
	h.AddTaskDefinition(td1)
	h.AddTaskDefinition(td2)
	for i := 1; i <= n; i++ {
		h.AddInstance(ecstest.ContainerInstance(i))
	}
	s := ecstest.Service()
	s.DesiredCount = desired
	s.Deployments[0].DesiredCount = desired
	if edit != nil {
		edit(s)
	}
	h.AddService(s)
	return &world{tb: tb, h: h, svc: s.ServiceARN, td1: td1, td2: td2}
}

func (w *world) step() scheduler.Plan {
	w.tb.Helper()
	p, err := w.h.Step(w.svc)
	if err != nil {
		w.tb.Fatalf("step: %v", err)
	}
	return p
}

func (w *world) must(err error) {
	w.tb.Helper()
	if err != nil {
		w.tb.Fatal(err)
	}
}

func (w *world) service() *ecs.Service { return w.h.Service(w.svc) }

// converge runs the agent and the ALB to completion: step, run every
// task, heal every target, finish every stop, until two steps in a row
// plan nothing.
func (w *world) converge() {
	w.tb.Helper()
	empty := 0
	for range 40 {
		p := w.step()
		w.must(w.h.RunAll())
		w.h.HealAll()
		w.must(w.h.FinishStops())
		if empty = b2i(p.IsEmpty()) * (empty + 1); empty == 2 {
			return
		}
		w.h.Advance(time.Second)
	}
	w.tb.Fatalf("no convergence; events:\n%s", strings.Join(w.h.Events(w.svc), "\n"))
}

// live returns the tasks desired RUNNING that are not STOPPED, by deployment.
func (w *world) live() map[string]int {
	m := map[string]int{}
	for _, t := range w.h.Tasks() {
		if !t.Terminal() {
			m[t.StartedBy]++
		}
	}
	return m
}

func (w *world) deployment(id string) *ecs.Deployment { return w.service().Deployment(id) }

func ids(ts []scheduler.StopTask) []string {
	var out []string
	for _, s := range ts {
		out = append(out, s.TaskARN[strings.LastIndexByte(s.TaskARN, '/')+1:])
	}
	return out
}

func placedIDs(ps []scheduler.Placement) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.TaskID)
	}
	return out
}

func hasEvent(events []string, msg string) bool { return slices.Contains(events, msg) }

func ptr[T any](v T) *T { return &v }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
