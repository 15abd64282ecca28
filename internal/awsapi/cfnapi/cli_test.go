package cfnapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
	"github.com/ecslocal/ecslocal/internal/elb/control"
)

// cli runs the installed AWS CLI against one endpoint.
type cli struct {
	path, url string
}

// run runs `aws --endpoint-url URL --output json cloudformation args…`
// and returns stdout, stderr and the exit status.
func (c cli) run(tb testing.TB, args ...string) (stdout, stderr string, status int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.path, append([]string{"--endpoint-url", c.url, "--output", "json", "cloudformation"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	tb.Logf("aws cloudformation %s: %v", args[0], time.Since(start).Round(time.Millisecond))
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		status = ee.ExitCode()
	default:
		tb.Fatalf("aws cloudformation %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), status
}

// ok runs the command, fails the test unless it succeeds, and returns its
// standard output.
func (c cli) ok(tb testing.TB, args ...string) string {
	tb.Helper()
	out, errOut, status := c.run(tb, args...)
	if status != 0 {
		tb.Fatalf("aws cloudformation %s: exit status %d\n%s\n%s", strings.Join(args, " "), status, out, errOut)
	}
	return out
}

// cliOutput is one entry of `describe-stacks --query 'Stacks[0].Outputs'`.
type cliOutput struct {
	OutputKey, OutputValue, Description, ExportName string
}

func cliOutputs(tb testing.TB, out string) map[string]cliOutput {
	tb.Helper()
	var os []cliOutput
	if err := json.Unmarshal([]byte(out), &os); err != nil {
		tb.Fatalf("describe-stacks --query: %v in %q", err, out)
	}
	m := map[string]cliOutput{}
	for _, o := range os {
		m[o.OutputKey] = o
	}
	return m
}

// TestAWSCLI deploys with the installed AWS CLI v1, unchanged: `aws
// cloudformation deploy` (has_stack → CreateChangeSet → the change set
// waiter → ExecuteChangeSet → the stack waiter), describe-stacks --query,
// an update by --parameter-overrides, a deploy without changes,
// delete-stack and `wait stack-delete-complete`; and the reference
// cluster stack. Each CLI run costs a Python start-up, so independent
// chains run in parallel subtests. Handler.Settle is on, as cmd/ecslocal
// sets it, so the CLI's 30 s waiter delay is never taken.
func TestAWSCLI(t *testing.T) {
	path, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI is required under CI=true: %v", err)
		}
		t.Skipf("no AWS CLI: %v", err)
	}
	t.Parallel()
	e := newEnv(t, 20*time.Second)
	aws := cli{path: path, url: e.url}

	t.Run("ErrInsufficientCapabilities", func(t *testing.T) {
		t.Parallel()
		out, stderr, status := aws.run(t, "deploy", "--template-file", "testdata/app.yml", "--stack-name", "refused")
		// The v1 CLI exits 255 for every exception, service errors
		// included; v2 exits 254 for a service error.
		if (status != 254 && status != 255) || !strings.Contains(stderr, "An error occurred (InsufficientCapabilitiesException) when calling the CreateChangeSet operation: Requires capabilities : [CAPABILITY_IAM]") {
			t.Errorf("deploy without --capabilities: exit status %d\n%s\n%s", status, out, stderr)
		}
	})

	t.Run("App", func(t *testing.T) {
		t.Parallel()
		out := aws.ok(t, "deploy", "--template-file", "testdata/app.yml", "--stack-name", "web", "--capabilities", "CAPABILITY_IAM",
			"--parameter-overrides", "Env=prod")
		if !strings.Contains(out, "Successfully created/updated stack - web") {
			t.Errorf("deploy: %q", out)
		}
		o := cliOutputs(t, aws.ok(t, "describe-stacks", "--stack-name", "web", "--query", "Stacks[0].Outputs"))
		if len(o) != 5 || !strings.HasPrefix(o["VPCId"].OutputValue, "vpc-") || o["VPCId"].ExportName != "web-VPCId" ||
			!strings.Contains(o["ListenerArn"].OutputValue, ":listener/app/") || o["ListenerArn"].ExportName != "web-ListenerArn" ||
			o["Url"].Description != "The load balancer's URL." || o["HealthPath"].OutputValue != "/health" {
			t.Errorf("outputs %+v", o)
		}
		lb, err := e.stacks.DescribeStackResource(ctx, "web", "LB")
		if err != nil {
			t.Fatal(err)
		}
		lbs, err := e.elb.DescribeLoadBalancers(ctx, &control.DescribeLoadBalancersInput{LoadBalancerARNs: []string{lb.PhysicalResourceID}})
		if err != nil || len(lbs.LoadBalancers) != 1 || "http://"+lbs.LoadBalancers[0].DNSName != o["Url"].OutputValue {
			t.Errorf("load balancers %+v %v; Url %s", lbs, err, o["Url"].OutputValue)
		}

		// The update keeps Env (UsePreviousValue, which deploy sends for
		// every parameter not overridden) and changes the health path.
		nextSecond()
		out = aws.ok(t, "deploy", "--template-file", "testdata/app.yml", "--stack-name", "web", "--capabilities", "CAPABILITY_IAM",
			"--parameter-overrides", "HealthPath=/ready")
		if !strings.Contains(out, "Successfully created/updated stack - web") {
			t.Errorf("update deploy: %q", out)
		}
		st, err := e.stacks.DescribeStacks(ctx, "web")
		if err != nil || st[0].StackStatus != deploy.StackStatusUpdateComplete || outputValue(st[0], "HealthPath") != "/ready" ||
			paramValue(st[0], "Env") != "prod" {
			t.Errorf("after the update: %+v %v", st, err)
		}
		tg, err := e.stacks.DescribeStackResource(ctx, "web", "TG")
		if err != nil {
			t.Fatal(err)
		}
		tgs, err := e.elb.DescribeTargetGroups(ctx, &control.DescribeTargetGroupsInput{TargetGroupARNs: []string{tg.PhysicalResourceID}})
		if err != nil || len(tgs.TargetGroups) != 1 || tgs.TargetGroups[0].HealthCheck.HealthCheckPath != "/ready" {
			t.Errorf("after the update: target groups %+v %v", tgs, err)
		}

		// The same again: the change set has no changes, which deploy
		// reports (and, by default, exits 255 on).
		nextSecond()
		out = aws.ok(t, "deploy", "--template-file", "testdata/app.yml", "--stack-name", "web", "--capabilities", "CAPABILITY_IAM",
			"--parameter-overrides", "HealthPath=/ready", "--no-fail-on-empty-changeset")
		if !strings.Contains(out, "No changes to deploy. Stack web is up to date") {
			t.Errorf("deploy without changes: %q", out)
		}

		aws.ok(t, "delete-stack", "--stack-name", "web")
		aws.ok(t, "wait", "stack-delete-complete", "--stack-name", "web")
		if sts, _ := e.stacks.DescribeStacks(ctx, ""); len(sts) != 0 {
			for _, s := range sts {
				if s.StackName == "web" {
					t.Errorf("stack web left: %s", s.StackStatus)
				}
			}
		}
	})

	// The reference cluster stack: VPC, ALB, ECS cluster, IAM roles and
	// an Auto Scaling group whose instances (fakeInstances) register with
	// the cluster (fakeECS) and so satisfy the CreationPolicy signals.
	t.Run("Cluster", func(t *testing.T) {
		t.Parallel()
		out := aws.ok(t, "deploy", "--template-file", "../../../deploy/cloudformation/cluster.yml", "--stack-name", "ecslocal-cluster",
			"--capabilities", "CAPABILITY_IAM")
		if !strings.Contains(out, "Successfully created/updated stack - ecslocal-cluster") {
			t.Errorf("deploy: %q", out)
		}
		o := cliOutputs(t, aws.ok(t, "describe-stacks", "--stack-name", "ecslocal-cluster", "--query", "Stacks[0].Outputs"))
		if !strings.HasPrefix(o["ClusterName"].OutputValue, "ecslocal-cluster-ECSCluster-") || !strings.HasPrefix(o["ALBArn"].OutputValue, "arn:aws:elasticloadbalancing:") {
			t.Errorf("outputs %+v", o)
		}
		cis, err := e.ecs.ListContainerInstances(ctx, &deploy.ListContainerInstancesInput{Cluster: o["ClusterName"].OutputValue})
		if err != nil || len(cis) != 2 {
			t.Errorf("container instances %v %v; want 2", cis, err)
		}
		aws.ok(t, "delete-stack", "--stack-name", "ecslocal-cluster")
		aws.ok(t, "wait", "stack-delete-complete", "--stack-name", "ecslocal-cluster")
		if n := e.insts.Running(); n != 0 {
			t.Errorf("%d instances still running", n)
		}
	})
}

func outputValue(s *deploy.Stack, key string) string {
	for _, o := range s.Outputs {
		if o.OutputKey == key {
			return o.OutputValue
		}
	}
	return ""
}

func paramValue(s *deploy.Stack, key string) string {
	for _, p := range s.Parameters {
		if p.ParameterKey == key {
			return p.ParameterValue
		}
	}
	return ""
}

// nextSecond waits until the wall clock is in a second after the one it is
// in now. `aws cloudformation deploy` names its change set
// awscli-cloudformation-package-deploy-<Unix seconds>, and a stack keeps
// its executed change set (CloudFormation deletes the others), so two
// deploys of one stack started within the same second collide with
// AlreadyExistsException, on AWS as here; only here is a deploy that fast.
func nextSecond() {
	now := time.Now()
	time.Sleep(now.Truncate(time.Second).Add(time.Second).Sub(now))
}
