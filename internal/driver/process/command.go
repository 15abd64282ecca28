package process

import (
	"cmp"
	"os"
	"slices"
	"strconv"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// argv applies ECS (that is, Docker) semantics to the mapped image:
//
//	entryPoint  command  runs
//	-           -        img.Path img.Args...
//	-           set      img.Path command...
//	set         -        entryPoint...            (as in Docker, a new entry
//	set         set      entryPoint... command... point drops the default args)
func argv(img Image, cfg *driver.TaskConfig) []string {
	if len(cfg.EntryPoint) > 0 {
		return append(slices.Clone(cfg.EntryPoint), cfg.Command...)
	}
	args := img.Args
	if len(cfg.Command) > 0 {
		args = cfg.Command
	}
	return append([]string{img.Path}, args...)
}

// defaultBaseEnv is what a task inherits from ecslocal's environment when
// Options.BaseEnv is nil: enough to find programs and a home directory, and
// nothing else, since a container does not see its host's environment.
func defaultBaseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// environ builds the task's environment: base, then the container
// definition's environment (sorted, so the order is stable), then the port
// variables. PORT is set last and wins over a PORT in the task definition,
// because the process must listen on the host port for the mapping to mean
// anything.
func environ(base []string, cfg *driver.TaskConfig) []string {
	env := slices.Clone(base)
	keys := make([]string, 0, len(cfg.Env))
	for k := range cfg.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+cfg.Env[k])
	}
	bindings := slices.Clone(cfg.PortBindings)
	// Sort by container port so "the first" binding is well defined.
	slices.SortStableFunc(bindings, func(a, b driver.PortBinding) int { return cmp.Compare(a.ContainerPort, b.ContainerPort) })
	for _, b := range bindings {
		env = append(env, "PORT_"+strconv.Itoa(b.ContainerPort)+"="+strconv.Itoa(b.HostPort))
	}
	if len(bindings) > 0 {
		env = append(env, "PORT="+strconv.Itoa(bindings[0].HostPort))
		// HOST is the bind IP of the container instance (its own loopback
		// address), so a program that honours it listens there only and
		// does not take the port on every address of the shared host.
		if ip := bindings[0].Canonical().HostIP; ip != "0.0.0.0" {
			env = append(env, "HOST="+ip)
		}
	}
	// Later entries win in os/exec (it dedups keeping the last), which is
	// the precedence described above.
	return env
}
