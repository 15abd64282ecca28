package main

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// writeECSState leaves an ecs.db holding one cluster in dir, as an
// earlier run would.
func writeECSState(t *testing.T, dir string) {
	t.Helper()
	ecsPath, _ := stateFiles(dir)
	st, err := state.Open(ecsPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply([]state.Op{state.UpsertCluster{Cluster: ecstest.Cluster()}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// TestOpenECSStateRestoresBothHalves: with ecs.db and elb.json both in
// the state directory, the ECS state is opened as it was.
func TestOpenECSStateRestoresBothHalves(t *testing.T) {
	dir := t.TempDir()
	writeECSState(t, dir)
	ecsPath, elbPath := stateFiles(dir)
	if err := os.WriteFile(elbPath, []byte(`{"version":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := openECSState(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n := len(st.Snapshot().Clusters(state.Page{})); n != 1 {
		t.Errorf("restored clusters: %d; want 1, the earlier run's", n)
	}
	if exists(ecsPath+".prev") || exists(elbPath+".prev") {
		t.Error("state moved aside although both halves were there")
	}
}

// TestOpenECSStateMovesAsideHalfState: an ecs.db without elb.json (from
// an ecslocal whose ALB state was not durable) is moved aside, and so is
// an elb.json without ecs.db; the run starts fresh.
func TestOpenECSStateMovesAsideHalfState(t *testing.T) {
	t.Run("ECSOnly", func(t *testing.T) {
		dir := t.TempDir()
		writeECSState(t, dir)
		ecsPath, _ := stateFiles(dir)
		st, err := openECSState(dir, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if n := len(st.Snapshot().Clusters(state.Page{})); n != 0 {
			t.Errorf("clusters: %d; want a fresh state", n)
		}
		if !exists(ecsPath + ".prev") {
			t.Errorf("%s.prev missing: the earlier state was not kept aside", ecsPath)
		}
	})
	t.Run("ELBOnly", func(t *testing.T) {
		dir := t.TempDir()
		_, elbPath := stateFiles(dir)
		if err := os.WriteFile(elbPath, []byte(`{"version":1}`), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := openECSState(dir, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if exists(elbPath) || !exists(elbPath+".prev") {
			t.Errorf("elb.json without ecs.db: want it moved to %s.prev", filepath.Base(elbPath))
		}
	})
}
