package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/driver/docker"
	"github.com/ecslocal/ecslocal/internal/driver/process"
)

// newDriver builds the task driver --driver asks for.
func (u *Up) newDriver(ctx context.Context, logger *slog.Logger) (driver.Driver, error) {
	c := u.Config
	images := process.ImageMap{}
	// api:v1 is the reference system's image: the forum binary beside
	// ecslocal (make build writes both to bin/).
	if exe, err := os.Executable(); err == nil {
		forum := filepath.Join(filepath.Dir(exe), "forum")
		if _, err := os.Stat(forum); err == nil {
			images["api:v1"] = process.Image{Path: forum}
		}
	}
	for _, spec := range c.Images {
		ref, img, err := process.ParseImageSpec(spec)
		if err != nil {
			return nil, err
		}
		images[ref] = img
	}
	proc := process.New(process.Options{Images: images, Logger: logger.With("component", "driver", "driver", "process")})
	if c.Driver == "process" {
		return proc, nil
	}
	dock, err := docker.New(docker.Options{Logger: logger.With("component", "driver", "driver", "docker")})
	if err == nil {
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err = dock.Ping(pingCtx)
		cancel()
	}
	switch {
	case c.Driver == "docker" && err != nil:
		return nil, fmt.Errorf("--driver docker: %w", err)
	case c.Driver == "docker":
		return dock, nil
	case err != nil:
		logger.Info("no Docker engine answers: tasks run as processes", "err", err)
		dock = nil
	}
	return &autoDriver{process: proc, docker: dock, owner: map[string]driver.Driver{}}, nil
}
