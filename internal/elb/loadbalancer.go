package elb

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// LoadBalancerState is LoadBalancer.State.Code (§4.6).
type LoadBalancerState string

// Load balancer state codes.
const (
	LoadBalancerStateProvisioning   LoadBalancerState = "provisioning"
	LoadBalancerStateActive         LoadBalancerState = "active"
	LoadBalancerStateActiveImpaired LoadBalancerState = "active_impaired"
	LoadBalancerStateFailed         LoadBalancerState = "failed"
)

// Load balancer schemes.
const (
	SchemeInternetFacing = "internet-facing"
	SchemeInternal       = "internal"
)

// LoadBalancer is an Application Load Balancer (ELBv2 LoadBalancer).
type LoadBalancer struct {
	LoadBalancerARN  string `json:"LoadBalancerArn,omitempty"`
	LoadBalancerName string `json:"LoadBalancerName"`
	DNSName          string `json:"DNSName,omitempty"`
	// Scheme "" means internet-facing.
	Scheme string `json:"Scheme,omitempty"`
	// Type "" means application; other types are refused.
	Type string `json:"Type,omitempty"`
	// IPAddressType "" means ipv4.
	IPAddressType  string            `json:"IpAddressType,omitempty"`
	VpcID          string            `json:"VpcId,omitempty"`
	SecurityGroups []string          `json:"SecurityGroups,omitempty"`
	State          LoadBalancerState `json:"State,omitempty"`
	// CreatedTime is set by control (STYLE.md §6.4: timestamps come in from
	// the caller, never from the domain).
	CreatedTime time.Time `json:"CreatedTime"`
	// Attributes are the load balancer attributes; the zero value means the
	// defaults of §4.6.
	Attributes LoadBalancerAttributes `json:"-"`
}

// Canonicalize applies the CreateLoadBalancer defaults.
func (lb *LoadBalancer) Canonicalize() {
	if lb.Scheme == "" {
		lb.Scheme = SchemeInternetFacing
	}
	if lb.Type == "" {
		lb.Type = "application"
	}
	if lb.IPAddressType == "" {
		lb.IPAddressType = "ipv4"
	}
	if lb.State == "" {
		lb.State = LoadBalancerStateProvisioning
	}
	if lb.Attributes == (LoadBalancerAttributes{}) {
		lb.Attributes = DefaultLoadBalancerAttributes()
	}
}

// Validate reports every problem of a canonical load balancer.
func (lb *LoadBalancer) Validate() error {
	var errs []error
	if err := validateResourceName("load balancer", lb.LoadBalancerName); err != nil {
		errs = append(errs, err)
	}
	// §7.3: the "internal-" prefix is reserved for internal DNS names.
	if strings.HasPrefix(lb.LoadBalancerName, "internal-") {
		errs = append(errs, NewValidationError("The load balancer name '%s' cannot begin with 'internal-'", lb.LoadBalancerName))
	}
	if lb.Type != "application" {
		errs = append(errs, NewValidationError("Load balancer type '%s' is not supported by ecslocal", lb.Type))
	}
	switch lb.Scheme {
	case SchemeInternetFacing, SchemeInternal:
	default:
		errs = append(errs, errEnum("scheme", lb.Scheme, []string{SchemeInternetFacing, SchemeInternal}))
	}
	switch lb.IPAddressType {
	case "ipv4", "dualstack":
	default:
		errs = append(errs, errEnum("ipAddressType", lb.IPAddressType, []string{"ipv4", "dualstack"}))
	}
	if err := lb.Attributes.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Copy returns a deep copy.
func (lb *LoadBalancer) Copy() *LoadBalancer {
	if lb == nil {
		return nil
	}
	c := *lb
	c.SecurityGroups = slices.Clone(lb.SecurityGroups)
	return &c
}

// LoadBalancerAttributes are the ALB attributes the emulator honours or
// round-trips (§4.6). Use DefaultLoadBalancerAttributes; the zero value is not
// valid (Canonicalize replaces it).
type LoadBalancerAttributes struct {
	// IdleTimeoutSeconds: 1-4000, default 60.
	IdleTimeoutSeconds int
	// ClientKeepAliveSeconds: 60-604800, default 3600.
	ClientKeepAliveSeconds int
	// DesyncMitigationMode: monitor, defensive (default) or strictest (§5.3).
	DesyncMitigationMode    string
	DropInvalidHeaderFields bool
	PreserveHostHeader      bool
	// XFFHeaderProcessingMode: append (default), preserve or remove (§5.1).
	XFFHeaderProcessingMode string
	XFFClientPort           bool
	TLSVersionAndCipherHdr  bool
	HTTP2Enabled            bool
	DeletionProtection      bool
	AccessLogsEnabled       bool
	AccessLogsBucket        string
	AccessLogsPrefix        string
	WAFFailOpen             bool
	// CrossZone is always true for an ALB (§4.6); Apply refuses false.
	CrossZone bool
}

// Load balancer attribute keys (§4.6).
const (
	AttrIdleTimeout             = "idle_timeout.timeout_seconds"
	AttrClientKeepAlive         = "client_keep_alive.seconds"
	AttrDesyncMitigationMode    = "routing.http.desync_mitigation_mode"
	AttrDropInvalidHeaderFields = "routing.http.drop_invalid_header_fields.enabled"
	AttrPreserveHostHeader      = "routing.http.preserve_host_header.enabled"
	AttrXFFHeaderProcessingMode = "routing.http.xff_header_processing.mode"
	AttrXFFClientPort           = "routing.http.xff_client_port.enabled"
	AttrTLSVersionAndCipher     = "routing.http.x_amzn_tls_version_and_cipher_suite.enabled"
	AttrHTTP2Enabled            = "routing.http2.enabled"
	AttrDeletionProtection      = "deletion_protection.enabled"
	AttrAccessLogsEnabled       = "access_logs.s3.enabled"
	AttrAccessLogsBucket        = "access_logs.s3.bucket"
	AttrAccessLogsPrefix        = "access_logs.s3.prefix"
	AttrWAFFailOpen             = "waf.fail_open.enabled"
	AttrLoadBalancerCrossZone   = "load_balancing.cross_zone.enabled"
)

// Values of routing.http.desync_mitigation_mode (§5.3): what the load
// balancer does with a request by its desync classification.
const (
	// DesyncModeMonitor forwards every request; only the access log and
	// DesyncMitigationMode_NonCompliant_Request_Count show the class.
	DesyncModeMonitor = "monitor"
	// DesyncModeDefensive (the default) blocks Severe requests with 400
	// and closes both connections after an Ambiguous one.
	DesyncModeDefensive = "defensive"
	// DesyncModeStrictest forwards only Compliant requests.
	DesyncModeStrictest = "strictest"
)

// DefaultLoadBalancerAttributes returns the §4.6 defaults.
func DefaultLoadBalancerAttributes() LoadBalancerAttributes {
	return LoadBalancerAttributes{
		IdleTimeoutSeconds:      60,
		ClientKeepAliveSeconds:  3600,
		DesyncMitigationMode:    DesyncModeDefensive,
		XFFHeaderProcessingMode: "append",
		HTTP2Enabled:            true,
		CrossZone:               true,
	}
}

// IdleTimeout returns the idle timeout as a duration.
func (a *LoadBalancerAttributes) IdleTimeout() time.Duration {
	return time.Duration(a.IdleTimeoutSeconds) * time.Second
}

var loadBalancerAttrSpecs = []attrSpec[LoadBalancerAttributes]{
	intAttr(AttrIdleTimeout, 1, 4000, func(a *LoadBalancerAttributes) *int { return &a.IdleTimeoutSeconds }),
	intAttr(AttrClientKeepAlive, 60, 604800, func(a *LoadBalancerAttributes) *int { return &a.ClientKeepAliveSeconds }),
	enumAttr(AttrDesyncMitigationMode, []string{DesyncModeMonitor, DesyncModeDefensive, DesyncModeStrictest}, func(a *LoadBalancerAttributes) *string { return &a.DesyncMitigationMode }),
	boolAttr(AttrDropInvalidHeaderFields, func(a *LoadBalancerAttributes) *bool { return &a.DropInvalidHeaderFields }),
	boolAttr(AttrPreserveHostHeader, func(a *LoadBalancerAttributes) *bool { return &a.PreserveHostHeader }),
	enumAttr(AttrXFFHeaderProcessingMode, []string{"append", "preserve", "remove"}, func(a *LoadBalancerAttributes) *string { return &a.XFFHeaderProcessingMode }),
	boolAttr(AttrXFFClientPort, func(a *LoadBalancerAttributes) *bool { return &a.XFFClientPort }),
	boolAttr(AttrTLSVersionAndCipher, func(a *LoadBalancerAttributes) *bool { return &a.TLSVersionAndCipherHdr }),
	boolAttr(AttrHTTP2Enabled, func(a *LoadBalancerAttributes) *bool { return &a.HTTP2Enabled }),
	boolAttr(AttrDeletionProtection, func(a *LoadBalancerAttributes) *bool { return &a.DeletionProtection }),
	boolAttr(AttrAccessLogsEnabled, func(a *LoadBalancerAttributes) *bool { return &a.AccessLogsEnabled }),
	stringAttr(AttrAccessLogsBucket, 1024, func(a *LoadBalancerAttributes) *string { return &a.AccessLogsBucket }),
	stringAttr(AttrAccessLogsPrefix, 1024, func(a *LoadBalancerAttributes) *string { return &a.AccessLogsPrefix }),
	boolAttr(AttrWAFFailOpen, func(a *LoadBalancerAttributes) *bool { return &a.WAFFailOpen }),
	boolAttr(AttrLoadBalancerCrossZone, func(a *LoadBalancerAttributes) *bool { return &a.CrossZone }),
}

// List returns every attribute as Key/Value pairs, in the order
// DescribeLoadBalancerAttributes returns them.
func (a LoadBalancerAttributes) List() []Attribute {
	return listAttributes(loadBalancerAttrSpecs, &a)
}

// Apply returns a copy of a with the given attributes set
// (ModifyLoadBalancerAttributes). On error a is returned unchanged.
func (a LoadBalancerAttributes) Apply(attrs []Attribute) (LoadBalancerAttributes, error) {
	out, err := applyAttributes(loadBalancerAttrSpecs, a, attrs)
	if err == nil {
		err = out.Validate()
	}
	if err != nil {
		return a, err
	}
	return out, nil
}

// Validate reports every problem of the attribute values.
func (a LoadBalancerAttributes) Validate() error {
	var errs []error
	for _, s := range loadBalancerAttrSpecs {
		tmp := a
		if err := s.set(&tmp, s.get(&a)); err != nil {
			errs = append(errs, err)
		}
	}
	if !a.CrossZone {
		// §4.6: cross-zone load balancing is always on for an ALB.
		errs = append(errs, Errorf(CodeInvalidConfigurationRequest, "Cross-zone load balancing cannot be disabled for Application Load Balancers"))
	}
	if a.AccessLogsEnabled && a.AccessLogsBucket == "" {
		errs = append(errs, NewValidationError("An S3 bucket is required when access logs are enabled"))
	}
	return errors.Join(errs...)
}
