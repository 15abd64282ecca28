package proxy

import (
	"net/http"
	"net/netip"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// The routing core: everything between "a request arrived on a listener"
// and "send it to this target with these headers", and between "the
// target answered or failed" and "the request is finished", written once
// for both engines. An engine reads the request into an inbound, asks
// decide what to do, writes the load balancer's own responses, applies
// applyOutbound to the request it forwards, maps a failure with
// forwardFailed and calls finish when the response is done.

// inbound is the engine-neutral view of a received request that the
// routing core reads. Engines fill it without copying where they can; the
// strings need only live as long as the request.
type inbound struct {
	method string
	// host is the Host header as received (the absolute-form URI's host
	// when there is one, as net/http reports it).
	host string
	// uri is the request target as sent (RequestURI).
	uri   string
	proto string
	// remote is the peer address as "ip:port" (http.Request.RemoteAddr);
	// an engine may leave it empty and set client only.
	remote    string
	client    netip.AddrPort
	userAgent string
	// size is received_bytes for the access log (§6).
	size int64
	// cookieLines returns the Cookie header lines, xff the X-Forwarded-For
	// lines; both read by the request checks and stickiness.
	cookieLines []string
	xff         []string
	// desync is the request's desync classification (§5.3, Classify).
	desync Classification
}

// decision is what the routing core decided for one request: a response
// the load balancer generates itself (errCode, fixed, redirect), or a
// forward to target u in group g.
type decision struct {
	// errCode is the status of an ELB error page (§2.3); 0 if none.
	errCode int
	// fixed is a fixed-response action's configuration.
	fixed *elb.FixedResponseActionConfig
	// redirect is a redirect's Location and redirectCode its status.
	redirect     string
	redirectCode int

	g *groupRoute
	u *Upstream
	// cookies are the Set-Cookie values (stickiness) to add to the
	// target's response; an ELB error drops them.
	cookies []string
	// closeClient closes the client connection after the response, and
	// closeTarget the target connection after the target's (desync
	// mitigation, §5.3).
	closeClient, closeTarget bool
}

// decide applies desync mitigation, runs the request checks and the
// rules of lr and picks the target group and the target of a forward
// (§5.3, §2.2, §3, §4.5). ri is the request's RequestInfo.
func (p *Proxy) decide(rt *routes, lr *listenerRoute, in *inbound, ri *elb.RequestInfo, now time.Time, rec *logRecord) decision {
	if lr == nil {
		// The listener was removed while this connection was open.
		return decision{errCode: http.StatusServiceUnavailable}
	}
	// Desync mitigation comes first: a request whose framing is in doubt
	// must not reach the rules (§5.3).
	rec.desync = in.desync
	if in.desync.Class == DesyncCompliant {
		return p.route(rt, lr, in, ri, now, rec)
	}
	if lr.metrics != nil {
		lr.metrics.nonCompliant.Add(1)
	}
	switch lr.desync.action(in.desync.Class) {
	case desyncBlock:
		return decision{errCode: http.StatusBadRequest, closeClient: true}
	case desyncForwardClose:
		d := p.route(rt, lr, in, ri, now, rec)
		d.closeClient, d.closeTarget = true, true
		return d
	}
	return p.route(rt, lr, in, ri, now, rec)
}

// route runs the request checks and the rules of lr for a request desync
// mitigation let through.
func (p *Proxy) route(rt *routes, lr *listenerRoute, in *inbound, ri *elb.RequestInfo, now time.Time, rec *logRecord) decision {
	switch {
	case in.method == http.MethodTrace:
		return decision{errCode: http.StatusMethodNotAllowed}
	case xffCountValues(in.xff) > maxXFFAddresses:
		return decision{errCode: StatusXFFTooLong}
	}
	rule := lr.ls.Rules.Match(ri)
	rr := rt.rules[rule]
	if rr == nil {
		rec.priority = -1 // §6: rule evaluation error
		return decision{errCode: http.StatusInternalServerError}
	}
	rec.priority = rr.priority
	a := rr.action
	rec.action = string(a.Type)
	switch a.Type {
	case elb.ActionTypeFixedResponse:
		return decision{fixed: a.FixedResponseConfig}
	case elb.ActionTypeRedirect:
		loc := a.RedirectConfig.Location(ri)
		rec.redirectURL = loc
		return decision{redirect: loc, redirectCode: a.RedirectConfig.StatusCode.HTTPStatus()}
	case elb.ActionTypeForward:
		var d decision
		tgARN := p.pickGroup(&d, in, rr, now)
		g := rt.groups[tgARN]
		rec.group = tgARN
		if g != nil && g.metrics != nil {
			g.metrics.requests.Add(1)
		}
		if g == nil || len(g.pool) == 0 {
			return decision{errCode: http.StatusServiceUnavailable}
		}
		d.g = g
		d.u = p.pickTarget(&d, in, g, now)
		rec.target = d.u.Addr
		return d
	default:
		return decision{errCode: http.StatusInternalServerError}
	}
}

// forwardInfoFor returns the forwardInfo of a request from client on lr.
func (p *Proxy) forwardInfoFor(lr *listenerRoute, client netip.AddrPort, now time.Time) forwardInfo {
	return forwardInfo{Client: client, Protocol: lr.proto, ListenerPort: lr.port, Attrs: lr.attrs, Now: now, Rand: p.rand,
		protoValue: lr.protoValue, portValue: lr.portValue}
}

// forwardDone records the outcome of a forward in the metrics and the
// access-log record, and returns the status of the ELB error page to send
// instead of a target response: 0 when the target answered, or when the
// client went away (460, nothing to send; rec says so). cause is why the
// request was cancelled, if it was (a drain deadline, the client).
func (p *Proxy) forwardDone(d *decision, res Result, cause error, rec *logRecord) int {
	rec.targetStatus = res.Status
	if res.Status != 0 && d.g.metrics != nil {
		d.g.metrics.recordTarget(res.Status, res.Latency)
	}
	if res.Err == nil {
		return 0
	}
	code := statusError(res.Err, cause)
	p.log.Debug("forward failed", "target", d.u.Addr.String(), "status", code, "err", res.Err)
	if code == StatusClientClosed {
		rec.clientClosed = true
		return 0
	}
	return code
}

// finish records a finished request in the metrics and the access log.
// Engines call it once per request, when the response is done (or the
// connection was aborted).
func (p *Proxy) finish(lr *listenerRoute, rec *logRecord) {
	if lr == nil {
		return
	}
	status := rec.status
	if rec.clientClosed {
		status = StatusClientClosed
	}
	if lr.metrics != nil {
		// A status the proxy wrote itself with no target status is ELB
		// generated (error pages, fixed responses and redirects are not
		// errors unless 4XX/5XX).
		elbStatus := status
		if rec.targetStatus != 0 {
			elbStatus = 0
		}
		lr.metrics.record(elbStatus)
	}
	p.logs.write(lr, rec, p.now)
}

// refused records a request the engine's HTTP parser refused before the
// routing core saw it (the engine has answered code with the ELB page):
// RequestCount, HTTPCode_ELB_*, the non-compliant count when cls says
// so, and an access-log line (§6 logs malformed requests) whose request
// field is "- - -".
func (p *Proxy) refused(key string, client netip.AddrPort, code int, cls Classification) {
	lr := p.routes.Load().listeners[key]
	if lr == nil {
		return
	}
	rec := logRecord{start: p.now(), priority: -2, client: client, status: code,
		sent: int64(len(errorPage(code))), desync: cls}
	if cls.Class != DesyncCompliant && lr.metrics != nil {
		lr.metrics.nonCompliant.Add(1)
	}
	p.finish(lr, &rec)
}
