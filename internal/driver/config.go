package driver

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// TaskConfig is everything a driver needs to run one container of an ECS
// task. The agent builds it from the task definition's container definition
// (aws-semantics §12.2) plus the host port assignments made at placement.
// Drivers must not modify it; Copy it first.
type TaskConfig struct {
	// ID identifies the handle within the driver. It must be unique among
	// the driver's live handles and usable as a path element (no "/").
	// The agent uses "<ecs task id>-<container name>".
	ID string

	// TaskID is the ECS task ID the container belongs to. Zero means ID.
	// Drivers use it for names (cgroups, Docker container names).
	TaskID string

	// ContainerName is the container definition's name. Zero means ID.
	ContainerName string

	// Image is the image reference exactly as the task definition gives it,
	// for example "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1".
	Image string

	// EntryPoint replaces the image's entry point when non-empty
	// (containerDefinition.entryPoint, Docker Entrypoint). As in Docker,
	// replacing the entry point also drops the image's default command.
	EntryPoint []string

	// Command replaces the image's default arguments when non-empty
	// (containerDefinition.command, Docker Cmd).
	Command []string

	// Env is the container definition's environment. Nil means none.
	Env map[string]string

	// WorkingDir is the working directory of the process. Zero means the
	// image's default (for the process driver, ecslocal's own directory).
	WorkingDir string

	// MemoryMiB is the hard memory limit in MiB (containerDefinition.memory):
	// the task is OOM-killed above it. Zero means no limit.
	MemoryMiB int64

	// MemoryReservationMiB is the soft limit in MiB
	// (containerDefinition.memoryReservation). Zero means none.
	MemoryReservationMiB int64

	// CPUUnits is containerDefinition.cpu (1024 units per vCPU), applied as
	// relative CPU shares. 0 and 1 mean 2 shares, as the ECS agent does.
	CPUUnits int64

	// PortBindings are the container's port mappings with the host ports
	// already chosen. See PortBinding for what each driver does with them.
	PortBindings []PortBinding

	// LogDir is the directory for this task's logs; the driver writes the
	// container's stdout and stderr to LogPath(). Zero means discard.
	LogDir string

	// Labels are dockerLabels plus whatever the agent adds. Nil means none.
	Labels map[string]string
}

// PortBinding maps a container port to a host port on a bind IP.
//
// The process driver cannot remap ports: the process itself must listen on
// the host port. It therefore passes HostPort of the first binding as PORT
// and every binding as PORT_<containerPort>=<hostPort>; see the process
// package documentation.
type PortBinding struct {
	// ContainerPort is the port the application listens on in the container.
	ContainerPort int
	// HostPort is the host port chosen by placement (static or dynamic).
	HostPort int
	// Protocol is "tcp" or "udp". Zero means "tcp".
	Protocol string
	// HostIP is the bind address. Zero means "0.0.0.0" (ECS bindIP).
	HostIP string
}

// Canonical returns b with its defaults applied.
func (b PortBinding) Canonical() PortBinding {
	if b.Protocol == "" {
		b.Protocol = "tcp"
	}
	if b.HostIP == "" {
		b.HostIP = "0.0.0.0"
	}
	return b
}

// Name returns the ContainerName or, when that is empty, the ID.
func (c *TaskConfig) Name() string {
	if c.ContainerName != "" {
		return c.ContainerName
	}
	return c.ID
}

// Task returns the TaskID or, when that is empty, the ID.
func (c *TaskConfig) Task() string {
	if c.TaskID != "" {
		return c.TaskID
	}
	return c.ID
}

// LogPath is the file that receives the container's stdout and stderr:
// <LogDir>/<ContainerName>.log. It is "" when LogDir is empty.
func (c *TaskConfig) LogPath() string {
	if c.LogDir == "" {
		return ""
	}
	return filepath.Join(c.LogDir, c.Name()+".log")
}

// Validate reports every problem with the config, joined, each wrapping
// ErrInvalidConfig. It returns nil for a usable config.
func (c *TaskConfig) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...)))
	}
	if c.ID == "" {
		bad("ID is required")
	}
	if strings.ContainsAny(c.ID, "/\x00") || c.ID == "." || c.ID == ".." {
		bad("ID %q is not usable as a path element", c.ID)
	}
	if strings.ContainsAny(c.ContainerName, "/\x00") {
		bad("container name %q is not usable as a path element", c.ContainerName)
	}
	if c.Image == "" {
		bad("image is required")
	}
	if c.MemoryMiB < 0 {
		bad("memory %d MiB is negative", c.MemoryMiB)
	}
	if c.MemoryReservationMiB < 0 {
		bad("memory reservation %d MiB is negative", c.MemoryReservationMiB)
	}
	if c.MemoryMiB > 0 && c.MemoryReservationMiB > c.MemoryMiB {
		bad("memory reservation %d MiB exceeds memory %d MiB", c.MemoryReservationMiB, c.MemoryMiB)
	}
	if c.CPUUnits < 0 {
		bad("cpu %d units is negative", c.CPUUnits)
	}
	for i, b := range c.PortBindings {
		if b.ContainerPort < 1 || b.ContainerPort > 65535 {
			bad("port binding %d: container port %d out of range", i, b.ContainerPort)
		}
		if b.HostPort < 1 || b.HostPort > 65535 {
			bad("port binding %d: host port %d out of range", i, b.HostPort)
		}
		if p := b.Canonical().Protocol; p != "tcp" && p != "udp" {
			bad("port binding %d: protocol %q is not tcp or udp", i, b.Protocol)
		}
	}
	return errors.Join(errs...)
}

// Copy returns a deep copy of c.
func (c *TaskConfig) Copy() *TaskConfig {
	if c == nil {
		return nil
	}
	n := *c
	n.EntryPoint = slices.Clone(c.EntryPoint)
	n.Command = slices.Clone(c.Command)
	n.Env = maps.Clone(c.Env)
	n.PortBindings = slices.Clone(c.PortBindings)
	n.Labels = maps.Clone(c.Labels)
	return &n
}
