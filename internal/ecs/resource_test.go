package ecs_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// TestInstanceTypes pins the §10.3 table.
func TestInstanceTypes(t *testing.T) {
	want := map[string]ecs.InstanceType{
		"t2.micro": {CPU: 1024, Memory: 993}, "t2.small": {CPU: 1024, Memory: 2001},
		"t2.medium": {CPU: 2048, Memory: 3952}, "t2.large": {CPU: 2048, Memory: 7984},
		"m4.large": {CPU: 2048, Memory: 7985},
	}
	if !reflect.DeepEqual(ecs.InstanceTypes, want) {
		t.Errorf("InstanceTypes = %v", ecs.InstanceTypes)
	}
	if !slices.Equal(ecs.ReservedPorts, []int{22, 2375, 2376, 51678, 51679}) || len(ecs.ReservedPortsUDP) != 0 {
		t.Errorf("reserved ports %v %v", ecs.ReservedPorts, ecs.ReservedPortsUDP)
	}
	if ecs.DynamicPortFirst != 32768 || ecs.DynamicPortLast != 60999 {
		t.Error("dynamic port range")
	}
}

func TestResources(t *testing.T) {
	rs := ecs.NewResources(1024, 993, ecs.ReservedPorts, ecs.ReservedPortsUDP)
	if rs.Integer(ecs.ResourceCPU) != 1024 || rs.Integer(ecs.ResourceMemory) != 993 || rs.Integer("GPU") != 0 {
		t.Errorf("Integer: %+v", rs)
	}
	if got := rs.Ports(ecs.ResourcePorts); !slices.Equal(got, []int{22, 2375, 2376, 51678, 51679}) {
		t.Errorf("Ports = %v", got)
	}
	if rs.Ports("NOPE") != nil {
		t.Error("Ports of a missing resource")
	}
	c := rs.Copy()
	c[2].StringSetValue[0] = "x"
	if rs[2].StringSetValue[0] != "22" {
		t.Error("Copy shares StringSetValue")
	}
	if ecs.Resources(nil).Copy() != nil {
		t.Error("nil Copy")
	}
}
