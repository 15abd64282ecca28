package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/cfnapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/ecsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/elbapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/stsapi"
	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
	"github.com/ecslocal/ecslocal/internal/driver/process"
	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/agent"
	ecscontrol "github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/ecs/control/elbtargets"
	"github.com/ecslocal/ecslocal/internal/elb/control"
	"github.com/ecslocal/ecslocal/internal/elb/proxy"
)

// UpConfig is the configuration of `ecslocal up`, from its flags.
type UpConfig struct {
	StateDir    string      // --state-dir
	APIAddr     string      // --api-addr
	LBAddr      netip.Addr  // --lb-addr
	Publish     map[int]int // --publish LISTENERPORT:HOSTPORT
	TimeScale   float64     // --time-scale
	Credentials string      // --credentials FILE; "" = test/test
	Region      string      // --region
	AccountID   string      // --account
	LogLevel    slog.Level  // --log-level
	NoDemo      bool        // --no-demo
	Driver      string      // --driver auto|process|docker
	Images      []string    // --image REF=PATH [ARGS], repeatable
}

// imagesFlag collects repeatable --image values.
type imagesFlag struct{ v *[]string }

func (f imagesFlag) String() string { return "" }

func (f imagesFlag) Set(s string) error {
	if _, _, err := process.ParseImageSpec(s); err != nil {
		return err
	}
	*f.v = append(*f.v, s)
	return nil
}

// Up is `ecslocal up`: configuration plus the streams it writes to.
type Up struct {
	Config UpConfig
	Stdout io.Writer
	Stderr io.Writer
}

// publishFlag parses repeatable LISTENERPORT:HOSTPORT values.
type publishFlag map[int]int

func (p publishFlag) String() string { return fmt.Sprint(map[int]int(p)) }

func (p publishFlag) Set(s string) error {
	l, h, ok := strings.Cut(s, ":")
	lp, err1 := strconv.Atoi(l)
	hp, err2 := strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil || lp < 1 || lp > 65535 || hp < 0 || hp > 65535 {
		return fmt.Errorf("want LISTENERPORT:HOSTPORT, e.g. 80:8080")
	}
	p[lp] = hp
	return nil
}

// ParseFlags reads the flags of `ecslocal up`.
func (u *Up) ParseFlags(args []string) error {
	c := &u.Config
	c.Publish = map[int]int{}
	fs := flag.NewFlagSet("ecslocal up", flag.ContinueOnError)
	fs.SetOutput(u.Stderr)
	lbAddr := fs.String("lb-addr", "127.0.0.1", "address the load balancers' listeners bind")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.StateDir, "state-dir", ".ecslocal", "directory for state, task logs and access logs")
	fs.StringVar(&c.APIAddr, "api-addr", "127.0.0.1:4566", "address of the AWS API endpoint")
	fs.Var(publishFlag(c.Publish), "publish", "serve listener port `LISTENERPORT:HOSTPORT` on another host port (repeatable; 0 = any free port)")
	fs.Float64Var(&c.TimeScale, "time-scale", 1, "multiply every AWS duration (health checks, deregistration delays, grace periods, backoffs) by `F`")
	fs.StringVar(&c.Credentials, "credentials", "", "AWS shared-credentials `FILE` whose keys replace the default test/test")
	fs.StringVar(&c.Region, "region", "us-east-1", "region of ARNs and DNS names")
	fs.StringVar(&c.AccountID, "account", "000000000000", "account ID of ARNs")
	fs.BoolVar(&c.NoDemo, "no-demo", false, "do not create the reference system")
	fs.StringVar(&c.Driver, "driver", "auto", "task driver: auto (Docker when the engine has the image, else a process), process or docker")
	fs.Var(imagesFlag{&c.Images}, "image", "run image `REF=PATH [ARGS]` as a local process (repeatable; api:v1 runs the forum next to ecslocal by default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	addr, err := netip.ParseAddr(*lbAddr)
	if err != nil {
		return fmt.Errorf("--lb-addr %q: %w", *lbAddr, err)
	}
	c.LBAddr = addr
	if err := c.LogLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	if c.TimeScale <= 0 || c.TimeScale > 100 {
		return fmt.Errorf("--time-scale %g: want a factor above 0 and at most 100", c.TimeScale)
	}
	if c.Driver != "auto" && c.Driver != "process" && c.Driver != "docker" {
		return fmt.Errorf("--driver %q: want auto, process or docker", c.Driver)
	}
	if len(c.AccountID) != 12 || strings.Trim(c.AccountID, "0123456789") != "" {
		return fmt.Errorf("--account %q: want 12 digits", c.AccountID)
	}
	return nil
}

// Run runs until ctx is done, then stops everything in order (see
// shutdown): what places work, the listeners (letting requests in flight
// finish), the tasks, and last the state.
func (u *Up) Run(ctx context.Context) error {
	c := u.Config
	logger := slog.New(slog.NewTextHandler(u.Stderr, &slog.HandlerOptions{Level: c.LogLevel}))

	creds := map[string]string{DefaultAccessKeyID: DefaultSecretAccessKey}
	if c.Credentials != "" {
		var err error
		if creds, err = loadCredentials(c.Credentials); err != nil {
			return err
		}
	}
	if err := checkAPIExposure(c.APIAddr, c.Credentials != ""); err != nil {
		return err
	}
	if err := os.MkdirAll(c.StateDir, 0o755); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}

	clock := newScaledClock(c.TimeScale)
	store, err := openECSState(c.StateDir, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	dataPlane := proxy.New(proxy.Options{
		Logger:       logger.With("component", "alb"),
		Now:          clock.Now,
		Publish:      c.Publish,
		DefaultAddr:  c.LBAddr,
		AccessLogDir: filepath.Join(c.StateDir, "alb-access-logs"),
	})
	// The ALB's state is saved after every change and comes back with
	// its ARNs; Open binds the restored listeners before it returns.
	_, elbPath := stateFiles(c.StateDir)
	elbControl, err := control.Open(control.Options{
		Region:    c.Region,
		AccountID: c.AccountID,
		Publisher: dataPlane,
		Clock:     clock,
		Logger:    logger.With("component", "elb"),
		LBAddr:    c.LBAddr,
		Resolver:  instanceResolver{store},
		Store:     control.NewFileStore(elbPath),
	})
	if err != nil {
		return err
	}
	defer elbControl.Close()

	taskDriver, err := u.newDriver(ctx, logger)
	if err != nil {
		return err
	}
	agents := &agentSet{store: store}
	logGroups := deploy.NewLogGroupDir(filepath.Join(c.StateDir, "logs"), nil)
	taskLogDir := filepath.Join(c.StateDir, "tasks")
	ecsControl, err := ecscontrol.New(ecscontrol.Options{
		Store:     store,
		Region:    c.Region,
		AccountID: c.AccountID,
		Registrar: elbtargets.New(elbControl),
		Agents:    agents,
		Clock:     clock,
		Logger:    logger.With("component", "ecs"),
	})
	if err != nil {
		return err
	}
	agents.newFor = func(ci *ecs.ContainerInstance) (*agent.Agent, error) {
		id := ci.EC2InstanceID
		return agent.New(agent.Config{
			InstanceARN: ci.ContainerInstanceARN,
			Driver:      taskDriver,
			Reporter:    ecsControl.Reporter(),
			LogDir:      taskLogDir,
			StateDir:    agentStateDir(c.StateDir, id),
			HostIP:      ci.Address.String(),
			AWSLogs:     logGroups,
			Scale:       clock.Scale,
			Logger:      logger.With("component", "agent", "instance", id),
		})
	}
	// CloudFormation stacks deploy through the same control planes; their
	// waits run on the scaled clock like every other AWS duration.
	stacks := deploy.New(deploy.Options{
		Handlers: deploy.NewHandlers(deploy.HandlerOptions{
			ELB: elbControl, ECS: deploy.ECSControl(ecsControl), Instances: deploy.InstancesControl(ecsControl), Logs: logGroups,
		}),
		Region:    c.Region,
		AccountID: c.AccountID,
		Logger:    logger.With("component", "cloudformation"),
		Clock:     clock,
	})
	defer stacks.Close()

	// The tasks an earlier run left go back to their agents before the
	// loop evaluates their services (restore.go); the demo restored with
	// the state is found before the loop adds events to it.
	if sum := restoreTasks(ctx, store, agents, ecsControl, c.StateDir, logger); sum != (restoreSummary{}) {
		logger.Info("restored tasks of the earlier run", "re-adopted", sum.adopted, "replaced", sum.replaced, "lost", sum.lost)
	}
	var restored *restoredDemo
	if !c.NoDemo {
		restored = findDemo(ctx, store, elbControl)
	}
	loopCtx, stopLoop := context.WithCancel(context.Background())
	go ecsControl.Run(loopCtx) // owned by Run: stopped below, after the agents
	defer func() { stopLoop(); <-ecsControl.WaitCh() }()

	registry := prometheus.NewRegistry()
	registry.MustRegister(dataPlane.Collector())
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	verifier := &awsapi.Verifier{Credentials: creds}
	mux.Handle("GET "+logsPath, &logServer{
		Verifier: verifier,
		Tasks:    ecsControl,
		Dir:      taskLogDir,
		Done:     ctx.Done(),
		Logger:   logger.With("component", "logs"),
	})
	mux.Handle("/", &awsapi.Server{
		Verifier: verifier,
		JSON:     []awsapi.JSONService{ecsapi.Service(ecsControl)},
		Query: []awsapi.QueryService{
			(&stsapi.Handler{AccountID: c.AccountID}).Service(),
			(&elbapi.Handler{Control: elbControl}).Service(),
			// Settle: answer stack operations once they are done (up to 2 s),
			// since `aws cloudformation deploy` sleeps 30 s between polls
			// and local stacks take milliseconds.
			(&cfnapi.Handler{Stacks: stacks, Settle: 2 * time.Second}).Service(),
		},
		Logger: logger.With("component", "api"),
	})
	ln, err := net.Listen("tcp", c.APIAddr)
	if err != nil {
		return fmt.Errorf("api endpoint: %w", err)
	}
	api := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	serveErr := make(chan error, 1)
	go func() { serveErr <- api.Serve(ln) }() // owned by Run: ends with api.Shutdown

	endpoint := "http://" + ln.Addr().String()
	fmt.Fprintf(u.Stdout, "ecslocal %s\n", version)
	fmt.Fprintf(u.Stdout, "AWS API endpoint: %s (access key %q)\n", endpoint, firstKey(creds))
	fmt.Fprintf(u.Stdout, "  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=%s\n", c.Region)
	fmt.Fprintf(u.Stdout, "  aws --endpoint-url %s sts get-caller-identity\n", endpoint)
	fmt.Fprintf(u.Stdout, "metrics: %s/metrics\n", endpoint)
	demoErr := make(chan error, 1)
	demoDone := c.NoDemo
	if !c.NoDemo {
		go func() { demoErr <- u.runDemo(ctx, stacks, ecsControl, elbControl, endpoint, restored) }() // ends with ctx; waited for below
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("api endpoint: %w", err)
	case err := <-demoErr:
		demoDone = true
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		<-ctx.Done()
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return shutdown(shutdownCtx, logger, shutdownSteps{
		demo: func() {
			if !demoDone {
				<-demoErr
			}
		},
		api:    api.Shutdown,
		stacks: func() { _ = stacks.Close() },
		loop:   func() { stopLoop(); <-ecsControl.WaitCh() },
		alb:    dataPlane.Shutdown,
		elb:    elbControl.Close,
		tasks: func() {
			// The simulated instances stop with ecslocal, and their tasks
			// say so (TerminationNotice, "Host EC2 (instance i-…)
			// stopped/terminated") when the next run shows them.
			stopHosts(store, agents, ecsControl, logger)
			// Every task gets its whole stop timeout (ECS allows up to
			// 120 s) whatever the steps before took: a process task must
			// not outlive ecslocal.
			ctx, cancel := context.WithTimeout(context.Background(), clock.Scale(120*time.Second)+10*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			for _, a := range agents.all() {
				wg.Go(func() { // ends when the agent's tasks stopped, or with ctx
					if err := a.Kill(ctx); err != nil {
						logger.Warn("stop tasks", "err", err)
					}
				})
			}
			wg.Wait()
		},
	})
}

// shutdownSteps are the parts of a running `up` that shutdown stops.
type shutdownSteps struct {
	demo   func()                          // waits for the demo's goroutine, which ends with Run's ctx
	api    func(ctx context.Context) error // stops the API endpoint, letting calls in flight finish
	stacks func()                          // cancels stack operations and waits for them
	loop   func()                          // stops the ECS evaluation loop and waits for it
	alb    func(ctx context.Context) error // closes the listeners, letting requests in flight finish
	elb    func() error                    // stops the ALB's health checks and flushes its state
	tasks  func()                          // stops every task and waits for it
}

// shutdown stops a running `up` in the order that keeps every request it
// accepted whole and leaves nothing behind:
//
//  1. nothing asks for new work: the demo and the API endpoint stop, stack
//     operations are cancelled, and the ECS loop stops, so no replacement
//     is placed for the tasks stopped below (closed agents would refuse
//     it and leave it PENDING);
//  2. the ALB stops accepting connections and lets the requests in flight
//     finish, while the targets they go to still run; then its health
//     checks stop (the failures of the tasks stopped next are no news) and
//     its state is flushed;
//  3. the tasks stop (stop signal, SIGKILL after their stopTimeout), each
//     recorded as stopped with its host (TerminationNotice): process
//     tasks cannot outlive ecslocal, and the next run replaces them;
//  4. the ECS state is flushed, by Run's deferred closes.
func shutdown(ctx context.Context, logger *slog.Logger, s shutdownSteps) error {
	s.demo()
	apiErr := s.api(ctx)
	s.stacks()
	s.loop()
	logger.Debug("shutdown: ECS control loop stopped")
	albErr := s.alb(ctx)
	elbErr := s.elb()
	logger.Debug("shutdown: listeners closed")
	s.tasks()
	logger.Debug("shutdown: tasks stopped")
	if err := errors.Join(apiErr, albErr, elbErr); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// checkAPIExposure refuses to serve the well-known default credentials on
// anything but loopback: anyone who can reach the port could drive it.
func checkAPIExposure(addr string, ownCredentials bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--api-addr %q: %w", addr, err)
	}
	if ownCredentials {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if host == "localhost" || err == nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--api-addr %s is not a loopback address: serving it with the default credentials (test/test) would let anyone who reaches it drive ecslocal; pass --credentials FILE", addr)
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}
