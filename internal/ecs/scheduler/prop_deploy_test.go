package scheduler_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
)

// TestPropertyDeployment rolls random services (desired, min%, max%) from
// api:1 to api:2 on a cluster with room to spare, with the agent and the
// ALB acting in a random order. With enough capacity the healthy count
// never drops below ceil(desired × min% / 100) at any point (§9.2), and
// the deployment completes unless the configuration allows neither a start
// nor a stop, in which case the blocked event is emitted.
func TestPropertyDeployment(t *testing.T) {
	t.Parallel()
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 99))
		desired := 1 + rng.IntN(6)
		minPct := []int{0, 25, 50, 75, 100}[rng.IntN(5)]
		maxPct := []int{100, 125, 150, 200}[rng.IntN(4)]
		w := newWorld(t, 6, desired, func(s *ecs.Service) {
			s.DeploymentConfiguration.MinimumHealthyPercent = ptr(minPct)
			s.DeploymentConfiguration.MaximumPercent = ptr(maxPct)
		})
		w.converge()
		lower, upper := w.service().DeploymentConfiguration.Bounds(desired)
		if got := healthyNow(w); got != desired {
			t.Fatalf("seed %d: %d healthy after the first rollout; want %d", seed, got, desired)
		}
		w.h.Deploy(w.svc, w.td2.TaskDefinitionARN, dep2)
		blocked := lower == desired && upper == desired
		for i := range 250 {
			switch rng.IntN(5) {
			case 0, 1:
				w.step()
			case 2:
				if ts := pick(rng, w.h.Tasks(), func(t *ecs.Task) bool { return !t.Terminal() && t.LastStatus != ecs.TaskStatusRunning }); ts != nil {
					w.must(w.h.Run(ts.TaskARN))
				}
			case 3:
				if ts := pick(rng, w.h.Tasks(), func(t *ecs.Task) bool { return !t.Terminal() }); ts != nil {
					if th, ok := w.h.TargetHealth(tg, ts.TaskARN); ok && th.State == scheduler.TargetStateInitial {
						w.h.SetTargetHealth(tg, ts.TaskARN, scheduler.TargetStateHealthy, "")
					}
				}
			case 4:
				w.must(w.h.FinishStops())
				w.h.Advance(time.Second)
			}
			if got := healthyNow(w); got < lower {
				t.Fatalf("seed %d (desired %d, min %d%%, max %d%%) action %d: %d healthy; want ≥ %d",
					seed, desired, minPct, maxPct, i, got, lower)
			}
		}
		w.converge()
		d := w.deployment(dep2)
		events := w.h.Events(w.svc)
		switch {
		case blocked:
			if !hasEvent(events, ecs.EventDeploymentConfigurationBlocked("api")) {
				t.Errorf("seed %d: 100/100-like configuration (desired %d, min %d%%, max %d%%) without the blocked event", seed, desired, minPct, maxPct)
			}
		case d == nil || d.RolloutState != ecs.RolloutStateCompleted || len(w.service().Deployments) != 1:
			t.Errorf("seed %d (desired %d, min %d%%, max %d%%): deployments %+v; want %s COMPLETED alone\n%s",
				seed, desired, minPct, maxPct, w.service().Deployments, dep2, strings.Join(events, "\n"))
		case healthyNow(w) != desired:
			t.Errorf("seed %d: %d healthy; want %d", seed, healthyNow(w), desired)
		}
	}
}

// healthyNow counts the service's tasks desired RUNNING, RUNNING and
// healthy in the target group.
func healthyNow(w *world) int {
	n := 0
	for _, t := range w.h.Tasks() {
		if t.Terminal() || t.LastStatus != ecs.TaskStatusRunning {
			continue
		}
		if th, ok := w.h.TargetHealth(tg, t.TaskARN); ok && th.State == scheduler.TargetStateHealthy {
			n++
		}
	}
	return n
}
