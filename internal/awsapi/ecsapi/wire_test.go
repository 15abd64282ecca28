package ecsapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/ecsapi"
	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/control"
)

// post sends one signed ECS request, as the SDK would, and returns the
// status, the headers and the body.
func post(tb testing.TB, url, target, body string) (int, http.Header, []byte) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "ecs", region, time.Now()); err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// walk calls f on every value of a JSON document decoded with UseNumber,
// with its path.
func walk(path string, v any, f func(path string, v any)) {
	f(path, v)
	switch x := v.(type) {
	case map[string]any:
		for k, vv := range x {
			walk(path+"."+k, vv, f)
		}
	case []any:
		for _, vv := range x {
			walk(path+"[]", vv, f)
		}
	}
}

func decodeNumbers(tb testing.TB, b []byte) map[string]any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		tb.Fatalf("response is not a JSON object: %v\n%s", err, b)
	}
	return m
}

// TestWire checks the bytes on the wire (§11.1, §11.2): content type,
// request ID, timestamps as epoch-second numbers, no null members, and the
// error body.
func TestWire(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	registerInstances(t, e.client)
	must[*awsecs.RegisterTaskDefinitionOutput](t)(e.client.RegisterTaskDefinition(ctx, apiTaskDef("api:v1")))
	must[*awsecs.CreateServiceOutput](t)(e.client.CreateService(ctx, &awsecs.CreateServiceInput{
		ServiceName: aws.String("api"), TaskDefinition: aws.String("api"), DesiredCount: aws.Int32(1)}))
	const prefix = ecsapi.TargetPrefix + "."

	t.Run("Result", func(t *testing.T) {
		for _, c := range []struct{ op, body string }{
			{"DescribeServices", `{"services":["api","nope"]}`},
			{"DescribeTaskDefinition", `{"taskDefinition":"api"}`},
			{"DescribeClusters", `{}`},
			{"ListTasks", ``},
		} {
			status, h, b := post(t, e.url, prefix+c.op, c.body)
			if status != http.StatusOK || h.Get("Content-Type") != "application/x-amz-json-1.1" || h.Get("X-Amzn-Requestid") == "" {
				t.Fatalf("%s: got %d %q request ID %q\n%s", c.op, status, h.Get("Content-Type"), h.Get("X-Amzn-Requestid"), b)
			}
			walk(c.op, decodeNumbers(t, b), func(path string, v any) {
				if v == nil {
					t.Errorf("%s: null member; absent members must be left out", path)
				}
				if strings.HasSuffix(path, "At") {
					if n, ok := v.(json.Number); !ok {
						t.Errorf("%s: got %T %v; want epoch seconds as a JSON number", path, v, v)
					} else if f, err := n.Float64(); err != nil || f < float64(t0.Unix()) {
						t.Errorf("%s: got %v; want epoch seconds after %d", path, n, t0.Unix())
					}
				}
			})
		}
		// Timestamps keep the milliseconds: t0 is …05.678.
		_, _, b := post(t, e.url, prefix+"DescribeTaskDefinition", `{"taskDefinition":"api:1"}`)
		if !bytes.Contains(b, []byte(`"registeredAt":1767323045.678`)) {
			t.Errorf("DescribeTaskDefinition: want registeredAt 1767323045.678 in\n%s", b)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		for _, c := range []struct {
			target, body string
			status       int
			code, msg    string
		}{
			{prefix + "DescribeServices", `{"cluster":"nope","services":["api"]}`, 400, "ClusterNotFoundException", "Cluster not found."},
			{prefix + "DeleteService", `{"service":"api"}`, 400, "InvalidParameterException", "The service cannot be stopped while it is scaled above 0."},
			{prefix + "DescribeTasks", `{"tasks":[]}`, 400, "InvalidParameterException", "Tasks cannot be empty."},
			{prefix + "Nope", `{}`, 400, "UnknownOperationException", "Unknown operation Nope."},
			{prefix + "ListClusters", `[]`, 400, "SerializationException", ""},
			{prefix + "ListClusters", `{"maxResults":"ten"}`, 400, "SerializationException", ""},
			{prefix + "ListClusters", `{`, 400, "SerializationException", ""},
		} {
			status, h, b := post(t, e.url, c.target, c.body)
			var body struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(b, &body); err != nil {
				t.Fatalf("%s %s: error body %q: %v", c.target, c.body, b, err)
			}
			if status != c.status || body.Type != c.code || (c.msg != "" && body.Message != c.msg) || body.Message == "" ||
				h.Get("X-Amzn-Errortype") != c.code || h.Get("Content-Type") != "application/x-amz-json-1.1" {
				t.Errorf("%s %s: got %d %s %q (X-Amzn-Errortype %q); want %d %s %q", c.target, c.body, status, body.Type, body.Message,
					h.Get("X-Amzn-Errortype"), c.status, c.code, c.msg)
			}
		}
	})
}

// faulty is a control plane whose ListClusters fails with err.
type faulty struct {
	*control.Controller
	err error
}

func (f faulty) ListClusters(context.Context, control.ListClustersInput) (*control.ListClustersOutput, error) {
	return nil, f.err
}

// TestServerFault checks that an error that is not an *ecs.Error, and
// ECS's own ServerException, reach the SDK as ServerException, HTTP 500,
// a server fault, with a message that hides the detail.
func TestServerFault(t *testing.T) {
	t.Parallel()
	for _, err := range []error{errors.New("disk on fire"), ecs.NewServerException(), errors.Join(errors.New("x"), ecs.NewServerException())} {
		var logs bytes.Buffer
		c, _ := newControl(t, slog.New(slog.DiscardHandler), nil)
		srv := httptest.NewServer(&awsapi.Server{
			Verifier: &awsapi.Verifier{Credentials: map[string]string{"test": "test"}},
			JSON:     []awsapi.JSONService{ecsapi.Service(faulty{c, err})},
			Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
		})
		_, got := newClient(srv.URL).ListClusters(ctx, &awsecs.ListClustersInput{})
		srv.Close()
		wantAPIError(t, got, "ServerException", http.StatusInternalServerError, "")
		if msg := apiError(t, got).ErrorMessage(); strings.Contains(msg, "disk") || !strings.HasPrefix(msg, "An internal error occurred.") {
			t.Errorf("%v: got message %q; want the generic one", err, msg)
		}
		if !strings.Contains(logs.String(), "server fault") {
			t.Errorf("%v: the detail was not logged: %q", err, logs.String())
		}
	}
}
