// Command taskprog is the program inside the docker driver's test image
// (FROM scratch). Its environment scripts it: RUN_FOR (a duration; unset =
// until stopped), EXIT_CODE, IGNORE_SIGTERM=1, LISTEN=<port> (answer HTTP
// "ok" there), ALLOC_MIB (allocate and touch that much memory, then wait).
package main

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	sigs := make(chan os.Signal, 1)
	if os.Getenv("IGNORE_SIGTERM") == "1" {
		signal.Ignore(syscall.SIGTERM)
	} else {
		signal.Notify(sigs, syscall.SIGTERM)
	}
	if port := os.Getenv("LISTEN"); port != "" {
		go http.ListenAndServe(":"+port, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, "ok")
		}))
	}
	var hold [][]byte
	if n, _ := strconv.Atoi(os.Getenv("ALLOC_MIB")); n > 0 {
		for i := 0; i < n; i++ {
			b := make([]byte, 1<<20)
			for j := range b {
				b[j] = byte(j)
			}
			hold = append(hold, b)
		}
	}
	fmt.Println("ready")
	code, _ := strconv.Atoi(os.Getenv("EXIT_CODE"))
	// A timer even when running until stopped: a select on nothing but
	// an ignored signal would be a deadlock to the Go runtime.
	runFor := 24 * time.Hour
	if d, err := time.ParseDuration(os.Getenv("RUN_FOR")); err == nil && d > 0 {
		runFor = d
	}
	after := time.After(runFor)
	select {
	case <-after:
		os.Exit(code)
	case <-sigs:
		os.Exit(143) // as a shell reports death by SIGTERM
	}
	_ = hold
}
