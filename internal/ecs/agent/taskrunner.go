package agent

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/ecs"
)

// TaskRunner runs one task: it starts the task's containers through the
// driver, watches them, stops them when the task must stop, and reports
// every change to the Reporter. It follows nomad's taskrunner: Run owns
// all the task's state on one goroutine and closes WaitCh when it returns,
// and two contexts keep two meanings apart:
//
//   - killCtx means "stop the task": Kill, or control's desired STOPPED
//     through Update. The containers get their stop signal, then SIGKILL
//     after their stopTimeout, and the task is reported STOPPED.
//   - shutdownCtx means "stop the runner": Shutdown leaves the containers
//     running and reports nothing more, so that a restarted ecslocal can
//     re-adopt them (Agent.Recover).
//
// A TaskRunner is made by the Agent; its state machine is in doc.go.
type TaskRunner struct {
	task *ecs.Task // control's task as first given; never modified
	def  *ecs.TaskDefinition
	a    *runnerEnv

	// adopted and lost are set for a runner made by Agent.Recover: the
	// containers re-adopted through driver.Recoverer, and those that could
	// not be (with why). A runner with adopted == nil starts its task.
	adopted map[string]*driver.TaskHandle
	lost    map[string]error

	killCtx        context.Context
	killCancel     context.CancelFunc
	shutdownCtx    context.Context
	shutdownCancel context.CancelFunc
	waitCh         chan struct{}

	// Owned by the Run goroutine.
	containers []*containerRun
	state      TaskStateChange
	exits      chan containerExit // one send per container at most: never blocks
	watchCtx   context.Context    // ends the driver Wait calls when Run returns
	log        *slog.Logger

	mu       sync.Mutex
	snapshot TaskStateChange // the last change reported
	reported bool
	handles  []*driver.TaskHandle // started or adopted containers
}

// runnerEnv is what every runner of an agent shares.
type runnerEnv struct {
	drv         driver.Driver
	reporter    Reporter
	now         func() time.Time
	scale       func(time.Duration) time.Duration
	log         *slog.Logger
	instanceARN string
	hostIP      string
	logDir      string
	stateDir    string
	awsLogs     LogStreams
}

// containerRun is one container as the runner tracks it.
type containerRun struct {
	def    *ecs.ContainerDefinition
	state  ContainerStateChange
	handle *driver.TaskHandle // nil until started or adopted
	exited bool
}

// containerExit is a container's end as its watcher saw it. reason, when
// set, replaces the reason derived from res.
type containerExit struct {
	i      int
	res    driver.ExitResult
	reason string
}

func newTaskRunner(env *runnerEnv, t *ecs.Task, td *ecs.TaskDefinition) *TaskRunner {
	r := &TaskRunner{
		task:   t.Copy(),
		def:    td.Copy(),
		a:      env,
		waitCh: make(chan struct{}),
		log:    env.log.With("task", t.TaskARN),
	}
	r.killCtx, r.killCancel = context.WithCancel(context.Background())
	r.shutdownCtx, r.shutdownCancel = context.WithCancel(context.Background())
	r.exits = make(chan containerExit, len(td.ContainerDefinitions))
	r.state = TaskStateChange{TaskARN: t.TaskARN, ContainerInstanceARN: env.instanceARN}
	for i := range r.def.ContainerDefinitions {
		cd := &r.def.ContainerDefinitions[i]
		r.containers = append(r.containers, &containerRun{
			def:   cd,
			state: ContainerStateChange{Name: cd.Name, LastStatus: ecs.ContainerStatusPending, NetworkBindings: []ecs.NetworkBinding{}},
		})
	}
	if t.ControlTerminal() {
		r.killCancel()
	}
	return r
}

// TaskARN returns the ARN of the runner's task.
func (r *TaskRunner) TaskARN() string { return r.task.TaskARN }

// WaitCh returns a channel closed when Run has returned.
func (r *TaskRunner) WaitCh() <-chan struct{} { return r.waitCh }

// Update gives the runner control's latest version of its task. Only the
// desired status matters once the task has started: desired STOPPED kills
// the task, as Kill does but without waiting. It never blocks.
func (r *TaskRunner) Update(t *ecs.Task) {
	if t.ControlTerminal() {
		r.killCancel()
	}
}

// Kill stops the task (stop signal, SIGKILL after each container's
// stopTimeout) and waits until it is reported STOPPED and Run has
// returned, or until ctx is done.
func (r *TaskRunner) Kill(ctx context.Context) error {
	r.killCancel()
	select {
	case <-r.waitCh:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown stops supervising the task and leaves its containers as they
// are, then waits for Run to return. A runner already stopping its task
// (killCtx done) finishes the stop first: a half-stopped task would
// otherwise be left to nobody. Run must have been started.
func (r *TaskRunner) Shutdown() {
	r.shutdownCancel()
	<-r.waitCh
}

// State returns the last change the runner reported, and false if it has
// reported none yet.
func (r *TaskRunner) State() (TaskStateChange, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snapshot.Copy(), r.reported
}

// Handles returns copies of the driver handles of the containers started
// or adopted so far: what a restarted ecslocal needs to re-adopt them.
func (r *TaskRunner) Handles() []*driver.TaskHandle {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*driver.TaskHandle, len(r.handles))
	for i, h := range r.handles {
		out[i] = h.Copy()
	}
	return out
}

// Run runs the task until it is STOPPED or the runner is shut down. It
// closes WaitCh when it returns. Start it in a goroutine.
func (r *TaskRunner) Run() {
	defer close(r.waitCh)
	var cancel context.CancelFunc
	r.watchCtx, cancel = context.WithCancel(context.Background())
	defer cancel()

	if r.adopted != nil {
		r.adopt()
	} else if !r.start() {
		return
	}
	r.supervise()
}

// start reports PENDING and starts the containers in definition order. It
// returns true once every container runs and RUNNING is reported, false if
// the runner is done (the task stopped or the runner was shut down).
func (r *TaskRunner) start() bool {
	now := r.a.now()
	if r.killCtx.Err() != nil {
		// Desired STOPPED before anything started: nothing to stop.
		r.finish(now)
		return false
	}
	r.state.LastStatus = ecs.TaskStatusPending
	r.state.PullStartedAt = now
	r.report(now)

	// Start's ctx ends on kill or shutdown, so a slow pull or start delay
	// does not hold either up.
	ctx, cancel := context.WithCancel(r.killCtx)
	defer cancel()
	defer context.AfterFunc(r.shutdownCtx, cancel)()

	for i, c := range r.containers {
		h, binds, err := r.startContainer(ctx, c)
		if err != nil {
			switch {
			case r.shutdownCtx.Err() != nil:
				// Leave whatever started running; Handles has it.
				return false
			case r.killCtx.Err() != nil:
				r.stopTask("", "")
				return false
			}
			reason := ReasonCannotStart + err.Error()
			if errors.Is(err, driver.ErrImageNotFound) {
				reason = ReasonCannotPull + err.Error()
			}
			reason = truncateReason(reason)
			r.log.Warn("container failed to start", "container", c.def.Name, "err", err)
			c.state.Reason = reason
			r.stopTask(ecs.StopCodeTaskFailedToStart, reason)
			return false
		}
		c.handle = h
		c.state.RuntimeID = h.RuntimeID
		c.state.NetworkBindings = binds
		c.state.LastStatus = ecs.ContainerStatusRunning
		r.addHandle(h)
		r.watch(i)
	}
	now = r.a.now()
	r.state.PullStoppedAt = now
	r.state.LastStatus = ecs.TaskStatusRunning
	r.report(now)
	return true
}

// startContainer builds the container's driver config and starts it.
func (r *TaskRunner) startContainer(ctx context.Context, c *containerRun) (*driver.TaskHandle, []ecs.NetworkBinding, error) {
	cfg, binds, err := taskConfig(r.task, r.def, c.def, r.a.instanceARN, r.a.hostIP, r.a.logDir)
	if err != nil {
		return nil, nil, err
	}
	if cfg.LogDir != "" {
		if err := os.MkdirAll(cfg.LogDir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("log directory: %w", err)
		}
		if err := r.linkAWSLogs(c.def, cfg); err != nil {
			return nil, nil, err
		}
	}
	h, err := r.a.drv.Start(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return h, binds, nil
}

// adopt takes over the containers Agent.Recover re-adopted and treats the
// lost ones as exited with an unknown status, then reports the task
// RUNNING (or the later status control last recorded, so that the report
// never goes backwards).
func (r *TaskRunner) adopt() {
	for i, c := range r.containers {
		if tc := r.task.Container(c.def.Name); tc != nil && tc.LastStatus == ecs.ContainerStatusStopped {
			// Exited before the restart, and control has its record.
			c.exited = true
			c.state = ContainerStateChange{Name: tc.Name, RuntimeID: tc.RuntimeID, LastStatus: tc.LastStatus,
				Reason: tc.Reason, NetworkBindings: tc.NetworkBindings}
			if tc.ExitCode != nil {
				code := *tc.ExitCode
				c.state.ExitCode = &code
			}
			continue
		}
		if h, ok := r.adopted[c.def.Name]; ok {
			c.handle = h
			c.state.RuntimeID = h.RuntimeID
			c.state.LastStatus = ecs.ContainerStatusRunning
			if tc := r.task.Container(c.def.Name); tc != nil && tc.NetworkBindings != nil {
				c.state.NetworkBindings = tc.NetworkBindings
			}
			r.addHandle(h)
			r.watch(i)
			continue
		}
		// Reported as control last recorded it until its exit is
		// processed, so the container never seems to go back.
		if tc := r.task.Container(c.def.Name); tc != nil && tc.LastStatus != ecs.ContainerStatusStopped {
			c.state.LastStatus, c.state.RuntimeID = tc.LastStatus, tc.RuntimeID
		}
		err := r.lost[c.def.Name]
		if err == nil {
			err = errors.New("no driver handle")
		}
		r.exits <- containerExit{i: i, res: driver.ExitResult{ExitCode: -1, Err: err}, reason: truncateReason(ReasonNotRecovered + err.Error())}
	}
	switch r.task.LastStatus {
	case ecs.TaskStatusDeactivating, ecs.TaskStatusStopping, ecs.TaskStatusDeprovisioning:
		r.state.LastStatus = r.task.LastStatus
	default:
		r.state.LastStatus = ecs.TaskStatusRunning
	}
	r.saveHandles()
	r.report(r.a.now())
}

// watch asks the driver for container i's exit and forwards it to r.exits
// from a goroutine that ends when the container exits or Run returns.
func (r *TaskRunner) watch(i int) {
	ch, err := r.a.drv.Wait(r.watchCtx, r.containers[i].handle.ID)
	if err != nil {
		r.exits <- containerExit{i: i, res: driver.ExitResult{ExitCode: -1, Err: err}}
		return
	}
	go r.watchExit(i, ch)
}

// watchExit is the forwarding goroutine of watch; it has its own name so
// that leak checks can find it.
func (r *TaskRunner) watchExit(i int, ch <-chan driver.ExitResult) {
	if res, ok := <-ch; ok {
		r.exits <- containerExit{i: i, res: res}
	}
}

// supervise waits for container exits, a kill or a shutdown. A
// non-essential container's exit is reported and the task keeps running;
// an essential one's stops the task.
func (r *TaskRunner) supervise() {
	for {
		select {
		case <-r.shutdownCtx.Done():
			return
		case <-r.killCtx.Done():
			r.stopTask("", "")
			return
		case e := <-r.exits:
			c := r.containers[e.i]
			if c.exited {
				continue
			}
			now := r.a.now()
			r.exited(c, e)
			if c.def.IsEssential() {
				r.log.Info("essential container exited", "container", c.def.Name, "result", e.res.String())
				r.state.ExecutionStoppedAt = now
				r.stopTask(ecs.StopCodeEssentialContainerExited, ecs.StoppedReasonEssentialContainer)
				return
			}
			if r.running() == 0 {
				// Only reachable for a definition without an essential
				// container, which Validate refuses.
				r.stopTask("", "")
				return
			}
			r.report(now)
		}
	}
}

// running counts the containers started and not exited.
func (r *TaskRunner) running() int {
	n := 0
	for _, c := range r.containers {
		if c.handle != nil && !c.exited {
			n++
		}
	}
	return n
}

// exited records a container's end: exit code, or the reason its status
// is unknown, and the OOM reason (§8.2).
func (r *TaskRunner) exited(c *containerRun, e containerExit) {
	c.exited = true
	c.state.LastStatus = ecs.ContainerStatusStopped
	switch {
	case e.reason != "":
		c.state.Reason = e.reason
	case e.res.Err != nil:
		c.state.Reason = truncateReason(ReasonExitUnknown + e.res.Err.Error())
	case e.res.OOMKilled:
		c.state.Reason = ecs.ContainerReasonOutOfMemory
	}
	if e.res.Err == nil && e.reason == "" {
		code := e.res.ExitCode
		c.state.ExitCode = &code
	}
}

// stopDone is a stop goroutine's result.
type stopDone struct {
	i   int
	err error
}

// stopTask stops every running container, each with its own stopTimeout
// (scaled), all at once, then releases them in the driver and reports
// STOPPED. A code is the agent's own reason to stop (proposed to control).
// It does not watch shutdownCtx: a stop once begun is finished.
func (r *TaskRunner) stopTask(code ecs.StopCode, reason string) {
	if code != "" && r.state.StopCode == "" {
		r.state.StopCode, r.state.StoppedReason = code, reason
	}
	if n := r.running(); n > 0 {
		r.state.LastStatus = ecs.TaskStatusStopping
		r.report(r.a.now())
		done := make(chan stopDone, n)
		for i, c := range r.containers {
			if c.handle != nil && !c.exited {
				go r.stopContainer(i, done)
			}
		}
		for pending := n; pending > 0 || r.running() > 0; {
			select {
			case e := <-r.exits:
				if c := r.containers[e.i]; !c.exited {
					r.exited(c, e)
				}
			case d := <-done:
				pending--
				if c := r.containers[d.i]; d.err != nil && !c.exited {
					// The driver lost the container: no exit will come.
					r.exited(c, containerExit{i: d.i, res: driver.ExitResult{ExitCode: -1, Err: d.err}})
				}
			}
		}
	}
	for _, c := range r.containers {
		if c.handle == nil {
			continue
		}
		if err := r.a.drv.Destroy(c.handle.ID, true); err != nil && !errors.Is(err, driver.ErrTaskNotFound) {
			r.log.Warn("destroy container", "container", c.def.Name, "err", err)
		}
	}
	r.finish(r.a.now())
}

// stopContainer is one container's stop: its stop signal, then SIGKILL
// after its stopTimeout (default 30 s) passed through the agent's scale.
func (r *TaskRunner) stopContainer(i int, done chan<- stopDone) {
	c := r.containers[i]
	err := r.a.drv.Stop(c.handle.ID, r.a.scale(c.def.StopGracePeriod()), "")
	done <- stopDone{i: i, err: err}
}

// finish reports the task STOPPED: containers never started become
// STOPPED without an exit code.
func (r *TaskRunner) finish(now time.Time) {
	// Exits already queued (containers lost in adopt) keep their reasons.
	for drained := false; !drained; {
		select {
		case e := <-r.exits:
			if c := r.containers[e.i]; !c.exited {
				r.exited(c, e)
			}
		default:
			drained = true
		}
	}
	for _, c := range r.containers {
		c.state.LastStatus = ecs.ContainerStatusStopped
	}
	if r.state.ExecutionStoppedAt.IsZero() {
		r.state.ExecutionStoppedAt = now
	}
	r.state.LastStatus = ecs.TaskStatusStopped
	r.report(now)
	r.removeHandles()
}

// report publishes the current state and hands a copy to the Reporter.
func (r *TaskRunner) report(now time.Time) {
	r.state.At = now
	r.state.Containers = r.state.Containers[:0]
	for _, c := range r.containers {
		r.state.Containers = append(r.state.Containers, c.state)
	}
	snap := r.state.Copy()
	r.mu.Lock()
	r.snapshot, r.reported = snap, true
	r.mu.Unlock()
	if r.a.reporter != nil {
		r.a.reporter.TaskStateChanged(snap.Copy())
	}
}

func (r *TaskRunner) addHandle(h *driver.TaskHandle) {
	r.mu.Lock()
	r.handles = append(r.handles, h.Copy())
	r.mu.Unlock()
	r.saveHandles()
}

// saveHandles persists the handles when the agent has a state directory.
func (r *TaskRunner) saveHandles() {
	if r.a.stateDir == "" {
		return
	}
	if err := saveHandles(r.a.stateDir, r.task.TaskARN, r.Handles()); err != nil {
		r.log.Warn("persist driver handles", "err", err)
	}
}

func (r *TaskRunner) removeHandles() {
	if r.a.stateDir == "" {
		return
	}
	if err := removeHandles(r.a.stateDir, r.task.TaskARN); err != nil {
		r.log.Warn("remove persisted driver handles", "err", err)
	}
}

// linkAWSLogs makes an awslogs container's log file a stream of the log
// group its awslogs-group option names.
func (r *TaskRunner) linkAWSLogs(cd *ecs.ContainerDefinition, cfg *driver.TaskConfig) error {
	lc := cd.LogConfiguration
	if r.a.awsLogs == nil || lc == nil || lc.LogDriver != "awslogs" {
		return nil
	}
	stream := cfg.TaskID + "-" + cd.Name
	if p := lc.Options["awslogs-stream-prefix"]; p != "" {
		stream = p + "/" + cd.Name + "/" + cfg.TaskID
	}
	path, err := r.a.awsLogs.StreamPath(lc.Options["awslogs-group"], stream, lc.Options["awslogs-create-group"] == "true")
	if err != nil {
		return fmt.Errorf("Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: %w", err)
	}
	f, err := os.OpenFile(cfg.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	f.Close()
	if err := os.Link(cfg.LogPath(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("log stream: %w", err)
	}
	return nil
}
