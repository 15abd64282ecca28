// Package scheduler is the ECS service scheduler: a pure function from a
// snapshot of one service, its tasks and the cluster's container instances
// to a Plan of what should change (§9, §10 of
// /work/shared/spec/aws-semantics.md, cited as "§n").
//
// It imports only the standard library and internal/ecs. It has no
// goroutines, reads no clock, does no I/O and generates no IDs of its own:
// time comes in as Input.Now, task IDs from Input.NewTaskID and randomness
// from Input.Seed, so the same Input always gives the same Plan (STYLE.md
// §6.1, nomad's AllocReconciler.Compute with ClusterState.Now).
//
// Two seams surround it (STYLE.md §6.2, nomad scheduler/structs):
// State is the read-only snapshot Process reads to build an Input, and
// Planner.SubmitPlan is where the Plan goes. Control implements both; the
// schedulertest package has a Harness that implements them in memory so
// multi-step scenarios run deterministically.
//
//	State ──▶ NewInput ──▶ Reconcile(Input) ──▶ Plan ──▶ Planner.SubmitPlan
//	                          │
//	                          ├─ classify tasks: PRIMARY / old deployment,
//	                          │  healthy, ELB-unhealthy past grace, draining
//	                          ├─ targets: register RUNNING, deregister stopping
//	                          ├─ stops: failed health, draining PENDING,
//	                          │  scale-in, old tasks while healthy ≥ lower
//	                          ├─ circuit breaker, throttle (backoff)
//	                          ├─ places: up to desired within upper, one at
//	                          │  a time: feasibility, then strategies
//	                          └─ deployments: counts, INACTIVE, COMPLETED,
//	                             events (steady state, completed…)
//
// The Plan is applied by control in bucket order: DeregisterTargets before
// Stop (the ALB drains a target before its task is stopped, §9.7), then
// Place, RegisterTargets, Deployments, Rollback and Events (oldest first).
package scheduler
