package docker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/driver/docker"
	"github.com/ecslocal/ecslocal/internal/driver/drivertest"
)

// testImage is built once per test binary by TestMain, FROM scratch with
// the static taskprog; nothing is pulled.
var testImage string

// dockerReason is why Docker tests cannot run, "" when they can.
var dockerReason string

func TestMain(m *testing.M) {
	code := func() int {
		if err := exec.Command("docker", "info").Run(); err != nil {
			dockerReason = "docker engine not reachable: " + err.Error()
			return m.Run()
		}
		tag, cleanup, err := buildImage()
		if err != nil {
			fmt.Fprintln(os.Stderr, "build test image:", err)
			return 1
		}
		defer cleanup()
		testImage = tag
		return m.Run()
	}()
	os.Exit(code)
}

func buildImage() (string, func(), error) {
	dir, err := os.MkdirTemp("", "ecslocal-docker-test")
	if err != nil {
		return "", nil, err
	}
	defer os.RemoveAll(dir)
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "taskprog"), "./testdata/taskprog")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := build.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	df := "FROM scratch\nCOPY taskprog /taskprog\nENTRYPOINT [\"/taskprog\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		return "", nil, err
	}
	tag := "ecslocal-driver-test:" + strconv.Itoa(os.Getpid())
	if out, err := exec.Command("docker", "build", "-q", "-t", tag, dir).CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("docker build: %v\n%s", err, out)
	}
	return tag, func() { exec.Command("docker", "rmi", "-f", tag).Run() }, nil
}

// requireDocker skips without an engine, except under CI=true, where
// .ci/run starts dockerd and a missing engine is a failure.
func requireDocker(tb testing.TB) {
	tb.Helper()
	if dockerReason == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal(dockerReason)
	}
	tb.Skip(dockerReason)
}

// namePrefix keeps this test binary's containers apart from any other's.
var namePrefix = fmt.Sprintf("ecslocal-test-%d-", os.Getpid())

func newDriver(tb testing.TB) *docker.Driver {
	tb.Helper()
	d, err := docker.New(docker.Options{NamePrefix: namePrefix})
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func config(tb testing.TB, id string, b drivertest.Behavior) *driver.TaskConfig {
	env := map[string]string{"EXIT_CODE": strconv.Itoa(b.ExitCode)}
	if b.RunFor > 0 {
		env["RUN_FOR"] = b.RunFor.String()
	}
	if b.IgnoreSIGTERM {
		env["IGNORE_SIGTERM"] = "1"
	}
	image := testImage
	if b.MissingImage {
		image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ecslocal-missing:nope"
	}
	return &driver.TaskConfig{ID: id, ContainerName: "app", Image: image, Env: env, MemoryMiB: 64}
}

// ready waits for the program's "ready" line, so signals find its handlers.
func ready(tb testing.TB, cfg *driver.TaskConfig) {
	name := namePrefix + cfg.ID
	drivertest.WaitFor(tb, 20*time.Second, func() (bool, string) {
		out, err := exec.Command("docker", "logs", name).CombinedOutput()
		return err == nil && strings.Contains(string(out), "ready"), "no ready line in docker logs " + name
	})
}

func TestContract(t *testing.T) {
	requireDocker(t)
	drivertest.Run(t, func(t *testing.T) *drivertest.Harness {
		return &drivertest.Harness{
			Driver: newDriver(t),
			Config: func(id string, b drivertest.Behavior) *driver.TaskConfig { return config(t, id, b) },
			Ready:  ready,
		}
	})
}

func start(t *testing.T, d *docker.Driver, cfg *driver.TaskConfig) *driver.TaskHandle {
	t.Helper()
	th, err := d.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Destroy(cfg.ID, true) })
	return th
}

// TestPortBindingAndLimits: a mapped container port answers on the
// allocated host port, and the engine applies the task's limits.
func TestPortBindingAndLimits(t *testing.T) {
	requireDocker(t)
	t.Parallel()
	d := newDriver(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := config(t, "port", drivertest.Behavior{})
	cfg.Env["LISTEN"] = "3000"
	cfg.CPUUnits = 256
	cfg.PortBindings = []driver.PortBinding{{ContainerPort: 3000, HostPort: hostPort, HostIP: "127.0.0.1"}}
	th := start(t, d, cfg)
	drivertest.WaitFor(t, 20*time.Second, func() (bool, string) {
		res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", hostPort))
		if err != nil {
			return false, err.Error()
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return string(b) == "ok", "body " + string(b)
	})
	out, err := exec.Command("docker", "inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.CPUShares}} {{index .Config.Labels \"ecslocal.task-id\"}}", th.RuntimeID).CombinedOutput()
	if err != nil {
		t.Fatalf("docker inspect: %v %s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), fmt.Sprintf("%d 256 %s", 64<<20, cfg.ID); got != want {
		t.Errorf("memory, shares, task label: got %q; want %q", got, want)
	}
}

// TestOOMKilled: a task over its hard memory limit is killed by the kernel
// and reported as OOMKilled with exit code 137.
func TestOOMKilled(t *testing.T) {
	requireDocker(t)
	t.Parallel()
	d := newDriver(t)
	cfg := config(t, "oom", drivertest.Behavior{})
	cfg.MemoryMiB = 32
	cfg.Env["ALLOC_MIB"] = "128"
	start(t, d, cfg)
	ch, err := d.Wait(context.Background(), cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	res := drivertest.Receive(t, ch, 60*time.Second)
	if !res.OOMKilled || res.ExitCode != 137 {
		t.Fatalf("got %s; want OOM killed with exit code 137", res)
	}
}

// TestRecover: a new driver (a restarted ecslocal) re-adopts a running
// container from the handle the first one returned, and can stop it.
func TestRecover(t *testing.T) {
	requireDocker(t)
	t.Parallel()
	first := newDriver(t)
	cfg := config(t, "recover", drivertest.Behavior{})
	th := start(t, first, cfg)
	ready(t, cfg)

	second := newDriver(t)
	if err := second.Recover(context.Background(), th); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Destroy(cfg.ID, true) })
	st, err := second.Inspect(cfg.ID)
	if err != nil || st.State != driver.TaskStateRunning {
		t.Fatalf("inspect after recover: %+v, %v; want running", st, err)
	}
	if err := second.Stop(cfg.ID, 10*time.Second, ""); err != nil {
		t.Fatal(err)
	}
	st, _ = second.Inspect(cfg.ID)
	if st.ExitResult == nil || st.ExitResult.ExitCode != 143 {
		t.Fatalf("after stop: %+v; want exit code 143 (SIGTERM)", st.ExitResult)
	}

	gone := th.Copy()
	gone.ID, gone.DriverState = "gone", []byte("0123456789abcdef")
	if err := newDriver(t).Recover(context.Background(), gone); !errors.Is(err, driver.ErrTaskNotFound) {
		t.Fatalf("recover of a missing container: got %v; want ErrTaskNotFound", err)
	}
}

// TestImageWithoutRegistryHost: an ECR reference runs the local image of
// the same name and tag.
func TestImageWithoutRegistryHost(t *testing.T) {
	requireDocker(t)
	t.Parallel()
	d := newDriver(t)
	cfg := config(t, "ecr", drivertest.Behavior{RunFor: 10 * time.Millisecond, ExitCode: 3})
	cfg.Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/" + testImage
	start(t, d, cfg)
	ch, err := d.Wait(context.Background(), cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res := drivertest.Receive(t, ch, 30*time.Second); res.ExitCode != 3 {
		t.Fatalf("got %s; want exit code 3", res)
	}
}
