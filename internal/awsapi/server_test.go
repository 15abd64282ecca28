package awsapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ecslocal/ecslocal/internal/awsapi"
)

// echoJSON answers Echo with its input, fails Fail with an AWS error and
// Crash with an internal one.
type echoJSON struct{}

func (echoJSON) Handle(_ context.Context, op string, body []byte) (any, error) {
	switch op {
	case "Echo":
		return json.RawMessage(body), nil
	case "Fail":
		return nil, awsapi.Errorf("ClusterNotFoundException", "Cluster not found.")
	case "Crash":
		return nil, errors.New("disk on fire")
	}
	return nil, awsapi.Errorf("UnknownOperationException", "Unknown operation %s.", op)
}

func newServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(&awsapi.Server{
		Verifier:     &awsapi.Verifier{Credentials: map[string]string{"test": "test"}},
		JSON:         []awsapi.JSONService{{TargetPrefix: "AmazonEC2ContainerServiceV20141113", SigningName: "ecs", FaultCode: "ServerException", Handler: echoJSON{}}},
		MaxBodyBytes: 1 << 10,
		NewRequestID: func() string { return "req-42" },
	})
	t.Cleanup(srv.Close)
	return srv
}

// call sends a signed JSON 1.1 request and returns status, headers and body.
func call(t *testing.T, url, service, target, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"},
		req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestServerJSON(t *testing.T) {
	srv := newServer(t)
	for _, tt := range []struct {
		name, service, target, body string
		status                      int
		want                        string
	}{
		{"OK", "ecs", "AmazonEC2ContainerServiceV20141113.Echo", `{"a":1}`, 200, `{"a":1}`},
		{"EmptyBodyIsEmptyObject", "ecs", "AmazonEC2ContainerServiceV20141113.Echo", ``, 200, `{}`},
		{"ErrAWS", "ecs", "AmazonEC2ContainerServiceV20141113.Fail", `{}`, 400, `{"__type":"ClusterNotFoundException","message":"Cluster not found."}`},
		{"ErrInternal", "ecs", "AmazonEC2ContainerServiceV20141113.Crash", `{}`, 500, `{"__type":"ServerException","message":"An internal error occurred. Request ID: req-42"}`},
		{"ErrUnknownTarget", "ecs", "Nope.Echo", `{}`, 400, `{"__type":"UnknownOperationException","message":"Unknown operation Nope.Echo."}`},
		{"ErrWrongService", "sqs", "AmazonEC2ContainerServiceV20141113.Echo", `{}`, 400, `{"__type":"InvalidSignatureException","message":"Credential should be scoped to correct service: 'ecs'. "}`},
		{"ErrTooLarge", "ecs", "AmazonEC2ContainerServiceV20141113.Echo", `{"a":"` + strings.Repeat("x", 2000) + `"}`, 413, `{"__type":"RequestEntityTooLarge","message":"Request body is larger than 1024 bytes."}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := call(t, srv.URL, tt.service, tt.target, tt.body)
			if status != tt.status || body != tt.want {
				t.Errorf("got %d %s; want %d %s", status, body, tt.status, tt.want)
			}
			if h.Get("X-Amzn-Requestid") != "req-42" || h.Get("Content-Type") != "application/x-amz-json-1.1" {
				t.Errorf("headers: %v", h)
			}
			if tt.status != 200 && h.Get("X-Amzn-Errortype") == "" {
				t.Errorf("error without X-Amzn-Errortype")
			}
		})
	}
	t.Run("ErrUnsigned", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{}`))
		req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.Echo")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 400 || string(b) != `{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}` {
			t.Errorf("got %d %s", res.StatusCode, b)
		}
	})
}
