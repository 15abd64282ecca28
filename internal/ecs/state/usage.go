package state

import (
	"cmp"
	"slices"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// Usage is what the tasks on a container instance hold (§10.3), computed
// from the tasks the agent has not reported STOPPED: resources are
// released on ecs.Task.AgentTerminal only, so a task desired STOPPED still
// holds its CPU, memory and ports until its containers are gone.
type Usage struct {
	// CPU and Memory are the sums of the tasks' task definitions'
	// reservations (ecs.NewDemand; overrides are not counted).
	CPU    int
	Memory int
	// Ports are the host ports held, sorted by protocol then port: the
	// static ports of the task definitions and every host port in the
	// tasks' network bindings (dynamic ones included, which remaining
	// resources leave out but the host cannot reuse).
	Ports []ecs.HostPort
	// Running and Pending count the tasks by lastStatus: RUNNING, and
	// anything before RUNNING (runningTasksCount, pendingTasksCount).
	Running int
	Pending int
	// Remaining is the instance's registered resources less what the
	// tasks reserve (ecs.Demand.Reserve), the remainingResources control
	// writes back on the instance.
	Remaining ecs.Resources
}

// InstanceUsage returns the usage of a container instance and whether the
// instance exists.
func (s *Snapshot) InstanceUsage(instanceARN string) (Usage, bool) {
	ci := s.instances.m[instanceARN]
	if ci == nil {
		return Usage{}, false
	}
	u := Usage{Remaining: ci.RegisteredResources.Copy()}
	seen := map[ecs.HostPort]bool{}
	addPort := func(hp ecs.HostPort) {
		if hp.Protocol != ecs.TransportProtocolUDP {
			hp.Protocol = ecs.TransportProtocolTCP
		}
		if !seen[hp] {
			seen[hp] = true
			u.Ports = append(u.Ports, hp)
		}
	}
	for _, arn := range s.tasksByInstance[instanceARN] {
		t := s.tasks.m[arn]
		if t.AgentTerminal() {
			continue
		}
		switch t.LastStatus {
		case ecs.TaskStatusRunning:
			u.Running++
		case ecs.TaskStatusProvisioning, ecs.TaskStatusPending, ecs.TaskStatusActivating:
			u.Pending++
		}
		if td := s.taskDefs.m[t.TaskDefinitionARN]; td != nil {
			d := ecs.NewDemand(td)
			u.CPU += d.CPU
			u.Memory += d.Memory
			for _, hp := range d.Ports {
				addPort(hp)
			}
			u.Remaining = d.Reserve(u.Remaining)
		}
		for _, c := range t.Containers {
			for _, nb := range c.NetworkBindings {
				if nb.HostPort != 0 {
					addPort(ecs.HostPort{Port: nb.HostPort, Protocol: nb.Protocol})
				}
			}
		}
	}
	slices.SortFunc(u.Ports, func(a, b ecs.HostPort) int {
		return cmp.Or(cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Port, b.Port))
	})
	return u, true
}
