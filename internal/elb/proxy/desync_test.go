package proxy

import (
	"strings"
	"testing"
)

// classifyTests are requests and their §5.3 classification. The header
// block is written as received, CRLF line endings included.
var classifyTests = []struct {
	name                 string
	method, uri, version string
	header               string
	wantClass            DesyncClass
	wantReason           DesyncReason
}{
	// Compliant.
	{"PlainGET", "GET", "/api/users?id=1", "HTTP/1.1", "Host: x\r\nAccept: */*\r\n\r\n", DesyncCompliant, ReasonCompliant},
	{"NoHeaders", "GET", "/", "HTTP/1.1", "", DesyncCompliant, ReasonCompliant},
	{"POSTContentLength", "POST", "/", "HTTP/1.1", "Host: x\r\nContent-Length: 5\r\n\r\n", DesyncCompliant, ReasonCompliant},
	{"POSTChunked", "POST", "/", "HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked\r\n\r\n", DesyncCompliant, ReasonCompliant},
	{"CodingsThenChunked", "POST", "/", "HTTP/1.1", "Transfer-Encoding: gzip, chunked\r\n\r\n", DesyncCompliant, ReasonCompliant},
	{"CodingParameter", "POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked;foo=bar\r\n\r\n", DesyncCompliant, ReasonCompliant},
	{"CaseInsensitiveNames", "POST", "/", "HTTP/1.1", "transfer-encoding: CHUNKED\r\n\r\n", DesyncCompliant, ReasonCompliant},
	{"HTTP10", "GET", "/", "HTTP/1.0", "Host: x\r\n\r\n", DesyncCompliant, ReasonCompliant},
	{"ObsTextValue", "GET", "/", "HTTP/1.1", "X-Name: caf\xc3\xa9\r\n\r\n", DesyncCompliant, ReasonCompliant},
	{"NonASCIIURI", "GET", "/caf\xc3\xa9", "HTTP/1.1", "", DesyncCompliant, ReasonCompliant},
	{"PunctuationInURI", "GET", "/a|b{c}", "HTTP/1.1", "", DesyncCompliant, ReasonCompliant},
	{"LFLineEndings", "GET", "/", "HTTP/1.1", "Host: x\nAccept: */*\n\n", DesyncCompliant, ReasonCompliant},
	{"TabInValue", "GET", "/", "HTTP/1.1", "X-A: a\tb\r\n\r\n", DesyncCompliant, ReasonCompliant},
	{"AfterTheBlock", "GET", "/", "HTTP/1.1", "Host: x\r\n\r\nContent-Length: abc\r\n", DesyncCompliant, ReasonCompliant},
	{"LongerName", "GET", "/", "HTTP/1.1", "X-Content-Length: 5\r\nContent-Lengths: 1\r\n\r\n", DesyncCompliant, ReasonCompliant},
	{"ExtensionMethod", "PROPFIND", "/", "HTTP/1.1", "", DesyncCompliant, ReasonCompliant},

	// Acceptable.
	{"GetZeroContentLength", "GET", "/", "HTTP/1.1", "Content-Length: 0\r\n\r\n", DesyncAcceptable, ReasonGetHeadZeroContentLength},
	{"HeadZeroContentLength", "HEAD", "/", "HTTP/1.1", "Content-Length: 0\r\n\r\n", DesyncAcceptable, ReasonGetHeadZeroContentLength},
	{"ControlInValue", "GET", "/", "HTTP/1.1", "X-A: a\x01b\r\n\r\n", DesyncAcceptable, ReasonNonCompliantHeader},
	{"DELInValue", "GET", "/", "HTTP/1.1", "X-A: a\x7f\r\n\r\n", DesyncAcceptable, ReasonNonCompliantHeader},
	{"SpaceInName", "GET", "/", "HTTP/1.1", "X Foo: bar\r\n\r\n", DesyncAcceptable, ReasonNonCompliantHeader},
	{"NonASCIIName", "GET", "/", "HTTP/1.1", "X-F\xc3\xb6: bar\r\n\r\n", DesyncAcceptable, ReasonNonCompliantHeader},
	{"ContinuationLine", "GET", "/", "HTTP/1.1", "X-A: 1\r\n folded\r\n\r\n", DesyncAcceptable, ReasonNonCompliantHeader},
	{"HTTP12", "GET", "/", "HTTP/1.2", "", DesyncAcceptable, ReasonNonCompliantVersion},
	{"SpaceAroundVersion", "GET", "/", " HTTP/1.1", "", DesyncAcceptable, ReasonNonCompliantVersion},
	{"HTTP09", "GET", "/", "HTTP/0.9", "", DesyncAcceptable, ReasonNonCompliantVersion},
	{"NoVersion", "GET", "/", "", "", DesyncAcceptable, ReasonNonCompliantVersion},
	{"SpaceInURI", "GET", "/a b", "HTTP/1.1", "", DesyncAcceptable, ReasonSpaceInURI},

	// Ambiguous.
	{"GetContentLength", "GET", "/", "HTTP/1.1", "Content-Length: 5\r\n\r\n", DesyncAmbiguous, ReasonUndefinedContentLengthSemantics},
	{"GetChunked", "GET", "/", "HTTP/1.1", "Transfer-Encoding: chunked\r\n\r\n", DesyncAmbiguous, ReasonUndefinedTransferEncodingSemantics},
	{"HTTP10Chunked", "POST", "/", "HTTP/1.0", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", DesyncAmbiguous, ReasonUndefinedTransferEncodingSemantics},
	{"HTTP09ContentLength", "POST", "/", "", "Content-Length: 5\r\n\r\n", DesyncAmbiguous, ReasonUndefinedContentLengthSemantics},
	{"BothTECL", "POST", "/", "HTTP/1.1", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", DesyncAmbiguous, ReasonBothTECLPresent},
	{"DuplicateContentLength", "POST", "/", "HTTP/1.1", "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", DesyncAmbiguous, ReasonDuplicateContentLength},
	{"WhitespaceLine", "GET", "/", "HTTP/1.1", "X-A: 1\r\n   \r\n\r\n", DesyncAmbiguous, ReasonEmptyHeader},
	{"EmptyName", "GET", "/", "HTTP/1.1", ": value\r\n\r\n", DesyncAmbiguous, ReasonEmptyHeader},
	{"Underscore", "POST", "/", "HTTP/1.1", "Transfer_Encoding: chunked\r\n\r\n", DesyncAmbiguous, ReasonSuspiciousHeader},
	{"SpaceBeforeColon", "POST", "/", "HTTP/1.1", "Content-Length : 5\r\n\r\n", DesyncAmbiguous, ReasonSuspiciousHeader},
	{"ContinuationMimicsTE", "POST", "/", "HTTP/1.1", "X-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n", DesyncAmbiguous, ReasonSuspiciousHeader},
	{"DotlessI", "POST", "/", "HTTP/1.1", "Transfer-Encod\xc4\xb1ng: chunked\r\n\r\n", DesyncAmbiguous, ReasonSuspiciousHeader},
	{"ControlInTEName", "POST", "/", "HTTP/1.1", "\x01Transfer-Encoding: chunked\r\n\r\n", DesyncAmbiguous, ReasonSuspiciousHeader},
	{"TabInURI", "GET", "/a\tb", "HTTP/1.1", "", DesyncAmbiguous, ReasonAmbiguousURI},
	{"ControlAndSpaceInURI", "GET", "/a b\x01", "HTTP/1.1", "", DesyncAmbiguous, ReasonAmbiguousURI},

	// Severe.
	{"MultipleContentLength", "POST", "/", "HTTP/1.1", "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", DesyncSevere, ReasonMultipleContentLength},
	{"NonNumericContentLength", "POST", "/", "HTTP/1.1", "Content-Length: abc\r\n\r\n", DesyncSevere, ReasonBadContentLength},
	{"ListContentLength", "POST", "/", "HTTP/1.1", "Content-Length: 42, 42\r\n\r\n", DesyncSevere, ReasonBadContentLength},
	{"EmptyContentLength", "POST", "/", "HTTP/1.1", "Content-Length:\r\n\r\n", DesyncSevere, ReasonBadContentLength},
	{"NegativeContentLength", "POST", "/", "HTTP/1.1", "Content-Length: -1\r\n\r\n", DesyncSevere, ReasonBadContentLength},
	{"HugeContentLength", "POST", "/", "HTTP/1.1", "Content-Length: 99999999999999999999\r\n\r\n", DesyncSevere, ReasonBadContentLength},
	{"NULInValue", "GET", "/", "HTTP/1.1", "X-A: a\x00b\r\n\r\n", DesyncSevere, ReasonBadHeader},
	{"CRInValue", "GET", "/", "HTTP/1.1", "X-A: a\rb\r\n\r\n", DesyncSevere, ReasonBadHeader},
	{"NULInName", "GET", "/", "HTTP/1.1", "X\x00A: b\r\n\r\n", DesyncSevere, ReasonBadHeader},
	{"UnknownCoding", "POST", "/", "HTTP/1.1", "Transfer-Encoding: foo\r\n\r\n", DesyncSevere, ReasonBadTransferEncoding},
	{"EmptyCoding", "POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked,\r\n\r\n", DesyncSevere, ReasonBadTransferEncoding},
	{"ChunkedTwiceInList", "POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked, chunked\r\n\r\n", DesyncSevere, ReasonMultipleTransferEncodingChunked},
	{"ChunkedTwiceInLines", "POST", "/", "HTTP/1.1", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", DesyncSevere, ReasonMultipleTransferEncodingChunked},
	{"NULInURI", "GET", "/a\x00", "HTTP/1.1", "", DesyncSevere, ReasonBadURI},
	{"CRInURI", "GET", "/a\rb", "HTTP/1.1", "", DesyncSevere, ReasonBadURI},
	{"BadMethod", "G(T", "/", "HTTP/1.1", "", DesyncSevere, ReasonBadMethod},
	{"EmptyMethod", "", "/", "HTTP/1.1", "", DesyncSevere, ReasonBadMethod},
	{"HTTP20", "GET", "/", "HTTP/2.0", "", DesyncSevere, ReasonBadVersion},
	{"NotHTTP", "GET", "/", "HTTX/1.1", "", DesyncSevere, ReasonBadVersion},

	// Precedence: the most severe class wins, and among equals the first.
	{"SevereOverAcceptable", "POST", "/", "HTTP/1.1", "X-A: \x01\r\nContent-Length: 1000\x11\r\n\r\n", DesyncSevere, ReasonBadContentLength},
	{"FirstAmbiguousWins", "POST", "/", "HTTP/1.1", "   \r\nTransfer_Encoding: chunked\r\n\r\n", DesyncAmbiguous, ReasonEmptyHeader},
	{"HeadersBeforeRequestLine", "GET", "/a b", "HTTP/1.1", "X Foo: 1\r\n\r\n", DesyncAcceptable, ReasonNonCompliantHeader},
}

func TestClassify(t *testing.T) {
	for _, tt := range classifyTests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.method, tt.uri, tt.version, tt.header)
			if got.Class != tt.wantClass || got.Reason != tt.wantReason {
				t.Fatalf("Classify(%q, %q, %q, %q) = %v/%v; want %v/%v",
					tt.method, tt.uri, tt.version, tt.header, got.Class, got.Reason, tt.wantClass, tt.wantReason)
			}
		})
	}
}

// TestDesyncReasonNames pins the names the access log writes (§5.3
// spells them; "Uri", "TeCl" as AWS does).
func TestDesyncReasonNames(t *testing.T) {
	want := map[DesyncReason]string{
		ReasonSpaceInURI: "SpaceInUri", ReasonAmbiguousURI: "AmbiguousUri", ReasonBadURI: "BadUri",
		ReasonBothTECLPresent: "BothTeClPresent", ReasonGetHeadZeroContentLength: "GetHeadZeroContentLength",
		ReasonMultipleTransferEncodingChunked: "MultipleTransferEncodingChunked",
	}
	for r, name := range want {
		if r.String() != name {
			t.Errorf("%d: got %q; want %q", r, r.String(), name)
		}
	}
	for r := range numDesyncReasons {
		if r.String() == "" || strings.HasPrefix(r.String(), "DesyncReason(") {
			t.Errorf("reason %d has no name", r)
		}
	}
	for c, name := range []string{"Compliant", "Acceptable", "Ambiguous", "Severe"} {
		if got := DesyncClass(c).String(); got != name {
			t.Errorf("class %d: got %q; want %q", c, got, name)
		}
	}
}

func TestDesyncModeAction(t *testing.T) {
	// §5.3's table, row by row.
	want := map[desyncMode][4]desyncAction{
		desyncMonitor:   {desyncForward, desyncForward, desyncForward, desyncForward},
		desyncDefensive: {desyncForward, desyncForward, desyncForwardClose, desyncBlock},
		desyncStrictest: {desyncForward, desyncBlock, desyncBlock, desyncBlock},
	}
	for m, row := range want {
		for c, a := range row {
			if got := m.action(DesyncClass(c)); got != a {
				t.Errorf("mode %d, %v: got action %d; want %d", m, DesyncClass(c), got, a)
			}
		}
	}
	for v, m := range map[string]desyncMode{"monitor": desyncMonitor, "defensive": desyncDefensive, "strictest": desyncStrictest, "": desyncDefensive} {
		if got := parseDesyncMode(v); got != m {
			t.Errorf("parseDesyncMode(%q) = %d; want %d", v, got, m)
		}
	}
}

// typicalGET is a compliant browser-like request: the hot path.
var typicalGET = struct{ method, uri, version, header string }{
	"GET", "/api/users?id=42&page=3", "HTTP/1.1",
	"Host: www.example.com\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
		"Accept-Language: en-US,en;q=0.5\r\n" +
		"Accept-Encoding: gzip, deflate, br\r\n" +
		"Connection: keep-alive\r\n" +
		"Cookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\n" +
		"X-Forwarded-For: 203.0.113.7\r\n" +
		"\r\n",
}

// TestClassifyNoAllocs pins that classifying a compliant request does not
// allocate (the fast engine classifies every request).
func TestClassifyNoAllocs(t *testing.T) {
	r := typicalGET
	var got Classification
	if n := testing.AllocsPerRun(100, func() { got = Classify(r.method, r.uri, r.version, r.header) }); n != 0 {
		t.Fatalf("Classify allocates %v times per request; want 0", n)
	}
	if got.Class != DesyncCompliant {
		t.Fatalf("typical GET classified %v/%v", got.Class, got.Reason)
	}
}

func BenchmarkClassify(b *testing.B) {
	r := typicalGET
	b.ReportAllocs()
	b.SetBytes(int64(len(r.header)))
	for b.Loop() {
		if c := Classify(r.method, r.uri, r.version, r.header); c.Class != DesyncCompliant {
			b.Fatal(c)
		}
	}
}

func FuzzClassify(f *testing.F) {
	for _, tt := range classifyTests {
		f.Add(tt.method, tt.uri, tt.version, tt.header)
	}
	f.Fuzz(func(t *testing.T, method, uri, version, header string) {
		c := Classify(method, uri, version, header)
		if c.Reason >= numDesyncReasons {
			t.Fatalf("unknown reason %d", c.Reason)
		}
		if c.Class != c.Reason.Class() {
			t.Fatalf("class %v with reason %v (a %v reason)", c.Class, c.Reason, c.Reason.Class())
		}
		if (c.Class == DesyncCompliant) != (c.Reason == ReasonCompliant) {
			t.Fatalf("class %v with reason %v", c.Class, c.Reason)
		}
		// A compliant header line in front changes nothing: lines are
		// classified on their own.
		if got := Classify(method, uri, version, "X-Fine: ok\r\n"+header); got != c {
			t.Fatalf("with a compliant line in front: %v/%v; without: %v/%v", got.Class, got.Reason, c.Class, c.Reason)
		}
	})
}
