package prefork

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"time"
)

// env collects every call the master makes into the operating system, so that
// the supervision logic can run against fake processes, signals and timers in
// tests (the seam tableflip keeps in env.go).
type env struct {
	// newProc starts the worker program with argv, the full environment and
	// files as fds 3, 4, 5, ….
	newProc func(argv, environ []string, files []*os.File) (process, error)
	// notify and stopNotify are signal.Notify and signal.Stop.
	notify     func(c chan<- os.Signal, sig ...os.Signal)
	stopNotify func(c chan<- os.Signal)
	// getenv and environ read the process environment.
	getenv  func(key string) string
	environ func() []string
	// args returns the master's own argv (the default worker argv).
	args func() []string
	// after and now are the clock: time.After and time.Now.
	after func(d time.Duration) <-chan time.Time
	now   func() time.Time
}

// stdEnv is the real operating system.
var stdEnv = &env{
	newProc:    newOSProcess,
	notify:     signal.Notify,
	stopNotify: signal.Stop,
	getenv:     os.Getenv,
	environ:    os.Environ,
	args:       func() []string { return os.Args },
	after:      time.After,
	now:        time.Now,
}

// process is a started worker. *osProcess implements it on top of exec.Cmd;
// tests use fakes.
type process interface {
	// Pid is the operating system's process id.
	Pid() int
	// Signal sends sig to the process. It returns os.ErrProcessDone once
	// the process has been waited for.
	Signal(sig os.Signal) error
	// Wait blocks until the process exits and reports how it ended: nil for
	// exit status 0, otherwise an error that describes the status. It is
	// called exactly once.
	Wait() error
}

// osProcess is a process started with os/exec.
type osProcess struct {
	cmd *exec.Cmd
}

var _ process = (*osProcess)(nil)

// newOSProcess re-executes the current binary. The worker's stdout and stderr
// are the master's own, so their logs interleave with the master's.
func newOSProcess(argv, environ []string, files []*os.File) (process, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty worker argv")
	}
	// Resolved on every start rather than once, so that a rolling restart
	// after the binary was replaced on disk runs the new one.
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find executable: %w", err)
	}
	cmd := &exec.Cmd{
		Path:        exe,
		Args:        argv,
		Env:         environ,
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		ExtraFiles:  files,
		SysProcAttr: sysProcAttr(),
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", exe, err)
	}
	return &osProcess{cmd: cmd}, nil
}

func (p *osProcess) Pid() int                   { return p.cmd.Process.Pid }
func (p *osProcess) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }
func (p *osProcess) Wait() error                { return p.cmd.Wait() }
