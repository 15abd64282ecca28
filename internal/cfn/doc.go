// Package cfn is the CloudFormation template engine: it parses JSON and YAML
// templates, checks them the way CloudFormation's ValidateTemplate does,
// evaluates parameters, mappings, conditions and intrinsic functions, builds
// the dependency graph between resources and returns a Plan that lists the
// resources in creation order.
//
// The package is pure. It performs no I/O, reads no clock and calls no AWS
// API; everything it needs from the outside world comes in through Input
// (parameter values, stack identity, an SSM lookup, an export lookup, the
// set of resource types the deploy layer can handle) or, for values that
// only exist once resources have been created, through the Resolver
// interface. It must import only the standard library and the YAML parser;
// in particular it never imports cfn/deploy, which executes a Plan.
//
// Evaluation happens in two phases:
//
//	template ──Plan──▶ properties with plan-time intrinsics resolved
//	                    (parameters, pseudo parameters, mappings, conditions,
//	                     Fn::Join/Select/Split/Base64/Cidr/GetAZs of known values)
//	                    and run-time ones kept as *Expr
//	                          │
//	                          ▼ Resolve(value, Resolver), just before a resource is
//	                            created, after its dependencies exist
//	                    concrete values (Ref → physical id, Fn::GetAtt → attribute,
//	                    Fn::ImportValue → export of another stack)
//
// Errors carry CloudFormation's own wording (Error.Message), so the API layer
// can return them verbatim as a ValidationError. Warnings never stop a plan
// and are returned separately, like caddy's config adapters do.
package cfn
