// Package process is the embedded default driver.Driver: it runs an ECS
// container as a local executable, after nomad's drivers/rawexec. It imports
// driver and the standard library only (Linux: process groups, waitid,
// cgroups), and must never import the agent or any other driver.
//
// # Images
//
// There is no registry: the embedding program gives a Resolver (usually an
// ImageMap built from --image REF=PATH [ARGS] flags) that maps a reference
// to an executable and default arguments. References are compared after
// NormalizeRef, which drops the registry host and docker.io's "library/"
// and adds ":latest" when no tag is given, so
// "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1" finds the mapping
// for "api:v1". An unknown reference fails Start with driver.ErrImageNotFound.
//
// # Command line and environment
//
// entryPoint and command follow Docker: command replaces the mapped default
// arguments; entryPoint replaces the executable and drops the default
// arguments; both together run entryPoint followed by command.
//
// The environment is Options.BaseEnv (by default PATH, HOME, TMPDIR and LANG
// from ecslocal's own environment), then the container definition's
// environment, then the port variables. A process cannot be port-mapped, so
// it must listen on the host port itself: PORT is the host port of the
// binding with the lowest container port (normally the only one), and
// PORT_<containerPort>=<hostPort> is set for every binding. PORT overrides a
// PORT from the task definition. When the binding has a bind IP (the
// agent passes the container instance's loopback address), HOST is set to
// it, so a program that honours HOST listens on its instance's address
// only.
//
// # Logs
//
// stdout and stderr go, interleaved in write order, to one file per
// container: TaskConfig.LogPath(), that is <LogDir>/<container name>.log.
// The agent passes a per-task LogDir (<logs>/<task ID>), so the file is
// <logs>/<task ID>/<container>.log. Without a LogDir output is discarded.
// Destroy leaves the file in place.
//
// # Process handling
//
// Each task's main process leads its own process group. Stop signals the
// whole group, waits for the grace period and then sends SIGKILL to the
// group and to every process left in the task's cgroup. When the main
// process exits, for whatever reason, the rest of the task is killed, as a
// container's processes die with its init. One goroutine per task (handle.run)
// waits with waitid(WNOWAIT) first, so the PID and group cannot be reused
// while the driver may still signal them, then reaps the process and closes
// the handle's done channel.
//
// Exit codes follow Docker: 128+N for a process killed by signal N (143
// after SIGTERM, 137 after SIGKILL or an OOM kill).
//
// # Cgroups
//
// Where the host allows it, each task gets its own cgroup under a parent
// named "ecslocal" (Options.CgroupParent) with the container definition's
// limits, on cgroup v1 or v2, whichever holds the memory and cpu controllers
// (see cgroup.go for the file-by-file mapping). A task over its hard limit
// is killed by the kernel; the driver reads the cgroup's OOM counter and
// reports OOMKilled with exit code 137. When cgroups are missing or cannot
// be written (not root, read-only cgroupfs, a v2 cgroup that cannot
// delegate), tasks still run, without limits, and the driver logs the
// limitation once. Destroy removes the task's cgroup.
//
// # Recovery
//
// Start stores the PID, the process's start time and the cgroup paths in
// TaskHandle.DriverState. Recover (driver.Recoverer) re-adopts such a
// process after a restart of ecslocal; see recover.go for what changes
// when the driver is no longer the process's parent (chiefly: the exit
// status of a re-adopted task is unknown unless the driver killed it or
// the OOM killer did).
//
// Not implemented: swap limits other than "none", and hosts other than
// Linux.
package process
