package ecs

import (
	"slices"
	"strconv"
)

// ResourceName is the name of a container instance resource (§10.3).
type ResourceName string

// Resource names of registeredResources and remainingResources.
const (
	ResourceCPU      ResourceName = "CPU"
	ResourceMemory   ResourceName = "MEMORY"
	ResourcePorts    ResourceName = "PORTS"
	ResourcePortsUDP ResourceName = "PORTS_UDP"
)

// ResourceValueType is Resource.Type.
type ResourceValueType string

// Resource value types. CPU and MEMORY are INTEGER, PORTS and PORTS_UDP are
// STRINGSET (§10.3); the others exist in the API for GPUs and are unused.
const (
	ResourceValueTypeInteger   ResourceValueType = "INTEGER"
	ResourceValueTypeLong      ResourceValueType = "LONG"
	ResourceValueTypeDouble    ResourceValueType = "DOUBLE"
	ResourceValueTypeStringSet ResourceValueType = "STRINGSET"
)

// Resource is one entry of a container instance's registeredResources or
// remainingResources. The API always writes the three numeric members
// (0 when unused) and stringSetValue only for STRINGSET resources, as the
// DescribeContainerInstances example shows.
type Resource struct {
	Name           ResourceName      `json:"name"`
	Type           ResourceValueType `json:"type"`
	DoubleValue    float64           `json:"doubleValue"`
	LongValue      int64             `json:"longValue"`
	IntegerValue   int               `json:"integerValue"`
	StringSetValue []string          `json:"stringSetValue,omitzero"`
}

// Resources is a resource list with lookups by name.
type Resources []Resource

// Integer returns the INTEGER value of the named resource, 0 if absent.
func (rs Resources) Integer(name ResourceName) int {
	for _, r := range rs {
		if r.Name == name {
			return r.IntegerValue
		}
	}
	return 0
}

// Ports returns the reserved ports of a PORTS or PORTS_UDP resource as
// integers, ignoring entries that are not numbers.
func (rs Resources) Ports(name ResourceName) []int {
	for _, r := range rs {
		if r.Name != name {
			continue
		}
		ports := make([]int, 0, len(r.StringSetValue))
		for _, s := range r.StringSetValue {
			if p, err := strconv.Atoi(s); err == nil {
				ports = append(ports, p)
			}
		}
		return ports
	}
	return nil
}

// Copy returns a deep copy.
func (rs Resources) Copy() Resources {
	if rs == nil {
		return nil
	}
	c := make(Resources, len(rs))
	for i, r := range rs {
		c[i] = r
		c[i].StringSetValue = slices.Clone(r.StringSetValue)
	}
	return c
}

// NewResources builds the resource list of a container instance in the
// order the agent registers it: CPU, MEMORY, PORTS, PORTS_UDP. The port
// lists are written as strings in the order given.
func NewResources(cpu, memory int, tcp, udp []int) Resources {
	return Resources{
		{Name: ResourceCPU, Type: ResourceValueTypeInteger, IntegerValue: cpu},
		{Name: ResourceMemory, Type: ResourceValueTypeInteger, IntegerValue: memory},
		{Name: ResourcePorts, Type: ResourceValueTypeStringSet, StringSetValue: portStrings(tcp)},
		{Name: ResourcePortsUDP, Type: ResourceValueTypeStringSet, StringSetValue: portStrings(udp)},
	}
}

func portStrings(ports []int) []string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(p)
	}
	return s
}

// InstanceType is what an EC2 instance type registers with ECS.
type InstanceType struct {
	// CPU is 1024 units per vCPU.
	CPU int
	// Memory is the registered MEMORY in MiB: what the OS sees, less
	// ECS_RESERVED_MEMORY (0 by default), so below the nominal size.
	Memory int
}

// InstanceTypes are the instance types the spec gives registered values
// for (§10.3): the t2 table (registered values as a third-party table
// records them; they vary by AMI and kernel) and m4.large (8373026816 B
// visible → 7985 MiB).
var InstanceTypes = map[string]InstanceType{
	"t2.micro":  {CPU: 1024, Memory: 993},
	"t2.small":  {CPU: 1024, Memory: 2001},
	"t2.medium": {CPU: 2048, Memory: 3952},
	"t2.large":  {CPU: 2048, Memory: 7984},
	"m4.large":  {CPU: 2048, Memory: 7985},
}

// DefaultInstanceType is the instance type of a container instance that
// names none (emulator choice: the smallest the spec lists).
const DefaultInstanceType = "t2.micro"

// ReservedPorts are the TCP ports the Linux agent reserves by default
// (ECS_RESERVED_PORTS, §10.3): SSH, the Docker daemon and the agent.
// ReservedPortsUDP (ECS_RESERVED_PORTS_UDP) is empty by default.
var (
	ReservedPorts    = []int{22, 2375, 2376, 51678, 51679}
	ReservedPortsUDP = []int{}
)

// Dynamic host port range (§10.3): the agent uses ECS_DYNAMIC_HOST_PORT_RANGE,
// which defaults to the kernel's ip_local_port_range, 32768-60999 on Linux.
const (
	DynamicPortFirst = 32768
	DynamicPortLast  = 60999
)

// MaxReservedPorts is the most reserved ports a container instance may hold,
// the defaults included; dynamic ports do not count (§10.3).
const MaxReservedPorts = 100
