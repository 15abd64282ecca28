package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests run the real program in a child process: the test binary
// re-executes itself with runMainEnv set and runs main instead of tests.
const runMainEnv = "ECSLOCAL_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	if os.Getenv(testTaskEnv) != "" {
		runTestTask(os.Getenv(testTaskEnv))
		return
	}
	os.Exit(m.Run())
}

// instance is a running `ecslocal up`.
type instance struct {
	cmd      *exec.Cmd
	endpoint string
	stderr   *syncBuffer
	lines    chan string
	done     chan struct{}
	err      error
}

// waitLine waits for a stdout line containing s and returns it.
func (in *instance) waitLine(t *testing.T, s string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l := <-in.lines:
			if strings.Contains(l, s) {
				return l
			}
		case <-in.done:
			t.Fatalf("ecslocal up exited waiting for %q: %v\n%s", s, in.err, in.stderr.String())
		case <-deadline:
			t.Fatalf("no line with %q after %s", s, timeout)
		}
	}
}

// startUp runs `ecslocal up --no-demo` with args and waits for its API
// endpoint line.
func startUp(t *testing.T, args ...string) *instance {
	t.Helper()
	return startUpWith(t, append([]string{"--no-demo"}, args...)...)
}

// startUpWith runs `ecslocal up` with args and waits for its API endpoint
// line.
func startUpWith(t *testing.T, args ...string) *instance {
	t.Helper()
	args = append([]string{"up", "--api-addr", "127.0.0.1:0", "--state-dir", t.TempDir()}, args...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{}), lines: make(chan string, 256)}
	cmd.Stderr = in.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Lines are buffered for tests that wait for one (waitLine); once the
	// buffer is full they are dropped rather than block the reader, which
	// must drain stdout until the child exits.
	lines := in.lines
	go func() { // owned by the child: ends when its stdout closes
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	go func() { in.err = cmd.Wait(); close(in.done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-in.done
		if t.Failed() {
			t.Logf("ecslocal stderr:\n%s", in.stderr.String())
		}
	})
	deadline := time.After(30 * time.Second)
	for in.endpoint == "" {
		select {
		case l := <-lines:
			if rest, ok := strings.CutPrefix(l, "AWS API endpoint: "); ok {
				in.endpoint = strings.Fields(rest)[0]
			}
		case <-in.done:
			t.Fatalf("ecslocal up exited early: %v\n%s", in.err, in.stderr.String())
		case <-deadline:
			t.Fatal("no API endpoint line after 30s")
		}
	}
	return in
}

// stop sends SIGTERM and returns the exit status.
func (in *instance) stop(t *testing.T) int {
	t.Helper()
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(40 * time.Second):
		t.Fatal("ecslocal up still running 40s after SIGTERM")
	}
	var ee *exec.ExitError
	if errors.As(in.err, &ee) {
		return ee.ExitCode()
	}
	return 0
}

// awsCLI runs the installed AWS CLI against the endpoint.
func awsCLI(t *testing.T, endpoint string, env []string, args ...string) ([]byte, error) {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI is required under CI=true: %v", err)
		}
		t.Skipf("no AWS CLI: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	cmd.Env = append(cmd.Env, env...)
	return cmd.CombinedOutput()
}

func TestUpServesTheAPIAndStopsCleanly(t *testing.T) {
	in := startUp(t)
	out, err := awsCLI(t, in.endpoint, nil, "sts", "get-caller-identity")
	if err != nil {
		t.Fatalf("aws sts get-caller-identity: %v\n%s", err, out)
	}
	var id struct{ Account, Arn string }
	if err := json.Unmarshal(out, &id); err != nil || id.Account != "000000000000" {
		t.Fatalf("got %s (%v); want account 000000000000", out, err)
	}
	if code := in.stop(t); code != 0 {
		t.Fatalf("exit status after SIGTERM: %d; want 0", code)
	}
}

func TestUpCredentialsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte("[ci]\naws_access_key_id = AKIDLOCAL\naws_secret_access_key = s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := startUp(t, "--credentials", path)
	if out, err := awsCLI(t, in.endpoint, nil, "sts", "get-caller-identity"); err == nil || !strings.Contains(string(out), "InvalidClientTokenId") {
		t.Fatalf("default test/test after --credentials: got %v %s; want InvalidClientTokenId", err, out)
	}
	out, err := awsCLI(t, in.endpoint, []string{"AWS_ACCESS_KEY_ID=AKIDLOCAL", "AWS_SECRET_ACCESS_KEY=s3cret"}, "sts", "get-caller-identity")
	if err != nil {
		t.Fatalf("own credentials: %v\n%s", err, out)
	}
}

func TestUpRefusesBadConfiguration(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"up", "--api-addr", "0.0.0.0:0", "--no-demo"}, 1, "is not a loopback address"},
		{[]string{"up", "--publish", "80"}, 2, "want LISTENERPORT:HOSTPORT"},
		{[]string{"up", "--time-scale", "0"}, 2, "--time-scale 0"},
		{[]string{"up", "--lb-addr", "nope"}, 2, `--lb-addr "nope"`},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{nil, 2, "usage: ecslocal"},
	} {
		var stdout, stderr bytes.Buffer
		args := tt.args
		if len(args) > 0 && args[0] == "up" {
			args = append(args, "--state-dir", t.TempDir())
		}
		code := run(context.Background(), args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", tt.args, code, stderr.String(), tt.code, tt.msg)
		}
	}
}

func TestScaledClock(t *testing.T) {
	c := newScaledClock(0.05)
	if got := c.Scale(6 * time.Second); got != 300*time.Millisecond {
		t.Errorf("Scale(6s) at 0.05 = %v; want 300ms", got)
	}
	timer := c.NewTimer(2 * time.Second) // 100 ms of real time
	start := time.Now()
	<-timer.C()
	if real := time.Since(start); real > 2*time.Second {
		t.Errorf("a 2s AWS timer took %v of real time at scale 0.05", real)
	}
	if aws := c.Now().Sub(c.start); aws < 2*time.Second {
		t.Errorf("scaled Now advanced %v after the timer; want at least 2s", aws)
	}
}

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "c"+time.Now().Format("150405.000000000"))
		os.WriteFile(p, []byte(s), 0o600)
		return p
	}
	got, err := loadCredentials(write("# comment\n[a]\naws_access_key_id=A\naws_secret_access_key = x\n\n[b]\naws_access_key_id = B\naws_secret_access_key = y\n"))
	if err != nil || got["A"] != "x" || got["B"] != "y" || len(got) != 2 {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", "[a]\naws_access_key_id=A\n", "[a]\njunk\n"} {
		if _, err := loadCredentials(write(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// syncBuffer collects a child's stderr for os/exec's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// freePort returns a loopback TCP port that was free just now: the host
// port an e2e test publishes listener 80 on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// albClient reaches every URL through 127.0.0.1:lbPort: an ALB's DNS name
// stands for the load balancer's address, whose listener 80 is published on
// lbPort.
func albClient(lbPort int) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+strconv.Itoa(lbPort))
	}}}
}

// waitForum polls url/api/users through client until the forum answers
// with its users (60 s at most); what names the service in the failure.
func waitForum(t *testing.T, client *http.Client, url, what string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := client.Get(url + "/api/users")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == 200 && strings.Contains(string(body), `"username":"marceline"`) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer at %s within 60s: %v", what, url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
