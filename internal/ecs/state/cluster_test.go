package state

import (
	"strings"
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func cluster(mut func(*ecs.Cluster)) *ecs.Cluster {
	c := ecstest.Cluster()
	mut(c)
	return c
}

func TestClusterOps(t *testing.T) {
	t.Parallel()
	stopTask := func() []Op {
		tk := ecstest.Task()
		tk.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
		return []Op{UpsertTask{tk}, UpdateTaskLastStatus{TaskARN: taskARN, LastStatus: ecs.TaskStatusStopped}}
	}
	drained := func() []Op {
		svc := ecstest.Service()
		svc.Status = ecs.ServiceStatusInactive
		ci := ecstest.ContainerInstance(1)
		ci.Status = ecs.ContainerInstanceStatusInactive
		return append(stopTask(), UpsertService{svc}, UpsertContainerInstance{ci})
	}
	runOpCases(t, baseOps, []opCase{
		{name: "OK", ops: []Op{UpsertCluster{cluster(func(c *ecs.Cluster) {
			c.Settings = []ecs.ClusterSetting{{Name: "containerInsights", Value: "enabled"}}
		})}}, check: func(t *testing.T, s *Snapshot) {
			if got := s.ClusterByName(ecstest.ClusterName).Settings; len(got) != 1 {
				t.Fatalf("settings = %v", got)
			}
		}},
		{name: "ErrInvalid", ops: []Op{UpsertCluster{cluster(func(c *ecs.Cluster) { c.ClusterName = "bad name" })}},
			want: ecs.CodeInvalidParameterException},
		{name: "ErrARNNamesAnotherCluster", ops: []Op{UpsertCluster{cluster(func(c *ecs.Cluster) { c.ClusterName = "other" })}},
			want: ecs.CodeInvalidParameterException},
		{name: "ErrInactiveByUpsert", ops: []Op{UpsertCluster{cluster(func(c *ecs.Cluster) { c.Status = ecs.ClusterStatusInactive })}},
			want: ecs.CodeInvalidParameterException},
		{name: "DeleteErrContainsServices", ops: []Op{DeleteCluster{clusterARN}},
			want: ecs.CodeClusterContainsServicesException},
		{name: "DeleteErrContainsTasks", setup: func() []Op {
			svc := ecstest.Service()
			svc.Status = ecs.ServiceStatusInactive
			return []Op{UpsertService{svc}}
		}(), ops: []Op{DeleteCluster{clusterARN}}, want: ecs.CodeClusterContainsTasksException},
		{name: "DeleteErrContainsInstances", setup: func() []Op {
			svc := ecstest.Service()
			svc.Status = ecs.ServiceStatusInactive
			return append(stopTask(), UpsertService{svc})
		}(), ops: []Op{DeleteCluster{clusterARN}}, want: ecs.CodeClusterContainsContainerInstancesException},
		{name: "DeleteOK", setup: drained(), ops: []Op{DeleteCluster{clusterARN}}, check: func(t *testing.T, s *Snapshot) {
			if got := s.Cluster(clusterARN).Status; got != ecs.ClusterStatusInactive {
				t.Fatalf("status = %s; want INACTIVE", got)
			}
		}},
		{name: "DeleteErrUnknown", ops: []Op{DeleteCluster{ecstest.Scope.ClusterARN("nope")}},
			want: ecs.CodeClusterNotFoundException},
		{name: "DeleteErrAlreadyInactive", setup: append(drained(), DeleteCluster{clusterARN}),
			ops: []Op{DeleteCluster{clusterARN}}, want: ecs.CodeClusterNotFoundException},
		{name: "RecreateAfterDelete", setup: append(drained(), DeleteCluster{clusterARN}),
			ops: []Op{UpsertCluster{ecstest.Cluster()}}, check: func(t *testing.T, s *Snapshot) {
				if !s.Cluster(clusterARN).Active() {
					t.Fatal("cluster not ACTIVE again")
				}
			}},
		{name: "InactiveClusterRefusesInstances", setup: append(drained(), DeleteCluster{clusterARN}),
			ops: []Op{UpsertContainerInstance{ecstest.ContainerInstance(2)}}, want: ecs.CodeClusterNotFoundException},
	})
}

func TestClusterListing(t *testing.T) {
	t.Parallel()
	st := NewStore()
	var ops []Op
	for _, n := range []string{"c", "a", "b", "default"} {
		ops = append(ops, UpsertCluster{cluster(func(c *ecs.Cluster) {
			c.ClusterName, c.ClusterARN = n, ecstest.Scope.ClusterARN(n)
		})})
	}
	mustApply(t, st, ops...)
	s := st.Snapshot()
	var names []string
	for _, c := range s.Clusters(Page{}) {
		names = append(names, c.ClusterName)
	}
	if want := "a b c default"; strings.Join(names, " ") != want {
		t.Fatalf("clusters = %s; want %s", strings.Join(names, " "), want)
	}
	p1 := s.Clusters(Page{Limit: 2})
	p2 := s.Clusters(Page{After: p1[1].ClusterARN, Limit: 2})
	if len(p1) != 2 || len(p2) != 2 || p2[0].ClusterName != "c" || p2[1].ClusterName != "default" {
		t.Fatalf("pages = %v %v", p1, p2)
	}
	if got := s.Clusters(Page{After: p2[1].ClusterARN}); len(got) != 0 {
		t.Fatalf("page after the last = %v; want none", got)
	}
	if s.ClusterByName("b") == nil || s.ClusterByName("zz") != nil {
		t.Fatal("ClusterByName")
	}
}
