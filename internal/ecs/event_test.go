package ecs_test

import (
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

const tgARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef"

// TestEventCatalogue pins every message of §9.8 (and the §9.2, §9.5, §9.7
// ones) character for character.
func TestEventCatalogue(t *testing.T) {
	const ci = "4b5ebcd3bb4a4c3e8d2dbd2c5e0dd1c5"
	more := " For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
	unable := "(service api) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance " + ci + ") "
	for _, tt := range []struct{ got, want string }{
		{ecs.EventSteadyState("api"), "(service api) has reached a steady state."},
		{ecs.EventStartedTasks("api", []string{"53074e0156204f30a3cea97e7bf32d31"}),
			"(service api) has started 1 tasks: (task 53074e0156204f30a3cea97e7bf32d31)."},
		{ecs.EventStartedTasks("api", []string{"a", "b"}), "(service api) has started 2 tasks: (task a) (task b)."},
		{ecs.EventStoppedRunningTasks("api", []string{"834a5628bef14f2dbb81c7bc0b272160"}),
			"(service api) has stopped 1 running tasks: (task 834a5628bef14f2dbb81c7bc0b272160)."},
		{ecs.EventRegisteredTargets("api", 1, tgARN), "(service api) registered 1 targets in (target-group " + tgARN + ")"},
		{ecs.EventDeregisteredTargets("api", 1, tgARN), "(service api) deregistered 1 targets in (target-group " + tgARN + ")"},
		{ecs.EventDrainingConnections("api", 1), "(service api) has begun draining connections on 1 tasks."},
		{ecs.EventDeploymentCompleted("api", "ecs-svc/4898377691688528528"),
			"(service api) (deployment ecs-svc/4898377691688528528) deployment completed."},
		{ecs.EventUnableToPlace("api", ci, ecs.ClosestMatchMemory), unable + "has insufficient memory available." + more},
		{ecs.EventUnableToPlace("api", ci, ecs.ClosestMatchCPU), unable + "has insufficient CPU units available." + more},
		{ecs.EventUnableToPlace("api", ci, ecs.ClosestMatchPort), unable + "is already using a port required by your task." + more},
		{ecs.EventUnableToPlace("api", ci, ecs.ClosestMatchNoAgent), unable + "doesn't have the agent connected." + more},
		{ecs.EventUnableToPlace("api", ci, ecs.ClosestMatchMemberOf), unable + `encountered error "MemberOf placement constraint unsatisfied."` + more},
		{ecs.EventUnableToPlace("api", ci, ecs.ClosestMatchAgentError), unable + `encountered error "AGENT".` + more},
		{ecs.EventUnableToPlaceNoInstances("api"),
			"(service api) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster." + more},
		{ecs.EventUnableToConsistentlyStart("api"), "(service api) is unable to consistently start tasks successfully."},
		{ecs.EventThrottled("api"), "(service api) operations are being throttled. Will try again later."},
		{ecs.EventDeploymentConfigurationBlocked("api"),
			"(service api) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."},
		{ecs.EventTargetUnhealthy("api", "t1", "i-0abc", 32768, tgARN, "Health checks failed with these codes: [503]"),
			"(service api) (task t1) (instance i-0abc) (port 32768) is unhealthy in (target-group " + tgARN + ") due to (reason Health checks failed with these codes: [503])"},
		{ecs.EventContainerHealthFailed("api", "t1"), "(service api) (task t1) failed container health checks."},
	} {
		if tt.got != tt.want {
			t.Errorf("got\n%s\nwant\n%s", tt.got, tt.want)
		}
	}
}

func TestClosestMatchClause(t *testing.T) {
	for r, want := range map[ecs.PlacementFailure]string{
		ecs.PlacementFailureCPU:       ecs.ClosestMatchCPU,
		ecs.PlacementFailureMemory:    ecs.ClosestMatchMemory,
		ecs.PlacementFailurePorts:     ecs.ClosestMatchPort,
		ecs.PlacementFailurePortsUDP:  ecs.ClosestMatchPort,
		ecs.PlacementFailureAgent:     ecs.ClosestMatchNoAgent,
		ecs.PlacementFailureAttribute: ecs.ClosestMatchMemberOf,
		ecs.PlacementFailureMissing:   ecs.ClosestMatchAgentError,
	} {
		if got := ecs.ClosestMatchClause(r); got != want {
			t.Errorf("ClosestMatchClause(%s) = %q; want %q", r, got, want)
		}
	}
}

func TestNewServiceEvent(t *testing.T) {
	now := time.UnixMilli(1450120209495)
	e := ecs.NewServiceEvent("id-1", now, ecs.EventSteadyState("api"))
	if e.ID != "id-1" || !e.CreatedAt.Equal(now) || e.Message != "(service api) has reached a steady state." {
		t.Errorf("event = %+v", e)
	}
}
