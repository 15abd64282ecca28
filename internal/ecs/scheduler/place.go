package scheduler

import (
	"cmp"
	"slices"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// node is a container instance as placement sees it during one
// evaluation: its remaining resources, ports and task groups are updated
// after every task placed, so the next task sees them (§10.1, one task at
// a time).
type node struct {
	ci     *ecs.ContainerInstance // a copy; RemainingResources is updated
	used   map[ecs.HostPort]bool
	groups []string
	next   int
	// serviceTasks counts the service's tasks desired RUNNING on it.
	serviceTasks int
}

func newNode(in Instance) *node {
	n := &node{ci: in.ContainerInstance.Copy(), next: in.NextHostPort}
	n.used = ecs.PortsInUse(in.ContainerInstance, in.Tasks)
	for _, t := range in.Tasks {
		if !t.AgentTerminal() {
			n.groups = append(n.groups, t.Group)
		}
	}
	return n
}

// failure stages, in the order the checks run: the closest match is the
// instance that got furthest (§9.8).
func stage(r ecs.PlacementFailure) int {
	switch r {
	case ecs.PlacementFailureAgent:
		return 0
	case ecs.PlacementFailureCPU:
		return 1
	case ecs.PlacementFailureMemory:
		return 2
	case ecs.PlacementFailurePorts, ecs.PlacementFailurePortsUDP:
		return 3
	}
	return 4
}

// placeTasks starts PRIMARY tasks up to desired while RUNNING + PENDING
// stays within upper (§9.2), one at a time. It returns how many it
// placed; on the first task that fits nowhere it emits the unable-to-place
// event and stops.
func (r *reconciler) placeTasks(desired, upper int) int {
	live, cur := 0, 0
	for _, t := range r.tasks {
		if t.live() {
			live++
		}
		if t.current() {
			cur++
		}
	}
	n := min(desired-cur, upper-live)
	if n <= 0 {
		return 0
	}
	td := r.in.TaskDefinitions[r.primary.TaskDefinition]
	if td == nil {
		return 0 // control resolves task definitions; nothing to place
	}
	strategies := r.svc.PlacementStrategy
	if len(strategies) == 0 {
		// §10.1: a service without strategies spreads over availability
		// zones, then over instances.
		strategies = []ecs.PlacementStrategy{ecs.SpreadAZ, {Type: ecs.PlacementStrategyTypeSpread, Field: ecs.PlacementFieldInstanceID}}
	}
	// The task definition's constraints and the service's must all hold.
	// They were validated on registration; one that does not compile is
	// left out.
	cons, _ := ecs.CompileConstraints(append(slices.Clone(td.PlacementConstraints), r.svc.PlacementConstraints...))
	demand := ecs.NewDemand(td)
	group := r.svc.Group()
	var ids []string
	var fail *closest
	failed := false
	for range n {
		best, perr := r.choose(demand, cons, group, strategies)
		if best == nil {
			fail, failed = perr, true
			break
		}
		binds, next, err := ecs.AssignHostPorts(td, best.used, best.next)
		if err != nil {
			fail, failed = &closest{node: best, err: ecs.PlacementError{Reason: ecs.PlacementFailurePorts, Detail: ecs.ClosestMatchPort}}, true
			break
		}
		id := r.newTaskID()
		r.plan.Place = append(r.plan.Place, Placement{
			TaskID:               id,
			DeploymentID:         r.primary.ID,
			TaskDefinitionARN:    td.TaskDefinitionARN,
			ContainerInstanceARN: best.ci.ContainerInstanceARN,
			AvailabilityZone:     azOf(best.ci),
			Group:                group,
			NetworkBindings:      binds,
			NextHostPort:         next,
			Demand:               demand,
		})
		ids = append(ids, id)
		best.ci.RemainingResources = demand.Reserve(best.ci.RemainingResources)
		for _, bs := range binds {
			for _, b := range bs {
				best.used[ecs.HostPort{Port: b.HostPort, Protocol: b.Protocol}] = true
			}
		}
		best.next = next
		best.groups = append(best.groups, group)
		best.serviceTasks++
	}
	if len(ids) > 0 {
		r.event(ecs.EventStartedTasks(r.svc.ServiceName, ids), false)
	}
	if failed {
		r.unableToPlace(fail)
	}
	return len(ids)
}

// closest is the instance that came nearest to taking a task.
type closest struct {
	node *node
	err  ecs.PlacementError
}

// choose returns the best instance for one task, or nil and the closest
// match. Feasibility first (§10.1 steps 1-2: ACTIVE with its agent,
// resources and ports, then constraints), then the strategies in order,
// each a score where lower is better, then the instance ARN.
func (r *reconciler) choose(d ecs.Demand, cons ecs.Constraints, group string, strategies []ecs.PlacementStrategy) (*node, *closest) {
	var feasible []*node
	var near *closest
	for _, n := range r.nodes {
		if n.ci.Status != ecs.ContainerInstanceStatusActive {
			continue // DRAINING and others take no new tasks (§9.9)
		}
		perr := d.Fit(n.ci)
		if perr == nil {
			// Fit knows the reserved and static ports; a static port may
			// also be bound dynamically by another task.
			for _, hp := range d.Ports {
				if n.used[hp] {
					perr = &ecs.PlacementError{Reason: ecs.PlacementFailurePorts, Detail: ecs.ClosestMatchPort}
					break
				}
			}
		}
		if perr == nil {
			perr = cons.Check(ecs.QueryInput{Instance: n.ci, TaskGroups: n.groups}, group)
		}
		if perr != nil {
			if near == nil || stage(perr.Reason) > stage(near.err.Reason) {
				near = &closest{node: n, err: *perr}
			}
			continue
		}
		feasible = append(feasible, n)
	}
	if len(feasible) == 0 {
		return nil, near
	}
	scores := make(map[*node][]int, len(feasible))
	for _, s := range strategies {
		counts := map[string]int{}
		if s.Type == ecs.PlacementStrategyTypeSpread {
			for _, n := range r.nodes {
				counts[s.SpreadKey(n.ci)] += n.serviceTasks
			}
		}
		for _, n := range feasible {
			var v int
			switch s.Type {
			case ecs.PlacementStrategyTypeSpread:
				v = counts[s.SpreadKey(n.ci)]
			case ecs.PlacementStrategyTypeBinpack:
				// Least remaining of the resource after placing wins.
				if s.Field == ecs.PlacementFieldCPU {
					v = n.ci.RemainingResources.Integer(ecs.ResourceCPU) - d.CPU
				} else {
					v = n.ci.RemainingResources.Integer(ecs.ResourceMemory) - d.Memory
				}
			case ecs.PlacementStrategyTypeRandom:
				v = r.rng.IntN(1 << 30)
			}
			scores[n] = append(scores[n], v)
		}
	}
	best := slices.MinFunc(feasible, func(a, b *node) int {
		if c := slices.Compare(scores[a], scores[b]); c != 0 {
			return c
		}
		return cmp.Compare(a.ci.ContainerInstanceARN, b.ci.ContainerInstanceARN)
	})
	return best, nil
}

// unableToPlace emits §9.8's event with the closest match, or the
// no-instances variant when no instance is ACTIVE. While tasks of the
// service are stopping their resources are about to be released, so the
// event waits (emulator choice: a rolling deployment with
// minimumHealthyPercent < 100 on a full cluster would otherwise report
// every step).
func (r *reconciler) unableToPlace(c *closest) {
	for _, t := range r.tasks {
		if t.ControlTerminal() || t.stopped {
			return
		}
	}
	if c == nil {
		r.event(ecs.EventUnableToPlaceNoInstances(r.svc.ServiceName), true)
		return
	}
	r.event(ecs.EventUnableToPlace(r.svc.ServiceName, c.node.ci.ID(), c.err.Detail), true)
}
