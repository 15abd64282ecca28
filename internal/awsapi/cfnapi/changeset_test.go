package cfnapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// TestChangeSets runs what `aws cloudformation deploy` does through the
// SDK: a CREATE change set, its waiter, execution, then UPDATE change sets
// (with changes, and without), and the change set errors.
func TestChangeSets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	c := e.client
	body := readFile(t, "testdata/app.yml")
	iam := []types.Capability{types.CapabilityCapabilityIam}

	t.Run("ErrInsufficientCapabilities", func(t *testing.T) {
		_, err := c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("cs"), ChangeSetName: aws.String("first"),
			ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String(body)})
		wantAPIError(t, err, "InsufficientCapabilitiesException", 400, "Requires capabilities : [CAPABILITY_IAM]")
	})
	t.Run("ErrUpdateMissingStack", func(t *testing.T) {
		_, err := c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("cs"), ChangeSetName: aws.String("first"),
			TemplateBody: aws.String(body), Capabilities: iam})
		wantAPIError(t, err, "ValidationError", 400, "Stack [cs] does not exist")
	})

	created := must[*cloudformation.CreateChangeSetOutput](t)(c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String("cs"), ChangeSetName: aws.String("first"), ChangeSetType: types.ChangeSetTypeCreate,
		TemplateBody: aws.String(body), Capabilities: iam, Description: aws.String("the first"),
	}))
	csID, stackID := aws.ToString(created.Id), aws.ToString(created.StackId)
	if !strings.HasPrefix(csID, "arn:aws:cloudformation:us-east-1:123456789012:changeSet/first/") ||
		!strings.HasPrefix(stackID, "arn:aws:cloudformation:us-east-1:123456789012:stack/cs/") {
		t.Fatalf("CreateChangeSet: %s %s", csID, stackID)
	}
	if err := changeSetComplete(c).Wait(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(csID), StackName: aws.String("cs")}, waitFor); err != nil {
		t.Fatalf("ChangeSetCreateCompleteWaiter: %v", err)
	}
	cs := must[*cloudformation.DescribeChangeSetOutput](t)(c.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{
		ChangeSetName: aws.String("first"), StackName: aws.String("cs")}))
	if aws.ToString(cs.ChangeSetId) != csID || aws.ToString(cs.StackId) != stackID || cs.Status != types.ChangeSetStatusCreateComplete ||
		cs.ExecutionStatus != types.ExecutionStatusAvailable || len(cs.Changes) != 8 || aws.ToString(cs.Description) != "the first" ||
		!aws.ToTime(cs.CreationTime).Equal(t0) || len(cs.Parameters) != 2 {
		t.Fatalf("DescribeChangeSet: %+v", cs)
	}
	if rc := cs.Changes[0].ResourceChange; cs.Changes[0].Type != types.ChangeTypeResource || rc.Action != types.ChangeActionAdd ||
		aws.ToString(rc.LogicalResourceId) != "VPC" || aws.ToString(rc.ResourceType) != "AWS::EC2::VPC" {
		t.Errorf("first change %+v", rc)
	}
	st := must[*cloudformation.DescribeStacksOutput](t)(c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("cs")}))
	if st.Stacks[0].StackStatus != types.StackStatusReviewInProgress {
		t.Errorf("stack of a CREATE change set: %s; want REVIEW_IN_PROGRESS", st.Stacks[0].StackStatus)
	}
	t.Run("ErrAlreadyExists", func(t *testing.T) {
		_, err := c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("cs"), ChangeSetName: aws.String("first"),
			ChangeSetType: types.ChangeSetTypeCreate, TemplateBody: aws.String(body), Capabilities: iam})
		wantAPIError(t, err, "AlreadyExistsException", 400, "ChangeSet first already exists")
	})
	t.Run("ListChangeSets", func(t *testing.T) {
		l := must[*cloudformation.ListChangeSetsOutput](t)(c.ListChangeSets(ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("cs")}))
		if len(l.Summaries) != 1 || aws.ToString(l.Summaries[0].ChangeSetId) != csID || l.Summaries[0].ExecutionStatus != types.ExecutionStatusAvailable {
			t.Errorf("ListChangeSets: %+v", l.Summaries)
		}
	})

	must[*cloudformation.ExecuteChangeSetOutput](t)(c.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String(csID), StackName: aws.String("cs")}))
	if err := createComplete(c).Wait(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("cs")}, waitFor); err != nil {
		t.Fatalf("StackCreateCompleteWaiter: %v", err)
	}
	if st := must[*cloudformation.DescribeStacksOutput](t)(c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("cs")})); aws.ToString(st.Stacks[0].ChangeSetId) != csID {
		t.Errorf("ChangeSetId %q; want %s", aws.ToString(st.Stacks[0].ChangeSetId), csID)
	}

	// An UPDATE change set that changes the health check path modifies
	// the target group in place.
	upd := must[*cloudformation.CreateChangeSetOutput](t)(c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String("cs"), ChangeSetName: aws.String("path"), ChangeSetType: types.ChangeSetTypeUpdate,
		TemplateBody: aws.String(body), Capabilities: iam,
		Parameters: []types.Parameter{{ParameterKey: aws.String("HealthPath"), ParameterValue: aws.String("/ready")}},
	}))
	if err := changeSetComplete(c).Wait(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: upd.Id}, waitFor); err != nil {
		t.Fatalf("ChangeSetCreateCompleteWaiter: %v", err)
	}
	ucs := must[*cloudformation.DescribeChangeSetOutput](t)(c.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: upd.Id}))
	if len(ucs.Changes) != 1 {
		t.Fatalf("update changes: %+v", ucs.Changes)
	}
	rc := ucs.Changes[0].ResourceChange
	if rc.Action != types.ChangeActionModify || aws.ToString(rc.LogicalResourceId) != "TG" || rc.Replacement != types.ReplacementFalse ||
		len(rc.Details) != 1 || aws.ToString(rc.Details[0].Target.Name) != "HealthCheckPath" || rc.Details[0].Target.Attribute != types.ResourceAttributeProperties ||
		rc.Details[0].Target.RequiresRecreation != types.RequiresRecreationNever || rc.Details[0].Evaluation != types.EvaluationTypeStatic ||
		len(rc.Scope) != 1 || rc.Scope[0] != types.ResourceAttributeProperties {
		t.Errorf("update change %+v", rc)
	}

	// A change set without changes fails, and its waiter says so.
	empty := must[*cloudformation.CreateChangeSetOutput](t)(c.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String("cs"), ChangeSetName: aws.String("same"), UsePreviousTemplate: aws.Bool(true), Capabilities: iam,
	}))
	if err := changeSetComplete(c).Wait(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: empty.Id}, waitFor); err == nil {
		t.Error("ChangeSetCreateCompleteWaiter on an empty change set: no error")
	}
	ecs := must[*cloudformation.DescribeChangeSetOutput](t)(c.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: empty.Id}))
	if ecs.Status != types.ChangeSetStatusFailed || ecs.ExecutionStatus != types.ExecutionStatusUnavailable ||
		aws.ToString(ecs.StatusReason) != "The submitted information didn't contain changes. Submit different information to create a change set." {
		t.Errorf("empty change set %+v", ecs)
	}
	t.Run("ErrInvalidChangeSetStatus", func(t *testing.T) {
		_, err := c.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: empty.Id})
		wantAPIError(t, err, "InvalidChangeSetStatus", 400, "")
	})
	must[*cloudformation.DeleteChangeSetOutput](t)(c.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String("same"), StackName: aws.String("cs")}))
	t.Run("ErrChangeSetNotFound", func(t *testing.T) {
		_, err := c.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String("same"), StackName: aws.String("cs")})
		wantAPIError(t, err, "ChangeSetNotFound", 404, "ChangeSet [same] does not exist")
		var nf *types.ChangeSetNotFoundException
		if !asError(err, &nf) {
			t.Errorf("got %T; want *types.ChangeSetNotFoundException", err)
		}
		_, err = c.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String("nope"), StackName: aws.String("cs")})
		wantAPIError(t, err, "ChangeSetNotFound", 404, "ChangeSet [nope] does not exist")
		_, err = c.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String("nope"), StackName: aws.String("cs")})
		wantAPIError(t, err, "ChangeSetNotFound", 404, "")
	})

	must[*cloudformation.ExecuteChangeSetOutput](t)(c.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String("path"), StackName: aws.String("cs")}))
	if err := updateComplete(c).Wait(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("cs")}, waitFor); err != nil {
		t.Fatalf("StackUpdateCompleteWaiter: %v", err)
	}
	if o := outputs(t, c, "cs"); o["HealthPath"] != "/ready" {
		t.Errorf("after the update: outputs %v", o)
	}
	done := must[*cloudformation.DescribeChangeSetOutput](t)(c.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: upd.Id}))
	if done.ExecutionStatus != types.ExecutionStatusExecuteComplete {
		t.Errorf("executed change set: %s", done.ExecutionStatus)
	}
}
