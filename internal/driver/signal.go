package driver

import (
	"fmt"
	"strconv"
	"strings"
)

// Linux signal numbers. They are spelled out here rather than taken from
// package syscall so that the contract, the fake and exit-code arithmetic
// (128+N) mean the same thing on every build platform; the process driver
// converts them to syscall.Signal.
const (
	SIGHUP  = 1
	SIGINT  = 2
	SIGQUIT = 3
	SIGKILL = 9
	SIGUSR1 = 10
	SIGUSR2 = 12
	SIGTERM = 15
)

var signalNames = map[string]int{
	"HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "ABRT": 6, "KILL": SIGKILL,
	"USR1": SIGUSR1, "USR2": SIGUSR2, "ALRM": 14, "TERM": SIGTERM,
	"CONT": 18, "STOP": 19, "WINCH": 28,
}

// ParseSignal turns a signal given as "SIGTERM", "TERM", "sigterm" or "15"
// into its Linux number. The empty string means DefaultStopSignal.
func ParseSignal(s string) (int, error) {
	if s == "" {
		s = DefaultStopSignal
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 64 {
			return 0, fmt.Errorf("signal %d out of range", n)
		}
		return n, nil
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if n, ok := signalNames[name]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}
