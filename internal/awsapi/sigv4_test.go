package awsapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ecslocal/ecslocal/internal/awsapi"
)

var signedAt = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// signed returns a request signed by the AWS SDK for Go v2's signer, the way
// real clients sign, so the verifier is checked against the reference.
func signed(tb testing.TB, akid, secret, region, service string, body string, at time.Time, mutate func(*http.Request)) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:4566/", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters")
	req.Header.Add("X-Custom", "  a   b  ")
	if mutate != nil {
		mutate(req)
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		tb.Fatal(err)
	}
	return req
}

func verifier() *awsapi.Verifier {
	return &awsapi.Verifier{
		Credentials: map[string]string{"test": "test", "AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
		Now:         func() time.Time { return signedAt.Add(time.Minute) },
	}
}

func TestVerifyOK(t *testing.T) {
	for _, tt := range []struct{ akid, secret, region, service, body string }{
		{"test", "test", "us-east-1", "ecs", `{}`},
		{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "eu-west-3", "elasticloadbalancing", "Action=DescribeLoadBalancers&Version=2015-12-01"},
		{"test", "test", "us-east-1", "ecs", ``},
	} {
		req := signed(t, tt.akid, tt.secret, tt.region, tt.service, tt.body, signedAt, nil)
		id, err := verifier().Verify(req, []byte(tt.body))
		if err != nil {
			t.Fatalf("%s/%s: %v", tt.service, tt.region, err)
		}
		if id.AccessKeyID != tt.akid || id.Region != tt.region || id.Service != tt.service {
			t.Errorf("got %+v; want %s %s %s", id, tt.akid, tt.region, tt.service)
		}
	}
}

func TestVerifyQueryString(t *testing.T) {
	req := signed(t, "test", "test", "us-east-1", "sts", "", signedAt, func(r *http.Request) {
		r.Method = http.MethodGet
		r.URL.RawQuery = "Version=2011-06-15&Action=GetCallerIdentity&b=x%20y&a=1"
	})
	if _, err := verifier().Verify(req, nil); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFailures(t *testing.T) {
	body := `{"clusters":["default"]}`
	ok := func() *http.Request { return signed(t, "test", "test", "us-east-1", "ecs", body, signedAt, nil) }
	for _, tt := range []struct {
		name string
		req  func() *http.Request
		body string
		want awsapi.AuthFailure
		msg  string
	}{
		{"ErrMissing", func() *http.Request { r := ok(); r.Header.Del("Authorization"); return r }, body, awsapi.AuthMissing, "Missing Authentication Token"},
		{"ErrUnknownKey", func() *http.Request { return signed(t, "nobody", "x", "us-east-1", "ecs", body, signedAt, nil) }, body, awsapi.AuthUnknownKey, "The security token included in the request is invalid."},
		{"ErrWrongSecret", func() *http.Request { return signed(t, "test", "nope", "us-east-1", "ecs", body, signedAt, nil) }, body, awsapi.AuthMismatch, "The request signature we calculated does not match"},
		{"ErrTamperedBody", ok, `{"clusters":["other"]}`, awsapi.AuthMismatch, "does not match the signature you provided"},
		{"ErrTamperedHeader", func() *http.Request {
			r := ok()
			r.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DeleteCluster")
			return r
		}, body, awsapi.AuthMismatch, "does not match"},
		{"ErrExpired", func() *http.Request {
			return signed(t, "test", "test", "us-east-1", "ecs", body, signedAt.Add(-20*time.Minute), nil)
		}, body, awsapi.AuthSkewed,
			"Signature expired: 20261125T114000Z is now earlier than 20261125T114600Z (20261125T120100Z - 15 min.)"},
		{"ErrNotYetCurrent", func() *http.Request {
			return signed(t, "test", "test", "us-east-1", "ecs", body, signedAt.Add(20*time.Minute), nil)
		}, body, awsapi.AuthSkewed,
			"Signature not yet current: 20261125T122000Z is still later than 20261125T121600Z (20261125T120100Z + 15 min.)"},
		{"ErrScopeDate", func() *http.Request {
			r := ok()
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20261125/", "/20261124/", 1))
			return r
		}, body, awsapi.AuthBadScope, "Date in Credential scope does not match"},
		{"ErrNotSigV4", func() *http.Request { r := ok(); r.Header.Set("Authorization", "AWS test:abc"); return r }, body, awsapi.AuthIncomplete, "requires 'AWS4-HMAC-SHA256' algorithm"},
		{"ErrNoSignature", func() *http.Request {
			r := ok()
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
			return r
		}, body, awsapi.AuthIncomplete, "requires 'Signature' parameter"},
		{"ErrBadCredential", func() *http.Request {
			r := ok()
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261125/ecs/aws4_request, SignedHeaders=host, Signature=00")
			return r
		}, body, awsapi.AuthIncomplete, "Credential should be scoped"},
		{"ErrNoDate", func() *http.Request { r := ok(); r.Header.Del("X-Amz-Date"); return r }, body, awsapi.AuthIncomplete, "'X-Amz-Date' or a 'Date' header"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verifier().Verify(tt.req(), []byte(tt.body))
			var ae *awsapi.AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("got %v; want an *AuthError", err)
			}
			if ae.Failure != tt.want || !strings.Contains(ae.Message, tt.msg) {
				t.Errorf("got failure %d %q; want %d containing %q", ae.Failure, ae.Message, tt.want, tt.msg)
			}
		})
	}
}

// FuzzVerify: no Authorization header, however malformed, makes Verify
// panic or accept.
func FuzzVerify(f *testing.F) {
	good := signed(f, "test", "test", "us-east-1", "ecs", "{}", signedAt, nil).Header.Get("Authorization")
	f.Add(good, "20261125T120000Z")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=, Signature=", "")
	f.Add("AWS4-HMAC-SHA256 ,,,=", "x")
	f.Fuzz(func(t *testing.T, auth, date string) {
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", bytes.NewReader(nil))
		req.Header.Set("Authorization", auth)
		req.Header.Set("X-Amz-Date", date)
		if id, err := verifier().Verify(req, nil); err == nil {
			t.Fatalf("accepted %q as %+v", auth, id)
		}
	})
}
