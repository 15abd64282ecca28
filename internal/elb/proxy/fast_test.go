package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// rawExchange sends a raw request to the listener on port and returns the
// status line and the parsed response with its body read.
func rawExchange(t *testing.T, h *harness, req string) (string, *http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(h.url(80), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	line, err := br.Peek(64)
	if err != nil && err != io.EOF && len(line) == 0 {
		t.Fatal(err)
	}
	status, _, _ := strings.Cut(string(line), "\r\n")
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return status, res, string(b)
}

// The behaviours below are ones only FastEngine gets right: net/http
// writes its own reason phrases and answers framing errors itself.

func TestFastReasonPhrase(t *testing.T) {
	t.Parallel()
	h := oneTarget(t, NewFastEngine(0), nil)
	status, res, body := rawExchange(t, h, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if status != "HTTP/1.1 503 Service Temporarily Unavailable" {
		t.Fatalf("status line: got %q", status)
	}
	checkELBError(t, res, body, http.StatusServiceUnavailable)
}

func TestFastTransferEncoding(t *testing.T) {
	t.Parallel()
	_, tg := backend(t, "a", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, "got "+string(b))
	})
	h := oneTarget(t, NewFastEngine(0), nil, tg)
	t.Run("Gzip501", func(t *testing.T) {
		status, res, body := rawExchange(t, h, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n")
		checkELBError(t, res, body, http.StatusNotImplemented)
		if status != "HTTP/1.1 501 Not Implemented" {
			t.Fatalf("status line: got %q", status)
		}
	})
	t.Run("IdentityAccepted", func(t *testing.T) {
		_, res, body := rawExchange(t, h, "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n")
		if res.StatusCode != http.StatusOK || body != "got " {
			t.Fatalf("got %d %q; want 200 from the target", res.StatusCode, body)
		}
	})
	t.Run("Malformed400", func(t *testing.T) {
		_, res, body := rawExchange(t, h, "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
		checkELBError(t, res, body, http.StatusBadRequest)
	})
}
