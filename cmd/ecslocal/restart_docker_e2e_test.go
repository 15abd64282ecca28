package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver/docker"
)

// apiImage makes sure the engine has the reference image api:v1, built as
// `make image` builds it (the Dockerfile's prebuilt target, FROM scratch,
// nothing pulled). An api:v1 that is there already is used as it is and
// left in place.
func apiImage(t *testing.T) {
	t.Helper()
	if exec.Command("docker", "image", "inspect", "api:v1").Run() == nil {
		return
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, "bin", "forum-static"), "../forum")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build forum: %v\n%s", err, out)
	}
	for _, f := range []string{"Dockerfile", ".dockerignore"} {
		b, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("docker", "build", "-q", "--target", "prebuilt", "-t", "api:v1", dir).CombinedOutput(); err != nil {
		t.Fatalf("docker build api:v1: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", "api:v1").Run() })
}

// taskContainers lists the IDs of the running containers ecslocal's
// Docker driver made for a task.
func taskContainers(t *testing.T, taskARN string) []string {
	t.Helper()
	id := taskARN[strings.LastIndex(taskARN, "/")+1:]
	out, err := exec.Command("docker", "ps", "-q", "--no-trunc", "--filter", "label="+docker.LabelTaskID+"="+id).Output()
	if err != nil {
		t.Fatalf("docker ps: %v", err)
	}
	return strings.Fields(string(out))
}

// TestRestartAfterCrashDocker kills `ecslocal up --driver docker` with
// SIGKILL, leaving the task's container running in the engine, and starts
// it again on the same state directory: the container is re-adopted (the
// same task, the same container, never restarted), the system is steady
// with the same ARNs and serves through the same listener, and a clean stop
// afterwards stops the container.
func TestRestartAfterCrashDocker(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker engine not reachable: %v", err)
		}
		t.Skipf("docker engine not reachable: %v", err)
	}
	apiImage(t)
	lbPort := freePort(t)
	r := &restartRig{
		base: fmt.Sprintf("http://127.0.0.1:%d", lbPort),
		args: []string{"--driver", "docker", "--publish", fmt.Sprintf("80:%d", lbPort), "--time-scale", "0.05", "--state-dir", t.TempDir()},
	}

	first := r.up(t)
	before := waitSteady(t, first.endpoint)
	if len(before.tasks) != 1 {
		t.Fatalf("tasks before the crash: %v; want one", before.tasks)
	}
	task := before.tasks[0]
	containers := taskContainers(t, task)
	if len(containers) != 1 {
		t.Fatalf("containers of task %s: %v; want one", task, containers)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", containers[0]).Run() })
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.done
	if got := taskContainers(t, task); !slices.Equal(got, containers) {
		t.Fatalf("containers of task %s after the kill -9 of ecslocal: %v; want %v still running", task, got, containers)
	}

	second := r.up(t)
	after := waitSteady(t, second.endpoint)
	checkSameSystem(t, before, after)
	if !slices.Equal(after.tasks, before.tasks) {
		t.Errorf("tasks after the restart: %v; want the re-adopted %v", after.tasks, before.tasks)
	}
	if status, _, _ := describeTask(t, second.endpoint, task); status != "RUNNING" {
		t.Errorf("re-adopted task %s: lastStatus %s; want RUNNING", task, status)
	}
	if got := taskContainers(t, task); !slices.Equal(got, containers) {
		t.Errorf("containers of task %s after the restart: %v; want the same %v", task, got, containers)
	}
	out, err := exec.Command("docker", "inspect", "-f", "{{.RestartCount}} {{.State.StartedAt}}", containers[0]).Output()
	if err != nil || !strings.HasPrefix(string(out), "0 ") {
		t.Errorf("container %s: restart count and start %q, %v; want never restarted", containers[0], out, err)
	}

	if code := second.stop(t); code != 0 {
		t.Errorf("exit status of the second ecslocal up after SIGTERM: %d; want 0", code)
	}
	waitFor(t, 30*time.Second, "the task's container stopped with ecslocal", func() bool { return len(taskContainers(t, task)) == 0 })
}
