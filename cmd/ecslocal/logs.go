package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/agent"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
)

// logsPath is where `ecslocal up` serves task logs, beside the AWS APIs on
// the same address. ECS has no API for container output (on AWS it goes to
// CloudWatch Logs through the awslogs driver), so this endpoint is
// ecslocal's own; it is SigV4-signed with the API's credentials all the
// same, since logs can hold secrets.
//
//	GET /_ecslocal/logs?cluster=C&task=ARN&container=NAME[&follow=1]
//
// answers 200 with the container's log file as text/plain; with follow=1 it
// keeps streaming what the container writes until the task is STOPPED (and
// its file read to the end), the client goes away, or ecslocal shuts down.
const logsPath = "/_ecslocal/logs"

// taskDescriber is what the log server asks of the ECS control plane.
type taskDescriber interface {
	DescribeTasks(ctx context.Context, in ecscontrol.DescribeTasksInput) (*ecscontrol.DescribeTasksOutput, error)
}

// logServer serves logsPath from the agents' log directory, where the
// process driver writes each container's stdout and stderr:
// <dir>/<task ID>/<container>.log (agent.TaskLogDir).
type logServer struct {
	Verifier *awsapi.Verifier
	Tasks    taskDescriber
	Dir      string
	// Poll is how often a followed file is checked for more output and
	// the task for having stopped. Zero means 200 ms.
	Poll time.Duration
	// Done ends every follow when closed: http.Server.Shutdown waits for
	// responses in flight, and a follow never finishes on its own while
	// its task runs.
	Done   <-chan struct{}
	Logger *slog.Logger
}

func (s *logServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Verifier.Verify(r, nil); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	q := r.URL.Query()
	cluster, taskRef, container := q.Get("cluster"), q.Get("task"), q.Get("container")
	follow := q.Get("follow") == "1"
	if taskRef == "" {
		http.Error(w, "task is required", http.StatusBadRequest)
		return
	}
	t, err := s.task(r.Context(), cluster, taskRef)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	c, err := pickContainer(t, container)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	path := filepath.Join(agent.TaskLogDir(s.Dir, t.ID()), c.Name+".log")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && c.LastStatus == ecs.ContainerStatusRunning {
		// The process driver creates the file before the process starts,
		// so a running container without one runs on another driver.
		http.Error(w, fmt.Sprintf("container %s of task %s has no log file: containers on the Docker driver log to the engine "+
			"(docker logs $(docker ps -aq --filter label=ecslocal.task-id=%s --filter label=ecslocal.container-name=%s))",
			c.Name, t.ID(), t.ID(), c.Name), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := s.stream(r.Context(), w, path, follow, cluster, t.TaskARN); err != nil && r.Context().Err() == nil {
		s.Logger.Warn("serve task log", "task", t.TaskARN, "container", c.Name, "err", err)
	}
}

// task finds a task the way DescribeTasks does (ID or ARN).
func (s *logServer) task(ctx context.Context, cluster, ref string) (*ecs.Task, error) {
	out, err := s.Tasks.DescribeTasks(ctx, ecscontrol.DescribeTasksInput{Cluster: cluster, Tasks: []string{ref}})
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", ref, err)
	}
	if len(out.Tasks) == 0 {
		return nil, fmt.Errorf("task %s not found in cluster %s", ref, clusterOrDefault(cluster))
	}
	return out.Tasks[0], nil
}

func clusterOrDefault(c string) string {
	if c == "" {
		return "default"
	}
	return c
}

// pickContainer returns the named container of t, or its only one when
// name is empty.
func pickContainer(t *ecs.Task, name string) (*ecs.Container, error) {
	names := make([]string, len(t.Containers))
	for i := range t.Containers {
		names[i] = t.Containers[i].Name
		if name != "" && t.Containers[i].Name == name {
			return &t.Containers[i], nil
		}
	}
	if name == "" && len(t.Containers) == 1 {
		return &t.Containers[0], nil
	}
	if name == "" {
		return nil, fmt.Errorf("task %s has containers %s: name one", t.ID(), strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("task %s has no container %q (it has %s)", t.ID(), name, strings.Join(names, ", "))
}

// stream copies the file at path to w; with follow, it then keeps copying
// what is appended until the task is STOPPED, ctx ends or s.Done closes.
// A file that does not exist yet (the container has not started) is
// waited for when following and empty otherwise.
func (s *logServer) stream(ctx context.Context, w http.ResponseWriter, path string, follow bool, cluster, taskARN string) error {
	poll := s.Poll
	if poll == 0 {
		poll = 200 * time.Millisecond
	}
	rc := http.NewResponseController(w)
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		// Whether the task has stopped is asked before reading: all it
		// wrote before stopping is then read below, and the stream ends.
		last := !follow || s.stopped(ctx, cluster, taskARN)
		if f == nil {
			var err error
			f, err = os.Open(path)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("open log: %w", err)
			}
		}
		if f != nil {
			n, err := io.Copy(w, f)
			if err != nil {
				return fmt.Errorf("copy log: %w", err)
			}
			if n > 0 || last {
				if err := rc.Flush(); err != nil {
					return fmt.Errorf("flush log: %w", err)
				}
			}
		}
		if last {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.Done:
			return nil
		case <-tick.C:
		}
	}
}

// stopped reports whether the agent has seen the task STOPPED (its
// containers have exited, so their files are complete) or it is gone.
func (s *logServer) stopped(ctx context.Context, cluster, taskARN string) bool {
	t, err := s.task(ctx, cluster, taskARN)
	return err != nil || t.LastStatus == ecs.TaskStatusStopped
}

// logsCommand is `ecslocal logs`: the output of a task's containers, or of
// every task of a service, from a running `ecslocal up`.
type logsCommand struct {
	ecs      *awsecs.Client
	http     *http.Client
	endpoint string
	region   string
	creds    aws.Credentials
	cluster  string
	follow   bool
	// poll is how often a followed service is listed for new tasks.
	poll time.Duration

	mu  sync.Mutex // serialises lines written to out
	out io.Writer
}

// logStream is one container of one task whose log is printed.
type logStream struct {
	cluster, taskARN, container string
	prefix                      string
}

// logs is `ecslocal logs [-f] [--cluster C] TASK|SERVICE`. It finds the
// task or service with the ECS API of the running `ecslocal up` and reads
// each container's output from logsPath. It exits 1 when neither exists.
func logs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ecslocal logs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ecslocal logs [flags] TASK|SERVICE\n\nTASK is a task ID or ARN, SERVICE a service name or ARN.")
		fs.PrintDefaults()
	}
	addr := fs.String("api-addr", "127.0.0.1:4566", "API endpoint of the running ecslocal up")
	region := fs.String("region", "us-east-1", "region")
	cluster := fs.String("cluster", "", "cluster of the task or service (default: look in every cluster)")
	follow := fs.Bool("f", false, "follow: keep printing new output (of a service: of its new tasks too) until interrupted")
	// Flags may come after TASK|SERVICE too (`ecslocal logs api -f`).
	var refs []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		refs, args = append(refs, fs.Arg(0)), fs.Args()[1:]
	}
	if len(refs) != 1 {
		fs.Usage()
		return 2
	}
	akid, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if akid == "" {
		akid, secret = DefaultAccessKeyID, DefaultSecretAccessKey
	}
	endpoint := "http://" + *addr
	creds := credentials.NewStaticCredentialsProvider(akid, secret, "")
	lc := &logsCommand{
		ecs:      awsecs.New(awsecs.Options{Region: *region, BaseEndpoint: aws.String(endpoint), Credentials: creds}),
		http:     &http.Client{},
		endpoint: endpoint,
		region:   *region,
		creds:    aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
		cluster:  *cluster,
		follow:   *follow,
		poll:     time.Second,
		out:      stdout,
	}
	if err := lc.run(ctx, refs[0]); err != nil {
		fmt.Fprintf(stderr, "ecslocal logs: %v\n", err)
		return 1
	}
	return 0
}

// errNotFound is a TASK|SERVICE that names neither.
var errNotFound = errors.New("not found")

// run resolves ref to a task or a service and prints its logs.
func (lc *logsCommand) run(ctx context.Context, ref string) error {
	lookup, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	clusters, err := lc.clusters(lookup)
	if err != nil {
		return fmt.Errorf("%w (is `ecslocal up` running on %s?)", err, strings.TrimPrefix(lc.endpoint, "http://"))
	}
	// A task first: its ID cannot be a service name ECS would have made.
	for _, cl := range clusters {
		out, err := lc.ecs.DescribeTasks(lookup, &awsecs.DescribeTasksInput{Cluster: aws.String(cl), Tasks: []string{ref}})
		if err != nil {
			if lc.cluster != "" {
				return err
			}
			continue
		}
		if len(out.Tasks) > 0 {
			streams := taskStreams(cl, out.Tasks[0], false)
			return lc.print(ctx, streams)
		}
	}
	var found []string
	for _, cl := range clusters {
		out, err := lc.ecs.DescribeServices(lookup, &awsecs.DescribeServicesInput{Cluster: aws.String(cl), Services: []string{ref}})
		if err != nil {
			if lc.cluster != "" {
				return err
			}
			continue
		}
		if len(out.Services) > 0 && aws.ToString(out.Services[0].Status) != "INACTIVE" {
			found = append(found, cl)
		}
	}
	switch {
	case len(found) == 0 && lc.cluster != "":
		return fmt.Errorf("no task or service %q in cluster %s: %w", ref, lc.cluster, errNotFound)
	case len(found) == 0:
		return fmt.Errorf("no task or service %q in any cluster (%s): %w", ref, strings.Join(clusters, ", "), errNotFound)
	case len(found) > 1:
		return fmt.Errorf("service %q exists in clusters %s: name one with --cluster", ref, strings.Join(found, ", "))
	}
	return lc.service(ctx, found[0], ref)
}

// clusters is --cluster, or every cluster.
func (lc *logsCommand) clusters(ctx context.Context) ([]string, error) {
	if lc.cluster != "" {
		return []string{lc.cluster}, nil
	}
	var out []string
	p := awsecs.NewListClustersPaginator(lc.ecs, &awsecs.ListClustersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, arn := range page.ClusterArns {
			out = append(out, lastSegment(arn))
		}
	}
	return out, nil
}

// taskStreams lists a task's containers; prefixed, each line names the
// task (and the container when the task has several).
func taskStreams(cluster string, t types.Task, prefixed bool) []logStream {
	id := lastSegment(aws.ToString(t.TaskArn))
	var out []logStream
	for _, c := range t.Containers {
		s := logStream{cluster: cluster, taskARN: aws.ToString(t.TaskArn), container: aws.ToString(c.Name)}
		if len(t.Containers) > 1 {
			s.prefix = id + "/" + s.container
		} else {
			s.prefix = id
		}
		out = append(out, s)
	}
	if !prefixed && len(out) == 1 {
		out[0].prefix = ""
	}
	return out
}

// serviceTasks returns the tasks ECS lists for a service, running and
// stopped, oldest first.
func (lc *logsCommand) serviceTasks(ctx context.Context, cluster, service string) ([]types.Task, error) {
	var arns []string
	for _, desired := range []types.DesiredStatus{types.DesiredStatusStopped, types.DesiredStatusRunning} {
		p := awsecs.NewListTasksPaginator(lc.ecs, &awsecs.ListTasksInput{Cluster: aws.String(cluster), ServiceName: aws.String(service), DesiredStatus: desired})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			arns = append(arns, page.TaskArns...)
		}
	}
	var tasks []types.Task
	for i := 0; i < len(arns); i += 100 {
		out, err := lc.ecs.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: arns[i:min(i+100, len(arns))]})
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, out.Tasks...)
	}
	slices.SortStableFunc(tasks, func(a, b types.Task) int { return aws.ToTime(a.CreatedAt).Compare(aws.ToTime(b.CreatedAt)) })
	return tasks, nil
}

// service prints the logs of a service's tasks. Following, it also picks
// up the tasks the service starts later (replacements, deployments).
func (lc *logsCommand) service(ctx context.Context, cluster, name string) error {
	tasks, err := lc.serviceTasks(ctx, cluster, name)
	if err != nil {
		return err
	}
	// Following, tasks come and go, so lines always name their task.
	prefixed := lc.follow || len(tasks) > 1
	var streams []logStream
	for _, t := range tasks {
		streams = append(streams, taskStreams(cluster, t, prefixed)...)
	}
	if !lc.follow {
		return lc.print(ctx, streams)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Cancel, then wait: the streams end with ctx.
	defer func() { cancel(); wg.Wait() }()
	errs := make(chan error, 1)
	started := map[string]bool{}
	start := func(ss []logStream) {
		for _, s := range ss {
			if started[s.taskARN+"/"+s.container] {
				continue
			}
			started[s.taskARN+"/"+s.container] = true
			wg.Go(func() { // owned by service: ends with ctx or the stream
				if err := lc.copy(ctx, s); err != nil && ctx.Err() == nil {
					select {
					case errs <- err:
					default:
					}
				}
			})
		}
	}
	start(streams)
	tick := time.NewTicker(lc.poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errs:
			return err
		case <-tick.C:
		}
		tasks, err := lc.serviceTasks(ctx, cluster, name)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("list the tasks of service %s: %w", name, err)
		}
		for _, t := range tasks {
			start(taskStreams(cluster, t, true))
		}
	}
}

// print prints streams one after the other or, following, all at once.
func (lc *logsCommand) print(ctx context.Context, streams []logStream) error {
	if !lc.follow {
		for _, s := range streams {
			if err := lc.copy(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, len(streams))
	for i, s := range streams {
		wg.Go(func() { errs[i] = lc.copy(ctx, s) }) // ends with ctx or the stream
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil // interrupted: the normal end of -f
	}
	return errors.Join(errs...)
}

// copy prints one container's log from the running ecslocal up, line by
// line behind the stream's prefix.
func (lc *logsCommand) copy(ctx context.Context, s logStream) error {
	q := url.Values{"cluster": {s.cluster}, "task": {s.taskARN}, "container": {s.container}}
	if lc.follow {
		q.Set("follow", "1")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, lc.endpoint+logsPath+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	empty := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(ctx, lc.creds, req, hex.EncodeToString(empty[:]), "ecs", lc.region, time.Now()); err != nil {
		return fmt.Errorf("sign logs request: %w", err)
	}
	res, err := lc.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("logs of task %s: %w", lastSegment(s.taskARN), err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("logs of task %s: %s", lastSegment(s.taskARN), strings.TrimSpace(string(b)))
	}
	br := bufio.NewReader(res.Body)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if !strings.HasSuffix(line, "\n") {
				line += "\n"
			}
			lc.mu.Lock()
			if s.prefix != "" {
				_, _ = io.WriteString(lc.out, s.prefix+" | "+line)
			} else {
				_, _ = io.WriteString(lc.out, line)
			}
			lc.mu.Unlock()
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("logs of task %s: %w", lastSegment(s.taskARN), err)
		}
	}
}
