// Package elb is the domain of the local Application Load Balancer: load
// balancers, listeners, rules (with a pure, allocation-free Match), target
// groups, targets and their health, and the ELBv2 error codes.
//
// It imports only the standard library. It must not import any other ecslocal
// package; control, health and proxy import it, never the other way round.
//
// The types are shaped after the ELBv2 API (2015-12-01) so the wire codec can
// map them member by member. Go names keep initialisms in one case (ARN, ID,
// HTTP, IP) as STYLE.md §3 asks; the JSON tags keep the AWS spelling.
//
// Each resource follows the nomad convention: Canonicalize applies the defaults
// ELBv2 applies, Validate gathers every problem with errors.Join, and Copy
// clones deeply. The behaviour cited as "§n" comes from
// /work/shared/spec/aws-semantics.md.
//
// Rule evaluation, §3.2 and §3.4:
//
//	RequestInfo ──▶ RuleSet.Match ──▶ rules by priority (1..50000), default last
//	                   │
//	                   └─ Rule.Match: every condition must match (AND),
//	                        a condition matches if one of its values does (OR)
//
// Compile the rules once (NewRuleSet or Rule.Compile) before serving traffic:
// the compiled matchers make Match allocation-free.
package elb
