package elb

import (
	"strconv"
	"strings"
)

// Location returns the absolute URL a redirect action sends req to (§3.5). rc
// must be canonical (Canonicalize has filled the unset parts with their
// placeholders). Each part is expanded, then assembled as
// "scheme://host:port/path?query":
//
//   - #{protocol} is the listener protocol in lower case ("http"), which is
//     also what the scheme is written as; in Query it expands to the same
//     lower-case word (unconfirmed).
//   - #{host} is the request host without port, #{port} the listener port.
//   - #{path} is the request path as sent (still escaped) without its
//     leading '/': the canonical form "/#{path}" must give back "/a/b", not
//     "//a/b" (§3.5 infers this from the "/#{path}" examples).
//   - #{query} is the raw query without '?'. An empty final query drops the
//     '?' entirely.
//
// The port is always written, even when it is the scheme's default, as ALB
// does ("https://example.com:443/"; observed, unconfirmed in the docs).
func (rc *RedirectActionConfig) Location(req *RequestInfo) string {
	proto := strings.ToLower(string(req.Protocol))
	path := strings.TrimPrefix(req.RawPath, "/")
	port := strconv.Itoa(req.Port)
	expand := func(v string) string {
		if !strings.Contains(v, "#{") {
			return v
		}
		return strings.NewReplacer(
			PlaceholderProtocol, proto,
			PlaceholderHost, req.Host,
			PlaceholderPort, port,
			PlaceholderPath, path,
			PlaceholderQuery, req.RawQuery,
		).Replace(v)
	}
	var b strings.Builder
	b.WriteString(strings.ToLower(expand(rc.Protocol)))
	b.WriteString("://")
	b.WriteString(expand(rc.Host))
	b.WriteByte(':')
	b.WriteString(expand(rc.Port))
	b.WriteString(expand(rc.Path))
	if q := expand(rc.Query); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	return b.String()
}
