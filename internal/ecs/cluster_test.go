package ecs_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func TestClusterCanonicalize(t *testing.T) {
	c := &ecs.Cluster{}
	c.Canonicalize()
	if c.ClusterName != "default" || c.Status != ecs.ClusterStatusActive || !c.Active() || c.Tags == nil {
		t.Errorf("Canonicalize = %+v", c)
	}
	b, _ := json.Marshal(ecstest.Cluster())
	want := `{"clusterArn":"arn:aws:ecs:us-east-1:123456789012:cluster/default","clusterName":"default","status":"ACTIVE",` +
		`"registeredContainerInstancesCount":0,"runningTasksCount":0,"pendingTasksCount":0,"activeServicesCount":0,"statistics":[],"tags":[]}`
	if string(b) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", b, want)
	}
}

var clusterValidateTests = []struct {
	name   string
	modify func(*ecs.Cluster)
	want   []string
}{
	{"OK", func(*ecs.Cluster) {}, nil},
	{"ErrName", func(c *ecs.Cluster) { c.ClusterName = "a/b" }, []string{`Cluster must match ^[a-zA-Z0-9\-_]{1,255}$, but was a/b`}},
	{"ErrNameLong", func(c *ecs.Cluster) { c.ClusterName = strings.Repeat("x", 256) },
		[]string{`Cluster must match ^[a-zA-Z0-9\-_]{1,255}$, but was ` + strings.Repeat("x", 256)}},
	{"ErrStatus", func(c *ecs.Cluster) { c.Status = "GONE" }, []string{"Invalid cluster status: GONE"}},
	{"ErrSettings", func(c *ecs.Cluster) {
		c.Settings = []ecs.ClusterSetting{{Name: "containerInsights", Value: "on"}, {Name: "logs", Value: "x"}, {Name: "containerInsights", Value: "enhanced"}}
	}, []string{"Invalid value for containerInsights: on", "Invalid cluster setting name: logs"}},
	{"ErrTags", func(c *ecs.Cluster) {
		for i := range 51 {
			c.Tags = append(c.Tags, ecs.Tag{Key: strings.Repeat("k", i+1), Value: "v"})
		}
		c.Tags[50] = ecs.Tag{Key: strings.Repeat("k", 129), Value: strings.Repeat("v", 257)}
	}, []string{"The number of tags exceeds the maximum of 50.",
		"Tag key '" + strings.Repeat("k", 129) + "' exceeds the maximum length of 128 characters.",
		"Tag value for key '" + strings.Repeat("k", 129) + "' exceeds the maximum length of 256 characters."}},
}

func TestClusterValidate(t *testing.T) {
	for _, tt := range clusterValidateTests {
		t.Run(tt.name, func(t *testing.T) {
			c := ecstest.Cluster()
			tt.modify(c)
			if got := messages(c.Validate()); !slices.Equal(got, tt.want) {
				t.Errorf("messages =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestClusterCopy(t *testing.T) {
	c := ecstest.Cluster()
	c.Tags = []ecs.Tag{{Key: "k", Value: "v"}}
	c.Settings = []ecs.ClusterSetting{{Name: "containerInsights", Value: "enabled"}}
	cp := c.Copy()
	if !reflect.DeepEqual(cp, c) {
		t.Fatal("Copy differs")
	}
	cp.Tags[0].Value, cp.Settings[0].Value = "x", "x"
	if c.Tags[0].Value != "v" || c.Settings[0].Value != "enabled" {
		t.Error("Copy shares slices")
	}
	if (*ecs.Cluster)(nil).Copy() != nil {
		t.Error("nil Copy")
	}
}
