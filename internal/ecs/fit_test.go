package ecs_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func TestNewDemand(t *testing.T) {
	td := ecstest.TaskDefinition()
	td.ContainerDefinitions[0].PortMappings = append(td.ContainerDefinitions[0].PortMappings,
		ecs.PortMapping{ContainerPort: 80, HostPort: 80, Protocol: "tcp"},
		ecs.PortMapping{ContainerPort: 53, HostPort: 53, Protocol: "udp"})
	got := ecs.NewDemand(td)
	want := ecs.Demand{CPU: 256, Memory: 256, Ports: []ecs.HostPort{{80, "tcp"}, {53, "udp"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NewDemand = %+v; want %+v", got, want)
	}
}

// TestReserveRelease follows the DescribeContainerInstances example of
// §10.3: CPU 2048 / MEMORY 3768 / PORTS [2376 22 51678 2375]; a task of
// 100 CPU, 100 MiB and hostPort 80 leaves 1948 / 3668 / [... 80].
func TestReserveRelease(t *testing.T) {
	reg := ecs.NewResources(2048, 3768, []int{2376, 22, 51678, 2375}, nil)
	d := ecs.Demand{CPU: 100, Memory: 100, Ports: []ecs.HostPort{{80, "tcp"}}}
	rem := d.Reserve(reg)
	want := ecs.NewResources(1948, 3668, []int{2376, 22, 51678, 2375, 80}, nil)
	if !reflect.DeepEqual(rem, want) {
		t.Errorf("Reserve =\n%+v\nwant\n%+v", rem, want)
	}
	if reg.Integer(ecs.ResourceCPU) != 2048 || len(reg.Ports(ecs.ResourcePorts)) != 4 {
		t.Error("Reserve modified its input")
	}
	if back := d.Release(rem); !reflect.DeepEqual(back, reg) {
		t.Errorf("Release =\n%+v\nwant\n%+v", back, reg)
	}
}

func TestFit(t *testing.T) {
	ref := ecs.NewDemand(ecstest.TaskDefinition())
	for _, tt := range []struct {
		name   string
		modify func(*ecs.ContainerInstance, *ecs.Demand)
		reason ecs.PlacementFailure
		detail string
	}{
		{"OK", func(*ecs.ContainerInstance, *ecs.Demand) {}, "", ""},
		{"OKExactlyFull", func(ci *ecs.ContainerInstance, d *ecs.Demand) { d.CPU, d.Memory = 1024, 993 }, "", ""},
		{"Agent", func(ci *ecs.ContainerInstance, _ *ecs.Demand) { ci.AgentConnected = false },
			ecs.PlacementFailureAgent, "doesn't have the agent connected."},
		{"CPU", func(_ *ecs.ContainerInstance, d *ecs.Demand) { d.CPU = 1025 },
			ecs.PlacementFailureCPU, "has insufficient CPU units available."},
		{"Memory", func(_ *ecs.ContainerInstance, d *ecs.Demand) { d.Memory = 994 },
			ecs.PlacementFailureMemory, "has insufficient memory available."},
		{"ReservedPort", func(_ *ecs.ContainerInstance, d *ecs.Demand) { d.Ports = []ecs.HostPort{{22, "tcp"}} },
			ecs.PlacementFailurePorts, "is already using a port required by your task."},
		{"UDPPortFreeOnTCPReserved", func(_ *ecs.ContainerInstance, d *ecs.Demand) { d.Ports = []ecs.HostPort{{22, "udp"}} }, "", ""},
		{"UDPPortTaken", func(ci *ecs.ContainerInstance, d *ecs.Demand) {
			ci.RemainingResources = ecs.Demand{Ports: []ecs.HostPort{{53, "udp"}}}.Reserve(ci.RemainingResources)
			d.Ports = []ecs.HostPort{{53, "udp"}}
		}, ecs.PlacementFailurePortsUDP, "is already using a port required by your task."},
		{"TooManyReservedPorts", func(ci *ecs.ContainerInstance, d *ecs.Demand) {
			for p := 1000; p < 1095; p++ {
				d.Ports = append(d.Ports, ecs.HostPort{p, "tcp"})
			}
			d.Ports = append(d.Ports, ecs.HostPort{2000, "tcp"}) // 5 defaults + 96 = 101
		}, ecs.PlacementFailurePorts, "is already using a port required by your task."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ci, d := ecstest.ContainerInstance(1), ref
			tt.modify(ci, &d)
			err := d.Fit(ci)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Fit = %v; want nil", err)
				}
				return
			}
			if err == nil || err.Reason != tt.reason || err.Detail != tt.detail {
				t.Fatalf("Fit = %+v; want %s %q", err, tt.reason, tt.detail)
			}
			if !errors.Is(err, &ecs.PlacementError{Reason: tt.reason}) || err.Error() != "placement: "+string(tt.reason) {
				t.Errorf("errors.Is / Error() = %q", err.Error())
			}
		})
	}
}

func TestAssignHostPorts(t *testing.T) {
	td := ecstest.TaskDefinition()
	td.ContainerDefinitions[0].PortMappings = []ecs.PortMapping{
		{ContainerPort: 3000, Protocol: "tcp"},
		{ContainerPort: 80, HostPort: 8080, Protocol: "tcp"},
		{ContainerPort: 3001, Protocol: "udp"},
	}
	ci := ecstest.ContainerInstance(1)
	running := ecstest.Task() // holds 32768/tcp
	stopped := ecstest.Task()
	stopped.Containers[0].NetworkBindings[0].HostPort = 32769
	stopped.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
	if err := stopped.SetLastStatus(ecs.TaskStatusStopped, ecstest.Now); err != nil {
		t.Fatal(err)
	}
	used := ecs.PortsInUse(ci, []*ecs.Task{running, stopped})
	for _, hp := range []ecs.HostPort{{22, "tcp"}, {51679, "tcp"}, {32768, "tcp"}} {
		if !used[hp] {
			t.Errorf("PortsInUse lacks %v", hp)
		}
	}
	if used[ecs.HostPort{32769, "tcp"}] {
		t.Error("PortsInUse holds a STOPPED task's port")
	}

	got, next, err := ecs.AssignHostPorts(td, used, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]ecs.NetworkBinding{"api": {
		{BindIP: "0.0.0.0", ContainerPort: 3000, HostPort: 32769, Protocol: "tcp"}, // 32768 is taken
		{BindIP: "0.0.0.0", ContainerPort: 80, HostPort: 8080, Protocol: "tcp"},
		{BindIP: "0.0.0.0", ContainerPort: 3001, HostPort: 32770, Protocol: "udp"}, // the cursor moves on
	}}
	if !reflect.DeepEqual(got, want) || next != 32771 {
		t.Errorf("AssignHostPorts = %+v, %d; want %+v, 32771", got, next, want)
	}

	// A static port in the dynamic range is not handed to a dynamic
	// mapping listed before it.
	clash := ecstest.TaskDefinition()
	clash.ContainerDefinitions[0].PortMappings = []ecs.PortMapping{
		{ContainerPort: 1, Protocol: "tcp"}, {ContainerPort: 2, HostPort: 32768, Protocol: "tcp"},
	}
	got, _, err = ecs.AssignHostPorts(clash, map[ecs.HostPort]bool{}, 0)
	if err != nil || got["api"][0].HostPort != 32769 || got["api"][1].HostPort != 32768 {
		t.Errorf("static port in range: %+v, %v", got, err)
	}

	// The cursor wraps around the end of the range.
	one := ecstest.TaskDefinition()
	got, next, err = ecs.AssignHostPorts(one, map[ecs.HostPort]bool{}, ecs.DynamicPortLast)
	if err != nil || got["api"][0].HostPort != 60999 || next != 32768 {
		t.Errorf("at the end of the range: %+v, %d, %v", got, next, err)
	}

	// An exhausted range is RESOURCE:PORTS.
	full := map[ecs.HostPort]bool{}
	for p := ecs.DynamicPortFirst; p <= ecs.DynamicPortLast; p++ {
		full[ecs.HostPort{p, "tcp"}] = true
	}
	_, _, err = ecs.AssignHostPorts(one, full, 0)
	if !errors.Is(err, &ecs.PlacementError{Reason: ecs.PlacementFailurePorts}) {
		t.Errorf("exhausted range: err = %v", err)
	}
}
