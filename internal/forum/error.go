package forum

import (
	"errors"
	"fmt"
)

// Application error codes. The HTTP transport maps each to a status in one
// table (httpapi), so the domain never speaks HTTP.
const (
	EINTERNAL = "internal" // anything that is not an *Error
	EINVALID  = "invalid"  // the request is malformed (an id that is not a number)
	ENOTFOUND = "not_found"
)

// Error is an application error: a code for programs and a message for people.
// Messages are safe to show to clients; internal errors are never shown.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("forum error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an application error, or EINTERNAL for any
// other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the message of an application error, or a generic
// message for any other error, so internal details never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "Internal error."
	}
}
