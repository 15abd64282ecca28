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
}

// xffCount returns how many addresses the X-Forwarded-For headers of h
// carry, across repeated headers.
func xffCount(h http.Header) int {
	n := 0
	for _, v := range h["X-Forwarded-For"] {
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

// outboundHeader returns the headers to send to the target for a request
// with headers in, the single named step that sets the X-Forwarded-* and
// X-Amzn-Trace-Id headers (STYLE §6.9). in is not modified. It also returns
// the trace ID sent, for the access log.
//
//   - hop-by-hop headers and the headers named in Connection are removed;
//     a WebSocket upgrade keeps "Connection: Upgrade" and its Upgrade, and
//     "Te: trailers" is kept, as httputil.ReverseProxy does;
//   - X-Forwarded-For per routing.http.xff_header_processing.mode (§5.1);
//   - X-Forwarded-Proto is the listener protocol, X-Forwarded-Port the
//     listener port (not the host port it is published on: the client
//     "connected to" the listener; emulator choice);
//   - X-Amzn-Trace-Id per §5.2.
func outboundHeader(in http.Header, fi *forwardInfo) (http.Header, string) {
	out := make(http.Header, len(in)+4)
	for k, v := range in {
		out[k] = v // values are shared and never modified in place
	}
	upgrade := upgradeType(in)
	for _, f := range in["Connection"] {
		for f != "" {
			var name string
			name, f, _ = strings.Cut(f, ",")
			if name = textproto.TrimString(name); name != "" {
				delete(out, textproto.CanonicalMIMEHeaderKey(name))
			}
		}
	}
	for _, h := range hopHeaders {
		delete(out, h)
	}
	if headerHasToken(in["Te"], "trailers") {
		out["Te"] = []string{"trailers"}
	}
	if upgrade != "" {
		out["Connection"] = []string{"Upgrade"}
		out["Upgrade"] = []string{upgrade}
	}

	switch fi.Attrs.XFFHeaderProcessingMode {
	case "preserve":
		// Unchanged; absent stays absent. Overrides xff_client_port.
	case "remove":
		delete(out, "X-Forwarded-For")
	default: // append
		client := fi.Client.Addr().Unmap().String()
		if fi.Attrs.XFFClientPort {
			client = netip.AddrPortFrom(fi.Client.Addr().Unmap(), fi.Client.Port()).String()
		}
		if prior := in["X-Forwarded-For"]; len(prior) > 0 {
			client = strings.Join(prior, ", ") + ", " + client
		}
		out["X-Forwarded-For"] = []string{client}
	}
	out["X-Forwarded-Proto"] = []string{strings.ToLower(string(fi.Protocol))}
	out["X-Forwarded-Port"] = []string{strconv.Itoa(fi.ListenerPort)}

	trace := traceHeader(in.Get("X-Amzn-Trace-Id"), fi.Now, fi.Rand)
	out["X-Amzn-Trace-Id"] = []string{trace}
	return out, trace
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
	id := newTraceID(now, r)
	if in == "" || len(in) > maxTraceHeader {
		return "Root=" + id
	}
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

// newTraceID returns "1-<epoch seconds as 8 hex>-<24 random hex>".
func newTraceID(now time.Time, r elb.Rand) string {
	var b [35]byte
	b[0], b[1], b[10] = '1', '-', '-'
	putHex32(b[2:10], uint32(now.Unix()))
	for i := range 3 {
		putHex32(b[11+8*i:19+8*i], uint32(r.IntN(1<<32)))
	}
	return string(b[:])
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

// upgradeType returns the protocol a request asks to switch to, "" if none.
func upgradeType(h http.Header) string {
	if !headerHasToken(h["Connection"], "upgrade") {
		return ""
	}
	return h.Get("Upgrade")
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
