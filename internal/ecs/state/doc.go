// Package state is the ECS state store: every cluster, container instance,
// task definition, task and service ecslocal knows, kept in memory with
// immutable reads and, when opened on a file, durable across restarts. It
// imports only the ecs domain, the standard library and bbolt; it must not
// import control, scheduler, agent or any transport.
//
// # Reads
//
// Store.Snapshot returns a *Snapshot: a consistent, read-only view at one
// index, safe to use from any goroutine while writes continue. Taking one
// is an atomic pointer load. Every object a Snapshot returns is a deep copy
// (the domain's Copy), so a caller may mutate what it got without touching
// the store; nomad asks callers to treat reads as constants, and copying
// on read makes that a guarantee instead of a convention (the cost is one
// copy per object read, which a local emulator can afford).
//
// # Representation: copy-on-write tables
//
// Each table is a Go map from key (the ARN) to a record that is never
// modified after it is stored, plus the keys in listing order and a few
// secondary indexes (tasks by cluster, instance and service, instances and
// services by cluster, task definitions by family). A batch clones only the
// maps of the tables it writes (a shallow clone: pointers to the unchanged
// records are shared) and rebuilds those tables' keys and indexes. So a
// snapshot is O(1), a batch is O(size of the tables it touches), and reads
// are map lookups or slices of presorted keys. A persistent tree (nomad's
// go-memdb on an immutable radix tree) would make a batch O(log n), but the
// standard library has none and ecslocal holds hundreds of objects, not
// millions; the choice is hidden behind Snapshot's methods.
//
// # Writes
//
// Store.Apply(ops, now) is the one writer. It applies a batch of typed Ops
// (UpsertCluster, RegisterTaskDefinition, UpsertTask, UpdateTaskLastStatus,
// …) in order against a private copy of the latest snapshot and publishes
// the result only if every op succeeded: a batch is all or nothing. Each
// op validates its object (the domain's Validate) and referential integrity
// (a task's cluster, instance and task definition exist; a service's
// cluster and task definition exist; one ACTIVE or DRAINING service per
// name and cluster; revisions numbered max+1 per family, deregistration
// included). Each applied batch gets the next index.
//
// Apply is deterministic (contributing/architecture-state-store.md in
// nomad): IDs, ARNs and whole objects come in the ops, and the only time
// the store writes is the now passed to Apply, used by the transition ops
// (DeregisterTaskDefinition stamps deregisteredAt, UpdateTaskLastStatus
// stamps startedAt, stoppingAt, stoppedAt). The store never reads the clock
// and never generates an ID.
//
// Ownership of task fields (STYLE.md §6.3): UpsertTask is control's op and
// writes everything except what the agent observes; on an existing task
// the agent's fields are kept from the store, as nomad's upsertAllocs keeps
// ClientStatus. UpdateTaskLastStatus is the agent's op and can express only
// the agent's fields (lastStatus, container statuses, exit codes, reasons,
// network bindings, health, pull and execution times).
//
// Every stored record is the JSON decoding of the bytes that were (or
// would be) written to disk, so an in-memory store and the same store
// reopened from its file hold identical values.
//
// # Watches
//
// Snapshot.Changed(table) returns a channel that is closed by the first
// batch after that snapshot that changes the table (nomad's memdb watch
// sets, one per table). Take a snapshot, read it, then wait on its
// channel: no change can slip between the read and the wait. Store.WaitIndex
// blocks until a given index has been applied.
//
//	control/agent loop:
//	   snap := st.Snapshot()  ──▶ read, decide, Apply ──▶ <-snap.Changed(TableTasks) ──┐
//	   ▲                                                                              │
//	   └──────────────────────────────────────────────────────────────────────────────┘
//
// # Durability
//
// Open(path) backs the same Store with a bbolt file: every batch is written
// in one bbolt transaction before Apply returns, and Open loads the file
// back into memory. The format is described in file.go; testdata/ holds a
// file of every schema version shipped, and a test opens each, so a schema
// change must come with a migration.
package state
