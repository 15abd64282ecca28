package awsapi_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/awsapi/cfnapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/elbapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/stsapi"
)

// authNow is the endpoint's clock in TestAuthErrorsOnTheWire.
var authNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// authService is one service the endpoint serves, with a harmless request
// to probe it and the error convention of its protocol.
type authService struct {
	name string
	req  wireRequest
	// namespace is the XML namespace of a Query service's ErrorResponse;
	// "" marks the JSON 1.1 protocol.
	namespace string
}

var authServices = []authService{
	{name: "ECS", req: wireRequest{Service: "ecs", Target: "AmazonEC2ContainerServiceV20141113.ListClusters", Body: `{}`}},
	{name: "ELBv2", req: wireRequest{Service: "elasticloadbalancing", Body: "Action=DescribeLoadBalancers&Version=2015-12-01"}, namespace: elbapi.Namespace},
	{name: "STS", req: wireRequest{Service: "sts", Body: "Action=GetCallerIdentity&Version=2011-06-15"}, namespace: stsapi.Namespace},
	{name: "CloudFormation", req: wireRequest{Service: "cloudformation", Body: "Action=ListStacks&Version=2010-05-15"}, namespace: cfnapi.Namespace},
}

// authCase is one way to fail authentication, with the answer each
// protocol gives (aws-semantics.md §13.2; AWS "Common Errors" pages of
// the Query services: InvalidClientTokenId and MissingAuthenticationToken
// are HTTP 403; the JSON 1.1 (Coral) services answer every authentication
// failure with HTTP 400).
type authCase struct {
	name         string
	akid, secret string
	at           time.Time
	jsonCode     string
	queryCode    string
	jsonMessage  string
	queryMessage string
	jsonStatus   int
	queryStatus  int
}

const (
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgInvalidToken      = "The security token included in the request is invalid."
	// msgExpired is the verifier's 15-minute window (§13.2) seen from
	// authNow for a request signed 20 minutes earlier.
	msgExpired = "Signature expired: 20261125T114000Z is now earlier than 20261125T114500Z (20261125T120000Z - 15 min.)"
)

var authCases = []authCase{
	{
		name: "ErrWrongSecret", akid: "test", secret: "wrong", at: authNow,
		jsonCode: "InvalidSignatureException", jsonStatus: 400, jsonMessage: msgSignatureMismatch,
		queryCode: "SignatureDoesNotMatch", queryStatus: 403, queryMessage: msgSignatureMismatch,
	},
	{
		name: "ErrUnknownKey", akid: "AKIAUNKNOWN", secret: "test", at: authNow,
		jsonCode: "UnrecognizedClientException", jsonStatus: 400, jsonMessage: msgInvalidToken,
		queryCode: "InvalidClientTokenId", queryStatus: 403, queryMessage: msgInvalidToken,
	},
	{
		name: "ErrUnsigned", at: authNow,
		jsonCode: "MissingAuthenticationTokenException", jsonStatus: 400, jsonMessage: "Missing Authentication Token",
		queryCode: "MissingAuthenticationToken", queryStatus: 403, queryMessage: "Request is missing Authentication Token",
	},
	{
		name: "ErrSignedTwentyMinutesAgo", akid: "test", secret: "test", at: authNow.Add(-20 * time.Minute),
		jsonCode: "InvalidSignatureException", jsonStatus: 400, jsonMessage: msgExpired,
		queryCode: "SignatureDoesNotMatch", queryStatus: 403, queryMessage: msgExpired,
	},
}

// TestAuthErrorsOnTheWire sends each service of the endpoint, over real
// HTTP and signed by the AWS SDK's signer, each way of failing
// authentication, and checks the answer byte for byte where AWS fixes it:
// code, HTTP status, message and the body shape of the service's protocol.
func TestAuthErrorsOnTheWire(t *testing.T) {
	url := newEndpoint(t, func() time.Time { return authNow })
	for _, svc := range authServices {
		t.Run(svc.name, func(t *testing.T) {
			// The probe itself is fine: a correct signature is accepted,
			// so every failure below is the authentication's.
			if res := sendSigned(t, url, svc.req, "test", "test", authNow); res.Status != http.StatusOK {
				t.Fatalf("correctly signed probe: got %d %s; want 200", res.Status, res.Body)
			}
			for _, c := range authCases {
				t.Run(c.name, func(t *testing.T) {
					res := sendSigned(t, url, svc.req, c.akid, c.secret, c.at)
					if svc.namespace == "" {
						checkJSONError(t, res, c.jsonStatus, c.jsonCode, c.jsonMessage)
					} else {
						checkQueryError(t, res, svc.namespace, c.queryStatus, c.queryCode, c.queryMessage)
					}
				})
			}
		})
	}
}

// checkJSONError checks a JSON 1.1 error (§11.2): the status, a body that
// is exactly {"__type": code, "message": msg}, the JSON 1.1 content type,
// the X-Amzn-Errortype header and a request ID.
func checkJSONError(t *testing.T, res wireResponse, status int, code, msg string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("got HTTP %d; want %d", res.Status, status)
	}
	var body map[string]any
	if err := json.Unmarshal(res.Body, &body); err != nil {
		t.Fatalf("body %s: %v", res.Body, err)
	}
	want := map[string]any{"__type": code, "message": msg}
	if fmt.Sprint(body) != fmt.Sprint(want) {
		t.Errorf("got body %s; want %v", res.Body, want)
	}
	if got := res.Header.Get("Content-Type"); got != "application/x-amz-json-1.1" {
		t.Errorf("got Content-Type %q; want application/x-amz-json-1.1", got)
	}
	if got := res.Header.Get("X-Amzn-Errortype"); got != code {
		t.Errorf("got X-Amzn-Errortype %q; want %q", got, code)
	}
	if res.Header.Get("X-Amzn-Requestid") == "" {
		t.Error("no x-amzn-RequestId header")
	}
}

// queryErrorResponse is the one shape a Query error has (§7.1).
type queryErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

// checkQueryError checks a Query error (§7.1): the status, an
// <ErrorResponse> in the service's namespace holding exactly
// <Error><Type>Sender</Type><Code/><Message/></Error><RequestId/>, the
// XML content type, and the same request ID in the header.
func checkQueryError(t *testing.T, res wireResponse, namespace string, status int, code, msg string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("got HTTP %d; want %d", res.Status, status)
	}
	var e queryErrorResponse
	if err := xml.Unmarshal(res.Body, &e); err != nil {
		t.Fatalf("body %s: %v", res.Body, err)
	}
	if e.XMLName.Space != namespace {
		t.Errorf("got namespace %q; want %q", e.XMLName.Space, namespace)
	}
	if e.Error.Type != "Sender" || e.Error.Code != code || e.Error.Message != msg {
		t.Errorf("got Error %+v; want Type Sender, Code %s, Message %q", e.Error, code, msg)
	}
	if e.RequestID == "" || e.RequestID != res.Header.Get("X-Amzn-Requestid") {
		t.Errorf("got RequestId %q, header %q; want the same, not empty", e.RequestID, res.Header.Get("X-Amzn-Requestid"))
	}
	if got := res.Header.Get("Content-Type"); got != "text/xml" {
		t.Errorf("got Content-Type %q; want text/xml", got)
	}
	if got, want := elementPaths(t, res.Body), "ErrorResponse ErrorResponse/Error ErrorResponse/Error/Type ErrorResponse/Error/Code ErrorResponse/Error/Message ErrorResponse/RequestId"; got != want {
		t.Errorf("got elements %s; want %s", got, want)
	}
}

// elementPaths lists the elements of an XML document in order, by path.
func elementPaths(t *testing.T, doc []byte) string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack, paths []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return strings.Join(paths, " ")
		}
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
			paths = append(paths, strings.Join(stack, "/"))
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}
