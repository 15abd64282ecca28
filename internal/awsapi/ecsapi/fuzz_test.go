package ecsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/ecsapi"
	"github.com/ecslocal/ecslocal/internal/ecs/control"
	"github.com/ecslocal/ecslocal/internal/ecs/state"
)

// Resources the fuzz control plane starts with, so that inputs naming them
// reach past the *NotFound checks. IDs are 1, 2, … as 32 hex digits: the
// instance takes 1 for its EC2 instance ID and 2 for its own; the first
// task gets 4.
const (
	fuzzInstance = "arn:aws:ecs:us-east-1:123456789012:container-instance/default/00000000000000000000000000000002"
	fuzzService  = "arn:aws:ecs:us-east-1:123456789012:service/default/api"
	fuzzTaskDef  = "arn:aws:ecs:us-east-1:123456789012:task-definition/api:1"
)

// fuzzSeeds are operation names and bodies, valid and not.
var fuzzSeeds = []struct{ op, body string }{
	{"CreateCluster", `{"clusterName":"demo","tags":[{"key":"a","value":"b"}],"settings":[{"name":"containerInsights","value":"enabled"}]}`},
	{"CreateCluster", `{"clusterName":"bad name"}`},
	{"DescribeClusters", `{"clusters":["default","nope","arn:aws:ecs:us-east-1:123456789012:cluster/default"],"include":["TAGS"]}`},
	{"ListClusters", `{"maxResults":1,"nextToken":"ZGVmYXVsdA"}`},
	{"ListClusters", `{"maxResults":1000}`},
	{"DeleteCluster", `{"cluster":"default"}`},
	{"RegisterContainerInstance", `{"instanceType":"t2.micro","totalResources":[{"name":"CPU","type":"INTEGER","integerValue":512}],"attributes":[{"name":"x","value":"y"}]}`},
	{"ListContainerInstances", `{"filter":"attribute:ecs.instance-type == t2.medium","status":"ACTIVE"}`},
	{"DescribeContainerInstances", `{"containerInstances":["` + fuzzInstance + `","00000000000000000000000000000009"]}`},
	{"UpdateContainerInstancesState", `{"containerInstances":["` + fuzzInstance + `"],"status":"DRAINING"}`},
	{"DeregisterContainerInstance", `{"containerInstance":"` + fuzzInstance + `","force":true}`},
	{"RegisterTaskDefinition", `{"family":"web","networkMode":"host","cpu":"1 vCPU","memory":"1GB","containerDefinitions":[{"name":"w","image":"nginx","portMappings":[{"containerPort":80}],"healthCheck":{"command":["CMD-SHELL","true"],"interval":5},"dependsOn":[{"containerName":"x","condition":"START"}]}]}`},
	{"RegisterTaskDefinition", `{"family":"","containerDefinitions":[{"name":"","image":""}]}`},
	{"DescribeTaskDefinition", `{"taskDefinition":"api:1","include":["TAGS"]}`},
	{"ListTaskDefinitions", `{"familyPrefix":"api","status":"INACTIVE","sort":"DESC","maxResults":1}`},
	{"ListTaskDefinitionFamilies", `{"familyPrefix":"a","status":"ALL"}`},
	{"DeregisterTaskDefinition", `{"taskDefinition":"` + fuzzTaskDef + `"}`},
	{"CreateService", `{"serviceName":"web","taskDefinition":"api","desiredCount":2,"deploymentConfiguration":{"maximumPercent":200,"minimumHealthyPercent":50,"deploymentCircuitBreaker":{"enable":true,"rollback":true}},"placementStrategy":[{"type":"binpack","field":"memory"}],"placementConstraints":[{"type":"distinctInstance"}]}`},
	{"CreateService", `{"serviceName":"lb","taskDefinition":"api","desiredCount":1,"loadBalancers":[{"targetGroupArn":"arn:tg","containerName":"api","containerPort":3000}]}`},
	{"UpdateService", `{"service":"api","desiredCount":0,"taskDefinition":"api:1","forceNewDeployment":true,"enableExecuteCommand":true}`},
	{"DescribeServices", `{"services":["api","nope","` + fuzzService + `"],"include":["TAGS"]}`},
	{"ListServices", `{"launchType":"EC2","schedulingStrategy":"REPLICA","maxResults":5}`},
	{"DeleteService", `{"service":"api","force":false}`},
	{"RunTask", `{"taskDefinition":"api","count":3,"startedBy":"me","overrides":{"containerOverrides":[{"name":"api","command":["x"],"environment":[{"name":"A","value":"1"}],"memory":128}]},"placementConstraints":[{"type":"memberOf","expression":"attribute:ecs.availability-zone in [us-east-1a]"}]}`},
	{"RunTask", `{"taskDefinition":"api","launchType":"FARGATE"}`},
	{"StopTask", `{"task":"00000000000000000000000000000004","reason":"r"}`},
	{"DescribeTasks", `{"tasks":["00000000000000000000000000000004","x"],"include":["TAGS"]}`},
	{"ListTasks", `{"desiredStatus":"STOPPED","family":"api","serviceName":"api","containerInstance":"` + fuzzInstance + `"}`},
	{"TagResource", `{"resourceArn":"` + fuzzService + `","tags":[{"key":"k","value":"v"}]}`},
	{"UntagResource", `{"resourceArn":"` + fuzzTaskDef + `","tagKeys":["k"]}`},
	{"ListTagsForResource", `{"resourceArn":"` + fuzzInstance + `"}`},
	{"ListTagsForResource", `{"resourceArn":"arn:aws:ecs:us-east-1:123456789012:nope/x"}`},
	{"CreateService", `{"serviceName":"x","desiredCount":"1"}`},
	{"DescribeServices", `[]`},
	{"DescribeServices", `null`},
	{"Nope", `{}`},
	{"", ``},
}

// FuzzHandle feeds arbitrary operation names and JSON bodies to the
// Handler, as the server does, against a control plane holding the
// default cluster, a container instance, the reference task definition and
// a service. Every answer must be a result that encodes as a JSON object
// without null members, or an AWS client error with a code and a message:
// no panic, no server fault.
func FuzzHandle(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.op, []byte(s.body))
	}
	h := ecsapi.Handler(newFuzzControl(f))
	ctx := context.Background()
	for _, s := range []struct{ op, body string }{
		{"CreateCluster", `{}`},
		{"RegisterContainerInstance", `{}`},
		{"RegisterTaskDefinition", `{"family":"api","containerDefinitions":[{"name":"api","image":"api:v1","cpu":256,"memory":256,"portMappings":[{"containerPort":3000}]}]}`},
		{"CreateService", `{"serviceName":"api","taskDefinition":"api","desiredCount":1}`},
	} {
		if _, err := h.Handle(ctx, s.op, []byte(s.body)); err != nil {
			f.Fatalf("%s: %v", s.op, err)
		}
	}

	f.Fuzz(func(t *testing.T, op string, body []byte) {
		if len(body) == 0 {
			body = []byte("{}") // as the server does
		}
		res, err := h.Handle(ctx, op, body)
		if err != nil {
			var ae *awsapi.Error
			if !errors.As(err, &ae) {
				t.Fatalf("%s %s: got %T %v; want an *awsapi.Error", op, body, err, err)
			}
			if awsapi.IsFault(ae) || ae.Code == "" || ae.Message == "" {
				t.Fatalf("%s %s: got %q %q (HTTP %d); want a client error with a message", op, body, ae.Code, ae.Message, awsapi.StatusOf(ae))
			}
			return
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatalf("%s: result does not encode: %v", op, err)
		}
		if len(b) == 0 || b[0] != '{' || bytes.Contains(b, []byte(":null")) {
			t.Fatalf("%s: result is not an object without null members: %s", op, b)
		}
	})
}

// newFuzzControl returns a control plane for fuzzing: IDs 1, 2, …, a fixed
// time, no agents and no evaluation loop (tasks are only recorded), so
// that millions of inputs stay fast and use bounded resources per input.
func newFuzzControl(tb testing.TB) *control.Controller {
	tb.Helper()
	var mu sync.Mutex
	n := 0
	c, err := control.New(control.Options{
		Store:     state.NewStore(),
		Region:    region,
		AccountID: account,
		Now:       func() time.Time { return t0 },
		NewID: func() string {
			mu.Lock()
			defer mu.Unlock()
			n++
			return fmt.Sprintf("%032x", n)
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
