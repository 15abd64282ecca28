package proxy

import (
	"strconv"
	"strings"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// Desync mitigation (§5.3). Every request is classified by how differently
// HTTP implementations could frame or read it, and the load balancer's
// routing.http.desync_mitigation_mode decides what happens to each class:
//
//	class       monitor   defensive (default)              strictest
//	Compliant   forward   forward                          forward
//	Acceptable  forward   forward                          400, close
//	Ambiguous   forward   forward, then close the client   400, close
//	                      and the target connection
//	Severe      forward   400, close                       400, close
//
// The classification follows AWS's documented reasons (ALB-UG
// load-balancer-access-logs.md "Classification reasons") and, where the
// documentation is silent, the behaviour AWS describes for its open-source
// http_desync_guardian library (which ALB uses):
//
//   - A payload has no defined semantics on GET and HEAD: Content-Length: 0
//     there is Acceptable (GetHeadZeroContentLength), any other
//     Content-Length is Ambiguous (UndefinedContentLengthSemantics) and so is
//     any Transfer-Encoding (UndefinedTransferEncodingSemantics). The user
//     guide words UndefinedContentLengthSemantics as "no Content-Length
//     header defined for a GET or HEAD request", which would make every
//     plain GET Ambiguous; we follow the library's meaning instead.
//   - Transfer-Encoding on HTTP/1.0 (or 0.9) and Content-Length on HTTP/0.9
//     are Ambiguous (Undefined…Semantics) and end the framing checks.
//   - Header bytes: NUL, CR or LF anywhere in a name or value is Severe
//     (BadHeader); another control character, DEL, or in a name any
//     byte that is not a token character (space, non-ASCII) is Acceptable
//     (NonCompliantHeader). Non-ASCII bytes in a value are obs-text, which
//     RFC 7230 allows, so they stay Compliant (choice; the user guide says
//     "non-ASCII or control character" without naming names or values).
//   - A header line that is empty or only whitespace, or whose name is
//     empty, is Ambiguous (EmptyHeader). ALB does not fold multi-line
//     headers (§5.3: it passes a continuation line on as a header of its
//     own), so a continuation line is classified as a header line whose
//     name starts with whitespace.
//   - A name that is not Transfer-Encoding or Content-Length but reads as
//     one once case, every byte that is not an ASCII letter or digit, and a
//     few Unicode look-alikes (ı, İ, ſ, K) are set aside is Ambiguous
//     (SuspiciousHeader): "Transfer_Encoding", "Content-Length " (space
//     before the colon), " Transfer-Encoding", "Transfer-Encodıng".
//   - Transfer-Encoding is a comma list of codings with optional
//     parameters; a coding other than chunked, compress, deflate, gzip,
//     identity, x-compress or x-gzip (or an empty element) is Severe
//     (BadTransferEncoding), chunked twice is Severe
//     (MultipleTransferEncodingChunked). Whether the coding is one the load
//     balancer then forwards is §2.2's question (501), not this one's.
//   - Content-Length must be 1 to 19 decimal digits (BadContentLength,
//     Severe, otherwise, "42, 42" included); two different values are
//     Severe (MultipleContentLength), a repeated one Ambiguous
//     (DuplicateContentLength). A valid Content-Length next to a
//     Transfer-Encoding is Ambiguous (BothTeClPresent).
//   - The method must be a token (BadMethod, Severe). The version must be
//     HTTP/1.d (BadVersion, Severe); HTTP/1.2 to HTTP/1.9, whitespace around
//     it, or none at all (HTTP/0.9) is Acceptable (NonCompliantVersion).
//   - URI bytes: NUL, CR or LF is Severe (BadUri), a space Acceptable
//     (SpaceInUri), another control character or DEL Ambiguous
//     (AmbiguousUri). Non-ASCII bytes are not reasons.
//
// A request takes the most severe class any check gives it, and the
// reason of the first check that gave that class (headers in order, then
// the framing headers, the method, the version and the URI).
//
// What each engine's parser refuses before Classify sees the request is
// a property of the engine, pinned by TestDesyncEngineParsers; the
// refusals are ELB pages in both engines, close the connection, and are
// counted and access-logged (Proxy.refused).
//
// FastEngine (fasthttp): 400 for any repeated Content-Length (logged as
// MultipleContentLength, also when the values agree: a
// DuplicateContentLength ALB would forward), an invalid Content-Length
// (BadContentLength), control, non-token or non-ASCII bytes in names and
// control bytes in values (BadHeader, most NonCompliantHeader),
// whitespace before a colon ("Content-Length :", a SuspiciousHeader to
// ALB), a first header line starting with whitespace, an invalid method
// (BadMethod) or version (BadVersion), any control byte in the URI
// (BadUri, AmbiguousUri) and a space in it (SpaceInUri: the request line
// no longer splits in three); 501 for a Transfer-Encoding other than
// chunked or identity (BadTransferEncoding), chunked twice in one list or
// in two lines (MultipleTransferEncodingChunked) and any
// Transfer-Encoding on HTTP/1.0 (UndefinedTransferEncodingSemantics).
// Classified here: GetHeadZeroContentLength, NonCompliantHeader (a space
// inside a name), NonCompliantVersion (HTTP/1.2 to 1.9),
// EmptyHeader (a whitespace-only line after a header: fasthttp folds it,
// but RawHeaders keeps the wire bytes), SuspiciousHeader (token-character
// variants, inner spaces, continuation lines),
// UndefinedContentLengthSemantics, UndefinedTransferEncodingSemantics
// (GET or HEAD with chunked), BothTeClPresent, and BadVersion for HTTP/2
// and later, which fasthttp takes. fasthttp itself also closes both
// connections of a request carrying Transfer-Encoding and
// Content-Length, in every mode.
//
// StdEngine (net/http): 400 for MultipleContentLength, BadContentLength,
// BadHeader, every non-token name byte, control bytes in values,
// whitespace before a colon or at the start of the first header line,
// BadMethod, BadVersion, BadUri, AmbiguousUri and SpaceInUri; 501 for any
// Transfer-Encoding but one "chunked" (BadTransferEncoding,
// MultipleTransferEncodingChunked); 505 for HTTP/2 and later. Its error
// responses carry no reason the proxy could read, so they are logged
// unclassified ("-"). The handler sees only the canonicalised r.Header
// that net/http has already repaired, so these cannot be classified at
// all: DuplicateContentLength (net/http keeps one copy), BothTeClPresent
// (it drops Content-Length from a chunked request), Transfer-Encoding on
// HTTP/1.0 (ignored and dropped), EmptyHeader and continuation lines
// (joined into the previous value). Classified: GetHeadZeroContentLength,
// NonCompliantVersion, SuspiciousHeader (token-character variants),
// UndefinedContentLengthSemantics and UndefinedTransferEncodingSemantics
// (from r.TransferEncoding).
//
// So no Severe request reaches Classify in either engine except
// FastEngine's HTTP/2 request line; the Severe rules still run (a parser
// upgrade or another engine would meet them) and the table tests pin them.

// DesyncClass is the desync classification of a request (§5.3), ordered
// by severity.
type DesyncClass uint8

// Desync classes; the access log writes their String.
const (
	// DesyncCompliant: complies with RFC 7230 and poses no known threat.
	DesyncCompliant DesyncClass = iota
	// DesyncAcceptable: not RFC 7230 compliant, but no known threat.
	DesyncAcceptable
	// DesyncAmbiguous: not compliant, and HTTP implementations could
	// read it differently.
	DesyncAmbiguous
	// DesyncSevere: a high risk; malformed or crafted to desynchronise.
	DesyncSevere
)

var desyncClassNames = [...]string{"Compliant", "Acceptable", "Ambiguous", "Severe"}

// String returns the class as the access log's classification field
// writes it.
func (c DesyncClass) String() string {
	if int(c) < len(desyncClassNames) {
		return desyncClassNames[c]
	}
	return "DesyncClass(" + strconv.Itoa(int(c)) + ")"
}

// DesyncReason is why a request got its class: the access log's
// classification_reason (§5.3, §6).
type DesyncReason uint8

// Desync classification reasons, grouped by the class each implies.
const (
	ReasonCompliant DesyncReason = iota

	// Acceptable.
	ReasonGetHeadZeroContentLength
	ReasonNonCompliantHeader
	ReasonNonCompliantVersion
	ReasonSpaceInURI

	// Ambiguous.
	ReasonAmbiguousURI
	ReasonBothTECLPresent
	ReasonDuplicateContentLength
	ReasonEmptyHeader
	ReasonSuspiciousHeader
	ReasonUndefinedContentLengthSemantics
	ReasonUndefinedTransferEncodingSemantics

	// Severe.
	ReasonBadContentLength
	ReasonBadHeader
	ReasonBadTransferEncoding
	ReasonBadURI
	ReasonBadMethod
	ReasonBadVersion
	ReasonMultipleContentLength
	ReasonMultipleTransferEncodingChunked

	numDesyncReasons
)

// desyncReasons holds each reason's name (as AWS spells it) and class.
var desyncReasons = [numDesyncReasons]struct {
	name  string
	class DesyncClass
}{
	ReasonCompliant:                          {"Compliant", DesyncCompliant},
	ReasonGetHeadZeroContentLength:           {"GetHeadZeroContentLength", DesyncAcceptable},
	ReasonNonCompliantHeader:                 {"NonCompliantHeader", DesyncAcceptable},
	ReasonNonCompliantVersion:                {"NonCompliantVersion", DesyncAcceptable},
	ReasonSpaceInURI:                         {"SpaceInUri", DesyncAcceptable},
	ReasonAmbiguousURI:                       {"AmbiguousUri", DesyncAmbiguous},
	ReasonBothTECLPresent:                    {"BothTeClPresent", DesyncAmbiguous},
	ReasonDuplicateContentLength:             {"DuplicateContentLength", DesyncAmbiguous},
	ReasonEmptyHeader:                        {"EmptyHeader", DesyncAmbiguous},
	ReasonSuspiciousHeader:                   {"SuspiciousHeader", DesyncAmbiguous},
	ReasonUndefinedContentLengthSemantics:    {"UndefinedContentLengthSemantics", DesyncAmbiguous},
	ReasonUndefinedTransferEncodingSemantics: {"UndefinedTransferEncodingSemantics", DesyncAmbiguous},
	ReasonBadContentLength:                   {"BadContentLength", DesyncSevere},
	ReasonBadHeader:                          {"BadHeader", DesyncSevere},
	ReasonBadTransferEncoding:                {"BadTransferEncoding", DesyncSevere},
	ReasonBadURI:                             {"BadUri", DesyncSevere},
	ReasonBadMethod:                          {"BadMethod", DesyncSevere},
	ReasonBadVersion:                         {"BadVersion", DesyncSevere},
	ReasonMultipleContentLength:              {"MultipleContentLength", DesyncSevere},
	ReasonMultipleTransferEncodingChunked:    {"MultipleTransferEncodingChunked", DesyncSevere},
}

// String returns the reason as AWS names it ("BothTeClPresent").
func (r DesyncReason) String() string {
	if r < numDesyncReasons {
		return desyncReasons[r].name
	}
	return "DesyncReason(" + strconv.Itoa(int(r)) + ")"
}

// Class returns the class a request with this reason has.
func (r DesyncReason) Class() DesyncClass {
	if r < numDesyncReasons {
		return desyncReasons[r].class
	}
	return DesyncSevere
}

// Classification is the verdict of Classify.
type Classification struct {
	Class  DesyncClass
	Reason DesyncReason
}

// Classify returns the desync classification of a request (§5.3) from
// its request line as received (method, request target, version) and its
// header block as received: header lines ending in LF or CRLF, up to the
// first empty line or the end of the string, continuation lines kept as
// sent. It is a pure function and, for a compliant request, a single scan
// that allocates nothing.
func Classify(method, uri, version, header string) Classification {
	var s desyncScan
	for header != "" {
		line := header
		if i := strings.IndexByte(header, '\n'); i >= 0 {
			line, header = header[:i], header[i+1:]
		} else {
			header = ""
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if line == "" {
			break // the end of the header block
		}
		name, value := line, ""
		if i := strings.IndexByte(line, ':'); i >= 0 {
			name, value = line[:i], trimOWS(line[i+1:])
		}
		s.field(name, value)
	}
	return s.finish(method, uri, version)
}

// desyncScan accumulates the classification of one request: fields in
// the order received, then finish with the request line.
type desyncScan struct {
	c Classification
	// te: a Transfer-Encoding was seen; chunked: one of its codings was
	// chunked.
	te, chunked bool
	// cl: a valid Content-Length was seen, with value clValue.
	cl      bool
	clValue uint64
}

// upgrade raises the classification to r's class if that is more severe;
// an equally severe later reason does not replace the first.
func (s *desyncScan) upgrade(r DesyncReason) {
	if c := r.Class(); c > s.c.Class {
		s.c = Classification{Class: c, Reason: r}
	}
}

// Byte classes of the header and URI tables.
const (
	byteOK           = 0
	byteSpace        = 1 // URI only: below non-compliant
	byteNonCompliant = 2
	byteBad          = 3
)

// nameBytes classes header-name bytes: token characters are fine; NUL,
// CR and LF are bad; anything else is non-compliant.
// valueBytes classes header-value bytes: VCHAR, SP, HTAB and obs-text are
// fine; NUL, CR and LF are bad; other control bytes and DEL non-compliant.
// uriBytes classes URI bytes: NUL, CR, LF bad, SP space, other controls
// and DEL non-compliant (ambiguous), the rest fine.
var nameBytes, valueBytes, uriBytes = func() (n, v, u [256]uint8) {
	for i := range 256 {
		c := byte(i)
		switch {
		case c == 0 || c == '\r' || c == '\n':
			n[i], v[i], u[i] = byteBad, byteBad, byteBad
			continue
		case c < ' ' && c != '\t' || c == 0x7f:
			v[i], u[i] = byteNonCompliant, byteNonCompliant
		case c == '\t':
			u[i] = byteNonCompliant
		case c == ' ':
			u[i] = byteSpace
		}
		if !isTokenByte(c) {
			n[i] = byteNonCompliant
		}
	}
	return n, v, u
}()

// isTokenByte reports whether c is an RFC 7230 tchar.
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// scanBytes returns the worst class of table over s.
func scanBytes(s string, table *[256]uint8) uint8 {
	return scanBytesFrom(s, 0, table)
}

// scanText is scanBytes for a table whose only non-OK bytes are below
// first or DEL (valueBytes: first ' ', uriBytes: first '!'). It skips
// eight clean bytes at a time: header values are most of a request's
// bytes, and almost always clean.
func scanText(s string, first uint64, table *[256]uint8) uint8 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte below first (first <= 128), or a DEL (a zero in w^DEL),
		// sets a high bit (the "has less than" bit trick); the word
		// then goes through the table.
		d := w ^ 0x7f*ones
		if (w-first*ones)&^w&highs|(d-ones)&^d&highs != 0 {
			break
		}
	}
	return scanBytesFrom(s, i, table)
}

// scanBytesFrom is scanBytes over s[i:].
func scanBytesFrom(s string, i int, table *[256]uint8) uint8 {
	worst := uint8(byteOK)
	for ; i < len(s); i++ {
		if t := table[s[i]]; t > worst {
			if t == byteBad {
				return byteBad
			}
			worst = t
		}
	}
	return worst
}

// field classifies one header line: its name as sent (up to the colon,
// not trimmed) and its value with the surrounding whitespace removed.
func (s *desyncScan) field(name, value string) {
	tier := max(scanBytes(name, &nameBytes), scanText(value, ' ', &valueBytes))
	switch tier {
	case byteBad:
		s.upgrade(ReasonBadHeader)
	case byteNonCompliant:
		s.upgrade(ReasonNonCompliantHeader)
	}
	if t := trimOWS(name); t == "" {
		s.upgrade(ReasonEmptyHeader)
		return
	}
	switch {
	case len(name) == len("Transfer-Encoding") && strings.EqualFold(name, "Transfer-Encoding"):
		s.transferEncoding(value)
	case len(name) == len("Content-Length") && strings.EqualFold(name, "Content-Length"):
		s.contentLength(value)
	case tier != byteBad && (readsAs(name, "transferencoding") || readsAs(name, "contentlength")):
		s.upgrade(ReasonSuspiciousHeader)
	}
}

// readsAs reports whether name spells target (lower-case letters) once
// ASCII case, every byte that is not an ASCII letter or digit, and the
// look-alikes ı and İ (i), ſ (s) and the Kelvin sign (k) are set aside.
func readsAs(name, target string) bool {
	if len(name) < len(target) {
		return false // cheap exit for the usual short names
	}
	j := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == 0xc4 && i+1 < len(name) && (name[i+1] == 0xb1 || name[i+1] == 0xb0): // ı İ
			c = 'i'
			i++
		case c == 0xc5 && i+1 < len(name) && name[i+1] == 0xbf: // ſ
			c = 's'
			i++
		case c == 0xe2 && i+2 < len(name) && name[i+1] == 0x84 && name[i+2] == 0xaa: // K
			c = 'k'
			i += 2
		default:
			continue
		}
		if j == len(target) || target[j] != c {
			return false
		}
		j++
	}
	return j == len(target)
}

// transferEncoding classifies one Transfer-Encoding value.
func (s *desyncScan) transferEncoding(value string) {
	s.te = true
	for {
		item, rest, more := strings.Cut(value, ",")
		coding, _, _ := strings.Cut(item, ";")
		switch coding = trimOWS(coding); {
		case strings.EqualFold(coding, "chunked"):
			if s.chunked {
				s.upgrade(ReasonMultipleTransferEncodingChunked)
			}
			s.chunked = true
		case knownCoding(coding):
		default:
			s.upgrade(ReasonBadTransferEncoding)
		}
		if !more {
			return
		}
		value = rest
	}
}

// knownCoding reports whether c names a transfer coding other than
// chunked (RFC 7230 §4, with its x- aliases).
func knownCoding(c string) bool {
	for _, k := range [...]string{"identity", "gzip", "deflate", "compress", "x-gzip", "x-compress"} {
		if strings.EqualFold(c, k) {
			return true
		}
	}
	return false
}

// contentLength classifies one Content-Length value.
func (s *desyncScan) contentLength(value string) {
	n, ok := parseContentLength(value)
	switch {
	case !ok:
		s.upgrade(ReasonBadContentLength)
	case !s.cl:
		s.cl, s.clValue = true, n
	case n != s.clValue:
		s.upgrade(ReasonMultipleContentLength)
	default:
		s.upgrade(ReasonDuplicateContentLength)
	}
}

// parseContentLength parses 1 to 19 decimal digits (anything longer could
// overflow int64 and is refused).
func parseContentLength(v string) (uint64, bool) {
	if v == "" || len(v) > 19 {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// finish classifies the request line and the framing headers seen, and
// returns the classification.
func (s *desyncScan) finish(method, uri, version string) Classification {
	ver := trimOWS(version)
	pre11 := ver == "" || strings.HasPrefix(ver, "HTTP/0.") || ver == "HTTP/1.0"
	switch {
	case s.te && pre11:
		s.upgrade(ReasonUndefinedTransferEncodingSemantics)
	case s.cl && (ver == "" || strings.HasPrefix(ver, "HTTP/0.")):
		s.upgrade(ReasonUndefinedContentLengthSemantics)
	default:
		if method == "GET" || method == "HEAD" {
			if s.te {
				s.upgrade(ReasonUndefinedTransferEncodingSemantics)
			}
			switch {
			case s.cl && s.clValue == 0:
				s.upgrade(ReasonGetHeadZeroContentLength)
			case s.cl:
				s.upgrade(ReasonUndefinedContentLengthSemantics)
			}
		}
		if s.cl && s.te {
			s.upgrade(ReasonBothTECLPresent)
		}
	}

	if method == "" || scanBytes(method, &nameBytes) != byteOK {
		s.upgrade(ReasonBadMethod)
	}

	switch {
	case ver == "" || ver == "HTTP/0.9":
		s.upgrade(ReasonNonCompliantVersion) // HTTP/0.9 has no RFC
	case len(ver) != 8 || !strings.HasPrefix(ver, "HTTP/1.") || ver[7] < '0' || ver[7] > '9':
		s.upgrade(ReasonBadVersion)
	case len(ver) != len(version) || ver[7] > '1':
		s.upgrade(ReasonNonCompliantVersion)
	}

	switch scanText(uri, '!', &uriBytes) {
	case byteBad:
		s.upgrade(ReasonBadURI)
	case byteNonCompliant:
		s.upgrade(ReasonAmbiguousURI)
	case byteSpace:
		s.upgrade(ReasonSpaceInURI)
	}
	return s.c
}

// trimOWS removes leading and trailing spaces and tabs.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// desyncAction is what a mode does with a class.
type desyncAction uint8

const (
	desyncForward      desyncAction = iota
	desyncForwardClose              // forward, then close both connections
	desyncBlock                     // 400 and close the client connection
)

// desyncMode is a load balancer's routing.http.desync_mitigation_mode.
type desyncMode uint8

const (
	desyncDefensive desyncMode = iota // the default
	desyncMonitor
	desyncStrictest
)

// parseDesyncMode maps the attribute value; anything unknown (the
// attribute is validated, so only a zero-value attribute set) is
// defensive, the default.
func parseDesyncMode(v string) desyncMode {
	switch v {
	case elb.DesyncModeMonitor:
		return desyncMonitor
	case elb.DesyncModeStrictest:
		return desyncStrictest
	}
	return desyncDefensive
}

// action returns what mode m does with a request of class c (§5.3).
func (m desyncMode) action(c DesyncClass) desyncAction {
	switch {
	case c == DesyncCompliant || m == desyncMonitor:
		return desyncForward
	case m == desyncStrictest || c == DesyncSevere:
		return desyncBlock
	case c == DesyncAmbiguous:
		return desyncForwardClose
	}
	return desyncForward
}
