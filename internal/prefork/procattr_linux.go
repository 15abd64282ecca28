//go:build linux

package prefork

import "syscall"

// sysProcAttr asks the kernel to send SIGTERM to a worker when the master dies:
// a second line of defence next to the lifeline pipe (MasterGone).
//
// Pdeathsig fires when the thread that forked the child exits, not the whole
// process (golang/go#27505). The Go runtime keeps its threads unless a goroutine
// exits while locked to one, so in the worst case a worker receives a spurious
// SIGTERM, drains and is restarted by the master. The lifeline pipe has no such
// caveat, which is why it is the primary mechanism.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
