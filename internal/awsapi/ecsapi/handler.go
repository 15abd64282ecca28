package ecsapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/control"
)

// Wire constants of the ECS JSON 1.1 API (§11.1).
const (
	// TargetPrefix is the X-Amz-Target prefix before ".<Operation>".
	TargetPrefix = "AmazonEC2ContainerServiceV20141113"
	// SigningName is the SigV4 service name and endpoint prefix.
	SigningName = "ecs"
	// FaultCode is the ECS server fault, the only exception with HTTP 500.
	FaultCode = ecs.CodeServerException
)

// Controller is what the API needs of the ECS control plane: one method per
// ECS operation, shaped like *control.Controller's, which satisfies it.
type Controller interface {
	CreateCluster(context.Context, control.CreateClusterInput) (*control.CreateClusterOutput, error)
	DescribeClusters(context.Context, control.DescribeClustersInput) (*control.DescribeClustersOutput, error)
	ListClusters(context.Context, control.ListClustersInput) (*control.ListClustersOutput, error)
	DeleteCluster(context.Context, control.DeleteClusterInput) (*control.DeleteClusterOutput, error)

	RegisterContainerInstance(context.Context, control.RegisterContainerInstanceInput) (*control.RegisterContainerInstanceOutput, error)
	ListContainerInstances(context.Context, control.ListContainerInstancesInput) (*control.ListContainerInstancesOutput, error)
	DescribeContainerInstances(context.Context, control.DescribeContainerInstancesInput) (*control.DescribeContainerInstancesOutput, error)
	UpdateContainerInstancesState(context.Context, control.UpdateContainerInstancesStateInput) (*control.UpdateContainerInstancesStateOutput, error)
	DeregisterContainerInstance(context.Context, control.DeregisterContainerInstanceInput) (*control.DeregisterContainerInstanceOutput, error)

	RegisterTaskDefinition(context.Context, control.RegisterTaskDefinitionInput) (*control.RegisterTaskDefinitionOutput, error)
	DescribeTaskDefinition(context.Context, control.DescribeTaskDefinitionInput) (*control.DescribeTaskDefinitionOutput, error)
	ListTaskDefinitions(context.Context, control.ListTaskDefinitionsInput) (*control.ListTaskDefinitionsOutput, error)
	ListTaskDefinitionFamilies(context.Context, control.ListTaskDefinitionFamiliesInput) (*control.ListTaskDefinitionFamiliesOutput, error)
	DeregisterTaskDefinition(context.Context, control.DeregisterTaskDefinitionInput) (*control.DeregisterTaskDefinitionOutput, error)

	CreateService(context.Context, control.CreateServiceInput) (*control.ServiceOutput, error)
	UpdateService(context.Context, control.UpdateServiceInput) (*control.ServiceOutput, error)
	DescribeServices(context.Context, control.DescribeServicesInput) (*control.DescribeServicesOutput, error)
	ListServices(context.Context, control.ListServicesInput) (*control.ListServicesOutput, error)
	DeleteService(context.Context, control.DeleteServiceInput) (*control.ServiceOutput, error)

	RunTask(context.Context, control.RunTaskInput) (*control.RunTaskOutput, error)
	StopTask(context.Context, control.StopTaskInput) (*control.StopTaskOutput, error)
	DescribeTasks(context.Context, control.DescribeTasksInput) (*control.DescribeTasksOutput, error)
	ListTasks(context.Context, control.ListTasksInput) (*control.ListTasksOutput, error)

	TagResource(context.Context, control.TagResourceInput) (struct{}, error)
	UntagResource(context.Context, control.UntagResourceInput) (struct{}, error)
	ListTagsForResource(context.Context, control.ListTagsForResourceInput) (*control.ListTagsForResourceOutput, error)
}

var _ Controller = (*control.Controller)(nil)

// Service mounts the ECS API over c on an awsapi.Server.
func Service(c Controller) awsapi.JSONService {
	return awsapi.JSONService{TargetPrefix: TargetPrefix, SigningName: SigningName, FaultCode: FaultCode, Handler: Handler(c)}
}

// Handler returns the table of ECS operations over c. It holds no state of
// its own and is safe for concurrent use if c is. An operation not in the
// table is UnknownOperationException (§11.1).
func Handler(c Controller) *awsapi.JSONOps {
	return &awsapi.JSONOps{
		Ops: map[string]awsapi.JSONOp{
			"CreateCluster":    op(c.CreateCluster),
			"DescribeClusters": op(c.DescribeClusters),
			"ListClusters":     op(c.ListClusters),
			"DeleteCluster":    op(c.DeleteCluster),

			"RegisterContainerInstance":     op(c.RegisterContainerInstance),
			"ListContainerInstances":        op(c.ListContainerInstances),
			"DescribeContainerInstances":    op(c.DescribeContainerInstances),
			"UpdateContainerInstancesState": op(c.UpdateContainerInstancesState),
			"DeregisterContainerInstance":   op(c.DeregisterContainerInstance),

			"RegisterTaskDefinition":     op(c.RegisterTaskDefinition),
			"DescribeTaskDefinition":     op(c.DescribeTaskDefinition),
			"ListTaskDefinitions":        op(c.ListTaskDefinitions),
			"ListTaskDefinitionFamilies": op(c.ListTaskDefinitionFamilies),
			"DeregisterTaskDefinition":   op(c.DeregisterTaskDefinition),

			"CreateService":    op(c.CreateService),
			"UpdateService":    op(c.UpdateService),
			"DescribeServices": op(c.DescribeServices),
			"ListServices":     op(c.ListServices),
			"DeleteService":    op(c.DeleteService),

			"RunTask":       op(c.RunTask),
			"StopTask":      op(c.StopTask),
			"DescribeTasks": op(c.DescribeTasks),
			"ListTasks":     op(c.ListTasks),

			"TagResource":         op(c.TagResource),
			"UntagResource":       op(c.UntagResource),
			"ListTagsForResource": op(c.ListTagsForResource),
		},
		Errors: awsError,
	}
}

// op adapts a control operation, which takes its input by value, to an
// awsapi.JSONOp: awsapi.Op decodes the body (unknown members ignored, as
// AWS ignores them; a wrong type is SerializationException) and the output
// is encoded here, without null members, so the server sends it as is.
func op[In, Out any](f func(context.Context, In) (Out, error)) awsapi.JSONOp {
	return awsapi.Op(func(ctx context.Context, in *In) (*rawJSON, error) {
		out, err := f(ctx, *in)
		if err != nil {
			return nil, err
		}
		b, err := encode(out)
		if err != nil {
			return nil, fmt.Errorf("encode %T: %w", out, err)
		}
		return &b, nil
	})
}

// awsError turns a control plane error into the AWS error to send: an
// *ecs.Error keeps its code (the exception name) and message (every
// problem errors.Join gathered, §11.2), with HTTP 400, or 500 for
// ServerException. An *awsapi.Error (a body that does not decode) passes
// through. Anything else, and a ServerException, stays a server fault that
// awsapi logs with its detail and answers with a generic message.
func awsError(err error) error {
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		return ae
	}
	var e *ecs.Error
	if !errors.As(err, &e) || e.Code == ecs.CodeServerException {
		return err
	}
	return &awsapi.Error{Code: e.Code, Message: ecs.ErrorMessage(err)}
}
