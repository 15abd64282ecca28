package agent

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/ecs"
)

// Docker labels the ECS agent puts on every container it starts; drivers
// see them in TaskConfig.Labels next to the container definition's
// dockerLabels (which cannot override them).
const (
	LabelTaskARN               = "com.amazonaws.ecs.task-arn"
	LabelContainerName         = "com.amazonaws.ecs.container-name"
	LabelTaskDefinitionFamily  = "com.amazonaws.ecs.task-definition-family"
	LabelTaskDefinitionVersion = "com.amazonaws.ecs.task-definition-version"
	LabelCluster               = "com.amazonaws.ecs.cluster"
	LabelContainerInstanceARN  = "com.amazonaws.ecs.container-instance-arn" // ecslocal addition
)

// HandleID is the driver handle ID of a task's container:
// "<task ID>-<container name>" (driver.TaskConfig.ID).
func HandleID(taskID, container string) string { return taskID + "-" + container }

// TaskLogDir is the directory holding a task's container logs under the
// agent's log directory: <logDir>/<task ID>. Each container writes
// <container name>.log there (driver.TaskConfig.LogPath).
func TaskLogDir(logDir, taskID string) string {
	if logDir == "" {
		return ""
	}
	return filepath.Join(logDir, taskID)
}

// taskConfig builds the driver config of one container of t from its
// definition cd (§12.2), the task's overrides and the host ports control
// assigned at placement, which are in t's containers' networkBindings. A
// static hostPort of the definition is used when control left the
// bindings empty; a dynamic one (hostPort 0) without an assignment is an
// error. hostIP is the instance's bind address ("" means 0.0.0.0).
func taskConfig(t *ecs.Task, td *ecs.TaskDefinition, cd *ecs.ContainerDefinition, instanceARN, hostIP, logDir string) (*driver.TaskConfig, []ecs.NetworkBinding, error) {
	id := t.ID()
	cfg := &driver.TaskConfig{
		ID:            HandleID(id, cd.Name),
		TaskID:        id,
		ContainerName: cd.Name,
		Image:         cd.Image,
		EntryPoint:    slices.Clone(cd.EntryPoint),
		Command:       slices.Clone(cd.Command),
		WorkingDir:    cd.WorkingDirectory,
		CPUUnits:      int64(cd.CPU),
		LogDir:        TaskLogDir(logDir, id),
	}
	if cd.Memory != nil {
		cfg.MemoryMiB = int64(*cd.Memory)
	}
	if cd.MemoryReservation != nil {
		cfg.MemoryReservationMiB = int64(*cd.MemoryReservation)
	}
	env := map[string]string{}
	for _, kv := range cd.Environment {
		env[kv.Name] = kv.Value
	}
	// Overrides of RunTask/StartTask replace the command and resources and
	// add to (or replace) the environment.
	for _, o := range t.Overrides.ContainerOverrides {
		if o.Name != cd.Name {
			continue
		}
		if len(o.Command) > 0 {
			cfg.Command = slices.Clone(o.Command)
		}
		for _, kv := range o.Environment {
			env[kv.Name] = kv.Value
		}
		if o.CPU != nil {
			cfg.CPUUnits = int64(*o.CPU)
		}
		if o.Memory != nil {
			cfg.MemoryMiB = int64(*o.Memory)
		}
		if o.MemoryReservation != nil {
			cfg.MemoryReservationMiB = int64(*o.MemoryReservation)
		}
	}
	if len(env) > 0 {
		cfg.Env = env
	}
	cfg.Labels = maps.Clone(cd.DockerLabels)
	if cfg.Labels == nil {
		cfg.Labels = map[string]string{}
	}
	cfg.Labels[LabelTaskARN] = t.TaskARN
	cfg.Labels[LabelContainerName] = cd.Name
	cfg.Labels[LabelTaskDefinitionFamily] = td.Family
	cfg.Labels[LabelTaskDefinitionVersion] = strconv.Itoa(td.Revision)
	cfg.Labels[LabelCluster] = t.ClusterARN
	if instanceARN != "" {
		cfg.Labels[LabelContainerInstanceARN] = instanceARN
	}

	binds, err := networkBindings(t, cd)
	if err != nil {
		return nil, nil, err
	}
	for _, nb := range binds {
		cfg.PortBindings = append(cfg.PortBindings, driver.PortBinding{
			ContainerPort: nb.ContainerPort,
			HostPort:      nb.HostPort,
			Protocol:      string(nb.Protocol),
			HostIP:        hostIP,
		})
	}
	return cfg, binds, nil
}

// networkBindings returns the bindings of cd's port mappings: control's
// assignment from the task when there is one, else the definition's static
// host ports.
func networkBindings(t *ecs.Task, cd *ecs.ContainerDefinition) ([]ecs.NetworkBinding, error) {
	if c := t.Container(cd.Name); c != nil && len(c.NetworkBindings) > 0 {
		return slices.Clone(c.NetworkBindings), nil
	}
	binds := []ecs.NetworkBinding{}
	for _, pm := range cd.PortMappings {
		if pm.HostPort == 0 {
			return nil, fmt.Errorf("container %s: no host port assigned for container port %d", cd.Name, pm.ContainerPort)
		}
		proto := pm.Protocol
		if proto == "" {
			proto = ecs.TransportProtocolTCP
		}
		binds = append(binds, ecs.NetworkBinding{BindIP: ecs.BindIPAny, ContainerPort: pm.ContainerPort, HostPort: pm.HostPort, Protocol: proto})
	}
	return binds, nil
}
