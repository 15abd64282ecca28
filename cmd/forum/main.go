// Command forum serves the forum API (users, threads, posts): the workload
// of the reference system. With -workers N (the default: one per CPU) a
// master process owns the port and supervises N worker processes that share
// it, like node's cluster module; with -workers 0 one process serves.
//
// Usage:
//
//	forum [-addr :3000] [-data FILE] [-workers N] [-log-format json|text]
//	      [-access-log=true] [-shutdown-timeout 25s]
//	forum -healthcheck
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/ecslocal/ecslocal/internal/forum/httpapi"
	"github.com/ecslocal/ecslocal/internal/forum/store"
	"github.com/ecslocal/ecslocal/internal/prefork"
)

// exitUsage is the status for bad flags or bad data, as flag.ExitOnError uses.
const exitUsage = 2

func main() {
	// The heap is a few MiB of pre-rendered answers and per-request
	// garbage; collecting at 4× the live heap instead of 2× trades a few
	// MiB for a third as many collections (bench/README.md). GOGC in the
	// environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	if err := m.ParseFlags(os.Args[1:], os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "forum:", err)
		os.Exit(exitUsage)
	}
	os.Exit(m.Run(ctx))
}

// Config is the program's configuration, from flags and the environment.
type Config struct {
	Addr            string        // listen address; default ":$PORT", PORT defaulting to 3000
	DataFile        string        // data file; "" = the embedded seed
	Workers         int           // worker processes; 0 = serve in this process
	LogFormat       string        // "json" or "text"
	AccessLog       bool          // one record per request
	ShutdownTimeout time.Duration // drain window on SIGTERM
	HealthCheck     bool          // probe a running forum and exit
}

// Main is the program: configuration plus the streams it writes to, so tests
// can run it in-process.
type Main struct {
	Config Config
	Stdout io.Writer
	Stderr io.Writer
}

// NewMain returns a Main writing to the process's stdout and stderr.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr}
}

// ParseFlags reads args, falling back to the environment (HOST, PORT,
// FORUM_DATA, FORUM_WORKERS) where a flag is not given.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	fs := flag.NewFlagSet("forum", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	workers := runtime.NumCPU()
	if s := getenv("FORUM_WORKERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return fmt.Errorf("FORUM_WORKERS=%q: want a number of workers (0 or more)", s)
		}
		workers = n
	}
	c := &m.Config
	fs.StringVar(&c.Addr, "addr", net.JoinHostPort(getenv("HOST"), port), "listen `address` (default $HOST:$PORT: all interfaces, port 3000)")
	fs.StringVar(&c.DataFile, "data", getenv("FORUM_DATA"), "data `file` (default $FORUM_DATA, else the embedded seed)")
	fs.IntVar(&c.Workers, "workers", workers, "worker processes behind a master; 0 = a single process (default $FORUM_WORKERS, else the number of CPUs)")
	fs.StringVar(&c.LogFormat, "log-format", "json", "log format: json or text")
	fs.BoolVar(&c.AccessLog, "access-log", true, "log one line per request")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 25*time.Second, "how long in-flight requests may take to finish after SIGTERM")
	fs.BoolVar(&c.HealthCheck, "healthcheck", false, "GET / on the local port; exit 0 on 200, 1 otherwise")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.Workers < 0:
		return fmt.Errorf("-workers %d: want 0 or more", c.Workers)
	case c.LogFormat != "json" && c.LogFormat != "text":
		return fmt.Errorf("-log-format %q: want json or text", c.LogFormat)
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("-shutdown-timeout %s: want a positive duration", c.ShutdownTimeout)
	}
	return nil
}

// Run runs the program until ctx is done and returns the exit status.
func (m *Main) Run(ctx context.Context) int {
	logger := m.newLogger(m.Stderr)
	switch {
	case m.Config.HealthCheck:
		return m.healthCheck(ctx)
	case prefork.IsWorker():
		return m.exit(logger, m.runWorker(ctx, logger))
	case m.Config.Workers == 0:
		return m.exit(logger, m.runSingle(ctx, logger))
	default:
		return m.exit(logger, m.runMaster(ctx, logger))
	}
}

func (m *Main) exit(logger *slog.Logger, err error) int {
	var usage usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &usage):
		fmt.Fprintln(m.Stderr, "forum:", err)
		return exitUsage
	default:
		logger.Error("exit", "err", err)
		return 1
	}
}

// usageError is a problem with the configuration or the data: exit 2.
type usageError struct{ error }

func (m *Main) newLogger(w io.Writer) *slog.Logger {
	if m.Config.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// handler loads the data and renders the API. The master loads the data too,
// before it forks, so bad data stops the program once, with status 2,
// instead of crash-looping workers.
func (m *Main) handler(ctx context.Context, accessLog *slog.Logger) (*httpapi.Handler, error) {
	db, err := store.Default()
	if m.Config.DataFile != "" {
		db, err = store.Open(m.Config.DataFile)
	}
	if err != nil {
		return nil, usageError{err}
	}
	h, err := httpapi.New(ctx, httpapi.Services{Users: db, Threads: db, Posts: db}, httpapi.Options{AccessLog: accessLog})
	if err != nil {
		return nil, fmt.Errorf("build api: %w", err)
	}
	return h, nil
}

// serve builds the handler and serves it on ln until ctx is done, then
// drains. ready is called once the handler is built.
func (m *Main) serve(ctx context.Context, logger *slog.Logger, ln net.Listener, ready func() error) error {
	var accessLog *slog.Logger
	var wg sync.WaitGroup
	if m.Config.AccessLog {
		buf := newLineBuffer(m.Stdout)
		flushCtx, stopFlush := context.WithCancel(context.Background())
		wg.Go(func() { buf.run(flushCtx, 200*time.Millisecond) })
		defer func() { stopFlush(); wg.Wait() }()
		accessLog = m.newLogger(buf)
	}
	h, err := m.handler(ctx, accessLog)
	if err != nil {
		return err
	}
	s := &fastServer{}
	s.srv = httpapi.NewFastServer(h, s.closeWhileDraining, fastLogger{logger})
	if err := ready(); err != nil {
		return fmt.Errorf("report ready: %w", err)
	}
	logger.Info("serving", "url", localURL(ln.Addr()), "pid", os.Getpid())
	return s.serve(ctx, ln, m.Config.ShutdownTimeout)
}

func (m *Main) runSingle(ctx context.Context, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return m.serve(ctx, logger, ln, func() error { return nil })
}

func (m *Main) runWorker(ctx context.Context, logger *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // owned by runWorker: ends with ctx
		select {
		case <-prefork.MasterGone():
			logger.Warn("master is gone; draining")
			cancel()
		case <-ctx.Done():
		}
	}()
	ln, err := prefork.Listener()
	if err != nil {
		return fmt.Errorf("worker listener: %w", err)
	}
	return m.serve(ctx, logger, ln, prefork.Ready)
}

func (m *Main) runMaster(ctx context.Context, logger *slog.Logger) error {
	// Check the data before binding and forking (see handler).
	if _, err := m.handler(ctx, nil); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	logger.Info("master listening", "url", localURL(ln.Addr()), "workers", m.Config.Workers, "pid", os.Getpid())
	master := &prefork.Master{
		Workers:         m.Config.Workers,
		ShutdownTimeout: m.Config.ShutdownTimeout,
		Logger:          logger,
	}
	return master.Run(ctx, ln)
}

// localURL is the URL a local client uses to reach addr: an unspecified
// host (":3000" listens on all interfaces) is reached on 127.0.0.1.
func localURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// healthCheck is what the container's HEALTHCHECK runs: the image has no
// shell or curl, so the binary probes itself.
func (m *Main) healthCheck(ctx context.Context) int {
	host, port, err := net.SplitHostPort(m.Config.Addr)
	if err != nil {
		fmt.Fprintln(m.Stderr, "forum -healthcheck:", err)
		return 1
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/", nil)
	if err != nil {
		fmt.Fprintln(m.Stderr, "forum -healthcheck:", err)
		return 1
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(m.Stderr, "forum -healthcheck:", err)
		return 1
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		fmt.Fprintln(m.Stderr, "forum -healthcheck: status", res.StatusCode)
		return 1
	}
	return 0
}
