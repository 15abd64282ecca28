package ecs_test

import (
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

const id32 = "53074e0156204f30a3cea97e7bf32d31"

func TestARNBuild(t *testing.T) {
	s := ecstest.Scope
	for _, tt := range []struct{ got, want string }{
		{s.ClusterARN("default"), "arn:aws:ecs:us-east-1:123456789012:cluster/default"},
		{s.ServiceARN("default", "api"), "arn:aws:ecs:us-east-1:123456789012:service/default/api"},
		{s.TaskARN("default", id32), "arn:aws:ecs:us-east-1:123456789012:task/default/" + id32},
		{s.ContainerInstanceARN("default", id32), "arn:aws:ecs:us-east-1:123456789012:container-instance/default/" + id32},
		{s.TaskDefinitionARN("api", 3), "arn:aws:ecs:us-east-1:123456789012:task-definition/api:3"},
		{s.ContainerARN("default", id32, "c1"), "arn:aws:ecs:us-east-1:123456789012:container/default/" + id32 + "/c1"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %s; want %s", tt.got, tt.want)
		}
	}
}

var parseARNTests = []struct {
	in   string
	want ecs.ARN
	err  bool
}{
	{in: "arn:aws:ecs:us-east-1:123456789012:cluster/default",
		want: ecs.ARN{Region: "us-east-1", Account: "123456789012", Type: "cluster", Cluster: "default", Name: "default"}},
	{in: "arn:aws:ecs:us-east-1:123456789012:service/default/api",
		want: ecs.ARN{Region: "us-east-1", Account: "123456789012", Type: "service", Cluster: "default", Name: "api"}},
	{in: "arn:aws:ecs:us-east-1:123456789012:service/api",
		want: ecs.ARN{Region: "us-east-1", Account: "123456789012", Type: "service", Name: "api"}},
	{in: "arn:aws:ecs:us-east-1:123456789012:task/default/" + id32,
		want: ecs.ARN{Region: "us-east-1", Account: "123456789012", Type: "task", Cluster: "default", Name: id32}},
	{in: "arn:aws:ecs:us-east-1:123456789012:task/0b69d5c0-d655-4695-98cd-5d2d526d9d5a",
		want: ecs.ARN{Region: "us-east-1", Account: "123456789012", Type: "task", Name: "0b69d5c0-d655-4695-98cd-5d2d526d9d5a"}},
	{in: "arn:aws:ecs:us-east-1:123456789012:container-instance/default/" + id32,
		want: ecs.ARN{Region: "us-east-1", Account: "123456789012", Type: "container-instance", Cluster: "default", Name: id32}},
	{in: "arn:aws:ecs:us-east-1:123456789012:task-definition/api:12",
		want: ecs.ARN{Region: "us-east-1", Account: "123456789012", Type: "task-definition", Name: "api", Revision: 12}},
	{in: "arn:aws:ecs:us-east-1:123456789012:container/default/" + id32 + "/c1",
		want: ecs.ARN{Region: "us-east-1", Account: "123456789012", Type: "container", Cluster: "default", TaskID: id32, Name: "c1"}},
	{in: "arn:aws-cn:ecs:cn-north-1:123456789012:cluster/x",
		want: ecs.ARN{Region: "cn-north-1", Account: "123456789012", Type: "cluster", Cluster: "x", Name: "x"}},
	{in: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef", err: true},
	{in: "arn:aws:ecs:us-east-1:123456789012:cluster", err: true},
	{in: "arn:aws:ecs:us-east-1:123456789012:cluster/a/b", err: true},
	{in: "arn:aws:ecs:us-east-1:123456789012:task/a/b/c", err: true},
	{in: "arn:aws:ecs:us-east-1:123456789012:task//x", err: true},
	{in: "arn:aws:ecs:us-east-1:123456789012:task-definition/api", err: true},
	{in: "arn:aws:ecs:us-east-1:123456789012:task-definition/api:0", err: true},
	{in: "arn:aws:ecs:us-east-1:123456789012:task-definition/:1", err: true},
	{in: "arn:aws:ecs:us-east-1:123456789012:capacity-provider/x", err: true},
	{in: "default", err: true},
}

func TestParseARN(t *testing.T) {
	for _, tt := range parseARNTests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ecs.ParseARN(tt.in)
			if tt.err {
				if err == nil || ecs.ErrorCode(err) != ecs.CodeInvalidParameterException || ecs.ErrorMessage(err) != "Invalid ARN: "+tt.in {
					t.Fatalf("ParseARN = %+v, %v; want InvalidParameterException: Invalid ARN: %s", got, err, tt.in)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseARN = %+v, %v; want %+v", got, err, tt.want)
			}
			if tt.want.Region != "cn-north-1" && got.String() != tt.in {
				t.Errorf("String() = %s; want %s", got.String(), tt.in)
			}
		})
	}
}

func TestResolveCluster(t *testing.T) {
	s := ecstest.Scope
	for _, tt := range []struct {
		in, want, code string
	}{
		{"", "default", ""},
		{"prod", "prod", ""},
		{"arn:aws:ecs:us-east-1:123456789012:cluster/prod", "prod", ""},
		{"arn:aws:ecs:eu-west-1:123456789012:cluster/prod", "", "ClusterNotFoundException"},
		{"arn:aws:ecs:us-east-1:999999999999:cluster/prod", "", "ClusterNotFoundException"},
		{"arn:aws:ecs:us-east-1:123456789012:service/prod/api", "", "ClusterNotFoundException"},
		{"arn:aws:ecs:us-east-1:123456789012:bogus", "", "InvalidParameterException"},
		{"my cluster", "", "InvalidParameterException"},
	} {
		got, err := s.ResolveCluster(tt.in)
		if got != tt.want || ecs.ErrorCode(err) != tt.code {
			t.Errorf("ResolveCluster(%q) = %q, %v; want %q, %s", tt.in, got, err, tt.want, tt.code)
		}
	}
	_, err := s.ResolveCluster("bad name")
	if msg := ecs.ErrorMessage(err); msg != `Cluster must match ^[a-zA-Z0-9\-_]{1,255}$, but was bad name` {
		t.Errorf("message = %q", msg)
	}
}

func TestResolveService(t *testing.T) {
	s := ecstest.Scope
	for _, tt := range []struct {
		cluster, in, want, code string
	}{
		{"default", "api", "api", ""},
		{"default", "arn:aws:ecs:us-east-1:123456789012:service/default/api", "api", ""},
		{"default", "arn:aws:ecs:us-east-1:123456789012:service/api", "api", ""},
		{"default", "arn:aws:ecs:us-east-1:123456789012:service/other/api", "", "ServiceNotFoundException"},
		{"default", "arn:aws:ecs:us-east-1:123456789012:cluster/api", "", "ServiceNotFoundException"},
		{"default", "api v2", "", "InvalidParameterException"},
	} {
		got, err := s.ResolveService(tt.cluster, tt.in)
		if tt.code == "InvalidParameterException" && ecs.ErrorMessage(err) != "Invalid service name: "+tt.in {
			t.Errorf("message = %q", ecs.ErrorMessage(err))
		}
		if got != tt.want || ecs.ErrorCode(err) != tt.code {
			t.Errorf("ResolveService(%q, %q) = %q, %v; want %q, %s", tt.cluster, tt.in, got, err, tt.want, tt.code)
		}
	}
}

func TestResolveTaskID(t *testing.T) {
	s := ecstest.Scope
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{
		{id32, id32, true},
		{"arn:aws:ecs:us-east-1:123456789012:task/default/" + id32, id32, true},
		{"arn:aws:ecs:us-east-1:123456789012:task/0b69d5c0-d655-4695-98cd-5d2d526d9d5a", "0b69d5c0-d655-4695-98cd-5d2d526d9d5a", true},
		{"arn:aws:ecs:us-east-1:123456789012:task/other/" + id32, "", false},
		{"arn:aws:ecs:us-east-1:123456789012:container-instance/default/" + id32, "", false},
		{"53074E0156204F30A3CEA97E7BF32D31", "53074E0156204F30A3CEA97E7BF32D31", false},
		{"abc", "abc", false},
	} {
		got, ok := s.ResolveTaskID("default", tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ResolveTaskID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if got, ok := s.ResolveContainerInstanceID("default", "arn:aws:ecs:us-east-1:123456789012:container-instance/default/"+id32); got != id32 || !ok {
		t.Errorf("ResolveContainerInstanceID = %q, %v", got, ok)
	}
}

func TestResolveTaskDefinition(t *testing.T) {
	s := ecstest.Scope
	for _, tt := range []struct {
		in   string
		want ecs.TaskDefinitionRef
		msg  string
	}{
		{"api", ecs.TaskDefinitionRef{Family: "api"}, ""},
		{"api:7", ecs.TaskDefinitionRef{Family: "api", Revision: 7}, ""},
		{"arn:aws:ecs:us-east-1:123456789012:task-definition/api:7", ecs.TaskDefinitionRef{Family: "api", Revision: 7}, ""},
		{"arn:aws:ecs:eu-west-1:123456789012:task-definition/api:7", ecs.TaskDefinitionRef{}, "Unable to describe task definition."},
		{"api:x", ecs.TaskDefinitionRef{}, "Invalid revision number. Number: x"},
		{"api:0", ecs.TaskDefinitionRef{}, "Invalid revision number. Number: 0"},
		{"my api", ecs.TaskDefinitionRef{}, "Invalid family: my api"},
	} {
		got, err := s.ResolveTaskDefinition(tt.in)
		if got != tt.want || ecs.ErrorMessage(err) != tt.msg {
			t.Errorf("ResolveTaskDefinition(%q) = %+v, %v; want %+v, %q", tt.in, got, err, tt.want, tt.msg)
		}
		if err != nil && ecs.ErrorCode(err) != ecs.CodeClientException {
			t.Errorf("code = %s; want ClientException", ecs.ErrorCode(err))
		}
	}
	if got := (ecs.TaskDefinitionRef{Family: "api", Revision: 2}).String(); got != "api:2" {
		t.Errorf("String = %q", got)
	}
}

func TestIDs(t *testing.T) {
	if !ecs.IsID(id32) || ecs.IsID(id32[:31]) || ecs.IsID("g"+id32[1:]) {
		t.Error("IsID")
	}
	if !ecs.IsEC2InstanceID("i-0123456789abcdef0") || ecs.IsEC2InstanceID("i-0123456789abcdef") || ecs.IsEC2InstanceID("i-0123456789ABCDEF0") {
		t.Error("IsEC2InstanceID")
	}
	if !ecs.IsDeploymentID("ecs-svc/9223370564341623665") || !ecs.IsDeploymentID("ecs-svc/1234567890123456") ||
		ecs.IsDeploymentID("ecs-svc/123") || ecs.IsDeploymentID("ecs-svc/92233705643416236650") || ecs.IsDeploymentID("svc/9223370564341623665") {
		t.Error("IsDeploymentID")
	}
}
