package awsapi_test

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/awsapi"
)

type matcher struct {
	HTTPCode string `json:"HttpCode"`
}

type target struct {
	ID   string `json:"Id"`
	Port int    `json:"Port,omitempty"`
}

type action struct {
	Type          string
	ForwardConfig *struct {
		TargetGroups []struct {
			TargetGroupArn string
			Weight         *int
		}
	}
}

type input struct {
	Name            string
	Port            int
	HealthCheckPath string
	Enabled         *bool `query:"HealthCheckEnabled"`
	Matcher         *matcher
	Targets         []target
	Actions         []action
	Names           []string
	Tags            map[string]string
	Skipped         string `json:"-"`
	When            time.Time
}

func TestDecodeQuery(t *testing.T) {
	params, err := url.ParseQuery("Action=CreateTargetGroup&Version=2015-12-01&Name=web&Port=80&HealthCheckPath=%2Fhealth" +
		"&HealthCheckEnabled=false&Matcher.HttpCode=200-299&Targets.member.1.Id=i-0abc&Targets.member.1.Port=32768" +
		"&Targets.member.2.Id=10.0.0.1&Actions.member.1.Type=forward" +
		"&Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=arn1&Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight=10" +
		"&Names=&Tags.entry.1.key=team&Tags.entry.1.value=api&Skipped=x&When=2026-11-25T12:00:00.5Z&Unknown=1")
	if err != nil {
		t.Fatal(err)
	}
	var in input
	if err := awsapi.DecodeQuery(params, &in); err != nil {
		t.Fatal(err)
	}
	weight := 10
	enabled := false
	want := input{
		Name: "web", Port: 80, HealthCheckPath: "/health", Enabled: &enabled, Matcher: &matcher{"200-299"},
		Targets: []target{{"i-0abc", 32768}, {"10.0.0.1", 0}},
		Names:   []string{}, Tags: map[string]string{"team": "api"},
		When: time.Date(2026, 11, 25, 12, 0, 0, 5e8, time.UTC),
	}
	want.Actions = []action{{Type: "forward", ForwardConfig: &struct {
		TargetGroups []struct {
			TargetGroupArn string
			Weight         *int
		}
	}{TargetGroups: []struct {
		TargetGroupArn string
		Weight         *int
	}{{"arn1", &weight}}}}}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("got  %+v\nwant %+v", in, want)
	}

	// EncodeQuery is the inverse.
	var back input
	if err := awsapi.DecodeQuery(awsapi.EncodeQuery(&in), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, in) {
		t.Fatalf("round trip: got %+v\nwant %+v", back, in)
	}
}

func TestDecodeQueryErrors(t *testing.T) {
	for _, tt := range []struct{ query, msg string }{
		{"Port=eighty", "Value 'eighty' for parameter Port is invalid. It must be an integer."},
		{"HealthCheckEnabled=yes", "Value 'yes' for parameter HealthCheckEnabled is invalid. It must be true or false."},
		{"Targets.member.1.Port=x", "Value 'x' for parameter Targets.member.1.Port is invalid. It must be an integer."},
		{"Port=99999999999999999999", "for parameter Port is invalid"},
	} {
		params, _ := url.ParseQuery(tt.query)
		var in input
		err := awsapi.DecodeQuery(params, &in)
		var ae *awsapi.Error
		if !errors.As(err, &ae) || ae.Code != "ValidationError" || !strings.Contains(ae.Message, tt.msg) {
			t.Errorf("%s: got %v; want ValidationError %q", tt.query, err, tt.msg)
		}
	}
}

func TestEncodeQueryResult(t *testing.T) {
	type tg struct {
		TargetGroupArn   string
		Port             int
		HealthCheckPath  string `json:",omitempty"`
		Matcher          *matcher
		LoadBalancerArns []string
		Created          time.Time
		Missing          *matcher
	}
	result := struct{ TargetGroups []tg }{[]tg{{
		TargetGroupArn: "arn:a&b", Port: 80, Matcher: &matcher{"200"}, LoadBalancerArns: []string{},
		Created: time.Date(2016, 3, 25, 21, 26, 12, 920e6, time.UTC),
	}}}
	got := string(awsapi.EncodeQueryResult("CreateTargetGroup", "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/", result, "req-1"))
	want := `<?xml version="1.0" encoding="UTF-8"?>` +
		`<CreateTargetGroupResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><CreateTargetGroupResult>` +
		`<TargetGroups><member><TargetGroupArn>arn:a&amp;b</TargetGroupArn><Port>80</Port><Matcher><HttpCode>200</HttpCode></Matcher>` +
		`<LoadBalancerArns/><Created>2016-03-25T21:26:12.920Z</Created></member></TargetGroups>` +
		`</CreateTargetGroupResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></CreateTargetGroupResponse>`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	empty := string(awsapi.EncodeQueryResult("RegisterTargets", "ns", nil, "r"))
	if !strings.Contains(empty, "<RegisterTargetsResult></RegisterTargetsResult>") {
		t.Fatalf("empty result: got %s", empty)
	}
}

func TestEncodeQueryError(t *testing.T) {
	got := string(awsapi.EncodeQueryError("ns", &awsapi.Error{Code: "TargetGroupNotFound", Message: "One or more target groups not found"}, "foo-id"))
	want := `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse xmlns="ns"><Error><Type>Sender</Type><Code>TargetGroupNotFound</Code>` +
		`<Message>One or more target groups not found</Message></Error><RequestId>foo-id</RequestId></ErrorResponse>`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if fault := string(awsapi.EncodeQueryError("ns", &awsapi.Error{Code: "InternalFailure", Message: "x"}, "r")); !strings.Contains(fault, "<Type>Receiver</Type>") {
		t.Fatalf("fault: got %s", fault)
	}
}

// FuzzDecodeQuery: no form body makes the decoder panic.
func FuzzDecodeQuery(f *testing.F) {
	f.Add("Name=web&Targets.member.1.Id=i-1&Tags.entry.1.key=k&Tags.entry.1.value=v")
	f.Add("Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight=x")
	f.Add("Targets.member.1=&Targets.member.2.Port=1")
	f.Fuzz(func(t *testing.T, body string) {
		params, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		var in input
		_ = awsapi.DecodeQuery(params, &in)
	})
}
