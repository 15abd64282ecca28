package deploy

import (
	"errors"
	"fmt"
)

// CloudFormation error codes, as the Query API puts them in <Code>.
const (
	CodeValidation               = "ValidationError"
	CodeAlreadyExists            = "AlreadyExistsException"
	CodeInsufficientCapabilities = "InsufficientCapabilitiesException"
	CodeChangeSetNotFound        = "ChangeSetNotFound"
	CodeInvalidChangeSetStatus   = "InvalidChangeSetStatus"
	CodeLimitExceeded            = "LimitExceededException"
	CodeTokenAlreadyExists       = "TokenAlreadyExistsException"
	// CodeInternalFailure is the common server fault, for errors that are
	// not an *Error.
	CodeInternalFailure = "InternalFailure"
)

// Error is a CloudFormation API error: the AWS error code and the message
// CloudFormation returns with it.
type Error struct {
	Code    string
	Message string
}

// Error returns the message, as CloudFormation shows it.
func (e *Error) Error() string { return e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func validationf(format string, args ...any) *Error {
	return errorf(CodeValidation, format, args...)
}

// ErrorCode returns the code of an *Error in err's chain, or
// CodeInternalFailure.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternalFailure
}

func errStackNotFound(name string) *Error {
	return validationf("Stack with id %s does not exist", name)
}

func errStackExists(name string) *Error {
	return errorf(CodeAlreadyExists, "Stack [%s] already exists", name)
}

func errNoUpdates() *Error {
	return validationf("No updates are to be performed.")
}

func errChangeSetNotFound(name string) *Error {
	return errorf(CodeChangeSetNotFound, "ChangeSet [%s] does not exist", name)
}

func errCapabilities(caps []string) *Error {
	return errorf(CodeInsufficientCapabilities, "Requires capabilities : %s", bracket(caps))
}

func errNotUpdatable(id string, status StackStatus) *Error {
	return validationf("Stack:%s is in %s state and can not be updated.", id, status)
}
