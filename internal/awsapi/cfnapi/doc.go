// Package cfnapi serves the AWS CloudFormation API (Query protocol, version
// 2010-05-15, SigV4 signing name "cloudformation") on the shared awsapi
// endpoint, over the stack executor internal/cfn/deploy. It is a thin layer
// that holds no state:
//
//	form parameters ──awsapi.DecodeQuery──▶ wire input struct (AWS member names)
//	   ──check required members──▶ deploy input ──▶ deploy.Stacks operation
//	   ──▶ wire result struct ──awsapi.EncodeQueryResult──▶ <OpResponse> XML
//
// ValidateTemplate and GetTemplateSummary need no stack: they read the
// template with internal/cfn (cfn.Validate) and summary.go.
//
// Errors from the executor (*deploy.Error, *cfn.Error, with CloudFormation's
// codes and messages) are turned into *awsapi.Error in one place
// (awsError). Anything else is a server fault that awsapi logs and hides.
//
// It imports awsapi, cfn and cfn/deploy; it must not import the control
// planes (elb/*, ecs/*) or cmd: the executor reaches them through its own
// interfaces.
package cfnapi
