package ecs

import (
	"errors"
	"fmt"
	"strings"
)

// ECS exception codes, exactly the list of §11.2. The awsJson1_1 protocol puts
// them in "__type" with the "Exception" suffix kept. All are client errors
// (HTTP 400) except CodeServerException, the only fault (500); the table from
// code to HTTP status lives in awsapi, not here.
const (
	CodeClientException                                = "ClientException"
	CodeServerException                                = "ServerException"
	CodeInvalidParameterException                      = "InvalidParameterException"
	CodeClusterNotFoundException                       = "ClusterNotFoundException"
	CodeServiceNotFoundException                       = "ServiceNotFoundException"
	CodeServiceNotActiveException                      = "ServiceNotActiveException"
	CodeAccessDeniedException                          = "AccessDeniedException"
	CodeLimitExceededException                         = "LimitExceededException"
	CodeResourceInUseException                         = "ResourceInUseException"
	CodeResourceNotFoundException                      = "ResourceNotFoundException"
	CodeTargetNotFoundException                        = "TargetNotFoundException"
	CodeTaskSetNotFoundException                       = "TaskSetNotFoundException"
	CodeUnsupportedFeatureException                    = "UnsupportedFeatureException"
	CodePlatformUnknownException                       = "PlatformUnknownException"
	CodePlatformTaskDefinitionIncompatibilityException = "PlatformTaskDefinitionIncompatibilityException"
	CodeAttributeLimitExceededException                = "AttributeLimitExceededException"
	CodeBlockedException                               = "BlockedException"
	CodeConflictException                              = "ConflictException"
	CodeUpdateInProgressException                      = "UpdateInProgressException"
	CodeNoUpdateAvailableException                     = "NoUpdateAvailableException"
	CodeMissingVersionException                        = "MissingVersionException"
	CodeNamespaceNotFoundException                     = "NamespaceNotFoundException"
	CodeClusterContainsContainerInstancesException     = "ClusterContainsContainerInstancesException"
	CodeClusterContainsServicesException               = "ClusterContainsServicesException"
	CodeClusterContainsTasksException                  = "ClusterContainsTasksException"
	CodeClusterContainsCapacityProviderException       = "ClusterContainsCapacityProviderException"
	CodeTargetNotConnectedException                    = "TargetNotConnectedException"
)

// Error is an ECS error: an exception code from the list above and a message
// meant for the API caller. Anything that is not an *Error is an internal
// problem that ErrorCode reports as ServerException.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface as "Code: Message", the form the AWS
// CLI prints.
func (e *Error) Error() string {
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NewInvalidParameter returns an InvalidParameterException with the
// formatted message.
func NewInvalidParameter(format string, args ...any) *Error {
	return Errorf(CodeInvalidParameterException, format, args...)
}

// NewClientException returns a ClientException with the formatted message.
// ECS uses it for task definition problems (RegisterTaskDefinition,
// DescribeTaskDefinition, §11.2).
func NewClientException(format string, args ...any) *Error {
	return Errorf(CodeClientException, format, args...)
}

// NewClusterNotFound returns ClusterNotFoundException "Cluster not found."
// (§11.2).
func NewClusterNotFound() *Error {
	return Errorf(CodeClusterNotFoundException, "Cluster not found.")
}

// NewServiceNotFound returns ServiceNotFoundException "Service not found."
// (§11.2).
func NewServiceNotFound() *Error {
	return Errorf(CodeServiceNotFoundException, "Service not found.")
}

// NewServiceNotActive returns ServiceNotActiveException "Service was not
// ACTIVE." (§11.2 marks the text unconfirmed).
func NewServiceNotActive() *Error {
	return Errorf(CodeServiceNotActiveException, "Service was not ACTIVE.")
}

// NewClusterContainsServices returns the DeleteCluster error for a cluster
// with ACTIVE or DRAINING services. The three ClusterContains* messages are
// the texts real ECS returns, as quoted in public issue reports (the spec
// names only the codes).
func NewClusterContainsServices() *Error {
	return Errorf(CodeClusterContainsServicesException, "The Cluster cannot be deleted while Services are active.")
}

// NewClusterContainsTasks returns the DeleteCluster error for a cluster with
// tasks that are not STOPPED.
func NewClusterContainsTasks() *Error {
	return Errorf(CodeClusterContainsTasksException, "The Cluster cannot be deleted while Tasks are active.")
}

// NewClusterContainsContainerInstances returns the DeleteCluster error for a
// cluster with registered (ACTIVE or DRAINING) container instances.
func NewClusterContainsContainerInstances() *Error {
	return Errorf(CodeClusterContainsContainerInstancesException, "The Cluster cannot be deleted while Container Instances are active or draining.")
}

// Request errors whose wording the spec quotes (§11.4, §10.1, observed ECS
// output). Control detects the conditions; the texts live here so every
// caller words them the same way.

// NewServiceNotIdempotent is CreateService for a name that is ACTIVE with
// different parameters.
func NewServiceNotIdempotent() *Error {
	return NewInvalidParameter("Creation of service was not idempotent.")
}

// NewServiceStillDraining is CreateService for a name whose service is
// still DRAINING.
func NewServiceStillDraining() *Error {
	return NewInvalidParameter("Unable to Start a service that is still Draining.")
}

// NewServiceScaledAboveZero is DeleteService without force for a service
// with desiredCount > 0.
func NewServiceScaledAboveZero() *Error {
	return NewInvalidParameter("The service cannot be stopped while it is scaled above 0.")
}

// NewTargetGroupWithoutLoadBalancer is CreateService with a target group
// that no listener uses.
func NewTargetGroupWithoutLoadBalancer(targetGroupARN string) *Error {
	return NewInvalidParameter("The target group with targetGroupArn %s does not have an associated load balancer.", targetGroupARN)
}

// NewTargetGroupIncompatible is CreateService with an ip target group for
// a bridge task definition.
func NewTargetGroupIncompatible(targetGroupARN, targetType string, mode NetworkMode) *Error {
	return NewInvalidParameter("The provided target group %s has target type %s, which is incompatible with the %s network mode specified in the task definition.", targetGroupARN, targetType, mode)
}

// NewNoContainerInstances is RunTask in a cluster without container
// instances.
func NewNoContainerInstances() *Error {
	return NewInvalidParameter("No Container Instances were found in your cluster.")
}

// NewTaskDefinitionInactive is RunTask or CreateService with an INACTIVE
// task definition (wording unconfirmed).
func NewTaskDefinitionInactive() *Error {
	return NewClientException("TaskDefinition is inactive")
}

// NewServerException returns the generic server fault. Its message never
// carries internal detail; log that instead (STYLE.md §4).
func NewServerException() *Error {
	return Errorf(CodeServerException, "Service Unavailable. Please try again later.")
}

// ErrorCode returns the code of the first *Error found in err's tree (errors.As
// walks errors.Join and %w wraps), "" for nil, and CodeServerException for any
// other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeServerException
}

// ErrorMessage returns the message for the API caller: the messages of every
// *Error in err's tree joined by " " (Validate gathers several problems and
// each ECS message is a sentence ending in a period), "" for nil, and a
// generic text for errors that are not *Error, whose detail must be logged
// rather than shown.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var msgs []string
	collectMessages(err, &msgs)
	if len(msgs) == 0 {
		return NewServerException().Message
	}
	return strings.Join(msgs, " ")
}

// collectMessages walks err depth-first in the order errors.Join keeps.
func collectMessages(err error, msgs *[]string) {
	if e, ok := err.(*Error); ok {
		*msgs = append(*msgs, e.Message)
		return
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			collectMessages(inner, msgs)
		}
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			collectMessages(inner, msgs)
		}
	}
}
