package proxy

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// listenerHandler serves one bound listener. It holds only the listener's
// key: every request looks its listener up in the current routes, so a
// Publish that changes the rules takes effect on the next request.
type listenerHandler struct {
	p   *Proxy
	key string
}

// ServeHTTP runs one request through the data plane:
//
//	checks (§2.2: TRACE 405, X-Forwarded-For > 30 463)
//	  └▶ RequestInfo ─▶ RuleSet.Match ─▶ terminal action
//	       ├ fixed-response ─▶ answer
//	       ├ redirect       ─▶ 301/302 Location
//	       └ forward ─▶ target group (weight, AWSALBTG) ─▶ target (AWSALB,
//	                    Selector) ─▶ outbound headers ─▶ Engine.Forward
//	                    └ failure before headers ─▶ statusError ─▶ ELB page
func (h *listenerHandler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	p := h.p
	now := p.now()
	rt := p.routes.Load()
	lr := rt.listeners[h.key]
	w := &responseRecorder{ResponseWriter: rw}
	rec := &logRecord{start: now, received: requestSize(r), priority: -2}
	if lr != nil {
		defer p.finish(lr, r, w, rec)
	}
	switch {
	case lr == nil:
		// The listener was removed while this connection was open.
		writeELBError(w, http.StatusServiceUnavailable)
	case r.Method == http.MethodTrace:
		writeELBError(w, http.StatusMethodNotAllowed)
	case xffCount(r.Header) > maxXFFAddresses:
		writeELBError(w, StatusXFFTooLong)
	default:
		p.route(w, r, rt, lr, now, rec)
	}
}

// finish records a finished request in the metrics and the access log. It
// runs deferred, so also when the engine aborts the connection.
func (p *Proxy) finish(lr *listenerRoute, r *http.Request, w *responseRecorder, rec *logRecord) {
	status := w.status
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
	p.logs.write(lr, r, w, rec, p.now)
}

// route matches the listener's rules and runs the terminal action.
func (p *Proxy) route(w http.ResponseWriter, r *http.Request, rt *routes, lr *listenerRoute, now time.Time, rec *logRecord) {
	ri := elb.NewRequestInfo(r, lr.proto, lr.port)
	rule := lr.ls.Rules.Match(&ri)
	rr := rt.rules[rule]
	if rr == nil {
		rec.priority = -1 // §6: rule evaluation error
		writeELBError(w, http.StatusInternalServerError)
		return
	}
	rec.priority = rr.priority
	a := rr.action
	rec.action = string(a.Type)
	switch a.Type {
	case elb.ActionTypeFixedResponse:
		fixedResponse(w, a.FixedResponseConfig)
	case elb.ActionTypeRedirect:
		loc := a.RedirectConfig.Location(&ri)
		rec.redirectURL = loc
		h := w.Header()
		h["Server"] = serverHeader
		h["Location"] = []string{loc}
		h["Content-Length"] = []string{"0"}
		w.WriteHeader(a.RedirectConfig.StatusCode.HTTPStatus())
	case elb.ActionTypeForward:
		p.forward(w, r, rt, lr, rr, now, rec)
	default:
		writeELBError(w, http.StatusInternalServerError)
	}
}

// fixedResponse answers from the load balancer (§3.5).
func fixedResponse(w http.ResponseWriter, fr *elb.FixedResponseActionConfig) {
	h := w.Header()
	h["Server"] = serverHeader
	if fr.ContentType != "" {
		h["Content-Type"] = []string{fr.ContentType}
	} else {
		// Without it net/http would sniff one; ALB sends none (unconfirmed).
		h["Content-Type"] = nil
	}
	h["Content-Length"] = []string{strconv.Itoa(len(fr.MessageBody))}
	w.WriteHeader(fr.Status())
	_, _ = w.Write([]byte(fr.MessageBody))
}

// forward picks the target group and the target and hands the request to
// the engine.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, rt *routes, lr *listenerRoute, rr *ruleRoute, now time.Time, rec *logRecord) {
	tgARN := p.pickGroup(w, r, rr, now)
	g := rt.groups[tgARN]
	rec.group = tgARN
	if g != nil && g.metrics != nil {
		g.metrics.requests.Add(1)
	}
	if g == nil || len(g.pool) == 0 {
		writeELBError(w, http.StatusServiceUnavailable)
		return
	}
	u := p.pickTarget(w, r, g, now)
	rec.target = u.Addr.String()

	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	end := u.state.begin(cancel)
	defer end()

	client, _ := netip.ParseAddrPort(r.RemoteAddr)
	fi := forwardInfo{Client: client, Protocol: lr.proto, ListenerPort: lr.port, Attrs: lr.attrs, Now: now, Rand: p.rand}
	header, trace := outboundHeader(r.Header, &fi)
	rec.traceID = trace
	out := &Outbound{
		Target:      u.Addr,
		Host:        outboundHost(r.Host, lr.port, lr.attrs.PreserveHostHeader),
		Header:      header,
		IdleTimeout: lr.attrs.IdleTimeout(),
	}
	rec.dispatched = p.now()
	res := p.engine.Forward(w, r.WithContext(ctx), out)
	rec.targetStatus = res.Status
	if res.Status != 0 && g.metrics != nil {
		g.metrics.recordTarget(res.Status, res.Latency)
	}
	if res.Err == nil {
		return
	}
	code := statusError(res.Err, context.Cause(ctx))
	p.log.Debug("forward failed", "target", u.Addr.String(), "status", code, "err", res.Err)
	if code == StatusClientClosed {
		rec.clientClosed = true
		return
	}
	writeELBError(w, code)
}

// pickGroup returns the target group of a forward: the one the AWSALBTG
// cookie pins when target-group stickiness is on and the group still gets
// traffic, otherwise one chosen by weight (§3.5). It sets the refreshed
// cookie. "" means every weight is zero.
func (p *Proxy) pickGroup(w http.ResponseWriter, r *http.Request, rr *ruleRoute, now time.Time) string {
	arn := ""
	if rr.tgStickinessSeconds > 0 {
		if f, ok := p.cookie.open(requestCookie(r, cookieTG), now, 1); ok && rr.weighted.Contains(f[0]) {
			arn = f[0]
		}
	}
	if arn == "" {
		arn, _ = rr.weighted.Select(p.rand)
	}
	if arn != "" && rr.tgStickinessSeconds > 0 {
		exp := now.Add(time.Duration(rr.tgStickinessSeconds) * time.Second)
		setStickyCookies(w.Header(), cookieTG, cookieTGCORS, p.cookie.seal(exp, arn), now)
	}
	return arn
}

// pickTarget returns the target for a request to g, whose pool is not
// empty: the one the AWSALB cookie pins if it is still a candidate,
// otherwise the selector's choice (§4.5: an undecodable cookie or a target
// that is no longer routable gets a new target and a rewritten cookie).
// app_cookie stickiness is not implemented and routes as if off.
func (p *Proxy) pickTarget(w http.ResponseWriter, r *http.Request, g *groupRoute, now time.Time) *Upstream {
	sticky := g.attrs.StickinessEnabled && g.attrs.StickinessType != elb.StickinessAppCookie
	var u *Upstream
	if sticky {
		if key, ok := p.cookie.targetFromCookie(requestCookie(r, cookieLB), g.arn, now); ok {
			u = g.byKey[key]
		}
	}
	if u == nil {
		u = g.selector.Select(g.pool, now)
	}
	if sticky {
		exp := now.Add(time.Duration(max(g.attrs.LBCookieDurationSeconds, 1)) * time.Second)
		setStickyCookies(w.Header(), cookieLB, cookieLBCORS, p.cookie.targetCookie(g.arn, u.Key, exp), now)
	}
	return u
}

// responseRecorder records the status and the bytes sent for the access
// log. Unwrap lets http.ResponseController reach Flush and Hijack.
type responseRecorder struct {
	http.ResponseWriter
	status int
	sent   int64
}

func (w *responseRecorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 || code == http.StatusSwitchingProtocols {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.sent += int64(n)
	return n, err
}

// Flush implements http.Flusher for callers that assert it directly.
func (w *responseRecorder) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack implements http.Hijacker for callers that assert it directly.
func (w *responseRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the underlying ResponseWriter.
func (w *responseRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestSize estimates received_bytes (§6): request line, headers and the
// declared body length. A chunked body counts as 0 (limitation).
func requestSize(r *http.Request) int64 {
	n := int64(len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += int64(len(k) + len(v) + 4)
		}
	}
	n += int64(len(r.Host) + 8)
	if r.ContentLength > 0 {
		n += r.ContentLength
	}
	return n
}
