package ecsapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// listFixture is a cluster with something to list: two container
// instances; task definitions api:1, api:2, web:1 (ACTIVE) and worker:1
// (deregistered, so the family worker is INACTIVE); services api (two
// tasks of api:2), idle and spare (no tasks); three standalone tasks of
// web:1 started by "batch", one of them stopped.
type listFixture struct {
	instances []string
	// service: api's tasks; running, stopped: the standalone web tasks.
	service, running, stopped []string
}

func newListFixture(t *testing.T, e *env) listFixture {
	t.Helper()
	c := e.client
	f := listFixture{instances: registerInstances(t, c)}
	must[*awsecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, apiTaskDef("api:v1")))
	must[*awsecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, apiTaskDef("api:v2")))
	for _, fam := range []string{"web", "worker"} {
		td := apiTaskDef(fam + ":v1")
		td.Family = aws.String(fam)
		must[*awsecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, td))
	}
	must[*awsecs.DeregisterTaskDefinitionOutput](t)(c.DeregisterTaskDefinition(ctx, &awsecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("worker:1")}))

	must[*awsecs.CreateServiceOutput](t)(c.CreateService(ctx, &awsecs.CreateServiceInput{
		ServiceName: aws.String("api"), TaskDefinition: aws.String("api"), DesiredCount: aws.Int32(2)}))
	for _, name := range []string{"idle", "spare"} {
		must[*awsecs.CreateServiceOutput](t)(c.CreateService(ctx, &awsecs.CreateServiceInput{
			ServiceName: aws.String(name), TaskDefinition: aws.String("api:1"), DesiredCount: aws.Int32(0)}))
	}
	r := must[*awsecs.RunTaskOutput](t)(c.RunTask(ctx, &awsecs.RunTaskInput{
		TaskDefinition: aws.String("web"), Count: aws.Int32(3), StartedBy: aws.String("batch")}))
	if len(r.Tasks) != 3 {
		t.Fatalf("RunTask web count 3: got %d tasks, failures %+v", len(r.Tasks), r.Failures)
	}
	for _, tk := range r.Tasks {
		f.running = append(f.running, aws.ToString(tk.TaskArn))
	}
	slices.Sort(f.running)
	standalone := slices.Clone(f.running)
	f.stopped, f.running = f.running[:1], f.running[1:]
	e.waitFor(t, "the service and standalone tasks RUNNING", time.Second, func() bool {
		for _, tk := range describeTasks(t, c, standalone) {
			if aws.ToString(tk.LastStatus) != "RUNNING" {
				return false
			}
		}
		return runningServiceTasks(t, c, "api", 2)
	})
	must[*awsecs.StopTaskOutput](t)(c.StopTask(ctx, &awsecs.StopTaskInput{Task: aws.String(f.stopped[0])}))
	f.service = listTasks(t, c, awsecs.ListTasksInput{ServiceName: aws.String("api")})
	return f
}

// TestListTasksFilters checks each ListTasks filter, alone and combined,
// against what DescribeTasks says of every task.
func TestListTasksFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client
	f := newListFixture(t, e)
	desiredRunning := sorted(append(slices.Clone(f.service), f.running...))
	all := sorted(append(slices.Clone(desiredRunning), f.stopped...))

	byInstance := map[string][]string{}
	for _, tk := range describeTasks(t, c, desiredRunning) {
		ci := aws.ToString(tk.ContainerInstanceArn)
		byInstance[ci] = append(byInstance[ci], aws.ToString(tk.TaskArn))
	}
	if len(byInstance) != 2 {
		t.Fatalf("tasks by instance: got %q; want tasks on both instances", byInstance)
	}

	for _, tc := range []struct {
		name string
		in   awsecs.ListTasksInput
		want []string
	}{
		{"Default", awsecs.ListTasksInput{}, desiredRunning},
		{"DesiredRunning", awsecs.ListTasksInput{DesiredStatus: types.DesiredStatusRunning}, desiredRunning},
		{"DesiredStopped", awsecs.ListTasksInput{DesiredStatus: types.DesiredStatusStopped}, f.stopped},
		// ECS never sets desiredStatus PENDING, so the filter lists
		// nothing (ListTasks desiredStatus).
		{"DesiredPending", awsecs.ListTasksInput{DesiredStatus: types.DesiredStatusPending}, nil},
		{"Family", awsecs.ListTasksInput{Family: aws.String("web")}, f.running},
		{"FamilyOfService", awsecs.ListTasksInput{Family: aws.String("api")}, f.service},
		{"FamilyStopped", awsecs.ListTasksInput{Family: aws.String("web"), DesiredStatus: types.DesiredStatusStopped}, f.stopped},
		{"FamilyUnknown", awsecs.ListTasksInput{Family: aws.String("nope")}, nil},
		{"ServiceName", awsecs.ListTasksInput{ServiceName: aws.String("api")}, f.service},
		{"ServiceNameARN", awsecs.ListTasksInput{ServiceName: aws.String(serviceARN + "api")}, f.service},
		{"ServiceNameIdle", awsecs.ListTasksInput{ServiceName: aws.String("idle")}, nil},
		{"ServiceAndFamily", awsecs.ListTasksInput{ServiceName: aws.String("api"), Family: aws.String("api")}, f.service},
		{"ServiceAndOtherFamily", awsecs.ListTasksInput{ServiceName: aws.String("api"), Family: aws.String("web")}, nil},
		{"StartedBy", awsecs.ListTasksInput{StartedBy: aws.String("batch")}, f.running},
		{"ContainerInstance0", awsecs.ListTasksInput{ContainerInstance: aws.String(f.instances[0])}, sorted(byInstance[f.instances[0]])},
		{"ContainerInstance1", awsecs.ListTasksInput{ContainerInstance: aws.String(f.instances[1])}, sorted(byInstance[f.instances[1]])},
		{"ContainerInstanceID", awsecs.ListTasksInput{ContainerInstance: aws.String(f.instances[1][strings.LastIndex(f.instances[1], "/")+1:])},
			sorted(byInstance[f.instances[1]])},
		{"ContainerInstanceAndFamily", awsecs.ListTasksInput{ContainerInstance: aws.String(f.instances[0]), Family: aws.String("web")},
			intersect(byInstance[f.instances[0]], f.running)},
		{"LaunchTypeEC2", awsecs.ListTasksInput{LaunchType: types.LaunchTypeEc2}, desiredRunning},
		{"LaunchTypeFargate", awsecs.ListTasksInput{LaunchType: types.LaunchTypeFargate}, nil},
		{"LaunchTypeEC2Stopped", awsecs.ListTasksInput{LaunchType: types.LaunchTypeEc2, DesiredStatus: types.DesiredStatusStopped}, f.stopped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := sorted(listTasks(t, c, tc.in))
			if !slices.Equal(got, sorted(tc.want)) {
				t.Errorf("ListTasks %+v: got %q; want %q", tc.in, got, sorted(tc.want))
			}
		})
	}
	if got := len(all); got != 5 {
		t.Errorf("fixture: got %d tasks; want 5", got)
	}

	t.Run("ErrInvalidDesiredStatus", func(t *testing.T) {
		_, err := c.ListTasks(ctx, &awsecs.ListTasksInput{DesiredStatus: "BOGUS"})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "")
	})
	t.Run("ErrUnknownCluster", func(t *testing.T) {
		_, err := c.ListTasks(ctx, &awsecs.ListTasksInput{Cluster: aws.String("nope")})
		wantAPIError(t, err, "ClusterNotFoundException", http.StatusBadRequest, "Cluster not found.")
	})
	t.Run("ErrUnknownContainerInstance", func(t *testing.T) {
		_, err := c.ListTasks(ctx, &awsecs.ListTasksInput{ContainerInstance: aws.String("0123456789abcdef0123456789abcdef")})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "")
	})
	// "When you specify startedBy as the filter, it must be the only
	// filter that you use" (ListTasks startedBy); ECS answers
	// "cannot specify startedBy with other arguments" (aws-sdk-go-v2#1893).
	t.Run("ErrStartedByWithOtherFilters", func(t *testing.T) {
		for _, in := range []awsecs.ListTasksInput{
			{StartedBy: aws.String("batch"), Family: aws.String("web")},
			{StartedBy: aws.String("batch"), LaunchType: types.LaunchTypeEc2},
			{StartedBy: aws.String("batch"), ServiceName: aws.String("api")},
			{StartedBy: aws.String("batch"), ContainerInstance: aws.String(f.instances[0])},
		} {
			_, err := c.ListTasks(ctx, &in)
			wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "cannot specify startedBy with other arguments")
		}
	})
}

// pager is what the SDK's paginators share.
type pager[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*awsecs.Options)) (O, error)
}

// walkPages follows a paginator to its end and returns the items of every
// page in order; it fails on a page longer than max.
func walkPages[O any](t *testing.T, p pager[O], items func(O) []string, max int) []string {
	t.Helper()
	var got []string
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 100 {
			t.Fatalf("more than 100 pages: the paginator does not end")
		}
		page := items(must[O](t)(p.NextPage(ctx)))
		if len(page) > max {
			t.Errorf("page %d: got %d items; want at most %d", pages, len(page), max)
		}
		got = append(got, page...)
	}
	return got
}

// wantPages fails unless paged holds the items of whole exactly once each,
// in the same order.
func wantPages(t *testing.T, op string, paged, whole []string, n int) {
	t.Helper()
	if len(whole) != n {
		t.Fatalf("%s unpaged: got %q; want %d items", op, whole, n)
	}
	if !slices.Equal(paged, whole) {
		t.Errorf("%s paged: got %q; want %q (no duplicates, no omissions)", op, paged, whole)
	}
}

// TestPagination follows the SDK's paginators with a small maxResults
// through every ECS list operation of the issue but ListClusters (which
// TestClusters covers), and sends each a nextToken it never gave.
func TestPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client
	f := newListFixture(t, e)

	for _, max := range []int32{1, 2} {
		whole := must[*awsecs.ListServicesOutput](t)(c.ListServices(ctx, &awsecs.ListServicesInput{MaxResults: aws.Int32(100)})).ServiceArns
		paged := walkPages(t, awsecs.NewListServicesPaginator(c, &awsecs.ListServicesInput{MaxResults: aws.Int32(max)}),
			func(o *awsecs.ListServicesOutput) []string { return o.ServiceArns }, int(max))
		wantPages(t, "ListServices", paged, whole, 3)

		whole = must[*awsecs.ListTasksOutput](t)(c.ListTasks(ctx, &awsecs.ListTasksInput{})).TaskArns
		paged = walkPages(t, awsecs.NewListTasksPaginator(c, &awsecs.ListTasksInput{MaxResults: aws.Int32(max)}),
			func(o *awsecs.ListTasksOutput) []string { return o.TaskArns }, int(max))
		wantPages(t, "ListTasks", paged, whole, len(f.service)+len(f.running))

		whole = must[*awsecs.ListTasksOutput](t)(c.ListTasks(ctx, &awsecs.ListTasksInput{ServiceName: aws.String("api")})).TaskArns
		paged = walkPages(t, awsecs.NewListTasksPaginator(c, &awsecs.ListTasksInput{ServiceName: aws.String("api"), MaxResults: aws.Int32(max)}),
			func(o *awsecs.ListTasksOutput) []string { return o.TaskArns }, int(max))
		wantPages(t, "ListTasks serviceName api", paged, whole, len(f.service))

		whole = must[*awsecs.ListTaskDefinitionsOutput](t)(c.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{})).TaskDefinitionArns
		paged = walkPages(t, awsecs.NewListTaskDefinitionsPaginator(c, &awsecs.ListTaskDefinitionsInput{MaxResults: aws.Int32(max)}),
			func(o *awsecs.ListTaskDefinitionsOutput) []string { return o.TaskDefinitionArns }, int(max))
		wantPages(t, "ListTaskDefinitions", paged, whole, 3)
		if want := []string{taskDefARN + "api:1", taskDefARN + "api:2", taskDefARN + "web:1"}; !slices.Equal(whole, want) {
			t.Errorf("ListTaskDefinitions: got %q; want %q", whole, want)
		}

		whole = must[*awsecs.ListTaskDefinitionsOutput](t)(c.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{Sort: types.SortOrderDesc})).TaskDefinitionArns
		paged = walkPages(t, awsecs.NewListTaskDefinitionsPaginator(c, &awsecs.ListTaskDefinitionsInput{Sort: types.SortOrderDesc, MaxResults: aws.Int32(max)}),
			func(o *awsecs.ListTaskDefinitionsOutput) []string { return o.TaskDefinitionArns }, int(max))
		wantPages(t, "ListTaskDefinitions DESC", paged, whole, 3)

		whole = must[*awsecs.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &awsecs.ListTaskDefinitionFamiliesInput{
			Status: types.TaskDefinitionFamilyStatusAll})).Families
		paged = walkPages(t, awsecs.NewListTaskDefinitionFamiliesPaginator(c, &awsecs.ListTaskDefinitionFamiliesInput{
			Status: types.TaskDefinitionFamilyStatusAll, MaxResults: aws.Int32(max)}),
			func(o *awsecs.ListTaskDefinitionFamiliesOutput) []string { return o.Families }, int(max))
		wantPages(t, "ListTaskDefinitionFamilies ALL", paged, whole, 3)

		whole = must[*awsecs.ListContainerInstancesOutput](t)(c.ListContainerInstances(ctx, &awsecs.ListContainerInstancesInput{})).ContainerInstanceArns
		paged = walkPages(t, awsecs.NewListContainerInstancesPaginator(c, &awsecs.ListContainerInstancesInput{MaxResults: aws.Int32(max)}),
			func(o *awsecs.ListContainerInstancesOutput) []string { return o.ContainerInstanceArns }, int(max))
		wantPages(t, "ListContainerInstances", paged, whole, 2)
		if !slices.Equal(sorted(whole), f.instances) {
			t.Errorf("ListContainerInstances: got %q; want %q", whole, f.instances)
		}
	}

	t.Run("ErrInvalidNextToken", func(t *testing.T) {
		const bad = "%%% not a token %%%"
		for op, call := range map[string]func() error{
			"ListServices": func() error {
				_, err := c.ListServices(ctx, &awsecs.ListServicesInput{NextToken: aws.String(bad)})
				return err
			},
			"ListTasks": func() error {
				_, err := c.ListTasks(ctx, &awsecs.ListTasksInput{NextToken: aws.String(bad)})
				return err
			},
			"ListTaskDefinitions": func() error {
				_, err := c.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{NextToken: aws.String(bad)})
				return err
			},
			"ListTaskDefinitionFamilies": func() error {
				_, err := c.ListTaskDefinitionFamilies(ctx, &awsecs.ListTaskDefinitionFamiliesInput{NextToken: aws.String(bad)})
				return err
			},
			"ListContainerInstances": func() error {
				_, err := c.ListContainerInstances(ctx, &awsecs.ListContainerInstancesInput{NextToken: aws.String(bad)})
				return err
			},
			"ListClusters": func() error {
				_, err := c.ListClusters(ctx, &awsecs.ListClustersInput{NextToken: aws.String(bad)})
				return err
			},
		} {
			t.Run(op, func(t *testing.T) {
				wantAPIError(t, call(), "InvalidParameterException", http.StatusBadRequest, "")
			})
		}
	})

	t.Run("ErrMaxResultsOutOfRange", func(t *testing.T) {
		_, err := c.ListServices(ctx, &awsecs.ListServicesInput{MaxResults: aws.Int32(101)})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "")
		_, err = c.ListTasks(ctx, &awsecs.ListTasksInput{MaxResults: aws.Int32(101)})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "")
	})
}

// TestListErrors covers the not-found and invalid-parameter answers of the
// list, deregister and untag operations the other tests leave out, and the
// status filters of the task definition lists.
func TestListErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client
	newListFixture(t, e)

	t.Run("ListServicesUnknownCluster", func(t *testing.T) {
		_, err := c.ListServices(ctx, &awsecs.ListServicesInput{Cluster: aws.String("nope")})
		wantAPIError(t, err, "ClusterNotFoundException", http.StatusBadRequest, "Cluster not found.")
	})

	t.Run("ListTaskDefinitionsStatus", func(t *testing.T) {
		l := must[*awsecs.ListTaskDefinitionsOutput](t)(c.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{Status: types.TaskDefinitionStatusInactive}))
		if !slices.Equal(l.TaskDefinitionArns, []string{taskDefARN + "worker:1"}) {
			t.Errorf("ListTaskDefinitions INACTIVE: got %q; want worker:1", l.TaskDefinitionArns)
		}
		l = must[*awsecs.ListTaskDefinitionsOutput](t)(c.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("api")}))
		if !slices.Equal(l.TaskDefinitionArns, []string{taskDefARN + "api:1", taskDefARN + "api:2"}) {
			t.Errorf("ListTaskDefinitions familyPrefix api: got %q", l.TaskDefinitionArns)
		}
	})

	t.Run("ErrListTaskDefinitionsInvalidStatus", func(t *testing.T) {
		_, err := c.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{Status: "BOGUS"})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "")
	})

	t.Run("ListTaskDefinitionFamiliesStatus", func(t *testing.T) {
		for _, tc := range []struct {
			status types.TaskDefinitionFamilyStatus
			want   []string
		}{
			{types.TaskDefinitionFamilyStatusActive, []string{"api", "web"}},
			{types.TaskDefinitionFamilyStatusInactive, []string{"worker"}},
			{types.TaskDefinitionFamilyStatusAll, []string{"api", "web", "worker"}},
		} {
			l := must[*awsecs.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &awsecs.ListTaskDefinitionFamiliesInput{Status: tc.status}))
			if !slices.Equal(l.Families, tc.want) {
				t.Errorf("ListTaskDefinitionFamilies %s: got %q; want %q", tc.status, l.Families, tc.want)
			}
		}
		l := must[*awsecs.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &awsecs.ListTaskDefinitionFamiliesInput{FamilyPrefix: aws.String("w"),
			Status: types.TaskDefinitionFamilyStatusAll}))
		if !slices.Equal(l.Families, []string{"web", "worker"}) {
			t.Errorf("ListTaskDefinitionFamilies familyPrefix w: got %q", l.Families)
		}
	})

	// "By default, both ACTIVE and INACTIVE task definition families are
	// listed" (ListTaskDefinitionFamilies status).
	t.Run("ListTaskDefinitionFamiliesDefaultStatus", func(t *testing.T) {
		l := must[*awsecs.ListTaskDefinitionFamiliesOutput](t)(c.ListTaskDefinitionFamilies(ctx, &awsecs.ListTaskDefinitionFamiliesInput{}))
		if !slices.Equal(l.Families, []string{"api", "web", "worker"}) {
			t.Errorf("ListTaskDefinitionFamilies: got %q; want api, web, worker", l.Families)
		}
	})

	t.Run("ErrListTaskDefinitionFamiliesInvalidStatus", func(t *testing.T) {
		_, err := c.ListTaskDefinitionFamilies(ctx, &awsecs.ListTaskDefinitionFamiliesInput{Status: "BOGUS"})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "")
	})

	t.Run("ErrDeregisterTaskDefinition", func(t *testing.T) {
		for _, ref := range []string{"api:99", "nope:1", taskDefARN + "api:99", "api"} {
			_, err := c.DeregisterTaskDefinition(ctx, &awsecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(ref)})
			wantAPIError(t, err, "ClientException", http.StatusBadRequest, "")
		}
		// Nothing was deregistered.
		l := must[*awsecs.ListTaskDefinitionsOutput](t)(c.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("api")}))
		if len(l.TaskDefinitionArns) != 2 {
			t.Errorf("ListTaskDefinitions api after refused deregistrations: got %q", l.TaskDefinitionArns)
		}
		// Deregistering an INACTIVE revision again is allowed and leaves it
		// INACTIVE.
		d := must[*awsecs.DeregisterTaskDefinitionOutput](t)(c.DeregisterTaskDefinition(ctx, &awsecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("worker:1")}))
		if d.TaskDefinition.Status != types.TaskDefinitionStatusInactive {
			t.Errorf("DeregisterTaskDefinition worker:1 again: got %s", d.TaskDefinition.Status)
		}
	})

	t.Run("ErrUntagResource", func(t *testing.T) {
		for _, arn := range []string{clusterARN + "nope", serviceARN + "nope", "arn:aws:ecs:" + region + ":" + account + ":task/default/0123456789abcdef0123456789abcdef"} {
			_, err := c.UntagResource(ctx, &awsecs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}})
			wantAPIError(t, err, "ResourceNotFoundException", http.StatusBadRequest, "The specified resource could not be found.")
		}
		_, err := c.UntagResource(ctx, &awsecs.UntagResourceInput{ResourceArn: aws.String("not-an-arn"), TagKeys: []string{"team"}})
		wantAPIError(t, err, "InvalidParameterException", http.StatusBadRequest, "")
	})
}

// sorted returns a sorted copy of s.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// intersect returns the items of a also in b.
func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
