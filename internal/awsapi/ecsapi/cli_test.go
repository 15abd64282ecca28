package ecsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// cli runs the installed AWS CLI against one endpoint.
type cli struct {
	path, url string
}

// run runs `aws --endpoint-url URL --output json ecs args…` and returns
// stdout, stderr and the exit status.
func (c cli) run(tb testing.TB, args ...string) (stdout, stderr string, status int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.path, append([]string{"--endpoint-url", c.url, "--output", "json", "ecs"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		status = ee.ExitCode()
	default:
		tb.Fatalf("aws ecs %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), status
}

// json runs the command, fails the test unless it succeeds, and decodes its
// JSON output into v (unless v is nil).
func (c cli) json(tb testing.TB, v any, args ...string) {
	tb.Helper()
	out, errOut, status := c.run(tb, args...)
	if status != 0 {
		tb.Fatalf("aws ecs %s: exit status %d\n%s", args[0], status, errOut)
	}
	if v == nil {
		return
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		tb.Fatalf("aws ecs %s: %v in %q", args[0], err, out)
	}
}

// JSON shapes of the CLI's output, as much as the test checks.
type (
	cliTaskDefinition struct {
		TaskDefinition struct {
			TaskDefinitionArn, Family, Status, NetworkMode string
			Revision                                       int
			ContainerDefinitions                           []struct {
				Name, Image  string
				Cpu, Memory  int
				Essential    bool
				PortMappings []struct {
					ContainerPort, HostPort int
					Protocol                string
				}
			}
		}
	}
	cliService struct {
		ServiceArn, ServiceName, Status, TaskDefinition string
		DesiredCount, RunningCount                      int
		Deployments                                     []struct{ Id, Status, TaskDefinition, RolloutState string }
	}
	cliServiceOutput  struct{ Service cliService }
	cliServicesOutput struct {
		Services []cliService
		Failures []struct{ Arn, Reason string }
	}
)

// TestAWSCLI runs, with the installed AWS CLI v1, the sequence a deployment
// script runs: create the cluster, register the reference task definition
// from a file, create the service, update it to revision 2, list its tasks,
// delete it, and one error. Each CLI run costs a Python start-up, so the
// checks that do not depend on each other run in parallel subtests.
func TestAWSCLI(t *testing.T) {
	path, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI is required under CI=true: %v", err)
		}
		t.Skipf("no AWS CLI: %v", err)
	}
	t.Parallel()
	e := newEnv(t)
	registerInstances(t, e.client) // the cluster "default" and its two instances
	aws := cli{path: path, url: e.url}
	v1, err := filepath.Abs("testdata/taskdef-api.json")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Setup", func(t *testing.T) {
		t.Run("CreateCluster", func(t *testing.T) {
			t.Parallel()
			var out struct {
				Cluster struct{ ClusterArn, ClusterName, Status string }
			}
			aws.json(t, &out, "create-cluster", "--cluster-name", "demo")
			if out.Cluster.ClusterArn != clusterARN+"demo" || out.Cluster.ClusterName != "demo" || out.Cluster.Status != "ACTIVE" {
				t.Errorf("create-cluster: got %+v", out)
			}
		})
		t.Run("RegisterTaskDefinition", func(t *testing.T) {
			t.Parallel()
			var td cliTaskDefinition
			aws.json(t, &td, "register-task-definition", "--cli-input-json", "file://"+v1)
			got := td.TaskDefinition
			if got.TaskDefinitionArn != taskDefARN+"api:1" || got.Family != "api" || got.Revision != 1 || got.Status != "ACTIVE" || len(got.ContainerDefinitions) != 1 {
				t.Fatalf("register-task-definition: got %+v", got)
			}
			cd := got.ContainerDefinitions[0]
			if cd.Name != "api" || cd.Image != "api:v1" || cd.Cpu != 256 || cd.Memory != 256 || !cd.Essential || len(cd.PortMappings) != 1 ||
				cd.PortMappings[0].ContainerPort != 3000 || cd.PortMappings[0].HostPort != 0 {
				t.Errorf("register-task-definition container: got %+v", cd)
			}
		})
		t.Run("ErrClusterNotFound", func(t *testing.T) {
			t.Parallel()
			// The v1 CLI (clidriver.py main) exits 255 for every exception,
			// service errors included; v2 documents 254.
			_, stderr, status := aws.run(t, "describe-services", "--cluster", "nope", "--services", "api")
			if (status != 254 && status != 255) || !strings.Contains(stderr, "An error occurred (ClusterNotFoundException)") ||
				!strings.Contains(stderr, "Cluster not found.") {
				t.Errorf("describe-services --cluster nope: exit status %d, stderr %q; want 254/255 and ClusterNotFoundException", status, stderr)
			}
		})
	})
	if t.Failed() {
		t.FailNow()
	}

	var td cliTaskDefinition
	aws.json(t, &td, "describe-task-definition", "--task-definition", "api")
	if td.TaskDefinition.TaskDefinitionArn != taskDefARN+"api:1" || td.TaskDefinition.NetworkMode != "bridge" ||
		len(td.TaskDefinition.ContainerDefinitions) != 1 || td.TaskDefinition.ContainerDefinitions[0].PortMappings[0].Protocol != "tcp" {
		t.Fatalf("describe-task-definition: got %+v", td)
	}

	var svc cliServiceOutput
	aws.json(t, &svc, "create-service", "--service-name", "api", "--task-definition", "api", "--desired-count", "1")
	if svc.Service.ServiceArn != serviceARN+"api" || svc.Service.Status != "ACTIVE" || svc.Service.DesiredCount != 1 || len(svc.Service.Deployments) != 1 {
		t.Fatalf("create-service: got %+v", svc)
	}
	e.waitFor(t, "the service's task RUNNING", time.Second, func() bool {
		s := e.store.Snapshot().Service(serviceARN + "api")
		return s != nil && s.RunningCount == 1
	})

	t.Run("Deploy", func(t *testing.T) {
		t.Run("DescribeServices", func(t *testing.T) {
			t.Parallel()
			var d cliServicesOutput
			aws.json(t, &d, "describe-services", "--services", "api", "nope")
			if len(d.Services) != 1 || d.Services[0].RunningCount != 1 || d.Services[0].TaskDefinition != taskDefARN+"api:1" ||
				len(d.Failures) != 1 || d.Failures[0].Reason != "MISSING" || d.Failures[0].Arn != serviceARN+"nope" {
				t.Errorf("describe-services: got %+v", d)
			}
		})
		t.Run("ListTasks", func(t *testing.T) {
			t.Parallel()
			var l struct{ TaskArns []string }
			aws.json(t, &l, "list-tasks", "--service-name", "api")
			if len(l.TaskArns) != 1 || !strings.HasPrefix(l.TaskArns[0], "arn:aws:ecs:us-east-1:"+account+":task/default/") {
				t.Errorf("list-tasks: got %q", l.TaskArns)
			}
		})
		t.Run("RegisterRevision2", func(t *testing.T) {
			t.Parallel()
			v2 := strings.Replace(v1, "taskdef-api.json", "taskdef-api-v2.json", 1)
			var td cliTaskDefinition
			aws.json(t, &td, "register-task-definition", "--cli-input-json", "file://"+v2)
			if td.TaskDefinition.Revision != 2 || td.TaskDefinition.ContainerDefinitions[0].Image != "api:v2" {
				t.Fatalf("register-task-definition v2: got %+v", td)
			}
		})
	})
	if t.Failed() {
		t.FailNow()
	}

	// update-service after describe-services and list-tasks, whose answers
	// it changes.
	var u cliServiceOutput
	aws.json(t, &u, "update-service", "--service", "api", "--task-definition", "api:2")
	ds := u.Service.Deployments
	if u.Service.TaskDefinition != taskDefARN+"api:2" || len(ds) != 2 || ds[0].Status != "PRIMARY" || ds[0].TaskDefinition != taskDefARN+"api:2" ||
		ds[0].RolloutState != "IN_PROGRESS" || ds[1].Status != "ACTIVE" {
		t.Errorf("update-service: got %+v", u.Service)
	}

	var d cliServiceOutput
	aws.json(t, &d, "delete-service", "--service", "api", "--force")
	if d.Service.Status != "DRAINING" || d.Service.DesiredCount != 0 {
		t.Errorf("delete-service --force: got %+v", d.Service)
	}
	var l struct{ ServiceArns []string }
	aws.json(t, &l, "list-services")
	if slices.Contains(l.ServiceArns, serviceARN+"api") {
		t.Errorf("list-services after delete-service: got %q", l.ServiceArns)
	}
}
