package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
)

// StatusClientClosed is the status the access log records when the client
// went away before a response was sent (§2.2 code 460). Nothing is written
// to the client: there is no one left to read it.
const StatusClientClosed = 460

// StatusXFFTooLong is the status ALB answers when X-Forwarded-For holds more
// than 30 addresses (§2.2).
const StatusXFFTooLong = 463

// maxXFFAddresses is the X-Forwarded-For limit of §2.2 and §5.1.
const maxXFFAddresses = 30

// errDrainDeadline is the cancel cause of a request that was still running
// to a draining target when its deregistration delay ended (§4.4). It maps
// to 502.
var errDrainDeadline = errors.New("deregistration delay elapsed")

// reasonPhrases are the titles of ELB-generated error pages. ALB's pages are
// nginx's (§2.3 observes "503 Service Temporarily Unavailable" and 122 bytes
// for "502 Bad Gateway"); the phrases other than 502 and 503 are nginx's and
// unconfirmed for ALB.
var reasonPhrases = map[int]string{
	400: "Bad Request",
	405: "Not Allowed",
	408: "Request Time-out",
	413: "Request Entity Too Large",
	414: "Request-URI Too Large",
	500: "Internal Server Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Temporarily Unavailable",
	504: "Gateway Time-out",
	505: "HTTP Version Not Supported",
}

// errorPages holds the precomputed body of every status in reasonPhrases,
// plus 463, so writing an error allocates nothing.
var errorPages = func() map[int][]byte {
	m := make(map[int][]byte, len(reasonPhrases)+1)
	for code := range reasonPhrases {
		m[code] = []byte(errorPageBody(code))
	}
	m[StatusXFFTooLong] = []byte(errorPageBody(StatusXFFTooLong))
	return m
}()

// errorPageBody returns the ELB error page of §2.3: the nginx template with
// CRLF line endings and a trailing CRLF. A code without a known reason
// phrase shows the bare code (unconfirmed; 463 has no public page text).
func errorPageBody(code int) string {
	title := strconv.Itoa(code)
	if r := reasonPhrases[code]; r != "" {
		title += " " + r
	}
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" +
		title + "</h1></center>\r\n</body>\r\n</html>\r\n"
}

// errorPage returns the body of the ELB error page for code; the pages of
// known codes are precomputed and must not be modified.
func errorPage(code int) []byte {
	if b := errorPages[code]; b != nil {
		return b
	}
	return []byte(errorPageBody(code))
}

// writeELBError writes an ELB-generated error response (§2.3): Server
// awselb/2.0, Content-Type text/html, Connection keep-alive and the page.
// Headers the proxy had prepared for a target response (a stickiness
// cookie) are dropped first.
//
// This is StdEngine's writer: net/http always sends its own reason phrase
// (503 "Service Unavailable", not "Service Temporarily Unavailable");
// FastEngine's writeELBFast sends ALB's.
func writeELBError(w http.ResponseWriter, code int) {
	h := w.Header()
	clear(h)
	body := errorPage(code)
	h["Server"] = serverHeader
	h["Content-Type"] = contentTypeHTML
	h["Connection"] = connectionKeepAlive
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// Shared header values; never modified.
var (
	serverHeader        = []string{"awselb/2.0"}
	contentTypeHTML     = []string{"text/html"}
	connectionKeepAlive = []string{"keep-alive"}
	connectionClose     = []string{"close"}
)

// statusError maps the reason a forwarded request failed before the
// target's response headers arrived to the status the client gets; it is
// the one place that decides between 502, 504 and 460 (caddy statusError,
// STYLE §6.9). cause is context.Cause of the request's context.
//
//   - the deregistration delay ended while in flight: 502 (§4.4)
//   - the client went away: 460, logged only
//   - the connection to the target was not established in time: 504 (§2.2)
//   - connected, but no response within the idle timeout: 504
//   - refused, reset, closed before the response, malformed response: 502
func statusError(err, cause error) int {
	switch {
	case errors.Is(cause, errDrainDeadline):
		return http.StatusBadGateway
	case errors.Is(err, context.Canceled), errors.Is(cause, context.Canceled):
		return StatusClientClosed
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() ||
		errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout
	}
	if errors.Is(err, syscall.ETIMEDOUT) {
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}
