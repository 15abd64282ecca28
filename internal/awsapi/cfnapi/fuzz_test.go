package cfnapi_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/cfnapi"
	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
)

// fuzzTemplate is small and needs no capability, so fuzzed inputs reach
// the executor quickly.
const fuzzTemplate = "Parameters:\n  P:\n    Type: String\n    Default: a\nResources:\n  Q:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\nOutputs:\n  O:\n    Value: !Ref P\n    Export:\n      Name: fuzz-o\n"

// fuzzSeeds are form bodies of every operation, valid and not.
var fuzzSeeds = []string{
	"Action=CreateStack&StackName=s1&TemplateBody=" + url.QueryEscape(fuzzTemplate),
	"Action=CreateStack&StackName=s2&TemplateBody=" + url.QueryEscape(fuzzTemplate) + "&Parameters.member.1.ParameterKey=P&Parameters.member.1.ParameterValue=b&Capabilities.member.1=CAPABILITY_IAM&OnFailure=DO_NOTHING",
	"Action=CreateStack&StackName=1bad&TemplateBody=x",
	"Action=CreateStack&StackName=s3&TemplateURL=https://s3.amazonaws.com/b/t.yml",
	"Action=UpdateStack&StackName=fuzz&UsePreviousTemplate=true&Parameters.member.1.ParameterKey=P&Parameters.member.1.UsePreviousValue=true",
	"Action=UpdateStack&StackName=fuzz&TemplateBody=" + url.QueryEscape(fuzzTemplate) + "&Parameters.member.1.ParameterKey=P&Parameters.member.1.ParameterValue=z",
	"Action=DeleteStack&StackName=nope",
	"Action=DescribeStacks",
	"Action=DescribeStacks&StackName=fuzz&NextToken=x",
	"Action=ListStacks&StackStatusFilter.member.1=CREATE_COMPLETE",
	"Action=DescribeStackEvents&StackName=fuzz",
	"Action=DescribeStackResource&StackName=fuzz&LogicalResourceId=Q",
	"Action=DescribeStackResources&StackName=fuzz&LogicalResourceId=Q",
	"Action=DescribeStackResources&PhysicalResourceId=vpc-1",
	"Action=ListStackResources&StackName=fuzz",
	"Action=GetTemplate&StackName=fuzz&TemplateStage=Original",
	"Action=GetTemplate&StackName=fuzz&ChangeSetName=c",
	"Action=GetTemplateSummary&StackName=fuzz",
	"Action=GetTemplateSummary&TemplateBody=" + url.QueryEscape(fuzzTemplate),
	"Action=ValidateTemplate&TemplateBody=" + url.QueryEscape("{\"Resources\":{\"A\":{\"Type\":\"AWS::EC2::VPC\",\"Properties\":{\"X\":{\"Ref\":\"B\"}}}}}"),
	"Action=ValidateTemplate&TemplateBody=%7B",
	"Action=ListExports",
	"Action=CreateChangeSet&StackName=fuzz&ChangeSetName=c1&UsePreviousTemplate=true&Parameters.member.1.ParameterKey=P&Parameters.member.1.ParameterValue=c",
	"Action=CreateChangeSet&StackName=new&ChangeSetName=c2&ChangeSetType=CREATE&TemplateBody=" + url.QueryEscape(fuzzTemplate),
	"Action=CreateChangeSet&StackName=fuzz&ChangeSetName=c3&ChangeSetType=IMPORT&TemplateBody=x",
	"Action=DescribeChangeSet&ChangeSetName=c1&StackName=fuzz",
	"Action=DescribeChangeSet&ChangeSetName=arn:aws:cloudformation:us-east-1:123456789012:changeSet/c1/x",
	"Action=ExecuteChangeSet&ChangeSetName=c1&StackName=fuzz&DisableRollback=true",
	"Action=DeleteChangeSet&ChangeSetName=c1&StackName=fuzz",
	"Action=ListChangeSets&StackName=fuzz",
	"Action=DescribeStacks&StackName=fuzz&Parameters.member.x=1",
	"Action=CreateStack&DisableRollback=maybe",
	"Action=Nope",
}

// FuzzHandle feeds arbitrary form bodies to the Handler over a real
// executor that holds one stack, "fuzz". Whatever the input, Handle must
// not panic, must answer with a result that encodes to well-formed XML or
// with an *awsapi.Error that is the client's fault and has a message, and
// must log nothing at error level.
func FuzzHandle(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	var logged atomic.Int64
	logger := slog.New(countingHandler{&logged})
	stacks := newStacks(f, deploy.NewHandlers(deploy.HandlerOptions{}), logger)
	h := &cfnapi.Handler{Stacks: stacks}
	if _, err := stacks.CreateStack(context.Background(), &deploy.CreateStackInput{StackName: "fuzz", TemplateBody: fuzzTemplate}); err != nil {
		f.Fatal(err)
	}
	if _, err := stacks.Wait(context.Background(), "fuzz"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		params, err := url.ParseQuery(body)
		if err != nil {
			return // the server answers MalformedQueryString before any service runs
		}
		action := params.Get("Action")
		before := logged.Load()
		res, err := h.Handle(context.Background(), action, params)
		if n := logged.Load(); n != before {
			t.Errorf("%s: %d records logged at error level", action, n-before)
		}
		if err != nil {
			var ae *awsapi.Error
			if !errors.As(err, &ae) {
				t.Fatalf("%s: got %T %v; want an *awsapi.Error", action, err, err)
			}
			if awsapi.IsFault(ae) || ae.Code == "" || ae.Message == "" {
				t.Fatalf("%s: got %q %q (HTTP %d); want a client error with a message", action, ae.Code, ae.Message, awsapi.StatusOf(ae))
			}
			_ = awsapi.EncodeQueryError(cfnapi.Namespace, ae, "id")
			return
		}
		wellFormed(t, action, awsapi.EncodeQueryResult(action, cfnapi.Namespace, res, "id"))
	})
}

// wellFormed fails unless b is well-formed XML.
func wellFormed(tb testing.TB, action string, b []byte) {
	tb.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			tb.Fatalf("%s: result is not well-formed XML: %v\n%s", action, err, b)
		}
	}
}

// countingHandler is a slog.Handler that counts records at error level.
type countingHandler struct{ n *atomic.Int64 }

func (h countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h countingHandler) Handle(context.Context, slog.Record) error {
	h.n.Add(1)
	return nil
}
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countingHandler) WithGroup(string) slog.Handler      { return h }
