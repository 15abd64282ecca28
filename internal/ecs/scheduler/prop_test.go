package scheduler_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler"
	"github.com/ecslocal/ecslocal/internal/ecs/scheduler/schedulertest"
)

// The property tests draw random services, instance sets and task states
// from fixed seeds (deterministic, standard library only) and check the
// invariants of §9.2 and §10.3 on every plan:
//   - placements never take RUNNING + PENDING above floor(desired × max%);
//   - the plan never takes the healthy count below ceil(desired × min%)
//     (or below what it was, if it was already lower);
//   - no instance is over-committed in CPU or memory, and nothing is placed
//     on an instance that is not ACTIVE with its agent connected;
//   - host ports are unique on every instance, and static ones avoid the
//     reserved ports;
//   - stops name distinct tasks desired RUNNING, and Reconcile is
//     deterministic.

func TestPropertyReconcile(t *testing.T) {
	t.Parallel()
	for seed := range uint64(600) {
		rng := rand.New(rand.NewPCG(seed, 42))
		in := randomInput(rng)
		plan := scheduler.Reconcile(in)
		if err := checkPlan(in, plan); err != nil {
			t.Fatalf("seed %d: %v\ninput: %s\nplan: %+v", seed, err, describe(in), plan)
		}
		if again := scheduler.Reconcile(in); !reflect.DeepEqual(plan, again) {
			t.Fatalf("seed %d: Reconcile is not deterministic", seed)
		}
	}
}

// TestPropertyHarness walks random scenarios through the harness: the
// scheduler steps while tasks start, fail, turn healthy or unhealthy,
// instances drain, deployments and desired counts change, and time
// passes. Every plan is checked against the state it was computed from.
func TestPropertyHarness(t *testing.T) {
	t.Parallel()
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 7))
		w := randomWorld(t, rng)
		deploys := 0
		for i := range 150 {
			switch a := rng.IntN(12); {
			case a < 4:
				in, err := scheduler.NewInput(w.h, w.svc, w.h.Now)
				if err != nil {
					t.Fatal(err)
				}
				in.NewTaskID = func() string { return fmt.Sprintf("%032x", rng.Uint64()) }
				plan := scheduler.Reconcile(in)
				if err := checkPlan(in, plan); err != nil {
					t.Fatalf("seed %d step %d: %v\ninput: %s", seed, i, err, describe(in))
				}
				if err := w.h.SubmitPlan(plan); err != nil {
					t.Fatalf("seed %d step %d: apply: %v", seed, i, err)
				}
			case a == 4:
				if ts := pick(rng, w.h.Tasks(), func(t *ecs.Task) bool { return !t.Terminal() && t.LastStatus != ecs.TaskStatusRunning }); ts != nil {
					w.must(w.h.Run(ts.TaskARN))
				}
			case a == 5:
				w.h.HealAll()
			case a == 6:
				if ts := pick(rng, w.h.Tasks(), func(t *ecs.Task) bool { return !t.Terminal() }); ts != nil {
					if _, ok := w.h.TargetHealth(tg, ts.TaskARN); ok {
						w.h.SetTargetHealth(tg, ts.TaskARN, scheduler.TargetStateUnhealthy, "")
					}
				}
			case a == 7:
				if ts := pick(rng, w.h.Tasks(), func(t *ecs.Task) bool { return !t.Terminal() && t.LastStatus != ecs.TaskStatusRunning }); ts != nil {
					w.must(w.h.FailToStart(ts.TaskARN, "CannotPullContainerError: x"))
				} else if ts := pick(rng, w.h.Tasks(), func(t *ecs.Task) bool { return !t.Terminal() }); ts != nil {
					w.must(w.h.ExitEssential(ts.TaskARN))
				}
			case a == 8:
				w.must(w.h.FinishStops())
			case a == 9:
				w.h.Advance(time.Duration(rng.IntN(120)) * time.Second)
			case a == 10:
				deploys++
				td := w.td1
				if deploys%2 == 1 {
					td = w.td2
				}
				switch rng.IntN(3) {
				case 0:
					w.h.Deploy(w.svc, td.TaskDefinitionARN, fmt.Sprintf("ecs-svc/%019d", 5000+deploys))
				case 1:
					w.h.SetDesiredCount(w.svc, rng.IntN(7))
				case 2:
					cis := w.h.ContainerInstances(ecstest.Scope.ClusterARN(ecstest.ClusterName))
					if len(cis) > 0 {
						ci := cis[rng.IntN(len(cis))]
						st := ecs.ContainerInstanceStatusActive
						if ci.Status == st {
							st = ecs.ContainerInstanceStatusDraining
						}
						w.h.SetInstanceStatus(ci.ContainerInstanceARN, st)
					}
				}
			default:
				w.must(w.h.RunAll())
			}
		}
	}
}

func pick(rng *rand.Rand, ts []*ecs.Task, keep func(*ecs.Task) bool) *ecs.Task {
	ts = slices.DeleteFunc(ts, func(t *ecs.Task) bool { return !keep(t) })
	if len(ts) == 0 {
		return nil
	}
	return ts[rng.IntN(len(ts))]
}

func randomTD(rng *rand.Rand, family string, rev int) *ecs.TaskDefinition {
	td := ecstest.TaskDefinition()
	td.Family = family
	cd := &td.ContainerDefinitions[0]
	cd.CPU = []int{0, 128, 256, 512}[rng.IntN(4)]
	cd.Memory = ptr([]int{64, 128, 256, 512}[rng.IntN(4)])
	if rng.IntN(3) == 0 {
		cd.PortMappings[0].HostPort = 8080
	}
	if rng.IntN(4) == 0 {
		cd.PortMappings = append(cd.PortMappings, ecs.PortMapping{ContainerPort: 9000, Protocol: ecs.TransportProtocolUDP})
	}
	td.Register(ecstest.Scope.TaskDefinitionARN(family, rev), rev, ecstest.Now)
	return td
}

func randomInstance(rng *rand.Rand, n int) *ecs.ContainerInstance {
	ci := ecstest.ContainerInstance(n)
	ports := slices.Clone(ecs.ReservedPorts)
	if rng.IntN(5) == 0 {
		ports = append(ports, 8080) // someone else holds 8080
	}
	ci.RegisteredResources = ecs.NewResources([]int{512, 1024, 2048}[rng.IntN(3)], []int{512, 993, 2048}[rng.IntN(3)], ports, nil)
	ci.RemainingResources = ci.RegisteredResources.Copy()
	if rng.IntN(5) == 0 {
		ci.Status = ecs.ContainerInstanceStatusDraining
	}
	ci.AgentConnected = rng.IntN(10) != 0
	return ci
}

func randomService(rng *rand.Rand) *ecs.Service {
	s := ecstest.Service()
	s.DesiredCount = rng.IntN(7)
	s.Deployments[0].DesiredCount = s.DesiredCount
	dc := &s.DeploymentConfiguration
	dc.MinimumHealthyPercent = ptr([]int{0, 25, 50, 75, 100}[rng.IntN(5)])
	dc.MaximumPercent = ptr([]int{100, 125, 150, 200}[rng.IntN(4)])
	dc.DeploymentCircuitBreaker = &ecs.DeploymentCircuitBreaker{Enable: rng.IntN(2) == 0, Rollback: rng.IntN(2) == 0}
	if rng.IntN(2) == 0 {
		s.LoadBalancers = nil
		s.HealthCheckGracePeriodSeconds = nil
	} else {
		s.HealthCheckGracePeriodSeconds = ptr([]int{0, 30}[rng.IntN(2)])
	}
	s.PlacementStrategy = [][]ecs.PlacementStrategy{
		nil,
		{{Type: ecs.PlacementStrategyTypeBinpack, Field: "memory"}},
		{{Type: ecs.PlacementStrategyTypeBinpack, Field: "cpu"}, {Type: ecs.PlacementStrategyTypeSpread, Field: "instanceId"}},
		{{Type: ecs.PlacementStrategyTypeRandom}},
	}[rng.IntN(4)]
	if rng.IntN(5) == 0 {
		s.PlacementConstraints = []ecs.PlacementConstraint{{Type: ecs.PlacementConstraintTypeDistinctInstance}}
	}
	return s
}

func randomWorld(tb testing.TB, rng *rand.Rand) *world {
	h := schedulertest.New()
	h.Seed = rng.Uint64()
	td1, td2 := randomTD(rng, "api", 1), randomTD(rng, "api", 2)
	h.AddTaskDefinition(td1)
	h.AddTaskDefinition(td2)
	for i := 1; i <= rng.IntN(5); i++ {
		h.AddInstance(randomInstance(rng, i))
	}
	s := randomService(rng)
	h.AddService(s)
	return &world{tb: tb, h: h, svc: s.ServiceARN, td1: td1, td2: td2}
}

// randomInput builds a consistent snapshot: tasks are only put where they
// fit, with host ports chosen as the agent would.
func randomInput(rng *rand.Rand) scheduler.Input {
	now := ecstest.Now.Add(time.Hour)
	s := randomService(rng)
	td1, td2 := randomTD(rng, "api", 1), randomTD(rng, "api", 2)
	if rng.IntN(2) == 0 {
		s.Deployments[0].Status = ecs.DeploymentStatusActive
		s.Deployments[0].Complete(ecstest.Now)
		d := ecs.NewDeployment(dep2, td2.TaskDefinitionARN, s.DesiredCount, ecstest.Now.Add(time.Minute))
		s.Deployments = append([]ecs.Deployment{d}, s.Deployments...)
		s.TaskDefinition = td2.TaskDefinitionARN
	}
	in := scheduler.Input{
		Now:             now,
		Service:         s,
		TaskDefinitions: map[string]*ecs.TaskDefinition{td1.TaskDefinitionARN: td1, td2.TaskDefinitionARN: td2},
		History:         map[string]scheduler.History{},
		Seed:            rng.Uint64(),
	}
	for _, d := range s.Deployments {
		in.History[d.ID] = scheduler.History{FailedTasks: rng.IntN(4), FailedLaunches: rng.IntN(3), LastFailedLaunch: now.Add(-time.Duration(rng.IntN(60)) * time.Second)}
	}
	for i := 1; i <= rng.IntN(6); i++ {
		in.Instances = append(in.Instances, scheduler.Instance{ContainerInstance: randomInstance(rng, i)})
	}
	for k := range rng.IntN(12) {
		if len(in.Instances) == 0 {
			break
		}
		inst := &in.Instances[rng.IntN(len(in.Instances))]
		d := s.Deployments[rng.IntN(len(s.Deployments))]
		td := in.TaskDefinitions[d.TaskDefinition]
		demand := ecs.NewDemand(td)
		if demand.Fit(inst.ContainerInstance) != nil {
			continue
		}
		used := ecs.PortsInUse(inst.ContainerInstance, inst.Tasks)
		if slices.ContainsFunc(demand.Ports, func(hp ecs.HostPort) bool { return used[hp] }) {
			continue
		}
		binds, next, err := ecs.AssignHostPorts(td, used, inst.NextHostPort)
		if err != nil {
			continue
		}
		id := fmt.Sprintf("%032x", 0xf000+k)
		task := ecs.NewTask(td, ecs.NewTaskInput{
			TaskARN:              ecstest.Scope.TaskARN(ecstest.ClusterName, id),
			ClusterARN:           s.ClusterARN,
			ContainerInstanceARN: inst.ContainerInstanceARN,
			Group:                s.Group(),
			StartedBy:            d.ID,
			Now:                  ecstest.Now,
		})
		task.Containers[0].NetworkBindings = binds["api"]
		var th map[string]scheduler.TargetHealth
		switch rng.IntN(4) {
		case 0: // PENDING
		case 3:
			task.Stop(ecs.StopCodeServiceSchedulerInitiated, ecs.StoppedReasonScaling(d.ID))
			fallthrough
		default:
			_ = task.SetLastStatus(ecs.TaskStatusRunning, now.Add(-time.Duration(rng.IntN(90))*time.Second))
			if len(s.LoadBalancers) > 0 && rng.IntN(4) != 0 {
				states := []scheduler.TargetState{scheduler.TargetStateInitial, scheduler.TargetStateHealthy, scheduler.TargetStateHealthy, scheduler.TargetStateUnhealthy, scheduler.TargetStateDraining}
				th = map[string]scheduler.TargetHealth{tg: {State: states[rng.IntN(len(states))]}}
			}
		}
		inst.ContainerInstance = inst.ContainerInstance.Copy()
		inst.RemainingResources = demand.Reserve(inst.RemainingResources)
		inst.Tasks = append(inst.Tasks, task)
		inst.NextHostPort = next
		in.Tasks = append(in.Tasks, scheduler.Task{Task: task, TargetHealth: th})
	}
	return in
}

// healthy is the test's own reading of §9.1: RUNNING and desired RUNNING;
// with load balancers healthy in each; without, 40 s after startedAt.
func healthy(in scheduler.Input, t scheduler.Task) bool {
	if t.Terminal() || t.LastStatus != ecs.TaskStatusRunning {
		return false
	}
	if len(in.Service.LoadBalancers) > 0 {
		for _, lb := range in.Service.LoadBalancers {
			if t.TargetHealth[lb.TargetGroupARN].State != scheduler.TargetStateHealthy {
				return false
			}
		}
		return true
	}
	return !in.Now.Before(t.StartedAt.Add(40 * time.Second))
}

func checkPlan(in scheduler.Input, p scheduler.Plan) error {
	stopped := map[string]bool{}
	for _, s := range p.Stop {
		if stopped[s.TaskARN] {
			return fmt.Errorf("task %s stopped twice", s.TaskARN)
		}
		stopped[s.TaskARN] = true
	}
	live, healthyBefore, healthyAfter := 0, 0, 0
	for _, t := range in.Tasks {
		if stopped[t.TaskARN] && (t.ControlTerminal() || t.AgentTerminal()) {
			return fmt.Errorf("task %s stopped but already desired STOPPED", t.TaskARN)
		}
		h := healthy(in, t)
		if h {
			healthyBefore++
		}
		if stopped[t.TaskARN] || t.Terminal() {
			continue
		}
		live++
		if h {
			healthyAfter++
		}
	}
	if len(stopped) > 0 && len(in.Tasks) == 0 {
		return fmt.Errorf("stops without tasks")
	}
	desired := in.Service.DesiredCount
	lower, upper := in.Service.DeploymentConfiguration.Bounds(desired)
	if in.Service.Status == ecs.ServiceStatusActive {
		if n := len(p.Place); n > 0 && live+n > upper {
			return fmt.Errorf("running+pending %d+%d exceeds %d (desired %d, max %d%%)", live, n, upper, desired, *in.Service.DeploymentConfiguration.MaximumPercent)
		}
		if healthyAfter < min(healthyBefore, lower) {
			return fmt.Errorf("healthy %d → %d, below %d (desired %d, min %d%%)", healthyBefore, healthyAfter, lower, desired, *in.Service.DeploymentConfiguration.MinimumHealthyPercent)
		}
	}
	byARN := map[string]scheduler.Instance{}
	for _, inst := range in.Instances {
		byARN[inst.ContainerInstanceARN] = inst
	}
	cpu, mem := map[string]int{}, map[string]int{}
	ports := map[string]map[ecs.HostPort]string{}
	for _, inst := range in.Instances {
		m := map[ecs.HostPort]string{}
		for _, t := range inst.Tasks {
			if t.AgentTerminal() {
				continue
			}
			for _, c := range t.Containers {
				for _, b := range c.NetworkBindings {
					hp := ecs.HostPort{Port: b.HostPort, Protocol: b.Protocol}
					if m[hp] != "" {
						return fmt.Errorf("input: port %v twice on %s", hp, inst.ID())
					}
					m[hp] = t.TaskARN
				}
			}
		}
		ports[inst.ContainerInstanceARN] = m
	}
	for _, pl := range p.Place {
		inst, ok := byARN[pl.ContainerInstanceARN]
		if !ok {
			return fmt.Errorf("placed on unknown instance %s", pl.ContainerInstanceARN)
		}
		if !inst.Schedulable() {
			return fmt.Errorf("placed on %s instance %s (agent %v)", inst.Status, inst.ID(), inst.AgentConnected)
		}
		cpu[pl.ContainerInstanceARN] += pl.Demand.CPU
		mem[pl.ContainerInstanceARN] += pl.Demand.Memory
		if cpu[pl.ContainerInstanceARN] > inst.RemainingResources.Integer(ecs.ResourceCPU) ||
			mem[pl.ContainerInstanceARN] > inst.RemainingResources.Integer(ecs.ResourceMemory) {
			return fmt.Errorf("instance %s over-committed: cpu %d/%d, memory %d/%d", inst.ID(),
				cpu[pl.ContainerInstanceARN], inst.RemainingResources.Integer(ecs.ResourceCPU),
				mem[pl.ContainerInstanceARN], inst.RemainingResources.Integer(ecs.ResourceMemory))
		}
		reserved := map[ecs.HostPort]bool{}
		for _, port := range inst.RemainingResources.Ports(ecs.ResourcePorts) {
			reserved[ecs.HostPort{Port: port, Protocol: ecs.TransportProtocolTCP}] = true
		}
		for _, port := range inst.RemainingResources.Ports(ecs.ResourcePortsUDP) {
			reserved[ecs.HostPort{Port: port, Protocol: ecs.TransportProtocolUDP}] = true
		}
		m := ports[pl.ContainerInstanceARN]
		for _, bs := range pl.NetworkBindings {
			for _, b := range bs {
				hp := ecs.HostPort{Port: b.HostPort, Protocol: b.Protocol}
				if m[hp] != "" {
					return fmt.Errorf("port %v on %s given to %s, held by %s", hp, inst.ID(), pl.TaskID, m[hp])
				}
				if reserved[hp] {
					return fmt.Errorf("port %v on %s is reserved", hp, inst.ID())
				}
				m[hp] = pl.TaskID
			}
		}
	}
	return nil
}

func describe(in scheduler.Input) string {
	s := fmt.Sprintf("desired %d min %d max %d lb %d deployments %d tasks %d instances %d",
		in.Service.DesiredCount, *in.Service.DeploymentConfiguration.MinimumHealthyPercent,
		*in.Service.DeploymentConfiguration.MaximumPercent, len(in.Service.LoadBalancers),
		len(in.Service.Deployments), len(in.Tasks), len(in.Instances))
	for _, t := range in.Tasks {
		s += fmt.Sprintf("\n  %s %s/%s %s health %v", t.ID(), t.DesiredStatus, t.LastStatus, t.StartedBy, t.TargetHealth)
	}
	return s
}
