package cfnapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ecslocal/ecslocal/internal/awsapi/cfnapi"
	"github.com/ecslocal/ecslocal/internal/cfn/deploy"
)

// post sends form as a signed CloudFormation Query request (Version
// added) and returns the status and body of the answer.
func post(tb testing.TB, endpoint string, form url.Values) (int, string) {
	tb.Helper()
	if form.Get("Version") == "" {
		form.Set("Version", cfnapi.Version)
	}
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), cfnapi.SigningName, "us-east-1", time.Now()); err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// wireErrors are requests the SDK and the CLI refuse to send (they check
// required members first), and the other errors only the wire shows.
var wireErrors = []struct {
	name   string
	form   url.Values
	status int
	want   []string // substrings of the body
}{
	{"UnknownAction", url.Values{"Action": {"DescribeStackSet"}}, 400,
		[]string{"<Type>Sender</Type>", "<Code>InvalidAction</Code>", "Could not find operation DescribeStackSet for version 2010-05-15."}},
	{"WrongVersion", url.Values{"Action": {"DescribeStacks"}, "Version": {"2015-12-01"}}, 400, []string{"<Code>InvalidAction</Code>"}},
	{"CreateStackNoName", url.Values{"Action": {"CreateStack"}}, 400,
		[]string{"<Code>ValidationError</Code>", "<Message>1 validation error detected: Value null at &#39;stackName&#39; failed to satisfy constraint: Member must not be null</Message>"}},
	{"CreateStackNoTemplate", url.Values{"Action": {"CreateStack"}, "StackName": {"s"}}, 400,
		[]string{"<Message>Either Template URL or Template Body must be specified.</Message>"}},
	{"CreateStackBadName", url.Values{"Action": {"CreateStack"}, "StackName": {"1-s"}, "TemplateBody": {"Resources: {}"}}, 400,
		[]string{"Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"}},
	{"TemplateURL", url.Values{"Action": {"CreateStack"}, "StackName": {"s"}, "TemplateURL": {"https://s3.amazonaws.com/b/t.yml"}}, 400,
		[]string{"<Code>ValidationError</Code>", "TemplateURL is not supported by ecslocal"}},
	{"CreateChangeSetNothing", url.Values{"Action": {"CreateChangeSet"}}, 400,
		[]string{"2 validation errors detected: Value null at &#39;stackName&#39;", "Value null at &#39;changeSetName&#39;"}},
	{"DescribeStackResourceNoID", url.Values{"Action": {"DescribeStackResource"}, "StackName": {"s"}}, 400,
		[]string{"1 validation error detected: Value null at &#39;logicalResourceId&#39;"}},
	{"DescribeStackResourcesNothing", url.Values{"Action": {"DescribeStackResources"}}, 400,
		[]string{"Either StackName or PhysicalResourceId must be specified."}},
	{"NotABool", url.Values{"Action": {"UpdateStack"}, "StackName": {"s"}, "UsePreviousTemplate": {"yes"}}, 400,
		[]string{"Value &#39;yes&#39; for parameter UsePreviousTemplate is invalid. It must be true or false."}},
	{"ChangeSetNotFound", url.Values{"Action": {"DescribeChangeSet"}, "ChangeSetName": {"c"}, "StackName": {"s"}}, 404,
		[]string{"<Code>ChangeSetNotFound</Code>", "<Message>ChangeSet [c] does not exist</Message>"}},
	{"ValidateTemplateBadYAML", url.Values{"Action": {"ValidateTemplate"}, "TemplateBody": {"Resources: ["}}, 400,
		[]string{"<Code>ValidationError</Code>", "Template format error"}},
}

func TestWireErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	for _, tt := range wireErrors {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, e.url, tt.form)
			if status != tt.status {
				t.Errorf("got status %d; want %d\n%s", status, tt.status, body)
			}
			if !strings.Contains(body, "<ErrorResponse xmlns=\""+cfnapi.Namespace+"\">") {
				t.Errorf("no ErrorResponse in the CloudFormation namespace:\n%s", body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
		})
	}
}

// TestWireShapes checks members as CloudFormation spells them: result
// wrappers, <member> lists, ISO 8601 timestamps with milliseconds, and
// absent members left out.
func TestWireShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 5*time.Second)
	tpl := "Parameters:\n  P: {Type: String, Default: a}\nResources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\nOutputs:\n  O:\n    Value: !Ref P\n    Export: {Name: x-o}\n"
	status, body := post(t, e.url, url.Values{"Action": {"CreateStack"}, "StackName": {"x"}, "TemplateBody": {tpl}})
	want := "<CreateStackResponse xmlns=\"" + cfnapi.Namespace + "\"><CreateStackResult><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/x/00000000-0000-4000-8000-000000000001</StackId></CreateStackResult><ResponseMetadata><RequestId>"
	if status != 200 || !strings.Contains(body, want) {
		t.Fatalf("CreateStack: status %d\n%s", status, body)
	}
	status, body = post(t, e.url, url.Values{"Action": {"DescribeStacks"}, "StackName": {"x"}})
	for _, w := range []string{
		"<DescribeStacksResult><Stacks><member><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/x/00000000-0000-4000-8000-000000000001</StackId><StackName>x</StackName>",
		"<Parameters><member><ParameterKey>P</ParameterKey><ParameterValue>a</ParameterValue></member></Parameters>",
		"<CreationTime>2026-01-02T03:04:05.000Z</CreationTime>",
		"<StackStatus>CREATE_COMPLETE</StackStatus>",
		"<Outputs><member><OutputKey>O</OutputKey><OutputValue>a</OutputValue><ExportName>x-o</ExportName></member></Outputs>",
		"<NotificationARNs/>", "<Tags/>", "<DisableRollback>false</DisableRollback>",
		"<DriftInformation><StackDriftStatus>NOT_CHECKED</StackDriftStatus></DriftInformation>",
	} {
		if status != 200 || !strings.Contains(body, w) {
			t.Errorf("DescribeStacks: status %d, body lacks %q:\n%s", status, w, body)
		}
	}
	for _, absent := range []string{"<LastUpdatedTime>", "<DeletionTime>", "<StackStatusReason>", "<Capabilities>"} {
		if strings.Contains(body, absent) {
			t.Errorf("DescribeStacks: body has %s:\n%s", absent, body)
		}
	}
	status, body = post(t, e.url, url.Values{"Action": {"DeleteStack"}, "StackName": {"x"}})
	if status != 200 || !strings.Contains(body, "<DeleteStackResult></DeleteStackResult>") {
		t.Errorf("DeleteStack: status %d\n%s", status, body)
	}
	status, body = post(t, e.url, url.Values{"Action": {"ListStacks"}})
	for _, w := range []string{"<StackSummaries><member>", "<StackStatus>DELETE_COMPLETE</StackStatus>", "<DeletionTime>2026-01-02T03:04:05.000Z</DeletionTime>"} {
		if status != 200 || !strings.Contains(body, w) {
			t.Errorf("ListStacks: status %d, body lacks %q:\n%s", status, w, body)
		}
	}
}

// broken is an executor whose DescribeStacks fails for a reason that is
// no CloudFormation error.
type broken struct {
	cfnapi.Stacks
}

func (broken) DescribeStacks(context.Context, string) ([]*deploy.Stack, error) {
	return nil, errors.New("state store: disk on fire")
}

// TestServerFault: an error that is not CloudFormation's is a 500
// InternalFailure whose detail is logged, not shown.
func TestServerFault(t *testing.T) {
	t.Parallel()
	u := serve(t, &cfnapi.Handler{Stacks: broken{}})
	status, body := post(t, u, url.Values{"Action": {"DescribeStacks"}})
	if status != 500 || !strings.Contains(body, "<Type>Receiver</Type><Code>InternalFailure</Code>") || strings.Contains(body, "disk on fire") {
		t.Errorf("got status %d\n%s", status, body)
	}
}
