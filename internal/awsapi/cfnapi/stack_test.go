package cfnapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/ecslocal/ecslocal/internal/elb/control"
)

const waitFor = 20 * time.Second

func createComplete(c *cloudformation.Client) *cloudformation.StackCreateCompleteWaiter {
	return cloudformation.NewStackCreateCompleteWaiter(c, func(o *cloudformation.StackCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 20*time.Millisecond
	})
}

func updateComplete(c *cloudformation.Client) *cloudformation.StackUpdateCompleteWaiter {
	return cloudformation.NewStackUpdateCompleteWaiter(c, func(o *cloudformation.StackUpdateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 20*time.Millisecond
	})
}

func deleteComplete(c *cloudformation.Client) *cloudformation.StackDeleteCompleteWaiter {
	return cloudformation.NewStackDeleteCompleteWaiter(c, func(o *cloudformation.StackDeleteCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 20*time.Millisecond
	})
}

func changeSetComplete(c *cloudformation.Client) *cloudformation.ChangeSetCreateCompleteWaiter {
	return cloudformation.NewChangeSetCreateCompleteWaiter(c, func(o *cloudformation.ChangeSetCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 20*time.Millisecond
	})
}

// TestStackLifecycle runs every stack operation through the SDK, with the
// SDK's waiters polling an endpoint that answers at once (Settle 0), and
// the error cases along the way.
func TestStackLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	c := e.client
	body := readFile(t, "testdata/app.yml")

	t.Run("ValidateTemplate", func(t *testing.T) {
		v := must[*cloudformation.ValidateTemplateOutput](t)(c.ValidateTemplate(ctx, &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(body)}))
		if len(v.Parameters) != 2 || aws.ToString(v.Parameters[0].ParameterKey) != "HealthPath" || aws.ToString(v.Parameters[0].DefaultValue) != "/health" ||
			!slices.Equal(v.Capabilities, []types.Capability{types.CapabilityCapabilityIam}) ||
			aws.ToString(v.CapabilitiesReason) != "The following resource(s) require capabilities: [AWS::IAM::Role]" ||
			!strings.HasPrefix(aws.ToString(v.Description), "cfnapi test stack") {
			t.Errorf("ValidateTemplate: got %+v", v)
		}
		_, err := c.ValidateTemplate(ctx, &cloudformation.ValidateTemplateInput{TemplateBody: aws.String("Resources: {}\nOutputs: 3")})
		wantAPIError(t, err, "ValidationError", 400, "")
	})
	t.Run("GetTemplateSummary", func(t *testing.T) {
		s := must[*cloudformation.GetTemplateSummaryOutput](t)(c.GetTemplateSummary(ctx, &cloudformation.GetTemplateSummaryInput{TemplateBody: aws.String(body)}))
		wantTypes := []string{"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::IAM::Role",
			"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::ElasticLoadBalancingV2::Listener"}
		if !slices.Equal(s.ResourceTypes, wantTypes) || aws.ToString(s.Version) != "2010-09-09" || len(s.Parameters) != 2 ||
			aws.ToString(s.Parameters[1].ParameterType) != "String" || !slices.Equal(s.Parameters[1].ParameterConstraints.AllowedValues, []string{"dev", "prod"}) ||
			!slices.Equal(s.Capabilities, []types.Capability{types.CapabilityCapabilityIam}) {
			t.Errorf("GetTemplateSummary: got %+v", s)
		}
	})

	t.Run("ErrInsufficientCapabilities", func(t *testing.T) {
		_, err := c.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("app"), TemplateBody: aws.String(body)})
		wantAPIError(t, err, "InsufficientCapabilitiesException", 400, "Requires capabilities : [CAPABILITY_IAM]")
	})
	created := must[*cloudformation.CreateStackOutput](t)(c.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: aws.String("app"), TemplateBody: aws.String(body), Capabilities: []types.Capability{types.CapabilityCapabilityIam},
		Parameters: []types.Parameter{{ParameterKey: aws.String("Env"), ParameterValue: aws.String("prod")}},
	}))
	stackID := aws.ToString(created.StackId)
	if !strings.HasPrefix(stackID, "arn:aws:cloudformation:us-east-1:123456789012:stack/app/") {
		t.Fatalf("CreateStack: StackId %q", stackID)
	}
	if err := createComplete(c).Wait(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("app")}, waitFor); err != nil {
		t.Fatalf("StackCreateCompleteWaiter: %v", err)
	}

	t.Run("ErrAlreadyExists", func(t *testing.T) {
		_, err := c.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("app"), TemplateBody: aws.String(body),
			Capabilities: []types.Capability{types.CapabilityCapabilityIam}})
		wantAPIError(t, err, "AlreadyExistsException", 400, "Stack [app] already exists")
	})
	t.Run("ErrStackNotFound", func(t *testing.T) {
		_, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("nope")})
		wantAPIError(t, err, "ValidationError", 400, "Stack with id nope does not exist")
		_, err = c.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String("nope")})
		wantAPIError(t, err, "ValidationError", 400, "Stack with id nope does not exist")
		_, err = c.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("nope"), UsePreviousTemplate: aws.Bool(true)})
		wantAPIError(t, err, "ValidationError", 400, "Stack with id nope does not exist")
		_, err = c.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{StackName: aws.String("app"), LogicalResourceId: aws.String("Nope")})
		wantAPIError(t, err, "ValidationError", 400, "Resource Nope does not exist for stack app")
	})

	t.Run("DescribeStacks", func(t *testing.T) {
		out := must[*cloudformation.DescribeStacksOutput](t)(c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{}))
		if len(out.Stacks) != 1 {
			t.Fatalf("got %d stacks; want 1", len(out.Stacks))
		}
		s := out.Stacks[0]
		if aws.ToString(s.StackId) != stackID || aws.ToString(s.StackName) != "app" || s.StackStatus != types.StackStatusCreateComplete ||
			!aws.ToTime(s.CreationTime).Equal(t0) || s.LastUpdatedTime != nil || s.DeletionTime != nil ||
			!slices.Equal(s.Capabilities, []types.Capability{types.CapabilityCapabilityIam}) || len(s.Parameters) != 2 ||
			aws.ToString(s.Parameters[1].ParameterValue) != "prod" || len(s.Outputs) != 5 || aws.ToBool(s.DisableRollback) {
			t.Errorf("stack %+v", s)
		}
		o := outputs(t, c, "app")
		if !strings.HasPrefix(o["VPCId"], "vpc-") || !strings.Contains(o["ListenerArn"], ":listener/app/") || !strings.HasPrefix(o["Url"], "http://") ||
			!strings.HasPrefix(o["RoleArn"], "arn:aws:iam::123456789012:role/app-Role-") || o["HealthPath"] != "/health" {
			t.Errorf("outputs %v", o)
		}
		if aws.ToString(s.Outputs[0].ExportName) != "app-VPCId" || aws.ToString(s.Outputs[2].Description) != "The load balancer's URL." {
			t.Errorf("outputs %+v", s.Outputs)
		}
	})
	t.Run("DescribeStackEvents", func(t *testing.T) {
		ev := must[*cloudformation.DescribeStackEventsOutput](t)(c.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String("app")}))
		n := len(ev.StackEvents)
		if n < 2 || aws.ToString(ev.StackEvents[0].ResourceType) != "AWS::CloudFormation::Stack" || ev.StackEvents[0].ResourceStatus != types.ResourceStatusCreateComplete ||
			ev.StackEvents[n-1].ResourceStatus != types.ResourceStatusCreateInProgress || aws.ToString(ev.StackEvents[n-1].ResourceStatusReason) != "User Initiated" ||
			aws.ToString(ev.StackEvents[n-1].StackId) != stackID || ev.StackEvents[n-1].Timestamp == nil || aws.ToString(ev.StackEvents[0].EventId) == "" {
			t.Errorf("events %+v", ev.StackEvents)
		}
	})
	var lbARN string
	t.Run("Resources", func(t *testing.T) {
		r := must[*cloudformation.DescribeStackResourceOutput](t)(c.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{
			StackName: aws.String("app"), LogicalResourceId: aws.String("LB")}))
		d := r.StackResourceDetail
		lbARN = aws.ToString(d.PhysicalResourceId)
		if d.ResourceStatus != types.ResourceStatusCreateComplete || aws.ToString(d.ResourceType) != "AWS::ElasticLoadBalancingV2::LoadBalancer" ||
			!strings.HasPrefix(lbARN, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/") || d.LastUpdatedTimestamp == nil {
			t.Errorf("DescribeStackResource %+v", d)
		}
		if _, err := e.elb.DescribeLoadBalancers(ctx, &control.DescribeLoadBalancersInput{LoadBalancerARNs: []string{lbARN}}); err != nil {
			t.Errorf("the load balancer is not in elb/control: %v", err)
		}
		all := must[*cloudformation.DescribeStackResourcesOutput](t)(c.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("app")}))
		if len(all.StackResources) != 8 {
			t.Errorf("DescribeStackResources: %d resources; want 8", len(all.StackResources))
		}
		byPhys := must[*cloudformation.DescribeStackResourcesOutput](t)(c.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{PhysicalResourceId: aws.String(lbARN)}))
		if len(byPhys.StackResources) != 1 || aws.ToString(byPhys.StackResources[0].LogicalResourceId) != "LB" || aws.ToString(byPhys.StackResources[0].StackName) != "app" {
			t.Errorf("DescribeStackResources by physical id: %+v", byPhys.StackResources)
		}
		list := must[*cloudformation.ListStackResourcesOutput](t)(c.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String("app")}))
		if len(list.StackResourceSummaries) != 8 || aws.ToString(list.StackResourceSummaries[0].LogicalResourceId) != "VPC" {
			t.Errorf("ListStackResources: %+v", list.StackResourceSummaries)
		}
	})
	t.Run("TemplatesAndExports", func(t *testing.T) {
		tpl := must[*cloudformation.GetTemplateOutput](t)(c.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String("app")}))
		if aws.ToString(tpl.TemplateBody) != body {
			t.Errorf("GetTemplate: body differs")
		}
		s := must[*cloudformation.GetTemplateSummaryOutput](t)(c.GetTemplateSummary(ctx, &cloudformation.GetTemplateSummaryInput{StackName: aws.String("app")}))
		if len(s.Parameters) != 2 || len(s.ResourceTypes) != 7 {
			t.Errorf("GetTemplateSummary by stack: %+v", s)
		}
		ex := must[*cloudformation.ListExportsOutput](t)(c.ListExports(ctx, &cloudformation.ListExportsInput{}))
		if len(ex.Exports) != 2 || aws.ToString(ex.Exports[0].Name) != "app-ListenerArn" || aws.ToString(ex.Exports[1].Name) != "app-VPCId" ||
			aws.ToString(ex.Exports[1].ExportingStackId) != stackID || !strings.HasPrefix(aws.ToString(ex.Exports[1].Value), "vpc-") {
			t.Errorf("ListExports: %+v", ex.Exports)
		}
		ls := must[*cloudformation.ListStacksOutput](t)(c.ListStacks(ctx, &cloudformation.ListStacksInput{StackStatusFilter: []types.StackStatus{types.StackStatusCreateComplete}}))
		if len(ls.StackSummaries) != 1 || aws.ToString(ls.StackSummaries[0].StackId) != stackID || !strings.HasPrefix(aws.ToString(ls.StackSummaries[0].TemplateDescription), "cfnapi") {
			t.Errorf("ListStacks: %+v", ls.StackSummaries)
		}
		ls = must[*cloudformation.ListStacksOutput](t)(c.ListStacks(ctx, &cloudformation.ListStacksInput{StackStatusFilter: []types.StackStatus{types.StackStatusDeleteComplete}}))
		if len(ls.StackSummaries) != 0 {
			t.Errorf("ListStacks DELETE_COMPLETE: %+v", ls.StackSummaries)
		}
	})

	t.Run("ErrNoUpdates", func(t *testing.T) {
		_, err := c.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String("app"), UsePreviousTemplate: aws.Bool(true),
			Capabilities: []types.Capability{types.CapabilityCapabilityIam},
			Parameters:   []types.Parameter{{ParameterKey: aws.String("Env"), UsePreviousValue: aws.Bool(true)}}})
		wantAPIError(t, err, "ValidationError", 400, "No updates are to be performed.")
	})
	must[*cloudformation.UpdateStackOutput](t)(c.UpdateStack(ctx, &cloudformation.UpdateStackInput{
		StackName: aws.String(stackID), TemplateBody: aws.String(body), Capabilities: []types.Capability{types.CapabilityCapabilityIam},
		Parameters: []types.Parameter{{ParameterKey: aws.String("HealthPath"), ParameterValue: aws.String("/ready")},
			{ParameterKey: aws.String("Env"), UsePreviousValue: aws.Bool(true)}},
	}))
	if err := updateComplete(c).Wait(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("app")}, waitFor); err != nil {
		t.Fatalf("StackUpdateCompleteWaiter: %v", err)
	}
	if o := outputs(t, c, "app"); o["HealthPath"] != "/ready" {
		t.Errorf("after the update: outputs %v", o)
	}
	tgs, err := e.elb.DescribeTargetGroups(ctx, &control.DescribeTargetGroupsInput{})
	if err != nil || len(tgs.TargetGroups) != 1 || tgs.TargetGroups[0].HealthCheck.HealthCheckPath != "/ready" {
		t.Errorf("after the update: target groups %+v %v", tgs, err)
	}

	must[*cloudformation.DeleteStackOutput](t)(c.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("app")}))
	if err := deleteComplete(c).Wait(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stackID)}, waitFor); err != nil {
		t.Fatalf("StackDeleteCompleteWaiter: %v", err)
	}
	gone := must[*cloudformation.DescribeStacksOutput](t)(c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stackID)}))
	if gone.Stacks[0].StackStatus != types.StackStatusDeleteComplete || gone.Stacks[0].DeletionTime == nil {
		t.Errorf("deleted stack %+v", gone.Stacks[0])
	}
	// Deleting a stack that does not exist succeeds, as in CloudFormation.
	must[*cloudformation.DeleteStackOutput](t)(c.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("app")}))
	if lbs, err := e.elb.DescribeLoadBalancers(ctx, &control.DescribeLoadBalancersInput{}); err != nil || len(lbs.LoadBalancers) != 0 {
		t.Errorf("load balancers left: %+v %v", lbs, err)
	}
	if ex := must[*cloudformation.ListExportsOutput](t)(c.ListExports(ctx, &cloudformation.ListExportsInput{})); len(ex.Exports) != 0 {
		t.Errorf("exports left: %+v", ex.Exports)
	}
}
