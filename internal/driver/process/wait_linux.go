package process

import (
	"syscall"
	"unsafe"
)

// waitExited blocks until the process pid has exited but does not reap it
// (waitid with WNOWAIT): the zombie keeps its PID, and therefore its
// process group ID, from being reused, so the handle can still signal the
// group safely; os/exec's Wait reaps it afterwards.
func waitExited(pid int) error {
	const pPID = 1     // idtype_t P_PID
	var info [128]byte // siginfo_t, contents unused
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info[0])), syscall.WEXITED|syscall.WNOWAIT, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}
