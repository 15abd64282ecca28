// Package ecstest provides fixtures for tests of the ECS domain and the
// packages built on it, named like httptest and shaped like nomad's mock
// package: every function returns a fresh, canonical, valid value the
// caller may modify.
//
// All fixtures live in Scope (us-east-1, account 123456789012, the
// account of AWS's documentation examples), in the cluster "default", at
// the fixed time Now. IDs are deterministic so tests can spell them.
package ecstest

import (
	"fmt"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// Scope is the region and account of every fixture.
var Scope = ecs.Scope{Region: "us-east-1", Account: "123456789012"}

// ClusterName is the fixtures' cluster.
const ClusterName = ecs.DefaultClusterName

// Now is the time fixtures are created at.
var Now = time.Date(2026, time.January, 2, 3, 4, 5, 678_000_000, time.UTC)

// TargetGroupARN is the target group the reference service registers with.
const TargetGroupARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef"

// DeploymentID is the reference service's PRIMARY deployment.
const DeploymentID = "ecs-svc/1234567890123456789"

// TaskID is the ID of the reference task.
const TaskID = "53074e0156204f30a3cea97e7bf32d31"

// ContainerPort and HostPort are the reference task's port binding: the
// task definition maps 3000 dynamically and the task got 32768, the first
// dynamic port.
const (
	ContainerPort = 3000
	HostPort      = ecs.DynamicPortFirst
)

// Cluster returns the ACTIVE cluster "default".
func Cluster() *ecs.Cluster {
	c := &ecs.Cluster{
		ClusterName: ClusterName,
		ClusterARN:  Scope.ClusterARN(ClusterName),
	}
	c.Canonicalize()
	return c
}

// ContainerInstanceID returns the ID of container instance n: n as 32 hex
// digits.
func ContainerInstanceID(n int) string { return fmt.Sprintf("%032x", n) }

// EC2InstanceID returns the EC2 instance ID of container instance n.
func EC2InstanceID(n int) string { return fmt.Sprintf("i-%017x", n) }

// ContainerInstance returns container instance n (1-254): a t2.micro with
// its agent connected, address 127.0.10.n, in availability zone
// us-east-1a, b or c for n = 1, 2, 3, 4…
func ContainerInstance(n int) *ecs.ContainerInstance {
	ci := &ecs.ContainerInstance{
		ContainerInstanceARN: Scope.ContainerInstanceARN(ClusterName, ContainerInstanceID(n)),
		EC2InstanceID:        EC2InstanceID(n),
		Version:              1,
		VersionInfo:          ecs.VersionInfo{AgentVersion: "1.90.0", DockerVersion: "DockerVersion: 25.0.8"},
		AgentConnected:       true,
		Attributes: []ecs.Attribute{
			{Name: ecs.AttributeInstanceType, Value: "t2.micro"},
			{Name: ecs.AttributeAvailabilityZone, Value: "us-east-1" + string(rune('a'+(n-1)%3))},
		},
		RegisteredAt: ecs.At(Now),
		Address:      ecs.InstanceAddress(n),
	}
	ci.Canonicalize()
	return ci
}

// TaskDefinition returns the reference task definition api:1: container
// api, image api:v1, cpu 256, memory 256, containerPort 3000 on a dynamic
// host port, essential, registered at Now.
func TaskDefinition() *ecs.TaskDefinition {
	td := &ecs.TaskDefinition{
		Family: "api",
		ContainerDefinitions: []ecs.ContainerDefinition{{
			Name:         "api",
			Image:        "api:v1",
			CPU:          256,
			Memory:       ptr(256),
			PortMappings: []ecs.PortMapping{{ContainerPort: ContainerPort, HostPort: 0, Protocol: ecs.TransportProtocolTCP}},
			Essential:    ptr(true),
		}},
	}
	td.Canonicalize()
	td.Register(Scope.TaskDefinitionARN(td.Family, 1), 1, Now)
	return td
}

// Service returns the reference service api: desired 1 of api:1, its
// container api:3000 registered in TargetGroupARN, with one PRIMARY
// deployment DeploymentID in progress.
func Service() *ecs.Service {
	td := TaskDefinition()
	s := &ecs.Service{
		ServiceName:    "api",
		ServiceARN:     Scope.ServiceARN(ClusterName, "api"),
		ClusterARN:     Scope.ClusterARN(ClusterName),
		TaskDefinition: td.TaskDefinitionARN,
		DesiredCount:   1,
		LoadBalancers: []ecs.LoadBalancer{{
			TargetGroupARN: TargetGroupARN,
			ContainerName:  "api",
			ContainerPort:  ContainerPort,
		}},
		Deployments: []ecs.Deployment{ecs.NewDeployment(DeploymentID, td.TaskDefinitionARN, 1, Now)},
		CreatedAt:   ecs.At(Now),
		CreatedBy:   "arn:aws:iam::123456789012:root",
	}
	s.Canonicalize()
	return s
}

// Task returns the reference task of Service on ContainerInstance(1): api:1
// RUNNING, its container bound 3000 → HostPort.
func Task() *ecs.Task {
	td := TaskDefinition()
	ci := ContainerInstance(1)
	az, _ := ci.Attribute(ecs.AttributeAvailabilityZone)
	t := ecs.NewTask(td, ecs.NewTaskInput{
		TaskARN:              Scope.TaskARN(ClusterName, TaskID),
		ClusterARN:           Scope.ClusterARN(ClusterName),
		ContainerInstanceARN: ci.ContainerInstanceARN,
		AvailabilityZone:     az,
		ContainerARNs:        []string{Scope.ContainerARN(ClusterName, TaskID, "00000000-0000-0000-0000-000000000001")},
		Group:                "service:api",
		StartedBy:            DeploymentID,
		Now:                  Now,
	})
	t.Containers[0].LastStatus = ecs.ContainerStatusRunning
	t.Containers[0].NetworkBindings = []ecs.NetworkBinding{{
		BindIP: ecs.BindIPAny, ContainerPort: ContainerPort, HostPort: HostPort, Protocol: ecs.TransportProtocolTCP,
	}}
	if err := t.SetLastStatus(ecs.TaskStatusRunning, Now); err != nil {
		panic(err) // PENDING → RUNNING is always allowed
	}
	return t
}

func ptr[T any](v T) *T { return &v }
