package main

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/driver/docker"
	"github.com/ecslocal/ecslocal/internal/driver/process"
	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/agent"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// instanceResolver gives the ALB the address of an ECS container instance
// from its EC2 instance ID: each simulated instance has its own loopback
// address, where its tasks' host ports are bound.
type instanceResolver struct{ store *state.Store }

func (r instanceResolver) ResolveInstance(id string) (netip.Addr, error) {
	snap := r.store.Snapshot()
	for _, cl := range snap.Clusters(state.Page{}) {
		for _, ci := range snap.ContainerInstances(cl.ClusterARN, state.Page{}) {
			if ci.EC2InstanceID == id && ci.Address.IsValid() {
				return ci.Address, nil
			}
		}
	}
	return netip.Addr{}, fmt.Errorf("instance %s is not a registered container instance", id)
}

// agentSet runs the agent of every container instance: on a real EC2 host
// the ECS agent runs beside the containers; here each simulated instance
// gets one agent in this process, started the first time control hands it
// a task.
type agentSet struct {
	store  *state.Store
	newFor func(ci *ecs.ContainerInstance) (*agent.Agent, error)

	mu     sync.Mutex
	agents map[string]*agent.Agent
}

var _ ecscontrol.AgentSet = (*agentSet)(nil)

func (s *agentSet) Agent(instanceARN string) (ecscontrol.TaskSink, bool) {
	a, err := s.get(instanceARN)
	if err != nil {
		return nil, false
	}
	return a, true
}

// get returns the agent of a registered container instance, starting it
// the first time.
func (s *agentSet) get(instanceARN string) (*agent.Agent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.agents[instanceARN]; ok {
		return a, nil
	}
	ci := s.store.Snapshot().ContainerInstance(instanceARN)
	if ci == nil {
		return nil, fmt.Errorf("agent of %s: not a registered container instance", instanceARN)
	}
	a, err := s.newFor(ci)
	if err != nil {
		return nil, fmt.Errorf("agent of %s: %w", instanceARN, err)
	}
	if s.agents == nil {
		s.agents = map[string]*agent.Agent{}
	}
	s.agents[instanceARN] = a
	return a, nil
}

// all returns every running agent.
func (s *agentSet) all() []*agent.Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*agent.Agent, 0, len(s.agents))
	for _, a := range s.agents {
		out = append(out, a)
	}
	return out
}

// autoDriver is --driver auto: a task runs on Docker when an engine
// answers and has its image, else as a process when an --image mapping
// (or the built-in api:v1 → forum) resolves it; otherwise it fails to start
// with driver.ErrImageNotFound (CannotPullContainerError).
type autoDriver struct {
	process *process.Driver
	docker  *docker.Driver // nil without an engine

	mu    sync.Mutex
	owner map[string]driver.Driver
}

var _ driver.Driver = (*autoDriver)(nil)

func (d *autoDriver) Name() string { return "auto" }

func (d *autoDriver) Start(ctx context.Context, cfg *driver.TaskConfig) (*driver.TaskHandle, error) {
	var chosen driver.Driver = d.process
	if d.docker != nil && d.docker.ImageExists(ctx, cfg.Image) {
		chosen = d.docker
	}
	h, err := chosen.Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.owner[cfg.ID] = chosen
	d.mu.Unlock()
	return h, nil
}

func (d *autoDriver) of(id string) (driver.Driver, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dr, ok := d.owner[id]; ok {
		return dr, nil
	}
	return nil, fmt.Errorf("task %s: %w", id, driver.ErrTaskNotFound)
}

func (d *autoDriver) Wait(ctx context.Context, id string) (<-chan driver.ExitResult, error) {
	dr, err := d.of(id)
	if err != nil {
		return nil, err
	}
	return dr.Wait(ctx, id)
}

func (d *autoDriver) Stop(id string, timeout time.Duration, signal string) error {
	dr, err := d.of(id)
	if err != nil {
		return err
	}
	return dr.Stop(id, timeout, signal)
}

func (d *autoDriver) Destroy(id string, force bool) error {
	dr, err := d.of(id)
	if err != nil {
		return err
	}
	if err := dr.Destroy(id, force); err != nil {
		return err
	}
	d.mu.Lock()
	delete(d.owner, id)
	d.mu.Unlock()
	return nil
}

func (d *autoDriver) Inspect(id string) (*driver.TaskStatus, error) {
	dr, err := d.of(id)
	if err != nil {
		return nil, err
	}
	return dr.Inspect(id)
}

// Recover implements driver.Recoverer by the driver the handle names.
func (d *autoDriver) Recover(ctx context.Context, h *driver.TaskHandle) error {
	var r driver.Recoverer
	switch {
	case h.Driver == docker.Name && d.docker != nil:
		r = d.docker
	case h.Driver == d.process.Name():
		var ok bool
		if r, ok = driver.Driver(d.process).(driver.Recoverer); !ok {
			return driver.ErrNotSupported
		}
	default:
		return fmt.Errorf("recover %s: no %s driver: %w", h.ID, h.Driver, driver.ErrTaskNotFound)
	}
	if err := r.Recover(ctx, h); err != nil {
		return err
	}
	d.mu.Lock()
	d.owner[h.ID] = r.(driver.Driver)
	d.mu.Unlock()
	return nil
}
