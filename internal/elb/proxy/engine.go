package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Engine is the data-plane seam: it serves the listeners the Proxy binds
// and forwards requests to targets. Everything ALB-specific (rules, target
// choice, stickiness, the outbound headers, the mapping of failures to
// 502/503/504, the error pages, the access log and the metrics) is the
// routing core in core.go, headers.go, errors.go and sticky.go, which both
// engines call; an engine only translates between its HTTP
// implementation and that core:
//
//	listener ─▶ engine server ─▶ inbound + RequestInfo ─▶ Proxy.decide
//	   ─▶ ELB page | fixed | redirect | applyOutbound ─▶ engine forward
//	   ─▶ Proxy.forwardDone (statusError) ─▶ Proxy.finish
//
// StdEngine serves with net/http and forwards with httputil.ReverseProxy;
// FastEngine serves with fasthttp and forwards with a fasthttp.HostClient
// per target. The behaviour tests run against both (testEngines).
//
// A forward must send the request's method, URI and body with the shared
// outbound header set and Host, without buffering the body in either
// direction; pass a protocol upgrade (101) through, then copy bytes both
// ways; answer the ELB error page when the target failed before its
// response headers; close the client connection when it fails after; and
// let the drain loop cut the request through targetState.
type Engine interface {
	// newServer returns the server of one listener of p: key is the
	// listener's key in the routes, idle its load balancer's idle timeout.
	newServer(p *Proxy, key string, idle time.Duration) listenerServer
	// Close releases target connections.
	Close() error
}

// listenerServer serves one bound listener.
type listenerServer interface {
	// Serve accepts on ln until Shutdown or Close.
	Serve(ln net.Listener) error
	// Shutdown stops accepting and waits for in-flight requests to finish
	// or ctx to end.
	Shutdown(ctx context.Context) error
	// Close cuts every connection at once.
	Close() error
}

// Outbound is what the engine sends to the target besides the inbound
// request line and body.
type Outbound struct {
	// Target is the address of the chosen target.
	Target netip.AddrPort
	// Host is the Host header to send (§4.6).
	Host string
	// Header is the complete outbound header set: hop-by-hop headers
	// removed, X-Forwarded-* and X-Amzn-Trace-Id set (outboundHeader).
	Header http.Header
	// IdleTimeout is the load balancer's idle timeout: the longest the
	// target connection may go without data before the request fails with
	// 504 (§4.6). Zero means 60 s.
	IdleTimeout time.Duration
	// Close asks for the target connection to be closed after this
	// request ("Connection: close"), as desync mitigation does after an
	// Ambiguous request (§5.3).
	Close bool
}

// Result is the outcome of a forward.
type Result struct {
	// Status is the target's response status; 0 if none arrived.
	Status int
	// Latency is the time from sending the request to the target until
	// its response headers arrived (TargetResponseTime).
	Latency time.Duration
	// Err is set when the target failed before sending response headers;
	// nothing has been written to the client then.
	Err error
}

// DefaultConnectTimeout is how long a connection to a target may take to
// establish before the request fails with 504 (§2.2, §4.6).
const DefaultConnectTimeout = 10 * time.Second

// defaultIdleTimeout is idle_timeout.timeout_seconds' default (§4.6).
const defaultIdleTimeout = 60 * time.Second

// StdEngine is the reference Engine, built on httputil.ReverseProxy and a
// tuned http.Transport per idle timeout: a keep-alive pool per target, a
// 10 s connect timeout, ResponseHeaderTimeout = idle timeout, HTTP/1.1 only,
// no proxy from the environment, no added compression.
type StdEngine struct {
	connectTimeout time.Duration

	mu      sync.Mutex // guards proxies; held only to add one
	proxies atomic.Pointer[map[time.Duration]*httputil.ReverseProxy]
}

// NewStdEngine returns a StdEngine. connectTimeout zero means
// DefaultConnectTimeout.
func NewStdEngine(connectTimeout time.Duration) *StdEngine {
	if connectTimeout <= 0 {
		connectTimeout = DefaultConnectTimeout
	}
	e := &StdEngine{connectTimeout: connectTimeout}
	e.proxies.Store(&map[time.Duration]*httputil.ReverseProxy{})
	return e
}

// resultKey carries the *stdForward of a request through ReverseProxy's
// callbacks.
type resultKey struct{}

// stdForward is the per-request data the ReverseProxy callbacks read.
type stdForward struct {
	out  *Outbound
	res  Result
	sent time.Time
}

// newServer implements Engine: an http.Server whose ReadHeaderTimeout and
// IdleTimeout are the load balancer's idle timeout (§4.6), serving
// connections wrapped in stdConn so that the error responses net/http
// writes itself become ELB pages.
func (e *StdEngine) newServer(p *Proxy, key string, idle time.Duration) listenerServer {
	count := p.connState(key)
	srv := &http.Server{
		Handler:           &listenerHandler{p: p, e: e, key: key},
		ReadHeaderTimeout: idle,
		IdleTimeout:       idle,
		ErrorLog:          discardLogger,
		ConnState: func(c net.Conn, st http.ConnState) {
			if sc, ok := c.(*stdConn); ok && st == http.StateIdle {
				sc.busy.Store(false) // the response is flushed
			}
			count(c, st)
		},
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, stdConnKey{}, c)
		},
	}
	srv.SetKeepAlivesEnabled(true)
	return stdServer{Server: srv, p: p, key: key}
}

// stdServer adapts http.Server to listenerServer.
type stdServer struct {
	*http.Server
	p   *Proxy
	key string
}

func (s stdServer) Serve(ln net.Listener) error {
	if err := s.Server.Serve(stdListener{ln, s}); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// stdListener wraps every accepted connection in a stdConn.
type stdListener struct {
	net.Listener
	s stdServer
}

func (l stdListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &stdConn{Conn: c, s: l.s}, nil
}

// stdConnKey carries a request's *stdConn in its context (ConnContext).
type stdConnKey struct{}

// stdConn is a client connection of a StdEngine listener. net/http
// answers a request it cannot parse (malformed request line or headers,
// conflicting Content-Length, an unsupported Transfer-Encoding: the desync
// classes of desync.go) by writing a plain-text response straight to the
// connection, before and without any handler; stdConn replaces that
// response with the ELB page ALB sends (§2.2, §2.3) and records it like
// FastEngine's serveError does.
//
// Such a response is recognised by its exact shape (status line, then
// net/http's fixed "Content-Type: text/plain; charset=utf-8" and
// "Connection: close", no Date), and only while no handler response is
// in progress on the connection: busy is set when ServeHTTP starts and
// cleared when net/http marks the connection idle, after the handler's
// response is flushed, so a body that happens to hold those bytes is
// never touched. A hijacked connection stays busy.
type stdConn struct {
	net.Conn
	s    stdServer
	busy atomic.Bool
}

// netHTTPErrorHeaders follow the status line of every response net/http
// writes for a request it refused (net/http server.go, conn.serve).
const netHTTPErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *stdConn) Write(b []byte) (int, error) {
	if c.busy.Load() {
		return c.Conn.Write(b)
	}
	code, ok := netHTTPErrorStatus(b)
	if !ok {
		return c.Conn.Write(b)
	}
	if code == http.StatusRequestHeaderFieldsTooLarge {
		code = http.StatusBadRequest // §2.2: ALB answers oversized headers with 400
	}
	if _, err := c.Conn.Write(elbPageResponse(code, c.s.p.now())); err != nil {
		return 0, err
	}
	c.s.p.refused(c.s.key, remoteAddrPort(c.RemoteAddr()), code, Classification{})
	return len(b), nil
}

// CloseWrite half-closes the connection, as net/http does (through
// *net.TCPConn) before closing one whose client may still be sending.
func (c *stdConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// netHTTPErrorStatus reports whether b is an error response net/http
// wrote for a request it refused, and its status.
func netHTTPErrorStatus(b []byte) (int, bool) {
	const prefix = "HTTP/1.1 "
	if len(b) < len(prefix)+3 || string(b[:len(prefix)]) != prefix {
		return 0, false
	}
	end := bytes.Index(b, []byte("\r\n"))
	if end < 0 || !bytes.HasPrefix(b[end:], []byte(netHTTPErrorHeaders)) {
		return 0, false
	}
	code, err := strconv.Atoi(string(b[len(prefix) : len(prefix)+3]))
	if err != nil || code < 400 || code > 599 {
		return 0, false
	}
	return code, true
}

// elbPageResponse renders a whole ELB error response (§2.3) with ALB's
// reason phrase, for a connection about to close.
func elbPageResponse(code int, now time.Time) []byte {
	body := errorPage(code)
	status := strconv.Itoa(code)
	if r := reasonPhrases[code]; r != "" {
		status += " " + r
	}
	out := make([]byte, 0, 160+len(body))
	out = append(out, "HTTP/1.1 "+status+"\r\nServer: awselb/2.0\r\nDate: "+now.UTC().Format(http.TimeFormat)+
		"\r\nContent-Type: text/html\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"...)
	return append(out, body...)
}

// Forward sends r to out.Target and streams the response to w (see
// Engine for the contract). It returns Result.Err, having written nothing,
// when the target failed before its response headers, and aborts the
// connection (panic(http.ErrAbortHandler)) when it fails after.
func (e *StdEngine) Forward(w http.ResponseWriter, r *http.Request, out *Outbound) Result {
	f := &stdForward{out: out}
	r = r.WithContext(context.WithValue(r.Context(), resultKey{}, f))
	e.proxy(out.IdleTimeout).ServeHTTP(w, r)
	return f.res
}

// Close implements Engine.
func (e *StdEngine) Close() error {
	for _, rp := range *e.proxies.Load() {
		rp.Transport.(*http.Transport).CloseIdleConnections()
	}
	return nil
}

// proxy returns the ReverseProxy for an idle timeout, creating it on first
// use. Load balancers share a pool when their idle timeouts agree; the
// lookup is a lock-free map read (copy-on-write).
func (e *StdEngine) proxy(idle time.Duration) *httputil.ReverseProxy {
	if idle <= 0 {
		idle = defaultIdleTimeout
	}
	if rp := (*e.proxies.Load())[idle]; rp != nil {
		return rp
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := *e.proxies.Load()
	if rp := cur[idle]; rp != nil {
		return rp
	}
	rp := e.newReverseProxy(idle)
	next := make(map[time.Duration]*httputil.ReverseProxy, len(cur)+1)
	for k, v := range cur {
		next[k] = v
	}
	next[idle] = rp
	e.proxies.Store(&next)
	return rp
}

func (e *StdEngine) newReverseProxy(idle time.Duration) *httputil.ReverseProxy {
	dialer := &net.Dialer{Timeout: e.connectTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: nil, // never from the environment
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return newIdleConn(c, idle), nil
		},
		ForceAttemptHTTP2:     false,
		Protocols:             http1Only(),
		MaxIdleConns:          0, // no global limit
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       idle,
		ResponseHeaderTimeout: idle,
		DisableCompression:    true,
		ExpectContinueTimeout: 0,
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			f := pr.In.Context().Value(resultKey{}).(*stdForward)
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = f.out.Target.String()
			pr.Out.Host = f.out.Host
			pr.Out.Header = f.out.Header
			pr.Out.Close = f.out.Close
			f.sent = time.Now()
		},
		Transport:     tr,
		FlushInterval: -1, // flush as data arrives
		ModifyResponse: func(res *http.Response) error {
			f := res.Request.Context().Value(resultKey{}).(*stdForward)
			f.res.Status = res.StatusCode
			f.res.Latency = time.Since(f.sent)
			return nil
		},
		ErrorHandler: func(_ http.ResponseWriter, r *http.Request, err error) {
			f := r.Context().Value(resultKey{}).(*stdForward)
			f.res.Err = err
		},
		ErrorLog: discardLogger,
	}
}

// http1Only returns the protocol set of target connections: HTTP/1.1 only
// (ALB speaks HTTP/1.1 to HTTP1 target groups).
func http1Only() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	return p
}

// discardLogger silences ReverseProxy's own logging: the proxy logs the
// failures it maps, and the rest is client noise.
var discardLogger = log.New(io.Discard, "", 0)

// idleConn enforces the idle timeout on a target connection (§4.6): a read
// fails once neither a read nor a write has moved data for the timeout.
// Writes that progress (a long upload) keep a pending read alive.
type idleConn struct {
	net.Conn
	idle      time.Duration
	lastWrite atomic.Int64 // unix nanos
}

func newIdleConn(c net.Conn, idle time.Duration) *idleConn {
	ic := &idleConn{Conn: c, idle: idle}
	ic.lastWrite.Store(time.Now().UnixNano())
	return ic
}

func (c *idleConn) Read(p []byte) (int, error) {
	for {
		_ = c.Conn.SetReadDeadline(time.Now().Add(c.idle))
		n, err := c.Conn.Read(p)
		if n == 0 && errors.Is(err, os.ErrDeadlineExceeded) &&
			time.Since(time.Unix(0, c.lastWrite.Load())) < c.idle {
			continue // the write side moved data: not idle
		}
		return n, err
	}
}

func (c *idleConn) Write(p []byte) (int, error) {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.lastWrite.Store(time.Now().UnixNano())
	}
	return n, err
}

// Interface guard.
var _ Engine = (*StdEngine)(nil)
