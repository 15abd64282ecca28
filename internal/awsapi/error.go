package awsapi

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS error as it goes on the wire: a code (the exception name),
// a message, and the HTTP status. Services build them with their own codes;
// Status zero means the status the code table below gives.
type Error struct {
	Code    string
	Message string
	Status  int
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// statuses is the one table from error code to HTTP status for codes whose
// status is not 400 (§7.2, §11.2, §13.2). Every other code is a client
// error, 400.
var statuses = map[string]int{
	// Common errors of the Query services.
	"InternalFailure":            http.StatusInternalServerError,
	"ServiceUnavailable":         http.StatusServiceUnavailable,
	"InvalidClientTokenId":       http.StatusForbidden,
	"MissingAuthenticationToken": http.StatusForbidden,
	"SignatureDoesNotMatch":      http.StatusForbidden,
	"OptInRequired":              http.StatusForbidden,
	"MalformedQueryString":       http.StatusNotFound,
	// ELBv2.
	"HealthUnavailable": http.StatusInternalServerError,
	// CloudFormation.
	"ChangeSetNotFound": http.StatusNotFound,
	// ECS (JSON 1.1): ServerException is the only fault.
	"ServerException": http.StatusInternalServerError,
	// Sizes.
	"RequestEntityTooLarge": http.StatusRequestEntityTooLarge,
}

// StatusOf returns the HTTP status of err: its own if set, else the
// table's, else 400 for an *Error and 500 for anything else.
func StatusOf(err error) int {
	var e *Error
	if !errors.As(err, &e) {
		return http.StatusInternalServerError
	}
	if e.Status != 0 {
		return e.Status
	}
	if s, ok := statuses[e.Code]; ok {
		return s
	}
	return http.StatusBadRequest
}

// IsFault reports whether err is the server's fault (HTTP 5xx): the Query
// protocol then says <Type>Receiver</Type>, and the detail is logged, not
// shown.
func IsFault(err error) bool { return StatusOf(err) >= 500 }
