package proxy

import (
	"bufio"
	"context"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// listenerHandler serves one bound listener for StdEngine. It holds only
// the listener's key: every request looks its listener up in the current
// routes, so a Publish that changes the rules takes effect on the next
// request.
type listenerHandler struct {
	p   *Proxy
	e   *StdEngine
	key string
}

// ServeHTTP runs one request through the data plane:
//
//	checks (§2.2: TRACE 405, X-Forwarded-For > 30 463)
//	  └▶ RequestInfo ─▶ RuleSet.Match ─▶ terminal action
//	       ├ fixed-response ─▶ answer
//	       ├ redirect       ─▶ 301/302 Location
//	       └ forward ─▶ target group (weight, AWSALBTG) ─▶ target (AWSALB,
//	                    Selector) ─▶ outbound headers ─▶ StdEngine.Forward
//	                    └ failure before headers ─▶ statusError ─▶ ELB page
func (h *listenerHandler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if sc, ok := r.Context().Value(stdConnKey{}).(*stdConn); ok {
		sc.busy.Store(true) // a handler response is in progress (stdConn)
	}
	p := h.p
	now := p.now()
	rt := p.routes.Load()
	lr := rt.listeners[h.key]
	w := &responseRecorder{ResponseWriter: rw}
	in := inbound{
		method: r.Method, host: r.Host, uri: r.RequestURI, proto: r.Proto, remote: r.RemoteAddr,
		userAgent: r.UserAgent(), size: requestSize(r), cookieLines: r.Header["Cookie"], xff: r.Header["X-Forwarded-For"],
	}
	if lr != nil {
		in.desync = classifyStd(r)
	}
	rec := newLogRecord(&in, now)
	defer func() {
		rec.status, rec.sent = w.status, w.sent
		p.finish(lr, &rec)
	}()
	var ri elb.RequestInfo
	if lr != nil {
		ri = elb.NewRequestInfo(r, lr.proto, lr.port)
	}
	d := p.decide(rt, lr, &in, &ri, now, &rec)
	w.closeConn = d.closeClient
	switch {
	case d.errCode != 0:
		writeELBError(w, d.errCode)
	case d.fixed != nil:
		fixedResponse(w, d.fixed)
	case d.redirect != "":
		hd := w.Header()
		hd["Server"] = serverHeader
		hd["Location"] = []string{d.redirect}
		hd["Content-Length"] = []string{"0"}
		w.WriteHeader(d.redirectCode)
	default:
		h.forward(w, r, lr, &d, now, &rec)
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

// forward hands a decided forward to the engine and maps its failure.
func (h *listenerHandler) forward(w http.ResponseWriter, r *http.Request, lr *listenerRoute, d *decision, now time.Time, rec *logRecord) {
	p := h.p
	if len(d.cookies) > 0 {
		w.Header()["Set-Cookie"] = append(w.Header()["Set-Cookie"], d.cookies...)
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	end := d.u.state.begin(cancel)
	defer end()

	fi := p.forwardInfoFor(lr, parseRemote(r.RemoteAddr), now)
	header, trace := outboundHeader(r.Header, &fi)
	rec.traceID = trace
	out := &Outbound{
		Target:      d.u.Addr,
		Host:        outboundHost(r.Host, lr.port, lr.attrs.PreserveHostHeader),
		Header:      header,
		IdleTimeout: lr.attrs.IdleTimeout(),
		// Not on an upgrade: its target connection is the upgraded one.
		Close: d.closeTarget && r.Header.Get("Upgrade") == "",
	}
	rec.dispatched = p.now()
	res := h.e.Forward(w, r.WithContext(ctx), out)
	if code := p.forwardDone(d, res, context.Cause(ctx), rec); code != 0 {
		writeELBError(w, code)
	}
}

// pickGroup returns the target group of a forward: the one the AWSALBTG
// cookie pins when target-group stickiness is on and the group still gets
// traffic, otherwise one chosen by weight (§3.5). It adds the refreshed
// cookie to d. "" means every weight is zero.
func (p *Proxy) pickGroup(d *decision, in *inbound, rr *ruleRoute, now time.Time) string {
	arn := ""
	if rr.tgStickinessSeconds > 0 {
		if f, ok := p.cookie.open(cookieValue(in.cookieLines, cookieTG), now, 1); ok && rr.weighted.Contains(f[0]) {
			arn = f[0]
		}
	}
	if arn == "" {
		arn, _ = rr.weighted.Select(p.rand)
	}
	if arn != "" && rr.tgStickinessSeconds > 0 {
		exp := now.Add(time.Duration(rr.tgStickinessSeconds) * time.Second)
		d.cookies = stickyCookies(d.cookies, cookieTG, cookieTGCORS, p.cookie.seal(exp, arn), now)
	}
	return arn
}

// pickTarget returns the target for a request to g, whose pool is not
// empty: the one the AWSALB cookie pins if it is still a candidate,
// otherwise the selector's choice (§4.5: an undecodable cookie or a target
// that is no longer routable gets a new target and a rewritten cookie).
// app_cookie stickiness is not implemented and routes as if off.
func (p *Proxy) pickTarget(d *decision, in *inbound, g *groupRoute, now time.Time) *Upstream {
	sticky := g.attrs.StickinessEnabled && g.attrs.StickinessType != elb.StickinessAppCookie
	var u *Upstream
	if sticky {
		if key, ok := p.cookie.targetFromCookie(cookieValue(in.cookieLines, cookieLB), g.arn, now); ok {
			u = g.byKey[key]
		}
	}
	if u == nil {
		u = g.selector.Select(g.pool, now)
	}
	if sticky {
		exp := now.Add(time.Duration(max(g.attrs.LBCookieDurationSeconds, 1)) * time.Second)
		d.cookies = stickyCookies(d.cookies, cookieLB, cookieLBCORS, p.cookie.targetCookie(g.arn, u.Key, exp), now)
	}
	return u
}

// responseRecorder records the status and the bytes sent for the access
// log. Unwrap lets http.ResponseController reach Flush and Hijack.
// closeConn makes net/http close the client connection after the
// response (desync mitigation, §5.3).
type responseRecorder struct {
	http.ResponseWriter
	status    int
	sent      int64
	closeConn bool
}

func (w *responseRecorder) WriteHeader(code int) {
	if w.closeConn && code >= 200 {
		// net/http closes the connection after a response that says so;
		// never on a 101, whose connection is the upgraded one.
		w.Header()["Connection"] = connectionClose
	}
	if w.status == 0 && code >= 200 || code == http.StatusSwitchingProtocols {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
		if w.closeConn {
			w.Header()["Connection"] = connectionClose
		}
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

// classifyStd classifies a request net/http has parsed (§5.3). net/http
// hands over a canonicalised r.Header with its own repairs applied, so
// some classes cannot be seen here (see desync.go). The framing headers
// it moved out of r.Header are put back as fields: r.TransferEncoding as
// one Transfer-Encoding line. Fields are visited in name order so the
// reason among equally severe ones does not depend on map order.
func classifyStd(r *http.Request) Classification {
	var s desyncScan
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		for _, v := range r.Header[k] {
			s.field(k, v)
		}
	}
	if len(r.TransferEncoding) > 0 {
		s.field("Transfer-Encoding", strings.Join(r.TransferEncoding, ", "))
	}
	return s.finish(r.Method, r.RequestURI, r.Proto)
}
