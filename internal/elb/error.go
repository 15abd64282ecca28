package elb

import (
	"errors"
	"fmt"
	"strings"
)

// ELBv2 exception codes (§7.2). They are the AWS exception names without the
// "Exception" suffix, as the Query protocol puts them in <Code>. All of them are
// client errors (HTTP 400) except CodeHealthUnavailable (500); the table from
// code to HTTP status lives in awsapi, not here.
const (
	CodeValidationError                          = "ValidationError"
	CodeDuplicateTargetGroupName                 = "DuplicateTargetGroupName"
	CodeDuplicateLoadBalancerName                = "DuplicateLoadBalancerName"
	CodeDuplicateListener                        = "DuplicateListener"
	CodeTooManyTargetGroups                      = "TooManyTargetGroups"
	CodeTooManyLoadBalancers                     = "TooManyLoadBalancers"
	CodeTooManyListeners                         = "TooManyListeners"
	CodeTooManyRules                             = "TooManyRules"
	CodeTooManyTargets                           = "TooManyTargets"
	CodeTooManyActions                           = "TooManyActions"
	CodeTooManyTags                              = "TooManyTags"
	CodeTooManyRegistrationsForTargetID          = "TooManyRegistrationsForTargetId"
	CodeTooManyUniqueTargetGroupsPerLoadBalancer = "TooManyUniqueTargetGroupsPerLoadBalancer"
	CodeTargetGroupAssociationLimit              = "TargetGroupAssociationLimit"
	CodeInvalidConfigurationRequest              = "InvalidConfigurationRequest"
	CodeInvalidTarget                            = "InvalidTarget"
	CodeInvalidLoadBalancerAction                = "InvalidLoadBalancerAction"
	CodeIncompatibleProtocols                    = "IncompatibleProtocols"
	CodeUnsupportedProtocol                      = "UnsupportedProtocol"
	CodeLoadBalancerNotFound                     = "LoadBalancerNotFound"
	CodeTargetGroupNotFound                      = "TargetGroupNotFound"
	CodeListenerNotFound                         = "ListenerNotFound"
	CodeRuleNotFound                             = "RuleNotFound"
	CodePriorityInUse                            = "PriorityInUse"
	CodeOperationNotPermitted                    = "OperationNotPermitted"
	CodeResourceInUse                            = "ResourceInUse"
	CodeHealthUnavailable                        = "HealthUnavailable"
	// CodeInternalFailure is the common server fault. ErrorCode returns it for
	// any error that is not an *Error, so internal detail never reaches a client.
	CodeInternalFailure = "InternalFailure"
)

// Error is an ELBv2 error: an exception code from the list above and a message
// meant for the API caller.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface as "Code: Message".
func (e *Error) Error() string {
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NewValidationError returns a ValidationError with the formatted message.
func NewValidationError(format string, args ...any) *Error {
	return Errorf(CodeValidationError, format, args...)
}

// Constructors for the *NotFound and conflict codes. The messages follow the
// wording moto uses (§7.1 marks the real texts as unconfirmed).

// NewLoadBalancerNotFound returns a LoadBalancerNotFound error.
func NewLoadBalancerNotFound() *Error {
	return Errorf(CodeLoadBalancerNotFound, "The specified load balancer does not exist.")
}

// NewTargetGroupNotFound returns a TargetGroupNotFound error.
func NewTargetGroupNotFound() *Error {
	return Errorf(CodeTargetGroupNotFound, "The specified target group does not exist.")
}

// NewListenerNotFound returns a ListenerNotFound error.
func NewListenerNotFound() *Error {
	return Errorf(CodeListenerNotFound, "The specified listener does not exist.")
}

// NewRuleNotFound returns a RuleNotFound error.
func NewRuleNotFound() *Error {
	return Errorf(CodeRuleNotFound, "The specified rule does not exist.")
}

// NewPriorityInUse returns a PriorityInUse error naming the priority.
func NewPriorityInUse(priority int) *Error {
	return Errorf(CodePriorityInUse, "Priority '%d' is currently in use", priority)
}

// NewDuplicateTargetGroupName returns a DuplicateTargetGroupName error.
func NewDuplicateTargetGroupName() *Error {
	return Errorf(CodeDuplicateTargetGroupName, "A target group with the specified name already exists.")
}

// NewDuplicateListener returns a DuplicateListener error.
func NewDuplicateListener() *Error {
	return Errorf(CodeDuplicateListener, "A listener with the specified port already exists.")
}

// NewOperationNotPermitted returns an OperationNotPermitted error.
func NewOperationNotPermitted(format string, args ...any) *Error {
	return Errorf(CodeOperationNotPermitted, format, args...)
}

// NewInvalidTarget returns an InvalidTarget error.
func NewInvalidTarget(format string, args ...any) *Error {
	return Errorf(CodeInvalidTarget, format, args...)
}

// ErrorCode returns the code of the first *Error found in err's tree (errors.As
// walks errors.Join and %w wraps), "" for nil, and CodeInternalFailure for any
// other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternalFailure
}

// ErrorMessage returns the message for the API caller: the messages of every
// *Error in err's tree joined by "; " (Validate gathers several problems), ""
// for nil, and a generic text for errors that are not *Error, whose detail must
// be logged rather than shown.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var msgs []string
	collectMessages(err, &msgs)
	if len(msgs) == 0 {
		return "An internal error occurred."
	}
	return strings.Join(msgs, "; ")
}

// collectMessages walks err depth-first in the order errors.Join keeps.
func collectMessages(err error, msgs *[]string) {
	if e, ok := err.(*Error); ok {
		*msgs = append(*msgs, e.Message)
		return
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			collectMessages(inner, msgs)
		}
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			collectMessages(inner, msgs)
		}
	}
}

// Constraint messages. ELBv2 reports model constraint violations in the common
// AWS wording "Value 'x' at 'member' failed to satisfy constraint: ...", with
// the member path in lower camel case (unconfirmed for every member; it is the
// form the AWS SDK validators and the service use for shape constraints).

func errMin(member string, value any, minimum int) *Error {
	return NewValidationError("Value '%v' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", value, member, minimum)
}

func errMax(member string, value any, maximum int) *Error {
	return NewValidationError("Value '%v' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", value, member, maximum)
}

func errMaxLen(member string, value string, maximum int) *Error {
	return NewValidationError("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, member, maximum)
}

func errEnum(member string, value any, allowed []string) *Error {
	return NewValidationError("Value '%v' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", value, member, strings.Join(allowed, ", "))
}

func errRequired(member string) *Error {
	return NewValidationError("Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// checkRange appends errMin/errMax problems for v outside [lo, hi].
func checkRange(errs []error, member string, v, lo, hi int) []error {
	switch {
	case v < lo:
		return append(errs, errMin(member, v, lo))
	case v > hi:
		return append(errs, errMax(member, v, hi))
	}
	return errs
}
