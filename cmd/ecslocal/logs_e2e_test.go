package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// testTaskEnv makes the test binary a task program (see runTestTask): the
// process driver runs it for an image mapped to os.Args[0], with the
// container definition's environment.
const testTaskEnv = "ECSLOCAL_TEST_TASK"

// runTestTask is the program of the tasks the tests run. "logger" writes a
// line to stdout and one to stderr, then a third once the file named by
// LOG_TRIGGER exists, and exits 0 on SIGTERM.
func runTestTask(kind string) {
	if kind != "logger" {
		fmt.Fprintf(os.Stderr, "unknown test task %q\n", kind)
		os.Exit(2)
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	fmt.Println("log line one")
	fmt.Fprintln(os.Stderr, "log line two on stderr")
	tick := time.NewTicker(20 * time.Millisecond)
	for {
		if _, err := os.Stat(os.Getenv("LOG_TRIGGER")); err == nil {
			break
		}
		select {
		case <-term:
			os.Exit(0)
		case <-tick.C:
		}
	}
	fmt.Println("a later line")
	<-term
	os.Exit(0)
}

// ecsClient is an SDK client of the endpoint with the default credentials.
func ecsClient(endpoint string) *awsecs.Client {
	return awsecs.New(awsecs.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(DefaultAccessKeyID, DefaultSecretAccessKey, "")})
}

// runLogs runs `ecslocal logs` in this process against the endpoint.
func runLogs(ctx context.Context, endpoint string, stdout *syncBuffer, args ...string) (int, string) {
	var stderr syncBuffer
	code := run(ctx, append([]string{"logs", "--api-addr", strings.TrimPrefix(endpoint, "http://")}, args...), stdout, &stderr)
	return code, stderr.String()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s", what, timeout)
		}
	}
}

// TestLogs runs a service of two tasks that print known lines, as process
// tasks of a real `ecslocal up`, and reads their output with `ecslocal
// logs`: of one task (by ID and by ARN, unprefixed), of the service (each
// line behind its task ID), followed (-f gets a line printed later, for a
// task and for a service), and refuses a name that is neither.
func TestLogs(t *testing.T) {
	in := startUp(t, "--driver", "process", "--image", "logtask:v1="+os.Args[0], "--time-scale", "0.05")
	ctx := context.Background()
	c := ecsClient(in.endpoint)
	trigger := filepath.Join(t.TempDir(), "print-the-later-line")
	if _, err := c.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: aws.String("logs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterContainerInstance(ctx, &awsecs.RegisterContainerInstanceInput{Cluster: aws.String("logs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("printer"),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: aws.String("printer"), Image: aws.String("logtask:v1"), Memory: aws.Int32(64), Essential: aws.Bool(true),
			Environment: []types.KeyValuePair{
				{Name: aws.String(testTaskEnv), Value: aws.String("logger")},
				{Name: aws.String("LOG_TRIGGER"), Value: aws.String(trigger)},
			},
		}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateService(ctx, &awsecs.CreateServiceInput{Cluster: aws.String("logs"), ServiceName: aws.String("printer"),
		TaskDefinition: aws.String("printer"), DesiredCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	var arns []string
	waitFor(t, 60*time.Second, "two RUNNING tasks", func() bool {
		l, err := c.ListTasks(ctx, &awsecs.ListTasksInput{Cluster: aws.String("logs"), ServiceName: aws.String("printer")})
		if err != nil || len(l.TaskArns) != 2 {
			return false
		}
		d, err := c.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: aws.String("logs"), Tasks: l.TaskArns})
		if err != nil {
			return false
		}
		for _, task := range d.Tasks {
			if aws.ToString(task.LastStatus) != "RUNNING" {
				return false
			}
		}
		arns = l.TaskArns
		return true
	})
	ids := []string{lastSegment(arns[0]), lastSegment(arns[1])}
	const early = "log line one\nlog line two on stderr\n"

	// RUNNING means started; the lines follow as soon as each task runs.
	logsOf := func(args ...string) string {
		t.Helper()
		var out syncBuffer
		if code, stderr := runLogs(ctx, in.endpoint, &out, args...); code != 0 {
			t.Fatalf("ecslocal logs %v: exit %d: %s", args, code, stderr)
		}
		return out.String()
	}
	waitFor(t, 30*time.Second, "both lines in each task's log", func() bool {
		return strings.Count(logsOf(ids[0]), "\n") >= 2 && strings.Count(logsOf(ids[1]), "\n") >= 2
	})

	t.Run("Task", func(t *testing.T) {
		if got := logsOf(ids[0]); got != early {
			t.Errorf("ecslocal logs %s:\n%s\nwant:\n%s", ids[0], got, early)
		}
		if got := logsOf("--cluster", "logs", arns[1]); got != early {
			t.Errorf("ecslocal logs --cluster logs %s:\n%s\nwant:\n%s", arns[1], got, early)
		}
	})

	t.Run("Service", func(t *testing.T) {
		var out syncBuffer
		if code, stderr := runLogs(ctx, in.endpoint, &out, "printer"); code != 0 {
			t.Fatalf("ecslocal logs printer: exit %d: %s", code, stderr)
		}
		got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		var want []string
		for _, id := range ids {
			want = append(want, id+" | log line one", id+" | log line two on stderr")
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("ecslocal logs printer:\n%s\nwant the lines\n%s", out.String(), strings.Join(want, "\n"))
		}
	})

	t.Run("Unknown", func(t *testing.T) {
		for _, args := range [][]string{{"nope"}, {"--cluster", "logs", "nope"}, {"0123456789abcdef0123456789abcdef"}} {
			var out syncBuffer
			code, stderr := runLogs(ctx, in.endpoint, &out, args...)
			if code != 1 || !strings.Contains(stderr, "no task or service") || out.String() != "" {
				t.Errorf("ecslocal logs %v: exit %d, stderr %q, stdout %q; want exit 1 saying no task or service", args, code, stderr, out.String())
			}
		}
		var out syncBuffer
		if code, stderr := runLogs(ctx, in.endpoint, &out, "--cluster", "nope", "printer"); code != 1 || !strings.Contains(stderr, "ClusterNotFoundException") {
			t.Errorf("ecslocal logs --cluster nope printer: exit %d, stderr %q; want exit 1 with ClusterNotFoundException", code, stderr)
		}
	})

	t.Run("Unsigned", func(t *testing.T) {
		// Logs can hold secrets: the endpoint wants the API's credentials.
		res, err := http.Get(in.endpoint + logsPath + "?cluster=logs&task=" + arns[0])
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden || strings.Contains(string(b), "log line") {
			t.Errorf("unsigned GET %s: %d %s; want 403 without the log", logsPath, res.StatusCode, b)
		}
	})

	t.Run("Follow", func(t *testing.T) {
		followCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		type result struct {
			code   int
			stderr string
		}
		var task, service syncBuffer
		taskDone, serviceDone := make(chan result, 1), make(chan result, 1)
		go func() {
			code, stderr := runLogs(followCtx, in.endpoint, &task, "-f", ids[0])
			taskDone <- result{code, stderr}
		}()
		go func() {
			code, stderr := runLogs(followCtx, in.endpoint, &service, "printer", "-f") // flags after the name, too
			serviceDone <- result{code, stderr}
		}()
		waitFor(t, 30*time.Second, "the early lines, followed", func() bool {
			return task.String() == early && strings.Count(service.String(), "\n") == 4
		})
		// Only now does any task print its third line.
		if err := os.WriteFile(trigger, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "the later line, followed", func() bool {
			s := service.String()
			return task.String() == early+"a later line\n" &&
				strings.Contains(s, ids[0]+" | a later line\n") && strings.Contains(s, ids[1]+" | a later line\n")
		})
		select {
		case r := <-taskDone:
			t.Fatalf("ecslocal logs -f returned before it was interrupted: %+v", r)
		default:
		}
		cancel() // the interrupt
		for name, done := range map[string]chan result{"task": taskDone, "service": serviceDone} {
			if r := <-done; r.code != 0 {
				t.Errorf("ecslocal logs -f (%s) after the interrupt: exit %d: %s", name, r.code, r.stderr)
			}
		}
	})

	if code := in.stop(t); code != 0 {
		t.Errorf("exit status after SIGTERM: %d; want 0", code)
	}
}
