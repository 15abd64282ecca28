package ecs_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

func TestErrorConstructors(t *testing.T) {
	for _, tt := range []struct {
		err           *ecs.Error
		code, message string
	}{
		{ecs.NewClusterNotFound(), "ClusterNotFoundException", "Cluster not found."},
		{ecs.NewServiceNotFound(), "ServiceNotFoundException", "Service not found."},
		{ecs.NewServiceNotActive(), "ServiceNotActiveException", "Service was not ACTIVE."},
		{ecs.NewClusterContainsServices(), "ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active."},
		{ecs.NewClusterContainsTasks(), "ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active."},
		{ecs.NewClusterContainsContainerInstances(), "ClusterContainsContainerInstancesException", "The Cluster cannot be deleted while Container Instances are active or draining."},
		{ecs.NewTaskDefinitionNotFound(), "ClientException", "Unable to describe task definition."},
		{ecs.NewInvalidParameter("x %d", 1), "InvalidParameterException", "x 1"},
		{ecs.NewClientException("y"), "ClientException", "y"},
		{ecs.NewServiceNotIdempotent(), "InvalidParameterException", "Creation of service was not idempotent."},
		{ecs.NewServiceStillDraining(), "InvalidParameterException", "Unable to Start a service that is still Draining."},
		{ecs.NewServiceScaledAboveZero(), "InvalidParameterException", "The service cannot be stopped while it is scaled above 0."},
		{ecs.NewTargetGroupWithoutLoadBalancer("arn:tg"), "InvalidParameterException", "The target group with targetGroupArn arn:tg does not have an associated load balancer."},
		{ecs.NewTargetGroupIncompatible("arn:tg", "ip", ecs.NetworkModeBridge), "InvalidParameterException",
			"The provided target group arn:tg has target type ip, which is incompatible with the bridge network mode specified in the task definition."},
		{ecs.NewNoContainerInstances(), "InvalidParameterException", "No Container Instances were found in your cluster."},
		{ecs.NewTaskDefinitionInactive(), "ClientException", "TaskDefinition is inactive"},
		{ecs.NewServerException(), "ServerException", "Service Unavailable. Please try again later."},
	} {
		if tt.err.Code != tt.code || tt.err.Message != tt.message {
			t.Errorf("got %s: %q; want %s: %q", tt.err.Code, tt.err.Message, tt.code, tt.message)
		}
		if got := tt.err.Error(); got != tt.code+": "+tt.message {
			t.Errorf("Error() = %q", got)
		}
	}
}

func TestErrorCodeMessage(t *testing.T) {
	joined := errors.Join(ecs.NewClientException("First."), fmt.Errorf("wrapped: %w", ecs.NewInvalidParameter("Second.")))
	for _, tt := range []struct {
		name          string
		err           error
		code, message string
	}{
		{"Nil", nil, "", ""},
		{"Plain", ecs.NewClusterNotFound(), "ClusterNotFoundException", "Cluster not found."},
		{"Wrapped", fmt.Errorf("describe: %w", ecs.NewServiceNotFound()), "ServiceNotFoundException", "Service not found."},
		{"Joined", joined, "ClientException", "First. Second."},
		{"Internal", errors.New("disk on fire"), "ServerException", "Service Unavailable. Please try again later."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ecs.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q; want %q", got, tt.code)
			}
			if got := ecs.ErrorMessage(tt.err); got != tt.message {
				t.Errorf("ErrorMessage = %q; want %q", got, tt.message)
			}
		})
	}
}
