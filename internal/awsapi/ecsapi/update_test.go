package ecsapi_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// runningServiceTasks lists the service's tasks desired RUNNING and
// reports whether they are exactly want, all RUNNING, with the service's
// runningCount and pendingCount agreeing.
func runningServiceTasks(tb testing.TB, c *awsecs.Client, service string, want int) bool {
	tb.Helper()
	arns := listTasks(tb, c, awsecs.ListTasksInput{ServiceName: aws.String(service)})
	if len(arns) != want {
		return false
	}
	for _, tk := range describeTasks(tb, c, arns) {
		if aws.ToString(tk.LastStatus) != "RUNNING" {
			return false
		}
	}
	s := describeService(tb, c, service)
	return s.RunningCount == int32(want) && s.PendingCount == 0
}

// completed reports whether the service has one deployment, PRIMARY and
// COMPLETED, running the desired count.
func completed(s types.Service) bool {
	return len(s.Deployments) == 1 && aws.ToString(s.Deployments[0].Status) == "PRIMARY" &&
		s.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted && s.RunningCount == s.DesiredCount
}

// TestUpdateService drives every UpdateService change the issue names
// through the SDK, on a real control plane with agents on driver/fake:
// desired count up and down (tasks placed and stopped), forceNewDeployment,
// deploymentConfiguration (and its invalid values), and the rule that a
// service without load balancers takes no healthCheckGracePeriodSeconds.
func TestUpdateService(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client
	registerInstances(t, c)
	must[*awsecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, apiTaskDef("api:v1")))
	must[*awsecs.CreateServiceOutput](t)(c.CreateService(ctx, &awsecs.CreateServiceInput{
		ServiceName: aws.String("api"), TaskDefinition: aws.String("api"), DesiredCount: aws.Int32(1)}))
	e.waitFor(t, "one task RUNNING", time.Second, func() bool { return runningServiceTasks(t, c, "api", 1) })
	firstDeployment := aws.ToString(describeService(t, c, "api").Deployments[0].Id)

	t.Run("ScaleUp", func(t *testing.T) {
		s := must[*awsecs.UpdateServiceOutput](t)(c.UpdateService(ctx, &awsecs.UpdateServiceInput{
			Service: aws.String("api"), DesiredCount: aws.Int32(3)})).Service
		// A desired count alone starts no deployment: the PRIMARY's count
		// changes (§9.2, emulator choice).
		if s.DesiredCount != 3 || len(s.Deployments) != 1 || aws.ToString(s.Deployments[0].Id) != firstDeployment ||
			s.Deployments[0].DesiredCount != 3 {
			t.Fatalf("UpdateService desiredCount 3: got desired %d, deployments %+v", s.DesiredCount, s.Deployments)
		}
		e.waitFor(t, "three tasks RUNNING", time.Second, func() bool { return runningServiceTasks(t, c, "api", 3) })
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("ScaleDown", func(t *testing.T) {
		before := listTasks(t, c, awsecs.ListTasksInput{ServiceName: aws.String("api")})
		s := must[*awsecs.UpdateServiceOutput](t)(c.UpdateService(ctx, &awsecs.UpdateServiceInput{
			Service: aws.String("api"), DesiredCount: aws.Int32(1)})).Service
		if s.DesiredCount != 1 || len(s.Deployments) != 1 || s.Deployments[0].DesiredCount != 1 {
			t.Fatalf("UpdateService desiredCount 1: got desired %d, deployments %+v", s.DesiredCount, s.Deployments)
		}
		e.waitFor(t, "one task RUNNING", time.Second, func() bool { return runningServiceTasks(t, c, "api", 1) })
		kept := listTasks(t, c, awsecs.ListTasksInput{ServiceName: aws.String("api")})
		if !slices.Contains(before, kept[0]) {
			t.Errorf("the task kept %s is not one of %q", kept[0], before)
		}
		var stopped []string
		for _, arn := range before {
			if arn != kept[0] {
				stopped = append(stopped, arn)
			}
		}
		e.waitFor(t, "two tasks STOPPED", time.Second, func() bool {
			for _, tk := range describeTasks(t, c, stopped) {
				if aws.ToString(tk.LastStatus) != "STOPPED" {
					return false
				}
			}
			return true
		})
		for _, tk := range describeTasks(t, c, stopped) {
			if aws.ToString(tk.DesiredStatus) != "STOPPED" || tk.StopCode != types.TaskStopCodeServiceSchedulerInitiated {
				t.Errorf("scaled-in task %s: desired %s, stop code %s", aws.ToString(tk.TaskArn), aws.ToString(tk.DesiredStatus), tk.StopCode)
			}
		}
		got := listTasks(t, c, awsecs.ListTasksInput{ServiceName: aws.String("api"), DesiredStatus: types.DesiredStatusStopped})
		for _, arn := range stopped {
			if !slices.Contains(got, arn) {
				t.Errorf("ListTasks desiredStatus STOPPED: got %q; want it to hold %s", got, arn)
			}
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("ForceNewDeployment", func(t *testing.T) {
		old := listTasks(t, c, awsecs.ListTasksInput{ServiceName: aws.String("api")})
		primary := aws.ToString(describeService(t, c, "api").Deployments[0].Id)
		s := must[*awsecs.UpdateServiceOutput](t)(c.UpdateService(ctx, &awsecs.UpdateServiceInput{
			Service: aws.String("api"), ForceNewDeployment: true})).Service
		if len(s.Deployments) != 2 {
			t.Fatalf("UpdateService forceNewDeployment: got deployments %+v; want two", s.Deployments)
		}
		nd, od := s.Deployments[0], s.Deployments[1]
		if aws.ToString(nd.Status) != "PRIMARY" || aws.ToString(nd.Id) == primary || aws.ToString(nd.TaskDefinition) != taskDefARN+"api:1" ||
			nd.DesiredCount != 1 || nd.RolloutState != types.DeploymentRolloutStateInProgress {
			t.Errorf("new deployment: got %+v; want PRIMARY, IN_PROGRESS, a new id, api:1, desired 1", nd)
		}
		if aws.ToString(od.Status) != "ACTIVE" || aws.ToString(od.Id) != primary || aws.ToString(od.TaskDefinition) != taskDefARN+"api:1" {
			t.Errorf("old deployment: got %+v; want ACTIVE %s", od, primary)
		}
		newID := aws.ToString(nd.Id)
		e.waitFor(t, "the forced deployment completed", 5*time.Second, func() bool {
			s := describeService(t, c, "api")
			return completed(s) && aws.ToString(s.Deployments[0].Id) == newID
		})
		now := listTasks(t, c, awsecs.ListTasksInput{ServiceName: aws.String("api")})
		if len(now) != 1 || slices.Contains(old, now[0]) {
			t.Fatalf("tasks after the forced deployment: got %q; want one task, not %q", now, old)
		}
		tk := describeTasks(t, c, now)[0]
		if aws.ToString(tk.StartedBy) != newID || aws.ToString(tk.TaskDefinitionArn) != taskDefARN+"api:1" {
			t.Errorf("replacement task: startedBy %s, task definition %s; want %s, api:1", aws.ToString(tk.StartedBy),
				aws.ToString(tk.TaskDefinitionArn), newID)
		}
		if o := describeTasks(t, c, old)[0]; aws.ToString(o.DesiredStatus) != "STOPPED" || o.StopCode != types.TaskStopCodeServiceSchedulerInitiated {
			t.Errorf("replaced task: desired %s, stop code %s", aws.ToString(o.DesiredStatus), o.StopCode)
		}
	})

	t.Run("DeploymentConfiguration", func(t *testing.T) {
		if dc := describeService(t, c, "api").DeploymentConfiguration; dc == nil || aws.ToInt32(dc.MaximumPercent) != 200 ||
			aws.ToInt32(dc.MinimumHealthyPercent) != 100 {
			t.Errorf("default deploymentConfiguration: got %+v; want 200/100", dc)
		}
		s := must[*awsecs.UpdateServiceOutput](t)(c.UpdateService(ctx, &awsecs.UpdateServiceInput{
			Service: aws.String("api"),
			DeploymentConfiguration: &types.DeploymentConfiguration{
				MaximumPercent: aws.Int32(150), MinimumHealthyPercent: aws.Int32(50)},
		})).Service
		if dc := s.DeploymentConfiguration; dc == nil || aws.ToInt32(dc.MaximumPercent) != 150 || aws.ToInt32(dc.MinimumHealthyPercent) != 50 {
			t.Errorf("UpdateService deploymentConfiguration: got %+v; want 150/50", dc)
		}
		// Only the members sent change.
		must[*awsecs.UpdateServiceOutput](t)(c.UpdateService(ctx, &awsecs.UpdateServiceInput{
			Service: aws.String("api"), DeploymentConfiguration: &types.DeploymentConfiguration{MaximumPercent: aws.Int32(300)}}))
		if dc := describeService(t, c, "api").DeploymentConfiguration; dc == nil || aws.ToInt32(dc.MaximumPercent) != 300 ||
			aws.ToInt32(dc.MinimumHealthyPercent) != 50 || dc.DeploymentCircuitBreaker == nil {
			t.Errorf("DescribeServices deploymentConfiguration: got %+v; want 300/50 with a circuit breaker", dc)
		}
		if len(describeService(t, c, "api").Deployments) != 1 {
			t.Errorf("a deploymentConfiguration change started a deployment")
		}

		// The values ecslocal gives (ecs.Service.Validate); AWS's exact
		// texts are unconfirmed.
		for _, bad := range []struct {
			name string
			dc   types.DeploymentConfiguration
			msg  string
		}{
			{"MinimumAbove100", types.DeploymentConfiguration{MinimumHealthyPercent: aws.Int32(101)}, "minimumHealthyPercent must be between 0 and 100."},
			{"MinimumNegative", types.DeploymentConfiguration{MinimumHealthyPercent: aws.Int32(-1)}, "minimumHealthyPercent must be between 0 and 100."},
			{"MaximumBelow100", types.DeploymentConfiguration{MaximumPercent: aws.Int32(99)}, "maximumPercent must be greater than or equal to 100."},
		} {
			t.Run("Err"+bad.name, func(t *testing.T) {
				_, err := c.UpdateService(ctx, &awsecs.UpdateServiceInput{Service: aws.String("api"), DeploymentConfiguration: &bad.dc})
				wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, bad.msg)
			})
		}
		// A refused update changes nothing.
		if dc := describeService(t, c, "api").DeploymentConfiguration; aws.ToInt32(dc.MaximumPercent) != 300 || aws.ToInt32(dc.MinimumHealthyPercent) != 50 {
			t.Errorf("after refused updates: got %+v; want 300/50 kept", dc)
		}
	})

	t.Run("ErrHealthCheckGracePeriodWithoutLoadBalancer", func(t *testing.T) {
		// The message ECS sends (terraform-provider-aws#31104,
		// cloudformation-coverage-roadmap#1313).
		const msg = "Health check grace period is only valid for services configured to use load balancers"
		_, err := c.UpdateService(ctx, &awsecs.UpdateServiceInput{Service: aws.String("api"), HealthCheckGracePeriodSeconds: aws.Int32(30)})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, msg)
		_, err = c.CreateService(ctx, &awsecs.CreateServiceInput{ServiceName: aws.String("grace"), TaskDefinition: aws.String("api"),
			DesiredCount: aws.Int32(0), HealthCheckGracePeriodSeconds: aws.Int32(30)})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, msg)
		if s := describeService(t, c, "api"); s.HealthCheckGracePeriodSeconds != nil && aws.ToInt32(s.HealthCheckGracePeriodSeconds) != 0 {
			t.Errorf("healthCheckGracePeriodSeconds after the refusal: got %d", aws.ToInt32(s.HealthCheckGracePeriodSeconds))
		}
	})
}

// TestHealthCheckGracePeriod round-trips healthCheckGracePeriodSeconds on
// a service with a load balancer (the ELB side is healthyELB): 0 when not
// given, the value CreateService and UpdateService set, no new deployment.
func TestHealthCheckGracePeriod(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, &healthyELB{})
	c := e.client
	registerInstances(t, c)
	must[*awsecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, apiTaskDef("api:v1")))
	const tg = "arn:aws:elasticloadbalancing:" + region + ":" + account + ":targetgroup/api/0123456789abcdef"
	lbs := []types.LoadBalancer{{TargetGroupArn: aws.String(tg), ContainerName: aws.String("api"), ContainerPort: aws.Int32(3000)}}

	s := must[*awsecs.CreateServiceOutput](t)(c.CreateService(ctx, &awsecs.CreateServiceInput{
		ServiceName: aws.String("lb"), TaskDefinition: aws.String("api"), DesiredCount: aws.Int32(1), LoadBalancers: lbs})).Service
	if s.HealthCheckGracePeriodSeconds == nil || *s.HealthCheckGracePeriodSeconds != 0 {
		t.Errorf("CreateService with a load balancer: got healthCheckGracePeriodSeconds %v; want 0", s.HealthCheckGracePeriodSeconds)
	}
	s = must[*awsecs.CreateServiceOutput](t)(c.CreateService(ctx, &awsecs.CreateServiceInput{
		ServiceName: aws.String("graced"), TaskDefinition: aws.String("api"), DesiredCount: aws.Int32(1), LoadBalancers: lbs,
		HealthCheckGracePeriodSeconds: aws.Int32(45)})).Service
	if aws.ToInt32(s.HealthCheckGracePeriodSeconds) != 45 {
		t.Errorf("CreateService healthCheckGracePeriodSeconds 45: got %v", s.HealthCheckGracePeriodSeconds)
	}

	u := must[*awsecs.UpdateServiceOutput](t)(c.UpdateService(ctx, &awsecs.UpdateServiceInput{
		Service: aws.String("lb"), HealthCheckGracePeriodSeconds: aws.Int32(120)})).Service
	if aws.ToInt32(u.HealthCheckGracePeriodSeconds) != 120 || len(u.Deployments) != 1 {
		t.Errorf("UpdateService healthCheckGracePeriodSeconds 120: got %v, %d deployments; want 120, one (no new deployment)",
			u.HealthCheckGracePeriodSeconds, len(u.Deployments))
	}
	if d := describeService(t, c, "lb"); aws.ToInt32(d.HealthCheckGracePeriodSeconds) != 120 {
		t.Errorf("DescribeServices: got healthCheckGracePeriodSeconds %v; want 120", d.HealthCheckGracePeriodSeconds)
	}
	if d := describeService(t, c, "graced"); aws.ToInt32(d.HealthCheckGracePeriodSeconds) != 45 {
		t.Errorf("DescribeServices graced: got healthCheckGracePeriodSeconds %v; want 45", d.HealthCheckGracePeriodSeconds)
	}

	_, err := c.UpdateService(ctx, &awsecs.UpdateServiceInput{Service: aws.String("lb"), HealthCheckGracePeriodSeconds: aws.Int32(-1)})
	wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "")

	// The services run: their tasks are placed and registered, and the
	// healthy targets let the deployments complete.
	e.waitFor(t, "both services completed", 5*time.Second, func() bool {
		return completed(describeService(t, c, "lb")) && completed(describeService(t, c, "graced"))
	})
}
