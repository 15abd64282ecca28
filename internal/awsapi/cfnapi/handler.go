package cfnapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/cfn"
	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
)

// Wire constants of the CloudFormation Query API.
const (
	// Version is the API version every request must carry.
	Version = "2010-05-15"
	// SigningName is the SigV4 service name and endpoint prefix.
	SigningName = "cloudformation"
	// Namespace is the XML namespace of responses.
	Namespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
)

// Stacks is what the API needs of the stack executor: the operations of
// *deploy.Stacks, which satisfies it.
type Stacks interface {
	CreateStack(ctx context.Context, in *deploy.CreateStackInput) (string, error)
	UpdateStack(ctx context.Context, in *deploy.UpdateStackInput) (string, error)
	DeleteStack(ctx context.Context, name string) error
	DescribeStacks(ctx context.Context, name string) ([]*deploy.Stack, error)
	ListStacks(ctx context.Context, statuses ...deploy.StackStatus) []deploy.StackSummary
	DescribeStackEvents(ctx context.Context, name string) ([]deploy.StackEvent, error)
	DescribeStackResource(ctx context.Context, name, logicalID string) (*deploy.StackResource, error)
	DescribeStackResources(ctx context.Context, name string) ([]deploy.StackResource, error)
	ListStackResources(ctx context.Context, name string) ([]deploy.StackResource, error)
	GetTemplate(ctx context.Context, name string) (string, error)
	ListExports(ctx context.Context) []deploy.Export

	CreateChangeSet(ctx context.Context, in *deploy.CreateChangeSetInput) (csID, stackID string, err error)
	DescribeChangeSet(ctx context.Context, stackName, name string) (*deploy.ChangeSet, error)
	ExecuteChangeSet(ctx context.Context, stackName, name string) error
	DeleteChangeSet(ctx context.Context, stackName, name string) error
	ListChangeSets(ctx context.Context, stackName string) ([]deploy.ChangeSet, error)

	// Wait blocks until no operation runs on the stack; Handler.Settle
	// uses it.
	Wait(ctx context.Context, name string) (*deploy.Stack, error)
}

var _ Stacks = (*deploy.Stacks)(nil)

// Handler answers CloudFormation requests by calling Stacks. It holds no
// state of its own and is safe for concurrent use if Stacks is.
type Handler struct {
	Stacks Stacks
	// Settle is how long CreateStack, UpdateStack, DeleteStack and
	// ExecuteChangeSet wait for the operation they start to end before
	// they answer (the answer is the same either way). Zero answers at
	// once, as CloudFormation does. Local stacks usually finish in
	// milliseconds, while the AWS CLI polls slowly: `aws cloudformation
	// deploy` sleeps 30 s between DescribeStacks calls (awscli
	// deployer.wait_for_execute, Delay 30), so a second or two here saves
	// a user half a minute per deploy.
	Settle time.Duration
}

var _ awsapi.QueryHandler = (*Handler)(nil)

// Service mounts h on an awsapi.Server.
func (h *Handler) Service() awsapi.QueryService {
	return awsapi.QueryService{SigningName: SigningName, Version: Version, Namespace: Namespace, Handler: h}
}

// Handle implements awsapi.QueryHandler: it decodes the parameters of
// action, runs the operation and returns its result member (nil for the
// operations whose result is empty). An action ecslocal does not serve is
// InvalidAction, the common Query error.
func (h *Handler) Handle(ctx context.Context, action string, params url.Values) (any, error) {
	var (
		res any
		err error
	)
	switch action {
	case "CreateStack":
		res, err = run(ctx, params, h.createStack)
	case "UpdateStack":
		res, err = run(ctx, params, h.updateStack)
	case "DeleteStack":
		res, err = run(ctx, params, h.deleteStack)
	case "DescribeStacks":
		res, err = run(ctx, params, h.describeStacks)
	case "ListStacks":
		res, err = run(ctx, params, h.listStacks)
	case "DescribeStackEvents":
		res, err = run(ctx, params, h.describeStackEvents)
	case "DescribeStackResource":
		res, err = run(ctx, params, h.describeStackResource)
	case "DescribeStackResources":
		res, err = run(ctx, params, h.describeStackResources)
	case "ListStackResources":
		res, err = run(ctx, params, h.listStackResources)
	case "GetTemplate":
		res, err = run(ctx, params, h.getTemplate)
	case "GetTemplateSummary":
		res, err = run(ctx, params, h.getTemplateSummary)
	case "ValidateTemplate":
		res, err = run(ctx, params, h.validateTemplate)
	case "ListExports":
		res, err = run(ctx, params, h.listExports)
	case "CreateChangeSet":
		res, err = run(ctx, params, h.createChangeSet)
	case "DescribeChangeSet":
		res, err = run(ctx, params, h.describeChangeSet)
	case "ExecuteChangeSet":
		res, err = run(ctx, params, h.executeChangeSet)
	case "DeleteChangeSet":
		res, err = run(ctx, params, h.deleteChangeSet)
	case "ListChangeSets":
		res, err = run(ctx, params, h.listChangeSets)
	default:
		return nil, awsapi.Errorf("InvalidAction", "Could not find operation %s for version %s.", action, Version)
	}
	if err != nil {
		return nil, awsError(err)
	}
	return res, nil
}

// run is one operation: decode the wire input W and call op with it.
func run[W any](ctx context.Context, params url.Values, op func(context.Context, *W) (any, error)) (any, error) {
	var w W
	if err := awsapi.DecodeQuery(params, &w); err != nil {
		return nil, err
	}
	return op(ctx, &w)
}

// settle waits, at most h.Settle, for the operation just started on the
// stack to end. It never fails: the caller answers the same either way.
func (h *Handler) settle(ctx context.Context, stack string) {
	if h.Settle <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, h.Settle)
	defer cancel()
	_, _ = h.Stacks.Wait(ctx, stack)
}

// statuses are the CloudFormation codes whose HTTP status is not 400 (the
// service model's httpStatusCode). awsapi's table does not know them yet,
// so the status travels in the *awsapi.Error.
var statuses = map[string]int{
	deploy.CodeChangeSetNotFound: http.StatusNotFound,
}

// awsError is the one conversion of executor errors to wire errors: a
// *deploy.Error or *cfn.Error keeps its CloudFormation code and message,
// an *awsapi.Error (decoding, required members) passes as it is, and
// anything else is returned unchanged for awsapi to log and answer as
// InternalFailure.
func awsError(err error) error {
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		return ae
	}
	var de *deploy.Error
	if errors.As(err, &de) {
		if de.Code == deploy.CodeInternalFailure {
			return err
		}
		return &awsapi.Error{Code: de.Code, Message: de.Message, Status: statuses[de.Code]}
	}
	var ce *cfn.Error
	if errors.As(err, &ce) {
		return &awsapi.Error{Code: ce.Code, Message: ce.Message}
	}
	return err
}

// validation returns a ValidationError with CloudFormation's message.
func validation(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(deploy.CodeValidation, format, args...)
}

// required checks members the service model marks required, in order,
// and words the first missing one as CloudFormation does: "1 validation
// error detected: Value null at 'stackName' failed to satisfy constraint:
// Member must not be null". Pairs are (wire name in lower camel case,
// value).
func required(pairs ...string) error {
	var missing []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			missing = append(missing, pairs[i])
		}
	}
	if len(missing) == 0 {
		return nil
	}
	msg := ""
	for i, m := range missing {
		if i > 0 {
			msg += "; "
		}
		msg += "Value null at '" + m + "' failed to satisfy constraint: Member must not be null"
	}
	if len(missing) == 1 {
		return validation("1 validation error detected: %s", msg)
	}
	return validation("%d validation errors detected: %s", len(missing), msg)
}
