package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/ecs"
)

// ErrClosed is returned by Apply, Sync and Recover after Shutdown or Kill.
var ErrClosed = errors.New("agent is closed")

// Config configures an Agent.
type Config struct {
	// InstanceARN is the container instance the agent runs. It is copied
	// into every TaskStateChange and the containers' labels. Zero means
	// none; tasks placed on another instance are then not refused.
	InstanceARN string

	// Driver runs the containers. Required.
	Driver driver.Driver

	// Reporter receives every observed change. Nil means changes are only
	// kept for State.
	Reporter Reporter

	// LogDir is where container logs go: <LogDir>/<task ID>/<container>.log.
	// Zero means logs are discarded.
	LogDir string

	// StateDir, when set, is where the agent persists each task's driver
	// handles (<StateDir>/<task ID>.handles.json) while the task runs, for
	// LoadHandles and Recover after a restart of ecslocal. Zero means the
	// caller persists Handles itself (or not at all).
	StateDir string

	// AWSLogs is where the output of containers whose log driver is
	// awslogs also goes. Nil means only LogDir.
	AWSLogs LogStreams

	// HostIP is the address containers bind their host ports on: the
	// instance's loopback address (ecs.ContainerInstance.Address). Reported
	// networkBindings keep ECS's bindIP 0.0.0.0. Zero means 0.0.0.0.
	HostIP string

	// Now stamps the changes (wall-clock API timestamps). Nil means
	// time.Now.
	Now func() time.Time

	// Scale converts an AWS duration (a container's stopTimeout) into the
	// duration waited, for --time-scale. Nil means unscaled.
	Scale func(time.Duration) time.Duration

	// Logger receives the agent's warnings. Nil means slog.Default().
	Logger *slog.Logger
}

// Agent is the ECS agent of one simulated container instance: control
// hands it the desired state of the instance's tasks (Apply, Sync), it runs
// one TaskRunner per task and reports what it observes through the
// Reporter. It never writes control's fields (desiredStatus, stopCode,
// stoppedReason); see TaskStateChange.
type Agent struct {
	env *runnerEnv

	mu      sync.Mutex
	runners map[string]*TaskRunner // by task ARN
	closed  bool
}

// New returns an agent with no tasks.
func New(cfg Config) (*Agent, error) {
	if cfg.Driver == nil {
		return nil, errors.New("agent: a driver is required")
	}
	env := &runnerEnv{
		drv:         cfg.Driver,
		reporter:    cfg.Reporter,
		now:         cfg.Now,
		scale:       cfg.Scale,
		log:         cfg.Logger,
		instanceARN: cfg.InstanceARN,
		hostIP:      cfg.HostIP,
		logDir:      cfg.LogDir,
		stateDir:    cfg.StateDir,
		awsLogs:     cfg.AWSLogs,
	}
	if env.now == nil {
		env.now = time.Now
	}
	if env.scale == nil {
		env.scale = func(d time.Duration) time.Duration { return d }
	}
	if env.log == nil {
		env.log = slog.Default()
	}
	env.log = env.log.With("instance", cfg.InstanceARN)
	return &Agent{env: env, runners: map[string]*TaskRunner{}}, nil
}

// Apply hands the agent control's current version of one task and its
// definition. A task the agent does not run yet gets a TaskRunner, which
// starts it (or, if it is already desired STOPPED, reports it STOPPED at
// once); a known task's runner gets the update (desired STOPPED stops it).
// A task control already sees STOPPED and the agent does not run is
// ignored. Apply never blocks on a runner.
func (a *Agent) Apply(t *ecs.Task, td *ecs.TaskDefinition) error {
	if err := a.check(t, td); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	if r, ok := a.runners[t.TaskARN]; ok {
		r.Update(t)
		return nil
	}
	if t.AgentTerminal() {
		return nil
	}
	r := newTaskRunner(a.env, t, td)
	a.runners[t.TaskARN] = r
	go r.Run()
	return nil
}

// check refuses a task that is not this instance's or whose definition
// does not match.
func (a *Agent) check(t *ecs.Task, td *ecs.TaskDefinition) error {
	if t == nil || td == nil {
		return errors.New("agent: task and task definition are required")
	}
	if a.env.instanceARN != "" && t.ContainerInstanceARN != "" && t.ContainerInstanceARN != a.env.instanceARN {
		return fmt.Errorf("agent: task %s is placed on %s, not %s", t.TaskARN, t.ContainerInstanceARN, a.env.instanceARN)
	}
	if td.TaskDefinitionARN != "" && t.TaskDefinitionARN != "" && td.TaskDefinitionARN != t.TaskDefinitionARN {
		return fmt.Errorf("agent: task %s uses %s, not %s", t.TaskARN, t.TaskDefinitionARN, td.TaskDefinitionARN)
	}
	if len(td.ContainerDefinitions) == 0 {
		return fmt.Errorf("agent: task definition %s has no containers", td.TaskDefinitionARN)
	}
	return nil
}

// Sync hands the agent the whole desired state of its instance: every task
// control places on it, with their definitions keyed by task definition
// ARN. Each task is Applied. A runner whose task is no longer listed is
// killed if its task still runs (control forgot it), and forgotten once it
// has finished. The errors of the tasks that could not be applied are
// joined.
func (a *Agent) Sync(tasks []*ecs.Task, defs map[string]*ecs.TaskDefinition) error {
	var errs []error
	want := make(map[string]bool, len(tasks))
	for _, t := range tasks {
		want[t.TaskARN] = true
		if err := a.Apply(t, defs[t.TaskDefinitionARN]); err != nil {
			if errors.Is(err, ErrClosed) {
				return err
			}
			errs = append(errs, err)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for arn, r := range a.runners {
		if want[arn] {
			continue
		}
		select {
		case <-r.WaitCh():
			delete(a.runners, arn)
		default:
			r.killCancel()
		}
	}
	return errors.Join(errs...)
}

// Recover re-adopts a task that an earlier run of ecslocal started, given
// the driver handles it persisted (Handles, LoadHandles). Call it for every
// such task before the first Apply or Sync, which would otherwise start the
// task again. Each container's handle goes to driver.Recoverer; a container
// that cannot be re-adopted (the driver has no Recoverer, or the container
// went away while nobody watched) counts as exited with an unknown status
// and the reason ReasonNotRecovered: a lost essential container stops the
// task with EssentialContainerExited, so control replaces it. A task
// control already sees STOPPED only has its handles destroyed (and their
// file removed). The error reports what could not be re-adopted; the task
// is supervised anyway.
//
// Which driver a handle belongs to is the Recoverer's to judge (each
// checks TaskHandle.Driver), not a comparison with Driver.Name: a driver
// that routes tasks to others, as cmd/ecslocal's --driver auto does under
// the name "auto", recovers handles named "process" or "docker".
func (a *Agent) Recover(ctx context.Context, t *ecs.Task, td *ecs.TaskDefinition, handles []*driver.TaskHandle) error {
	if err := a.check(t, td); err != nil {
		return err
	}
	if t.AgentTerminal() {
		for _, h := range handles {
			if rec, ok := a.env.drv.(driver.Recoverer); ok && rec.Recover(ctx, h.Copy()) == nil {
				_ = a.env.drv.Destroy(h.ID, true)
			}
		}
		if a.env.stateDir != "" {
			if err := removeHandles(a.env.stateDir, t.TaskARN); err != nil {
				a.env.log.Warn("remove persisted driver handles", "task", t.TaskARN, "err", err)
			}
		}
		return nil
	}
	byName := make(map[string]*driver.TaskHandle, len(handles))
	for _, h := range handles {
		if h != nil && h.Config != nil {
			byName[h.Config.Name()] = h.Copy()
		}
	}
	rec, _ := a.env.drv.(driver.Recoverer)
	adopted := map[string]*driver.TaskHandle{}
	lost := map[string]error{}
	for _, cd := range td.ContainerDefinitions {
		if tc := t.Container(cd.Name); tc != nil && tc.LastStatus == ecs.ContainerStatusStopped {
			continue // exited before the restart: nothing to re-adopt
		}
		h := byName[cd.Name]
		var err error
		switch {
		case h == nil:
			err = errors.New("no driver handle was kept")
		case rec == nil:
			err = fmt.Errorf("driver %s: %w", a.env.drv.Name(), driver.ErrNotSupported)
		default:
			err = rec.Recover(ctx, h)
		}
		if err != nil {
			lost[cd.Name] = err
			continue
		}
		adopted[cd.Name] = h
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return ErrClosed
	}
	if _, ok := a.runners[t.TaskARN]; ok {
		return fmt.Errorf("agent: task %s is already running", t.TaskARN)
	}
	r := newTaskRunner(a.env, t, td)
	r.adopted, r.lost = adopted, lost
	a.runners[t.TaskARN] = r
	go r.Run()

	var errs []error
	for name, err := range lost {
		errs = append(errs, fmt.Errorf("recover container %s of task %s: %w", name, t.TaskARN, err))
	}
	return errors.Join(errs...)
}

// Runner returns the runner of a task, or nil.
func (a *Agent) Runner(taskARN string) *TaskRunner {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.runners[taskARN]
}

// State returns the last change reported for a task, and false if the
// agent has reported none.
func (a *Agent) State(taskARN string) (TaskStateChange, bool) {
	r := a.Runner(taskARN)
	if r == nil {
		return TaskStateChange{}, false
	}
	return r.State()
}

// Handles returns the driver handles of every task's started containers,
// by task ARN: what the caller persists for Recover.
func (a *Agent) Handles() map[string][]*driver.TaskHandle {
	a.mu.Lock()
	runners := make([]*TaskRunner, 0, len(a.runners))
	for _, r := range a.runners {
		runners = append(runners, r)
	}
	a.mu.Unlock()
	out := make(map[string][]*driver.TaskHandle, len(runners))
	for _, r := range runners {
		if hs := r.Handles(); len(hs) > 0 {
			out[r.TaskARN()] = hs
		}
	}
	return out
}

// LogPaths returns a task's container log files by container name, for
// `ecslocal logs`: <LogDir>/<task ID>/<container>.log, those that exist.
// It works for tasks the agent no longer runs (the files outlive them).
func (a *Agent) LogPaths(taskARN string) (map[string]string, error) {
	if a.env.logDir == "" {
		return nil, errors.New("agent: container logs are discarded (no log directory)")
	}
	t := &ecs.Task{TaskARN: taskARN}
	dir := TaskLogDir(a.env.logDir, t.ID())
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		return nil, fmt.Errorf("agent: logs of %s: %w", taskARN, err)
	}
	out := make(map[string]string, len(files))
	for _, f := range files {
		name := filepath.Base(f)
		out[name[:len(name)-len(".log")]] = f
	}
	return out, nil
}

// Tasks returns the ARNs of the tasks the agent has runners for, sorted.
func (a *Agent) Tasks() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, 0, len(a.runners))
	for arn := range a.runners {
		out = append(out, arn)
	}
	sort.Strings(out)
	return out
}

// Shutdown stops supervising every task and leaves the containers running
// (an ecslocal restart re-adopts them with Recover), then waits for every
// runner to return. Apply, Sync and Recover fail with ErrClosed afterwards.
func (a *Agent) Shutdown() {
	runners := a.close()
	// Cancel all first, then wait: the runners wind down together.
	for _, r := range runners {
		r.shutdownCancel()
	}
	for _, r := range runners {
		<-r.WaitCh()
	}
}

// Kill stops every task (stop signal, SIGKILL after each stopTimeout),
// reports each STOPPED, and waits for all runners, or until ctx is done.
// Apply, Sync and Recover fail with ErrClosed afterwards.
func (a *Agent) Kill(ctx context.Context) error {
	runners := a.close()
	for _, r := range runners {
		r.killCancel()
	}
	for _, r := range runners {
		select {
		case <-r.WaitCh():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// close marks the agent closed and returns its runners.
func (a *Agent) close() []*TaskRunner {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	out := make([]*TaskRunner, 0, len(a.runners))
	for _, r := range a.runners {
		out = append(out, r)
	}
	return out
}

// LogStreams gives the file of a CloudWatch Logs stream.
type LogStreams interface {
	StreamPath(group, stream string, createGroup bool) (string, error)
}
