package scheduler

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// Reconcile computes the plan for one service. It is a pure function of
// in: it reads no clock, starts nothing and modifies nothing in in.
//
// The rules, in the order they apply (§ cites the spec):
//  1. Targets (§9.7): a task ACTIVATING or RUNNING that is not registered
//     in one of the service's target groups is registered; a task desired
//     STOPPED that is still registered (not draining) is deregistered.
//  2. A service that is not ACTIVE (DeleteService, §9.1) has all its
//     tasks stopped.
//  3. Health replacement (§9.6, §9.7, §9.2): a RUNNING task unhealthy in a
//     target group, or whose essential containers are UNHEALTHY, is
//     stopped once healthCheckGracePeriodSeconds have passed since
//     startedAt, and replaced within maximumPercent.
//  4. Draining (§9.9): tasks not yet RUNNING on a DRAINING instance are
//     stopped at once; RUNNING ones are replaced like old tasks.
//  5. Scale-in and rolling (§9.2): excess PRIMARY tasks and tasks of
//     other deployments are stopped, those not healthy first, a healthy
//     one only while the healthy count stays ≥ ceil(desired × min% / 100).
//  6. Circuit breaker (§9.4), checked before any stop: a FAILED PRIMARY
//     launches nothing and keeps the old tasks; the throttle (§9.5) holds
//     launches back after consecutive failed launches.
//  7. Placement (§10.1): PRIMARY tasks are started until desired, keeping
//     RUNNING + PENDING (desired RUNNING) ≤ floor(desired × max% / 100),
//     one at a time, with resources updated in between.
//  8. Deployments (§9.2, §9.3): counts, INACTIVE when an ACTIVE deployment
//     has no task left, COMPLETED and the steady-state event when the
//     PRIMARY runs desired healthy tasks and nothing else is left.
func Reconcile(in Input) Plan {
	r := newReconciler(in)
	r.compute()
	return r.plan
}

// taskView is a task of the service as this evaluation sees it.
type taskView struct {
	Task
	dep     string // deployment ID (startedBy)
	primary bool
	node    *node // nil when the instance is unknown
	healthy bool
	stopped bool // stopped by this plan
}

// live reports whether the task is desired RUNNING after this plan.
func (t *taskView) live() bool { return !t.stopped && !t.ControlTerminal() }

type reconciler struct {
	in      Input
	now     time.Time
	svc     *ecs.Service
	plan    Plan
	primary *ecs.Deployment
	// deps are copies of the service's deployments; changed marks the ones
	// that go into Plan.Deployments.
	deps    []ecs.Deployment
	changed map[string]bool
	tasks   []*taskView
	nodes   []*node
	byARN   map[string]*node
	grace   time.Duration
	rng     *rand.Rand
	idSeq   int
	// stoppedIDs are the IDs of the tasks this plan stops, for the event.
	stoppedIDs []string
	deregs     map[string]int // target group → targets deregistered
	drained    int            // tasks whose targets are deregistered
	// gone are the service's tasks the agent reports STOPPED: they take
	// no part in scheduling, but one that stopped by itself (its essential
	// container exited) may still be a registered target to deregister.
	gone []*taskView
}

func newReconciler(in Input) *reconciler {
	r := &reconciler{
		in:      in,
		now:     in.Now,
		svc:     in.Service,
		changed: map[string]bool{},
		byARN:   map[string]*node{},
		deregs:  map[string]int{},
		rng:     rand.New(rand.NewPCG(in.Seed, in.Seed^0x9e3779b97f4a7c15)),
	}
	r.plan.ServiceARN = in.Service.ServiceARN
	r.deps = slices.Clone(in.Service.Deployments)
	for i := range r.deps {
		if r.deps[i].Status == ecs.DeploymentStatusPrimary {
			r.primary = &r.deps[i]
		}
	}
	if g := in.Service.HealthCheckGracePeriodSeconds; g != nil {
		r.grace = time.Duration(*g) * time.Second
	}
	for _, inst := range in.Instances {
		n := newNode(inst)
		r.nodes = append(r.nodes, n)
		r.byARN[inst.ContainerInstanceARN] = n
	}
	// Every simulated container instance is the same real host: a host
	// port bound on one is taken on all, so the nodes share one set of
	// ports in use (a process task listens on all interfaces).
	shared := map[ecs.HostPort]bool{}
	for _, n := range r.nodes {
		maps.Copy(shared, n.used)
	}
	for _, n := range r.nodes {
		n.used = shared
	}
	// Instances are ranked in ARN order when all else is equal, so the
	// plan does not depend on the order of in.Instances.
	slices.SortFunc(r.nodes, func(a, b *node) int { return cmp.Compare(a.ci.ContainerInstanceARN, b.ci.ContainerInstanceARN) })
	for _, t := range in.Tasks {
		if t.Task == nil {
			continue
		}
		if t.AgentTerminal() {
			r.gone = append(r.gone, &taskView{Task: t, dep: t.StartedBy, node: r.byARN[t.ContainerInstanceARN], stopped: true})
			continue
		}
		tv := &taskView{Task: t, dep: t.StartedBy, node: r.byARN[t.ContainerInstanceARN]}
		tv.primary = r.primary != nil && tv.dep == r.primary.ID
		if tv.live() && tv.node != nil {
			tv.node.serviceTasks++
		}
		r.tasks = append(r.tasks, tv)
	}
	slices.SortFunc(r.tasks, func(a, b *taskView) int { return cmp.Compare(a.TaskARN, b.TaskARN) })
	return r
}

func (r *reconciler) compute() {
	r.targets()
	if r.svc.Status != ecs.ServiceStatusActive || r.primary == nil {
		// §9.1: a deleted service's tasks all stop. (A service without a
		// PRIMARY deployment cannot exist; stopping is the safe answer.)
		for _, t := range r.tasks {
			if t.live() {
				r.stop(t, ecs.StopCodeServiceSchedulerInitiated, ecs.StoppedReasonScaling(r.reasonDeployment(t)))
			}
		}
		r.finishEvents()
		r.updateDeployments()
		r.collectDeployments()
		return
	}
	desired := r.svc.DesiredCount
	// Bounds needs a canonical configuration; unset percents take the
	// REPLICA defaults (§9.2) without touching the input.
	dc := r.svc.DeploymentConfiguration
	if dc.MaximumPercent == nil {
		dc.MaximumPercent = ptr(ecs.DefaultMaximumPercent)
	}
	if dc.MinimumHealthyPercent == nil {
		dc.MinimumHealthyPercent = ptr(ecs.DefaultMinimumHealthyPercent)
	}
	lower, upper := dc.Bounds(desired)
	for _, t := range r.tasks {
		t.healthy = r.isHealthy(t)
	}
	// The circuit breaker goes first: a FAILED PRIMARY launches nothing,
	// and the old tasks it was replacing stay (§9.4).
	canLaunch := r.circuitBreaker(desired)
	r.replaceUnhealthy(upper)
	r.stopDrainingPending()
	r.scaleIn(desired, lower)
	if r.primary.RolloutState != ecs.RolloutStateFailed {
		r.stopOld(lower)
	}
	placed := 0
	if canLaunch && r.throttle() {
		placed = r.placeTasks(desired, upper)
	}
	r.configBlocked(lower, upper, placed)
	r.finishEvents()
	r.updateDeployments()
	r.complete(desired)
}

// reasonDeployment is the deployment a scheduler stop names: the PRIMARY,
// which is the one doing the scaling, else the task's own.
func (r *reconciler) reasonDeployment(t *taskView) string {
	if r.primary != nil {
		return r.primary.ID
	}
	return t.dep
}

// targets registers tasks that activated and deregisters tasks that are
// stopping but still registered (§9.7).
func (r *reconciler) targets() {
	regs := map[string]int{}
	for _, t := range slices.Concat(r.tasks, r.gone) {
		drained := false
		for _, lb := range r.svc.LoadBalancers {
			th, registered := t.TargetHealth[lb.TargetGroupARN]
			switch {
			case t.live() && !registered && (t.LastStatus == ecs.TaskStatusActivating || t.LastStatus == ecs.TaskStatusRunning):
				tg, ok := r.target(t, lb)
				if !ok {
					continue
				}
				r.plan.RegisterTargets = append(r.plan.RegisterTargets, tg)
				regs[lb.TargetGroupARN]++
			case (t.ControlTerminal() || t.AgentTerminal()) && registered && th.State != TargetStateDraining:
				r.deregister(t, lb)
				drained = true
			}
		}
		if drained {
			r.drained++
		}
	}
	for _, lb := range r.svc.LoadBalancers {
		if n := regs[lb.TargetGroupARN]; n > 0 {
			r.event(ecs.EventRegisteredTargets(r.svc.ServiceName, n, lb.TargetGroupARN), false)
			regs[lb.TargetGroupARN] = 0 // a target group listed twice gets one event
		}
	}
}

// target returns the ALB target of a task for a load balancer: the
// instance's EC2 ID and the host port bound to the container port.
func (r *reconciler) target(t *taskView, lb ecs.LoadBalancer) (Target, bool) {
	port, ok := t.HostPort(lb.ContainerName, lb.ContainerPort)
	if !ok {
		return Target{}, false
	}
	tg := Target{TargetGroupARN: lb.TargetGroupARN, TaskARN: t.TaskARN, ContainerInstanceARN: t.ContainerInstanceARN, Port: port}
	if t.node != nil {
		tg.EC2InstanceID = t.node.ci.EC2InstanceID
	}
	return tg, true
}

func (r *reconciler) deregister(t *taskView, lb ecs.LoadBalancer) {
	tg, ok := r.target(t, lb)
	if !ok {
		return
	}
	r.plan.DeregisterTargets = append(r.plan.DeregisterTargets, tg)
	r.deregs[lb.TargetGroupARN]++
}

// stop adds a task to Plan.Stop, deregistering its targets first (the
// ALB drains them before the task stops, §9.7).
func (r *reconciler) stop(t *taskView, code ecs.StopCode, reason string) {
	t.stopped = true
	if t.node != nil {
		t.node.serviceTasks--
	}
	drained := false
	for _, lb := range r.svc.LoadBalancers {
		if th, ok := t.TargetHealth[lb.TargetGroupARN]; ok && th.State != TargetStateDraining {
			r.deregister(t, lb)
			drained = true
		}
	}
	if drained {
		r.drained++
	}
	r.plan.Stop = append(r.plan.Stop, StopTask{TaskARN: t.TaskARN, DeploymentID: t.dep, StopCode: code, Reason: reason})
	r.stoppedIDs = append(r.stoppedIDs, t.ID())
}

// isHealthy reports whether a task counts as healthy for
// minimumHealthyPercent and steady state (§9.1): RUNNING; its essential
// containers HEALTHY if any has a health check; with load balancers,
// healthy in every target group; without either, 40 s after startedAt.
func (r *reconciler) isHealthy(t *taskView) bool {
	if !t.live() || t.LastStatus != ecs.TaskStatusRunning {
		return false
	}
	checks := hasHealthCheck(r.in.TaskDefinitions[t.TaskDefinitionARN])
	if checks && t.HealthStatus != ecs.HealthStatusHealthy {
		return false
	}
	if len(r.svc.LoadBalancers) > 0 {
		for _, lb := range r.svc.LoadBalancers {
			if t.TargetHealth[lb.TargetGroupARN].State != TargetStateHealthy {
				return false
			}
		}
		return true
	}
	if !checks {
		if at := t.StartedAt.Add(NoHealthCheckWait); r.now.Before(at) {
			r.recheck(at)
			return false
		}
	}
	return true
}

func hasHealthCheck(td *ecs.TaskDefinition) bool {
	if td == nil {
		return false
	}
	for i := range td.ContainerDefinitions {
		if cd := &td.ContainerDefinitions[i]; cd.IsEssential() && cd.HealthCheck != nil {
			return true
		}
	}
	return false
}

func (r *reconciler) recheck(at time.Time) {
	if r.plan.RecheckAt.IsZero() || at.Before(r.plan.RecheckAt) {
		r.plan.RecheckAt = at
	}
}

// replaceUnhealthy stops RUNNING tasks that fail their target groups' or
// their containers' health checks once the grace period has passed
// (§9.6, §9.7). They are not healthy, so stopping them never lowers the
// healthy count; the placement step starts their replacements. §9.2: "if
// maximumPercent allows, start replacement first then stop the unhealthy
// task; otherwise stop unhealthy tasks one by one": when the room under
// upper cannot take a replacement for each, at most max(room, 1) are
// stopped per evaluation.
func (r *reconciler) replaceUnhealthy(upper int) {
	type failure struct {
		t  *taskView
		lb *ecs.LoadBalancer // nil: container health checks
	}
	var failed []failure
	live := 0
	for _, t := range r.tasks {
		if !t.live() {
			continue
		}
		live++
		if t.LastStatus != ecs.TaskStatusRunning {
			continue
		}
		var failedTG *ecs.LoadBalancer
		for i, lb := range r.svc.LoadBalancers {
			if t.TargetHealth[lb.TargetGroupARN].State == TargetStateUnhealthy {
				failedTG = &r.svc.LoadBalancers[i]
				break
			}
		}
		if failedTG == nil && t.HealthStatus != ecs.HealthStatusUnhealthy {
			continue
		}
		if end := t.StartedAt.Add(r.grace); r.now.Before(end) {
			r.recheck(end)
			continue
		}
		failed = append(failed, failure{t, failedTG})
	}
	if room := upper - live; len(failed) > 0 && room < len(failed) {
		failed = failed[:max(room, 1)]
	}
	for _, f := range failed {
		t := f.t
		if f.lb == nil {
			r.event(ecs.EventContainerHealthFailed(r.svc.ServiceName, t.ID()), false)
			r.stop(t, ecs.StopCodeServiceSchedulerInitiated, ecs.StoppedReasonContainerHealthChecks)
			continue
		}
		desc := t.TargetHealth[f.lb.TargetGroupARN].Description
		if desc == "" {
			desc = "Health checks failed"
		}
		port, _ := t.HostPort(f.lb.ContainerName, f.lb.ContainerPort)
		ec2 := ""
		if t.node != nil {
			ec2 = t.node.ci.EC2InstanceID
		}
		r.event(ecs.EventTargetUnhealthy(r.svc.ServiceName, t.ID(), ec2, port, f.lb.TargetGroupARN, desc), false)
		r.stop(t, ecs.StopCodeServiceSchedulerInitiated, ecs.StoppedReasonELBHealthChecks(f.lb.TargetGroupARN))
	}
}

// stopDrainingPending stops service tasks that have not reached RUNNING on
// a DRAINING instance (§9.9: "service tasks PENDING on it stopped
// immediately"). The stoppedReason for draining is not documented; the
// scaling reason is an emulator choice.
func (r *reconciler) stopDrainingPending() {
	for _, t := range r.tasks {
		if t.live() && t.onDraining() && t.LastStatus != ecs.TaskStatusRunning {
			r.stop(t, ecs.StopCodeServiceSchedulerInitiated, ecs.StoppedReasonScaling(r.primary.ID))
		}
	}
}

func (t *taskView) onDraining() bool {
	return t.node != nil && t.node.ci.Status == ecs.ContainerInstanceStatusDraining
}

// current reports whether the task is one the PRIMARY keeps: of the
// PRIMARY deployment and not on a DRAINING instance.
func (t *taskView) current() bool { return t.live() && t.primary && !t.onDraining() }

// old reports whether the task is to be replaced: of another deployment
// (or none), or on a DRAINING instance (§9.9).
func (t *taskView) old() bool { return t.live() && (!t.primary || t.onDraining()) }

func (r *reconciler) healthyCount() int {
	n := 0
	for _, t := range r.tasks {
		if t.live() && t.healthy {
			n++
		}
	}
	return n
}

// scaleIn stops PRIMARY tasks beyond desired (§9.2, §10.1 scale-in).
func (r *reconciler) scaleIn(desired, lower int) {
	cur := 0
	for _, t := range r.tasks {
		if t.current() {
			cur++
		}
	}
	for ; cur > desired; cur-- {
		if !r.stopOne((*taskView).current, lower) {
			return
		}
	}
}

// stopOld stops tasks of other deployments and tasks on DRAINING
// instances while minimumHealthyPercent allows (§9.2, §9.9).
func (r *reconciler) stopOld(lower int) {
	for r.stopOne((*taskView).old, lower) {
	}
}

// stopOne stops the best candidate that matches, if one may be stopped:
// a task that is not healthy always, a healthy one only while the healthy
// count stays at or above lower. The order follows §10.1's scale-in:
// tasks not RUNNING first, then not healthy, then on the availability zone
// and the instance with the most tasks of the service.
func (r *reconciler) stopOne(match func(*taskView) bool, lower int) bool {
	healthy := r.healthyCount()
	var best *taskView
	var bestKey [4]int
	az := r.azCounts()
	for _, t := range r.tasks {
		if !match(t) || (t.healthy && healthy-1 < lower) {
			continue
		}
		key := [4]int{b2i(t.LastStatus == ecs.TaskStatusRunning), b2i(t.healthy), 0, 0}
		if t.node != nil {
			key[2] = -az[azOf(t.node.ci)]
			key[3] = -t.node.serviceTasks
		}
		if best == nil || slices.Compare(key[:], bestKey[:]) < 0 {
			best, bestKey = t, key
		}
	}
	if best == nil {
		return false
	}
	r.stop(best, ecs.StopCodeServiceSchedulerInitiated, ecs.StoppedReasonScaling(r.primary.ID))
	return true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func azOf(ci *ecs.ContainerInstance) string {
	v, _ := ci.Attribute(ecs.AttributeAvailabilityZone)
	return v
}

func (r *reconciler) azCounts() map[string]int {
	m := map[string]int{}
	for _, n := range r.nodes {
		m[azOf(n.ci)] += n.serviceTasks
	}
	return m
}

// circuitBreaker fails the PRIMARY deployment once its failed tasks reach
// the threshold (§9.4) and asks for a rollback to the last COMPLETED
// deployment when rollback is on. It reports whether PRIMARY tasks may be
// launched.
func (r *reconciler) circuitBreaker(desired int) bool {
	p := r.primary
	if p.RolloutState == ecs.RolloutStateFailed {
		return false // "no new tasks launched"
	}
	cb := r.svc.DeploymentConfiguration.DeploymentCircuitBreaker
	if p.RolloutState != ecs.RolloutStateInProgress || cb == nil || !cb.Enable {
		return true
	}
	if r.in.History[p.ID].FailedTasks < ecs.CircuitBreakerThreshold(desired) {
		return true
	}
	p.FailCircuitBreaker(r.now)
	r.changed[p.ID] = true
	r.event(eventDeploymentFailed(r.svc.ServiceName, p.ID), false)
	if !cb.Rollback {
		return false
	}
	var to *ecs.Deployment
	for i := range r.deps {
		d := &r.deps[i]
		if d.ID == p.ID || d.RolloutState != ecs.RolloutStateCompleted {
			continue
		}
		if to == nil || d.CreatedAt.After(to.CreatedAt.Time) {
			to = d
		}
	}
	if to != nil {
		r.plan.Rollback = &Rollback{FailedDeploymentID: p.ID, ToDeploymentID: to.ID, TaskDefinitionARN: to.TaskDefinition, Reason: ecs.RollbackReason(to.ID)}
		r.event(eventRollingBack(r.svc.ServiceName, to.ID), false)
	}
	return false
}

// throttle holds launches back after consecutive failed launches, for
// ThrottleDelay(n) after the last one (§9.5).
func (r *reconciler) throttle() bool {
	h := r.in.History[r.primary.ID]
	if h.FailedLaunches == 0 {
		return true
	}
	until := h.LastFailedLaunch.Add(ThrottleDelay(h.FailedLaunches))
	if !r.now.Before(until) {
		return true
	}
	r.recheck(until)
	if h.FailedLaunches >= ThrottleEventAfter && r.needsTasks() {
		r.event(ecs.EventUnableToConsistentlyStart(r.svc.ServiceName), true)
	}
	return false
}

func (r *reconciler) needsTasks() bool {
	cur := 0
	for _, t := range r.tasks {
		if t.current() {
			cur++
		}
	}
	return cur < r.svc.DesiredCount
}

// configBlocked emits §9.2's event when a deployment cannot move: old
// tasks remain, every task is healthy (nothing to wait for), no start
// fits under maximumPercent and no stop fits over minimumHealthyPercent.
func (r *reconciler) configBlocked(lower, upper, placed int) {
	if placed > 0 || len(r.plan.Stop) > 0 {
		return
	}
	live, healthy, old := 0, 0, 0
	for _, t := range r.tasks {
		if !t.live() {
			continue
		}
		live++
		if t.healthy {
			healthy++
		}
		if t.old() {
			old++
		}
	}
	if old > 0 && live == healthy && live >= upper && healthy-1 < lower {
		r.event(ecs.EventDeploymentConfigurationBlocked(r.svc.ServiceName), true)
	}
}

// finishEvents adds the events of the stops: "has stopped N running
// tasks", then the deregistrations and draining (§9.7's order).
func (r *reconciler) finishEvents() {
	if len(r.stoppedIDs) > 0 {
		r.event(ecs.EventStoppedRunningTasks(r.svc.ServiceName, r.stoppedIDs), false)
	}
	for _, lb := range r.svc.LoadBalancers {
		if n := r.deregs[lb.TargetGroupARN]; n > 0 {
			r.event(ecs.EventDeregisteredTargets(r.svc.ServiceName, n, lb.TargetGroupARN), false)
			r.deregs[lb.TargetGroupARN] = 0
		}
	}
	if r.drained > 0 {
		r.event(ecs.EventDrainingConnections(r.svc.ServiceName, r.drained), false)
	}
}

// updateDeployments sets each deployment's counts and failedTasks after
// the plan, and makes an ACTIVE deployment with no task left INACTIVE
// (§9.2). Tasks desired STOPPED but not yet STOPPED still count as left,
// so a deployment ends once its tasks have drained.
func (r *reconciler) updateDeployments() {
	for i := range r.deps {
		d := &r.deps[i]
		running, pending, left := 0, 0, 0
		for _, t := range r.tasks {
			if t.dep != d.ID {
				continue
			}
			left++
			if !t.live() {
				continue
			}
			if t.LastStatus == ecs.TaskStatusRunning {
				running++
			} else {
				pending++
			}
		}
		for _, p := range r.plan.Place {
			if p.DeploymentID == d.ID {
				pending++
				left++
			}
		}
		failed := r.in.History[d.ID].FailedTasks
		if d.RunningCount != running || d.PendingCount != pending || d.FailedTasks != failed {
			d.RunningCount, d.PendingCount, d.FailedTasks = running, pending, failed
			r.changed[d.ID] = true
		}
		if d.Status == ecs.DeploymentStatusActive && left == 0 {
			d.Status = ecs.DeploymentStatusInactive
			r.changed[d.ID] = true
		}
	}
}

// complete marks the PRIMARY deployment COMPLETED and emits the steady
// state (§9.2, §9.8) once it runs desired healthy tasks, no other
// deployment has tasks and the plan changes no task.
func (r *reconciler) complete(desired int) {
	defer r.collectDeployments()
	p := r.primary
	if p == nil || r.svc.Status != ecs.ServiceStatusActive || len(r.plan.Place) > 0 || len(r.plan.Stop) > 0 {
		return
	}
	for _, d := range r.deps {
		if d.ID != p.ID && d.Status != ecs.DeploymentStatusInactive {
			return
		}
	}
	n := 0
	for _, t := range r.tasks {
		if t.dep != p.ID || t.ControlTerminal() {
			return // an old task left, or one still stopping
		}
		if !t.healthy || t.onDraining() {
			return
		}
		n++
	}
	if n != desired {
		return
	}
	switch p.RolloutState {
	case ecs.RolloutStateInProgress:
		p.Complete(r.now)
		r.changed[p.ID] = true
		r.event(ecs.EventDeploymentCompleted(r.svc.ServiceName, p.ID), false)
	case ecs.RolloutStateFailed:
		return
	}
	r.event(ecs.EventSteadyState(r.svc.ServiceName), true)
}

func (r *reconciler) collectDeployments() {
	for _, d := range r.deps {
		if r.changed[d.ID] {
			d.UpdatedAt = ecs.At(r.now)
			r.plan.Deployments = append(r.plan.Deployments, d)
		}
	}
}

// event appends a message. A repeatable message (steady state, unable to
// place…) is suppressed when it is already the newest event and younger
// than EventRepeatWindow (§9.1).
func (r *reconciler) event(msg string, repeatable bool) {
	if repeatable {
		if n := len(r.plan.Events); n > 0 {
			if r.plan.Events[n-1] == msg {
				return
			}
		} else if ev := r.svc.Events; len(ev) > 0 && ev[0].Message == msg && r.now.Sub(ev[0].CreatedAt.Time) < EventRepeatWindow {
			return
		}
	}
	r.plan.Events = append(r.plan.Events, msg)
}

// newTaskID returns Input.NewTaskID() or a deterministic ID: 32 hex
// digits hashed from the service ARN, Now and a counter.
func (r *reconciler) newTaskID() string {
	r.idSeq++
	if r.in.NewTaskID != nil {
		return r.in.NewTaskID()
	}
	var b [16]byte
	for i := range 2 {
		h := fnv.New64a()
		h.Write([]byte(r.svc.ServiceARN))
		var x [17]byte
		binary.BigEndian.PutUint64(x[:8], uint64(r.now.UnixNano()))
		binary.BigEndian.PutUint64(x[8:16], uint64(r.idSeq))
		x[16] = byte(i)
		h.Write(x[:])
		binary.BigEndian.PutUint64(b[i*8:], h.Sum64())
	}
	return fmt.Sprintf("%x", b)
}

// Messages the spec does not quote. They follow the observed wording of
// the rolloutStateReason (§9.3) and are unconfirmed; they belong in
// ecs/event.go.
func eventDeploymentFailed(service, deploymentID string) string {
	return "(service " + service + ") (deployment " + deploymentID + ") deployment failed: tasks failed to start."
}

func eventRollingBack(service, toDeploymentID string) string {
	return "(service " + service + ") rolling back to deployment " + toDeploymentID + "."
}

func ptr[T any](v T) *T { return &v }
