package elbapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/ecslocal/ecslocal/internal/awsapi/elbapi"
	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/control"
)

// post sends form as a signed ELBv2 Query request (Version added) and
// returns the status and body of the answer.
func post(tb testing.TB, endpoint string, form url.Values) (int, string) {
	tb.Helper()
	if form.Get("Version") == "" {
		form.Set("Version", elbapi.Version)
	}
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), elbapi.SigningName, "us-east-1", time.Now()); err != nil {
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
// required members first), answered as the service answers them.
var wireErrors = []struct {
	name   string
	form   url.Values
	status int
	want   []string // substrings of the body
}{
	{"UnknownAction", url.Values{"Action": {"DescribeAccountLimits"}}, 400,
		[]string{"<Type>Sender</Type>", "<Code>InvalidAction</Code>", "Could not find operation DescribeAccountLimits for version 2015-12-01."}},
	{"WrongVersion", url.Values{"Action": {"DescribeLoadBalancers"}, "Version": {"2012-06-01"}}, 400,
		[]string{"<Code>InvalidAction</Code>"}},
	{"CreateLoadBalancerNoName", url.Values{"Action": {"CreateLoadBalancer"}}, 400,
		[]string{"<Code>ValidationError</Code>", "<Message>1 validation error detected: Value null at &#39;name&#39; failed to satisfy constraint: Member must not be null</Message>"}},
	{"CreateRuleNothing", url.Values{"Action": {"CreateRule"}}, 400,
		[]string{"<Code>ValidationError</Code>", "4 validation errors detected: Value null at &#39;listenerArn&#39;",
			"Value null at &#39;conditions&#39;", "Value null at &#39;priority&#39;", "Value null at &#39;actions&#39;"}},
	{"RegisterTargetsNoID", url.Values{"Action": {"RegisterTargets"}, "TargetGroupArn": {"x"}, "Targets.member.1.Port": {"80"}}, 400,
		[]string{"1 validation error detected: Value null at &#39;targets.1.member.id&#39; failed to satisfy constraint: Member must not be null"}},
	{"CreateListenerActionNoType", url.Values{"Action": {"CreateListener"}, "LoadBalancerArn": {"x"}, "DefaultActions.member.1.TargetGroupArn": {"y"}}, 400,
		[]string{"Value null at &#39;defaultActions.1.member.type&#39;"}},
	{"AddTagsNoKey", url.Values{"Action": {"AddTags"}, "ResourceArns.member.1": {"x"}, "Tags.member.1.Value": {"v"}}, 400,
		[]string{"Value null at &#39;tags.1.member.key&#39;"}},
	{"NotANumber", url.Values{"Action": {"CreateRule"}, "Priority": {"ten"}}, 400,
		[]string{"<Code>ValidationError</Code>", "Value &#39;ten&#39; for parameter Priority is invalid. It must be an integer."}},
	{"DeleteRuleNoARN", url.Values{"Action": {"DeleteRule"}}, 400, []string{"Value null at &#39;ruleArn&#39;"}},
	{"DescribeTagsNoARNs", url.Values{"Action": {"DescribeTags"}}, 400, []string{"Value null at &#39;resourceArns&#39;"}},
	{"DescribeTagsEmptyList", url.Values{"Action": {"DescribeTags"}, "ResourceArns": {""}}, 400, []string{"<Code>ValidationError</Code>"}},
}

func TestWireErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tt := range wireErrors {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, e.url, tt.form)
			if status != tt.status {
				t.Errorf("got status %d; want %d\n%s", status, tt.status, body)
			}
			if !strings.Contains(body, "<ErrorResponse xmlns=\""+elbapi.Namespace+"\">") {
				t.Errorf("no ErrorResponse in the ELBv2 namespace:\n%s", body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
		})
	}
}

// TestWireShapes checks members the SDK would parse either way but that
// must be spelled as ELBv2 spells them (§7.1).
func TestWireShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	status, body := post(t, e.url, url.Values{"Action": {"CreateLoadBalancer"}, "Name": {"demo"}})
	for _, w := range []string{
		"<CreateLoadBalancerResponse xmlns=\"" + elbapi.Namespace + "\"><CreateLoadBalancerResult><LoadBalancers><member>",
		"<LoadBalancerArn>" + lbARN1 + "</LoadBalancerArn>",
		"<CreatedTime>2026-01-02T03:04:05.678Z</CreatedTime>",
		"<State><Code>active</Code></State>",
		"<AvailabilityZones/>",
		"<ResponseMetadata><RequestId>",
	} {
		if status != 200 || !strings.Contains(body, w) {
			t.Errorf("CreateLoadBalancer: status %d, body lacks %q:\n%s", status, w, body)
		}
	}
	status, body = post(t, e.url, url.Values{"Action": {"CreateTargetGroup"}, "Name": {"api"}, "Protocol": {"HTTP"}, "Port": {"80"},
		"HealthCheckPath": {"/health"}, "Matcher.HttpCode": {"200-299"}})
	for _, w := range []string{"<HealthCheckEnabled>true</HealthCheckEnabled>", "<Matcher><HttpCode>200-299</HttpCode></Matcher>", "<LoadBalancerArns/>"} {
		if status != 200 || !strings.Contains(body, w) {
			t.Errorf("CreateTargetGroup: status %d, body lacks %q:\n%s", status, w, body)
		}
	}
	status, body = post(t, e.url, url.Values{"Action": {"CreateListener"}, "LoadBalancerArn": {lbARN1}, "Protocol": {"HTTP"}, "Port": {"80"},
		"DefaultActions.member.1.Type": {"forward"}, "DefaultActions.member.1.TargetGroupArn": {"arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/api/0000000000000002"}})
	if status != 200 {
		t.Fatalf("CreateListener: status %d\n%s", status, body)
	}
	listenerARN := between(body, "<ListenerArn>", "</ListenerArn>")
	status, body = post(t, e.url, url.Values{"Action": {"CreateRule"}, "ListenerArn": {listenerARN}, "Priority": {"5"},
		"Conditions.member.1.Field": {"path-pattern"}, "Conditions.member.1.PathPatternConfig.Values.member.1": {"/api/*"},
		"Actions.member.1.Type": {"forward"},
		"Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn": {"arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/api/0000000000000002"},
		"Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight":         {"10"}})
	for _, w := range []string{"<Priority>5</Priority>", "<PathPatternConfig><Values><member>/api/*</member></Values></PathPatternConfig>", "<Weight>10</Weight>"} {
		if status != 200 || !strings.Contains(body, w) {
			t.Errorf("CreateRule: status %d, body lacks %q:\n%s", status, w, body)
		}
	}
	status, body = post(t, e.url, url.Values{"Action": {"DescribeRules"}, "ListenerArn": {listenerARN}})
	for _, w := range []string{"<Priority>default</Priority>", "<IsDefault>true</IsDefault>", "<Conditions/>"} {
		if status != 200 || !strings.Contains(body, w) {
			t.Errorf("DescribeRules: status %d, body lacks %q:\n%s", status, w, body)
		}
	}
	status, body = post(t, e.url, url.Values{"Action": {"RegisterTargets"}, "TargetGroupArn": {"arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/api/0000000000000002"},
		"Targets.member.1.Id": {"i-1"}, "Targets.member.1.Port": {"32768"}})
	if status != 200 || !strings.Contains(body, "<RegisterTargetsResult></RegisterTargetsResult>") {
		t.Errorf("RegisterTargets: status %d\n%s", status, body)
	}
}

func between(s, start, end string) string {
	_, after, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(after, end)
	return v
}

// unavailable is a control plane whose DescribeTargetHealth cannot answer.
type unavailable struct {
	elbapi.Controller
}

func (unavailable) DescribeTargetHealth(context.Context, *control.DescribeTargetHealthInput) (*control.DescribeTargetHealthOutput, error) {
	return nil, elb.Errorf(elb.CodeHealthUnavailable, "The health of the specified targets could not be retrieved due to an internal error.")
}

// TestHealthUnavailable checks the one ELBv2 code that is a server fault
// (HTTP 500), as the SDK surfaces it.
func TestHealthUnavailable(t *testing.T) {
	t.Parallel()
	c := newClient(serve(t, &elbapi.Handler{Control: unavailable{}}))
	_, err := c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN1)})
	wantAPIError(t, err, "HealthUnavailable", 500, "The health of the specified targets could not be retrieved due to an internal error.")
}

// TestClosed: a control plane that has been closed answers
// ServiceUnavailable (503) rather than an internal failure.
func TestClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.control.Close()
	_, err := e.client.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	wantAPIError(t, err, "ServiceUnavailable", 503, "")
}
