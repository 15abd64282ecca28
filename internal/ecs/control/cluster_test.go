package control

import (
	"net/netip"
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

func TestClusters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx

	t.Run("CreateIdempotent", func(t *testing.T) {
		out, err := e.c.CreateCluster(ctx, CreateClusterInput{ClusterName: "prod", Tags: []ecs.Tag{{Key: "k", Value: "v"}}})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := out.Cluster.ClusterARN, "arn:aws:ecs:us-east-1:123456789012:cluster/prod"; got != want {
			t.Fatalf("arn %s; want %s", got, want)
		}
		again, err := e.c.CreateCluster(ctx, CreateClusterInput{ClusterName: "prod"})
		if err != nil || again.Cluster.ClusterARN != out.Cluster.ClusterARN {
			t.Fatalf("second create: %v %v", again, err)
		}
	})
	t.Run("ErrInvalidName", func(t *testing.T) {
		_, err := e.c.CreateCluster(ctx, CreateClusterInput{ClusterName: "bad name"})
		wantCode(t, err, ecs.CodeInvalidParameterException)
		if got, want := ecs.ErrorMessage(err), `Cluster must match ^[a-zA-Z0-9\-_]{1,255}$, but was bad name`; got != want {
			t.Fatalf("message %q; want %q", got, want)
		}
	})
	t.Run("DescribeMissing", func(t *testing.T) {
		out, err := e.c.DescribeClusters(ctx, DescribeClustersInput{Clusters: []string{"prod", "nope"}, Include: []string{"TAGS"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Clusters) != 1 || len(out.Clusters[0].Tags) != 1 {
			t.Fatalf("clusters %+v", out.Clusters)
		}
		if len(out.Failures) != 1 || out.Failures[0].Reason != "MISSING" ||
			out.Failures[0].ARN != "arn:aws:ecs:us-east-1:123456789012:cluster/nope" {
			t.Fatalf("failures %+v", out.Failures)
		}
	})
	t.Run("ListPaged", func(t *testing.T) {
		p1, err := e.c.ListClusters(ctx, ListClustersInput{MaxResults: 1})
		if err != nil || len(p1.ClusterARNs) != 1 || p1.NextToken == "" {
			t.Fatalf("page 1: %+v %v", p1, err)
		}
		p2, err := e.c.ListClusters(ctx, ListClustersInput{MaxResults: 1, NextToken: p1.NextToken})
		if err != nil || len(p2.ClusterARNs) != 1 || p2.NextToken != "" || p2.ClusterARNs[0] == p1.ClusterARNs[0] {
			t.Fatalf("page 2: %+v %v", p2, err)
		}
		_, err = e.c.ListClusters(ctx, ListClustersInput{MaxResults: 101})
		wantCode(t, err, ecs.CodeInvalidParameterException)
	})
	t.Run("DeleteContainsInstances", func(t *testing.T) {
		if _, err := e.c.RegisterContainerInstance(ctx, RegisterContainerInstanceInput{Cluster: "prod"}); err != nil {
			t.Fatal(err)
		}
		_, err := e.c.DeleteCluster(ctx, DeleteClusterInput{Cluster: "prod"})
		wantCode(t, err, ecs.CodeClusterContainsContainerInstancesException)
	})
	t.Run("Delete", func(t *testing.T) {
		if _, err := e.c.CreateCluster(ctx, CreateClusterInput{ClusterName: "tmp"}); err != nil {
			t.Fatal(err)
		}
		out, err := e.c.DeleteCluster(ctx, DeleteClusterInput{Cluster: "tmp"})
		if err != nil || out.Cluster.Status != ecs.ClusterStatusInactive {
			t.Fatalf("delete: %+v %v", out, err)
		}
		_, err = e.c.DeleteCluster(ctx, DeleteClusterInput{Cluster: "tmp"})
		wantCode(t, err, ecs.CodeClusterNotFoundException)
		_, err = e.c.ListTasks(ctx, ListTasksInput{Cluster: "tmp"})
		wantCode(t, err, ecs.CodeClusterNotFoundException)
	})
}

func TestContainerInstances(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx
	a := e.instance("t2.micro")
	b := e.instance("t2.medium")

	if az, _ := a.Attribute(ecs.AttributeAvailabilityZone); az != "us-east-1a" {
		t.Fatalf("first AZ %s", az)
	}
	if az, _ := b.Attribute(ecs.AttributeAvailabilityZone); az != "us-east-1b" {
		t.Fatalf("second AZ %s", az)
	}
	if a.Address != netip.MustParseAddr("127.0.10.1") || b.Address != netip.MustParseAddr("127.0.10.2") {
		t.Fatalf("addresses %s %s", a.Address, b.Address)
	}
	if !ecs.IsEC2InstanceID(a.EC2InstanceID) {
		t.Fatalf("ec2 id %s", a.EC2InstanceID)
	}
	if got := a.RegisteredResources.Integer(ecs.ResourceMemory); got != 993 {
		t.Fatalf("t2.micro memory %d; want 993", got)
	}

	td := e.taskDef("web", 128, nil)
	if _, err := e.c.RunTask(ctx, RunTaskInput{TaskDefinition: "web", PlacementConstraints: []ecs.PlacementConstraint{{Type: "memberOf", Expression: "attribute:ecs.instance-type == t2.micro"}}}); err != nil {
		t.Fatal(err)
	}
	out, err := e.c.DescribeContainerInstances(ctx, DescribeContainerInstancesInput{ContainerInstances: []string{a.ID(), "0123456789abcdef0123456789abcdef"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ContainerInstances) != 1 || len(out.Failures) != 1 || out.Failures[0].Reason != "MISSING" {
		t.Fatalf("describe: %+v", out)
	}
	got := out.ContainerInstances[0]
	if rem := got.RemainingResources.Integer(ecs.ResourceMemory); rem != 993-128 {
		t.Fatalf("remaining memory %d; want %d", rem, 993-128)
	}
	if got.PendingTasksCount+got.RunningTasksCount != 1 {
		t.Fatalf("counts %d+%d", got.PendingTasksCount, got.RunningTasksCount)
	}
	_ = td

	list, err := e.c.ListContainerInstances(ctx, ListContainerInstancesInput{Filter: "attribute:ecs.instance-type == t2.medium"})
	if err != nil || len(list.ContainerInstanceARNs) != 1 || list.ContainerInstanceARNs[0] != b.ContainerInstanceARN {
		t.Fatalf("list: %+v %v", list, err)
	}

	t.Run("DeregisterRefusedWithTasks", func(t *testing.T) {
		_, err := e.c.DeregisterContainerInstance(ctx, DeregisterContainerInstanceInput{ContainerInstance: a.ID()})
		wantCode(t, err, ecs.CodeInvalidParameterException)
	})
	t.Run("Deregister", func(t *testing.T) {
		out, err := e.c.DeregisterContainerInstance(ctx, DeregisterContainerInstanceInput{ContainerInstance: b.ContainerInstanceARN})
		if err != nil || out.ContainerInstance.Status != ecs.ContainerInstanceStatusInactive {
			t.Fatalf("deregister: %+v %v", out, err)
		}
	})
	t.Run("ErrUnknownInstanceType", func(t *testing.T) {
		_, err := e.c.RegisterContainerInstance(ctx, RegisterContainerInstanceInput{InstanceType: "x9.huge"})
		wantCode(t, err, ecs.CodeInvalidParameterException)
	})
}

func TestTaskDefinitions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ctx
	r1 := e.taskDef("api", 128, nil)
	r2 := e.taskDef("api", 256, nil)
	e.taskDef("worker", 128, nil)
	if r1.Revision != 1 || r2.Revision != 2 || r2.TaskDefinitionARN != "arn:aws:ecs:us-east-1:123456789012:task-definition/api:2" {
		t.Fatalf("revisions %d %d %s", r1.Revision, r2.Revision, r2.TaskDefinitionARN)
	}
	d, err := e.c.DescribeTaskDefinition(ctx, DescribeTaskDefinitionInput{TaskDefinition: "api"})
	if err != nil || d.TaskDefinition.Revision != 2 {
		t.Fatalf("describe latest: %+v %v", d, err)
	}
	if _, err := e.c.DeregisterTaskDefinition(ctx, DeregisterTaskDefinitionInput{TaskDefinition: "api:2"}); err != nil {
		t.Fatal(err)
	}
	d, err = e.c.DescribeTaskDefinition(ctx, DescribeTaskDefinitionInput{TaskDefinition: "api"})
	if err != nil || d.TaskDefinition.Revision != 1 {
		t.Fatalf("describe after deregister: %+v %v", d, err)
	}
	l, err := e.c.ListTaskDefinitions(ctx, ListTaskDefinitionsInput{})
	if err != nil || len(l.TaskDefinitionARNs) != 2 {
		t.Fatalf("list active: %+v %v", l, err)
	}
	l, err = e.c.ListTaskDefinitions(ctx, ListTaskDefinitionsInput{FamilyPrefix: "api", Status: "INACTIVE"})
	if err != nil || len(l.TaskDefinitionARNs) != 1 || l.TaskDefinitionARNs[0] != r2.TaskDefinitionARN {
		t.Fatalf("list inactive: %+v %v", l, err)
	}
	f, err := e.c.ListTaskDefinitionFamilies(ctx, ListTaskDefinitionFamiliesInput{FamilyPrefix: "a"})
	if err != nil || len(f.Families) != 1 || f.Families[0] != "api" {
		t.Fatalf("families: %+v %v", f, err)
	}

	t.Run("ErrMissing", func(t *testing.T) {
		_, err := e.c.DescribeTaskDefinition(ctx, DescribeTaskDefinitionInput{TaskDefinition: "nope:3"})
		wantCode(t, err, ecs.CodeClientException)
	})
	t.Run("ErrNoImage", func(t *testing.T) {
		_, err := e.c.RegisterTaskDefinition(ctx, RegisterTaskDefinitionInput{ecs.TaskDefinition{
			Family:               "bad",
			ContainerDefinitions: []ecs.ContainerDefinition{{Name: "c", Memory: ptr(64)}},
		}})
		wantCode(t, err, ecs.CodeClientException)
	})
	t.Run("RunInactiveRefused", func(t *testing.T) {
		e.instance("")
		_, err := e.c.RunTask(ctx, RunTaskInput{TaskDefinition: "api:2"})
		wantCode(t, err, ecs.CodeClientException)
	})
}
