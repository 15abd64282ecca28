// Package awsapi holds what every AWS-compatible wire API of ecslocal shares:
// server-side SigV4 verification, the error type with the one table that maps
// error codes to HTTP statuses and faults, request IDs, and the two wire
// protocols the AWS CLI and SDKs speak to the services ecslocal emulates:
//
//	JSON 1.1   ECS: POST / with X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>,
//	           a JSON body, {"__type": ..., "message": ...} errors
//	Query      ELBv2 (2015-12-01), CloudFormation (2010-05-15), STS (2011-06-15):
//	           POST / with a form body Action=<Op>&Version=..., XML responses,
//	           <ErrorResponse> errors
//
// The per-service packages (ecsapi, elbapi, …) decode a request, call their
// control plane and encode the answer; they hold no state. This package
// imports only the standard library: it knows no service.
//
// The behaviour follows ../shared/spec/aws-semantics.md §7 (Query), §11
// (JSON 1.1) and §13 (SigV4), cited below as §n.
package awsapi
