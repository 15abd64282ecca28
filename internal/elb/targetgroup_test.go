package elb

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func newTG() *TargetGroup {
	tg := &TargetGroup{TargetGroupName: "web", Protocol: ProtocolHTTP, Port: 80, VpcID: "vpc-1"}
	tg.Canonicalize()
	return tg
}

// TestTargetGroupCanonicalize checks the defaults against the CreateTargetGroup
// API example output quoted in §1.3 and the attribute table of §4.1.
func TestTargetGroupCanonicalize(t *testing.T) {
	tg := newTG()
	want := HealthCheck{
		HealthCheckEnabled:         ptr(true),
		HealthCheckProtocol:        ProtocolHTTP,
		HealthCheckPort:            "traffic-port",
		HealthCheckPath:            "/",
		HealthCheckIntervalSeconds: 30,
		HealthCheckTimeoutSeconds:  5,
		HealthyThresholdCount:      5,
		UnhealthyThresholdCount:    2,
		Matcher:                    Matcher{HTTPCode: "200"},
	}
	if !reflect.DeepEqual(tg.HealthCheck, want) {
		t.Errorf("HealthCheck = %+v; want %+v", tg.HealthCheck, want)
	}
	if tg.TargetType != TargetTypeInstance || tg.ProtocolVersion != ProtocolVersionHTTP1 || tg.IPAddressType != "ipv4" {
		t.Errorf("TargetType, ProtocolVersion, IPAddressType = %v, %v, %v", tg.TargetType, tg.ProtocolVersion, tg.IPAddressType)
	}
	if err := tg.Validate(); err != nil {
		t.Fatalf("default target group invalid: %v", err)
	}
	wantAttrs := []Attribute{
		{"deregistration_delay.timeout_seconds", "300"},
		{"slow_start.duration_seconds", "0"},
		{"load_balancing.algorithm.type", "round_robin"},
		{"load_balancing.algorithm.anomaly_mitigation", "off"},
		{"load_balancing.cross_zone.enabled", "use_load_balancer_configuration"},
		{"stickiness.enabled", "false"},
		{"stickiness.type", "lb_cookie"},
		{"stickiness.lb_cookie.duration_seconds", "86400"},
		{"stickiness.app_cookie.cookie_name", ""},
		{"stickiness.app_cookie.duration_seconds", "86400"},
		{"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "1"},
		{"target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", "off"},
		{"target_group_health.dns_failover.minimum_healthy_targets.count", "off"},
		{"target_group_health.dns_failover.minimum_healthy_targets.percentage", "off"},
	}
	if got := tg.Attributes.List(); !reflect.DeepEqual(got, wantAttrs) {
		t.Errorf("Attributes.List() =\n%v\nwant\n%v", got, wantAttrs)
	}
	if d := tg.Attributes.DeregistrationDelay(); d != 300*time.Second {
		t.Errorf("DeregistrationDelay = %v", d)
	}
}

func TestTargetGroupCanonicalizeGRPC(t *testing.T) {
	tg := &TargetGroup{TargetGroupName: "g", Protocol: ProtocolHTTPS, ProtocolVersion: ProtocolVersionGRPC, Port: 443}
	tg.Canonicalize()
	if tg.HealthCheckPath != "/AWS.ALB/healthcheck" || tg.Matcher.GRPCCode != "12" || tg.Matcher.HTTPCode != "" {
		t.Errorf("gRPC defaults: path %q, matcher %+v", tg.HealthCheckPath, tg.Matcher)
	}
	if tg.HealthCheckProtocol != ProtocolHTTPS {
		t.Errorf("HealthCheckProtocol = %v; want the target group protocol", tg.HealthCheckProtocol)
	}
	if err := tg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestTargetGroupValidate(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*TargetGroup)
		wantCode string
		wantMsg  string
	}{
		{"OK/ReferenceTimings", func(tg *TargetGroup) {
			tg.HealthCheckIntervalSeconds, tg.HealthCheckTimeoutSeconds = 6, 5
			tg.HealthyThresholdCount, tg.UnhealthyThresholdCount = 2, 2
		}, "", ""},
		{"OK/Range", func(tg *TargetGroup) { tg.Matcher.HTTPCode = "200-299" }, "", ""},
		{"OK/FixedPort", func(tg *TargetGroup) { tg.HealthCheckPort = "8080" }, "", ""},
		{"ErrTimeoutNotSmaller", func(tg *TargetGroup) { tg.HealthCheckIntervalSeconds, tg.HealthCheckTimeoutSeconds = 5, 5 },
			CodeValidationError, "Health check timeout '5' must be smaller than the interval '5'"},
		{"ErrIntervalLow", func(tg *TargetGroup) { tg.HealthCheckIntervalSeconds = 4; tg.HealthCheckTimeoutSeconds = 2 },
			CodeValidationError, "Value '4' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value greater than or equal to 5"},
		{"ErrTimeoutHigh", func(tg *TargetGroup) { tg.HealthCheckTimeoutSeconds = 121; tg.HealthCheckIntervalSeconds = 300 },
			CodeValidationError, "'healthCheckTimeoutSeconds' failed to satisfy constraint: Member must have value less than or equal to 120"},
		{"ErrHealthyThreshold", func(tg *TargetGroup) { tg.HealthyThresholdCount = 11 }, CodeValidationError, "healthyThresholdCount"},
		{"ErrUnhealthyThreshold", func(tg *TargetGroup) { tg.UnhealthyThresholdCount = 1 }, CodeValidationError, "unhealthyThresholdCount"},
		{"ErrMatcherOutOfRange", func(tg *TargetGroup) { tg.Matcher.HTTPCode = "200-500" }, CodeValidationError, "between 200 and 499"},
		{"ErrMatcherSyntax", func(tg *TargetGroup) { tg.Matcher.HTTPCode = "2xx" }, CodeValidationError, "Invalid HTTP code matcher"},
		{"ErrPath", func(tg *TargetGroup) { tg.HealthCheckPath = "health" }, CodeValidationError, "must start with '/'"},
		{"ErrPort", func(tg *TargetGroup) { tg.HealthCheckPort = "0" }, CodeValidationError, "'traffic-port' or a port"},
		{"ErrDisabled", func(tg *TargetGroup) { tg.HealthCheckEnabled = ptr(false) }, CodeValidationError, "cannot be disabled"},
		{"ErrName", func(tg *TargetGroup) { tg.TargetGroupName = "-web" }, CodeValidationError, "cannot begin or end with a hyphen"},
		{"ErrNameChars", func(tg *TargetGroup) { tg.TargetGroupName = "web_1" }, CodeValidationError, "only alphanumeric characters or hyphens"},
		{"ErrNameLong", func(tg *TargetGroup) { tg.TargetGroupName = strings.Repeat("a", 33) }, CodeValidationError, "longer than '32'"},
		{"ErrProtocol", func(tg *TargetGroup) { tg.Protocol = "TCP" }, CodeUnsupportedProtocol, "not supported"},
		{"ErrLambda", func(tg *TargetGroup) { tg.TargetType = TargetTypeLambda }, CodeValidationError, "not supported by ecslocal"},
		{"ErrPortRange", func(tg *TargetGroup) { tg.Port = 70000 }, CodeValidationError, "'port'"},
		{"ErrAttributes", func(tg *TargetGroup) { tg.Attributes.DeregistrationDelaySeconds = 4000 }, CodeValidationError, "deregistration_delay.timeout_seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := newTG()
			tt.mutate(tg)
			err := tg.Validate()
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
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

func TestHealthCheckHelpers(t *testing.T) {
	tg := newTG()
	if p := tg.HealthCheck.ResolvePort(32768); p != 32768 {
		t.Errorf("traffic-port resolves to %d; want the target port", p)
	}
	tg.HealthCheckPort = "8081"
	if p := tg.HealthCheck.ResolvePort(32768); p != 8081 {
		t.Errorf("fixed port resolves to %d", p)
	}
	if tg.Interval() != 30*time.Second || tg.Timeout() != 5*time.Second || !tg.Enabled() {
		t.Errorf("Interval, Timeout, Enabled = %v, %v, %v", tg.Interval(), tg.Timeout(), tg.Enabled())
	}
}

func TestTargetGroupAttributesApply(t *testing.T) {
	a := DefaultTargetGroupAttributes()
	got, err := a.Apply([]Attribute{
		{AttrDeregistrationDelay, "30"},
		{AttrSlowStart, "60"},
		{AttrStickinessEnabled, "true"},
		{AttrUnhealthyRoutingMinPercentage, "50"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.DeregistrationDelaySeconds != 30 || got.SlowStartSeconds != 60 || !got.StickinessEnabled || got.UnhealthyRoutingMinPercentage != 50 {
		t.Errorf("Apply = %+v", got)
	}
	if a.DeregistrationDelaySeconds != 300 {
		t.Error("Apply modified its receiver")
	}
	back, err := got.Apply([]Attribute{{AttrSlowStart, "0"}, {AttrUnhealthyRoutingMinPercentage, "off"}})
	if err != nil || back.SlowStartSeconds != 0 || back.UnhealthyRoutingMinPercentage != 0 {
		t.Errorf("turning off: %+v, %v", back, err)
	}
}

func TestTargetGroupAttributesApplyErrors(t *testing.T) {
	tests := []struct {
		name     string
		attrs    []Attribute
		wantCode string
		wantMsg  string
	}{
		{"UnknownKey", []Attribute{{"nope", "1"}}, CodeValidationError, "'nope' is not recognized"},
		{"DelayRange", []Attribute{{AttrDeregistrationDelay, "3601"}}, CodeValidationError, "from 0 to 3600"},
		{"SlowStartHole", []Attribute{{AttrSlowStart, "10"}}, CodeValidationError, "from 30 to 900"},
		{"Bool", []Attribute{{AttrStickinessEnabled, "yes"}}, CodeValidationError, "true or false"},
		{"Algorithm", []Attribute{{AttrAlgorithm, "random"}}, CodeValidationError, "round_robin"},
		{"LORWithSlowStart", []Attribute{{AttrAlgorithm, "least_outstanding_requests"}, {AttrSlowStart, "30"}}, CodeInvalidConfigurationRequest, "Slow start"},
		{"AnomalyNeedsWeightedRandom", []Attribute{{AttrAnomalyMitigation, "on"}}, CodeInvalidConfigurationRequest, "weighted_random"},
		{"AppCookieNameReserved", []Attribute{{AttrAppCookieName, "AWSALBAPP-x"}}, CodeValidationError, "cannot start with 'AWSALB'"},
		{"AppCookieNeedsName", []Attribute{{AttrStickinessEnabled, "true"}, {AttrStickinessType, "app_cookie"}}, CodeValidationError, "cookie name is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := DefaultTargetGroupAttributes()
			got, err := a.Apply(tt.attrs)
			if got != a {
				t.Error("Apply returned a modified value on error")
			}
			if ErrorCode(err) != tt.wantCode || !strings.Contains(ErrorMessage(err), tt.wantMsg) {
				t.Errorf("err = %v; want %s containing %q", err, tt.wantCode, tt.wantMsg)
			}
		})
	}
}
