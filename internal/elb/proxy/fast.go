package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/valyala/fasthttp"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// FastEngine is the throughput Engine: listeners are served by a
// fasthttp.Server and requests forwarded by one fasthttp.HostClient per
// target and idle timeout (a keep-alive pool), with both bodies streamed.
// The shared header step edits a pooled copy of the received fasthttp
// request header, so a keep-alive GET costs no http.Request, http.Header
// or per-request goroutine.
//
// Compared with StdEngine it is more faithful in three places: ELB status
// lines carry ALB's reason phrases ("503 Service Temporarily
// Unavailable"), a Transfer-Encoding other than chunked or identity gets
// the ELB 501 page, and malformed requests the ELB 400 page. It cannot see
// a client that goes away while its request waits on the target (no 460),
// and a drain-deadline cut closes every connection to that target address
// (from any group), not only those of the draining registration.
type FastEngine struct {
	connectTimeout time.Duration

	mu      sync.Mutex // guards adding to clients
	clients atomic.Pointer[map[clientKey]*fastClient]
	pool    sync.Pool // *fastForward
}

// NewFastEngine returns a FastEngine. connectTimeout zero means
// DefaultConnectTimeout.
func NewFastEngine(connectTimeout time.Duration) *FastEngine {
	if connectTimeout <= 0 {
		connectTimeout = DefaultConnectTimeout
	}
	e := &FastEngine{connectTimeout: connectTimeout}
	e.clients.Store(&map[clientKey]*fastClient{})
	e.pool.New = func() any {
		f := &fastForward{e: e}
		f.flight.fast = f
		return f
	}
	return e
}

// clientKey selects a HostClient: load balancers with different idle
// timeouts do not share connections.
type clientKey struct {
	addr netip.AddrPort
	idle time.Duration
}

// fastClient is the HostClient of one target with the set of its open
// connections, which a drain cut and Close close.
type fastClient struct {
	hc     *fasthttp.HostClient
	addr   string
	idle   time.Duration
	dialer net.Dialer

	// lastCut is when closeConns last ran (unix nanos): a request failing
	// right after is not retried, so a drain cut is final.
	lastCut atomic.Int64

	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

// trackedConn is a target connection that removes itself from its
// client's set when closed. It enforces the idle timeout per read and
// write (idleConn), since the HostClient's own ReadTimeout would bound a
// whole streamed body.
type trackedConn struct {
	*idleConn
	c    *fastClient
	once sync.Once
}

func (t *trackedConn) Close() error {
	t.once.Do(func() {
		t.c.mu.Lock()
		delete(t.c.conns, t)
		t.c.mu.Unlock()
	})
	return t.idleConn.Close()
}

// dial opens a tracked connection to the target.
func (c *fastClient) dial(string) (net.Conn, error) {
	nc, err := c.dialer.Dial("tcp", c.addr)
	if err != nil {
		return nil, err
	}
	t := &trackedConn{idleConn: newIdleConn(nc, c.idle), c: c}
	c.mu.Lock()
	if c.conns == nil {
		c.conns = map[*trackedConn]struct{}{}
	}
	c.conns[t] = struct{}{}
	c.mu.Unlock()
	return t, nil
}

// closeConns closes every open connection to the target: requests in
// flight on them fail (a drain cut, or Close).
func (c *fastClient) closeConns() {
	c.lastCut.Store(time.Now().UnixNano())
	c.mu.Lock()
	conns := make([]*trackedConn, 0, len(c.conns))
	for t := range c.conns {
		conns = append(conns, t)
	}
	c.mu.Unlock()
	for _, t := range conns {
		_ = t.Close()
	}
}

// client returns the HostClient for a target and idle timeout, creating
// it on first use; the lookup is a lock-free map read (copy-on-write).
func (e *FastEngine) client(addr netip.AddrPort, idle time.Duration) *fastClient {
	if idle <= 0 {
		idle = defaultIdleTimeout
	}
	k := clientKey{addr, idle}
	if c := (*e.clients.Load())[k]; c != nil {
		return c
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := *e.clients.Load()
	if c := cur[k]; c != nil {
		return c
	}
	c := &fastClient{addr: addr.String(), idle: idle, dialer: net.Dialer{Timeout: e.connectTimeout, KeepAlive: 30 * time.Second}}
	c.hc = &fasthttp.HostClient{
		Addr:                          c.addr,
		Dial:                          c.dial,
		MaxConns:                      1 << 16,
		MaxIdleConnDuration:           idle,
		MaxIdemponentCallAttempts:     2,
		RetryIfErr:                    c.retryStale,
		ReadBufferSize:                64 << 10, // response headers up to 64 KB
		StreamResponseBody:            true,
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true,
		NoDefaultUserAgentHeader:      true,
	}
	next := make(map[clientKey]*fastClient, len(cur)+1)
	for key, v := range cur {
		next[key] = v
	}
	next[k] = c
	e.clients.Store(&next)
	return c
}

// retryStale retries a bodiless idempotent request once when a reused
// keep-alive connection turned out closed by the target, as
// http.Transport does; every other failure, and any failure within a
// second of a drain cut, is the client's answer.
func (c *fastClient) retryStale(req *fasthttp.Request, attempts int, err error) (bool, bool) {
	if attempts > 1 || req.IsBodyStream() || time.Since(time.Unix(0, c.lastCut.Load())) < time.Second {
		return false, false
	}
	switch string(req.Header.Method()) {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		return false, false
	}
	return false, errors.Is(err, io.EOF) || errors.Is(err, fasthttp.ErrConnectionClosed)
}

// Close implements Engine: it closes every target connection.
func (e *FastEngine) Close() error {
	for _, c := range *e.clients.Load() {
		c.hc.CloseIdleConnections()
		c.closeConns()
	}
	return nil
}

// newServer implements Engine.
func (e *FastEngine) newServer(p *Proxy, key string, idle time.Duration) listenerServer {
	s := &fastServer{p: p, e: e, key: key, conns: map[net.Conn]*lbMetrics{}, done: make(chan struct{})}
	s.srv = &fasthttp.Server{
		Handler:                      s.serve,
		ErrorHandler:                 s.serveError,
		ConnState:                    s.connState,
		NoDefaultServerHeader:        true,
		NoDefaultContentType:         true,
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		SecureErrorLogMessage:        true,
		CloseOnShutdown:              true,
		ReadTimeout:                  idle,
		IdleTimeout:                  idle,
		ReadBufferSize:               64 << 10, // request headers up to 64 KB (§2.2)
		Logger:                       discardLogger,
	}
	return s
}

// fastServer serves one listener with fasthttp.
type fastServer struct {
	p   *Proxy
	e   *FastEngine
	key string
	srv *fasthttp.Server

	mu    sync.Mutex
	conns map[net.Conn]*lbMetrics // open client connections

	once sync.Once
	done chan struct{} // closed when the shutdown finished
	err  error
}

func (s *fastServer) Serve(ln net.Listener) error { return s.srv.Serve(ln) }

// Shutdown implements listenerServer. fasthttp's shutdown cannot be
// abandoned, so it runs once in the background and Shutdown waits for it
// or ctx.
func (s *fastServer) Shutdown(ctx context.Context) error {
	s.once.Do(func() {
		go func() {
			err := s.srv.ShutdownWithContext(context.Background())
			if errors.Is(err, net.ErrClosed) {
				err = nil
			}
			s.err = err
			close(s.done)
		}()
	})
	select {
	case <-s.done:
		return s.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close implements listenerServer: it closes every client connection.
func (s *fastServer) Close() error {
	s.mu.Lock()
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	return nil
}

// connState keeps ActiveConnectionCount and the set Close closes.
func (s *fastServer) connState(c net.Conn, st fasthttp.ConnState) {
	switch st {
	case fasthttp.StateNew:
		var m *lbMetrics
		if lr := s.p.routes.Load().listeners[s.key]; lr != nil {
			m = lr.metrics
		}
		if m != nil {
			m.active.Add(1)
		}
		s.mu.Lock()
		s.conns[c] = m
		s.mu.Unlock()
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		s.mu.Lock()
		m, ok := s.conns[c]
		delete(s.conns, c)
		s.mu.Unlock()
		if ok && m != nil {
			m.active.Add(-1)
		}
	}
}

// serveError answers a request fasthttp could not parse with the ELB page
// ALB sends: 501 for an unsupported Transfer-Encoding (§2.2), 408 for a
// request not received within the idle timeout, 400 otherwise (§2.2; for
// the desync classes fasthttp refuses itself, see desync.go), and closes
// the connection. The request is counted and access-logged (§6: malformed
// requests are logged), with the desync classification the parse error
// pins down, if any (parseErrorClass).
func (s *fastServer) serveError(ctx *fasthttp.RequestCtx, err error) {
	code := http.StatusBadRequest
	var ne net.Error
	switch {
	case errors.Is(err, fasthttp.ErrUnsupportedTransferEncoding):
		code = http.StatusNotImplemented
	case errors.As(err, &ne) && ne.Timeout():
		code = http.StatusRequestTimeout
	}
	writeELBFast(&ctx.Response, code)
	closeFastClient(ctx)
	s.p.refused(s.key, remoteAddrPort(ctx.RemoteAddr()), code, parseErrorClass(err))
}

// parseErrorClass returns the desync classification of a request fasthttp
// refused, for the access log and the non-compliant count, where its error
// names the cause (the messages are not matched: only the sentinels
// fasthttp wraps). A repeated Content-Length is logged as
// MultipleContentLength even when the values agree (fasthttp does not say
// which), and an unsupported Transfer-Encoding as BadTransferEncoding
// whatever fasthttp's cause (also a second Transfer-Encoding line, or one
// on HTTP/1.0, which ALB would call MultipleTransferEncodingChunked or
// UndefinedTransferEncodingSemantics). Other parse errors are left
// unclassified ("-").
func parseErrorClass(err error) Classification {
	r := ReasonCompliant
	switch {
	case errors.Is(err, fasthttp.ErrDuplicateContentLength):
		r = ReasonMultipleContentLength
	case errors.Is(err, fasthttp.ErrNonNumericChars):
		r = ReasonBadContentLength
	case errors.Is(err, fasthttp.ErrUnsupportedTransferEncoding):
		r = ReasonBadTransferEncoding
	case errors.Is(err, fasthttp.ErrUnsupportedRequestMethod), errors.Is(err, fasthttp.ErrMissingRequestMethod):
		r = ReasonBadMethod
	}
	return Classification{Class: r.Class(), Reason: r}
}

// closeFastClient makes fasthttp close the client connection after the
// response, replacing the "Connection: keep-alive" of an ELB page.
func closeFastClient(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Del("Connection")
	ctx.SetConnectionClose()
}

// b2s returns b as a string without copying; it is valid while b is.
func b2s(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// fastHeader is the headerEditor over the request being forwarded.
type fastHeader struct{ h *fasthttp.RequestHeader }

func (f fastHeader) values(key string) []string {
	all := f.h.PeekAll(key)
	if len(all) == 0 {
		return nil
	}
	out := make([]string, len(all))
	for i, v := range all {
		out[i] = string(v) // copied: later edits reuse the buffers
	}
	return out
}

func (f fastHeader) del(key string)        { f.h.Del(key) }
func (f fastHeader) set(key, value string) { f.h.Set(key, value) }

// peekStrings appends the values of key to dst as strings aliasing the
// header; valid until the header is edited.
func peekStrings(dst []string, h *fasthttp.RequestHeader, key string) []string {
	for _, v := range h.PeekAll(key) {
		dst = append(dst, b2s(v))
	}
	return dst
}

// fastForward is the per-request state of one forward, pooled: the
// access-log record, the in-flight registration the drain loop cuts, and
// the relay of a streamed response body.
type fastForward struct {
	e      *FastEngine
	s      *fastServer
	lr     *listenerRoute
	c      *fastClient
	rec    logRecord
	flight inflight
	cause  atomic.Pointer[error]
	resp   *fasthttp.Response
	body   io.Reader
	closed bool
	// scratch for the Cookie and X-Forwarded-For lines.
	cookies, xff [4]string
}

// cut is the drain loop's cancel: it records the cause and closes the
// target's connections, so the forward fails (502 before the response
// headers, a closed client connection after).
func (f *fastForward) cut(cause error) {
	f.cause.Store(&cause)
	f.c.closeConns()
}

func (f *fastForward) causeErr() error {
	if c := f.cause.Load(); c != nil {
		return *c
	}
	return nil
}

// Read relays the target's response body, counting sent_bytes.
func (f *fastForward) Read(b []byte) (int, error) {
	n, err := f.body.Read(b)
	f.rec.sent += int64(n)
	return n, err
}

// Close runs when fasthttp has written (or failed to write) the streamed
// body: it releases the target connection and finishes the request.
func (f *fastForward) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	_ = f.resp.CloseBodyStream()
	fasthttp.ReleaseResponse(f.resp)
	f.release()
	return nil
}

// release ends the in-flight registration, finishes the request and
// returns f to the pool.
func (f *fastForward) release() {
	if f.c != nil {
		f.flight.end()
	}
	f.s.p.finish(f.lr, &f.rec)
	f.s, f.lr, f.c, f.resp, f.body, f.closed = nil, nil, nil, nil, nil, false
	f.rec = logRecord{}
	f.flight.state = nil
	f.cause.Store(nil)
	f.cookies, f.xff = [4]string{}, [4]string{}
	f.e.pool.Put(f)
}

// serve runs one request through the routing core (see ServeHTTP for the
// flow).
func (s *fastServer) serve(ctx *fasthttp.RequestCtx) {
	p := s.p
	now := p.now()
	rt := p.routes.Load()
	lr := rt.listeners[s.key]
	h := &ctx.Request.Header

	f := s.e.pool.Get().(*fastForward)
	f.s, f.lr = s, lr
	client := remoteAddrPort(ctx.RemoteAddr())
	in := inbound{
		method: b2s(h.Method()), host: b2s(h.Host()), uri: b2s(h.RequestURI()), proto: b2s(h.Protocol()),
		userAgent: b2s(h.UserAgent()), size: fastRequestSize(h), client: client,
		cookieLines: peekStrings(f.cookies[:0], h, "Cookie"), xff: peekStrings(f.xff[:0], h, "X-Forwarded-For"),
	}
	if lr != nil {
		// The header block as received: fasthttp keeps the wire bytes
		// (before any folding or name normalisation) for RawHeaders.
		in.desync = Classify(in.method, in.uri, in.proto, b2s(h.RawHeaders()))
	}
	logging := lr != nil && p.logs.enabled(lr)
	if logging {
		in.method, in.host, in.uri = strings.Clone(in.method), strings.Clone(in.host), strings.Clone(in.uri)
		in.proto, in.userAgent = strings.Clone(in.proto), strings.Clone(in.userAgent)
	}
	f.rec = newLogRecord(&in, now)

	var ri elb.RequestInfo
	if lr != nil {
		fastRequestInfo(&ri, &in, h, client, lr)
	}
	d := p.decide(rt, lr, &in, &ri, now, &f.rec)
	resp := &ctx.Response
	switch {
	case d.errCode != 0:
		writeELBFast(resp, d.errCode)
	case d.fixed != nil:
		resp.SetStatusCode(d.fixed.Status())
		resp.Header.SetServer("awselb/2.0")
		if d.fixed.ContentType != "" {
			resp.Header.SetContentType(d.fixed.ContentType)
		}
		resp.SetBodyString(d.fixed.MessageBody)
	case d.redirect != "":
		resp.SetStatusCode(d.redirectCode)
		resp.Header.SetServer("awselb/2.0")
		resp.Header.Set("Location", d.redirect)
		resp.Header.SetContentLength(0)
	default:
		s.forward(ctx, f, &in, &d, client, now)
		return
	}
	if d.closeClient {
		closeFastClient(ctx)
	}
	f.rec.status = resp.StatusCode()
	f.rec.sent = int64(len(resp.Body()))
	f.release()
}

// forward sends the decided request to its target with the shared
// outbound headers and relays the response. f is released here, or by
// the body relay's Close when the body streams after the handler returns.
func (s *fastServer) forward(ctx *fasthttp.RequestCtx, f *fastForward, in *inbound, d *decision, client netip.AddrPort, now time.Time) {
	p, lr := s.p, f.lr
	req := &ctx.Request
	h := &req.Header
	f.c = s.e.client(d.u.Addr, lr.attrs.IdleTimeout())
	d.u.state.beginFlight(&f.flight)

	upgrade := h.ConnectionUpgrade() && len(h.Peek("Upgrade")) > 0
	closeAfter := h.ConnectionClose() || d.closeClient

	// The outbound request is a copy: the received one stays as the client
	// sent it (STYLE §6.9, ProxyRequest{In, Out}).
	out := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(out)
	oh := &out.Header
	h.CopyTo(oh)
	fi := p.forwardInfoFor(lr, client, now)
	f.rec.traceID = applyOutbound(fastHeader{oh}, &fi)
	if host := outboundHost(in.host, lr.port, lr.attrs.PreserveHostHeader); host != in.host {
		oh.SetHost(host)
	}
	if !oh.IsHTTP11() {
		oh.SetProtocol("HTTP/1.1") // ALB speaks HTTP/1.1 to targets
	}
	if d.closeTarget && !upgrade {
		// Desync mitigation: "Connection: close" to the target, and the
		// HostClient closes the connection after the response (§5.3).
		oh.SetConnectionClose()
	}
	out.UseHostHeader = true
	if cl := h.ContentLength(); cl != 0 {
		// ReadTimeout bounded the headers; a body streams for as long as
		// it takes, as under StdEngine (the target side has the idle
		// timeout).
		_ = ctx.SetReadDeadline(time.Time{})
		if body := req.BodyStream(); body != nil {
			// Hidden behind a plain Reader: releasing out must not close
			// the stream the server loop owns.
			out.SetBodyStream(struct{ io.Reader }{body}, cl)
		} else {
			out.SetBodyRaw(req.Body())
		}
	}
	f.rec.dispatched = p.now()
	if upgrade {
		s.upgrade(ctx, out, f, d)
		return
	}

	tr := fasthttp.AcquireResponse()
	tr.Header.SetNoDefaultContentType(true)
	sent := time.Now()
	err := targetErr(f.c.hc.Do(out, tr))
	res := Result{Err: err}
	if err == nil {
		res.Status, res.Latency = tr.StatusCode(), time.Since(sent)
	}
	resp := &ctx.Response
	if code := p.forwardDone(d, res, f.causeErr(), &f.rec); code != 0 || err != nil {
		fasthttp.ReleaseResponse(tr)
		if code != 0 {
			writeELBFast(resp, code)
			f.rec.status = code
			f.rec.sent = int64(len(resp.Body()))
		}
		if closeAfter {
			closeFastClient(ctx)
		}
		f.release()
		return
	}
	tr.Header.CopyTo(&resp.Header)
	stripResponseHop(&resp.Header)
	if closeAfter {
		closeFastClient(ctx)
	}
	for _, c := range d.cookies {
		resp.Header.Add("Set-Cookie", c)
	}
	f.rec.status = res.Status
	if body := tr.BodyStream(); body != nil {
		f.resp, f.body = tr, body
		resp.SetBodyStream(f, tr.Header.ContentLength())
		return // released by f.Close
	}
	resp.SetBody(tr.Body())
	f.rec.sent = int64(len(tr.Body()))
	fasthttp.ReleaseResponse(tr)
	f.release()
}

// upgrade forwards a protocol upgrade (WebSocket): it writes the request
// on a new target connection and, if the target switches protocols,
// hijacks the client connection and copies bytes both ways until either
// side closes; any other answer is relayed as a response.
func (s *fastServer) upgrade(ctx *fasthttp.RequestCtx, out *fasthttp.Request, f *fastForward, d *decision) {
	p := s.p
	fail := func(err error) {
		if code := p.forwardDone(d, Result{Err: err}, f.causeErr(), &f.rec); code != 0 {
			writeELBFast(&ctx.Response, code)
			f.rec.status = code
		}
		f.release()
	}
	nc, err := f.c.dial("")
	if err != nil {
		fail(err)
		return
	}
	sent := time.Now()
	if _, err := out.Header.WriteTo(nc); err != nil {
		_ = nc.Close()
		fail(err)
		return
	}
	br := bufio.NewReader(nc)
	tr := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(tr)
	tr.Header.SetNoDefaultContentType(true)
	if err := tr.Header.Read(br); err != nil {
		_ = nc.Close()
		fail(targetErr(err))
		return
	}
	res := Result{Status: tr.StatusCode(), Latency: time.Since(sent)}
	p.forwardDone(d, res, nil, &f.rec)
	f.rec.status = res.Status
	if res.Status != http.StatusSwitchingProtocols {
		err := tr.ReadBody(br, 0)
		_ = nc.Close()
		tr.Header.CopyTo(&ctx.Response.Header)
		stripResponseHop(&ctx.Response.Header)
		if err != nil {
			ctx.SetConnectionClose()
		}
		for _, c := range d.cookies {
			ctx.Response.Header.Add("Set-Cookie", c)
		}
		ctx.Response.SetBody(tr.Body())
		f.rec.sent = int64(len(tr.Body()))
		f.release()
		return
	}
	for _, c := range d.cookies {
		tr.Header.Add("Set-Cookie", c)
	}
	head := append([]byte(nil), tr.Header.Header()...)
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) {
		defer f.release()
		defer nc.Close()
		if _, err := c.Write(head); err != nil {
			return
		}
		// Client to target runs beside target to client. fasthttp takes
		// c back (and reuses it) once this handler returns, so the handler
		// waits for that copy: when the target side ends first, a read
		// deadline in the past ends the copy's Read (Close on a hijacked
		// connection is a no-op; fasthttp closes it after the handler).
		done := make(chan struct{})
		go func() { // owned by the hijack handler: it waits on done
			defer close(done)
			_, _ = io.Copy(nc, c)
			_ = nc.Close()
		}()
		n, _ := io.Copy(c, br)
		f.rec.sent = int64(len(head)) + n
		_ = c.SetReadDeadline(time.Now())
		<-done
	})
}

// targetErr makes fasthttp's timeouts recognisable to statusError (504).
func targetErr(err error) error {
	if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) {
		return fmt.Errorf("%w: %w", os.ErrDeadlineExceeded, err)
	}
	return err
}

// responseHopHeaders are the hop-by-hop headers removed from a target's
// response; Connection's named headers go too.
var responseHopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// stripResponseHop removes the hop-by-hop headers of a target response,
// as httputil.ReverseProxy does; fasthttp frames the body itself.
func stripResponseHop(h *fasthttp.ResponseHeader) {
	if conn := h.Peek("Connection"); len(conn) > 0 {
		for _, name := range strings.Split(string(conn), ",") {
			if name = strings.TrimSpace(name); name != "" && !strings.EqualFold(name, "close") && !strings.EqualFold(name, "keep-alive") {
				h.Del(name)
			}
		}
	}
	for _, k := range responseHopHeaders {
		h.Del(k)
	}
}

// writeELBFast writes an ELB-generated error response (§2.3) with ALB's
// reason phrase in the status line.
func writeELBFast(resp *fasthttp.Response, code int) {
	resp.Header.DelAllCookies()
	resp.SetStatusCode(code)
	if r := reasonPhrases[code]; r != "" {
		resp.Header.SetStatusMessage([]byte(r))
	}
	resp.Header.SetServer("awselb/2.0")
	resp.Header.SetContentType("text/html")
	resp.Header.Set("Connection", "keep-alive")
	resp.SetBodyRaw(errorPage(code))
}

// remoteAddrPort returns the address of a client connection.
func remoteAddrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort()
	}
	return parseRemote(a.String())
}

// fastRequestSize estimates received_bytes (§6) like requestSize.
func fastRequestSize(h *fasthttp.RequestHeader) int64 {
	n := int64(len(h.RawHeaders()) + len(h.RequestURI()) + len(h.Method()) + 12)
	if cl := h.ContentLength(); cl > 0 {
		n += int64(cl)
	}
	return n
}

// fastRequestInfo fills ri from a fasthttp request without net/http: the
// path is decoded from the request URI as sent (no dot-segment or slash
// cleaning, like net/http), and the header map is built only when a rule
// of the listener matches on headers.
func fastRequestInfo(ri *elb.RequestInfo, in *inbound, h *fasthttp.RequestHeader, client netip.AddrPort, lr *listenerRoute) {
	uri := in.uri
	host := in.host
	if uri != "" && uri[0] != '/' && uri != "*" {
		// Absolute form: "http://host/path?q".
		if _, rest, ok := strings.Cut(uri, "://"); ok {
			i := strings.IndexAny(rest, "/?")
			if i < 0 {
				host, uri = rest, "/"
			} else {
				host, uri = rest[:i], rest[i:]
			}
		}
	}
	rawPath, rawQuery, _ := strings.Cut(uri, "?")
	if i := strings.IndexByte(rawPath, '#'); i >= 0 {
		rawPath = rawPath[:i]
	}
	path := rawPath
	if strings.IndexByte(path, '%') >= 0 {
		if p, err := url.PathUnescape(path); err == nil {
			path = p
		}
	}
	if path == "" {
		path, rawPath = "/", "/"
	}
	hostName, _ := splitHostPort(host)
	*ri = elb.RequestInfo{
		Method:   in.method,
		Host:     hostName,
		Path:     path,
		Protocol: lr.proto,
		Port:     lr.port,
		RawPath:  rawPath,
		RawQuery: rawQuery,
		SourceIP: client.Addr().Unmap(),
	}
	if rawQuery != "" {
		ri.Query = elb.ParseQuery(rawQuery, nil)
	}
	if lr.needHeader {
		m := make(map[string][]string, 16)
		for k, v := range h.AllInOrder() {
			key := string(k)
			m[key] = append(m[key], string(v))
		}
		ri.Header = m
	}
}

// Interface guard.
var _ Engine = (*FastEngine)(nil)
