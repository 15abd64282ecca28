package drivertest

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// LeakedGoroutines polls for up to timeout until no goroutine has a frame
// in a function whose name contains any of funcs (for example
// "driver/process.(*handle).run"), and returns the stacks of those that
// remain. A TestMain calls it after m.Run to prove that every goroutine the
// driver started has stopped once its tests destroyed their tasks.
func LeakedGoroutines(timeout time.Duration, funcs ...string) []string {
	deadline := time.Now().Add(timeout)
	for {
		leaked := matchingGoroutines(funcs)
		if len(leaked) == 0 || time.Now().After(deadline) {
			return leaked
		}
		time.Sleep(10 * time.Millisecond) // polling, not an assertion
	}
}

func matchingGoroutines(funcs []string) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, f := range funcs {
			if strings.Contains(g, f) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// ReportLeaks formats LeakedGoroutines' result for a TestMain; it returns
// "" when there is nothing to report.
func ReportLeaks(leaked []string) string {
	if len(leaked) == 0 {
		return ""
	}
	return fmt.Sprintf("%d driver goroutine(s) still running after the tests:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
}
