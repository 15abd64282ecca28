// Package ecsapi serves the Amazon ECS API (awsJson1_1, X-Amz-Target prefix
// "AmazonEC2ContainerServiceV20141113", SigV4 signing name "ecs") on the
// shared awsapi endpoint. It is a thin layer that holds no state:
//
//	JSON body ──awsapi.DecodeJSON──▶ control input (already AWS member names)
//	   ──▶ ecs/control operation ──▶ control output
//	   ──encode (null members dropped)──▶ JSON body
//
// The control plane's input and output structs carry the API's JSON member
// names, so the package is a table of operations (Handler) built with one
// generic adapter. The only shape fix is in encode: members the control
// types would write as null (a nil slice, pointer or map, or a zero
// ecs.Timestamp, in a field without omitempty/omitzero) are left out, as
// AWS leaves absent members out (§11.1). Timestamps are already epoch
// seconds (ecs.Timestamp) and member names already the API's.
//
// Errors from the control plane (*ecs.Error, whose code is the exception
// name) become *awsapi.Error in one place (awsError): HTTP 400, or 500 for
// ServerException, the only fault (§11.2). Anything else is a server fault
// that awsapi logs and hides behind ServerException.
//
// It imports awsapi, ecs and ecs/control; it must not import the agent, the
// drivers, the ELB or cmd. The behaviour follows
// /work/shared/spec/aws-semantics.md §11 (ECS JSON 1.1 API), cited as "§n".
package ecsapi
