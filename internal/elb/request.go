package elb

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// RequestInfo is what rule matching (§3.4) and redirects (§3.5) read from a
// request. It is plain data so the matcher needs no net/http on its hot path;
// NewRequestInfo fills it from an *http.Request.
type RequestInfo struct {
	// Method is the request method as sent (matched case-sensitively).
	Method string
	// Host is the host name from the first Host header (or the absolute-form
	// request URI), without the port. host-header conditions match it.
	Host string
	// Path is the decoded URL path, without the query. path-pattern
	// conditions match it.
	Path string
	// Query holds the decoded query parameters in request order.
	Query []QueryParam
	// Header maps canonical MIME header keys (as net/http stores them) to
	// every value received, in order. An http.Header can be assigned as is.
	Header map[string][]string
	// SourceIP is the address of the peer that connected to the listener;
	// X-Forwarded-For is never consulted (§3.4). IPv4-mapped IPv6 addresses
	// are unmapped.
	SourceIP netip.Addr

	// The fields below feed the redirect placeholders (§3.5).

	// Protocol is the listener protocol, HTTP or HTTPS (#{protocol}).
	Protocol Protocol
	// Port is the listener port the client connected to (#{port}).
	Port int
	// RawPath is the path as escaped in the request (#{path}).
	RawPath string
	// RawQuery is the query without its '?' as sent (#{query}).
	RawQuery string
}

// QueryParam is one decoded key/value pair of the query string.
type QueryParam struct {
	Key   string
	Value string
}

// NewRequestInfo builds the RequestInfo of r as received on a listener with
// the given protocol and port. It allocates the decoded query; Match itself
// does not allocate.
//
// The path is the decoded r.URL.Path. The spec does not say whether ALB
// matches the raw or the decoded path (unconfirmed); matching the decoded form
// keeps "/%61dmin" from slipping past a "/admin/*" rule while the target,
// which decodes it, still sees "/admin".
func NewRequestInfo(r *http.Request, proto Protocol, port int) RequestInfo {
	ri := RequestInfo{
		Method:   r.Method,
		Host:     hostWithoutPort(r.Host),
		Path:     r.URL.Path,
		Header:   r.Header,
		Protocol: proto,
		Port:     port,
		RawPath:  r.URL.EscapedPath(),
		RawQuery: r.URL.RawQuery,
	}
	if ri.Path == "" {
		ri.Path, ri.RawPath = "/", "/"
	}
	ri.Query = ParseQuery(r.URL.RawQuery, nil)
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		ri.SourceIP = ap.Addr().Unmap()
	} else if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		ri.SourceIP = a.Unmap()
	}
	return ri
}

// ParseQuery appends the pairs of the raw query string to dst and returns it;
// pass a reused slice to avoid allocating one per request. Pairs are split on
// '&' only; a pair without '=' is a key with an empty value. Keys and values
// are percent-decoded (with '+' as space, as url.QueryUnescape does); a pair
// whose encoding is invalid is kept raw rather than dropped, so a condition can
// still see it. Whether ALB decodes before matching is not documented; the
// decoded form is our choice (unconfirmed).
func ParseQuery(raw string, dst []QueryParam) []QueryParam {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		dst = append(dst, QueryParam{Key: unescapeQuery(k), Value: unescapeQuery(v)})
	}
	return dst
}

func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// hostWithoutPort strips a ":port" suffix from a Host header, keeping the
// brackets of an IPv6 literal ("[::1]:8080" → "[::1]"). ALB routes on the
// host name (§3.4: host names cannot contain ':'), so a Host header with a
// port must still match "example.com" (unconfirmed for non-default ports).
func hostWithoutPort(h string) string {
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i >= 0 {
			return h[:i+1]
		}
		return h
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		return h[:i]
	}
	return h
}
