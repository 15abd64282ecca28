package proxy

import (
	"strconv"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// routes is the routing state derived from one snapshot at Publish: the
// snapshot's listeners, rules and groups with what a request needs
// precomputed (candidate pools, selectors, weighted selectors, pointers to
// runtime state). It is immutable once published, and requests read it
// through Proxy.routes (an atomic.Pointer) without locking.
type routes struct {
	snap      *elb.Snapshot
	listeners map[string]*listenerRoute // by listenerKey
	groups    map[string]*groupRoute    // by target group ARN
	rules     map[*elb.Rule]*ruleRoute
}

// listenerRoute is one listener of the snapshot.
type listenerRoute struct {
	key   string
	ls    *elb.ListenerSnapshot
	attrs *elb.LoadBalancerAttributes
	port  int
	proto elb.Protocol
	// lbID is the "app/<name>/<id>" form the access log writes (§6).
	lbID string
	// metrics are the load balancer's counters (set by metrics.retain).
	metrics *lbMetrics
	// protoValue and portValue are X-Forwarded-Proto and X-Forwarded-Port.
	protoValue, portValue string
	// needHeader is set when a rule has an http-header condition: only
	// then does an engine build RequestInfo.Header.
	needHeader bool
	// desync is the load balancer's desync mitigation mode (§5.3).
	desync desyncMode
}

// rulesNeedHeader reports whether any rule of ls matches on a header.
func rulesNeedHeader(ls *elb.ListenerSnapshot) bool {
	for _, r := range ls.Rules.Rules() {
		for _, c := range r.Conditions {
			if c.Field == elb.FieldHTTPHeader {
				return true
			}
		}
	}
	return false
}

// groupRoute is one target group of the snapshot.
type groupRoute struct {
	arn   string
	tg    *elb.TargetGroupSnapshot
	attrs *elb.TargetGroupAttributes
	// all holds every registered target, draining ones included.
	all []*Upstream
	// pool holds the candidates for new requests (§2.1).
	pool        Pool
	failingOpen bool
	// byKey indexes pool, for the stickiness cookie.
	byKey    map[elb.TargetKey]*Upstream
	selector Selector
	// metrics are the group's counters (set by metrics.retain).
	metrics *tgMetrics
}

// ruleRoute is the terminal action of one rule with its weighted selector.
type ruleRoute struct {
	priority int // access-log matched_rule_priority: 0 for the default
	action   *elb.Action
	weighted *elb.WeightedSelector
	// tgStickiness is the AWSALBTG duration; zero if off.
	tgStickinessSeconds int
}

// listenerKey identifies a listener across snapshots: its ARN, or its port
// when a snapshot (a test) leaves the ARN empty.
func listenerKey(ls *elb.ListenerSnapshot) string {
	if ls.Listener.ListenerARN != "" {
		return ls.Listener.ListenerARN
	}
	return ":" + strconv.Itoa(ls.Listener.Port)
}

// terminalAction returns the action that ends a rule: the terminal one that
// runs last by Order (§3.5). Authenticate actions are not supported locally
// and are skipped.
func terminalAction(r *elb.Rule) *elb.Action {
	var t *elb.Action
	for i := range r.Actions {
		a := &r.Actions[i]
		if a.IsTerminal() && (t == nil || a.Order > t.Order) {
			t = a
		}
	}
	return t
}

// lbLogID returns "app/<name>/<id>" from an LB ARN (§6 field elb), or the
// name when the ARN does not have the expected form.
func lbLogID(lb *elb.LoadBalancer) string {
	const marker = ":loadbalancer/"
	arn := lb.LoadBalancerARN
	for i := 0; i+len(marker) <= len(arn); i++ {
		if arn[i:i+len(marker)] == marker {
			return arn[i+len(marker):]
		}
	}
	return "app/" + lb.LoadBalancerName
}
