package ecs

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
)

// ContainerInstanceStatus is ContainerInstance.Status (§9.9).
type ContainerInstanceStatus string

// Container instance statuses of the API. ecslocal uses ACTIVE and DRAINING
// (UpdateContainerInstancesState) and INACTIVE after deregistration.
const (
	ContainerInstanceStatusRegistering        ContainerInstanceStatus = "REGISTERING"
	ContainerInstanceStatusRegistrationFailed ContainerInstanceStatus = "REGISTRATION_FAILED"
	ContainerInstanceStatusActive             ContainerInstanceStatus = "ACTIVE"
	ContainerInstanceStatusInactive           ContainerInstanceStatus = "INACTIVE"
	ContainerInstanceStatusDeregistering      ContainerInstanceStatus = "DEREGISTERING"
	ContainerInstanceStatusDraining           ContainerInstanceStatus = "DRAINING"
)

// Built-in container instance attributes (§10.2).
const (
	AttributeAMIID            = "ecs.ami-id"
	AttributeAvailabilityZone = "ecs.availability-zone"
	AttributeInstanceType     = "ecs.instance-type"
	AttributeOSType           = "ecs.os-type"
	AttributeOSFamily         = "ecs.os-family"
	AttributeCPUArchitecture  = "ecs.cpu-architecture"
	AttributeVPCID            = "ecs.vpc-id"
	AttributeSubnetID         = "ecs.subnet-id"
)

// MaxCustomAttributes is how many attributes outside the ecs. namespace a
// resource may carry (§10.2); more is AttributeLimitExceededException.
const MaxCustomAttributes = 10

// Attribute is a container instance attribute. TargetType and TargetID are
// set by PutAttributes and omitted in DescribeContainerInstances output.
type Attribute struct {
	Name       string `json:"name"`
	Value      string `json:"value,omitempty"`
	TargetType string `json:"targetType,omitempty"`
	TargetID   string `json:"targetId,omitempty"`
}

// VersionInfo is the agent and Docker versions a container instance
// registered with.
type VersionInfo struct {
	AgentVersion  string `json:"agentVersion,omitempty"`
	AgentHash     string `json:"agentHash,omitempty"`
	DockerVersion string `json:"dockerVersion,omitempty"`
}

// ContainerInstance is an EC2 instance registered in a cluster (§11.5).
// In ecslocal an instance is a local agent; it has no EC2 instance behind
// it, only a generated ec2InstanceId and its own loopback address.
type ContainerInstance struct {
	ContainerInstanceARN string `json:"containerInstanceArn,omitempty"`
	// EC2InstanceID is "i-" and 17 lowercase hex digits.
	EC2InstanceID string `json:"ec2InstanceId"`
	// Version increases with every change of the instance's state, as the
	// API's version does; control bumps it.
	Version     int64       `json:"version"`
	VersionInfo VersionInfo `json:"versionInfo"`
	// RegisteredResources is what the instance offered when it registered;
	// RemainingResources is that less what the tasks placed on it reserve
	// (CPU, MEMORY) plus the static host ports they hold (PORTS, PORTS_UDP).
	RemainingResources  Resources               `json:"remainingResources"`
	RegisteredResources Resources               `json:"registeredResources"`
	Status              ContainerInstanceStatus `json:"status"`
	StatusReason        string                  `json:"statusReason,omitempty"`
	// AgentConnected is false while the local agent is not running; no task
	// is placed on such an instance (§10.1, "AGENT").
	AgentConnected    bool        `json:"agentConnected"`
	RunningTasksCount int         `json:"runningTasksCount"`
	PendingTasksCount int         `json:"pendingTasksCount"`
	AgentUpdateStatus string      `json:"agentUpdateStatus,omitempty"`
	Attributes        []Attribute `json:"attributes"`
	RegisteredAt      Timestamp   `json:"registeredAt,omitzero"`
	Tags              []Tag       `json:"tags,omitzero"`

	// Address is the loopback address the instance's containers bind host
	// ports on, 127.0.10.N, so that two instances can both bind the same
	// host port. It is local state, never on the wire; the ALB target for
	// a task is Address:hostPort.
	Address netip.Addr `json:"-"`
}

// AddressPrefix is the loopback block container instances take their
// addresses from: instance N gets 127.0.10.N (N 1-254).
var AddressPrefix = netip.MustParsePrefix("127.0.10.0/24")

// InstanceAddress returns the loopback address of the n-th container
// instance, 127.0.10.n; n must be 1-254.
func InstanceAddress(n int) netip.Addr {
	return netip.AddrFrom4([4]byte{127, 0, 10, byte(n)})
}

// Canonicalize fills what the agent supplies on registration: the ACTIVE
// status, the default attributes (instance type t2.micro, linux, x86_64),
// and, when none were given, the registered resources of the instance type
// with the default reserved ports, remaining = registered.
func (ci *ContainerInstance) Canonicalize() {
	if ci.Status == "" {
		ci.Status = ContainerInstanceStatusActive
	}
	if ci.Attributes == nil {
		ci.Attributes = []Attribute{}
	}
	setAttr := func(name, value string) {
		if _, ok := ci.Attribute(name); !ok {
			ci.Attributes = append(ci.Attributes, Attribute{Name: name, Value: value})
		}
	}
	setAttr(AttributeInstanceType, DefaultInstanceType)
	setAttr(AttributeOSType, "linux")
	setAttr(AttributeOSFamily, "LINUX")
	setAttr(AttributeCPUArchitecture, "x86_64")
	if ci.RegisteredResources == nil {
		it, _ := ci.Attribute(AttributeInstanceType)
		spec, ok := InstanceTypes[it]
		if !ok {
			spec = InstanceTypes[DefaultInstanceType]
		}
		ci.RegisteredResources = NewResources(spec.CPU, spec.Memory, ReservedPorts, ReservedPortsUDP)
	}
	if ci.RemainingResources == nil {
		ci.RemainingResources = ci.RegisteredResources.Copy()
	}
}

// Validate reports every problem of a canonical container instance.
func (ci *ContainerInstance) Validate() error {
	var errs []error
	if !IsEC2InstanceID(ci.EC2InstanceID) {
		errs = append(errs, NewInvalidParameter("Invalid EC2 instance ID: %s", ci.EC2InstanceID))
	}
	switch ci.Status {
	case ContainerInstanceStatusRegistering, ContainerInstanceStatusRegistrationFailed,
		ContainerInstanceStatusActive, ContainerInstanceStatusInactive,
		ContainerInstanceStatusDeregistering, ContainerInstanceStatusDraining:
	default:
		errs = append(errs, NewInvalidParameter("Container instance status should be one of [ACTIVE, DRAINING], but was %s", ci.Status))
	}
	errs = validateAttributes(errs, ci.Attributes)
	for _, rs := range []Resources{ci.RegisteredResources, ci.RemainingResources} {
		for _, r := range rs {
			if r.IntegerValue < 0 {
				errs = append(errs, NewInvalidParameter("Resource %s cannot be negative: %d", r.Name, r.IntegerValue))
			}
		}
	}
	for _, n := range []ResourceName{ResourceCPU, ResourceMemory} {
		if ci.RemainingResources.Integer(n) > ci.RegisteredResources.Integer(n) {
			errs = append(errs, NewInvalidParameter("Remaining %s exceeds registered %s.", n, n))
		}
	}
	if ci.Address.IsValid() && (!AddressPrefix.Contains(ci.Address) || ci.Address.As4()[3] == 0 || ci.Address.As4()[3] == 255) {
		errs = append(errs, NewInvalidParameter("Container instance address %s is not in 127.0.10.1-254.", ci.Address))
	}
	errs = validateTags(errs, ci.Tags)
	return errors.Join(errs...)
}

// Copy returns a deep copy.
func (ci *ContainerInstance) Copy() *ContainerInstance {
	if ci == nil {
		return nil
	}
	c := *ci
	c.RemainingResources = ci.RemainingResources.Copy()
	c.RegisteredResources = ci.RegisteredResources.Copy()
	c.Attributes = slices.Clone(ci.Attributes)
	c.Tags = slices.Clone(ci.Tags)
	return &c
}

// Attribute returns the value of the named attribute and whether it is set.
func (ci *ContainerInstance) Attribute(name string) (string, bool) {
	for _, a := range ci.Attributes {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// ID returns the container instance ID, the last element of its ARN.
func (ci *ContainerInstance) ID() string {
	return lastPathElem(ci.ContainerInstanceARN)
}

// Schedulable reports whether new tasks may be placed on the instance:
// ACTIVE and with its agent connected (§9.9, §10.1).
func (ci *ContainerInstance) Schedulable() bool {
	return ci.Status == ContainerInstanceStatusActive && ci.AgentConnected
}

// IsEC2InstanceID reports whether s is "i-" followed by 17 lowercase hex
// digits, the form of current EC2 instance IDs.
func IsEC2InstanceID(s string) bool {
	if len(s) != 19 || !strings.HasPrefix(s, "i-") {
		return false
	}
	for i := 2; i < len(s); i++ {
		if !isLowerHex(s[i]) {
			return false
		}
	}
	return true
}

// validateAttributes checks attribute names and values (§10.2): names 1-128
// of [A-Za-z0-9_-/.], values 1-128 without surrounding whitespace, at most
// MaxCustomAttributes outside the ecs. namespace. Messages are unconfirmed
// except the exception code for the limit.
func validateAttributes(errs []error, attrs []Attribute) []error {
	custom := 0
	for _, a := range attrs {
		if !validAttributeName(a.Name) {
			errs = append(errs, NewInvalidParameter("Attribute name '%s' is invalid. Names can contain up to 128 letters, numbers, hyphens, underscores, periods and forward slashes.", a.Name))
		}
		if a.Value != "" && (len(a.Value) > 128 || strings.TrimSpace(a.Value) != a.Value) {
			errs = append(errs, NewInvalidParameter("Attribute value '%s' is invalid. Values can contain up to 128 characters and cannot begin or end with whitespace.", a.Value))
		}
		if !strings.HasPrefix(a.Name, "ecs.") {
			custom++
		}
	}
	if custom > MaxCustomAttributes {
		errs = append(errs, Errorf(CodeAttributeLimitExceededException, "You can have up to %d custom attributes per resource.", MaxCustomAttributes))
	}
	return errs
}

func validAttributeName(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isNameChar(c) && c != '/' && c != '.' {
			return false
		}
	}
	return true
}

// lastPathElem returns what follows the last "/" of s, or s.
func lastPathElem(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}
