package prefork

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"
)

// Defaults for the zero values of Master's fields.
const (
	// DefaultShutdownTimeout is the drain window when ShutdownTimeout is zero.
	DefaultShutdownTimeout = 25 * time.Second
	// DefaultStartTimeout is how long a worker may take to become ready
	// when StartTimeout is zero.
	DefaultStartTimeout = 30 * time.Second
	// DefaultMinBackoff is the first restart delay when MinBackoff is zero.
	DefaultMinBackoff = 100 * time.Millisecond
	// DefaultMaxBackoff caps the restart delay when MaxBackoff is zero.
	DefaultMaxBackoff = 5 * time.Second
	// DefaultMaxStartFailures is the number of start failures in a row
	// after which Run gives up, when MaxStartFailures is zero.
	DefaultMaxStartFailures = 5
)

const (
	// stableUptime is how long a worker must stay up (after it became
	// ready) for its slot's restart backoff to start over at MinBackoff.
	stableUptime = 10 * time.Second
	// killMargin is added to ShutdownTimeout before the master SIGKILLs
	// workers that are still draining, to leave them time to exit after
	// their own drain timeout. It also bounds the wait after SIGKILL.
	killMargin = 2 * time.Second
)

// ErrStartFailures is returned by Run when workers died before becoming ready
// MaxStartFailures times in a row.
var ErrStartFailures = errors.New("prefork: workers keep failing to start")

// Master starts and supervises worker processes that serve a listener it
// owns. The zero value of every field except Workers is usable; a Master must
// not be copied or have its fields changed once Run has started.
type Master struct {
	// Workers is the number of worker processes to keep ready. It must be
	// at least 1.
	Workers int
	// Args is the argv of every worker: the current executable
	// (os.Executable) is started with Args[0] as its name and Args[1:] as
	// its arguments. If nil, the master's own os.Args is used.
	Args []string
	// Env lists extra "KEY=value" entries for the workers, added to the
	// master's own environment (later entries win).
	Env []string
	// ShutdownTimeout is how long the workers get to drain after SIGTERM
	// when the master stops; the master SIGKILLs whatever is left a small
	// margin later. If zero, DefaultShutdownTimeout. Pass the same value to
	// Serve in the workers.
	ShutdownTimeout time.Duration
	// StartTimeout is how long a worker may take to call Ready before it
	// is killed and counted as a start failure. If zero,
	// DefaultStartTimeout.
	StartTimeout time.Duration
	// MinBackoff is the delay before a dead worker is restarted; it doubles
	// for each further death in the same slot, up to MaxBackoff, and goes
	// back to MinBackoff once a worker has stayed up for a while. If zero,
	// DefaultMinBackoff.
	MinBackoff time.Duration
	// MaxBackoff caps the restart delay. If zero, DefaultMaxBackoff; if
	// smaller than MinBackoff, MinBackoff.
	MaxBackoff time.Duration
	// MaxStartFailures is how many workers in a row may die (or time out)
	// before calling Ready; at that point Run stops every worker and
	// returns ErrStartFailures. Replacements started by a rolling restart
	// are counted apart: when that many fail in a row, the rolling restart
	// is abandoned and the old workers keep serving. If zero,
	// DefaultMaxStartFailures.
	MaxStartFailures int
	// Logger receives one record per lifecycle event (start, ready, exit,
	// restart, reload, shutdown). If nil, slog.Default().
	Logger *slog.Logger

	// env is the operating system; nil means stdEnv. Tests set fakes.
	env *env
}

// Run starts the workers on ln and supervises them until SIGTERM, SIGINT or
// ctx is done, then stops them and returns nil; see the package
// documentation for signals and restarts. It returns ErrStartFailures when
// workers keep dying before they are ready, and an error if it cannot start
// at all. ln must be backed by a socket (*net.TCPListener, *net.UnixListener);
// Run closes it before returning.
func (m *Master) Run(ctx context.Context, ln net.Listener) error {
	defer ln.Close()
	if m.Workers < 1 {
		return fmt.Errorf("prefork: workers must be at least 1, got %d", m.Workers)
	}
	e := m.env
	if e == nil {
		e = stdEnv
	}
	s := m.newSupervisor(e, ln)

	lnFile, err := listenerFile(ln)
	if err != nil {
		return fmt.Errorf("prefork: %w", err)
	}
	defer lnFile.Close()
	// The master holds the write end of the lifeline for as long as it
	// lives and never writes to it; workers get the read end.
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("prefork: lifeline pipe: %w", err)
	}
	defer lifeR.Close()
	defer lifeW.Close()
	s.files = []*os.File{lnFile, nil, lifeR} // [1] is each worker's own readiness pipe

	sigs := make(chan os.Signal, 4)
	e.notify(sigs, sigTerm, sigInt, sigHup)
	defer e.stopNotify(sigs)

	// Unblock the goroutines that report events once Run is over.
	defer close(s.done)
	return s.run(ctx, sigs)
}

// newSupervisor resolves m's defaults into a supervisor with empty slots.
func (m *Master) newSupervisor(e *env, ln net.Listener) *supervisor {
	s := &supervisor{
		env:              e,
		log:              m.Logger,
		ln:               ln,
		shutdownTimeout:  orDefault(m.ShutdownTimeout, DefaultShutdownTimeout),
		startTimeout:     orDefault(m.StartTimeout, DefaultStartTimeout),
		minBackoff:       orDefault(m.MinBackoff, DefaultMinBackoff),
		maxBackoff:       orDefault(m.MaxBackoff, DefaultMaxBackoff),
		maxStartFailures: m.MaxStartFailures,
		events:           make(chan event),
		done:             make(chan struct{}),
		live:             make(map[*worker]struct{}),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBackoff < s.minBackoff {
		s.maxBackoff = s.minBackoff
	}
	if s.maxStartFailures <= 0 {
		s.maxStartFailures = DefaultMaxStartFailures
	}
	s.argv = m.Args
	if s.argv == nil {
		s.argv = e.args()
	}
	// The marker comes last so that nothing in Env can override it.
	s.environ = append(append(append([]string{}, e.environ()...), m.Env...), workerEnvKey+"="+workerEnvVal)
	for i := range m.Workers {
		s.slots = append(s.slots, &slot{index: i})
	}
	return s
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
