package ecs

import (
	"strconv"
	"strings"
)

// ARNs of ECS resources in the long format, mandatory since 2021 (§11.3):
//
//	arn:aws:ecs:<region>:<account>:cluster/<name>
//	arn:aws:ecs:<region>:<account>:service/<cluster>/<name>
//	arn:aws:ecs:<region>:<account>:task/<cluster>/<32 hex id>
//	arn:aws:ecs:<region>:<account>:container-instance/<cluster>/<32 hex id>
//	arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>
//	arn:aws:ecs:<region>:<account>:container/<cluster>/<task id>/<id>
//
// ParseARN also accepts the legacy short forms (service/<name>,
// task/<uuid>, container-instance/<uuid>, container/<uuid>) that older
// clients still hold.

// ResourceType is the resource part of an ECS ARN before the first "/".
type ResourceType string

// ECS ARN resource types.
const (
	ResourceTypeCluster           ResourceType = "cluster"
	ResourceTypeService           ResourceType = "service"
	ResourceTypeTask              ResourceType = "task"
	ResourceTypeContainerInstance ResourceType = "container-instance"
	ResourceTypeTaskDefinition    ResourceType = "task-definition"
	ResourceTypeContainer         ResourceType = "container"
)

// DefaultClusterName is the cluster a request that names none uses (§9.1,
// §11.4).
const DefaultClusterName = "default"

// Scope is the region and account that ARNs are built in. ecslocal runs one
// Scope; control holds it and passes it where ARNs are built or resolved.
type Scope struct {
	Region  string
	Account string
}

func (s Scope) arn(resource string) string {
	return "arn:aws:ecs:" + s.Region + ":" + s.Account + ":" + resource
}

// ClusterARN returns the ARN of the named cluster.
func (s Scope) ClusterARN(name string) string { return s.arn("cluster/" + name) }

// ServiceARN returns the long-format ARN of a service in a cluster.
func (s Scope) ServiceARN(cluster, name string) string {
	return s.arn("service/" + cluster + "/" + name)
}

// TaskARN returns the long-format ARN of a task; id is 32 lowercase hex.
func (s Scope) TaskARN(cluster, id string) string { return s.arn("task/" + cluster + "/" + id) }

// ContainerInstanceARN returns the long-format ARN of a container instance.
func (s Scope) ContainerInstanceARN(cluster, id string) string {
	return s.arn("container-instance/" + cluster + "/" + id)
}

// TaskDefinitionARN returns the ARN of one revision of a family.
func (s Scope) TaskDefinitionARN(family string, revision int) string {
	return s.arn("task-definition/" + family + ":" + strconv.Itoa(revision))
}

// ContainerARN returns the ARN of a container of a task. The long form is
// unconfirmed (§11.3); this is the one the spec gives.
func (s Scope) ContainerARN(cluster, taskID, id string) string {
	return s.arn("container/" + cluster + "/" + taskID + "/" + id)
}

// ARN is a parsed ECS ARN.
type ARN struct {
	Region  string
	Account string
	Type    ResourceType
	// Cluster is the cluster a service, task, container instance or
	// container belongs to; "" for a legacy short ARN, and the name itself
	// for a cluster ARN.
	Cluster string
	// Name is the last path element: the cluster name, service name, task
	// ID, container instance ID, task definition family or container ID.
	Name string
	// Revision is the task definition revision (task-definition only).
	Revision int
	// TaskID is the task a container belongs to (container only, long form).
	TaskID string
}

// String returns the ARN in the long format.
func (a ARN) String() string {
	s := Scope{a.Region, a.Account}
	switch a.Type {
	case ResourceTypeCluster:
		return s.ClusterARN(a.Name)
	case ResourceTypeTaskDefinition:
		return s.TaskDefinitionARN(a.Name, a.Revision)
	case ResourceTypeContainer:
		if a.Cluster == "" {
			return s.arn("container/" + a.Name)
		}
		return s.ContainerARN(a.Cluster, a.TaskID, a.Name)
	}
	if a.Cluster == "" {
		return s.arn(string(a.Type) + "/" + a.Name)
	}
	return s.arn(string(a.Type) + "/" + a.Cluster + "/" + a.Name)
}

// IsARN reports whether s looks like an ARN rather than a name or ID, the
// test ECS applies before resolving an identifier.
func IsARN(s string) bool { return strings.HasPrefix(s, "arn:") }

// ParseARN parses an ECS ARN in the long or the legacy format. The error is
// an InvalidParameterException (ECS's exact texts for malformed ARNs are not
// in the spec; these are unconfirmed).
func ParseARN(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "ecs" {
		return ARN{}, NewInvalidParameter("Invalid ARN: %s", s)
	}
	a := ARN{Region: parts[3], Account: parts[4]}
	typ, rest, ok := strings.Cut(parts[5], "/")
	if !ok || rest == "" {
		return ARN{}, NewInvalidParameter("Invalid ARN: %s", s)
	}
	a.Type = ResourceType(typ)
	path := strings.Split(rest, "/")
	for _, p := range path {
		if p == "" {
			return ARN{}, NewInvalidParameter("Invalid ARN: %s", s)
		}
	}
	switch a.Type {
	case ResourceTypeCluster:
		if len(path) != 1 {
			return ARN{}, NewInvalidParameter("Invalid ARN: %s", s)
		}
		a.Cluster, a.Name = path[0], path[0]
	case ResourceTypeService, ResourceTypeTask, ResourceTypeContainerInstance:
		switch len(path) {
		case 1:
			a.Name = path[0]
		case 2:
			a.Cluster, a.Name = path[0], path[1]
		default:
			return ARN{}, NewInvalidParameter("Invalid ARN: %s", s)
		}
	case ResourceTypeContainer:
		switch len(path) {
		case 1:
			a.Name = path[0]
		case 3:
			a.Cluster, a.TaskID, a.Name = path[0], path[1], path[2]
		default:
			return ARN{}, NewInvalidParameter("Invalid ARN: %s", s)
		}
	case ResourceTypeTaskDefinition:
		if len(path) != 1 {
			return ARN{}, NewInvalidParameter("Invalid ARN: %s", s)
		}
		fam, rev, ok := strings.Cut(path[0], ":")
		n, err := strconv.Atoi(rev)
		if !ok || fam == "" || err != nil || n < 1 {
			return ARN{}, NewInvalidParameter("Invalid ARN: %s", s)
		}
		a.Name, a.Revision = fam, n
	default:
		return ARN{}, NewInvalidParameter("Invalid ARN: %s", s)
	}
	return a, nil
}

// ResolveCluster turns the cluster parameter of a request into a cluster
// name the way ECS does: "" means the default cluster, an ARN names its
// cluster, anything else is the name itself. An ARN of another region or
// account, or of another resource type, resolves to no cluster:
// ClusterNotFoundException (emulator choice). A name that breaks the
// §11.4 pattern is the InvalidParameterException ECS returns.
func (s Scope) ResolveCluster(ref string) (string, error) {
	if ref == "" {
		return DefaultClusterName, nil
	}
	if IsARN(ref) {
		a, err := ParseARN(ref)
		if err != nil {
			return "", err
		}
		if a.Type != ResourceTypeCluster || a.Region != s.Region || a.Account != s.Account {
			return "", NewClusterNotFound()
		}
		ref = a.Name
	}
	if err := validateClusterName(ref); err != nil {
		return "", err
	}
	return ref, nil
}

// ResolveService turns a service name or ARN into the service name, in the
// cluster already resolved from the request. An ARN naming another cluster
// (or another scope) cannot match a service of this cluster:
// ServiceNotFoundException (emulator choice).
func (s Scope) ResolveService(cluster, ref string) (string, error) {
	if !IsARN(ref) {
		if !validName(ref) {
			return "", NewInvalidParameter("Invalid service name: %s", ref)
		}
		return ref, nil
	}
	a, err := ParseARN(ref)
	if err != nil {
		return "", err
	}
	if a.Type != ResourceTypeService || a.Region != s.Region || a.Account != s.Account ||
		(a.Cluster != "" && a.Cluster != cluster) {
		return "", NewServiceNotFound()
	}
	return a.Name, nil
}

// ResolveTaskID turns a task ID or ARN into the task ID, in the cluster
// already resolved from the request. The second result is false when ref
// cannot name a task of this cluster (ECS reports such tasks as failures
// with reason MISSING rather than as an error, §11.2).
func (s Scope) ResolveTaskID(cluster, ref string) (string, bool) {
	return s.resolveID(ResourceTypeTask, cluster, ref)
}

// ResolveContainerInstanceID is ResolveTaskID for container instances.
func (s Scope) ResolveContainerInstanceID(cluster, ref string) (string, bool) {
	return s.resolveID(ResourceTypeContainerInstance, cluster, ref)
}

func (s Scope) resolveID(typ ResourceType, cluster, ref string) (string, bool) {
	if IsARN(ref) {
		a, err := ParseARN(ref)
		if err != nil || a.Type != typ || a.Region != s.Region || a.Account != s.Account ||
			(a.Cluster != "" && a.Cluster != cluster) {
			return "", false
		}
		ref = a.Name
	}
	return ref, IsID(ref) || isUUID(ref)
}

// IsID reports whether s is a new-format ECS ID: 32 lowercase hex digits
// without hyphens (§11.3).
func IsID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLowerHex(s[i]) {
			return false
		}
	}
	return true
}

// isUUID reports whether s is a legacy 36-character UUID ID.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isLowerHex(s[i]) {
				return false
			}
		}
	}
	return true
}

func isLowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// TaskDefinitionRef is a reference to a task definition as requests give it
// in taskDefinition: a family, family:revision, or an ARN (§11.3).
type TaskDefinitionRef struct {
	Family string
	// Revision is 0 when the reference names only the family: it means the
	// latest ACTIVE revision.
	Revision int
}

// String returns "family" or "family:revision".
func (r TaskDefinitionRef) String() string {
	if r.Revision == 0 {
		return r.Family
	}
	return r.Family + ":" + strconv.Itoa(r.Revision)
}

// ResolveTaskDefinition parses a task definition reference. An ARN of
// another scope does not name a local task definition and gets the
// ClientException ECS returns for a task definition it cannot find
// ("Unable to describe task definition.", observed).
func (s Scope) ResolveTaskDefinition(ref string) (TaskDefinitionRef, error) {
	if IsARN(ref) {
		a, err := ParseARN(ref)
		if err != nil {
			return TaskDefinitionRef{}, err
		}
		if a.Type != ResourceTypeTaskDefinition || a.Region != s.Region || a.Account != s.Account {
			return TaskDefinitionRef{}, NewTaskDefinitionNotFound()
		}
		return TaskDefinitionRef{Family: a.Name, Revision: a.Revision}, nil
	}
	fam, rev, hasRev := strings.Cut(ref, ":")
	if !validName(fam) {
		return TaskDefinitionRef{}, NewClientException("Invalid family: %s", ref)
	}
	if !hasRev {
		return TaskDefinitionRef{Family: fam}, nil
	}
	n, err := strconv.Atoi(rev)
	if err != nil || n < 1 || strings.HasPrefix(rev, "+") {
		// Unconfirmed wording.
		return TaskDefinitionRef{}, NewClientException("Invalid revision number. Number: %s", rev)
	}
	return TaskDefinitionRef{Family: fam, Revision: n}, nil
}

// NewTaskDefinitionNotFound returns the ClientException ECS gives for a task
// definition that does not exist: "Unable to describe task definition."
// (observed on DescribeTaskDefinition; the spec only names the code).
func NewTaskDefinitionNotFound() *Error {
	return NewClientException("Unable to describe task definition.")
}
