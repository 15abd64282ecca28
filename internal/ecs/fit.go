package ecs

import (
	"slices"
	"strconv"
)

// Resource accounting for placement (§10.3). These are pure functions over
// a container instance's resource lists; the scheduler filters and ranks
// with them and control applies the result.
//
// What a task reserves on an instance:
//   - CPU: TaskDefinition.CPUUnits, MEMORY: TaskDefinition.MemoryMiB;
//   - its static host ports, which are added to remainingResources PORTS
//     (or PORTS_UDP) while the task holds them, as the
//     DescribeContainerInstances example shows ("80" appears after a task
//     with hostPort 80 is placed);
//   - dynamic host ports are not in remainingResources (they "don't
//     count"); the agent picks them when it starts the task, from the
//     ports not in use on the instance (AssignHostPorts).

// HostPort is a host port and its protocol.
type HostPort struct {
	Port     int
	Protocol TransportProtocol
}

// Demand is what one task of a task definition needs from an instance.
type Demand struct {
	CPU    int
	Memory int
	// Static host ports, in task definition order.
	Ports []HostPort
}

// NewDemand returns the demand of one task of td. For host network mode
// every mapping is static (hostPort = containerPort after Canonicalize).
func NewDemand(td *TaskDefinition) Demand {
	d := Demand{CPU: td.CPUUnits(), Memory: td.MemoryMiB()}
	for _, cd := range td.ContainerDefinitions {
		for _, pm := range cd.PortMappings {
			if pm.HostPort != 0 {
				d.Ports = append(d.Ports, HostPort{pm.HostPort, protocolOf(pm.Protocol)})
			}
		}
	}
	return d
}

func protocolOf(p TransportProtocol) TransportProtocol {
	if p == TransportProtocolUDP {
		return p
	}
	return TransportProtocolTCP
}

func portsResource(p TransportProtocol) ResourceName {
	if p == TransportProtocolUDP {
		return ResourcePortsUDP
	}
	return ResourcePorts
}

// Fit reports whether a task with demand d can be placed on ci now, as
// the first placement step does (§10.1): the agent must be connected, then
// CPU, memory and the static ports must be available. It returns nil or
// a *PlacementError whose Detail is the closest-match clause of the
// service event. It does not look at the instance status or constraints;
// the scheduler filters those (Schedulable, memberOf, distinctInstance).
func (d Demand) Fit(ci *ContainerInstance) *PlacementError {
	if !ci.AgentConnected {
		return &PlacementError{Reason: PlacementFailureAgent, Detail: ClosestMatchNoAgent}
	}
	rem := ci.RemainingResources
	if d.CPU > rem.Integer(ResourceCPU) {
		return &PlacementError{Reason: PlacementFailureCPU, Detail: ClosestMatchCPU}
	}
	if d.Memory > rem.Integer(ResourceMemory) {
		return &PlacementError{Reason: PlacementFailureMemory, Detail: ClosestMatchMemory}
	}
	tcp, udp := rem.Ports(ResourcePorts), rem.Ports(ResourcePortsUDP)
	for _, hp := range d.Ports {
		if hp.Protocol == TransportProtocolUDP {
			if slices.Contains(udp, hp.Port) {
				return &PlacementError{Reason: PlacementFailurePortsUDP, Detail: ClosestMatchPort}
			}
		} else if slices.Contains(tcp, hp.Port) {
			return &PlacementError{Reason: PlacementFailurePorts, Detail: ClosestMatchPort}
		}
	}
	if len(tcp)+len(udp)+len(d.Ports) > MaxReservedPorts {
		return &PlacementError{Reason: PlacementFailurePorts, Detail: ClosestMatchPort}
	}
	return nil
}

// Reserve returns the remaining resources after placing a task with
// demand d: CPU and memory subtracted, static ports added to the port
// sets. It does not check the fit (call Fit first) and does not modify
// rem.
func (d Demand) Reserve(rem Resources) Resources {
	return d.apply(rem, -1)
}

// Release is the inverse of Reserve, for a task that reached STOPPED.
func (d Demand) Release(rem Resources) Resources {
	return d.apply(rem, +1)
}

func (d Demand) apply(rem Resources, sign int) Resources {
	out := rem.Copy()
	for i := range out {
		r := &out[i]
		switch r.Name {
		case ResourceCPU:
			r.IntegerValue += sign * d.CPU
		case ResourceMemory:
			r.IntegerValue += sign * d.Memory
		case ResourcePorts, ResourcePortsUDP:
			for _, hp := range d.Ports {
				if portsResource(hp.Protocol) != r.Name {
					continue
				}
				s := strconv.Itoa(hp.Port)
				if sign < 0 {
					r.StringSetValue = append(r.StringSetValue, s)
				} else if j := slices.Index(r.StringSetValue, s); j >= 0 {
					r.StringSetValue = slices.Delete(r.StringSetValue, j, j+1)
				}
			}
		}
	}
	return out
}

// PortsInUse returns the host ports taken on an instance: the reserved and
// static ports of its remaining resources, and every binding of its tasks
// that are not STOPPED (dynamic ports included). AssignHostPorts avoids
// them.
func PortsInUse(ci *ContainerInstance, tasks []*Task) map[HostPort]bool {
	used := make(map[HostPort]bool)
	for _, p := range ci.RemainingResources.Ports(ResourcePorts) {
		used[HostPort{p, TransportProtocolTCP}] = true
	}
	for _, p := range ci.RemainingResources.Ports(ResourcePortsUDP) {
		used[HostPort{p, TransportProtocolUDP}] = true
	}
	for _, t := range tasks {
		if t.AgentTerminal() {
			continue
		}
		for _, c := range t.Containers {
			for _, nb := range c.NetworkBindings {
				used[HostPort{nb.HostPort, protocolOf(nb.Protocol)}] = true
			}
		}
	}
	return used
}

// AssignHostPorts chooses the network bindings of a task of td on an
// instance where the ports in used are taken, keyed by container name.
// Static host ports are bound as given (Fit has checked them against the
// reserved ports, and the caller must not pass the task's own static ports
// in used). Dynamic ports (hostPort 0 in bridge mode) come from
// DynamicPortFirst-DynamicPortLast, searching upward from next and
// wrapping around, so a port freed by a stopped task is not handed out
// again at once while its old ALB target may still be draining (emulator
// choice; the agent's own search order is not documented). The second
// result is the cursor to pass next time. If the range is exhausted the
// error is a *PlacementError RESOURCE:PORTS.
func AssignHostPorts(td *TaskDefinition, used map[HostPort]bool, next int) (map[string][]NetworkBinding, int, error) {
	const span = DynamicPortLast - DynamicPortFirst + 1
	if next < DynamicPortFirst || next > DynamicPortLast {
		next = DynamicPortFirst
	}
	taken := make(map[HostPort]bool, len(used))
	for hp := range used {
		taken[hp] = true
	}
	// The task's own static ports are taken before any dynamic port is
	// chosen, so a dynamic mapping listed first cannot take a static port a
	// later mapping asks for.
	for _, hp := range NewDemand(td).Ports {
		taken[hp] = true
	}
	out := make(map[string][]NetworkBinding, len(td.ContainerDefinitions))
	for _, cd := range td.ContainerDefinitions {
		binds := []NetworkBinding{}
		for _, pm := range cd.PortMappings {
			proto := protocolOf(pm.Protocol)
			host := pm.HostPort
			if host == 0 {
				found := false
				for i := 0; i < span; i++ {
					p := DynamicPortFirst + (next-DynamicPortFirst+i)%span
					if !taken[HostPort{p, proto}] {
						host, found = p, true
						next = DynamicPortFirst + (p-DynamicPortFirst+1)%span
						break
					}
				}
				if !found {
					return nil, next, &PlacementError{Reason: portsFailure(proto), Detail: ClosestMatchPort}
				}
			}
			taken[HostPort{host, proto}] = true
			binds = append(binds, NetworkBinding{BindIP: BindIPAny, ContainerPort: pm.ContainerPort, HostPort: host, Protocol: proto})
		}
		out[cd.Name] = binds
	}
	return out, next, nil
}

func portsFailure(p TransportProtocol) PlacementFailure {
	if p == TransportProtocolUDP {
		return PlacementFailurePortsUDP
	}
	return PlacementFailurePorts
}
