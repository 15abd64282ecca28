// Package control is the ECS control plane: the API operations (shaped
// after the ECS JSON 1.1 API so the wire codec encodes their inputs and
// outputs directly), the evaluation loop that runs the service scheduler,
// and the one place that applies plans. It owns every write to the state
// store (STYLE.md §2). It imports ecs, ecs/state, ecs/scheduler and the
// standard library only; it must not import the agent, a driver or the ELB:
// it talks to the agents of the container instances through AgentSet and to
// the load balancer through TargetRegistrar, interfaces it defines and cmd
// wires (nomad's server, with plan_apply.go's single applier).
//
// IDs, ARNs and timestamps are generated here (Options.NewID, Options.Now)
// and passed into the store, which never reads the clock (STYLE.md §6.4).
//
// # Evaluation loop
//
// Run is one long-lived goroutine. It wakes when:
//
//   - an API operation or an agent report calls trigger (a cap-1 channel,
//     non-blocking send, so wake-ups coalesce),
//   - the store's services, tasks or container instances tables change
//     (Snapshot.Changed),
//   - a plan's RecheckAt falls due (Options.Clock),
//   - the target health poll interval passes while a service has load
//     balancers (ELB health lives outside the store).
//
// Each wake evaluates every service that is not INACTIVE through
// scheduler.Process and applies the plan in the documented order:
//
//	DeregisterTargets ─▶ Stop ─▶ Place ─▶ RegisterTargets ─▶ Deployments ─▶ Rollback ─▶ Events
//	(ALB drains first)   desired   create    ELB            counts, rollout   new PRIMARY
//	                     STOPPED,  tasks,                   state, INACTIVE   of the last
//	                     agent     agent                    dropped           COMPLETED
//
// The agents report back through Reporter (agent.Reporter): each change
// is applied to the store (a proposed StopCode first stops the task, so a
// STOPPED task is always desired STOPPED), fed to the deployment's
// scheduler.History and triggers an evaluation.
//
// "§n" cites /work/shared/spec/aws-semantics.md.
package control
