package elbapi_test

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
	"github.com/ecslocal/ecslocal/internal/awsapi/elbapi"
)

// Resources the fuzz control plane starts with, so that inputs naming them
// reach past the *NotFound checks (IDs are handed out in creation order).
const (
	fuzzLB       = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/demo/0000000000000001"
	fuzzTG       = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/api/0000000000000002"
	fuzzListener = "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/demo/0000000000000001/0000000000000003"
	fuzzRule     = "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/demo/0000000000000001/0000000000000003/0000000000000005"
)

// fuzzSeeds are form bodies of every operation, valid and not.
var fuzzSeeds = []string{
	"Action=CreateLoadBalancer&Name=demo2&Subnets.member.1=subnet-1&Tags.member.1.Key=k&Tags.member.1.Value=v",
	"Action=CreateLoadBalancer&Name=internal-x&Scheme=internal",
	"Action=DescribeLoadBalancers&Names.member.1=demo&PageSize=1",
	"Action=DescribeLoadBalancers&LoadBalancerArns.member.1=" + fuzzLB + "&Marker=bzox",
	"Action=DeleteLoadBalancer&LoadBalancerArn=arn:nope",
	"Action=DescribeLoadBalancerAttributes&LoadBalancerArn=" + fuzzLB,
	"Action=ModifyLoadBalancerAttributes&LoadBalancerArn=" + fuzzLB + "&Attributes.member.1.Key=idle_timeout.timeout_seconds&Attributes.member.1.Value=30",
	"Action=CreateTargetGroup&Name=web&Protocol=HTTP&Port=80&HealthCheckPath=%2F&HealthCheckIntervalSeconds=6&Matcher.HttpCode=200-299&HealthCheckEnabled=true",
	"Action=CreateTargetGroup&Name=grpc&Protocol=HTTP&Port=50051&ProtocolVersion=GRPC&Matcher.GrpcCode=0-99&TargetType=ip",
	"Action=DescribeTargetGroups&LoadBalancerArn=" + fuzzLB,
	"Action=DescribeTargetGroups&TargetGroupArns.member.1=" + fuzzTG + "&Names.member.1=api",
	"Action=ModifyTargetGroup&TargetGroupArn=" + fuzzTG + "&HealthCheckPath=%2Fhealth&HealthyThresholdCount=3&HealthCheckPort=8080",
	"Action=DeleteTargetGroup&TargetGroupArn=" + fuzzTG,
	"Action=DescribeTargetGroupAttributes&TargetGroupArn=" + fuzzTG,
	"Action=ModifyTargetGroupAttributes&TargetGroupArn=" + fuzzTG + "&Attributes.member.1.Key=deregistration_delay.timeout_seconds&Attributes.member.1.Value=0&Attributes.member.2.Key=stickiness.enabled&Attributes.member.2.Value=true",
	"Action=RegisterTargets&TargetGroupArn=" + fuzzTG + "&Targets.member.1.Id=i-1&Targets.member.1.Port=32768&Targets.member.2.Id=i-2",
	"Action=DeregisterTargets&TargetGroupArn=" + fuzzTG + "&Targets.member.1.Id=i-1&Targets.member.1.Port=32768",
	"Action=DescribeTargetHealth&TargetGroupArn=" + fuzzTG + "&Targets.member.1.Id=i-3&Include.member.1=All",
	"Action=CreateListener&LoadBalancerArn=" + fuzzLB + "&Protocol=HTTP&Port=8080&DefaultActions.member.1.Type=fixed-response&DefaultActions.member.1.FixedResponseConfig.StatusCode=404&DefaultActions.member.1.FixedResponseConfig.MessageBody=no",
	"Action=CreateListener&LoadBalancerArn=" + fuzzLB + "&Protocol=HTTPS&Port=443&Certificates.member.1.CertificateArn=arn:cert&DefaultActions.member.1.Type=redirect&DefaultActions.member.1.RedirectConfig.StatusCode=HTTP_301&DefaultActions.member.1.RedirectConfig.Protocol=HTTPS",
	"Action=DescribeListeners&LoadBalancerArn=" + fuzzLB + "&PageSize=400",
	"Action=ModifyListener&ListenerArn=" + fuzzListener + "&Port=81&DefaultActions.member.1.Type=forward&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=" + fuzzTG + "&DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.Enabled=true&DefaultActions.member.1.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds=60",
	"Action=CreateRule&ListenerArn=" + fuzzListener + "&Priority=20&Conditions.member.1.Field=path-pattern&Conditions.member.1.PathPatternConfig.Values.member.1=%2Fapi%2F*&Actions.member.1.Type=forward&Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=" + fuzzTG + "&Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight=10",
	"Action=CreateRule&ListenerArn=" + fuzzListener + "&Priority=30&Conditions.member.1.Field=http-header&Conditions.member.1.HttpHeaderConfig.HttpHeaderName=X-A&Conditions.member.1.HttpHeaderConfig.Values.member.1=b*&Conditions.member.2.Field=query-string&Conditions.member.2.QueryStringConfig.Values.member.1.Key=a&Conditions.member.2.QueryStringConfig.Values.member.1.Value=1&Conditions.member.3.Field=source-ip&Conditions.member.3.SourceIpConfig.Values.member.1=10.0.0.0%2F8&Actions.member.1.Type=fixed-response&Actions.member.1.FixedResponseConfig.StatusCode=200",
	"Action=CreateRule&ListenerArn=" + fuzzListener + "&Priority=40&Conditions.member.1.Field=host-header&Conditions.member.1.Values.member.1=a.example.com&Conditions.member.2.Field=http-request-method&Conditions.member.2.HttpRequestMethodConfig.Values.member.1=GET&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn=" + fuzzTG + "&Actions.member.1.Order=1",
	"Action=DescribeRules&ListenerArn=" + fuzzListener,
	"Action=DescribeRules&RuleArns.member.1=" + fuzzRule,
	"Action=ModifyRule&RuleArn=" + fuzzRule + "&Conditions=&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn=" + fuzzTG,
	"Action=SetRulePriorities&RulePriorities.member.1.RuleArn=" + fuzzRule + "&RulePriorities.member.1.Priority=50000",
	"Action=AddTags&ResourceArns.member.1=" + fuzzLB + "&ResourceArns.member.2=" + fuzzRule + "&Tags.member.1.Key=a&Tags.member.1.Value=b",
	"Action=RemoveTags&ResourceArns.member.1=" + fuzzLB + "&TagKeys.member.1=a",
	"Action=DescribeTags&ResourceArns.member.1=" + fuzzTG + "&ResourceArns.member.2=" + fuzzListener,
	"Action=DescribeTags&ResourceArns=",
	"Action=CreateRule&Priority=ten&Conditions.member.0.Field=x",
	"Action=RegisterTargets&TargetGroupArn=" + fuzzTG + "&Targets.member.1.Port=-1",
	"Action=DeleteListener&ListenerArn=" + fuzzListener,
	"Action=DeleteRule&RuleArn=" + fuzzRule,
	"Action=Nope",
	"",
}

// FuzzHandle feeds arbitrary form bodies to the Handler, through
// awsapi.DecodeQuery as the server does, against a live control plane
// holding a load balancer, a target group, a listener and a rule. Every
// answer must be a result that encodes as well-formed XML, or an AWS client
// error: no panic, no server fault, nothing logged at error level.
func FuzzHandle(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	var logged atomic.Int64
	logger := slog.New(countingHandler{n: &logged})
	c, _ := newControl(f, logger)
	h := &elbapi.Handler{Control: c}
	for _, body := range []string{
		"Action=CreateLoadBalancer&Name=demo",
		"Action=CreateTargetGroup&Name=api&Protocol=HTTP&Port=80",
		"Action=CreateListener&LoadBalancerArn=" + fuzzLB + "&Protocol=HTTP&Port=80&DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn=" + fuzzTG,
		"Action=CreateRule&ListenerArn=" + fuzzListener + "&Priority=10&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=%2Fa&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn=" + fuzzTG,
	} {
		params, _ := url.ParseQuery(body)
		if _, err := h.Handle(context.Background(), params.Get("Action"), params); err != nil {
			f.Fatalf("%s: %v", body, err)
		}
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
			_ = awsapi.EncodeQueryError(elbapi.Namespace, ae, "id")
			return
		}
		wellFormed(t, action, awsapi.EncodeQueryResult(action, elbapi.Namespace, res, "id"))
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
