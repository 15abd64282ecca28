package elb

import (
	"strings"
	"testing"
)

func TestActionCanonicalizeForward(t *testing.T) {
	a := Action{Type: ActionTypeForward, TargetGroupARN: "tg-1"}
	a.Canonicalize()
	fc := a.ForwardConfig
	if fc == nil || len(fc.TargetGroups) != 1 || fc.TargetGroups[0].TargetGroupARN != "tg-1" || *fc.TargetGroups[0].Weight != 1 {
		t.Fatalf("ForwardConfig = %+v; want one group tg-1 of weight 1", fc)
	}
	if fc.TargetGroupStickinessConfig == nil || fc.TargetGroupStickinessConfig.Enabled {
		t.Errorf("stickiness = %+v; want present and disabled", fc.TargetGroupStickinessConfig)
	}

	b := Action{Type: ActionTypeForward, ForwardConfig: &ForwardActionConfig{TargetGroups: []TargetGroupTuple{{TargetGroupARN: "tg-2"}}}}
	b.Canonicalize()
	if b.TargetGroupARN != "tg-2" {
		t.Errorf("TargetGroupARN = %q; want tg-2 mirrored from a one-group ForwardConfig", b.TargetGroupARN)
	}
	if err := ValidateActions([]Action{a}, ProtocolHTTP); err != nil {
		t.Errorf("canonical forward invalid: %v", err)
	}
	if err := ValidateActions([]Action{b}, ProtocolHTTP); err != nil {
		t.Errorf("canonical forward invalid: %v", err)
	}
}

func TestActionCanonicalizeRedirect(t *testing.T) {
	a := Action{Type: ActionTypeRedirect, RedirectConfig: &RedirectActionConfig{Protocol: "HTTPS", StatusCode: RedirectStatusCode301}}
	a.Canonicalize()
	want := RedirectActionConfig{Protocol: "HTTPS", Port: "#{port}", Host: "#{host}", Path: "/#{path}", Query: "#{query}", StatusCode: RedirectStatusCode301}
	if *a.RedirectConfig != want {
		t.Errorf("RedirectConfig = %+v; want %+v", *a.RedirectConfig, want)
	}
}

func fixed(code string) Action {
	return Action{Type: ActionTypeFixedResponse, FixedResponseConfig: &FixedResponseActionConfig{StatusCode: code, ContentType: "text/plain"}}
}

func redirect(rc RedirectActionConfig) Action {
	a := Action{Type: ActionTypeRedirect, RedirectConfig: &rc}
	a.Canonicalize()
	return a
}

func TestValidateActions(t *testing.T) {
	tooMany := &ForwardActionConfig{}
	for _, arn := range []string{"a", "b", "c", "d", "e", "f"} {
		tooMany.TargetGroups = append(tooMany.TargetGroups, TargetGroupTuple{TargetGroupARN: arn})
	}
	tests := []struct {
		name     string
		actions  []Action
		proto    Protocol
		wantCode string
		wantMsg  string
	}{
		{"OK/Fixed", []Action{fixed("404")}, ProtocolHTTP, "", ""},
		{"OK/Weighted", []Action{{Type: ActionTypeForward, ForwardConfig: weighted("a", 10, "b", 20)}}, ProtocolHTTP, "", ""},
		{"OK/RedirectToHTTPS", []Action{redirect(RedirectActionConfig{Protocol: "HTTPS", Port: "443", StatusCode: RedirectStatusCode301})}, ProtocolHTTP, "", ""},
		{"ErrNone", nil, ProtocolHTTP, CodeValidationError, "At least one action"},
		{"ErrTwoTerminal", []Action{{Order: 1, Type: ActionTypeForward, TargetGroupARN: "a"}, {Order: 2, Type: ActionTypeForward, TargetGroupARN: "b"}}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "exactly one"},
		{"ErrOrderMissing", []Action{{Type: ActionTypeAuthenticateOIDC}, fixed("200")}, ProtocolHTTPS, CodeInvalidLoadBalancerAction, "order must be specified"},
		{"ErrTerminalNotLast", []Action{{Order: 2, Type: ActionTypeAuthenticateOIDC}, func() Action { a := fixed("200"); a.Order = 1; return a }()}, ProtocolHTTPS, CodeInvalidLoadBalancerAction, "must be the last action"},
		{"ErrDuplicateOrder", []Action{{Order: 1, Type: ActionTypeAuthenticateOIDC}, func() Action { a := fixed("200"); a.Order = 1; return a }()}, ProtocolHTTPS, CodeInvalidLoadBalancerAction, "used more than once"},
		{"ErrAuthOnHTTP", []Action{{Order: 1, Type: ActionTypeAuthenticateCognito}, func() Action { a := fixed("200"); a.Order = 2; return a }()}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "only on HTTPS"},
		{"ErrUnknownType", []Action{{Type: "drop"}}, ProtocolHTTP, CodeValidationError, "enum value set"},
		{"ErrForwardEmpty", []Action{{Type: ActionTypeForward}}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "requires 'TargetGroupArn' or 'ForwardConfig'"},
		{"ErrForwardTooMany", []Action{{Type: ActionTypeForward, ForwardConfig: tooMany}}, ProtocolHTTP, CodeTooManyTargetGroups, "only have '5' target groups"},
		{"ErrWeightTooHigh", []Action{{Type: ActionTypeForward, ForwardConfig: weighted("a", 1000)}}, ProtocolHTTP, CodeValidationError, "less than or equal to 999"},
		{"ErrWeightNegative", []Action{{Type: ActionTypeForward, ForwardConfig: weighted("a", -1)}}, ProtocolHTTP, CodeValidationError, "greater than or equal to 0"},
		{"ErrDuplicateGroup", []Action{{Type: ActionTypeForward, ForwardConfig: weighted("a", 1, "a", 2)}}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "more than once"},
		{"ErrArnAndDifferentConfig", []Action{{Type: ActionTypeForward, TargetGroupARN: "x", ForwardConfig: weighted("a", 1)}}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "different 'ForwardConfig'"},
		{"ErrStickinessDuration", []Action{{Type: ActionTypeForward, ForwardConfig: &ForwardActionConfig{TargetGroups: []TargetGroupTuple{{TargetGroupARN: "a"}}, TargetGroupStickinessConfig: &TargetGroupStickinessConfig{Enabled: true}}}}, ProtocolHTTP, CodeValidationError, "durationSeconds"},
		{"ErrRedirectToItself", []Action{redirect(RedirectActionConfig{StatusCode: RedirectStatusCode301})}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "redirect to itself"},
		{"ErrRedirectQueryOnlyIsStillItself", []Action{redirect(RedirectActionConfig{Query: "x=1", StatusCode: RedirectStatusCode301})}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "redirect to itself"},
		{"ErrRedirectHTTPSToHTTP", []Action{redirect(RedirectActionConfig{Protocol: "HTTP", StatusCode: RedirectStatusCode301})}, ProtocolHTTPS, CodeInvalidLoadBalancerAction, "from HTTPS to HTTP"},
		{"ErrRedirectNoStatus", []Action{redirect(RedirectActionConfig{Protocol: "HTTPS"})}, ProtocolHTTP, CodeValidationError, "statusCode"},
		{"ErrRedirectBadPort", []Action{redirect(RedirectActionConfig{Port: "70000", StatusCode: RedirectStatusCode301})}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "port '70000'"},
		{"ErrRedirectPathNoSlash", []Action{redirect(RedirectActionConfig{Path: "x", StatusCode: RedirectStatusCode301})}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "must start with '/'"},
		{"ErrRedirectQueryMark", []Action{redirect(RedirectActionConfig{Path: "/x", Query: "?a=1", StatusCode: RedirectStatusCode301})}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "must not start with '?'"},
		{"ErrRedirectPlaceholderPlace", []Action{redirect(RedirectActionConfig{Host: "#{path}.example.com", StatusCode: RedirectStatusCode301})}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "cannot use '#{path}'"},
		{"ErrRedirectLowercaseProtocol", []Action{redirect(RedirectActionConfig{Protocol: "https", StatusCode: RedirectStatusCode301})}, ProtocolHTTP, CodeInvalidLoadBalancerAction, "must be 'HTTP', 'HTTPS'"},
		{"ErrFixedStatus", []Action{fixed("302")}, ProtocolHTTP, CodeValidationError, "regular expression"},
		{"ErrFixedContentType", []Action{{Type: ActionTypeFixedResponse, FixedResponseConfig: &FixedResponseActionConfig{StatusCode: "200", ContentType: "image/png"}}}, ProtocolHTTP, CodeValidationError, "contentType"},
		{"ErrFixedBodyTooLong", []Action{{Type: ActionTypeFixedResponse, FixedResponseConfig: &FixedResponseActionConfig{StatusCode: "200", MessageBody: strings.Repeat("x", 1025)}}}, ProtocolHTTP, CodeValidationError, "length less than or equal to 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.actions {
				if tt.actions[i].Type == ActionTypeForward {
					tt.actions[i].Canonicalize()
				}
			}
			err := ValidateActions(tt.actions, tt.proto)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("ValidateActions: %v; want nil", err)
				}
				return
			}
			if got := ErrorCode(err); got != tt.wantCode {
				t.Errorf("code = %q; want %q (err %v)", got, tt.wantCode, err)
			}
			if msg := ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message = %q; want it to contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestActionCopyIsDeep(t *testing.T) {
	a := Action{Type: ActionTypeForward, ForwardConfig: weighted("a", 5)}
	a.Canonicalize()
	c := a.Copy()
	*c.ForwardConfig.TargetGroups[0].Weight = 9
	c.ForwardConfig.TargetGroupStickinessConfig.Enabled = true
	if *a.ForwardConfig.TargetGroups[0].Weight != 5 || a.ForwardConfig.TargetGroupStickinessConfig.Enabled {
		t.Error("Copy shares memory with the original")
	}
}

func TestActionTargetGroupARNs(t *testing.T) {
	a := Action{Type: ActionTypeForward, ForwardConfig: weighted("a", 1, "b", 0)}
	if got := a.TargetGroupARNs(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("TargetGroupARNs = %v", got)
	}
	if got := fixed("200"); got.TargetGroupARNs() != nil {
		t.Error("fixed-response has target groups")
	}
	if s := fixed("503").FixedResponseConfig.Status(); s != 503 {
		t.Errorf("Status = %d", s)
	}
}
