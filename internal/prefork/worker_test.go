package prefork

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestWatchLifeline(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	gone := watchLifeline(r)
	select {
	case <-gone:
		t.Fatal("lifeline reported the master gone while its end is open")
	default:
	}
	// What the kernel does when the master dies.
	w.Close()
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("lifeline EOF not noticed")
	}
}

func TestWorkerFuncsOutsideWorker(t *testing.T) {
	t.Parallel()
	if IsWorker() {
		t.Skip("the test binary runs as a worker")
	}
	if _, err := Listener(); !errors.Is(err, ErrNotWorker) {
		t.Errorf("Listener() error = %v; want ErrNotWorker", err)
	}
	if err := Ready(); !errors.Is(err, ErrNotWorker) {
		t.Errorf("Ready() = %v; want ErrNotWorker", err)
	}
	select {
	case <-MasterGone():
		t.Error("MasterGone closed outside a worker")
	default:
	}
}
