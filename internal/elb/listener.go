package elb

import (
	"errors"
	"slices"
	"strconv"
)

// Certificate is a listener certificate (HTTPS listeners).
type Certificate struct {
	CertificateARN string `json:"CertificateArn"`
	IsDefault      bool   `json:"IsDefault,omitempty"`
}

// Listener is a listener of an Application Load Balancer (§3.1). Its
// DefaultActions form the default rule, which DefaultRule returns.
type Listener struct {
	ListenerARN     string   `json:"ListenerArn,omitempty"`
	LoadBalancerARN string   `json:"LoadBalancerArn"`
	Port            int      `json:"Port"`
	Protocol        Protocol `json:"Protocol"`
	DefaultActions  []Action `json:"DefaultActions"`
	// SslPolicy and Certificates apply to HTTPS listeners only.
	SslPolicy    string        `json:"SslPolicy,omitempty"`
	Certificates []Certificate `json:"Certificates,omitempty"`
}

// Canonicalize canonicalizes the default actions.
func (l *Listener) Canonicalize() {
	for i := range l.DefaultActions {
		l.DefaultActions[i].Canonicalize()
	}
}

// Validate reports every problem of a canonical listener.
func (l *Listener) Validate() error {
	var errs []error
	errs = checkRange(errs, "port", l.Port, 1, 65535)
	switch l.Protocol {
	case ProtocolHTTP:
	case ProtocolHTTPS:
		if len(l.Certificates) == 0 {
			// Message unconfirmed; ELBv2 requires a certificate for HTTPS.
			errs = append(errs, NewValidationError("A certificate must be specified for HTTPS listeners"))
		}
	case "":
		errs = append(errs, errRequired("protocol"))
	default:
		errs = append(errs, Errorf(CodeUnsupportedProtocol, "Protocol '%s' is not supported by an Application Load Balancer listener", l.Protocol))
	}
	if err := ValidateActions(l.DefaultActions, l.Protocol); err != nil {
		errs = append(errs, err)
	}
	errs = l.checkSelfRedirects(errs, l.DefaultActions)
	return errors.Join(errs...)
}

// ValidateRule reports every problem of a rule created on this listener:
// Rule.Validate plus the checks that need the listener's protocol and port
// (HTTPS to HTTP redirects, redirects that would point back at this listener).
func (l *Listener) ValidateRule(r *Rule) error {
	errs := []error{r.validateConditions(), ValidateActions(r.Actions, l.Protocol)}
	errs = l.checkSelfRedirects(errs, r.Actions)
	return errors.Join(errs...)
}

// checkSelfRedirects refuses a redirect that spells out this listener's own
// protocol and port while keeping host and path: it is the §3.5 loop in
// literal form (ValidateActions catches the all-placeholder form).
func (l *Listener) checkSelfRedirects(errs []error, actions []Action) []error {
	for i := range actions {
		rc := actions[i].RedirectConfig
		if actions[i].Type != ActionTypeRedirect || rc == nil || rc.isSelfRedirect() {
			continue
		}
		sameProto := rc.Protocol == PlaceholderProtocol || rc.Protocol == string(l.Protocol)
		samePort := rc.Port == PlaceholderPort || rc.Port == strconv.Itoa(l.Port)
		if sameProto && samePort && rc.Host == PlaceholderHost && rc.Path == "/"+PlaceholderPath {
			errs = append(errs, Errorf(CodeInvalidLoadBalancerAction, "The redirect must change at least one of protocol, host, port or path, or it would redirect to itself"))
		}
	}
	return errs
}

// DefaultRule returns the listener's default rule, with the given ARN, built
// from a copy of the default actions.
func (l *Listener) DefaultRule(ruleARN string) *Rule {
	r := &Rule{RuleARN: ruleARN, IsDefault: true, Conditions: []RuleCondition{}}
	for _, a := range l.DefaultActions {
		r.Actions = append(r.Actions, a.Copy())
	}
	return r
}

// Copy returns a deep copy.
func (l *Listener) Copy() *Listener {
	if l == nil {
		return nil
	}
	c := *l
	c.DefaultActions = make([]Action, len(l.DefaultActions))
	for i, a := range l.DefaultActions {
		c.DefaultActions[i] = a.Copy()
	}
	c.Certificates = slices.Clone(l.Certificates)
	return &c
}
