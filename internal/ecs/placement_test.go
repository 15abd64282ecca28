package ecs_test

import (
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func TestSpreadKey(t *testing.T) {
	ci := ecstest.ContainerInstance(2)
	for _, tt := range []struct {
		ps   ecs.PlacementStrategy
		want string
	}{
		{ecs.SpreadAZ, "us-east-1b"},
		{ecs.PlacementStrategy{Type: "spread", Field: "instanceId"}, ecstest.ContainerInstanceID(2)},
		{ecs.PlacementStrategy{Type: "spread", Field: "host"}, ecstest.ContainerInstanceID(2)},
		{ecs.PlacementStrategy{Type: "spread", Field: "attribute:rack"}, ""},
	} {
		if got := tt.ps.SpreadKey(ci); got != tt.want {
			t.Errorf("%+v: SpreadKey = %q; want %q", tt.ps, got, tt.want)
		}
	}
}

func TestConstraints(t *testing.T) {
	c, err := ecs.CompileConstraints([]ecs.PlacementConstraint{
		{Type: "distinctInstance"},
		{Type: "memberOf", Expression: "attribute:ecs.instance-type =~ t2.*"},
		{Type: "memberOf", Expression: "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		n      int
		groups []string
		detail string
	}{
		{"OK", 1, []string{"service:other"}, ""},
		{"Distinct", 1, []string{"service:api"}, ecs.ClosestMatchDistinctInstance},
		{"MemberOf", 3, nil, ecs.ClosestMatchMemberOf}, // us-east-1c
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Check(ecs.QueryInput{Instance: ecstest.ContainerInstance(tt.n), TaskGroups: tt.groups}, "service:api")
			switch {
			case tt.detail == "" && got != nil:
				t.Errorf("Check = %+v; want nil", got)
			case tt.detail != "" && (got == nil || got.Reason != ecs.PlacementFailureAttribute || got.Detail != tt.detail):
				t.Errorf("Check = %+v; want ATTRIBUTE %q", got, tt.detail)
			}
		})
	}
	if _, err := ecs.CompileConstraints([]ecs.PlacementConstraint{{Type: "memberOf", Expression: "nope"}}); err == nil {
		t.Error("CompileConstraints accepted a bad expression")
	}
	var none ecs.Constraints
	if none.Check(ecs.QueryInput{Instance: ecstest.ContainerInstance(1)}, "g") != nil {
		t.Error("empty constraints refused an instance")
	}
}
