package cfn

import (
	"errors"
	"fmt"
)

// CodeValidation is the AWS error code CloudFormation uses for every template
// and parameter problem ("ValidationError").
const CodeValidation = "ValidationError"

// Error is a template or parameter problem reported with CloudFormation's
// wording. Code is the AWS error code (always CodeValidation today) and
// Message the text CloudFormation would return, for example
// "Template format error: Every Resources object must contain a Type member.".
type Error struct {
	Code    string
	Message string
}

// Error returns the CloudFormation message.
func (e *Error) Error() string { return e.Message }

// errorf builds a validation Error from a format string.
func errorf(format string, args ...any) *Error {
	return &Error{Code: CodeValidation, Message: fmt.Sprintf(format, args...)}
}

// formatErr builds a "Template format error: ..." validation Error.
func formatErr(format string, args ...any) *Error {
	return errorf("Template format error: "+format, args...)
}

// templateErr builds a "Template error: ..." validation Error, the prefix
// CloudFormation uses for problems found while evaluating intrinsics.
func templateErr(format string, args ...any) *Error {
	return errorf("Template error: "+format, args...)
}

// IsValidation reports whether err is (or wraps) a template or parameter
// validation Error.
func IsValidation(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == CodeValidation
}

// Warning is a problem that does not stop a plan: an unused parameter, a
// feature the local engine only emulates. Path locates it in the template
// ("Parameters/Env").
type Warning struct {
	Path    string `json:"Path"`
	Message string `json:"Message"`
}
