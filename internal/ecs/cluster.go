package ecs

import (
	"errors"
	"slices"
)

// ClusterStatus is Cluster.Status.
type ClusterStatus string

// Cluster statuses of the API. A local cluster is ACTIVE from creation
// and INACTIVE after DeleteCluster (still describable); the others belong
// to capacity providers and are listed for completeness.
const (
	ClusterStatusActive         ClusterStatus = "ACTIVE"
	ClusterStatusProvisioning   ClusterStatus = "PROVISIONING"
	ClusterStatusDeprovisioning ClusterStatus = "DEPROVISIONING"
	ClusterStatusFailed         ClusterStatus = "FAILED"
	ClusterStatusInactive       ClusterStatus = "INACTIVE"
)

// Cluster is an ECS cluster (§11.5). The counts are derived: control
// recomputes them from the state it owns before it returns a cluster.
type Cluster struct {
	ClusterARN  string        `json:"clusterArn,omitempty"`
	ClusterName string        `json:"clusterName"`
	Status      ClusterStatus `json:"status,omitempty"`
	// RegisteredContainerInstancesCount counts ACTIVE and DRAINING
	// container instances.
	RegisteredContainerInstancesCount int `json:"registeredContainerInstancesCount"`
	RunningTasksCount                 int `json:"runningTasksCount"`
	PendingTasksCount                 int `json:"pendingTasksCount"`
	ActiveServicesCount               int `json:"activeServicesCount"`
	// Statistics is filled by DescribeClusters with include=STATISTICS;
	// CreateCluster returns it empty, as Canonicalize leaves it.
	Statistics []KeyValuePair `json:"statistics,omitzero"`
	Tags       []Tag          `json:"tags,omitzero"`
	// Settings holds cluster settings such as containerInsights.
	Settings []ClusterSetting `json:"settings,omitzero"`
}

// ClusterSetting is a cluster setting; the only name ECS defines is
// containerInsights (enabled | disabled | enhanced).
type ClusterSetting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Canonicalize applies the defaults of CreateCluster: the default cluster
// name, the ACTIVE status, and the empty statistics and tags lists the
// CreateCluster example output shows.
func (c *Cluster) Canonicalize() {
	if c.ClusterName == "" {
		c.ClusterName = DefaultClusterName
	}
	if c.Status == "" {
		c.Status = ClusterStatusActive
	}
	if c.Statistics == nil {
		c.Statistics = []KeyValuePair{}
	}
	if c.Tags == nil {
		c.Tags = []Tag{}
	}
}

// Validate reports every problem of a canonical cluster.
func (c *Cluster) Validate() error {
	var errs []error
	if err := validateClusterName(c.ClusterName); err != nil {
		errs = append(errs, err)
	}
	switch c.Status {
	case ClusterStatusActive, ClusterStatusProvisioning, ClusterStatusDeprovisioning,
		ClusterStatusFailed, ClusterStatusInactive:
	default:
		errs = append(errs, NewInvalidParameter("Invalid cluster status: %s", c.Status))
	}
	errs = validateTags(errs, c.Tags)
	for _, s := range c.Settings {
		if s.Name != "containerInsights" {
			errs = append(errs, NewInvalidParameter("Invalid cluster setting name: %s", s.Name))
		} else if s.Value != "enabled" && s.Value != "disabled" && s.Value != "enhanced" {
			errs = append(errs, NewInvalidParameter("Invalid value for containerInsights: %s", s.Value))
		}
	}
	return errors.Join(errs...)
}

// Copy returns a deep copy.
func (c *Cluster) Copy() *Cluster {
	if c == nil {
		return nil
	}
	cp := *c
	cp.Statistics = slices.Clone(c.Statistics)
	cp.Tags = slices.Clone(c.Tags)
	cp.Settings = slices.Clone(c.Settings)
	return &cp
}

// Active reports whether the cluster accepts work (status ACTIVE).
func (c *Cluster) Active() bool { return c.Status == ClusterStatusActive }

// validateClusterName checks the §11.4 pattern ^[a-zA-Z0-9\-_]{1,255}$ with
// the observed InvalidParameterException wording.
func validateClusterName(name string) error {
	if !validName(name) {
		return NewInvalidParameter(`Cluster must match ^[a-zA-Z0-9\-_]{1,255}$, but was %s`, name)
	}
	return nil
}
