// Package proxy is the data plane of the local Application Load Balancer:
// it binds the listeners of the current elb.Snapshot, evaluates listener
// rules, picks a target group and a target, and forwards the request with
// ALB's headers, errors, stickiness, slow start and draining semantics.
//
// It imports internal/elb, the standard library, fasthttp (FastEngine) and
// the Prometheus client (metrics); it must not import
// elb/control or elb/health (control pushes snapshots in through Publish,
// which satisfies control's Publisher interface).
//
// Layout follows caddy's reverseproxy (STYLE §1.2):
//
//	proxy.go      Proxy, Options, Publish/Shutdown/Close, the drain loop
//	route.go      routes: what Publish derives from a snapshot
//	hosts.go      Upstream, Pool and the per-target runtime state
//	selection.go  Selector policies (round robin, LOR, random, slow start)
//	sticky.go     AWSALB / AWSALBTG cookies
//	headers.go    outbound headers: hop-by-hop, X-Forwarded-*, trace ID, Host
//	errors.go     ELB error pages and statusError (502/503/504)
//	desync.go     desync mitigation: Classify and the mode table (§5.3)
//	core.go       the routing core both engines share (decide, forwardDone, finish)
//	handler.go    StdEngine's request flow, group and target choice
//	engine.go     the Engine seam and StdEngine (httputil.ReverseProxy)
//	fast.go       FastEngine (fasthttp server and HostClient), the default
//	accesslog.go  the ALB access-log line (§6)
//
// Request flow (every step but the engine is engine-independent):
//
//	listener ─▶ routes (atomic.Pointer, no lock) ─▶ desync mitigation
//	  ─▶ checks ─▶ RuleSet.Match
//	  ─▶ action: fixed-response | redirect | forward
//	       forward ─▶ group (weights, AWSALBTG) ─▶ target (AWSALB, Selector)
//	               ─▶ applyOutbound ─▶ engine forward ─▶ statusError on failure
//
// Target lifecycle as the data plane sees it (states come from the
// snapshot; the proxy only keeps counters):
//
//	initial ──▶ healthy ◀──▶ unhealthy       new requests: healthy only, or
//	   │           │             │           healthy+unhealthy when failing
//	   └───────────┴──────┬──────┘           open (§2.1); never initial,
//	                      ▼                  draining, unused
//	                  draining ──(DrainDeadline)──▶ in-flight requests cut
//	                      │                          (502 before headers,
//	                      ▼                           closed connection after)
//	                   (gone)
//
// Runtime state that must survive a snapshot swap (outstanding requests,
// in-flight requests for draining, the round-robin cursor) lives in the
// Proxy keyed by target group ARN and target key; there is no package-level
// mutable state. Section numbers "§n" refer to
// /work/shared/spec/aws-semantics.md.
package proxy
