package elb

import (
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ActionType is Action.Type (§3.5).
type ActionType string

// Action types. The authenticate actions and jwt-validation exist in the API
// but need an identity provider; Validate refuses them.
const (
	ActionTypeForward             ActionType = "forward"
	ActionTypeRedirect            ActionType = "redirect"
	ActionTypeFixedResponse       ActionType = "fixed-response"
	ActionTypeAuthenticateOIDC    ActionType = "authenticate-oidc"
	ActionTypeAuthenticateCognito ActionType = "authenticate-cognito"
	ActionTypeJWTValidation       ActionType = "jwt-validation"
)

// Action is one action of a rule or of a listener's default actions.
type Action struct {
	Type ActionType `json:"Type"`
	// Order runs lowest first (1-50000). Zero means unset, allowed only
	// when the rule has a single action.
	Order int `json:"Order,omitempty"`
	// TargetGroupARN is the single-target-group form of forward.
	TargetGroupARN      string                     `json:"TargetGroupArn,omitempty"`
	ForwardConfig       *ForwardActionConfig       `json:"ForwardConfig,omitempty"`
	RedirectConfig      *RedirectActionConfig      `json:"RedirectConfig,omitempty"`
	FixedResponseConfig *FixedResponseActionConfig `json:"FixedResponseConfig,omitempty"`
}

// ForwardActionConfig spreads requests over up to five target groups by
// weight (§3.5).
type ForwardActionConfig struct {
	TargetGroups                []TargetGroupTuple           `json:"TargetGroups"`
	TargetGroupStickinessConfig *TargetGroupStickinessConfig `json:"TargetGroupStickinessConfig,omitempty"`
}

// TargetGroupTuple is one weighted target group. Weight nil means 1
// (unconfirmed default); 0 sends no traffic.
type TargetGroupTuple struct {
	TargetGroupARN string `json:"TargetGroupArn"`
	Weight         *int   `json:"Weight,omitempty"`
}

// EffectiveWeight returns Weight, or 1 when it is unset.
func (t TargetGroupTuple) EffectiveWeight() int {
	if t.Weight == nil {
		return 1
	}
	return *t.Weight
}

// TargetGroupStickinessConfig pins a client to the target group it was first
// sent to, through the AWSALBTG cookie (§3.5).
type TargetGroupStickinessConfig struct {
	Enabled bool `json:"Enabled"`
	// DurationSeconds: 1-604800 when Enabled.
	DurationSeconds int `json:"DurationSeconds,omitempty"`
}

// RedirectStatusCode is RedirectActionConfig.StatusCode.
type RedirectStatusCode string

// Redirect status codes (§3.5).
const (
	RedirectStatusCode301 RedirectStatusCode = "HTTP_301"
	RedirectStatusCode302 RedirectStatusCode = "HTTP_302"
)

// HTTPStatus returns 301 or 302.
func (c RedirectStatusCode) HTTPStatus() int {
	if c == RedirectStatusCode302 {
		return 302
	}
	return 301
}

// Redirect placeholders (§3.5).
const (
	PlaceholderProtocol = "#{protocol}"
	PlaceholderHost     = "#{host}"
	PlaceholderPort     = "#{port}"
	PlaceholderPath     = "#{path}"
	PlaceholderQuery    = "#{query}"
)

// RedirectActionConfig builds the Location of a redirect from literal parts
// and placeholders. Canonicalize fills the parts left empty with the
// placeholders that keep the original value, as ELBv2 does.
type RedirectActionConfig struct {
	Protocol   string             `json:"Protocol,omitempty"`
	Port       string             `json:"Port,omitempty"`
	Host       string             `json:"Host,omitempty"`
	Path       string             `json:"Path,omitempty"`
	Query      string             `json:"Query,omitempty"`
	StatusCode RedirectStatusCode `json:"StatusCode"`
}

// FixedResponseActionConfig answers the request from the load balancer.
type FixedResponseActionConfig struct {
	// StatusCode is a 2XX, 4XX or 5XX code as a string.
	StatusCode string `json:"StatusCode"`
	// ContentType "" sends no Content-Type (unconfirmed).
	ContentType string `json:"ContentType,omitempty"`
	MessageBody string `json:"MessageBody,omitempty"`
}

var fixedResponseContentTypes = []string{"text/plain", "text/css", "text/html", "application/javascript", "application/json"}

var fixedResponseStatus = regexp.MustCompile(`^(2|4|5)\d\d$`)

// Limits of §3.5.
const (
	maxActionOrder         = 50000
	maxForwardTargetGroups = 5
	maxTargetGroupWeight   = 999
	maxStickinessDuration  = 604800
	maxRedirectPartLen     = 128
	maxFixedResponseBody   = 1024
)

// Canonicalize fills what ELBv2 fills: a forward with only TargetGroupARN
// also gets the one-entry ForwardConfig (weight 1, stickiness off) that
// DescribeRules shows, a ForwardConfig with one group also gets
// TargetGroupARN, and unset redirect parts become their placeholders
// (Path "/#{path}").
func (a *Action) Canonicalize() {
	switch a.Type {
	case ActionTypeForward:
		if a.ForwardConfig == nil && a.TargetGroupARN != "" {
			a.ForwardConfig = &ForwardActionConfig{
				TargetGroups: []TargetGroupTuple{{TargetGroupARN: a.TargetGroupARN, Weight: ptr(1)}},
			}
		}
		if fc := a.ForwardConfig; fc != nil {
			for i := range fc.TargetGroups {
				if fc.TargetGroups[i].Weight == nil {
					fc.TargetGroups[i].Weight = ptr(1)
				}
			}
			if fc.TargetGroupStickinessConfig == nil {
				fc.TargetGroupStickinessConfig = &TargetGroupStickinessConfig{Enabled: false}
			}
			if a.TargetGroupARN == "" && len(fc.TargetGroups) == 1 {
				a.TargetGroupARN = fc.TargetGroups[0].TargetGroupARN
			}
		}
	case ActionTypeRedirect:
		if rc := a.RedirectConfig; rc != nil {
			setDefaultString(&rc.Protocol, PlaceholderProtocol)
			setDefaultString(&rc.Port, PlaceholderPort)
			setDefaultString(&rc.Host, PlaceholderHost)
			setDefaultString(&rc.Path, "/"+PlaceholderPath)
			setDefaultString(&rc.Query, PlaceholderQuery)
		}
	}
}

// Copy returns a deep copy.
func (a Action) Copy() Action {
	if a.ForwardConfig != nil {
		fc := *a.ForwardConfig
		fc.TargetGroups = slices.Clone(fc.TargetGroups)
		for i, t := range fc.TargetGroups {
			if t.Weight != nil {
				fc.TargetGroups[i].Weight = ptr(*t.Weight)
			}
		}
		if fc.TargetGroupStickinessConfig != nil {
			s := *fc.TargetGroupStickinessConfig
			fc.TargetGroupStickinessConfig = &s
		}
		a.ForwardConfig = &fc
	}
	if a.RedirectConfig != nil {
		rc := *a.RedirectConfig
		a.RedirectConfig = &rc
	}
	if a.FixedResponseConfig != nil {
		fr := *a.FixedResponseConfig
		a.FixedResponseConfig = &fr
	}
	return a
}

// TargetGroupARNs returns every target group the action forwards to.
func (a *Action) TargetGroupARNs() []string {
	if a.Type != ActionTypeForward {
		return nil
	}
	if a.ForwardConfig == nil {
		if a.TargetGroupARN == "" {
			return nil
		}
		return []string{a.TargetGroupARN}
	}
	out := make([]string, 0, len(a.ForwardConfig.TargetGroups))
	for _, t := range a.ForwardConfig.TargetGroups {
		out = append(out, t.TargetGroupARN)
	}
	return out
}

// IsTerminal reports whether the action ends the request: forward, redirect
// and fixed-response (§3.5).
func (a *Action) IsTerminal() bool {
	switch a.Type {
	case ActionTypeForward, ActionTypeRedirect, ActionTypeFixedResponse:
		return true
	}
	return false
}

// ValidateActions reports every problem of a rule's (or a listener's default)
// action list for a listener of protocol proto (§3.5): at least one action,
// exactly one terminal action and it comes last by Order, orders unique and
// set when there are several, and each action valid on its own.
func ValidateActions(actions []Action, proto Protocol) error {
	var errs []error
	if len(actions) == 0 {
		return NewValidationError("At least one action must be specified")
	}
	// One pass gathers the per-action problems and the facts the list-level
	// rules need: how many terminal actions, which orders are taken, and
	// whether an order is missing. A missing order makes "last by Order"
	// meaningless, so that check is skipped then rather than reported twice.
	terminal, orders, missingOrder := 0, map[int]bool{}, false
	for i := range actions {
		a := &actions[i]
		errs = a.validate(errs, proto)
		if a.IsTerminal() {
			terminal++
		}
		if len(actions) > 1 && a.Order == 0 {
			missingOrder = true
		}
		if a.Order != 0 {
			errs = checkRange(errs, "actions.member.order", a.Order, 1, maxActionOrder)
			if orders[a.Order] {
				errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "Action order '%d' is used more than once", a.Order))
			}
			orders[a.Order] = true
		}
	}
	if missingOrder {
		errs = append(errs, NewValidationError("An action order must be specified when a rule has more than one action"))
	}
	if terminal != 1 {
		errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "A rule must have exactly one 'forward', 'redirect' or 'fixed-response' action"))
	} else if last := lastByOrder(actions); !missingOrder && !last.IsTerminal() {
		errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "The '%s' action must be the last action to be performed", terminalType(actions)))
	}
	return errors.Join(errs...)
}

// lastByOrder returns the action that runs last (highest Order).
func lastByOrder(actions []Action) *Action {
	last := &actions[0]
	for i := range actions {
		if actions[i].Order > last.Order {
			last = &actions[i]
		}
	}
	return last
}

// terminalType returns the type of the first terminal action, for messages.
func terminalType(actions []Action) ActionType {
	for i := range actions {
		if actions[i].IsTerminal() {
			return actions[i].Type
		}
	}
	return ""
}

// validate appends the problems of one canonical action.
func (a *Action) validate(errs []error, proto Protocol) []error {
	switch a.Type {
	case ActionTypeForward:
		return a.validateForward(errs)
	case ActionTypeRedirect:
		if a.RedirectConfig == nil {
			return append(errs, Errorf(CodeInvalidLoadBalancerAction, "A 'redirect' action requires 'RedirectConfig'"))
		}
		return a.RedirectConfig.validate(errs, proto)
	case ActionTypeFixedResponse:
		if a.FixedResponseConfig == nil {
			return append(errs, Errorf(CodeInvalidLoadBalancerAction, "A 'fixed-response' action requires 'FixedResponseConfig'"))
		}
		return a.FixedResponseConfig.validate(errs)
	case ActionTypeAuthenticateOIDC, ActionTypeAuthenticateCognito, ActionTypeJWTValidation:
		if proto == ProtocolHTTP {
			// §3.5: authenticate actions exist on HTTPS listeners only.
			return append(errs, Errorf(CodeInvalidLoadBalancerAction, "The '%s' action is supported only on HTTPS listeners", a.Type))
		}
		return append(errs, Errorf(CodeInvalidLoadBalancerAction, "The '%s' action is not supported by ecslocal", a.Type))
	case "":
		return append(errs, errRequired("actions.member.type"))
	default:
		return append(errs, errEnum("actions.member.type", a.Type, []string{
			string(ActionTypeForward), string(ActionTypeAuthenticateOIDC), string(ActionTypeAuthenticateCognito),
			string(ActionTypeRedirect), string(ActionTypeFixedResponse), string(ActionTypeJWTValidation)}))
	}
}

// validateForward checks both forms of forward (§3.5): a single
// TargetGroupArn, or ForwardConfig with 1-5 distinct groups of weight 0-999
// and, when stickiness is on, a duration of 1-604800 s.
func (a *Action) validateForward(errs []error) []error {
	fc := a.ForwardConfig
	if fc == nil {
		if a.TargetGroupARN == "" {
			return append(errs, Errorf(CodeInvalidLoadBalancerAction, "A 'forward' action requires 'TargetGroupArn' or 'ForwardConfig'"))
		}
		return errs
	}
	n := len(fc.TargetGroups)
	switch {
	case n == 0:
		return append(errs, Errorf(CodeInvalidLoadBalancerAction, "A 'forward' action must specify at least one target group"))
	case n > maxForwardTargetGroups:
		errs = append(errs, Errorf(CodeTooManyTargetGroups, "A 'forward' action can only have '%d' target groups", maxForwardTargetGroups))
	}
	// Both forms together must name the same single group (Canonicalize
	// produces exactly that; a Describe result can be fed back).
	if a.TargetGroupARN != "" && (n != 1 || fc.TargetGroups[0].TargetGroupARN != a.TargetGroupARN) {
		errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "You cannot specify both 'TargetGroupArn' and a different 'ForwardConfig'"))
	}
	seen := map[string]bool{}
	for _, t := range fc.TargetGroups {
		if t.TargetGroupARN == "" {
			errs = append(errs, errRequired("actions.member.forwardConfig.targetGroups.member.targetGroupArn"))
			continue
		}
		if seen[t.TargetGroupARN] {
			errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "Target group '%s' appears more than once in the 'forward' action", t.TargetGroupARN))
		}
		seen[t.TargetGroupARN] = true
		errs = checkRange(errs, "actions.member.forwardConfig.targetGroups.member.weight", t.EffectiveWeight(), 0, maxTargetGroupWeight)
	}
	if s := fc.TargetGroupStickinessConfig; s != nil && s.Enabled {
		errs = checkRange(errs, "actions.member.forwardConfig.targetGroupStickinessConfig.durationSeconds", s.DurationSeconds, 1, maxStickinessDuration)
	}
	return errs
}

// redirectPlaceholders lists the placeholders each part may use (§3.5).
var redirectPlaceholders = map[string][]string{
	"Protocol": {PlaceholderProtocol},
	"Port":     {PlaceholderPort},
	"Host":     {PlaceholderHost},
	"Path":     {PlaceholderHost, PlaceholderPath, PlaceholderPort},
	"Query":    {PlaceholderProtocol, PlaceholderHost, PlaceholderPort, PlaceholderPath, PlaceholderQuery},
}

// validate appends the problems of a canonical redirect on a listener of
// protocol proto.
func (rc *RedirectActionConfig) validate(errs []error, proto Protocol) []error {
	switch rc.StatusCode {
	case RedirectStatusCode301, RedirectStatusCode302:
	case "":
		errs = append(errs, errRequired("actions.member.redirectConfig.statusCode"))
	default:
		errs = append(errs, errEnum("actions.member.redirectConfig.statusCode", rc.StatusCode, []string{"HTTP_301", "HTTP_302"}))
	}
	switch rc.Protocol {
	case "HTTP":
		if proto == ProtocolHTTPS {
			// §3.5: HTTPS to HTTP redirects are not allowed.
			errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "You cannot redirect from HTTPS to HTTP"))
		}
	case "HTTPS", PlaceholderProtocol:
	default:
		errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "The redirect protocol '%s' must be 'HTTP', 'HTTPS' or '#{protocol}'", rc.Protocol))
	}
	// Port is a string so it can hold "#{port}"; a literal must be a port.
	if rc.Port != PlaceholderPort {
		if p, err := strconv.Atoi(rc.Port); err != nil || p < 1 || p > 65535 {
			errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "The redirect port '%s' must be a port from 1 to 65535 or '#{port}'", rc.Port))
		}
	}
	if !strings.HasPrefix(rc.Path, "/") {
		errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "The redirect path '%s' must start with '/'", rc.Path))
	}
	if strings.HasPrefix(rc.Query, "?") {
		errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "The redirect query '%s' must not start with '?'", rc.Query))
	}
	// Length and placeholder placement are checked per part, each part
	// with the placeholders §3.5 lets it use.
	parts := []struct{ name, value string }{
		{"Protocol", rc.Protocol}, {"Port", rc.Port}, {"Host", rc.Host}, {"Path", rc.Path}, {"Query", rc.Query},
	}
	for _, p := range parts {
		if len(p.value) > maxRedirectPartLen {
			errs = append(errs, errMaxLen("actions.member.redirectConfig."+strings.ToLower(p.name), p.value, maxRedirectPartLen))
		}
		if bad := badPlaceholder(p.value, redirectPlaceholders[p.name]); bad != "" {
			errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "The redirect %s '%s' cannot use '%s'", strings.ToLower(p.name), p.value, bad))
		}
	}
	// Canonicalize fills an unset host with "#{host}"; an empty one here
	// means Canonicalize was skipped and the Location would have no host.
	if rc.Host == "" {
		errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "The redirect host cannot be empty"))
	}
	if rc.isSelfRedirect() {
		// §3.5 loop protection: at least one of protocol, host, port and
		// path must change. Message and code unconfirmed.
		errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "The redirect must change at least one of protocol, host, port or path, or it would redirect to itself"))
	}
	return errs
}

// isSelfRedirect reports whether the redirect keeps protocol, host, port and
// path, so that it would send the client back to the same URL (the query
// alone cannot make a redirect safe: "#{query}" keeps it too).
func (rc *RedirectActionConfig) isSelfRedirect() bool {
	return rc.Protocol == PlaceholderProtocol && rc.Port == PlaceholderPort &&
		rc.Host == PlaceholderHost && rc.Path == "/"+PlaceholderPath
}

// badPlaceholder returns the first "#{...}" in v that is not in allowed, or "".
func badPlaceholder(v string, allowed []string) string {
	for {
		i := strings.Index(v, "#{")
		if i < 0 {
			return ""
		}
		j := strings.IndexByte(v[i:], '}')
		if j < 0 {
			return ""
		}
		if ph := v[i : i+j+1]; !slices.Contains(allowed, ph) {
			return ph
		}
		v = v[i+j+1:]
	}
}

// validate checks a fixed response (§3.5): a 2XX/4XX/5XX status (never a
// 3XX: redirects have their own action), one of five content types, and a
// body of at most 1024 characters.
func (fr *FixedResponseActionConfig) validate(errs []error) []error {
	if !fixedResponseStatus.MatchString(fr.StatusCode) {
		errs = append(errs, NewValidationError("Value '%s' at 'actions.member.fixedResponseConfig.statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$", fr.StatusCode))
	}
	if fr.ContentType != "" && !slices.Contains(fixedResponseContentTypes, fr.ContentType) {
		errs = append(errs, errEnum("actions.member.fixedResponseConfig.contentType", fr.ContentType, fixedResponseContentTypes))
	}
	if len(fr.MessageBody) > maxFixedResponseBody {
		errs = append(errs, errMaxLen("actions.member.fixedResponseConfig.messageBody", fr.MessageBody, maxFixedResponseBody))
	}
	return errs
}

// Status returns the fixed response status code as an int.
func (fr *FixedResponseActionConfig) Status() int {
	n, _ := strconv.Atoi(fr.StatusCode)
	return n
}

func setDefaultString(v *string, def string) {
	if *v == "" {
		*v = def
	}
}
