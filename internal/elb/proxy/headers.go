package proxy

import (
	"net/http"
	"net/netip"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// hopHeaders are the hop-by-hop headers of RFC 9110 §7.6.1 that a proxy
// must not forward (the list httputil.ReverseProxy removes).
var hopHeaders = []string{
	"Connection",
	"Proxy-Connection",
	"Keep-Alive",
	"Proxy-Authenticate",
	"Proxy-Authorization",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

// forwardInfo is what the outbound header step needs besides the inbound
// request: who connected, on which listener, with which LB attributes, and
// the clock and random source for X-Amzn-Trace-Id.
type forwardInfo struct {
	Client       netip.AddrPort
	Protocol     elb.Protocol
	ListenerPort int
	Attrs        *elb.LoadBalancerAttributes
	Now          time.Time
	Rand         elb.Rand

	// protoValue and portValue are X-Forwarded-Proto and -Port as
	// precomputed by the listenerRoute; empty means compute them.
	protoValue, portValue string
}

// xffCount returns how many addresses the X-Forwarded-For headers of h
// carry, across repeated headers.
func xffCount(h http.Header) int { return xffCountValues(h["X-Forwarded-For"]) }

// xffCountValues counts the addresses of X-Forwarded-For header lines.
func xffCountValues(values []string) int {
	n := 0
	for _, v := range values {
		for v != "" {
			var a string
			a, v, _ = strings.Cut(v, ",")
			if strings.TrimSpace(a) != "" {
				n++
			}
		}
	}
	return n
}

// headerEditor is the outbound header set of a forwarded request as the
// shared header step edits it: an http.Header for StdEngine, the
// outbound copy of the fasthttp request header for FastEngine. Keys are
// canonical MIME header keys.
type headerEditor interface {
	// values returns every value of key, in order; the strings must stay
	// valid after later edits.
	values(key string) []string
	del(key string)
	set(key, value string)
}

// stdHeader edits an http.Header.
type stdHeader http.Header

func (h stdHeader) values(key string) []string { return h[key] }
func (h stdHeader) del(key string)             { delete(h, key) }
func (h stdHeader) set(key, value string)      { h[key] = []string{value} }

// outboundHeader returns the headers to send to the target for a request
// with headers in (a copy edited by applyOutbound; in is not modified),
// and the trace ID sent, for the access log.
func outboundHeader(in http.Header, fi *forwardInfo) (http.Header, string) {
	out := make(http.Header, len(in)+4)
	for k, v := range in {
		out[k] = v // values are shared and never modified in place
	}
	trace := applyOutbound(stdHeader(out), fi)
	return out, trace
}

// applyOutbound turns the inbound header set h into the one to send to
// the target, the single named step that sets the X-Forwarded-* and
// X-Amzn-Trace-Id headers (STYLE §6.9), for both engines. It returns the
// trace ID sent, for the access log.
//
//   - hop-by-hop headers and the headers named in Connection are removed;
//     a WebSocket upgrade keeps "Connection: Upgrade" and its Upgrade, and
//     "Te: trailers" is kept, as httputil.ReverseProxy does;
//   - X-Forwarded-For per routing.http.xff_header_processing.mode (§5.1);
//   - X-Forwarded-Proto is the listener protocol, X-Forwarded-Port the
//     listener port (not the host port it is published on: the client
//     "connected to" the listener; emulator choice);
//   - X-Amzn-Trace-Id per §5.2.
func applyOutbound(h headerEditor, fi *forwardInfo) string {
	// Every read happens before the first edit.
	conn := h.values("Connection")
	upgrade := ""
	if headerHasToken(conn, "upgrade") {
		if u := h.values("Upgrade"); len(u) > 0 {
			upgrade = u[0]
		}
	}
	trailers := headerHasToken(h.values("Te"), "trailers")
	prior := h.values("X-Forwarded-For")
	inTrace := ""
	if t := h.values("X-Amzn-Trace-Id"); len(t) > 0 {
		inTrace = t[0]
	}

	for _, f := range conn {
		for f != "" {
			var name string
			name, f, _ = strings.Cut(f, ",")
			if name = textproto.TrimString(name); name != "" {
				h.del(textproto.CanonicalMIMEHeaderKey(name))
			}
		}
	}
	for _, k := range hopHeaders {
		h.del(k)
	}
	if trailers {
		h.set("Te", "trailers")
	}
	if upgrade != "" {
		h.set("Connection", "Upgrade")
		h.set("Upgrade", upgrade)
	}

	switch fi.Attrs.XFFHeaderProcessingMode {
	case "preserve":
		// Unchanged; absent stays absent. Overrides xff_client_port.
	case "remove":
		h.del("X-Forwarded-For")
	default: // append
		client := fi.Client.Addr().Unmap().String()
		if fi.Attrs.XFFClientPort {
			client = netip.AddrPortFrom(fi.Client.Addr().Unmap(), fi.Client.Port()).String()
		}
		switch len(prior) {
		case 0:
		case 1:
			client = prior[0] + ", " + client
		default:
			client = strings.Join(prior, ", ") + ", " + client
		}
		h.set("X-Forwarded-For", client)
	}
	proto, port := fi.protoValue, fi.portValue
	if proto == "" {
		proto = strings.ToLower(string(fi.Protocol))
	}
	if port == "" {
		port = strconv.Itoa(fi.ListenerPort)
	}
	h.set("X-Forwarded-Proto", proto)
	h.set("X-Forwarded-Port", port)

	trace := traceHeader(inTrace, fi.Now, fi.Rand)
	h.set("X-Amzn-Trace-Id", trace)
	return trace
}

// parseRemote parses a RemoteAddr ("ip:port"); the zero value if it is
// not one.
func parseRemote(remote string) netip.AddrPort {
	ap, _ := netip.ParseAddrPort(remote)
	return ap
}

// maxTraceHeader is the size above which ALB replaces X-Amzn-Trace-Id with a
// fresh Root (§5.2: "Headers >7 KB").
const maxTraceHeader = 7 * 1024

// traceHeader returns the X-Amzn-Trace-Id to send for an incoming value in
// (§5.2):
//
//   - absent (or larger than 7 KB): "Root=1-<8 hex time>-<24 hex>";
//   - with Self: the Self value is replaced, everything else kept;
//   - with Root and no Self: "Self=<new>;" is inserted first;
//   - with neither (only application fields): a new Root is inserted first
//     and the fields kept (unconfirmed; the UG does not cover this case).
func traceHeader(in string, now time.Time, r elb.Rand) string {
	if in == "" || len(in) > maxTraceHeader {
		var b [len("Root=") + traceIDLen]byte
		copy(b[:], "Root=")
		putTraceID(b[len("Root="):], now, r)
		return string(b[:])
	}
	id := newTraceID(now, r)
	fields := strings.Split(in, ";")
	hasRoot := false
	for i, f := range fields {
		k, _, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch k {
		case "Self":
			fields[i] = "Self=" + id
			return strings.Join(fields, ";")
		case "Root":
			hasRoot = true
		}
	}
	if hasRoot {
		return "Self=" + id + ";" + in
	}
	return "Root=" + id + ";" + in
}

// traceIDLen is the length of a trace ID.
const traceIDLen = 35

// newTraceID returns "1-<epoch seconds as 8 hex>-<24 random hex>".
func newTraceID(now time.Time, r elb.Rand) string {
	var b [traceIDLen]byte
	putTraceID(b[:], now, r)
	return string(b[:])
}

// putTraceID writes a new trace ID into b[:traceIDLen].
func putTraceID(b []byte, now time.Time, r elb.Rand) {
	b[0], b[1], b[10] = '1', '-', '-'
	putHex32(b[2:10], uint32(now.Unix()))
	for i := range 3 {
		putHex32(b[11+8*i:19+8*i], uint32(r.IntN(1<<32)))
	}
}

// putHex32 writes v as 8 lower-case hex digits.
func putHex32(dst []byte, v uint32) {
	const digits = "0123456789abcdef"
	for i := 7; i >= 0; i-- {
		dst[i] = digits[v&0xf]
		v >>= 4
	}
}

// outboundHost returns the Host header to send to the target (§4.6). With
// routing.http.preserve_host_header.enabled the client's Host is kept as
// sent. Otherwise a listener on 80 or 443 sends the host without port, and
// any other listener appends ":<listener port>" when the client sent no
// port. The listener port is the one in the snapshot, not the host port it
// is published on.
func outboundHost(host string, listenerPort int, preserve bool) string {
	if preserve || host == "" {
		return host
	}
	name, hasPort := splitHostPort(host)
	if listenerPort == 80 || listenerPort == 443 {
		return name
	}
	if hasPort {
		return host
	}
	return name + ":" + strconv.Itoa(listenerPort)
}

// splitHostPort returns the host of a Host header without any port, and
// whether there was one. IPv6 literals keep their brackets.
func splitHostPort(h string) (string, bool) {
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i >= 0 {
			return h[:i+1], strings.HasPrefix(h[i+1:], ":")
		}
		return h, false
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		return h[:i], true
	}
	return h, false
}

// headerHasToken reports whether a comma-separated header contains token,
// case-insensitively.
func headerHasToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(textproto.TrimString(t), token) {
				return true
			}
		}
	}
	return false
}
