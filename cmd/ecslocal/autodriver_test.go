package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/driver/docker"
	"github.com/ecslocal/ecslocal/internal/driver/process"
)

// TestAutoDriver pins --driver auto's choice, against the real Docker
// engine and real processes: Docker when the engine has the image, else a
// process when a mapping resolves it, else CannotPullContainerError
// (driver.ErrImageNotFound); without an engine, processes only.
func TestAutoDriver(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker engine not reachable: %v", err)
		}
		t.Skipf("docker engine not reachable: %v", err)
	}
	// One static program serves as the image's entry point and as the
	// mapped executable: taskprog, the drivers' test program.
	dir := t.TempDir()
	prog := filepath.Join(dir, "taskprog")
	build := exec.Command("go", "build", "-trimpath", "-o", prog, "../../internal/driver/docker/testdata/taskprog")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build taskprog: %v\n%s", err, out)
	}
	df := "FROM scratch\nCOPY taskprog /taskprog\nENTRYPOINT [\"/taskprog\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	image := fmt.Sprintf("ecslocal-auto-test:%d", os.Getpid())
	if out, err := exec.Command("docker", "build", "-q", "-t", image, dir).CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", image).Run() })

	proc := process.New(process.Options{Images: process.ImageMap{"mapped:v1": process.Image{Path: prog}}})
	dock, err := docker.New(docker.Options{NamePrefix: fmt.Sprintf("ecslocal-auto-test-%d-", os.Getpid())})
	if err != nil {
		t.Fatal(err)
	}
	withEngine := &autoDriver{process: proc, docker: dock, owner: map[string]driver.Driver{}}
	noEngine := &autoDriver{process: proc, owner: map[string]driver.Driver{}}

	tests := []struct {
		name   string
		d      *autoDriver
		image  string
		driver string // "" = the start fails with driver.ErrImageNotFound
	}{
		{"ImageInTheEngine", withEngine, image, docker.Name},
		{"ImageInTheEngineFromARegistry", withEngine, "123456789012.dkr.ecr.us-east-1.amazonaws.com/" + image, docker.Name},
		{"MappedImage", withEngine, "mapped:v1", proc.Name()},
		{"MappedImageWithoutEngine", noEngine, "mapped:v1", proc.Name()},
		{"Neither", withEngine, "nowhere:v1", ""},
		{"EngineImageWithoutEngine", noEngine, image, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &driver.TaskConfig{
				ID: fmt.Sprintf("auto-%d", i), TaskID: fmt.Sprintf("task-%d", i), ContainerName: "app",
				Image: tt.image, Env: map[string]string{"RUN_FOR": "1m"}, MemoryMiB: 64, LogDir: t.TempDir(),
			}
			h, err := tt.d.Start(context.Background(), cfg)
			if tt.driver == "" {
				if !errors.Is(err, driver.ErrImageNotFound) {
					t.Fatalf("Start %s: %v; want driver.ErrImageNotFound", tt.image, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Start %s: %v", tt.image, err)
			}
			t.Cleanup(func() {
				if err := tt.d.Destroy(cfg.ID, true); err != nil {
					t.Errorf("Destroy: %v", err)
				}
			})
			if h.Driver != tt.driver {
				t.Errorf("image %s ran on %q; want %q", tt.image, h.Driver, tt.driver)
			}
			st, err := tt.d.Inspect(cfg.ID)
			if err != nil || st == nil {
				t.Errorf("Inspect through the auto driver: %+v, %v", st, err)
			}
		})
	}
}
