package elb

import (
	"strings"
	"testing"
)

func TestListenerValidate(t *testing.T) {
	tests := []struct {
		name     string
		l        Listener
		wantCode string
		wantMsg  string
	}{
		{"OK", Listener{Port: 80, Protocol: ProtocolHTTP, DefaultActions: forwardTo("tg")}, "", ""},
		{"OK/HTTPS", Listener{Port: 443, Protocol: ProtocolHTTPS, Certificates: []Certificate{{CertificateARN: "c"}}, DefaultActions: []Action{fixed("404")}}, "", ""},
		{"ErrHTTPSNoCert", Listener{Port: 443, Protocol: ProtocolHTTPS, DefaultActions: forwardTo("tg")}, CodeValidationError, "certificate"},
		{"ErrProtocol", Listener{Port: 80, Protocol: "TCP", DefaultActions: forwardTo("tg")}, CodeUnsupportedProtocol, "not supported"},
		{"ErrPort", Listener{Port: 0, Protocol: ProtocolHTTP, DefaultActions: forwardTo("tg")}, CodeValidationError, "'port'"},
		{"ErrNoDefaultActions", Listener{Port: 80, Protocol: ProtocolHTTP}, CodeValidationError, "At least one action"},
		{"ErrLiteralSelfRedirect", Listener{Port: 80, Protocol: ProtocolHTTP, DefaultActions: []Action{redirect(RedirectActionConfig{Protocol: "HTTP", Port: "80", StatusCode: RedirectStatusCode301})}}, CodeInvalidLoadBalancerAction, "redirect to itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.l
			l.Canonicalize()
			err := l.Validate()
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if ErrorCode(err) != tt.wantCode || !strings.Contains(ErrorMessage(err), tt.wantMsg) {
				t.Errorf("err = %v; want %s containing %q", err, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestListenerValidateRule(t *testing.T) {
	l := &Listener{Port: 443, Protocol: ProtocolHTTPS, Certificates: []Certificate{{CertificateARN: "c"}}, DefaultActions: forwardTo("tg")}
	r := rule(1, "", pathCond("/old/*"))
	r.Actions = []Action{redirect(RedirectActionConfig{Protocol: "HTTP", Path: "/new/#{path}", StatusCode: RedirectStatusCode301})}
	if err := r.Validate(); err != nil {
		t.Fatalf("Rule.Validate without listener context: %v", err)
	}
	if err := l.ValidateRule(r); !strings.Contains(ErrorMessage(err), "from HTTPS to HTTP") {
		t.Errorf("ValidateRule: err = %v; want the HTTPS to HTTP refusal", err)
	}
	r.Actions = []Action{redirect(RedirectActionConfig{Protocol: "HTTPS", Port: "443", StatusCode: RedirectStatusCode302})}
	if err := l.ValidateRule(r); !strings.Contains(ErrorMessage(err), "redirect to itself") {
		t.Errorf("ValidateRule: err = %v; want the self-redirect refusal", err)
	}
	r.Actions = []Action{redirect(RedirectActionConfig{Protocol: "HTTPS", Port: "8443", StatusCode: RedirectStatusCode302})}
	if err := l.ValidateRule(r); err != nil {
		t.Errorf("redirect to another port: %v", err)
	}
}

func TestListenerDefaultRule(t *testing.T) {
	l := &Listener{Port: 80, Protocol: ProtocolHTTP, DefaultActions: forwardTo("tg")}
	l.Canonicalize()
	r := l.DefaultRule("arn:rule/default")
	if !r.IsDefault || r.RuleARN != "arn:rule/default" || len(r.Conditions) != 0 || r.Priority != 0 {
		t.Errorf("DefaultRule = %+v", r)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("default rule invalid: %v", err)
	}
	r.Actions[0].ForwardConfig.TargetGroups[0].TargetGroupARN = "changed"
	if l.DefaultActions[0].ForwardConfig.TargetGroups[0].TargetGroupARN != "tg" {
		t.Error("DefaultRule shares actions with the listener")
	}
	if !r.Match(&RequestInfo{}) {
		t.Error("default rule does not match everything")
	}
	c := l.Copy()
	c.DefaultActions[0].TargetGroupARN = "x"
	if l.DefaultActions[0].TargetGroupARN != "tg" {
		t.Error("Listener.Copy shares actions")
	}
}
