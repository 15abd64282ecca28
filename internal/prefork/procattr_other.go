//go:build !linux

package prefork

import "syscall"

// sysProcAttr returns nil: only Linux has Pdeathsig, so elsewhere workers rely
// on the lifeline pipe alone (MasterGone) to notice that the master died.
func sysProcAttr() *syscall.SysProcAttr { return nil }
