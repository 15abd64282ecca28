// Command ecslocal runs an ECS + ALB system on one machine, for real, with
// AWS-compatible APIs that the AWS CLI and SDKs drive unchanged through
// --endpoint-url.
//
// Usage:
//
//	ecslocal up [flags]                start the control planes, the ALB data plane and the API endpoint
//	ecslocal status                    show what a running `ecslocal up` runs
//	ecslocal logs [-f] TASK|SERVICE    print a task's output, or that of a service's tasks
//	ecslocal validate FILE             check a CloudFormation template and print what it would create
//	ecslocal version
//
// See `ecslocal up -h` for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set by the build (-ldflags "-X main.version=…").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: ecslocal <command> [flags]

commands:
  up        start the control planes, the ALB data plane and the AWS API endpoint
  status    show what a running ecslocal up runs (clusters, instances, services, tasks, targets)
  logs      print the output of a task, or of a service's tasks, from a running ecslocal up (-f follows)
  validate  check a CloudFormation template and print what it would create
  version   print the version
`

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "up":
		u := &Up{Stdout: stdout, Stderr: stderr}
		if err := u.ParseFlags(args[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			fmt.Fprintln(stderr, "ecslocal up:", err)
			return 2
		}
		if err := u.Run(ctx); err != nil {
			fmt.Fprintln(stderr, "ecslocal up:", err)
			return 1
		}
		return 0
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "status":
		return status(ctx, args[1:], stdout, stderr)
	case "logs":
		return logs(ctx, args[1:], stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "ecslocal", version)
		return 0
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "ecslocal: unknown command %q\n%s", args[0], usage)
		return 2
	}
}
