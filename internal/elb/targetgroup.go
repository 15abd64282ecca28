package elb

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Protocol is a listener, target group or health check protocol.
type Protocol string

// Protocols of an Application Load Balancer (§3.1, §1.3).
const (
	ProtocolHTTP  Protocol = "HTTP"
	ProtocolHTTPS Protocol = "HTTPS"
)

// ProtocolVersion is TargetGroup.ProtocolVersion.
type ProtocolVersion string

// Target group protocol versions; HTTP1 is the default.
const (
	ProtocolVersionHTTP1 ProtocolVersion = "HTTP1"
	ProtocolVersionHTTP2 ProtocolVersion = "HTTP2"
	ProtocolVersionGRPC  ProtocolVersion = "GRPC"
)

// TargetType is TargetGroup.TargetType. The emulator supports instance (ECS
// bridge mode) and ip (awsvpc); lambda and alb are refused by Validate.
type TargetType string

// Target types of the ELBv2 API.
const (
	TargetTypeInstance TargetType = "instance"
	TargetTypeIP       TargetType = "ip"
	TargetTypeLambda   TargetType = "lambda"
	TargetTypeALB      TargetType = "alb"
)

// HealthCheckPortTrafficPort is the HealthCheckPort value meaning "each
// target's own registered port" (§1.3).
const HealthCheckPortTrafficPort = "traffic-port"

// Health check defaults and limits for HTTP/HTTPS target groups (§1.3).
const (
	DefaultHealthCheckPath         = "/"
	DefaultGRPCHealthCheckPath     = "/AWS.ALB/healthcheck"
	DefaultHealthCheckInterval     = 30
	DefaultHealthCheckTimeout      = 5
	DefaultHealthyThresholdCount   = 5
	DefaultUnhealthyThresholdCount = 2
	DefaultHTTPCode                = "200"
	DefaultGRPCCode                = "12"
)

// Matcher is the health check success matcher: HTTPCode for HTTP1/HTTP2
// target groups, GRPCCode for GRPC ones (§1.3).
type Matcher struct {
	HTTPCode string `json:"HttpCode,omitempty"`
	GRPCCode string `json:"GrpcCode,omitempty"`
}

// HealthCheck holds the health check settings ELBv2 flattens onto the target
// group; TargetGroup embeds it so the field names stay those of the API.
// Zero values mean "not set" (every valid value is non-zero) and Canonicalize
// replaces them with the defaults.
type HealthCheck struct {
	// HealthCheckEnabled nil means true; it cannot be false for instance and
	// ip targets (§1.3).
	HealthCheckEnabled  *bool    `json:"HealthCheckEnabled,omitempty"`
	HealthCheckProtocol Protocol `json:"HealthCheckProtocol,omitempty"`
	// HealthCheckPort is "traffic-port" or a port number as a string.
	HealthCheckPort            string  `json:"HealthCheckPort,omitempty"`
	HealthCheckPath            string  `json:"HealthCheckPath,omitempty"`
	HealthCheckIntervalSeconds int     `json:"HealthCheckIntervalSeconds,omitempty"`
	HealthCheckTimeoutSeconds  int     `json:"HealthCheckTimeoutSeconds,omitempty"`
	HealthyThresholdCount      int     `json:"HealthyThresholdCount,omitempty"`
	UnhealthyThresholdCount    int     `json:"UnhealthyThresholdCount,omitempty"`
	Matcher                    Matcher `json:"Matcher"`
}

// Enabled reports whether health checks run (nil HealthCheckEnabled is true).
func (hc *HealthCheck) Enabled() bool {
	return hc.HealthCheckEnabled == nil || *hc.HealthCheckEnabled
}

// Interval returns HealthCheckIntervalSeconds as a duration.
func (hc *HealthCheck) Interval() time.Duration {
	return time.Duration(hc.HealthCheckIntervalSeconds) * time.Second
}

// Timeout returns HealthCheckTimeoutSeconds as a duration.
func (hc *HealthCheck) Timeout() time.Duration {
	return time.Duration(hc.HealthCheckTimeoutSeconds) * time.Second
}

// ResolvePort returns the port to probe for a target registered on
// targetPort: targetPort itself for "traffic-port" (or unset), else the fixed
// port.
func (hc *HealthCheck) ResolvePort(targetPort int) int {
	if hc.HealthCheckPort == "" || hc.HealthCheckPort == HealthCheckPortTrafficPort {
		return targetPort
	}
	p, err := strconv.Atoi(hc.HealthCheckPort)
	if err != nil {
		return targetPort // Validate refuses this; fall back rather than probe port 0
	}
	return p
}

// Codes compiles the matcher for the given protocol version.
func (hc *HealthCheck) Codes(v ProtocolVersion) (CodeSet, error) {
	if v == ProtocolVersionGRPC {
		return ParseGRPCCodes(hc.Matcher.GRPCCode)
	}
	return ParseHTTPCodes(hc.Matcher.HTTPCode)
}

// canonicalize fills the §1.3 defaults. The health check protocol defaults to
// the target group's protocol; the CreateTargetGroup example output is exactly
// interval 30, path "/", port traffic-port, timeout 5, healthy 5, unhealthy 2,
// matcher 200.
func (hc *HealthCheck) canonicalize(p Protocol, v ProtocolVersion) {
	if hc.HealthCheckEnabled == nil {
		hc.HealthCheckEnabled = ptr(true)
	}
	if hc.HealthCheckProtocol == "" {
		hc.HealthCheckProtocol = p
	}
	if hc.HealthCheckProtocol == "" {
		hc.HealthCheckProtocol = ProtocolHTTP
	}
	if hc.HealthCheckPort == "" {
		hc.HealthCheckPort = HealthCheckPortTrafficPort
	}
	if hc.HealthCheckPath == "" {
		hc.HealthCheckPath = DefaultHealthCheckPath
		if v == ProtocolVersionGRPC {
			hc.HealthCheckPath = DefaultGRPCHealthCheckPath
		}
	}
	setDefault(&hc.HealthCheckIntervalSeconds, DefaultHealthCheckInterval)
	setDefault(&hc.HealthCheckTimeoutSeconds, DefaultHealthCheckTimeout)
	setDefault(&hc.HealthyThresholdCount, DefaultHealthyThresholdCount)
	setDefault(&hc.UnhealthyThresholdCount, DefaultUnhealthyThresholdCount)
	if v == ProtocolVersionGRPC {
		if hc.Matcher.GRPCCode == "" {
			hc.Matcher.GRPCCode = DefaultGRPCCode
		}
	} else if hc.Matcher.HTTPCode == "" {
		hc.Matcher.HTTPCode = DefaultHTTPCode
	}
}

// validate appends the problems of a canonical health check.
func (hc *HealthCheck) validate(errs []error, tt TargetType, v ProtocolVersion) []error {
	if !hc.Enabled() && (tt == TargetTypeInstance || tt == TargetTypeIP) {
		// §1.3: health checks cannot be disabled for instance/ip targets.
		// Message unconfirmed.
		errs = append(errs, NewValidationError("Health checks cannot be disabled for target groups with target type '%s'", tt))
	}
	switch hc.HealthCheckProtocol {
	case ProtocolHTTP, ProtocolHTTPS:
	default:
		errs = append(errs, errEnum("healthCheckProtocol", hc.HealthCheckProtocol, []string{"HTTP", "HTTPS"}))
	}
	if hc.HealthCheckPort != HealthCheckPortTrafficPort {
		if p, err := strconv.Atoi(hc.HealthCheckPort); err != nil || p < 1 || p > 65535 {
			errs = append(errs, NewValidationError("Health check port '%s' must be 'traffic-port' or a port from 1 to 65535", hc.HealthCheckPort))
		}
	}
	if len(hc.HealthCheckPath) > 1024 {
		errs = append(errs, errMaxLen("healthCheckPath", hc.HealthCheckPath, 1024))
	}
	if !strings.HasPrefix(hc.HealthCheckPath, "/") {
		errs = append(errs, NewValidationError("Health check path '%s' must start with '/'", hc.HealthCheckPath))
	}
	errs = checkRange(errs, "healthCheckIntervalSeconds", hc.HealthCheckIntervalSeconds, 5, 300)
	errs = checkRange(errs, "healthCheckTimeoutSeconds", hc.HealthCheckTimeoutSeconds, 2, 120)
	errs = checkRange(errs, "healthyThresholdCount", hc.HealthyThresholdCount, 2, 10)
	errs = checkRange(errs, "unhealthyThresholdCount", hc.UnhealthyThresholdCount, 2, 10)
	if hc.HealthCheckTimeoutSeconds >= hc.HealthCheckIntervalSeconds {
		// §1.3: strictly smaller for HTTP/HTTPS target groups; this wording
		// is the observed CloudFormation error.
		errs = append(errs, NewValidationError("Health check timeout '%d' must be smaller than the interval '%d'", hc.HealthCheckTimeoutSeconds, hc.HealthCheckIntervalSeconds))
	}
	if _, err := hc.Codes(v); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// TargetGroup is an ELBv2 target group of an Application Load Balancer. It is
// configuration only: registered targets and their health are runtime state
// held by control and health (STYLE.md §6.7).
type TargetGroup struct {
	TargetGroupARN  string          `json:"TargetGroupArn,omitempty"`
	TargetGroupName string          `json:"TargetGroupName"`
	Protocol        Protocol        `json:"Protocol,omitempty"`
	ProtocolVersion ProtocolVersion `json:"ProtocolVersion,omitempty"`
	// Port is the default port of registered targets.
	Port  int    `json:"Port,omitempty"`
	VpcID string `json:"VpcId,omitempty"`
	// TargetType "" means instance.
	TargetType    TargetType `json:"TargetType,omitempty"`
	IPAddressType string     `json:"IpAddressType,omitempty"`
	HealthCheck
	// LoadBalancerARNs lists the load balancers whose rules forward here
	// (at most one, §3.6). Control maintains it.
	LoadBalancerARNs []string `json:"LoadBalancerArns"`
	// Attributes are the target group attributes; the zero value means the
	// defaults of §4.1.
	Attributes TargetGroupAttributes `json:"-"`
}

// Canonicalize applies the defaults ELBv2 applies on CreateTargetGroup.
func (tg *TargetGroup) Canonicalize() {
	if tg.TargetType == "" {
		tg.TargetType = TargetTypeInstance
	}
	if tg.ProtocolVersion == "" && tg.TargetType != TargetTypeLambda {
		tg.ProtocolVersion = ProtocolVersionHTTP1
	}
	if tg.IPAddressType == "" {
		tg.IPAddressType = "ipv4"
	}
	if tg.LoadBalancerARNs == nil {
		tg.LoadBalancerARNs = []string{}
	}
	tg.HealthCheck.canonicalize(tg.Protocol, tg.ProtocolVersion)
	if tg.Attributes == (TargetGroupAttributes{}) {
		tg.Attributes = DefaultTargetGroupAttributes()
	}
}

// Validate reports every problem of a canonical target group.
func (tg *TargetGroup) Validate() error {
	var errs []error
	if err := validateResourceName("target group", tg.TargetGroupName); err != nil {
		errs = append(errs, err)
	}
	switch tg.TargetType {
	case TargetTypeInstance, TargetTypeIP:
	case TargetTypeLambda, TargetTypeALB:
		errs = append(errs, NewValidationError("Target type '%s' is not supported by ecslocal", tg.TargetType))
	default:
		errs = append(errs, errEnum("targetType", tg.TargetType, []string{"instance", "ip", "lambda", "alb"}))
	}
	switch tg.Protocol {
	case ProtocolHTTP, ProtocolHTTPS:
	case "":
		errs = append(errs, NewValidationError("A protocol must be specified for target groups with target type '%s'", tg.TargetType))
	default:
		errs = append(errs, Errorf(CodeUnsupportedProtocol, "Protocol '%s' is not supported by an Application Load Balancer target group", tg.Protocol))
	}
	switch tg.ProtocolVersion {
	case ProtocolVersionHTTP1, ProtocolVersionHTTP2, ProtocolVersionGRPC:
	default:
		errs = append(errs, errEnum("protocolVersion", tg.ProtocolVersion, []string{"HTTP1", "HTTP2", "GRPC"}))
	}
	errs = checkRange(errs, "port", tg.Port, 1, 65535)
	errs = tg.HealthCheck.validate(errs, tg.TargetType, tg.ProtocolVersion)
	if err := tg.Attributes.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Copy returns a deep copy.
func (tg *TargetGroup) Copy() *TargetGroup {
	if tg == nil {
		return nil
	}
	c := *tg
	if tg.HealthCheckEnabled != nil {
		c.HealthCheckEnabled = ptr(*tg.HealthCheckEnabled)
	}
	c.LoadBalancerARNs = slices.Clone(tg.LoadBalancerARNs)
	return &c
}

// validateResourceName checks a load balancer or target group name: at most
// 32 alphanumeric characters or hyphens, not beginning or ending with a
// hyphen (§7.3).
func validateResourceName(kind, name string) error {
	if name == "" {
		return NewValidationError("A %s name is required", kind)
	}
	if len(name) > 32 {
		return NewValidationError("The %s name '%s' cannot be longer than '32' characters", kind, name)
	}
	if name[0] == '-' || name[len(name)-1] == '-' {
		return NewValidationError("The %s name '%s' cannot begin or end with a hyphen", kind, name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isAlnum(c) && c != '-' {
			return NewValidationError("The %s name '%s' can contain only alphanumeric characters or hyphens", kind, name)
		}
	}
	return nil
}

// LoadBalancingAlgorithm is the load_balancing.algorithm.type attribute (§4.2).
type LoadBalancingAlgorithm string

// Load balancing algorithms (§4.2).
const (
	AlgorithmRoundRobin               LoadBalancingAlgorithm = "round_robin"
	AlgorithmLeastOutstandingRequests LoadBalancingAlgorithm = "least_outstanding_requests"
	AlgorithmWeightedRandom           LoadBalancingAlgorithm = "weighted_random"
)

// StickinessType is the stickiness.type attribute (§4.5).
type StickinessType string

// Stickiness types (§4.5).
const (
	StickinessLBCookie  StickinessType = "lb_cookie"
	StickinessAppCookie StickinessType = "app_cookie"
)

// TargetGroupAttributes are the attributes of an ALB target group with
// instance or ip targets (§4.1). Use DefaultTargetGroupAttributes for the
// defaults; the zero value is not valid (Canonicalize replaces it).
type TargetGroupAttributes struct {
	// DeregistrationDelaySeconds is how long a deregistered target drains
	// (0-3600, default 300; §4.4).
	DeregistrationDelaySeconds int
	// SlowStartSeconds is the slow start duration: 0 = off, else 30-900 (§4.3).
	SlowStartSeconds int
	// Algorithm defaults to round_robin.
	Algorithm LoadBalancingAlgorithm
	// AnomalyMitigation is "on" or "off"; "on" needs weighted_random.
	AnomalyMitigation string
	// CrossZone is load_balancing.cross_zone.enabled: "true", "false" or
	// "use_load_balancer_configuration" (the default).
	CrossZone         string
	StickinessEnabled bool
	// StickinessType defaults to lb_cookie (the spec marks that default
	// unconfirmed; it is what DescribeTargetGroupAttributes shows).
	StickinessType StickinessType
	// LBCookieDurationSeconds and AppCookieDurationSeconds: 1-604800,
	// default 86400 (one day).
	LBCookieDurationSeconds  int
	AppCookieName            string
	AppCookieDurationSeconds int
	// UnhealthyRoutingMinCount is target_group_health.unhealthy_state_routing
	// .minimum_healthy_targets.count (default 1, §2.1): below it the load
	// balancer fails open to all targets.
	UnhealthyRoutingMinCount int
	// UnhealthyRoutingMinPercentage is the percentage twin: 0 = off, 1-100.
	UnhealthyRoutingMinPercentage int
	// DNSFailoverMinCount and DNSFailoverMinPercentage are the DNS failover
	// twins: 0 = off (their default, §2.1); irrelevant locally but kept so
	// Describe/Modify round-trip them.
	DNSFailoverMinCount      int
	DNSFailoverMinPercentage int
}

// Target group attribute keys (§4.1).
const (
	AttrDeregistrationDelay           = "deregistration_delay.timeout_seconds"
	AttrSlowStart                     = "slow_start.duration_seconds"
	AttrAlgorithm                     = "load_balancing.algorithm.type"
	AttrAnomalyMitigation             = "load_balancing.algorithm.anomaly_mitigation"
	AttrTargetGroupCrossZone          = "load_balancing.cross_zone.enabled"
	AttrStickinessEnabled             = "stickiness.enabled"
	AttrStickinessType                = "stickiness.type"
	AttrLBCookieDuration              = "stickiness.lb_cookie.duration_seconds"
	AttrAppCookieName                 = "stickiness.app_cookie.cookie_name"
	AttrAppCookieDuration             = "stickiness.app_cookie.duration_seconds"
	AttrUnhealthyRoutingMinCount      = "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count"
	AttrUnhealthyRoutingMinPercentage = "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage"
	AttrDNSFailoverMinCount           = "target_group_health.dns_failover.minimum_healthy_targets.count"
	AttrDNSFailoverMinPercentage      = "target_group_health.dns_failover.minimum_healthy_targets.percentage"
)

// DefaultTargetGroupAttributes returns the §4.1 defaults.
func DefaultTargetGroupAttributes() TargetGroupAttributes {
	return TargetGroupAttributes{
		DeregistrationDelaySeconds: 300,
		Algorithm:                  AlgorithmRoundRobin,
		AnomalyMitigation:          "off",
		CrossZone:                  "use_load_balancer_configuration",
		StickinessType:             StickinessLBCookie,
		LBCookieDurationSeconds:    86400,
		AppCookieDurationSeconds:   86400,
		UnhealthyRoutingMinCount:   1,
	}
}

// DeregistrationDelay returns the deregistration delay as a duration.
func (a *TargetGroupAttributes) DeregistrationDelay() time.Duration {
	return time.Duration(a.DeregistrationDelaySeconds) * time.Second
}

// The targets count upper bound of minimum_healthy_targets.count is "the
// number of targets" (§2.1), which a static check cannot know; 1000 is the
// targets-per-group quota (§3.6).
var targetGroupAttrSpecs = []attrSpec[TargetGroupAttributes]{
	intAttr(AttrDeregistrationDelay, 0, 3600, func(a *TargetGroupAttributes) *int { return &a.DeregistrationDelaySeconds }),
	// Slow start is 0 (off) or 30-900 seconds (§4.3).
	offIntAttr(AttrSlowStart, 30, 900, false, func(a *TargetGroupAttributes) *int { return &a.SlowStartSeconds }),
	enumAttr(AttrAlgorithm, []string{string(AlgorithmRoundRobin), string(AlgorithmLeastOutstandingRequests), string(AlgorithmWeightedRandom)},
		func(a *TargetGroupAttributes) *string { return (*string)(&a.Algorithm) }),
	enumAttr(AttrAnomalyMitigation, []string{"on", "off"}, func(a *TargetGroupAttributes) *string { return &a.AnomalyMitigation }),
	enumAttr(AttrTargetGroupCrossZone, []string{"true", "false", "use_load_balancer_configuration"}, func(a *TargetGroupAttributes) *string { return &a.CrossZone }),
	boolAttr(AttrStickinessEnabled, func(a *TargetGroupAttributes) *bool { return &a.StickinessEnabled }),
	enumAttr(AttrStickinessType, []string{string(StickinessLBCookie), string(StickinessAppCookie)},
		func(a *TargetGroupAttributes) *string { return (*string)(&a.StickinessType) }),
	intAttr(AttrLBCookieDuration, 1, 604800, func(a *TargetGroupAttributes) *int { return &a.LBCookieDurationSeconds }),
	stringAttr(AttrAppCookieName, 256, func(a *TargetGroupAttributes) *string { return &a.AppCookieName }),
	intAttr(AttrAppCookieDuration, 1, 604800, func(a *TargetGroupAttributes) *int { return &a.AppCookieDurationSeconds }),
	intAttr(AttrUnhealthyRoutingMinCount, 1, 1000, func(a *TargetGroupAttributes) *int { return &a.UnhealthyRoutingMinCount }),
	offIntAttr(AttrUnhealthyRoutingMinPercentage, 1, 100, true, func(a *TargetGroupAttributes) *int { return &a.UnhealthyRoutingMinPercentage }),
	offIntAttr(AttrDNSFailoverMinCount, 1, 1000, true, func(a *TargetGroupAttributes) *int { return &a.DNSFailoverMinCount }),
	offIntAttr(AttrDNSFailoverMinPercentage, 1, 100, true, func(a *TargetGroupAttributes) *int { return &a.DNSFailoverMinPercentage }),
}

// List returns every attribute as Key/Value pairs, in the order
// DescribeTargetGroupAttributes returns them.
func (a TargetGroupAttributes) List() []Attribute {
	return listAttributes(targetGroupAttrSpecs, &a)
}

// Apply returns a copy of a with the given attributes set
// (ModifyTargetGroupAttributes), then validates the combination. Every bad key
// or value is reported; on error a is returned unchanged.
func (a TargetGroupAttributes) Apply(attrs []Attribute) (TargetGroupAttributes, error) {
	out, err := applyAttributes(targetGroupAttrSpecs, a, attrs)
	if err == nil {
		err = out.Validate()
	}
	if err != nil {
		return a, err
	}
	return out, nil
}

// Validate reports every problem of the attribute values and of their
// combination (§4.1-4.5).
func (a TargetGroupAttributes) Validate() error {
	var errs []error
	// Re-run every value through its parser so a struct built by hand gets
	// the same checks as one built by Apply.
	for _, s := range targetGroupAttrSpecs {
		tmp := a
		if err := s.set(&tmp, s.get(&a)); err != nil {
			errs = append(errs, err)
		}
	}
	if a.Algorithm == AlgorithmLeastOutstandingRequests && a.SlowStartSeconds != 0 {
		// §4.2: least outstanding requests cannot be combined with slow start.
		errs = append(errs, Errorf(CodeInvalidConfigurationRequest, "Slow start mode cannot be enabled with the least_outstanding_requests load balancing algorithm"))
	}
	if a.AnomalyMitigation == "on" && a.Algorithm != AlgorithmWeightedRandom {
		// §4.1: anomaly mitigation is only available with weighted_random.
		errs = append(errs, Errorf(CodeInvalidConfigurationRequest, "Anomaly mitigation can only be enabled with the weighted_random load balancing algorithm"))
	}
	if a.StickinessEnabled && a.StickinessType == StickinessAppCookie && a.AppCookieName == "" {
		errs = append(errs, NewValidationError("An application cookie name is required when the stickiness type is 'app_cookie'"))
	}
	if a.AppCookieName != "" {
		// §4.1: the app cookie cannot use the load balancer's own prefixes
		// (AWSALB covers AWSALBAPP and AWSALBTG).
		if strings.HasPrefix(a.AppCookieName, "AWSALB") {
			errs = append(errs, NewValidationError("The application cookie name '%s' cannot start with 'AWSALB', 'AWSALBAPP' or 'AWSALBTG'", a.AppCookieName))
		}
	}
	return errors.Join(errs...)
}

func setDefault(v *int, def int) {
	if *v == 0 {
		*v = def
	}
}

func ptr[T any](v T) *T { return &v }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
