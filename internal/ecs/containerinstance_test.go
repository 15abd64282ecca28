package ecs_test

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func TestContainerInstanceCanonicalize(t *testing.T) {
	ci := &ecs.ContainerInstance{EC2InstanceID: "i-0123456789abcdef0",
		Attributes: []ecs.Attribute{{Name: ecs.AttributeInstanceType, Value: "t2.medium"}}}
	ci.Canonicalize()
	if ci.Status != ecs.ContainerInstanceStatusActive {
		t.Errorf("Status = %s", ci.Status)
	}
	for name, want := range map[string]string{"ecs.instance-type": "t2.medium", "ecs.os-type": "linux", "ecs.os-family": "LINUX", "ecs.cpu-architecture": "x86_64"} {
		if got, ok := ci.Attribute(name); !ok || got != want {
			t.Errorf("attribute %s = %q, %v; want %q", name, got, ok, want)
		}
	}
	want := ecs.NewResources(2048, 3952, []int{22, 2375, 2376, 51678, 51679}, []int{})
	if !reflect.DeepEqual(ci.RegisteredResources, want) || !reflect.DeepEqual(ci.RemainingResources, want) {
		t.Errorf("resources = %+v / %+v", ci.RegisteredResources, ci.RemainingResources)
	}
	ci.RemainingResources[0].IntegerValue = 1
	if ci.RegisteredResources[0].IntegerValue != 2048 {
		t.Error("remaining shares registered")
	}
	if err := ci.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// TestContainerInstanceJSON checks the wire shape: the resource list as the
// DescribeContainerInstances example writes it, and no local address.
func TestContainerInstanceJSON(t *testing.T) {
	b, err := json.Marshal(ecstest.ContainerInstance(3))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		`"ec2InstanceId":"i-00000000000000003"`,
		`{"name":"CPU","type":"INTEGER","doubleValue":0,"longValue":0,"integerValue":1024}`,
		`{"name":"PORTS","type":"STRINGSET","doubleValue":0,"longValue":0,"integerValue":0,"stringSetValue":["22","2375","2376","51678","51679"]}`,
		`{"name":"ecs.availability-zone","value":"us-east-1c"}`,
		`"agentConnected":true`,
		`"registeredAt":1767323045.678`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "127.0.10") {
		t.Errorf("local address on the wire: %s", s)
	}
	var back ecs.ContainerInstance
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	back.Address = ecs.InstanceAddress(3)
	if !reflect.DeepEqual(&back, ecstest.ContainerInstance(3)) {
		t.Errorf("round trip differs:\n%+v", back)
	}
}

var containerInstanceValidateTests = []struct {
	name   string
	modify func(*ecs.ContainerInstance)
	want   []string
	code   string
}{
	{"OK", func(*ecs.ContainerInstance) {}, nil, ""},
	{"ErrEC2ID", func(ci *ecs.ContainerInstance) { ci.EC2InstanceID = "i-123" }, []string{"Invalid EC2 instance ID: i-123"}, ""},
	{"ErrStatus", func(ci *ecs.ContainerInstance) { ci.Status = "ON" },
		[]string{"Container instance status should be one of [ACTIVE, DRAINING], but was ON"}, ""},
	{"ErrAttributes", func(ci *ecs.ContainerInstance) {
		ci.Attributes = append(ci.Attributes, ecs.Attribute{Name: "bad name", Value: " padded"})
	}, []string{
		"Attribute name 'bad name' is invalid. Names can contain up to 128 letters, numbers, hyphens, underscores, periods and forward slashes.",
		"Attribute value ' padded' is invalid. Values can contain up to 128 characters and cannot begin or end with whitespace.",
	}, ""},
	{"ErrTooManyAttributes", func(ci *ecs.ContainerInstance) {
		for i := range 11 {
			ci.Attributes = append(ci.Attributes, ecs.Attribute{Name: "custom" + string(rune('a'+i)), Value: "v"})
		}
	}, []string{"You can have up to 10 custom attributes per resource."}, "AttributeLimitExceededException"},
	{"ErrResources", func(ci *ecs.ContainerInstance) {
		ci.RemainingResources[0].IntegerValue = 2000
		ci.RemainingResources[1].IntegerValue = -1
	}, []string{"Resource MEMORY cannot be negative: -1", "Remaining CPU exceeds registered CPU."}, ""},
	{"ErrAddress", func(ci *ecs.ContainerInstance) { ci.Address = netip.MustParseAddr("127.0.0.1") },
		[]string{"Container instance address 127.0.0.1 is not in 127.0.10.1-254."}, ""},
}

func TestContainerInstanceValidate(t *testing.T) {
	for _, tt := range containerInstanceValidateTests {
		t.Run(tt.name, func(t *testing.T) {
			ci := ecstest.ContainerInstance(1)
			tt.modify(ci)
			err := ci.Validate()
			if got := messages(err); !slices.Equal(got, tt.want) {
				t.Errorf("messages =\n%q\nwant\n%q", got, tt.want)
			}
			if tt.code != "" && ecs.ErrorCode(err) != tt.code {
				t.Errorf("code = %s; want %s", ecs.ErrorCode(err), tt.code)
			}
		})
	}
}

func TestContainerInstanceHelpers(t *testing.T) {
	ci := ecstest.ContainerInstance(2)
	if ci.ID() != ecstest.ContainerInstanceID(2) || ci.Address != netip.MustParseAddr("127.0.10.2") {
		t.Errorf("ID, Address = %s, %s", ci.ID(), ci.Address)
	}
	if !ci.Schedulable() {
		t.Error("Schedulable = false")
	}
	ci.Status = ecs.ContainerInstanceStatusDraining
	if ci.Schedulable() {
		t.Error("DRAINING instance schedulable")
	}
	ci.Status, ci.AgentConnected = ecs.ContainerInstanceStatusActive, false
	if ci.Schedulable() {
		t.Error("instance without agent schedulable")
	}
	c := ci.Copy()
	c.Attributes[0].Value = "x"
	c.RemainingResources[2].StringSetValue[0] = "x"
	if ci.Attributes[0].Value == "x" || ci.RemainingResources[2].StringSetValue[0] == "x" {
		t.Error("Copy shares slices")
	}
	if (*ecs.ContainerInstance)(nil).Copy() != nil {
		t.Error("nil Copy")
	}
}

func TestPlacementStrategy(t *testing.T) {
	if a, ok := ecs.SpreadAZ.SpreadAttribute(); !ok || a != "ecs.availability-zone" {
		t.Errorf("SpreadAZ attribute = %q, %v", a, ok)
	}
	for _, ps := range []ecs.PlacementStrategy{{Type: "spread", Field: "instanceId"}, {Type: "binpack", Field: "cpu"}} {
		if _, ok := ps.SpreadAttribute(); ok {
			t.Errorf("%+v has a spread attribute", ps)
		}
		if err := ps.Validate(); err != nil {
			t.Errorf("%+v: %v", ps, err)
		}
	}
}
