package awsapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// JSONHandler serves the operations of one JSON 1.1 service. Handle gets
// the operation name (the part of X-Amz-Target after the dot) and the raw
// JSON body, and returns a value to encode as the response body or an
// error (an *Error for an AWS error; anything else is a server fault).
type JSONHandler interface {
	Handle(ctx context.Context, op string, body []byte) (any, error)
}

// QueryHandler serves the operations of one Query service. Handle gets
// the Action and every parameter, and returns the result member of the
// response (nil for an empty result) or an error.
type QueryHandler interface {
	Handle(ctx context.Context, action string, params url.Values) (any, error)
}

// JSONService is a JSON 1.1 service mounted on the Server.
type JSONService struct {
	// TargetPrefix is the X-Amz-Target prefix before the dot, e.g.
	// "AmazonEC2ContainerServiceV20141113".
	TargetPrefix string
	// SigningName is the SigV4 service name, e.g. "ecs".
	SigningName string
	// FaultCode is the service's server-fault exception ("ServerException"
	// for ECS).
	FaultCode string
	Handler   JSONHandler
}

// QueryService is a Query service mounted on the Server.
type QueryService struct {
	// SigningName is the SigV4 service name, e.g. "elasticloadbalancing".
	SigningName string
	// Version is the API version requests must carry, e.g. "2015-12-01".
	Version string
	// Namespace is the XML namespace of responses.
	Namespace string
	Handler   QueryHandler
}

// Server is the one endpoint that serves every AWS API of ecslocal. It
// verifies each request's signature, finds the service (by X-Amz-Target for
// JSON 1.1, by the signature's credential scope for Query), and encodes the
// answer or the error in that service's convention.
type Server struct {
	Verifier *Verifier
	JSON     []JSONService
	Query    []QueryService
	// MaxBodyBytes limits request bodies; zero means 10 MiB.
	MaxBodyBytes int64
	// NewRequestID returns a request ID; nil means a random UUID.
	NewRequestID func() string
	// Logger receives server faults with their detail; nil means slog.Default().
	Logger *slog.Logger
}

type identityKey struct{}

// IdentityFrom returns the verified identity of the request ctx belongs to.
func IdentityFrom(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey{}).(*Identity)
	return id
}

// RequestID returns a random request ID in the UUID form AWS uses.
func RequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := RequestID()
	if s.NewRequestID != nil {
		reqID = s.NewRequestID()
	}
	w.Header().Set("X-Amzn-Requestid", reqID)

	limit := s.MaxBodyBytes
	if limit == 0 {
		limit = 10 << 20
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	target := r.Header.Get("X-Amz-Target")
	if err != nil {
		tooLarge := &Error{Code: "RequestEntityTooLarge", Message: fmt.Sprintf("Request body is larger than %d bytes.", limit)}
		if target != "" {
			s.writeJSONError(w, "", tooLarge, reqID)
		} else {
			s.writeQueryError(w, nil, tooLarge, reqID)
		}
		return
	}

	if target != "" {
		s.serveJSON(w, r, target, body, reqID)
		return
	}
	s.serveQuery(w, r, body, reqID)
}

func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request, target string, body []byte, reqID string) {
	prefix, op, _ := strings.Cut(target, ".")
	var svc *JSONService
	for i := range s.JSON {
		if s.JSON[i].TargetPrefix == prefix {
			svc = &s.JSON[i]
		}
	}
	id, err := s.Verifier.Verify(r, body)
	if err != nil {
		s.writeJSONError(w, "", jsonAuthError(err), reqID)
		return
	}
	if svc == nil || op == "" {
		s.writeJSONError(w, "", Errorf("UnknownOperationException", "Unknown operation %s.", target), reqID)
		return
	}
	if id.Service != svc.SigningName {
		s.writeJSONError(w, svc.FaultCode, &Error{Code: "InvalidSignatureException",
			Message: fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", svc.SigningName)}, reqID)
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	ctx := context.WithValue(r.Context(), identityKey{}, id)
	out, err := svc.Handler.Handle(ctx, op, body)
	if err != nil {
		s.writeJSONError(w, svc.FaultCode, err, reqID)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		s.writeJSONError(w, svc.FaultCode, fmt.Errorf("encode %s response: %w", op, err), reqID)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Write(b)
}

// jsonAuthError words an authentication failure as JSON 1.1 services do
// (§13.2).
func jsonAuthError(err error) *Error {
	var ae *AuthError
	if !errors.As(err, &ae) {
		return &Error{Code: "IncompleteSignatureException", Message: err.Error()}
	}
	code := map[AuthFailure]string{
		AuthMissing:    "MissingAuthenticationTokenException",
		AuthIncomplete: "IncompleteSignatureException",
		AuthUnknownKey: "UnrecognizedClientException",
		AuthMismatch:   "InvalidSignatureException",
		AuthSkewed:     "InvalidSignatureException",
		AuthBadScope:   "InvalidSignatureException",
	}[ae.Failure]
	return &Error{Code: code, Message: ae.Message}
}

// queryAuthError words an authentication failure as Query services do
// (§13.2).
func queryAuthError(err error) *Error {
	var ae *AuthError
	if !errors.As(err, &ae) {
		return &Error{Code: "IncompleteSignature", Message: err.Error()}
	}
	code := map[AuthFailure]string{
		AuthMissing:    "MissingAuthenticationToken",
		AuthIncomplete: "IncompleteSignature",
		AuthUnknownKey: "InvalidClientTokenId",
		AuthMismatch:   "SignatureDoesNotMatch",
		AuthSkewed:     "SignatureDoesNotMatch",
		AuthBadScope:   "SignatureDoesNotMatch",
	}[ae.Failure]
	msg := ae.Message
	if ae.Failure == AuthMissing {
		msg = "Request is missing Authentication Token"
	}
	return &Error{Code: code, Message: msg}
}

func (s *Server) writeJSONError(w http.ResponseWriter, faultCode string, err error, reqID string) {
	var e *Error
	if !errors.As(err, &e) {
		s.logger().Error("server fault", "request_id", reqID, "err", err)
		if faultCode == "" {
			faultCode = "InternalFailure"
		}
		e = &Error{Code: faultCode, Message: "An internal error occurred. Request ID: " + reqID, Status: http.StatusInternalServerError}
	}
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Code, e.Message})
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amzn-Errortype", e.Code)
	w.WriteHeader(StatusOf(e))
	w.Write(b)
}

func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, body []byte, reqID string) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			s.writeQueryError(w, nil, Errorf("MalformedQueryString", "The request body is not a valid form: %v", err), reqID)
			return
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	id, err := s.Verifier.Verify(r, body)
	if err != nil {
		// AWS answers from the service's own endpoint, so even an
		// unauthenticated request gets that service's namespace.
		s.writeQueryError(w, s.queryServiceOf(r, params), queryAuthError(err), reqID)
		return
	}
	var svc *QueryService
	for i := range s.Query {
		if s.Query[i].SigningName == id.Service {
			svc = &s.Query[i]
		}
	}
	action := params.Get("Action")
	switch {
	case svc == nil:
		s.writeQueryError(w, nil, Errorf("InvalidAction", "The service %s is not available at this endpoint.", id.Service), reqID)
		return
	case action == "":
		s.writeQueryError(w, svc, Errorf("MissingAction", "Could not find operation to perform: the request has no Action."), reqID)
		return
	case params.Get("Version") != svc.Version:
		s.writeQueryError(w, svc, Errorf("InvalidAction", "Could not find operation %s for version %s.", action, params.Get("Version")), reqID)
		return
	}
	ctx := context.WithValue(r.Context(), identityKey{}, id)
	result, err := svc.Handler.Handle(ctx, action, params)
	if err != nil {
		s.writeQueryError(w, svc, err, reqID)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Write(EncodeQueryResult(action, svc.Namespace, result, reqID))
}

// queryServiceOf guesses which Query service a request that failed
// authentication was meant for: the one its credential scope names, else
// the one whose API version it carries, else none.
func (s *Server) queryServiceOf(r *http.Request, params url.Values) *QueryService {
	if a, err := parseAuthorization(r.Header.Get("Authorization")); err == nil {
		for i := range s.Query {
			if s.Query[i].SigningName == a.service {
				return &s.Query[i]
			}
		}
	}
	for i := range s.Query {
		if s.Query[i].Version == params.Get("Version") {
			return &s.Query[i]
		}
	}
	return nil
}

func (s *Server) writeQueryError(w http.ResponseWriter, svc *QueryService, err error, reqID string) {
	var e *Error
	if !errors.As(err, &e) {
		s.logger().Error("server fault", "request_id", reqID, "err", err)
		e = &Error{Code: "InternalFailure", Message: "An internal error occurred. Request ID: " + reqID}
	}
	ns := ""
	if svc != nil {
		ns = svc.Namespace
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(StatusOf(e))
	w.Write(EncodeQueryError(ns, e, reqID))
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}
