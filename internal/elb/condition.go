package elb

import (
	"net/netip"
	"net/textproto"
	"slices"
	"strings"
)

// ConditionField is RuleCondition.Field (§3.4).
type ConditionField string

// Condition fields of an ALB listener rule.
const (
	FieldHostHeader        ConditionField = "host-header"
	FieldPathPattern       ConditionField = "path-pattern"
	FieldHTTPHeader        ConditionField = "http-header"
	FieldHTTPRequestMethod ConditionField = "http-request-method"
	FieldQueryString       ConditionField = "query-string"
	FieldSourceIP          ConditionField = "source-ip"
)

var conditionFields = []string{
	string(FieldHTTPHeader), string(FieldHTTPRequestMethod), string(FieldHostHeader),
	string(FieldPathPattern), string(FieldQueryString), string(FieldSourceIP),
}

// Condition limits (§3.3, §3.4).
const (
	maxValuesPerCondition   = 3   // "up to three match evaluations per condition"
	maxSourceIPValues       = 5   // SourceIpConditionConfig: "less than, or equal to five"
	maxValuesPerRule        = 5   // "Match evaluations per rule 5"
	maxWildcardsPerRule     = 5   // "Condition Wildcards per Rule 5"
	maxConditionValueLen    = 128 // host, path, header value, query key/value
	maxHeaderNameLen        = 40
	maxRequestMethodLen     = 40
	maxConditionFieldLength = 64
)

// HostHeaderConditionConfig lists host name patterns.
type HostHeaderConditionConfig struct {
	Values []string `json:"Values"`
}

// PathPatternConditionConfig lists path patterns.
type PathPatternConditionConfig struct {
	Values []string `json:"Values"`
}

// HTTPHeaderConditionConfig names a header and lists value patterns.
type HTTPHeaderConditionConfig struct {
	HTTPHeaderName string   `json:"HttpHeaderName"`
	Values         []string `json:"Values"`
}

// HTTPRequestMethodConditionConfig lists request methods.
type HTTPRequestMethodConditionConfig struct {
	Values []string `json:"Values"`
}

// QueryStringConditionConfig lists key/value patterns.
type QueryStringConditionConfig struct {
	Values []QueryStringKeyValuePair `json:"Values"`
}

// QueryStringKeyValuePair is one query-string match value. An empty Key
// matches the Value against the value of any parameter.
type QueryStringKeyValuePair struct {
	Key   string `json:"Key,omitempty"`
	Value string `json:"Value"`
}

// SourceIPConditionConfig lists CIDR blocks.
type SourceIPConditionConfig struct {
	Values []string `json:"Values"`
}

// RuleCondition is one condition of a rule. Exactly the config member named
// by Field is set; host-header and path-pattern also accept the legacy Values
// member, which Canonicalize mirrors into the config (and back), as
// DescribeRules returns both.
type RuleCondition struct {
	Field                   ConditionField                    `json:"Field"`
	Values                  []string                          `json:"Values,omitempty"`
	HostHeaderConfig        *HostHeaderConditionConfig        `json:"HostHeaderConfig,omitempty"`
	HTTPHeaderConfig        *HTTPHeaderConditionConfig        `json:"HttpHeaderConfig,omitempty"`
	HTTPRequestMethodConfig *HTTPRequestMethodConditionConfig `json:"HttpRequestMethodConfig,omitempty"`
	PathPatternConfig       *PathPatternConditionConfig       `json:"PathPatternConfig,omitempty"`
	QueryStringConfig       *QueryStringConditionConfig       `json:"QueryStringConfig,omitempty"`
	SourceIPConfig          *SourceIPConditionConfig          `json:"SourceIpConfig,omitempty"`
}

// Canonicalize mirrors the legacy Values and the config of host-header and
// path-pattern conditions into each other.
func (c *RuleCondition) Canonicalize() {
	switch c.Field {
	case FieldHostHeader:
		if c.HostHeaderConfig == nil && len(c.Values) > 0 {
			c.HostHeaderConfig = &HostHeaderConditionConfig{Values: slices.Clone(c.Values)}
		} else if c.HostHeaderConfig != nil && len(c.Values) == 0 {
			c.Values = slices.Clone(c.HostHeaderConfig.Values)
		}
	case FieldPathPattern:
		if c.PathPatternConfig == nil && len(c.Values) > 0 {
			c.PathPatternConfig = &PathPatternConditionConfig{Values: slices.Clone(c.Values)}
		} else if c.PathPatternConfig != nil && len(c.Values) == 0 {
			c.Values = slices.Clone(c.PathPatternConfig.Values)
		}
	}
}

// Copy returns a deep copy.
func (c RuleCondition) Copy() RuleCondition {
	c.Values = slices.Clone(c.Values)
	if c.HostHeaderConfig != nil {
		c.HostHeaderConfig = &HostHeaderConditionConfig{Values: slices.Clone(c.HostHeaderConfig.Values)}
	}
	if c.HTTPHeaderConfig != nil {
		h := *c.HTTPHeaderConfig
		h.Values = slices.Clone(h.Values)
		c.HTTPHeaderConfig = &h
	}
	if c.HTTPRequestMethodConfig != nil {
		c.HTTPRequestMethodConfig = &HTTPRequestMethodConditionConfig{Values: slices.Clone(c.HTTPRequestMethodConfig.Values)}
	}
	if c.PathPatternConfig != nil {
		c.PathPatternConfig = &PathPatternConditionConfig{Values: slices.Clone(c.PathPatternConfig.Values)}
	}
	if c.QueryStringConfig != nil {
		c.QueryStringConfig = &QueryStringConditionConfig{Values: slices.Clone(c.QueryStringConfig.Values)}
	}
	if c.SourceIPConfig != nil {
		c.SourceIPConfig = &SourceIPConditionConfig{Values: slices.Clone(c.SourceIPConfig.Values)}
	}
	return c
}

// values returns the match values of a string-valued condition: the config's
// values, or the legacy Values for host-header and path-pattern.
func (c *RuleCondition) values() []string {
	switch c.Field {
	case FieldHostHeader:
		if c.HostHeaderConfig != nil {
			return c.HostHeaderConfig.Values
		}
		return c.Values
	case FieldPathPattern:
		if c.PathPatternConfig != nil {
			return c.PathPatternConfig.Values
		}
		return c.Values
	case FieldHTTPHeader:
		if c.HTTPHeaderConfig != nil {
			return c.HTTPHeaderConfig.Values
		}
	case FieldHTTPRequestMethod:
		if c.HTTPRequestMethodConfig != nil {
			return c.HTTPRequestMethodConfig.Values
		}
	case FieldSourceIP:
		if c.SourceIPConfig != nil {
			return c.SourceIPConfig.Values
		}
	}
	return nil
}

// valueCount is the number of match evaluations the condition contributes to
// the five-per-rule quota (§3.3).
func (c *RuleCondition) valueCount() int {
	if c.Field == FieldQueryString {
		if c.QueryStringConfig == nil {
			return 0
		}
		return len(c.QueryStringConfig.Values)
	}
	return len(c.values())
}

// wildcardCount is the number of wildcards the condition contributes to the
// five-per-rule quota (§3.3). Methods and CIDRs take no wildcards.
func (c *RuleCondition) wildcardCount() int {
	n := 0
	switch c.Field {
	case FieldHostHeader, FieldPathPattern, FieldHTTPHeader:
		for _, v := range c.values() {
			n += countWildcards(v, false)
		}
	case FieldQueryString:
		if c.QueryStringConfig != nil {
			for _, kv := range c.QueryStringConfig.Values {
				n += countWildcards(kv.Key, true) + countWildcards(kv.Value, true)
			}
		}
	}
	return n
}

// validate appends every problem of the condition. Texts marked (ours) are
// not confirmed ELBv2 wording; the code is ValidationError throughout.
func (c *RuleCondition) validate(errs []error) []error {
	// An unknown or missing field makes the rest meaningless: stop there,
	// as the service does, instead of reporting every config as misplaced.
	if c.Field == "" {
		return append(errs, errRequired("conditions.member.field"))
	}
	if !slices.Contains(conditionFields, string(c.Field)) {
		if len(c.Field) > maxConditionFieldLength {
			return append(errs, errMaxLen("conditions.member.field", string(c.Field), maxConditionFieldLength))
		}
		return append(errs, NewValidationError("Condition field '%s' must be one of '[%s]'", c.Field, strings.Join(conditionFields, ", ")))
	}
	errs = c.validateConfigs(errs)
	// §3.3 allows three match values per condition; source-ip is the one
	// exception, its API shape allowing five. The per-rule total of five is
	// checked by Rule.Validate, which sees every condition.
	limit := maxValuesPerCondition
	if c.Field == FieldSourceIP {
		limit = maxSourceIPValues
	}
	switch n := c.valueCount(); {
	case n == 0:
		// RuleCondition doc: "the value for a condition can't be empty".
		return append(errs, NewValidationError("A '%s' condition must have at least one value", c.Field))
	case n > limit:
		errs = append(errs, NewValidationError("A '%s' condition can only have '%d' values", c.Field, limit))
	}
	// From here on n > 0, so the config of header and query conditions is set.
	switch c.Field {
	case FieldHostHeader:
		for _, v := range c.values() {
			errs = validateHostValue(errs, v)
		}
	case FieldPathPattern:
		for _, v := range c.values() {
			errs = validateChars(errs, "path pattern", v, maxConditionValueLen, isPathChar)
		}
	case FieldHTTPHeader:
		// The name is matched exactly (case-insensitively): '*' and '?'
		// are legal token characters there but never wildcards (§3.4).
		errs = validateHeaderName(errs, c.HTTPHeaderConfig.HTTPHeaderName)
		for _, v := range c.values() {
			errs = validateChars(errs, "HTTP header value", v, maxConditionValueLen, isVisibleOrSpace)
		}
	case FieldHTTPRequestMethod:
		for _, v := range c.values() {
			errs = validateChars(errs, "HTTP request method", v, maxRequestMethodLen, isMethodChar)
		}
	case FieldQueryString:
		// Key is optional (then the value is looked for under any key);
		// Value is required by the API shape.
		for _, kv := range c.QueryStringConfig.Values {
			if kv.Key != "" {
				errs = validateChars(errs, "query string key", kv.Key, maxConditionValueLen, isVisibleOrSpace)
			}
			errs = validateChars(errs, "query string value", kv.Value, maxConditionValueLen, isVisibleOrSpace)
		}
	case FieldSourceIP:
		for _, v := range c.values() {
			errs = validateCIDR(errs, v)
		}
	}
	return errs
}

// validateConfigs checks that only the config member for Field is present
// and that the legacy Values appear only where the API allows them.
func (c *RuleCondition) validateConfigs(errs []error) []error {
	// Which config members are set, by the field they belong to.
	present := map[ConditionField]bool{
		FieldHostHeader:        c.HostHeaderConfig != nil,
		FieldPathPattern:       c.PathPatternConfig != nil,
		FieldHTTPHeader:        c.HTTPHeaderConfig != nil,
		FieldHTTPRequestMethod: c.HTTPRequestMethodConfig != nil,
		FieldQueryString:       c.QueryStringConfig != nil,
		FieldSourceIP:          c.SourceIPConfig != nil,
	}
	// A config for another field is a client mistake ELBv2 refuses rather
	// than ignores: the rule would not do what its author meant.
	for _, f := range conditionFields {
		if f := ConditionField(f); f != c.Field && present[f] {
			errs = append(errs, NewValidationError("A '%s' condition cannot have a '%s' configuration", c.Field, configName(f)))
		}
	}
	switch c.Field {
	case FieldHostHeader, FieldPathPattern:
		// Both forms may be given (a Describe result fed back); they must
		// then agree.
		if present[c.Field] && len(c.Values) > 0 && !slices.Equal(c.Values, c.values()) {
			errs = append(errs, NewValidationError("You cannot specify different values in 'Values' and '%s'", configName(c.Field)))
		}
	default:
		if len(c.Values) > 0 {
			errs = append(errs, NewValidationError("'Values' can only be used with 'host-header' and 'path-pattern' conditions; use '%s'", configName(c.Field)))
		}
		if !present[c.Field] {
			errs = append(errs, NewValidationError("A '%s' condition requires '%s'", c.Field, configName(c.Field)))
		}
	}
	return errs
}

func configName(f ConditionField) string {
	switch f {
	case FieldHostHeader:
		return "HostHeaderConfig"
	case FieldPathPattern:
		return "PathPatternConfig"
	case FieldHTTPHeader:
		return "HttpHeaderConfig"
	case FieldHTTPRequestMethod:
		return "HttpRequestMethodConfig"
	case FieldQueryString:
		return "QueryStringConfig"
	default:
		return "SourceIpConfig"
	}
}

// validateHostValue applies the host name rules of §3.4: at most 128 of
// A-Z a-z 0-9 - . _ plus wildcards, at least one '.', and only letters after
// the final '.'. ('_' is allowed by the console's add-rule page; the spec's
// table omits it.)
func validateHostValue(errs []error, v string) []error {
	errs = validateChars(errs, "host header", v, maxConditionValueLen, func(c byte) bool {
		return isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '*' || c == '?'
	})
	dot := strings.LastIndexByte(v, '.')
	if dot < 0 {
		return append(errs, NewValidationError("The host header value '%s' must contain at least one '.' character", v))
	}
	for i := dot + 1; i < len(v); i++ {
		if c := v[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return append(errs, NewValidationError("The host header value '%s' can contain only alphabetical characters after the final '.'", v))
		}
	}
	return errs
}

// validateHeaderName applies §3.4: at most 40 token characters, and never
// Host (host-header exists for that).
func validateHeaderName(errs []error, name string) []error {
	if name == "" {
		return append(errs, errRequired("conditions.member.httpHeaderConfig.httpHeaderName"))
	}
	errs = validateChars(errs, "HTTP header name", name, maxHeaderNameLen, isTokenChar)
	if strings.EqualFold(name, "Host") {
		errs = append(errs, NewValidationError("The 'Host' header cannot be used in an 'http-header' condition; use 'host-header'"))
	}
	return errs
}

func validateCIDR(errs []error, v string) []error {
	// Only CIDR notation is accepted (a bare address is not, §3.4). Host
	// bits may be set ("10.1.2.3/8"); compile masks them (unconfirmed
	// whether ELBv2 refuses such a block).
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return append(errs, NewValidationError("The source IP value '%s' must be a valid IPv4 or IPv6 CIDR block", v))
	}
	if p.Addr().Is4() && p.Bits() == 32 && p.Addr() == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		// §3.4: the limited broadcast address is refused.
		errs = append(errs, NewValidationError("The source IP value '%s' is not allowed", v))
	}
	return errs
}

// validateChars checks the length of v and that every byte satisfies ok.
func validateChars(errs []error, what, v string, maxLen int, ok func(byte) bool) []error {
	if v == "" {
		return append(errs, NewValidationError("The %s value cannot be empty", what))
	}
	if len(v) > maxLen {
		return append(errs, NewValidationError("The %s value '%s' cannot be longer than '%d' characters", what, v, maxLen))
	}
	for i := 0; i < len(v); i++ {
		if !ok(v[i]) {
			return append(errs, NewValidationError("The %s value '%s' contains an invalid character '%c'", what, v, v[i]))
		}
	}
	return errs
}

// isPathChar is §3.4's path set: A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & plus
// wildcards.
func isPathChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte(`_-.$/~"'@:+&*?`, c) >= 0
}

func isMethodChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || c == '-' || c == '_'
}

// isTokenChar is an RFC 9110 token character (header names).
func isTokenChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isVisibleOrSpace is printable ASCII: ALB matches only visible ASCII and
// excludes the control characters 0x00-0x1f and 0x7f (§3.3).
func isVisibleOrSpace(c byte) bool {
	return 0x20 <= c && c < 0x7f
}

// condMatcher is a compiled condition. Exactly the members for field are set.
type condMatcher struct {
	field    ConditionField
	patterns []pattern      // host-header, path-pattern, http-header values
	header   string         // http-header: canonical MIME key
	methods  []string       // http-request-method
	query    []queryMatcher // query-string
	prefixes []netip.Prefix // source-ip
}

// queryMatcher is one compiled key/value pair; key is nil when any key goes.
type queryMatcher struct {
	key   *pattern
	value pattern
}

// compile builds the matcher of a valid condition. Case rules (§3.4): host,
// header name and value, and query key and value are case-insensitive; path
// and method are case-sensitive.
func (c *RuleCondition) compile() (condMatcher, error) {
	m := condMatcher{field: c.Field}
	switch c.Field {
	case FieldHostHeader, FieldPathPattern, FieldHTTPHeader:
		fold := c.Field != FieldPathPattern
		for _, v := range c.values() {
			m.patterns = append(m.patterns, compilePattern(v, fold, false))
		}
		if c.Field == FieldHTTPHeader {
			m.header = textproto.CanonicalMIMEHeaderKey(c.HTTPHeaderConfig.HTTPHeaderName)
		}
	case FieldHTTPRequestMethod:
		// Methods take no wildcards and compare exactly: a slice scan of at
		// most three strings beats any map.
		m.methods = slices.Clone(c.values())
	case FieldQueryString:
		// Only query-string values honour '\' escapes (§3.4).
		for _, kv := range c.QueryStringConfig.Values {
			qm := queryMatcher{value: compilePattern(kv.Value, true, true)}
			if kv.Key != "" {
				k := compilePattern(kv.Key, true, true)
				qm.key = &k
			}
			m.query = append(m.query, qm)
		}
	case FieldSourceIP:
		for _, v := range c.values() {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return condMatcher{}, NewValidationError("The source IP value '%s' must be a valid IPv4 or IPv6 CIDR block", v)
			}
			m.prefixes = append(m.prefixes, p.Masked())
		}
	default:
		return condMatcher{}, NewValidationError("Condition field '%s' must be one of '[%s]'", c.Field, strings.Join(conditionFields, ", "))
	}
	return m, nil
}

// match reports whether req satisfies the condition: one of its values
// matches (OR, §3.2).
func (m *condMatcher) match(req *RequestInfo) bool {
	switch m.field {
	case FieldHostHeader:
		return anyPattern(m.patterns, req.Host)
	case FieldPathPattern:
		return anyPattern(m.patterns, req.Path)
	case FieldHTTPHeader:
		// §3.4: a repeated header is searched occurrence by occurrence
		// until one matches.
		for _, v := range req.Header[m.header] {
			if anyPattern(m.patterns, v) {
				return true
			}
		}
		return false
	case FieldHTTPRequestMethod:
		return slices.Contains(m.methods, req.Method)
	case FieldQueryString:
		// Each pair must match one parameter on its own: key=a&x=b does
		// not satisfy {key: b}.
		for i := range m.query {
			if m.query[i].matchAny(req.Query) {
				return true
			}
		}
		return false
	case FieldSourceIP:
		// No peer address (a RequestInfo built by hand) matches no CIDR,
		// not even 0.0.0.0/0.
		if !req.SourceIP.IsValid() {
			return false
		}
		for _, p := range m.prefixes {
			if p.Contains(req.SourceIP) {
				return true
			}
		}
		return false
	}
	return false
}

// matchAny reports whether some parameter of the query satisfies the pair.
func (q *queryMatcher) matchAny(params []QueryParam) bool {
	for i := range params {
		if (q.key == nil || q.key.match(params[i].Key)) && q.value.match(params[i].Value) {
			return true
		}
	}
	return false
}

func anyPattern(ps []pattern, s string) bool {
	for i := range ps {
		if ps[i].match(s) {
			return true
		}
	}
	return false
}
