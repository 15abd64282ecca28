package scheduler_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
)

func TestReconcile(t *testing.T) {
	t.Parallel()
	t.Run("ScaleUp", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 3, 3, nil)
		p := w.step()
		if len(p.Place) != 3 || len(p.Stop) != 0 {
			t.Fatalf("got %d places, %d stops; want 3, 0", len(p.Place), len(p.Stop))
		}
		// Default strategy: spread over AZs, then instances (§10.1).
		azs := map[string]bool{}
		ports := map[int]bool{}
		for _, pl := range p.Place {
			azs[pl.AvailabilityZone] = true
			if pl.DeploymentID != dep1 || pl.TaskDefinitionARN != w.td1.TaskDefinitionARN || pl.Group != "service:api" {
				t.Errorf("placement %+v", pl)
			}
			b := pl.NetworkBindings["api"]
			if len(b) != 1 || b[0].ContainerPort != 3000 || b[0].HostPort < ecs.DynamicPortFirst || b[0].HostPort > ecs.DynamicPortFirst+2 {
				t.Errorf("bindings %+v; want 3000 → one of the first dynamic ports", b)
			} else {
				ports[b[0].HostPort] = true
			}
		}
		// All instances are one real host: no two tasks share a host port.
		if len(ports) != 3 {
			t.Errorf("got host ports %v; want 3 distinct", ports)
		}
		if len(azs) != 3 {
			t.Errorf("got AZs %v; want 3 distinct", azs)
		}
		want := ecs.EventStartedTasks("api", placedIDs(p.Place))
		if !slices.Equal(p.Events, []string{want}) {
			t.Errorf("got events %q; want %q", p.Events, want)
		}
		if d := p.Deployments; len(d) != 1 || d[0].PendingCount != 3 || d[0].RunningCount != 0 {
			t.Errorf("got deployments %+v; want pending 3", d)
		}
	})

	t.Run("ScaleDown", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 3, 3, nil)
		w.converge()
		w.h.SetDesiredCount(w.svc, 1)
		p := w.step()
		if len(p.Stop) != 2 || len(p.Place) != 0 {
			t.Fatalf("got %d stops, %d places; want 2, 0", len(p.Stop), len(p.Place))
		}
		for _, s := range p.Stop {
			if s.StopCode != ecs.StopCodeServiceSchedulerInitiated || s.Reason != "Scaling activity initiated by (deployment "+dep1+")" {
				t.Errorf("stop %+v", s)
			}
		}
		if len(p.DeregisterTargets) != 2 {
			t.Errorf("got %d deregistrations; want 2 (before the stop)", len(p.DeregisterTargets))
		}
		want := []string{
			ecs.EventStoppedRunningTasks("api", ids(p.Stop)),
			ecs.EventDeregisteredTargets("api", 2, tg),
			ecs.EventDrainingConnections("api", 2),
		}
		if !slices.Equal(p.Events, want) {
			t.Errorf("got events %q; want %q", p.Events, want)
		}
		w.converge()
		if got := w.live()[dep1]; got != 1 {
			t.Errorf("got %d live tasks; want 1", got)
		}
	})

	t.Run("ReplaceStoppedTask", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 2, 2, nil)
		w.converge()
		victim := w.h.Tasks()[0].TaskARN
		w.must(w.h.ExitEssential(victim))
		p := w.step()
		if len(p.Place) != 1 || len(p.Stop) != 0 {
			t.Fatalf("got %d places, %d stops; want 1, 0", len(p.Place), len(p.Stop))
		}
		// An essential exit after RUNNING does not trigger the throttle (§9.5).
		if h := w.h.History(dep1); h.FailedLaunches != 0 {
			t.Errorf("got history %+v; want no failed launches", h)
		}
	})

	t.Run("ELBUnhealthyReplacedAfterGrace", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 2, 1, func(s *ecs.Service) { s.HealthCheckGracePeriodSeconds = ptr(60) })
		w.converge()
		task := w.h.Tasks()[0]
		started := task.StartedAt.Time
		w.h.SetTargetHealth(tg, task.TaskARN, scheduler.TargetStateUnhealthy, "Health checks failed with these codes: [503]")
		w.h.Now = started.Add(59 * time.Second)
		p := w.step()
		if len(p.Stop) != 0 || len(p.Place) != 0 {
			t.Fatalf("within grace: got %d stops, %d places; want none", len(p.Stop), len(p.Place))
		}
		if want := started.Add(60 * time.Second); !p.RecheckAt.Equal(want) {
			t.Errorf("got RecheckAt %v; want %v", p.RecheckAt, want)
		}
		w.h.Now = started.Add(60 * time.Second)
		p = w.step()
		if len(p.Stop) != 1 || p.Stop[0].Reason != "Task failed ELB health checks in (target-group "+tg+")" ||
			p.Stop[0].StopCode != ecs.StopCodeServiceSchedulerInitiated {
			t.Fatalf("got stops %+v; want the ELB health reason", p.Stop)
		}
		if len(p.Place) != 1 {
			t.Errorf("got %d places; want 1 replacement", len(p.Place))
		}
		ci := w.h.Instance(task.ContainerInstanceARN)
		want := ecs.EventTargetUnhealthy("api", task.ID(), ci.EC2InstanceID, ecstest.HostPort, tg, "Health checks failed with these codes: [503]")
		if p.Events[0] != want {
			t.Errorf("got first event %q; want %q", p.Events[0], want)
		}
		if len(p.DeregisterTargets) != 1 || p.DeregisterTargets[0].Port != ecstest.HostPort {
			t.Errorf("got deregistrations %+v", p.DeregisterTargets)
		}
		w.must(w.h.FinishStops())
		if h := w.h.History(dep1); h.FailedTasks != 1 || h.FailedLaunches != 0 {
			t.Errorf("got history %+v; want 1 failed task (stage 2), 0 failed launches", h)
		}
	})

	t.Run("SteadyStateOnce", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 1, 1, nil)
		w.converge()
		steady := ecs.EventSteadyState("api")
		count := func() int {
			n := 0
			for _, e := range w.h.Events(w.svc) {
				if e == steady {
					n++
				}
			}
			return n
		}
		if got := count(); got != 1 {
			t.Fatalf("got %d steady-state events; want 1:\n%s", got, strings.Join(w.h.Events(w.svc), "\n"))
		}
		for range 3 {
			w.h.Advance(time.Minute)
			if p := w.step(); !p.IsEmpty() {
				t.Fatalf("steady service: got plan %+v; want empty", p)
			}
		}
		if got := count(); got != 1 {
			t.Errorf("got %d steady-state events; want 1", got)
		}
		w.h.Advance(scheduler.EventRepeatWindow)
		if p := w.step(); !slices.Equal(p.Events, []string{steady}) {
			t.Errorf("after 6 h: got events %q; want the steady state again", p.Events)
		}
	})

	t.Run("InsufficientMemory", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 1, 1, nil)
		big := ecstest.TaskDefinition()
		big.ContainerDefinitions[0].Memory = ptr(2000)
		big.Register(ecstest.Scope.TaskDefinitionARN("api", 3), 3, ecstest.Now)
		w.h.AddTaskDefinition(big)
		w.h.Deploy(w.svc, big.TaskDefinitionARN, dep2)
		p := w.step()
		want := "(service api) was unable to place a task because no container instance met all of its requirements. " +
			"The closest matching (container-instance " + ecstest.ContainerInstanceID(1) + ") has insufficient memory available. " +
			"For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
		if len(p.Place) != 0 || !slices.Equal(p.Events, []string{want}) {
			t.Fatalf("got %d places, events %q; want 0 and %q", len(p.Place), p.Events, want)
		}
		// The same message is not repeated while nothing changes (§9.1).
		if p := w.step(); len(p.Events) != 0 {
			t.Errorf("second step: got events %q; want none", p.Events)
		}
	})

	t.Run("NoInstances", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 0, 1, nil)
		p := w.step()
		if want := ecs.EventUnableToPlaceNoInstances("api"); !slices.Equal(p.Events, []string{want}) {
			t.Errorf("got events %q; want %q", p.Events, want)
		}
	})

	t.Run("StaticHostPortConflict", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 1, 2, func(s *ecs.Service) { s.LoadBalancers = nil; s.HealthCheckGracePeriodSeconds = nil })
		static := ecstest.TaskDefinition()
		static.ContainerDefinitions[0].PortMappings[0].HostPort = 8080
		static.ContainerDefinitions[0].Memory = ptr(128)
		static.Register(ecstest.Scope.TaskDefinitionARN("web", 1), 1, ecstest.Now)
		w.h.AddTaskDefinition(static)
		w.h.Deploy(w.svc, static.TaskDefinitionARN, dep2)
		p := w.step()
		if len(p.Place) != 1 {
			t.Fatalf("got %d places; want 1 (one instance, one static port)", len(p.Place))
		}
		if b := p.Place[0].NetworkBindings["api"]; len(b) != 1 || b[0].HostPort != 8080 {
			t.Errorf("got bindings %+v; want host port 8080", b)
		}
		want := ecs.EventUnableToPlace("api", ecstest.ContainerInstanceID(1), "is already using a port required by your task.")
		if got := p.Events[len(p.Events)-1]; got != want {
			t.Errorf("got event %q; want %q", got, want)
		}
		// On AWS a second instance would take the second task; in ecslocal
		// every instance is the same real host, so host port 8080 stays
		// taken on all of them while the first task holds it.
		w.h.AddInstance(ecstest.ContainerInstance(2))
		p = w.step()
		if len(p.Place) != 0 {
			t.Errorf("got places %+v; want none: port 8080 is taken on the shared host", p.Place)
		}
	})

	t.Run("DrainingInstanceReplaced", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 3, 3, nil)
		w.converge()
		drained := ecstest.ContainerInstance(1).ContainerInstanceARN
		w.h.SetInstanceStatus(drained, ecs.ContainerInstanceStatusDraining)
		p := w.step()
		if len(p.Place) != 1 || p.Place[0].ContainerInstanceARN == drained {
			t.Fatalf("got places %+v; want 1 off the draining instance", p.Place)
		}
		if len(p.Stop) != 0 {
			t.Errorf("got %d stops before the replacement is healthy; want 0 (min 100%%)", len(p.Stop))
		}
		w.converge()
		for _, task := range w.h.Tasks() {
			if !task.Terminal() && task.ContainerInstanceARN == drained {
				t.Errorf("task %s still on the draining instance", task.ID())
			}
		}
		if got := w.live()[dep1]; got != 3 {
			t.Errorf("got %d live tasks; want 3", got)
		}
		if ev := w.h.Events(w.svc); ev[len(ev)-1] != ecs.EventSteadyState("api") {
			t.Errorf("last event %q; want steady state", ev[len(ev)-1])
		}
	})

	t.Run("DeletedServiceStopsTasks", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 1, 2, nil)
		w.converge()
		s := w.service().Copy()
		s.Status = ecs.ServiceStatusDraining
		w.h.AddService(s)
		p := w.step()
		if len(p.Stop) != 2 || len(p.DeregisterTargets) != 2 || len(p.Place) != 0 {
			t.Errorf("got %d stops, %d deregistrations, %d places; want 2, 2, 0", len(p.Stop), len(p.DeregisterTargets), len(p.Place))
		}
	})
}

// TestRollingDeployment walks a deployment from api:1 to api:2 step by
// step (§9.2).
func TestRollingDeployment(t *testing.T) {
	t.Parallel()
	t.Run("Min100Max200", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 2, 2, nil)
		w.converge()
		w.h.Deploy(w.svc, w.td2.TaskDefinitionARN, dep2)

		p := w.step() // start 2 new: 4 ≤ floor(2 × 200%)
		if len(p.Place) != 2 || len(p.Stop) != 0 {
			t.Fatalf("step 1: got %d places, %d stops; want 2, 0", len(p.Place), len(p.Stop))
		}
		w.must(w.h.RunAll())
		p = w.step() // register the new tasks; old stay: healthy 2 = lower
		if len(p.RegisterTargets) != 2 || len(p.Stop) != 0 {
			t.Fatalf("step 2: got %d registrations, %d stops; want 2, 0", len(p.RegisterTargets), len(p.Stop))
		}
		if !slices.Equal(p.Events, []string{ecs.EventRegisteredTargets("api", 2, tg)}) {
			t.Errorf("step 2: got events %q", p.Events)
		}
		w.h.HealAll()
		p = w.step() // new healthy: stop both old
		if len(p.Stop) != 2 || len(p.Place) != 0 {
			t.Fatalf("step 3: got %d stops, %d places; want 2, 0", len(p.Stop), len(p.Place))
		}
		for _, s := range p.Stop {
			if s.DeploymentID != dep1 || s.Reason != ecs.StoppedReasonScaling(dep2) {
				t.Errorf("step 3: stop %+v", s)
			}
		}
		p = w.step() // old tasks still draining: not complete yet
		if d := w.deployment(dep2); d.RolloutState != ecs.RolloutStateInProgress {
			t.Fatalf("step 4: rollout %s while old tasks drain; want IN_PROGRESS", d.RolloutState)
		}
		w.must(w.h.FinishStops())
		p = w.step()
		want := []string{ecs.EventDeploymentCompleted("api", dep2), ecs.EventSteadyState("api")}
		if !slices.Equal(p.Events, want) {
			t.Errorf("step 5: got events %q; want %q", p.Events, want)
		}
		s := w.service()
		if len(s.Deployments) != 1 || s.Deployments[0].ID != dep2 || s.Deployments[0].RolloutState != ecs.RolloutStateCompleted ||
			s.Deployments[0].RolloutStateReason != "ECS deployment "+dep2+" completed." || s.Deployments[0].RunningCount != 2 {
			t.Errorf("step 5: got deployments %+v", s.Deployments)
		}
	})

	t.Run("Min50Max100", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 2, 4, func(s *ecs.Service) {
			s.DeploymentConfiguration.MinimumHealthyPercent = ptr(50)
			s.DeploymentConfiguration.MaximumPercent = ptr(100)
		})
		w.converge()
		w.h.Deploy(w.svc, w.td2.TaskDefinitionARN, dep2)

		p := w.step() // stop 2 old (healthy 4 → 2 = lower), start 2 new (live 4 = upper)
		if len(p.Stop) != 2 || len(p.Place) != 2 {
			t.Fatalf("step 1: got %d stops, %d places; want 2, 2", len(p.Stop), len(p.Place))
		}
		w.must(w.h.FinishStops())
		w.must(w.h.RunAll())
		p = w.step() // register; nothing else until the new ones are healthy
		if len(p.Stop) != 0 || len(p.Place) != 0 {
			t.Fatalf("step 2: got %d stops, %d places; want 0, 0", len(p.Stop), len(p.Place))
		}
		w.h.HealAll()
		p = w.step() // healthy 4: stop the other 2 old, start 2 in the free capacity
		if len(p.Stop) != 2 || len(p.Place) != 2 {
			t.Fatalf("step 3: got %d stops, %d places; want 2, 2", len(p.Stop), len(p.Place))
		}
		for _, s := range p.Stop {
			if s.DeploymentID != dep1 {
				t.Errorf("step 3: stopped a task of %s", s.DeploymentID)
			}
		}
		w.converge()
		if d := w.deployment(dep2); d == nil || d.RolloutState != ecs.RolloutStateCompleted || w.deployment(dep1) != nil {
			t.Errorf("got deployments %+v; want only %s COMPLETED", w.service().Deployments, dep2)
		}
	})

	t.Run("Min100Max100Blocked", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 2, 2, func(s *ecs.Service) { s.DeploymentConfiguration.MaximumPercent = ptr(100) })
		w.converge()
		w.h.Deploy(w.svc, w.td2.TaskDefinitionARN, dep2)
		p := w.step()
		if want := ecs.EventDeploymentConfigurationBlocked("api"); len(p.Place)+len(p.Stop) != 0 || !slices.Equal(p.Events, []string{want}) {
			t.Errorf("got %d places, %d stops, events %q; want the blocked event only", len(p.Place), len(p.Stop), p.Events)
		}
	})
}

// TestCircuitBreaker fails a deployment whose tasks do not start and rolls
// back to the last COMPLETED one (§9.4), with the throttle in between
// (§9.5).
func TestCircuitBreaker(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2, 2, func(s *ecs.Service) {
		s.DeploymentConfiguration.DeploymentCircuitBreaker = &ecs.DeploymentCircuitBreaker{Enable: true, Rollback: true}
	})
	w.converge()
	w.h.Deploy(w.svc, w.td2.TaskDefinitionARN, dep2)
	p := w.step()
	if len(p.Place) != 2 {
		t.Fatalf("got %d places; want 2", len(p.Place))
	}
	for _, pl := range p.Place {
		w.must(w.h.FailToStart("arn:aws:ecs:us-east-1:123456789012:task/default/"+pl.TaskID, "CannotPullContainerError: pull access denied"))
	}
	p = w.step() // throttled: 2 failed launches, 20 s backoff
	if len(p.Place) != 0 {
		t.Fatalf("throttled: got %d places; want 0", len(p.Place))
	}
	if want := w.h.Now.Add(scheduler.ThrottleDelay(2)); !p.RecheckAt.Equal(want) {
		t.Errorf("got RecheckAt %v; want %v", p.RecheckAt, want)
	}
	w.h.Advance(scheduler.ThrottleDelay(2))
	p = w.step()
	if len(p.Place) != 2 {
		t.Fatalf("after backoff: got %d places; want 2", len(p.Place))
	}
	w.must(w.h.FailToStart("arn:aws:ecs:us-east-1:123456789012:task/default/"+p.Place[0].TaskID, "CannotPullContainerError: pull access denied"))
	// Threshold for desired 2 is max(ceil(2/2), 3) = 3.
	if got := w.h.History(dep2).FailedTasks; got != ecs.CircuitBreakerThreshold(2) {
		t.Fatalf("got %d failed tasks; want %d", got, ecs.CircuitBreakerThreshold(2))
	}
	p = w.step()
	if p.Rollback == nil || p.Rollback.ToDeploymentID != dep1 || p.Rollback.TaskDefinitionARN != w.td1.TaskDefinitionARN ||
		p.Rollback.Reason != "ECS deployment circuit breaker: rolling back to deployment "+dep1+"." {
		t.Fatalf("got rollback %+v; want to %s", p.Rollback, dep1)
	}
	if len(p.Place) != 0 {
		t.Errorf("got %d places after the breaker tripped; want 0", len(p.Place))
	}
	var failed *ecs.Deployment
	for i := range p.Deployments {
		if p.Deployments[i].ID == dep2 {
			failed = &p.Deployments[i]
		}
	}
	if failed == nil || failed.RolloutState != ecs.RolloutStateFailed ||
		failed.RolloutStateReason != "ECS deployment circuit breaker: tasks failed to start." || failed.FailedTasks != 3 {
		t.Errorf("got deployment %+v; want FAILED with 3 failed tasks", failed)
	}
	w.converge()
	s := w.service()
	if len(s.Deployments) != 1 || s.Deployments[0].TaskDefinition != w.td1.TaskDefinitionARN ||
		s.Deployments[0].RolloutState != ecs.RolloutStateCompleted {
		t.Fatalf("after rollback: got deployments %+v; want one COMPLETED of api:1", s.Deployments)
	}
	for _, task := range w.h.Tasks() {
		if !task.Terminal() && task.TaskDefinitionARN != w.td1.TaskDefinitionARN {
			t.Errorf("task %s of %s still live", task.ID(), task.TaskDefinitionARN)
		}
	}
}

func TestCircuitBreakerWithoutRollback(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1, 1, func(s *ecs.Service) {
		s.DeploymentConfiguration.DeploymentCircuitBreaker = &ecs.DeploymentCircuitBreaker{Enable: true}
	})
	for i := range 3 {
		p := w.step()
		if len(p.Place) != 1 {
			t.Fatalf("launch %d: got %d places; want 1", i+1, len(p.Place))
		}
		w.must(w.h.FailToStart("arn:aws:ecs:us-east-1:123456789012:task/default/"+p.Place[0].TaskID, "CannotStartContainerError: boom"))
		w.h.Advance(scheduler.MaxThrottleDelay)
	}
	p := w.step()
	if p.Rollback != nil || len(p.Place) != 0 {
		t.Fatalf("got rollback %+v, %d places; want none", p.Rollback, len(p.Place))
	}
	if d := w.deployment(dep1); d.RolloutState != ecs.RolloutStateFailed {
		t.Errorf("got rollout %s; want FAILED", d.RolloutState)
	}
	w.h.Advance(time.Hour)
	if p := w.step(); len(p.Place) != 0 {
		t.Errorf("FAILED deployment launched %d tasks; want 0", len(p.Place))
	}
}

func TestThrottleDelay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{{0, 0}, {1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {7, 640 * time.Second}, {8, 15 * time.Minute}, {100, 15 * time.Minute}} {
		if got := scheduler.ThrottleDelay(tc.n); got != tc.want {
			t.Errorf("ThrottleDelay(%d) = %v; want %v", tc.n, got, tc.want)
		}
	}
}

func TestThrottleEvent(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1, 1, nil)
	for range scheduler.ThrottleEventAfter {
		p := w.step()
		w.must(w.h.FailToStart("arn:aws:ecs:us-east-1:123456789012:task/default/"+p.Place[0].TaskID, "CannotStartContainerError: boom"))
		w.h.Advance(scheduler.MaxThrottleDelay)
	}
	w.h.Advance(-scheduler.MaxThrottleDelay)
	p := w.step()
	if want := ecs.EventUnableToConsistentlyStart("api"); len(p.Place) != 0 || !slices.Equal(p.Events, []string{want}) {
		t.Errorf("got %d places, events %q; want 0 and %q", len(p.Place), p.Events, want)
	}
}

func TestPlacementStrategies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		strategies []ecs.PlacementStrategy
		want       []int // instance numbers of the 3 placements
	}{
		{"Default", nil, []int{1, 2, 3}},
		{"BinpackMemory", []ecs.PlacementStrategy{{Type: ecs.PlacementStrategyTypeBinpack, Field: "memory"}}, []int{2, 2, 2}},
		{"SpreadInstance", []ecs.PlacementStrategy{{Type: ecs.PlacementStrategyTypeSpread, Field: "instanceId"}}, []int{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 3, 3, func(s *ecs.Service) { s.PlacementStrategy = tc.strategies })
			// Instance 2 has the least memory left.
			ci := w.h.Instance(ecstest.ContainerInstance(2).ContainerInstanceARN).Copy()
			ci.RemainingResources = ecs.Demand{Memory: 100}.Reserve(ci.RemainingResources)
			w.h.AddInstance(ci)
			p := w.step()
			var got []int
			for _, pl := range p.Place {
				for n := 1; n <= 3; n++ {
					if pl.ContainerInstanceARN == ecstest.ContainerInstance(n).ContainerInstanceARN {
						got = append(got, n)
					}
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got instances %v; want %v", got, tc.want)
			}
		})
	}
	t.Run("RandomIsSeeded", func(t *testing.T) {
		t.Parallel()
		run := func(seed uint64) string {
			w := newWorld(t, 5, 4, func(s *ecs.Service) {
				s.PlacementStrategy = []ecs.PlacementStrategy{{Type: ecs.PlacementStrategyTypeRandom}}
			})
			w.h.Seed = seed
			for i := 4; i <= 5; i++ {
				w.h.AddInstance(ecstest.ContainerInstance(i))
			}
			return fmt.Sprint(placedInstances(w.step()))
		}
		if a, b := run(7), run(7); a != b {
			t.Errorf("same seed: %s vs %s", a, b)
		}
	})
	t.Run("DistinctInstance", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 2, 3, func(s *ecs.Service) {
			s.PlacementConstraints = []ecs.PlacementConstraint{{Type: ecs.PlacementConstraintTypeDistinctInstance}}
		})
		p := w.step()
		if len(p.Place) != 2 {
			t.Fatalf("got %d places; want 2", len(p.Place))
		}
		want := ecs.EventUnableToPlace("api", ecstest.ContainerInstanceID(1), ecs.ClosestMatchDistinctInstance)
		if got := p.Events[len(p.Events)-1]; got != want {
			t.Errorf("got %q; want %q", got, want)
		}
	})
	t.Run("MemberOf", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 3, 2, func(s *ecs.Service) {
			s.PlacementConstraints = []ecs.PlacementConstraint{{Type: ecs.PlacementConstraintTypeMemberOf, Expression: "attribute:ecs.availability-zone == us-east-1b"}}
		})
		p := w.step()
		for _, pl := range p.Place {
			if pl.AvailabilityZone != "us-east-1b" {
				t.Errorf("placed in %s; want us-east-1b", pl.AvailabilityZone)
			}
		}
		if len(p.Place) != 2 {
			t.Errorf("got %d places; want 2", len(p.Place))
		}
	})
}

func placedInstances(p scheduler.Plan) []string {
	var out []string
	for _, pl := range p.Place {
		out = append(out, pl.ContainerInstanceARN)
	}
	return out
}

func TestUnhealthyReplacement(t *testing.T) {
	t.Parallel()
	t.Run("ContainerHealthChecks", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 2, 1, nil)
		w.converge()
		task := w.h.Tasks()[0].Copy()
		task.HealthStatus = ecs.HealthStatusUnhealthy
		w.h.PutTask(task)
		p := w.step()
		if len(p.Stop) != 1 || p.Stop[0].Reason != "Task failed container health checks" || len(p.Place) != 1 {
			t.Fatalf("got stops %+v, %d places; want the container health reason and a replacement", p.Stop, len(p.Place))
		}
		if want := ecs.EventContainerHealthFailed("api", task.ID()); p.Events[0] != want {
			t.Errorf("got %q; want %q", p.Events[0], want)
		}
	})
	t.Run("OneByOneWithoutRoom", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 3, 3, func(s *ecs.Service) {
			s.DeploymentConfiguration.MinimumHealthyPercent = ptr(0)
			s.DeploymentConfiguration.MaximumPercent = ptr(100)
		})
		w.converge()
		for _, task := range w.h.Tasks() {
			if !task.Terminal() {
				w.h.SetTargetHealth(tg, task.TaskARN, scheduler.TargetStateUnhealthy, "")
			}
		}
		p := w.step()
		if len(p.Stop) != 1 || len(p.Place) != 1 {
			t.Errorf("max 100%%: got %d stops, %d places; want 1, 1", len(p.Stop), len(p.Place))
		}
	})
}

func TestClosestMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		edit   func(ci *ecs.ContainerInstance)
		clause string
	}{
		{"NoAgent", func(ci *ecs.ContainerInstance) { ci.AgentConnected = false }, ecs.ClosestMatchNoAgent},
		{"CPU", func(ci *ecs.ContainerInstance) {
			ci.RemainingResources = ecs.Demand{CPU: 900}.Reserve(ci.RemainingResources)
		}, ecs.ClosestMatchCPU},
		{"Memory", func(ci *ecs.ContainerInstance) {
			ci.RemainingResources = ecs.Demand{Memory: 900}.Reserve(ci.RemainingResources)
		}, ecs.ClosestMatchMemory},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 0, 1, nil)
			ci := ecstest.ContainerInstance(1)
			tc.edit(ci)
			w.h.AddInstance(ci)
			p := w.step()
			want := ecs.EventUnableToPlace("api", ci.ID(), tc.clause)
			if len(p.Place) != 0 || !slices.Equal(p.Events, []string{want}) {
				t.Errorf("got %d places, events %q; want %q", len(p.Place), p.Events, want)
			}
		})
	}
}

func TestReconcileNonCanonicalConfiguration(t *testing.T) {
	t.Parallel()
	s := ecstest.Service()
	s.DeploymentConfiguration = ecs.DeploymentConfiguration{}
	td := ecstest.TaskDefinition()
	p := scheduler.Reconcile(scheduler.Input{
		Now:             ecstest.Now,
		Service:         s,
		TaskDefinitions: map[string]*ecs.TaskDefinition{td.TaskDefinitionARN: td},
		Instances:       []scheduler.Instance{{ContainerInstance: ecstest.ContainerInstance(1)}},
	})
	if len(p.Place) != 1 || s.DeploymentConfiguration.MaximumPercent != nil {
		t.Errorf("got %d places (want 1), input configuration %+v (want untouched)", len(p.Place), s.DeploymentConfiguration)
	}
}
