package state

import (
	"reflect"
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func TestInstanceUsage(t *testing.T) {
	t.Parallel()
	st := newBaseStore(t)
	// api:2 maps 80 statically; a pending task of it holds 80, and a
	// stopped task of api:1 holds nothing.
	td2 := taskDefinition(2)
	td2.ContainerDefinitions[0].PortMappings[0].HostPort = 80
	stopped := taskN(3, tdARN1, "x")
	mustApply(t, st, RegisterTaskDefinition{td2}, UpsertTask{taskN(2, tdARN2, "x")}, UpsertTask{stopped})
	stopped.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
	mustApply(t, st, UpsertTask{stopped}, UpdateTaskLastStatus{TaskARN: stopped.TaskARN, LastStatus: ecs.TaskStatusStopped})

	u, ok := st.Snapshot().InstanceUsage(instanceARN)
	if !ok {
		t.Fatal("instance not found")
	}
	if u.CPU != 512 || u.Memory != 512 || u.Running != 1 || u.Pending != 1 {
		t.Fatalf("usage = cpu %d mem %d running %d pending %d; want 512 512 1 1", u.CPU, u.Memory, u.Running, u.Pending)
	}
	wantPorts := []ecs.HostPort{{Port: 80, Protocol: ecs.TransportProtocolTCP}, {Port: ecstest.HostPort, Protocol: ecs.TransportProtocolTCP}}
	if !reflect.DeepEqual(u.Ports, wantPorts) {
		t.Fatalf("ports = %v; want %v", u.Ports, wantPorts)
	}
	reg := ecstest.ContainerInstance(1).RegisteredResources
	if got, want := u.Remaining.Integer(ecs.ResourceCPU), reg.Integer(ecs.ResourceCPU)-512; got != want {
		t.Fatalf("remaining CPU = %d; want %d", got, want)
	}
	if got := u.Remaining.Ports(ecs.ResourcePorts); !containsInt(got, 80) || containsInt(got, ecstest.HostPort) {
		t.Fatalf("remaining PORTS = %v; want the static 80, not the dynamic port", got)
	}
	if _, ok := st.Snapshot().InstanceUsage(ecstest.ContainerInstance(7).ContainerInstanceARN); ok {
		t.Fatal("usage of an unknown instance")
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
