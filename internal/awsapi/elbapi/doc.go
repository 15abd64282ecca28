// Package elbapi serves the Elastic Load Balancing v2 API (Query protocol,
// version 2015-12-01, SigV4 signing name "elasticloadbalancing") on the
// shared awsapi endpoint. It is a thin layer that holds no state:
//
//	form parameters ──awsapi.DecodeQuery──▶ wire input struct (AWS member names)
//	   ──check required members──▶ control input ──▶ elb/control operation
//	   ──▶ wire result struct ──awsapi.EncodeQueryResult──▶ <OpResponse> XML
//
// Errors from the control plane (*elb.Error with ELBv2 codes) are turned
// into *awsapi.Error in one place (awsError); awsapi owns the table from
// code to HTTP status (400 Sender for every ELBv2 code, 500 for
// HealthUnavailable). Anything else is a server fault that awsapi logs and
// hides.
//
// It imports awsapi, elb and elb/control; it must not import the proxy, the
// health checker or anything ECS. The behaviour follows
// /work/shared/spec/aws-semantics.md §7 (ELBv2 Query API), cited as "§n".
package elbapi
