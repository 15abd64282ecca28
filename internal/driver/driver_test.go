package driver

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := TaskConfig{ID: "t1-app", Image: "app", MemoryMiB: 64, MemoryReservationMiB: 32,
		PortBindings: []PortBinding{{ContainerPort: 80, HostPort: 32768}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	tests := []struct {
		name   string
		mutate func(*TaskConfig)
		want   string
	}{
		{"NoID", func(c *TaskConfig) { c.ID = "" }, "ID is required"},
		{"SlashInID", func(c *TaskConfig) { c.ID = "a/b" }, "path element"},
		{"NoImage", func(c *TaskConfig) { c.Image = "" }, "image is required"},
		{"ReservationAboveLimit", func(c *TaskConfig) { c.MemoryReservationMiB = 128 }, "exceeds memory"},
		{"NegativeCPU", func(c *TaskConfig) { c.CPUUnits = -1 }, "negative"},
		{"HostPortZero", func(c *TaskConfig) { c.PortBindings[0].HostPort = 0 }, "host port 0"},
		{"Protocol", func(c *TaskConfig) { c.PortBindings[0].Protocol = "sctp" }, "sctp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok.Copy()
			tc.mutate(c)
			err := c.Validate()
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate = %v; want ErrInvalidConfig mentioning %q", err, tc.want)
			}
		})
	}
	// Every problem is reported, not just the first.
	if err := (&TaskConfig{}).Validate(); strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("Validate(empty) = %q; want ID and image problems", err)
	}
}

func TestCopyIsDeep(t *testing.T) {
	t.Parallel()
	c := &TaskConfig{ID: "a", Command: []string{"x"}, Env: map[string]string{"K": "v"},
		Labels: map[string]string{"l": "1"}, PortBindings: []PortBinding{{ContainerPort: 1, HostPort: 2}}}
	n := c.Copy()
	n.Command[0], n.Env["K"], n.Labels["l"], n.PortBindings[0].HostPort = "y", "w", "2", 3
	if c.Command[0] != "x" || c.Env["K"] != "v" || c.Labels["l"] != "1" || c.PortBindings[0].HostPort != 2 {
		t.Errorf("Copy shares state with the original: %+v", c)
	}
	if (*TaskConfig)(nil).Copy() != nil || (*TaskStatus)(nil).Copy() != nil || (*TaskHandle)(nil).Copy() != nil {
		t.Error("Copy of nil is not nil")
	}
	s := &TaskStatus{ExitResult: &ExitResult{ExitCode: 1}, Details: map[string]string{"a": "b"}}
	sc := s.Copy()
	sc.ExitResult.ExitCode, sc.Details["a"] = 2, "c"
	if s.ExitResult.ExitCode != 1 || s.Details["a"] != "b" {
		t.Error("TaskStatus.Copy shares state")
	}
}

func TestLogPathAndNames(t *testing.T) {
	t.Parallel()
	c := &TaskConfig{ID: "t1-web", TaskID: "t1", ContainerName: "web", LogDir: "/var/log/ecslocal/t1"}
	if got := c.LogPath(); got != "/var/log/ecslocal/t1/web.log" {
		t.Errorf("LogPath = %s", got)
	}
	c2 := &TaskConfig{ID: "solo"}
	if c2.LogPath() != "" || c2.Name() != "solo" || c2.Task() != "solo" {
		t.Errorf("defaults: LogPath %q Name %q Task %q", c2.LogPath(), c2.Name(), c2.Task())
	}
}

func TestParseSignal(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"": SIGTERM, "SIGTERM": 15, "term": 15, "SIGKILL": 9, "9": 9, "sigusr1": 10, "HUP": 1} {
		if got, err := ParseSignal(in); err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"SIGNOPE", "0", "65", "-1"} {
		if _, err := ParseSignal(bad); err == nil {
			t.Errorf("ParseSignal(%q) succeeded", bad)
		}
	}
}

func TestExitResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r          ExitResult
		str        string
		successful bool
	}{
		{ExitResult{}, "exit code 0", true},
		{ExitResult{ExitCode: 3}, "exit code 3", false},
		{ExitResult{ExitCode: 143, Signal: 15}, "exit code 143 (signal 15)", false},
		{ExitResult{ExitCode: 137, Signal: 9, OOMKilled: true}, "exit code 137 (signal 9, OOM killed)", false},
		{ExitResult{ExitCode: -1, Err: errors.New("lost")}, "exit code -1: lost", false},
	}
	for _, tc := range tests {
		if s := tc.r.String(); s != tc.str {
			t.Errorf("String = %q; want %q", s, tc.str)
		}
		if tc.r.Successful() != tc.successful {
			t.Errorf("%v: Successful = %v", tc.r, !tc.successful)
		}
	}
}

func TestStubs(t *testing.T) {
	t.Parallel()
	var s Signaler = SignalNotSupported{}
	var r Recoverer = RecoverNotSupported{}
	if !errors.Is(s.Signal("a", "HUP"), ErrNotSupported) || !errors.Is(r.Recover(context.Background(), nil), ErrNotSupported) {
		t.Error("stubs do not return ErrNotSupported")
	}
	if err := NewErrTaskNotFound("x"); !errors.Is(err, ErrTaskNotFound) || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("NewErrTaskNotFound = %v", err)
	}
	if err := NewErrImageNotFound("api:v1", "not mapped"); !errors.Is(err, ErrImageNotFound) || !strings.Contains(err.Error(), "not mapped") {
		t.Errorf("NewErrImageNotFound = %v", err)
	}
}
