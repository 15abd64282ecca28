package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/driver/drivertest"
)

// testImage is the image reference that runs the test binary as testtask.
const testImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/testtask:v1"

// cgroupParent keeps this test process's task cgroups apart from anyone
// else's (other packages' tests, a running ecslocal).
var cgroupParent = "ecslocal-test-" + strconv.Itoa(os.Getpid())

const timeout = 20 * time.Second

func testExecutable(tb testing.TB) string {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	return exe
}

// newDriver returns a driver that maps testtask:v1 to the test binary with
// default arguments defArgs.
func newDriver(tb testing.TB, defArgs ...string) *Driver {
	tb.Helper()
	return New(Options{
		Images:       ImageMap{"testtask:v1": {Path: testExecutable(tb), Args: defArgs}},
		BaseEnv:      []string{"BASE=1"},
		CgroupParent: cgroupParent,
		Logger:       slog.New(slog.NewTextHandler(testLogWriter{tb}, nil)),
	})
}

// testLogWriter sends the driver's log lines to the test's log.
type testLogWriter struct{ tb testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// taskConfig returns a config running testtask with steps as its command,
// logging to a fresh directory.
func taskConfig(tb testing.TB, id string, steps ...string) *driver.TaskConfig {
	return &driver.TaskConfig{
		ID:            id,
		TaskID:        "t-" + id,
		ContainerName: "app",
		Image:         testImage,
		Command:       steps,
		// Without this a -race test binary sleeps 1 s before exiting 0.
		Env:    map[string]string{testTaskEnv: "1", "GORACE": "atexit_sleep_ms=0"},
		LogDir: tb.TempDir(),
	}
}

func startTask(t *testing.T, d *Driver, cfg *driver.TaskConfig) *driver.TaskHandle {
	t.Helper()
	th, err := d.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Destroy(cfg.ID, true); err != nil && !errors.Is(err, driver.ErrTaskNotFound) {
			t.Errorf("Destroy: %v", err)
		}
	})
	return th
}

func waitExit(t *testing.T, d *Driver, id string) driver.ExitResult {
	t.Helper()
	ch, err := d.Wait(context.Background(), id)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return drivertest.Receive(t, ch, timeout)
}

func readLog(tb testing.TB, cfg *driver.TaskConfig) string {
	tb.Helper()
	b, err := os.ReadFile(cfg.LogPath())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		tb.Fatal(err)
	}
	return string(b)
}

// waitLog polls the task's log until it matches re and returns the match.
func waitLog(tb testing.TB, cfg *driver.TaskConfig, re *regexp.Regexp) []string {
	tb.Helper()
	var m []string
	drivertest.WaitFor(tb, timeout, func() (bool, string) {
		s := readLog(tb, cfg)
		m = re.FindStringSubmatch(s)
		return m != nil, fmt.Sprintf("log %q does not match %s", s, re)
	})
	return m
}

var readyRE = regexp.MustCompile(`(?m)^ready$`)

func TestContract(t *testing.T) {
	drivertest.Run(t, func(t *testing.T) *drivertest.Harness {
		return &drivertest.Harness{
			Driver: newDriver(t),
			Config: func(id string, b drivertest.Behavior) *driver.TaskConfig {
				var steps []string
				if b.IgnoreSIGTERM {
					steps = append(steps, "ignore-term")
				}
				steps = append(steps, "ready")
				if b.RunFor > 0 {
					steps = append(steps, "sleep", b.RunFor.String(), "exit", strconv.Itoa(b.ExitCode))
				} else {
					steps = append(steps, "sleep", "1h")
				}
				cfg := taskConfig(t, id, steps...)
				if b.MissingImage {
					cfg.Image = "nothing-maps-this:v1"
				}
				return cfg
			},
			Ready: func(tb testing.TB, cfg *driver.TaskConfig) { waitLog(tb, cfg, readyRE) },
		}
	})
}

func TestEnvironment(t *testing.T) {
	t.Parallel()
	d := newDriver(t)
	cfg := taskConfig(t, "env", "print-env")
	cfg.Env["FOO"] = "bar baz"
	cfg.Env["PORT"] = "1" // the host port wins
	cfg.PortBindings = []driver.PortBinding{{ContainerPort: 8080, HostPort: 32001}, {ContainerPort: 80, HostPort: 32002}}
	startTask(t, d, cfg)
	if r := waitExit(t, d, cfg.ID); !r.Successful() {
		t.Fatalf("exit = %v; log:\n%s", r, readLog(t, cfg))
	}
	got := strings.Fields(strings.ReplaceAll(readLog(t, cfg), "bar baz", "bar_baz"))
	want := []string{"BASE=1", testTaskEnv + "=1", "GORACE=atexit_sleep_ms=0", "FOO=bar_baz", "PORT=32002", "PORT_80=32002", "PORT_8080=32001"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("environment = %q; want %q", got, want)
	}
}

func TestCommandSemantics(t *testing.T) {
	t.Parallel()
	exe := testExecutable(t)
	tests := []struct {
		name                string
		entryPoint, command []string
		want                string
	}{
		{"ImageDefaults", nil, nil, "print-args|default"},
		{"CommandReplacesArgs", nil, []string{"print-args", "cmd"}, "print-args|cmd"},
		{"EntryPointDropsArgs", []string{exe, "print-args"}, nil, "print-args"},
		{"EntryPointAndCommand", []string{exe, "print-args"}, []string{"x", "y"}, "print-args|x|y"},
	}
	d := newDriver(t, "print-args", "default")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := taskConfig(t, "cmd-"+tc.name)
			cfg.EntryPoint, cfg.Command = tc.entryPoint, tc.command
			startTask(t, d, cfg)
			r := waitExit(t, d, cfg.ID)
			// Steps after print-args may be unknown ("x"): only the output matters.
			if got := strings.TrimSpace(strings.SplitN(readLog(t, cfg), "\n", 2)[0]); got != tc.want {
				t.Errorf("args = %q; want %q (exit %v)", got, tc.want, r)
			}
		})
	}
}

func TestLogs(t *testing.T) {
	t.Parallel()
	d := newDriver(t)
	cfg := taskConfig(t, "logs", "echo", "to-stdout", "echo-err", "to-stderr", "exit", "7")
	startTask(t, d, cfg)
	if r := waitExit(t, d, cfg.ID); r.ExitCode != 7 {
		t.Errorf("exit = %v; want 7", r)
	}
	if want := filepath.Join(cfg.LogDir, "app.log"); cfg.LogPath() != want {
		t.Errorf("LogPath = %s; want %s", cfg.LogPath(), want)
	}
	if got := readLog(t, cfg); got != "to-stdout\nto-stderr\n" {
		t.Errorf("log = %q; want stdout then stderr", got)
	}
	st, err := d.Inspect(cfg.ID)
	if err != nil || st.LogPath != cfg.LogPath() {
		t.Errorf("Inspect = %+v, %v; want LogPath %s", st, err, cfg.LogPath())
	}
}

func TestListensOnPORT(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	d := newDriver(t)
	cfg := taskConfig(t, "http", "listen")
	cfg.PortBindings = []driver.PortBinding{{ContainerPort: 80, HostPort: port}}
	startTask(t, d, cfg)
	waitLog(t, cfg, regexp.MustCompile(`listening`))
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v; log:\n%s", url, err, readLog(t, cfg))
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "hello from " + strconv.Itoa(port); string(body) != want {
		t.Errorf("body = %q; want %q", body, want)
	}
	if err := d.Stop(cfg.ID, 5*time.Second, "SIGTERM"); err != nil {
		t.Fatal(err)
	}
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

var childRE = regexp.MustCompile(`child (\d+)`)

func TestProcessGroupStopped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps []string
		stop  bool
	}{
		// Stop signals the whole group.
		{"Stop", []string{"spawn-child", "sleep", "1h"}, true},
		// The rest of the task dies with its main process, as in a container.
		{"MainExits", []string{"spawn-child", "sleep", "100ms", "exit", "0"}, false},
	}
	d := newDriver(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := taskConfig(t, "group-"+tc.name, tc.steps...)
			startTask(t, d, cfg)
			child, _ := strconv.Atoi(waitLog(t, cfg, childRE)[1])
			if tc.stop {
				// Only here is the child sure to be running still: in
				// MainExits the driver may already have killed it.
				if !alive(child) {
					t.Fatalf("child %d not running", child)
				}
				if err := d.Stop(cfg.ID, 5*time.Second, ""); err != nil {
					t.Fatal(err)
				}
			}
			waitExit(t, d, cfg.ID)
			drivertest.WaitFor(t, timeout, func() (bool, string) {
				return !alive(child), fmt.Sprintf("child %d survived its task", child)
			})
		})
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	d := newDriver(t)
	cfg := taskConfig(t, "img")
	cfg.Image = "docker.io/library/unknown"
	_, err := d.Start(context.Background(), cfg)
	if !errors.Is(err, driver.ErrImageNotFound) || !strings.Contains(err.Error(), "unknown:latest") {
		t.Errorf("Start(unknown image) = %v; want ErrImageNotFound naming unknown:latest", err)
	}

	bad := New(Options{Images: ImageMap{"x": {Path: "/nonexistent/program"}}, DisableCgroups: true})
	cfg = taskConfig(t, "exe")
	cfg.Image = "x"
	if _, err := bad.Start(context.Background(), cfg); err == nil || errors.Is(err, driver.ErrImageNotFound) {
		t.Errorf("Start(missing executable) = %v; want a start error", err)
	}
	if _, err := bad.Inspect(cfg.ID); !errors.Is(err, driver.ErrTaskNotFound) {
		t.Errorf("Inspect after failed start = %v; want ErrTaskNotFound", err)
	}
	// The ID is free again.
	cfg.Image = testImage
	if _, err := bad.Start(context.Background(), cfg); !errors.Is(err, driver.ErrImageNotFound) {
		t.Errorf("Start = %v; want ErrImageNotFound from the second driver's map", err)
	}
}

func TestSignal(t *testing.T) {
	t.Parallel()
	d := newDriver(t)
	cfg := taskConfig(t, "sig", "ready", "sleep", "1h")
	startTask(t, d, cfg)
	waitLog(t, cfg, readyRE)
	if err := d.Signal(cfg.ID, "SIGINT"); err != nil {
		t.Fatal(err)
	}
	if r := waitExit(t, d, cfg.ID); r.ExitCode != 130 || r.Signal != driver.SIGINT {
		t.Errorf("exit = %v; want 130 (signal 2)", r)
	}
	if err := d.Signal(cfg.ID, "SIGINT"); err != nil {
		t.Errorf("Signal after exit = %v; want nil", err)
	}
}
