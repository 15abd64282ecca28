package elb

import (
	"strings"
	"testing"
)

func TestLoadBalancerCanonicalizeAndValidate(t *testing.T) {
	lb := &LoadBalancer{LoadBalancerName: "my-alb"}
	lb.Canonicalize()
	if lb.Scheme != SchemeInternetFacing || lb.Type != "application" || lb.IPAddressType != "ipv4" || lb.State != LoadBalancerStateProvisioning {
		t.Errorf("defaults = %+v", lb)
	}
	if err := lb.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	want := map[string]string{
		AttrIdleTimeout:             "60",
		AttrClientKeepAlive:         "3600",
		AttrDesyncMitigationMode:    "defensive",
		AttrXFFHeaderProcessingMode: "append",
		AttrHTTP2Enabled:            "true",
		AttrPreserveHostHeader:      "false",
		AttrDeletionProtection:      "false",
		AttrLoadBalancerCrossZone:   "true",
	}
	got := map[string]string{}
	for _, a := range lb.Attributes.List() {
		got[a.Key] = a.Value
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("attribute %s = %q; want %q", k, got[k], v)
		}
	}
	if lb.Attributes.IdleTimeout().Seconds() != 60 {
		t.Errorf("IdleTimeout = %v", lb.Attributes.IdleTimeout())
	}
}

func TestLoadBalancerValidateErrors(t *testing.T) {
	lb := &LoadBalancer{LoadBalancerName: "internal-x", Scheme: "public", Type: "network"}
	lb.Canonicalize()
	msg := ErrorMessage(lb.Validate())
	for _, want := range []string{"cannot begin with 'internal-'", "type 'network' is not supported", "'scheme'"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestLoadBalancerAttributesApply(t *testing.T) {
	a := DefaultLoadBalancerAttributes()
	got, err := a.Apply([]Attribute{{AttrIdleTimeout, "120"}, {AttrXFFHeaderProcessingMode, "remove"}})
	if err != nil || got.IdleTimeoutSeconds != 120 || got.XFFHeaderProcessingMode != "remove" {
		t.Errorf("Apply = %+v, %v", got, err)
	}
	if _, err := a.Apply([]Attribute{{AttrLoadBalancerCrossZone, "false"}}); ErrorCode(err) != CodeInvalidConfigurationRequest {
		t.Errorf("disabling cross-zone: err = %v; want InvalidConfigurationRequest", err)
	}
	if _, err := a.Apply([]Attribute{{AttrIdleTimeout, "0"}}); !strings.Contains(ErrorMessage(err), "from 1 to 4000") {
		t.Errorf("idle timeout 0: err = %v", err)
	}
	if _, err := a.Apply([]Attribute{{AttrAccessLogsEnabled, "true"}}); !strings.Contains(ErrorMessage(err), "S3 bucket") {
		t.Errorf("access logs without bucket: err = %v", err)
	}
}

func TestLoadBalancerCopy(t *testing.T) {
	lb := &LoadBalancer{LoadBalancerName: "a", SecurityGroups: []string{"sg-1"}}
	c := lb.Copy()
	c.SecurityGroups[0] = "sg-2"
	if lb.SecurityGroups[0] != "sg-1" {
		t.Error("Copy shares SecurityGroups")
	}
}
