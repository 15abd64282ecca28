package prefork_test

import (
	"context"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/ecslocal/ecslocal/internal/prefork"
)

// The main of a program that runs as a pre-fork master with -workers N, as
// one of its workers when the master re-executes it, and as a single
// process otherwise.
func Example() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	workers := flag.Int("workers", 0, "number of worker processes (0: serve in this process)")
	flag.Parse()

	const drain = 25 * time.Second
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	switch {
	case prefork.IsWorker():
		// The master re-executed us with the same flags: serve its socket.
		ln, err := prefork.Listener()
		if err != nil {
			log.Fatal(err)
		}
		if err := prefork.Ready(); err != nil {
			log.Fatal(err)
		}
		// Returns after SIGTERM (from the master) or the master's death,
		// once the connections have drained.
		if err := prefork.Serve(ctx, srv, ln, drain); err != nil {
			log.Print(err)
		}

	case *workers > 0:
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			log.Fatal(err)
		}
		m := &prefork.Master{Workers: *workers, ShutdownTimeout: drain}
		// SIGHUP: rolling restart; SIGTERM/SIGINT: graceful stop.
		if err := m.Run(ctx, ln); err != nil {
			log.Fatal(err) // exit non-zero, e.g. when workers keep crashing
		}

	default:
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			log.Fatal(err)
		}
		if err := prefork.Serve(ctx, srv, ln, drain); err != nil {
			log.Print(err)
		}
	}
}
