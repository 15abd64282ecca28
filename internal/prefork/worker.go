package prefork

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
)

// The contract between master and worker: an environment marker and three
// inherited descriptors (exec.Cmd.ExtraFiles[i] becomes fd 3+i).
const (
	workerEnvKey = "PREFORK_WORKER"
	workerEnvVal = "1"

	listenerFD = 3 // the shared listening socket
	readyFD    = 4 // write end of this worker's readiness pipe
	lifelineFD = 5 // read end of the lifeline pipe
)

// ErrNotWorker is returned by Listener and Ready in a process that was not
// started by a Master.
var ErrNotWorker = errors.New("prefork: not running as a worker")

// The worker side is process-global state on purpose: the inherited
// descriptors belong to the process, and each may be consumed only once.
var (
	listenerTaken struct {
		sync.Mutex
		done bool
	}
	readyOnce struct {
		sync.Once
		err error
	}
	lifelineOnce struct {
		sync.Once
		gone <-chan struct{}
	}
)

// IsWorker reports whether this process was started by a Master. A program
// calls it first thing in main to choose between the master and worker roles.
func IsWorker() bool {
	return stdEnv.getenv(workerEnvKey) == workerEnvVal
}

// Listener returns the listening socket inherited from the master. It can be
// taken once; a second call returns an error.
func Listener() (net.Listener, error) {
	if !IsWorker() {
		return nil, ErrNotWorker
	}
	listenerTaken.Lock()
	defer listenerTaken.Unlock()
	if listenerTaken.done {
		return nil, errors.New("prefork: listener already taken")
	}
	listenerTaken.done = true
	f := os.NewFile(listenerFD, "prefork-listener")
	if f == nil {
		return nil, errors.New("prefork: no inherited listener")
	}
	// FileListener works on a close-on-exec duplicate, so the inherited
	// descriptor can be closed and is not leaked into the worker's children.
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("prefork: inherited listener: %w", err)
	}
	return ln, nil
}

// Ready tells the master that this worker is serving: it writes one byte to
// the readiness pipe and closes it. Call it once the server is about to
// accept on the Listener; until then the master keeps the previous worker
// (during a rolling restart) and counts the start timeout. Further calls
// return the first call's result.
func Ready() error {
	if !IsWorker() {
		return ErrNotWorker
	}
	readyOnce.Do(func() {
		f := os.NewFile(readyFD, "prefork-ready")
		if f == nil {
			readyOnce.err = errors.New("prefork: no readiness pipe")
			return
		}
		_, err := f.Write([]byte{1})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			readyOnce.err = fmt.Errorf("prefork: ready: %w", err)
		}
	})
	return readyOnce.err
}

// MasterGone returns a channel that is closed when the master process has
// died (its end of the lifeline pipe is closed), so that a worker never
// outlives its master. Treat it like SIGTERM: Serve already does. Outside a
// worker the channel is never closed.
func MasterGone() <-chan struct{} {
	lifelineOnce.Do(func() {
		if !IsWorker() {
			lifelineOnce.gone = make(chan struct{})
			return
		}
		syscall.CloseOnExec(lifelineFD)
		lifelineOnce.gone = watchLifeline(os.NewFile(lifelineFD, "prefork-lifeline"))
	})
	return lifelineOnce.gone
}

// watchLifeline returns a channel that is closed once reading f fails, which
// for the lifeline pipe means the master is gone: only the master holds the
// write end and it never writes. f is closed then too.
func watchLifeline(f *os.File) <-chan struct{} {
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		defer f.Close()
		var buf [1]byte
		for {
			// The pipe may be in blocking mode (exec leaves inherited
			// descriptors blocking); that costs one thread for the
			// life of the worker, which is fine.
			if _, err := f.Read(buf[:]); err != nil {
				return
			}
		}
	}()
	return gone
}
