package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/ecslocal/ecslocal/internal/forum"
)

// Header values are shared, pre-built slices: assigning them to a response's
// header map costs no allocation and no canonicalisation. net/http only reads
// them, and a later Add would copy (len == cap).
var (
	contentTypeJSON = []string{"application/json; charset=utf-8"}
	contentTypeText = []string{"text/plain; charset=utf-8"}
	allowGetHead    = []string{"GET, HEAD"}
)

// codes maps forum error codes to HTTP statuses; the only such table.
var codes = map[string]int{
	forum.EINVALID:  http.StatusBadRequest,
	forum.ENOTFOUND: http.StatusNotFound,
	forum.EINTERNAL: http.StatusInternalServerError,
}

// response is a complete, immutable answer: status, headers and body. Both
// engines (net/http and fasthttp) write the same responses.
type response struct {
	status        int
	allow         bool // send Allow: GET, HEAD
	contentType   []string
	contentLength []string
	body          []byte
}

// optionsResponse answers OPTIONS on a known path: 204 with Allow.
var optionsResponse = &response{status: http.StatusNoContent, allow: true}

func newResponse(status int, contentType []string, body []byte) *response {
	return &response{
		status:        status,
		contentType:   contentType,
		contentLength: []string{strconv.Itoa(len(body))},
		body:          body,
	}
}

func textResponse(body string) *response {
	return newResponse(http.StatusOK, contentTypeText, []byte(body))
}

// jsonResponse encodes v compactly without HTML escaping, so text such as
// "Finn 'the Human' Mertens" or "<3" reads as the data file has it.
func jsonResponse(status int, v any) (*response, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	return newResponse(status, contentTypeJSON, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})), nil
}

// errorResponse renders an error as {"message": ...} with the status its
// code maps to; internal errors get a generic message.
func errorResponse(err error) *response {
	status, ok := codes[forum.ErrorCode(err)]
	if !ok {
		status = http.StatusInternalServerError
	}
	return messageResponse(status, forum.ErrorMessage(err))
}

func messageResponse(status int, msg string) *response {
	r, err := jsonResponse(status, struct {
		Message string `json:"message"`
	}{msg})
	if err != nil { // a struct with one string field always encodes
		panic(err)
	}
	return r
}

// write sends r and returns the number of body bytes written. The body is
// left out for HEAD, but Content-Length stays that of GET, as RFC 9110 says.
func (r *response) write(w http.ResponseWriter, req *http.Request) int {
	h := w.Header()
	if r.allow {
		h["Allow"] = allowGetHead
	}
	if r.contentType != nil {
		h["Content-Type"] = r.contentType
		h["Content-Length"] = r.contentLength
	}
	w.WriteHeader(r.status)
	if req.Method == http.MethodHead || r.body == nil {
		return 0
	}
	n, _ := w.Write(r.body) // a failed write means the client left; nothing to do
	return n
}
