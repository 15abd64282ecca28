// Package ecs is the domain of the local Amazon ECS (EC2 launch type,
// bridge networking): clusters, container instances, task definitions,
// tasks, services and their deployments and events, ARNs, placement
// building blocks, resource accounting and the ECS error codes.
//
// It imports only the standard library. It must not import any other
// ecslocal package: state, scheduler, control and agent import it, never
// the other way round. It never reads the clock or generates IDs: times
// come in as now time.Time and IDs and ARNs are made by control and passed
// in (STYLE.md §6.4).
//
// The types are the ECS API shapes (§11.5): the JSON 1.1 wire codec encodes
// them directly, so the JSON member names, enum strings and defaults are
// the API's, timestamps are epoch seconds with a millisecond fraction
// (Timestamp), and absent members are omitted. Fields that exist only
// locally are tagged json:"-" (ContainerInstance.Address). Go names keep
// initialisms in one case (ARN, ID, CPU); the JSON tags keep AWS's spelling.
//
// Each resource follows the nomad convention: Canonicalize applies the
// defaults ECS applies, Validate gathers every problem with errors.Join
// (worded as ECS words them, with the exception name as Error.Code), and
// Copy clones deeply. "§n" cites /work/shared/spec/aws-semantics.md.
// Messages the spec quotes, or that are observed in public reports of real
// ECS output, are reproduced exactly; the others are marked unconfirmed
// where they are built.
//
// # Task lifecycle
//
// A task has two statuses written by two components (§8.1; nomad's
// DesiredStatus and ClientStatus): DesiredStatus is control's intent
// (RUNNING, then STOPPED; never PENDING) and LastStatus is what the agent
// observed. Control sets DesiredStatus STOPPED (StopTask, scale-in,
// replacement, an essential container's exit) with a StopCode and
// StoppedReason while LastStatus still says RUNNING; the agent then walks
// LastStatus down to STOPPED. LastStatus moves only forward, along
// CanTransition:
//
//	NewTask ──▶ PROVISIONING ───────────────────────────────┐ failed before
//	                 │  (brief or skipped for EC2 bridge)     │ launch
//	                 ▼                                        │
//	              PENDING ───────────────────────────────────┤ failed to start
//	                 │  ╲  pull image, create containers      │ (TaskFailedToStart)
//	                 ▼   ╲ no load balancer                   │
//	             ACTIVATING ╲  register targets (§9.7)        │
//	                 │       ╲                                │
//	                 ▼        ▼                               │
//	              RUNNING ◀───┘  startedAt                    │
//	                 │  ╲  no load balancer, or an essential  │
//	                 ▼   ╲ container exited                   │
//	            DEACTIVATING ╲  deregister targets, draining  │
//	                 │        ╲                               │
//	                 ▼         ▼                              │
//	              STOPPING ◀───┘  stoppingAt; SIGTERM, then   │
//	                 │            SIGKILL after stopTimeout   │
//	                 ▼                                        │
//	           DEPROVISIONING  executionStoppedAt (brief)     │
//	                 │                                        │
//	                 ▼                                        │
//	              STOPPED ◀───────────────────────────────────┘ stoppedAt;
//	                 │                            describable for ≥ 1 h
//	                 ▼
//	              DELETED
//
// Forward skips are allowed (a task with no load balancer goes PENDING →
// RUNNING; an essential container's exit goes RUNNING → STOPPED), with two
// exceptions: a PROVISIONING task must become PENDING before anything
// happens to its containers, and only a task that activated (ACTIVATING or
// RUNNING) can be DEACTIVATING. The predicates are ControlTerminal
// (DesiredStatus STOPPED) and AgentTerminal (LastStatus STOPPED or
// DELETED); resources are released on AgentTerminal only.
//
// Containers have their own lastStatus: PENDING → RUNNING → STOPPED (or
// PENDING → STOPPED), with exitCode and reason once stopped.
//
// # Placement
//
// The scheduler (written elsewhere) places a task as §10.1 describes; this
// package gives it pure pieces: Demand.Fit (agent, CPU, memory, static
// ports, in that order) with the closest-match clause for the service
// event, Demand.Reserve/Release on remainingResources, AssignHostPorts for
// dynamic ports, CompileConstraints and Constraints.Check for
// distinctInstance and memberOf (the cluster query language:
// ParseExpression, Expression.Match), and PlacementStrategy with
// SpreadKey. Ranking by the strategies is the scheduler's.
//
//	instances ──▶ Schedulable ──▶ Demand.Fit ──▶ Constraints.Check ──▶ strategies ──▶ chosen
//	              ACTIVE, agent   CPU, MEMORY,   memberOf,              binpack,
//	                              PORTS          distinctInstance       spread, random
//	                                                     │
//	   no candidate: EventUnableToPlace(service, closest instance, PlacementError.Detail)
package ecs
