// Package control is the control plane of the local Application Load
// Balancer: the ELBv2 (2015-12-01) operations on load balancers, listeners,
// rules, target groups, targets and tags, the one health checker per target
// group, and the immutable routing Snapshot it hands to the data plane.
//
// It imports elb, elb/health and the standard library only. It must not
// import proxy, ecs or awsapi: the data plane is reached through the
// Publisher interface and the ECS side through the Resolver interface, both
// defined here and wired together in cmd/ecslocal (STYLE.md §2).
//
// Every operation is shaped after the ELBv2 API so that the Query-protocol
// codec (awsapi/elbapi) can sit on top unchanged: the operation names, the
// <Op>Input/<Op>Output structs with the API member names, the defaults, the
// validation and the error codes (elb.Error). Behaviour cited as "§n" comes
// from /work/shared/spec/aws-semantics.md.
//
// State discipline (STYLE.md §1.1, §6.4): all writes go through Control under
// one mutex; stored objects are replaced, never modified in place (copy,
// change the copy, store it); reads return copies. IDs and timestamps come
// from the injected NewID and Now.
//
// Flow of a change:
//
//	operation ──mu──▶ validate, copy-on-write the records,
//	   │              checker.Register/Deregister/SetInUse/Update,
//	   │              build *elb.Snapshot (Version+1)
//	   └──pubMu──▶ Publisher.Publish(snapshot)   (outside mu; an older
//	                                             snapshot than the last one
//	                                             published is skipped)
//
//	health.Checker ──Reporter──▶ record HealthySince / DrainDeadline
//	                              └─▶ cap-1 trigger ─▶ publisher goroutine
//	                                   (coalesces bursts, builds, publishes)
//
// CreateListener and ModifyListener are the only operations that make the
// data plane bind a new port, so they publish synchronously while holding
// pubMu and undo their change when Publish fails because of their listener
// (a Publish error that implements ListenerFailure says which listener
// failed; any other error is taken to concern the listener being changed).
//
// Durability (Options.Store, Open; state.go, store.go): every successful
// change captures the whole state as one versioned JSON document while
// holding mu, and hands it to Store.Save after mu is released, under
// saveMu; documents are numbered, so an older one never overwrites a newer
// one. Health is not stored: after a restart every target starts over as
// on a fresh registration, draining targets are gone, and Open publishes
// the restored snapshot so the listeners bind again.
//
// A failed Save is logged at error level and the operation still
// succeeds: its change is applied in memory (the truth while the process
// runs) and already published, and ELBv2 never reports an applied change
// as failed. Each Save writes the whole state, so the next successful one
// catches up; Close retries the last failed document and returns the
// error when it fails again.
//
// Lock order: pubMu → mu → (checker locks) → healthMu, and pubMu → saveMu
// (saveMu is never held with mu). The Reporter only takes healthMu, so
// Control may call checker mutators while holding mu.
package control
