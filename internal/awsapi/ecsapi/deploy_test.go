package ecsapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

const (
	taskDefARN = "arn:aws:ecs:" + region + ":" + account + ":task-definition/"
	serviceARN = "arn:aws:ecs:" + region + ":" + account + ":service/default/"
)

// apiTaskDef is the reference task definition (family api, container api
// on port 3000 with a dynamic host port) with image.
func apiTaskDef(image string) *awsecs.RegisterTaskDefinitionInput {
	return &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("api"),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name:         aws.String("api"),
			Image:        aws.String(image),
			Cpu:          256,
			Memory:       aws.Int32(256),
			PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(3000), HostPort: aws.Int32(0)}},
			Essential:    aws.Bool(true),
		}},
		Tags: []types.Tag{{Key: aws.String("app"), Value: aws.String("api")}},
	}
}

// registerInstances creates the default cluster and registers two
// container instances through the API, and returns their ARNs, sorted.
func registerInstances(t *testing.T, c *awsecs.Client) []string {
	t.Helper()
	must[*awsecs.CreateClusterOutput](t)(c.CreateCluster(ctx, &awsecs.CreateClusterInput{}))
	var arns []string
	for range 2 {
		out := must[*awsecs.RegisterContainerInstanceOutput](t)(c.RegisterContainerInstance(ctx, &awsecs.RegisterContainerInstanceInput{
			VersionInfo: &types.VersionInfo{AgentVersion: aws.String("1.80.0")},
		}))
		ci := out.ContainerInstance
		if ci == nil || !strings.HasPrefix(aws.ToString(ci.ContainerInstanceArn), "arn:aws:ecs:"+region+":"+account+":container-instance/default/") ||
			aws.ToString(ci.Status) != "ACTIVE" || !ci.AgentConnected || !strings.HasPrefix(aws.ToString(ci.Ec2InstanceId), "i-") ||
			len(ci.RegisteredResources) == 0 || ci.RegisteredAt == nil {
			t.Fatalf("RegisterContainerInstance: got %+v", ci)
		}
		arns = append(arns, aws.ToString(ci.ContainerInstanceArn))
	}
	slices.Sort(arns)
	return arns
}

// TestDeployment runs a service's life through the SDK: two container
// instances, the reference task definition, a service of one task reaching
// steady state, a rolling update to revision 2, a standalone task, and
// the tear-down, with the errors each step can give.
func TestDeployment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client
	instances := registerInstances(t, c)

	t.Run("ContainerInstances", func(t *testing.T) {
		l := must[*awsecs.ListContainerInstancesOutput](t)(c.ListContainerInstances(ctx, &awsecs.ListContainerInstancesInput{}))
		got := slices.Clone(l.ContainerInstanceArns)
		slices.Sort(got)
		if !slices.Equal(got, instances) {
			t.Errorf("ListContainerInstances: got %q; want %q", got, instances)
		}
		d := must[*awsecs.DescribeContainerInstancesOutput](t)(c.DescribeContainerInstances(ctx, &awsecs.DescribeContainerInstancesInput{
			ContainerInstances: []string{instances[0], "0123456789abcdef0123456789abcdef"},
		}))
		if len(d.ContainerInstances) != 1 || aws.ToString(d.ContainerInstances[0].ContainerInstanceArn) != instances[0] ||
			aws.ToString(d.ContainerInstances[0].VersionInfo.AgentVersion) != "1.80.0" {
			t.Errorf("DescribeContainerInstances: got %+v", d.ContainerInstances)
		}
		if len(d.Failures) != 1 || aws.ToString(d.Failures[0].Reason) != "MISSING" {
			t.Errorf("DescribeContainerInstances: got failures %+v; want one MISSING", d.Failures)
		}
		_, err := c.ListContainerInstances(ctx, &awsecs.ListContainerInstancesInput{Cluster: aws.String("nope")})
		wantAPIError(t, err, "ClusterNotFoundException", http.StatusBadRequest, "Cluster not found.")
	})

	t.Run("TaskDefinition", func(t *testing.T) {
		r := must[*awsecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, apiTaskDef("api:v1")))
		td := r.TaskDefinition
		if aws.ToString(td.TaskDefinitionArn) != taskDefARN+"api:1" || td.Revision != 1 || td.Status != types.TaskDefinitionStatusActive ||
			td.NetworkMode != types.NetworkModeBridge || td.RegisteredAt == nil || len(r.Tags) != 1 || len(td.ContainerDefinitions) != 1 {
			t.Fatalf("RegisterTaskDefinition: got %+v, tags %+v", td, r.Tags)
		}
		cd := td.ContainerDefinitions[0]
		if cd.Cpu != 256 || aws.ToInt32(cd.Memory) != 256 || !aws.ToBool(cd.Essential) || len(cd.PortMappings) != 1 ||
			aws.ToInt32(cd.PortMappings[0].ContainerPort) != 3000 || cd.PortMappings[0].Protocol != types.TransportProtocolTcp {
			t.Errorf("RegisterTaskDefinition container: got %+v", cd)
		}
		if !td.RegisteredAt.Equal(t0) {
			t.Errorf("registeredAt: got %v; want %v", td.RegisteredAt, t0)
		}

		d := must[*awsecs.DescribeTaskDefinitionOutput](t)(c.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{
			TaskDefinition: aws.String("api"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}}))
		if aws.ToString(d.TaskDefinition.TaskDefinitionArn) != taskDefARN+"api:1" || len(d.Tags) != 1 {
			t.Errorf("DescribeTaskDefinition: got %+v, tags %+v", d.TaskDefinition, d.Tags)
		}
		lt := must[*awsecs.ListTaskDefinitionsOutput](t)(c.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("api")}))
		if !slices.Equal(lt.TaskDefinitionArns, []string{taskDefARN + "api:1"}) {
			t.Errorf("ListTaskDefinitions: got %q", lt.TaskDefinitionArns)
		}
		lf := must[*awsecs.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &awsecs.ListTaskDefinitionFamiliesInput{}))
		if !slices.Equal(lf.Families, []string{"api"}) {
			t.Errorf("ListTaskDefinitionFamilies: got %q", lf.Families)
		}

		bad := apiTaskDef("")
		_, err := c.RegisterTaskDefinition(ctx, bad)
		wantAPIError(t, err, "ClientException", http.StatusBadRequest, "Container.image should not be null or empty.")
		_, err = c.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("nope:7")})
		wantAPIError(t, err, "ClientException", http.StatusBadRequest, "")
	})
	if t.Failed() {
		t.FailNow()
	}

	var taskARN string
	t.Run("ServiceSteadyState", func(t *testing.T) {
		s := must[*awsecs.CreateServiceOutput](t)(c.CreateService(ctx, &awsecs.CreateServiceInput{
			ServiceName: aws.String("api"), TaskDefinition: aws.String("api"), DesiredCount: aws.Int32(1),
		})).Service
		if aws.ToString(s.ServiceArn) != serviceARN+"api" || aws.ToString(s.Status) != "ACTIVE" || s.DesiredCount != 1 ||
			aws.ToString(s.TaskDefinition) != taskDefARN+"api:1" || len(s.Deployments) != 1 || s.CreatedAt == nil ||
			aws.ToString(s.Deployments[0].Status) != "PRIMARY" || s.Deployments[0].RolloutState != types.DeploymentRolloutStateInProgress ||
			s.SchedulingStrategy != types.SchedulingStrategyReplica {
			t.Fatalf("CreateService: got %+v", s)
		}

		// The SDK's waiter polls DescribeServices until the one deployment
		// runs the desired count; the manual clock moves meanwhile.
		stop := e.tick(time.Second)
		err := awsecs.NewServicesStableWaiter(c, func(o *awsecs.ServicesStableWaiterOptions) {
			o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
		}).Wait(ctx, &awsecs.DescribeServicesInput{Services: []string{"api"}}, 20*time.Second)
		stop()
		if err != nil {
			t.Fatalf("ServicesStable waiter: %v", err)
		}

		// Steady state proper needs the task healthy: 40 s of clock time
		// after it started (no health check, no load balancer).
		steady := "(service api) has reached a steady state."
		var svc types.Service
		e.waitFor(t, "steady state", 5*time.Second, func() bool {
			d := must[*awsecs.DescribeServicesOutput](t)(c.DescribeServices(ctx, &awsecs.DescribeServicesInput{Services: []string{"api"}}))
			svc = d.Services[0]
			return slices.ContainsFunc(svc.Events, func(ev types.ServiceEvent) bool { return aws.ToString(ev.Message) == steady })
		})
		if svc.RunningCount != 1 || svc.PendingCount != 0 || len(svc.Deployments) != 1 {
			t.Errorf("DescribeServices: got running %d pending %d deployments %d", svc.RunningCount, svc.PendingCount, len(svc.Deployments))
		}
		if d := svc.Deployments[0]; aws.ToString(d.Status) != "PRIMARY" || d.RolloutState != types.DeploymentRolloutStateCompleted ||
			d.RunningCount != 1 || d.DesiredCount != 1 || d.CreatedAt == nil || d.UpdatedAt == nil || !strings.HasPrefix(aws.ToString(d.Id), "ecs-svc/") {
			t.Errorf("primary deployment: got %+v", d)
		}
		for _, ev := range svc.Events {
			if ev.CreatedAt == nil || ev.CreatedAt.Before(t0) || aws.ToString(ev.Id) == "" {
				t.Errorf("event %q: createdAt %v, id %q", aws.ToString(ev.Message), ev.CreatedAt, aws.ToString(ev.Id))
			}
		}

		lt := must[*awsecs.ListTasksOutput](t)(c.ListTasks(ctx, &awsecs.ListTasksInput{ServiceName: aws.String("api")}))
		if len(lt.TaskArns) != 1 {
			t.Fatalf("ListTasks: got %q; want one task", lt.TaskArns)
		}
		taskARN = lt.TaskArns[0]
		dt := must[*awsecs.DescribeTasksOutput](t)(c.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Tasks: []string{taskARN, "ffffffffffffffffffffffffffffffff"}}))
		if len(dt.Tasks) != 1 || len(dt.Failures) != 1 || aws.ToString(dt.Failures[0].Reason) != "MISSING" {
			t.Fatalf("DescribeTasks: got %+v, failures %+v", dt.Tasks, dt.Failures)
		}
		tk := dt.Tasks[0]
		if aws.ToString(tk.LastStatus) != "RUNNING" || aws.ToString(tk.DesiredStatus) != "RUNNING" || aws.ToString(tk.Group) != "service:api" ||
			aws.ToString(tk.TaskDefinitionArn) != taskDefARN+"api:1" || !slices.Contains(instances, aws.ToString(tk.ContainerInstanceArn)) ||
			tk.StartedAt == nil || tk.CreatedAt == nil || tk.StoppedAt != nil || len(tk.Containers) != 1 {
			t.Fatalf("DescribeTasks: got %+v", tk)
		}
		ct := tk.Containers[0]
		if aws.ToString(ct.Name) != "api" || aws.ToString(ct.LastStatus) != "RUNNING" || len(ct.NetworkBindings) != 1 {
			t.Fatalf("container: got %+v", ct)
		}
		if b := ct.NetworkBindings[0]; aws.ToString(b.BindIP) != "0.0.0.0" || aws.ToInt32(b.ContainerPort) != 3000 ||
			aws.ToInt32(b.HostPort) < 32768 || b.Protocol != types.TransportProtocolTcp {
			t.Errorf("networkBindings: got %+v; want 0.0.0.0 3000 → a dynamic port, tcp", b)
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("Errors", func(t *testing.T) {
		_, err := c.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: aws.String("nope"), Services: []string{"api"}})
		wantAPIError(t, err, "ClusterNotFoundException", http.StatusBadRequest, "Cluster not found.")
		_, err = c.UpdateService(ctx, &awsecs.UpdateServiceInput{Service: aws.String("nope"), DesiredCount: aws.Int32(2)})
		wantAPIError(t, err, "ServiceNotFoundException", http.StatusBadRequest, "Service not found.")
		_, err = c.DeleteService(ctx, &awsecs.DeleteServiceInput{Service: aws.String("api")})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "The service cannot be stopped while it is scaled above 0.")
		_, err = c.CreateService(ctx, &awsecs.CreateServiceInput{ServiceName: aws.String("api"), TaskDefinition: aws.String("api"), DesiredCount: aws.Int32(3)})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "Creation of service was not idempotent.")
		_, err = c.CreateService(ctx, &awsecs.CreateServiceInput{ServiceName: aws.String("web"), TaskDefinition: aws.String("nope"), DesiredCount: aws.Int32(1)})
		wantAPIError(t, err, "ClientException", http.StatusBadRequest, "")
		_, err = c.DeleteCluster(ctx, &awsecs.DeleteClusterInput{Cluster: aws.String("default")})
		wantAPIError(t, err, "ClusterContainsServicesException", http.StatusBadRequest, "The Cluster cannot be deleted while Services are active.")

		d := must[*awsecs.DescribeServicesOutput](t)(c.DescribeServices(ctx, &awsecs.DescribeServicesInput{Services: []string{"api", "nope"}}))
		if len(d.Services) != 1 || len(d.Failures) != 1 || aws.ToString(d.Failures[0].Arn) != serviceARN+"nope" || aws.ToString(d.Failures[0].Reason) != "MISSING" {
			t.Errorf("DescribeServices api nope: got %d services, failures %+v", len(d.Services), d.Failures)
		}
		ls := must[*awsecs.ListServicesOutput](t)(c.ListServices(ctx, &awsecs.ListServicesInput{}))
		if !slices.Equal(ls.ServiceArns, []string{serviceARN + "api"}) {
			t.Errorf("ListServices: got %q", ls.ServiceArns)
		}
	})

	t.Run("Update", func(t *testing.T) {
		must[*awsecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, apiTaskDef("api:v2")))
		s := must[*awsecs.UpdateServiceOutput](t)(c.UpdateService(ctx, &awsecs.UpdateServiceInput{
			Service: aws.String("api"), TaskDefinition: aws.String("api:2"),
		})).Service
		if aws.ToString(s.TaskDefinition) != taskDefARN+"api:2" || len(s.Deployments) != 2 || aws.ToString(s.Deployments[0].Status) != "PRIMARY" ||
			aws.ToString(s.Deployments[1].Status) != "ACTIVE" {
			t.Fatalf("UpdateService: got %+v", s)
		}
		e.waitFor(t, "revision 2 rolled out", 5*time.Second, func() bool {
			d := must[*awsecs.DescribeServicesOutput](t)(c.DescribeServices(ctx, &awsecs.DescribeServicesInput{Services: []string{serviceARN + "api"}}))
			s := d.Services[0]
			return len(s.Deployments) == 1 && s.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted && s.RunningCount == 1
		})
		lt := must[*awsecs.ListTasksOutput](t)(c.ListTasks(ctx, &awsecs.ListTasksInput{ServiceName: aws.String("api")}))
		dt := must[*awsecs.DescribeTasksOutput](t)(c.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Tasks: lt.TaskArns}))
		if len(dt.Tasks) != 1 || aws.ToString(dt.Tasks[0].TaskDefinitionArn) != taskDefARN+"api:2" {
			t.Errorf("tasks after the update: got %+v", dt.Tasks)
		}
		old := must[*awsecs.DescribeTasksOutput](t)(c.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Tasks: []string{taskARN}})).Tasks[0]
		if aws.ToString(old.DesiredStatus) != "STOPPED" || old.StopCode != types.TaskStopCodeServiceSchedulerInitiated {
			t.Errorf("first task after the update: desired %s, stop code %s", aws.ToString(old.DesiredStatus), old.StopCode)
		}
	})

	t.Run("StandaloneTask", func(t *testing.T) {
		r := must[*awsecs.RunTaskOutput](t)(c.RunTask(ctx, &awsecs.RunTaskInput{
			TaskDefinition: aws.String("api:1"), StartedBy: aws.String("test"), Count: aws.Int32(1),
			Overrides: &types.TaskOverride{ContainerOverrides: []types.ContainerOverride{{Name: aws.String("api"),
				Environment: []types.KeyValuePair{{Name: aws.String("A"), Value: aws.String("1")}}}}},
		}))
		if len(r.Tasks) != 1 || len(r.Failures) != 0 || aws.ToString(r.Tasks[0].Group) != "family:api" || aws.ToString(r.Tasks[0].StartedBy) != "test" {
			t.Fatalf("RunTask: got %+v, failures %+v", r.Tasks, r.Failures)
		}
		arn := aws.ToString(r.Tasks[0].TaskArn)
		e.waitFor(t, "standalone task RUNNING", 0, func() bool {
			d := must[*awsecs.DescribeTasksOutput](t)(c.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Tasks: []string{arn}}))
			return aws.ToString(d.Tasks[0].LastStatus) == "RUNNING"
		})
		l := must[*awsecs.ListTasksOutput](t)(c.ListTasks(ctx, &awsecs.ListTasksInput{StartedBy: aws.String("test")}))
		if !slices.Equal(l.TaskArns, []string{arn}) {
			t.Errorf("ListTasks startedBy test: got %q", l.TaskArns)
		}
		s := must[*awsecs.StopTaskOutput](t)(c.StopTask(ctx, &awsecs.StopTaskInput{Task: aws.String(arn), Reason: aws.String("done")}))
		if aws.ToString(s.Task.DesiredStatus) != "STOPPED" || aws.ToString(s.Task.StoppedReason) != "done" || s.Task.StopCode != types.TaskStopCodeUserInitiated {
			t.Errorf("StopTask: got %+v", s.Task)
		}
		e.waitFor(t, "standalone task STOPPED", time.Second, func() bool {
			d := must[*awsecs.DescribeTasksOutput](t)(c.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Tasks: []string{arn}}))
			return aws.ToString(d.Tasks[0].LastStatus) == "STOPPED" && d.Tasks[0].StoppedAt != nil
		})
		_, err := c.RunTask(ctx, &awsecs.RunTaskInput{TaskDefinition: aws.String("api"), Count: aws.Int32(11)})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "")
		_, err = c.StopTask(ctx, &awsecs.StopTaskInput{Cluster: aws.String("nope"), Task: aws.String(arn)})
		wantAPIError(t, err, "ClusterNotFoundException", http.StatusBadRequest, "Cluster not found.")
	})

	t.Run("Drain", func(t *testing.T) {
		u := must[*awsecs.UpdateContainerInstancesStateOutput](t)(c.UpdateContainerInstancesState(ctx, &awsecs.UpdateContainerInstancesStateInput{
			ContainerInstances: []string{instances[1], "nope"}, Status: types.ContainerInstanceStatusDraining,
		}))
		if len(u.ContainerInstances) != 1 || aws.ToString(u.ContainerInstances[0].Status) != "DRAINING" || len(u.Failures) != 1 {
			t.Errorf("UpdateContainerInstancesState DRAINING: got %+v, failures %+v", u.ContainerInstances, u.Failures)
		}
		u = must[*awsecs.UpdateContainerInstancesStateOutput](t)(c.UpdateContainerInstancesState(ctx, &awsecs.UpdateContainerInstancesStateInput{
			ContainerInstances: instances[1:], Status: types.ContainerInstanceStatusActive,
		}))
		if len(u.ContainerInstances) != 1 || aws.ToString(u.ContainerInstances[0].Status) != "ACTIVE" {
			t.Errorf("UpdateContainerInstancesState ACTIVE: got %+v", u.ContainerInstances)
		}
	})

	t.Run("TearDown", func(t *testing.T) {
		d := must[*awsecs.DeleteServiceOutput](t)(c.DeleteService(ctx, &awsecs.DeleteServiceInput{Service: aws.String("api"), Force: aws.Bool(true)}))
		if aws.ToString(d.Service.Status) != "DRAINING" || d.Service.DesiredCount != 0 {
			t.Errorf("DeleteService force: got status %s desired %d", aws.ToString(d.Service.Status), d.Service.DesiredCount)
		}
		ls := must[*awsecs.ListServicesOutput](t)(c.ListServices(ctx, &awsecs.ListServicesInput{}))
		if len(ls.ServiceArns) != 0 {
			t.Errorf("ListServices after delete: got %q", ls.ServiceArns)
		}
		e.waitFor(t, "service INACTIVE and its tasks STOPPED", time.Second, func() bool {
			s := must[*awsecs.DescribeServicesOutput](t)(c.DescribeServices(ctx, &awsecs.DescribeServicesInput{Services: []string{"api"}})).Services[0]
			l := must[*awsecs.ListTasksOutput](t)(c.ListTasks(ctx, &awsecs.ListTasksInput{}))
			return aws.ToString(s.Status) == "INACTIVE" && len(l.TaskArns) == 0
		})

		// A standalone task keeps the cluster from being deleted until it
		// is STOPPED.
		r := must[*awsecs.RunTaskOutput](t)(c.RunTask(ctx, &awsecs.RunTaskInput{TaskDefinition: aws.String("api:2")}))
		arn := aws.ToString(r.Tasks[0].TaskArn)
		_, err := c.DeleteCluster(ctx, &awsecs.DeleteClusterInput{Cluster: aws.String("default")})
		wantAPIError(t, err, "ClusterContainsTasksException", http.StatusBadRequest, "The Cluster cannot be deleted while Tasks are active.")
		must[*awsecs.StopTaskOutput](t)(c.StopTask(ctx, &awsecs.StopTaskInput{Task: aws.String(arn)}))
		e.waitFor(t, "standalone task STOPPED", time.Second, func() bool {
			d := must[*awsecs.DescribeTasksOutput](t)(c.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Tasks: []string{arn}}))
			return aws.ToString(d.Tasks[0].LastStatus) == "STOPPED"
		})

		dd := must[*awsecs.DeregisterTaskDefinitionOutput](t)(c.DeregisterTaskDefinition(ctx, &awsecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("api:1")}))
		if dd.TaskDefinition.Status != types.TaskDefinitionStatusInactive || dd.TaskDefinition.DeregisteredAt == nil {
			t.Errorf("DeregisterTaskDefinition: got %+v", dd.TaskDefinition)
		}
		_, err = c.RunTask(ctx, &awsecs.RunTaskInput{TaskDefinition: aws.String("api:1")})
		wantAPIError(t, err, "ClientException", http.StatusBadRequest, "TaskDefinition is inactive")

		_, err = c.DeleteCluster(ctx, &awsecs.DeleteClusterInput{Cluster: aws.String("default")})
		wantAPIError(t, err, "ClusterContainsContainerInstancesException", http.StatusBadRequest,
			"The Cluster cannot be deleted while Container Instances are active or draining.")
		for _, arn := range instances {
			out := must[*awsecs.DeregisterContainerInstanceOutput](t)(c.DeregisterContainerInstance(ctx, &awsecs.DeregisterContainerInstanceInput{
				ContainerInstance: aws.String(arn), Force: aws.Bool(true)}))
			if aws.ToString(out.ContainerInstance.Status) != "INACTIVE" {
				t.Errorf("DeregisterContainerInstance: got %+v", out.ContainerInstance)
			}
		}
		dc := must[*awsecs.DeleteClusterOutput](t)(c.DeleteCluster(ctx, &awsecs.DeleteClusterInput{Cluster: aws.String("default")}))
		if aws.ToString(dc.Cluster.Status) != "INACTIVE" {
			t.Errorf("DeleteCluster: got %+v", dc.Cluster)
		}
	})
}
