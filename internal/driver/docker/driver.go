package docker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/nat"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// Labels set on every container the driver creates.
const (
	LabelManaged       = "ecslocal.managed"
	LabelHandleID      = "ecslocal.handle-id"
	LabelTaskID        = "ecslocal.task-id"
	LabelContainerName = "ecslocal.container-name"
)

// Name is the driver's name.
const Name = "docker"

// Options configure a Driver.
type Options struct {
	// Client talks to the engine. Nil means a client configured from the
	// environment (DOCKER_HOST …) that negotiates the API version.
	Client *client.Client
	// Logger receives operational messages. Nil means slog.Default().
	Logger *slog.Logger
	// NamePrefix starts every container name; the rest is the handle ID.
	// Zero means "ecslocal-".
	NamePrefix string
}

// Driver runs tasks as Docker containers. It is safe for concurrent use.
type Driver struct {
	cli    *client.Client
	log    *slog.Logger
	prefix string

	mu    sync.Mutex
	tasks map[string]*handle
}

var (
	_ driver.Driver    = (*Driver)(nil)
	_ driver.Signaler  = (*Driver)(nil)
	_ driver.Recoverer = (*Driver)(nil)
)

// New returns a Driver. It does not contact the engine; Ping does.
func New(opts Options) (*Driver, error) {
	cli := opts.Client
	if cli == nil {
		var err error
		cli, err = client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if err != nil {
			return nil, fmt.Errorf("docker client: %w", err)
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	prefix := opts.NamePrefix
	if prefix == "" {
		prefix = "ecslocal-"
	}
	return &Driver{cli: cli, log: log, prefix: prefix, tasks: map[string]*handle{}}, nil
}

// Ping reports whether the engine answers.
func (d *Driver) Ping(ctx context.Context) error {
	if _, err := d.cli.Ping(ctx); err != nil {
		return fmt.Errorf("docker engine: %w", err)
	}
	return nil
}

// Name implements driver.Driver.
func (d *Driver) Name() string { return Name }

// ImageExists reports whether ref resolves to a local image, for the
// agent's driver choice under --driver auto.
func (d *Driver) ImageExists(ctx context.Context, ref string) bool {
	_, err := d.resolveImage(ctx, ref)
	return err == nil
}

// resolveImage finds ref in the engine, as given or without its registry
// host.
func (d *Driver) resolveImage(ctx context.Context, ref string) (string, error) {
	candidates := []string{ref}
	if host, rest, ok := strings.Cut(ref, "/"); ok && (strings.ContainsAny(host, ".:") || host == "localhost") {
		candidates = append(candidates, rest)
	}
	for _, c := range candidates {
		_, err := d.cli.ImageInspect(ctx, c)
		if err == nil {
			return c, nil
		}
		if !cerrdefs.IsNotFound(err) {
			return "", fmt.Errorf("inspect image %q: %w", c, err)
		}
	}
	return "", fmt.Errorf("image %q is not in the local Docker engine (nothing is pulled): %w", ref, driver.ErrImageNotFound)
}

// nameUnsafe matches what Docker refuses in a container name.
var nameUnsafe = regexp.MustCompile(`[^a-zA-Z0-9_.-]`)

// ContainerName is the name of the container for handle id.
func (d *Driver) ContainerName(id string) string {
	return d.prefix + nameUnsafe.ReplaceAllString(id, "_")
}

// Start implements driver.Driver: create and start the container.
func (d *Driver) Start(ctx context.Context, cfg *driver.TaskConfig) (*driver.TaskHandle, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.Copy()
	d.mu.Lock()
	if _, ok := d.tasks[cfg.ID]; ok {
		d.mu.Unlock()
		return nil, fmt.Errorf("start %s: %w", cfg.ID, driver.ErrTaskExists)
	}
	h := newHandle(cfg) // reserve the ID while the container is created
	d.tasks[cfg.ID] = h
	d.mu.Unlock()

	th, err := d.create(ctx, h)
	if err != nil {
		d.mu.Lock()
		delete(d.tasks, cfg.ID)
		d.mu.Unlock()
		return nil, err
	}
	return th, nil
}

func (d *Driver) create(ctx context.Context, h *handle) (*driver.TaskHandle, error) {
	cfg := h.cfg
	image, err := d.resolveImage(ctx, cfg.Image)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for k, v := range cfg.Labels {
		labels[k] = v
	}
	labels[LabelManaged] = "true"
	labels[LabelHandleID] = cfg.ID
	labels[LabelTaskID] = cfg.Task()
	labels[LabelContainerName] = cfg.Name()

	env := make([]string, 0, len(cfg.Env))
	for k, v := range cfg.Env {
		env = append(env, k+"="+v)
	}
	exposed := nat.PortSet{}
	bindings := nat.PortMap{}
	for _, b := range cfg.PortBindings {
		b = b.Canonical()
		p := nat.Port(strconv.Itoa(b.ContainerPort) + "/" + b.Protocol)
		exposed[p] = struct{}{}
		bindings[p] = append(bindings[p], nat.PortBinding{HostIP: b.HostIP, HostPort: strconv.Itoa(b.HostPort)})
	}
	shares := max(cfg.CPUUnits, 2) // the ECS agent's minimum
	cc := &container.Config{
		Image:        image,
		Env:          env,
		Labels:       labels,
		ExposedPorts: exposed,
		WorkingDir:   cfg.WorkingDir,
	}
	if len(cfg.EntryPoint) > 0 {
		cc.Entrypoint = cfg.EntryPoint
	}
	if len(cfg.Command) > 0 {
		cc.Cmd = cfg.Command
	}
	hc := &container.HostConfig{
		PortBindings: bindings,
		Resources: container.Resources{
			Memory:            cfg.MemoryMiB << 20,
			MemoryReservation: cfg.MemoryReservationMiB << 20,
			CPUShares:         shares,
		},
	}
	if cfg.MemoryMiB > 0 {
		// No swap beyond the hard limit, so the limit is what the task gets
		// (the ECS agent does the same).
		hc.Resources.MemorySwap = cfg.MemoryMiB << 20
	}
	name := d.ContainerName(cfg.ID)
	created, err := d.cli.ContainerCreate(ctx, cc, hc, nil, nil, name)
	if err != nil {
		return nil, fmt.Errorf("create container for %s: %w", cfg.ID, err)
	}
	if err := d.cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		d.cli.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
		return nil, fmt.Errorf("start container for %s: %w", cfg.ID, err)
	}
	info, err := d.cli.ContainerInspect(ctx, created.ID)
	if err != nil {
		d.cli.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
		return nil, fmt.Errorf("inspect container for %s: %w", cfg.ID, err)
	}
	startedAt, _ := time.Parse(time.RFC3339Nano, info.State.StartedAt)
	h.attach(created.ID, info.State.Pid, startedAt)
	go h.run(d.cli) // owned by the handle: ends when the container exits or Destroy cancels it
	return h.taskHandle(), nil
}

func (d *Driver) get(id string) (*handle, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	h, ok := d.tasks[id]
	if !ok || h.containerID == "" {
		return nil, fmt.Errorf("task %s: %w", id, driver.ErrTaskNotFound)
	}
	return h, nil
}

// Wait implements driver.Driver.
func (d *Driver) Wait(ctx context.Context, taskID string) (<-chan driver.ExitResult, error) {
	h, err := d.get(taskID)
	if err != nil {
		return nil, err
	}
	ch := make(chan driver.ExitResult, 1)
	go func() { // owned by the caller's ctx or the handle's exit, whichever is first
		defer close(ch)
		select {
		case <-h.done:
			ch <- h.exitResult()
		case <-ctx.Done():
		}
	}()
	return ch, nil
}

// Signal implements driver.Signaler.
func (d *Driver) Signal(taskID, signal string) error {
	h, err := d.get(taskID)
	if err != nil {
		return err
	}
	if _, err := driver.ParseSignal(signal); err != nil {
		return err
	}
	if err := d.cli.ContainerKill(context.Background(), h.containerID, signal); err != nil && !h.exited() {
		return fmt.Errorf("signal %s to %s: %w", signal, taskID, err)
	}
	return nil
}

// Stop implements driver.Driver: the signal, then SIGKILL after timeout.
func (d *Driver) Stop(taskID string, timeout time.Duration, signal string) error {
	h, err := d.get(taskID)
	if err != nil {
		return err
	}
	if h.exited() {
		return nil
	}
	if signal == "" {
		signal = driver.DefaultStopSignal
	}
	if err := d.Signal(taskID, signal); err != nil {
		return err
	}
	t := time.NewTimer(max(timeout, 0))
	defer t.Stop()
	select {
	case <-h.done:
		return nil
	case <-t.C:
	}
	if err := d.cli.ContainerKill(context.Background(), h.containerID, "SIGKILL"); err != nil && !h.exited() {
		return fmt.Errorf("kill %s: %w", taskID, err)
	}
	<-h.done
	return nil
}

// Destroy implements driver.Driver: remove the container and forget it.
func (d *Driver) Destroy(taskID string, force bool) error {
	h, err := d.get(taskID)
	if err != nil {
		return err
	}
	if !h.exited() {
		if !force {
			return fmt.Errorf("destroy %s: %w", taskID, driver.ErrTaskRunning)
		}
		// Kill first and let the handle record the exit (137), as a
		// forced removal alone would leave the result unknown.
		if err := d.cli.ContainerKill(context.Background(), h.containerID, "SIGKILL"); err != nil && !h.exited() && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("kill %s: %w", taskID, err)
		}
		<-h.done
	}
	if err := d.cli.ContainerRemove(context.Background(), h.containerID, container.RemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove container of %s: %w", taskID, err)
	}
	h.stopWatching()
	d.mu.Lock()
	delete(d.tasks, taskID)
	d.mu.Unlock()
	return nil
}

// Inspect implements driver.Driver.
func (d *Driver) Inspect(taskID string) (*driver.TaskStatus, error) {
	h, err := d.get(taskID)
	if err != nil {
		return nil, err
	}
	return h.status(), nil
}

// Recover implements driver.Recoverer: re-adopt the container a handle of
// an earlier run names (its DriverState is the container ID).
func (d *Driver) Recover(ctx context.Context, th *driver.TaskHandle) error {
	cid := string(th.DriverState)
	if cid == "" {
		return fmt.Errorf("recover %s: no container id: %w", th.ID, driver.ErrTaskNotFound)
	}
	info, err := d.cli.ContainerInspect(ctx, cid)
	if cerrdefs.IsNotFound(err) {
		return fmt.Errorf("recover %s: container %s is gone: %w", th.ID, cid, driver.ErrTaskNotFound)
	}
	if err != nil {
		return fmt.Errorf("recover %s: %w", th.ID, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.tasks[th.ID]; ok {
		return fmt.Errorf("recover %s: %w", th.ID, driver.ErrTaskExists)
	}
	cfg := th.Config.Copy()
	if cfg == nil {
		cfg = &driver.TaskConfig{ID: th.ID, Image: info.Config.Image}
	}
	h := newHandle(cfg)
	startedAt, _ := time.Parse(time.RFC3339Nano, info.State.StartedAt)
	h.attach(cid, info.State.Pid, startedAt)
	d.tasks[th.ID] = h
	go h.run(d.cli) // as in create
	return nil
}

// errGone marks a container that disappeared under the driver.
var errGone = errors.New("container removed outside ecslocal")
