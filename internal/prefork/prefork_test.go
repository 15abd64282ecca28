package prefork

// End-to-end tests with real processes: the test binary re-executes itself as
// a master (TestMain, role "master"), which re-executes it again as workers
// (TestMain, IsWorker), like nomad's helper/testtask. The test process talks
// to the master only through signals, files in a temporary directory and HTTP
// on 127.0.0.1.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The environment of the re-executed test binary.
const (
	testRoleEnv    = "PREFORK_TEST_ROLE" // "master"; workers are told by IsWorker
	testDirEnv     = "PREFORK_TEST_DIR"  // where the master and workers leave files
	testWorkersEnv = "PREFORK_TEST_WORKERS"
	testCrashEnv   = "PREFORK_TEST_CRASH" // workers exit at once with status 3
	// testIgnoreTermEnv makes workers ignore SIGTERM, so only MasterGone
	// stops them.
	testIgnoreTermEnv = "PREFORK_TEST_IGNORE_TERM"
)

// Settings of the test master and workers.
const (
	testShutdownTimeout = 5 * time.Second
	testSlowRequest     = time.Second
	pidHeader           = "X-Worker-Pid"
)

func TestMain(m *testing.M) {
	switch {
	case IsWorker():
		os.Exit(testWorkerMain())
	case os.Getenv(testRoleEnv) == "master":
		os.Exit(testMasterMain())
	}
	os.Exit(m.Run())
}

// testMasterMain is the master process: it binds 127.0.0.1:0, publishes the
// address in $PREFORK_TEST_DIR/addr and runs a Master until a signal.
func testMasterMain() int {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	dir := os.Getenv(testDirEnv)
	n, err := strconv.Atoi(os.Getenv(testWorkersEnv))
	if err != nil {
		logger.Error("test master: workers", "error", err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		logger.Error("test master: listen", "error", err)
		return 2
	}
	if err := writeFileAtomic(filepath.Join(dir, "addr"), ln.Addr().String()); err != nil {
		logger.Error("test master: publish address", "error", err)
		return 2
	}
	m := &Master{
		Workers:         n,
		ShutdownTimeout: testShutdownTimeout,
		StartTimeout:    20 * time.Second,
		Logger:          logger,
	}
	if err := m.Run(context.Background(), ln); err != nil {
		logger.Error("test master: run", "error", err)
		return 1
	}
	logger.Info("test master: clean exit")
	return 0
}

// testWorkerMain is a worker: "/" answers "ok" with its pid in a header,
// "/slow" takes testSlowRequest. It leaves ready-<pid> in the test directory
// just before it calls Ready, and slow-<pid> when a /slow request starts.
func testWorkerMain() int {
	if os.Getenv(testCrashEnv) != "" {
		fmt.Fprintln(os.Stderr, "test worker: crashing on purpose")
		return 3
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("worker_pid", os.Getpid())
	dir := os.Getenv(testDirEnv)
	pid := strconv.Itoa(os.Getpid())

	ln, err := Listener()
	if err != nil {
		logger.Error("test worker: listener", "error", err)
		return 2
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(pidHeader, pid)
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		os.WriteFile(filepath.Join(dir, "slow-"+pid), nil, 0o644)
		time.Sleep(testSlowRequest)
		w.Header().Set(pidHeader, pid)
		io.WriteString(w, "slow ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	// SIGTERM from the master and the lifeline (inside Serve) both stop
	// the worker.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if os.Getenv(testIgnoreTermEnv) != "" {
		signal.Ignore(syscall.SIGTERM)
	}

	if err := os.WriteFile(filepath.Join(dir, "ready-"+pid), nil, 0o644); err != nil {
		logger.Error("test worker: ready file", "error", err)
		return 2
	}
	if err := Ready(); err != nil {
		logger.Error("test worker: ready", "error", err)
		return 2
	}
	err = Serve(ctx, srv, ln, testShutdownTimeout)
	select {
	case <-MasterGone():
		logger.Info("test worker: master gone")
	default:
	}
	logger.Info("test worker: exit", "error", err)
	return 0
}

func writeFileAtomic(name, content string) error {
	if err := os.WriteFile(name+".tmp", []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(name+".tmp", name)
}

// testMaster is a master process started by a test.
type testMaster struct {
	t      *testing.T
	cmd    *exec.Cmd
	dir    string
	addr   string
	exited chan struct{} // closed when cmd.Wait returned
}

// startTestMaster re-executes the test binary as a master of n workers and
// waits until it listens. Cleanup kills whatever is left.
func startTestMaster(t *testing.T, n int, env ...string) *testMaster {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("process tests need Linux (/proc, Pdeathsig)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	logFile, err := os.OpenFile(filepath.Join(dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child has its own copy

	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(),
		// Under -race, every process sleeps a second at exit by default
		// (atexit_sleep_ms); the children don't need to.
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"),
		testRoleEnv+"=master",
		testDirEnv+"="+dir,
		testWorkersEnv+"="+strconv.Itoa(n),
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tm := &testMaster{t: t, cmd: cmd, dir: dir, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(tm.exited)
	}()
	t.Cleanup(tm.cleanup)

	waitFor(t, 10*time.Second, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "addr"))
		tm.addr = string(b)
		return err == nil
	}, "master did not publish its address")
	return tm
}

// cleanup stops the master if the test left it running, checks that no
// worker outlives it (killing any that does) and shows the logs if the test
// failed.
func (tm *testMaster) cleanup() {
	select {
	case <-tm.exited:
	default:
		tm.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-tm.exited:
		case <-time.After(testShutdownTimeout + 5*time.Second):
			tm.t.Error("master ignored SIGTERM")
			tm.cmd.Process.Kill()
			<-tm.exited
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range tm.workersEver() {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if alive(pid) {
			tm.t.Errorf("worker %d left running", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if tm.t.Failed() {
		b, _ := os.ReadFile(filepath.Join(tm.dir, "log"))
		tm.t.Logf("master and worker logs:\n%s", b)
	}
}

func (tm *testMaster) signal(sig syscall.Signal) {
	tm.t.Helper()
	if err := tm.cmd.Process.Signal(sig); err != nil {
		tm.t.Fatalf("signal master: %v", err)
	}
}

// wait waits for the master to exit.
func (tm *testMaster) wait(timeout time.Duration) *os.ProcessState {
	tm.t.Helper()
	select {
	case <-tm.exited:
		return tm.cmd.ProcessState
	case <-time.After(timeout):
		tm.t.Fatalf("master still running after %s", timeout)
		return nil
	}
}

// workersEver lists the pid of every worker that reported ready.
func (tm *testMaster) workersEver() []int {
	matches, _ := filepath.Glob(filepath.Join(tm.dir, "ready-*"))
	var pids []int
	for _, m := range matches {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(m), "ready-"))
		if err == nil {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids
}

// liveWorkers lists the workers that reported ready and are still running
// (serving or draining).
func (tm *testMaster) liveWorkers() []int {
	return slices.DeleteFunc(tm.workersEver(), func(pid int) bool { return !alive(pid) })
}

// waitWorkers waits until exactly n workers are alive and returns them.
func (tm *testMaster) waitWorkers(n int) []int {
	tm.t.Helper()
	var pids []int
	waitFor(tm.t, 20*time.Second, func() bool {
		pids = tm.liveWorkers()
		return len(pids) == n
	}, "want %d live workers, have %v", n, pids)
	return pids
}

func (tm *testMaster) url(path string) string { return "http://" + tm.addr + path }

// alive reports whether pid is a running process. A zombie counts as gone:
// an orphaned worker that has exited waits there for init to reap it, which
// some container inits never do.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return true
	}
	return b[i+2] != 'Z' && b[i+2] != 'X'
}

// freshGet makes one request on a new connection, so that the kernel picks
// a worker for it.
func freshGet(url string) (*http.Response, string, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

// load is a set of keep-alive clients hammering "/" until halted (or for at
// most loadMaxDuration).
type load struct {
	tr   *http.Transport
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	ok, failed atomic.Int64
	mu         sync.Mutex
	pids       map[int]int
	errs       []string
}

const (
	loadMaxDuration = 30 * time.Second
	loadInterval    = 2 * time.Millisecond // per client
)

func startLoad(t *testing.T, url string, clients int) *load {
	l := &load{
		tr:   &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true},
		stop: make(chan struct{}),
		pids: make(map[int]int),
	}
	client := &http.Client{Transport: l.tr, Timeout: 10 * time.Second}
	end := time.Now().Add(loadMaxDuration)
	for range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			// Paced rather than flat out: on a small machine under
			// -race, an unpaced loop starves the processes under test
			// of CPU and turns the timing requirements into noise.
			tick := time.NewTicker(loadInterval)
			defer tick.Stop()
			for time.Now().Before(end) {
				l.do(client, url)
				select {
				case <-l.stop:
					return
				case <-tick.C:
				}
			}
		}()
	}
	t.Cleanup(l.halt)
	return l
}

func (l *load) do(client *http.Client, url string) {
	resp, err := client.Get(url)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
	}
	if err != nil {
		l.failed.Add(1)
		l.mu.Lock()
		l.errs = append(l.errs, err.Error())
		l.mu.Unlock()
		return
	}
	l.ok.Add(1)
	pid, _ := strconv.Atoi(resp.Header.Get(pidHeader))
	l.mu.Lock()
	l.pids[pid]++
	l.mu.Unlock()
}

// halt stops the clients and waits for them.
func (l *load) halt() {
	l.once.Do(func() {
		close(l.stop)
		l.wg.Wait()
		l.tr.CloseIdleConnections()
	})
}

// waitOK waits for n more successful requests.
func (l *load) waitOK(t *testing.T, n int64) {
	t.Helper()
	target := l.ok.Load() + n
	waitFor(t, 20*time.Second, func() bool { return l.ok.Load() >= target }, "load stalled at %d requests", l.ok.Load())
}

func (l *load) servedBy(pid int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pids[pid]
}

func (l *load) report(t *testing.T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Logf("load: %d ok, %d failed, by pid %v", l.ok.Load(), l.failed.Load(), l.pids)
	for _, e := range l.errs {
		t.Logf("load error: %s", e)
	}
}

const loadClients = 8

// TestProcessKillWorker: kill -9 of a worker under load. The master starts a
// new one quickly, and only requests that were on the killed worker may fail.
func TestProcessKillWorker(t *testing.T) {
	tm := startTestMaster(t, 2)
	pids := tm.waitWorkers(2)
	l := startLoad(t, tm.url("/"), loadClients)
	l.waitOK(t, 200)

	// Kill the busiest worker, so that some clients lose their
	// connection (the kernel may well have given all of them to one).
	victim := pids[0]
	for _, pid := range pids {
		if l.servedBy(pid) > l.servedBy(victim) {
			victim = pid
		}
	}
	if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()

	// The figure is "serving within a second"; it is logged below
	// and reported from a quiet machine. The bound asserted here only
	// catches a broken restart: on a loaded 2-core CI machine exec plus
	// runtime start-up alone can take longer than a second, and a timed
	// assertion there would be flaky (DEVELOPERS.md: speed targets live in
	// benchmarks, not in timed unit tests).
	const replacementBound = 10 * time.Second
	var replacement int
	waitFor(t, replacementBound, func() bool {
		for _, pid := range tm.liveWorkers() {
			if !slices.Contains(pids, pid) {
				replacement = pid
				return true
			}
		}
		return false
	}, "no replacement worker")
	// It accepts: a request on a new connection reaches it (the kernel
	// picks among the workers, so try until one does).
	waitFor(t, replacementBound-time.Since(killed), func() bool {
		resp, _, err := freshGet(tm.url("/"))
		return err == nil && resp.Header.Get(pidHeader) == strconv.Itoa(replacement)
	}, "replacement %d does not serve", replacement)
	t.Logf("replacement %d serving %s after kill -9 of %d", replacement, time.Since(killed), victim)

	l.waitOK(t, 200)
	l.halt()
	l.report(t)
	if got := l.failed.Load(); got > loadClients {
		t.Errorf("%d requests failed; want at most %d (those in flight on the killed worker)", got, loadClients)
	}
	if alive(victim) {
		t.Errorf("killed worker %d still alive", victim)
	}
}

// TestProcessRollingRestart: SIGHUP under load replaces every worker without
// a single failed request.
func TestProcessRollingRestart(t *testing.T) {
	tm := startTestMaster(t, 2)
	old := tm.waitWorkers(2)
	l := startLoad(t, tm.url("/"), loadClients)
	l.waitOK(t, 200)

	tm.signal(syscall.SIGHUP)
	var live []int
	waitFor(t, 20*time.Second, func() bool {
		live = tm.liveWorkers()
		return len(live) == 2 && !slices.ContainsFunc(live, func(pid int) bool { return slices.Contains(old, pid) })
	}, "workers not replaced: old %v, live %v", old, live)

	// The load has moved to the new workers. (Not necessarily to both:
	// the kernel may hand all the reconnecting clients to one.)
	waitFor(t, 20*time.Second, func() bool {
		return l.servedBy(live[0])+l.servedBy(live[1]) > 0
	}, "new workers %v do not serve", live)
	l.waitOK(t, 200)
	l.halt()
	l.report(t)
	if got := l.failed.Load(); got != 0 {
		t.Errorf("%d requests failed during the rolling restart; want 0", got)
	}
}

// TestProcessGracefulStop: SIGTERM while a slow request is in flight. The
// request completes, the master exits 0 and no worker is left.
func TestProcessGracefulStop(t *testing.T) {
	tm := startTestMaster(t, 2)
	pids := tm.waitWorkers(2)

	type result struct {
		resp *http.Response
		body string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, body, err := freshGet(tm.url("/slow"))
		done <- result{resp, body, err}
	}()
	waitFor(t, 10*time.Second, func() bool {
		m, _ := filepath.Glob(filepath.Join(tm.dir, "slow-*"))
		return len(m) > 0
	}, "/slow never started")

	tm.signal(syscall.SIGTERM)
	select {
	case r := <-done:
		if r.err != nil || r.resp.StatusCode != http.StatusOK || r.body != "slow ok" {
			t.Errorf("in-flight /slow = %v %q; want 200 \"slow ok\"", r.err, r.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight /slow did not complete")
	}

	state := tm.wait(testShutdownTimeout + 10*time.Second)
	if !state.Success() {
		t.Errorf("master exited with %v; want exit status 0", state)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("worker %d still running after the master exited", pid)
		}
	}
	if _, _, err := freshGet(tm.url("/")); err == nil {
		t.Error("port still served after the master exited")
	}
}

// TestProcessMasterKilled: kill -9 of the master. Its workers notice (lifeline
// pipe, Pdeathsig) and exit instead of being orphaned.
func TestProcessMasterKilled(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"LifelineAndPdeathsig", nil},
		// Workers that ignore SIGTERM, and so Pdeathsig: the lifeline
		// alone must stop them.
		{"LifelineOnly", []string{testIgnoreTermEnv + "=1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm := startTestMaster(t, 2, tc.env...)
			pids := tm.waitWorkers(2)

			tm.signal(syscall.SIGKILL)
			tm.wait(10 * time.Second)
			waitFor(t, 3*time.Second, func() bool {
				return !slices.ContainsFunc(pids, alive)
			}, "workers %v outlived the master", pids)
		})
	}
}

// TestProcessWorkersCrash: workers that always die at start make the master
// give up and exit non-zero.
func TestProcessWorkersCrash(t *testing.T) {
	tm := startTestMaster(t, 2, testCrashEnv+"=1")
	state := tm.wait(20 * time.Second)
	if state.Success() {
		t.Fatalf("master exited with %v; want a failure", state)
	}
	b, _ := os.ReadFile(filepath.Join(tm.dir, "log"))
	if !bytes.Contains(b, []byte("giving up")) {
		t.Errorf("master log does not say it gave up:\n%s", b)
	}
}
