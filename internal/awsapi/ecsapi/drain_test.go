package ecsapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// tasksOn returns the tasks desired RUNNING on a container instance, by
// the containerInstance filter of ListTasks.
func tasksOn(tb testing.TB, c *awsecs.Client, instance string) []types.Task {
	tb.Helper()
	arns := listTasks(tb, c, awsecs.ListTasksInput{ContainerInstance: aws.String(instance)})
	if len(arns) == 0 {
		return nil
	}
	return describeTasks(tb, c, arns)
}

// TestDrain sets a container instance DRAINING through the SDK and
// watches §9.9 happen: its service task is replaced on the other ACTIVE
// instance, its standalone task is left alone, nothing new is placed on it,
// and its runningTasksCount falls to the standalone task (then to 0 once
// that is stopped). Setting it ACTIVE again lets tasks be placed on it.
func TestDrain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client
	instances := registerInstances(t, c)
	must[*awsecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, apiTaskDef("api:v1")))
	must[*awsecs.CreateServiceOutput](t)(c.CreateService(ctx, &awsecs.CreateServiceInput{
		ServiceName: aws.String("api"), TaskDefinition: aws.String("api"), DesiredCount: aws.Int32(2)}))
	e.waitFor(t, "two service tasks RUNNING", time.Second, func() bool { return runningServiceTasks(t, c, "api", 2) })

	// The default spread puts one service task on each instance; drain the
	// instance of one of them.
	tasks := describeTasks(t, c, listTasks(t, c, awsecs.ListTasksInput{ServiceName: aws.String("api")}))
	drained := aws.ToString(tasks[0].ContainerInstanceArn)
	other := instances[0]
	if other == drained {
		other = instances[1]
	}
	if aws.ToString(tasks[1].ContainerInstanceArn) != other {
		t.Fatalf("service tasks on %s and %s; want one on each instance", drained, aws.ToString(tasks[1].ContainerInstanceArn))
	}
	serviceTask := aws.ToString(tasks[0].TaskArn)

	// A standalone task pinned to the instance that will drain.
	ec2ID := aws.ToString(describeInstance(t, c, drained).Ec2InstanceId)
	r := must[*awsecs.RunTaskOutput](t)(c.RunTask(ctx, &awsecs.RunTaskInput{
		TaskDefinition: aws.String("api"), StartedBy: aws.String("batch"),
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf,
			Expression: aws.String("ec2InstanceId == " + ec2ID)}},
	}))
	if len(r.Tasks) != 1 || aws.ToString(r.Tasks[0].ContainerInstanceArn) != drained {
		t.Fatalf("RunTask memberOf %s: got %+v, failures %+v", ec2ID, r.Tasks, r.Failures)
	}
	standalone := aws.ToString(r.Tasks[0].TaskArn)
	e.waitFor(t, "the standalone task RUNNING", time.Second, func() bool {
		return aws.ToString(describeTasks(t, c, []string{standalone})[0].LastStatus) == "RUNNING"
	})
	if n := describeInstance(t, c, drained).RunningTasksCount; n != 2 {
		t.Fatalf("runningTasksCount before draining: got %d; want 2", n)
	}

	t.Run("Draining", func(t *testing.T) {
		u := must[*awsecs.UpdateContainerInstancesStateOutput](t)(c.UpdateContainerInstancesState(ctx, &awsecs.UpdateContainerInstancesStateInput{
			ContainerInstances: []string{drained}, Status: types.ContainerInstanceStatusDraining}))
		if len(u.ContainerInstances) != 1 || aws.ToString(u.ContainerInstances[0].Status) != "DRAINING" || len(u.Failures) != 0 {
			t.Fatalf("UpdateContainerInstancesState DRAINING: got %+v, failures %+v", u.ContainerInstances, u.Failures)
		}
		// The service task is replaced on the other instance (within
		// minimumHealthyPercent 100: the replacement first, §9.2), and the
		// draining instance keeps only the standalone task.
		e.waitFor(t, "the service task moved off the draining instance", 5*time.Second, func() bool {
			if !runningServiceTasks(t, c, "api", 2) {
				return false
			}
			on := tasksOn(t, c, drained)
			return len(on) == 1 && aws.ToString(on[0].TaskArn) == standalone && describeInstance(t, c, drained).RunningTasksCount == 1
		})
		for _, tk := range tasksOn(t, c, other) {
			if aws.ToString(tk.LastStatus) != "RUNNING" {
				t.Errorf("task %s on the ACTIVE instance: %s", aws.ToString(tk.TaskArn), aws.ToString(tk.LastStatus))
			}
		}
		if n := len(listTasks(t, c, awsecs.ListTasksInput{ContainerInstance: aws.String(other), ServiceName: aws.String("api")})); n != 2 {
			t.Errorf("service tasks on the ACTIVE instance: got %d; want 2", n)
		}
		e.waitFor(t, "the drained service task STOPPED", time.Second, func() bool {
			return aws.ToString(describeTasks(t, c, []string{serviceTask})[0].LastStatus) == "STOPPED"
		})
		if tk := describeTasks(t, c, []string{standalone})[0]; aws.ToString(tk.LastStatus) != "RUNNING" || aws.ToString(tk.DesiredStatus) != "RUNNING" {
			t.Errorf("standalone task on the draining instance: last %s desired %s; want it left RUNNING",
				aws.ToString(tk.LastStatus), aws.ToString(tk.DesiredStatus))
		}
		if ci := describeInstance(t, c, drained); aws.ToString(ci.Status) != "DRAINING" {
			t.Errorf("DescribeContainerInstances: got status %s; want DRAINING until set ACTIVE", aws.ToString(ci.Status))
		}

		// No new task is placed on a draining instance.
		r := must[*awsecs.RunTaskOutput](t)(c.RunTask(ctx, &awsecs.RunTaskInput{TaskDefinition: aws.String("api"), Count: aws.Int32(2)}))
		for _, tk := range r.Tasks {
			if aws.ToString(tk.ContainerInstanceArn) == drained {
				t.Errorf("RunTask placed %s on the draining instance", aws.ToString(tk.TaskArn))
			}
			must[*awsecs.StopTaskOutput](t)(c.StopTask(ctx, &awsecs.StopTaskInput{Task: tk.TaskArn}))
		}

		must[*awsecs.StopTaskOutput](t)(c.StopTask(ctx, &awsecs.StopTaskInput{Task: aws.String(standalone)}))
		e.waitFor(t, "runningTasksCount 0 on the draining instance", time.Second, func() bool {
			return describeInstance(t, c, drained).RunningTasksCount == 0
		})
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("ActiveAgain", func(t *testing.T) {
		u := must[*awsecs.UpdateContainerInstancesStateOutput](t)(c.UpdateContainerInstancesState(ctx, &awsecs.UpdateContainerInstancesStateInput{
			ContainerInstances: []string{drained}, Status: types.ContainerInstanceStatusActive}))
		if len(u.ContainerInstances) != 1 || aws.ToString(u.ContainerInstances[0].Status) != "ACTIVE" {
			t.Fatalf("UpdateContainerInstancesState ACTIVE: got %+v, failures %+v", u.ContainerInstances, u.Failures)
		}
		// Scaling up spreads the new task to the instance with fewer
		// service tasks: the one ACTIVE again.
		must[*awsecs.UpdateServiceOutput](t)(c.UpdateService(ctx, &awsecs.UpdateServiceInput{Service: aws.String("api"), DesiredCount: aws.Int32(3)}))
		e.waitFor(t, "a service task RUNNING on the instance ACTIVE again", time.Second, func() bool {
			if !runningServiceTasks(t, c, "api", 3) {
				return false
			}
			on := tasksOn(t, c, drained)
			return len(on) == 1 && aws.ToString(on[0].Group) == "service:api" && describeInstance(t, c, drained).RunningTasksCount == 1
		})
	})

	t.Run("ErrInvalidStatus", func(t *testing.T) {
		for _, status := range []types.ContainerInstanceStatus{"BOGUS", "INACTIVE", types.ContainerInstanceStatusRegistering} {
			_, err := c.UpdateContainerInstancesState(ctx, &awsecs.UpdateContainerInstancesStateInput{
				ContainerInstances: []string{drained}, Status: status})
			wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "")
		}
		if ci := describeInstance(t, c, drained); aws.ToString(ci.Status) != "ACTIVE" {
			t.Errorf("after refused updates: got status %s; want ACTIVE", aws.ToString(ci.Status))
		}
		_, err := c.UpdateContainerInstancesState(ctx, &awsecs.UpdateContainerInstancesStateInput{
			Cluster: aws.String("nope"), ContainerInstances: []string{drained}, Status: types.ContainerInstanceStatusDraining})
		wantAPIError(t, err, "ClusterNotFoundException", http.StatusBadRequest, "Cluster not found.")
	})
}
