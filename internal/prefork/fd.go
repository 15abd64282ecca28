package prefork

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// listenerFile returns a duplicate of ln's socket as an *os.File that can be
// passed to workers through exec.Cmd.ExtraFiles.
//
// It does not use (*net.TCPListener).File: exec calls File.Fd on every extra
// file, and for files made by net that switches the socket into blocking mode
// (see net_newUnixFile in os/file_unix.go). The mode belongs to the open file
// description, which the master and all workers share, so each restart would
// flip the workers' listener to blocking and an Accept could then tie up a
// thread that closing the listener cannot wake. A descriptor wrapped with
// os.NewFile keeps its mode when Fd is called.
func listenerFile(ln net.Listener) (*os.File, error) {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("listener %T has no file descriptor", ln)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("listener file: %w", err)
	}
	var (
		nfd    int
		dupErr error
	)
	err = rc.Control(func(fd uintptr) {
		// Hold ForkLock so that no child is forked between Dup and
		// CloseOnExec and inherits the descriptor by accident.
		syscall.ForkLock.RLock()
		defer syscall.ForkLock.RUnlock()
		nfd, dupErr = syscall.Dup(int(fd))
		if dupErr == nil {
			syscall.CloseOnExec(nfd)
		}
	})
	if err == nil {
		err = dupErr
	}
	if err != nil {
		return nil, fmt.Errorf("dup listener: %w", err)
	}
	return os.NewFile(uintptr(nfd), "prefork-listener"), nil
}
