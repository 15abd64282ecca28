package stsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/ecslocal/ecslocal/internal/awsapi"
	"github.com/ecslocal/ecslocal/internal/awsapi/stsapi"
)

func client(tb testing.TB, url, akid, secret string) *sts.Client {
	return sts.New(sts.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
	})
}

func TestGetCallerIdentity(t *testing.T) {
	srv := httptest.NewServer(&awsapi.Server{
		Verifier: &awsapi.Verifier{Credentials: map[string]string{"test": "test"}},
		Query:    []awsapi.QueryService{(&stsapi.Handler{AccountID: "000000000000"}).Service()},
	})
	defer srv.Close()

	out, err := client(t, srv.URL, "test", "test").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != "000000000000" || aws.ToString(out.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(out.UserId) != "test" {
		t.Errorf("got account %q arn %q user %q", aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
	}

	t.Run("ErrUnknownKey", func(t *testing.T) {
		_, err := client(t, srv.URL, "nobody", "x").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidClientTokenId" || ae.ErrorMessage() != "The security token included in the request is invalid." {
			t.Fatalf("got %v; want InvalidClientTokenId", err)
		}
	})
	t.Run("ErrWrongSecret", func(t *testing.T) {
		_, err := client(t, srv.URL, "test", "wrong").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		var re interface{ HTTPStatusCode() int }
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" || !errors.As(err, &re) || re.HTTPStatusCode() != 403 {
			t.Fatalf("got %v; want SignatureDoesNotMatch with HTTP 403", err)
		}
	})
}

// TestAWSCLI drives the endpoint with the installed AWS CLI, the way users
// will: `aws --endpoint-url … sts get-caller-identity`.
func TestAWSCLI(t *testing.T) {
	aws, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI is required under CI=true: %v", err)
		}
		t.Skipf("no AWS CLI: %v", err)
	}
	srv := httptest.NewServer(&awsapi.Server{
		Verifier: &awsapi.Verifier{Credentials: map[string]string{"test": "test"}},
		Query:    []awsapi.QueryService{(&stsapi.Handler{AccountID: "000000000000"}).Service()},
	})
	defer srv.Close()
	cmd := exec.Command(aws, "--endpoint-url", srv.URL, "sts", "get-caller-identity", "--output", "json")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws sts get-caller-identity: %v\n%s", err, out)
	}
	var got struct{ UserId, Account, Arn string }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Account != "000000000000" || got.Arn != "arn:aws:iam::000000000000:root" || got.UserId != "test" {
		t.Errorf("got %+v", got)
	}
}
