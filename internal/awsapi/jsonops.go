package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// JSONOp is one JSON 1.1 operation: it decodes the request body, runs, and
// returns the value to encode as the response body.
type JSONOp func(ctx context.Context, body []byte) (any, error)

// JSONOps is a JSONHandler made of a table of operations, so that a service
// package is a list of its operations and a function that turns its domain
// errors into *Error values.
type JSONOps struct {
	// Ops maps an operation name (the part of X-Amz-Target after the dot)
	// to its implementation.
	Ops map[string]JSONOp
	// Errors converts an error an operation returned into an *Error (an
	// AWS error) or leaves it as is (a server fault). Nil leaves every
	// error as is.
	Errors func(error) error
}

var _ JSONHandler = (*JSONOps)(nil)

// Handle implements JSONHandler.
func (t *JSONOps) Handle(ctx context.Context, op string, body []byte) (any, error) {
	f, ok := t.Ops[op]
	if !ok {
		return nil, Errorf("UnknownOperationException", "Unknown operation %s.", op)
	}
	out, err := f(ctx, body)
	if err != nil && t.Errors != nil {
		err = t.Errors(err)
	}
	return out, err
}

// Op adapts an operation of a control plane, func(ctx, *Input) (*Output,
// error), to a JSONOp: the body is decoded into a new Input (members the
// input does not have are ignored, as AWS services ignore them) and the
// Output is returned for encoding.
func Op[In, Out any](f func(context.Context, *In) (*Out, error)) JSONOp {
	return func(ctx context.Context, body []byte) (any, error) {
		var in In
		if err := DecodeJSON(body, &in); err != nil {
			return nil, err
		}
		out, err := f(ctx, &in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return struct{}{}, nil
		}
		return out, nil
	}
}

// DecodeJSON decodes a JSON 1.1 request body into v. A body that is not a
// JSON object of the right shape is a SerializationException naming the
// problem, as AWS's JSON services answer.
func DecodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field == "":
			return Errorf("SerializationException", "The request body must be a JSON object, not %s.", te.Value)
		case errors.As(err, &te):
			return Errorf("SerializationException", "Cannot deserialize %s into member %s.", te.Value, te.Field)
		case errors.Is(err, io.EOF):
			return Errorf("SerializationException", "The request body is empty.")
		default:
			return Errorf("SerializationException", "The request body is not valid JSON: %v", err)
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Errorf("SerializationException", "The request body has data after its JSON object.")
	}
	return nil
}

// String implements fmt.Stringer for logs.
func (t *JSONOps) String() string { return fmt.Sprintf("JSONOps(%d operations)", len(t.Ops)) }
