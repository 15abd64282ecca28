package state

import (
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

func instance(n int, mut func(*ecs.ContainerInstance)) *ecs.ContainerInstance {
	ci := ecstest.ContainerInstance(n)
	mut(ci)
	return ci
}

func TestContainerInstanceOps(t *testing.T) {
	t.Parallel()
	stoppedTask := func() []Op {
		tk := ecstest.Task()
		tk.Stop(ecs.StopCodeUserInitiated, ecs.StoppedReasonUser)
		return []Op{UpsertTask{tk}, UpdateTaskLastStatus{TaskARN: taskARN, LastStatus: ecs.TaskStatusStopped}}
	}
	runOpCases(t, baseOps, []opCase{
		{name: "OK", ops: []Op{UpsertContainerInstance{ecstest.ContainerInstance(2)}}, check: func(t *testing.T, s *Snapshot) {
			if got := len(s.ContainerInstances(clusterARN, Page{})); got != 2 {
				t.Fatalf("instances = %d; want 2", got)
			}
			if got := s.ContainerInstance(ecstest.ContainerInstance(2).ContainerInstanceARN).Address; got != ecs.InstanceAddress(2) {
				t.Fatalf("address = %s", got)
			}
		}},
		{name: "Drain", ops: []Op{UpsertContainerInstance{instance(1, func(ci *ecs.ContainerInstance) {
			ci.Status = ecs.ContainerInstanceStatusDraining
			ci.Version++
		})}}},
		{name: "ErrInvalid", ops: []Op{UpsertContainerInstance{instance(2, func(ci *ecs.ContainerInstance) { ci.EC2InstanceID = "x" })}},
			want: ecs.CodeInvalidParameterException},
		{name: "ErrUnknownCluster", ops: []Op{UpsertContainerInstance{instance(2, func(ci *ecs.ContainerInstance) {
			ci.ContainerInstanceARN = ecstest.Scope.ContainerInstanceARN("nope", ecstest.ContainerInstanceID(2))
		})}}, want: ecs.CodeClusterNotFoundException},
		{name: "ErrShortARN", ops: []Op{UpsertContainerInstance{instance(2, func(ci *ecs.ContainerInstance) {
			ci.ContainerInstanceARN = "arn:aws:ecs:us-east-1:123456789012:container-instance/" + ecstest.ContainerInstanceID(2)
		})}}, want: ecs.CodeInvalidParameterException},
		{name: "ErrAddressInUse", ops: []Op{UpsertContainerInstance{instance(2, func(ci *ecs.ContainerInstance) {
			ci.Address = ecs.InstanceAddress(1)
		})}}, want: ecs.CodeInvalidParameterException},
		{name: "AddressFreeAfterDeregistration", setup: []Op{UpsertContainerInstance{instance(1, func(ci *ecs.ContainerInstance) {
			ci.Status = ecs.ContainerInstanceStatusInactive
		})}}, ops: []Op{UpsertContainerInstance{instance(2, func(ci *ecs.ContainerInstance) {
			ci.Address = ecs.InstanceAddress(1)
		})}}},
		{name: "DeleteErrHasTasks", setup: stoppedTask(), ops: []Op{DeleteContainerInstance{instanceARN}},
			want: ecs.CodeInvalidParameterException},
		{name: "DeleteOK", setup: stoppedTask(), ops: []Op{DeleteTask{taskARN}, DeleteContainerInstance{instanceARN}},
			check: func(t *testing.T, s *Snapshot) {
				if s.ContainerInstance(instanceARN) != nil || s.Task(taskARN) != nil {
					t.Fatal("instance or task still there")
				}
			}},
		{name: "DeleteErrUnknown", ops: []Op{DeleteContainerInstance{ecstest.ContainerInstance(9).ContainerInstanceARN}},
			want: ecs.CodeInvalidParameterException},
	})
}
