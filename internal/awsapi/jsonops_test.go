package awsapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ecslocal/ecslocal/internal/awsapi"
)

type createIn struct {
	ClusterName string `json:"clusterName"`
	Tags        []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"tags"`
}

type createOut struct {
	Cluster struct {
		ClusterName string `json:"clusterName"`
	} `json:"cluster"`
}

var errNotFound = errors.New("cluster not found")

func createCluster(_ context.Context, in *createIn) (*createOut, error) {
	if in.ClusterName == "missing" {
		return nil, errNotFound
	}
	var out createOut
	out.Cluster.ClusterName = in.ClusterName
	return &out, nil
}

func TestJSONOps(t *testing.T) {
	ops := &awsapi.JSONOps{
		Ops: map[string]awsapi.JSONOp{"CreateCluster": awsapi.Op(createCluster)},
		Errors: func(err error) error {
			if errors.Is(err, errNotFound) {
				return awsapi.Errorf("ClusterNotFoundException", "Cluster not found.")
			}
			return err
		},
	}
	ctx := context.Background()
	out, err := ops.Handle(ctx, "CreateCluster", []byte(`{"clusterName":"demo","unknownMember":1}`))
	if err != nil || out.(*createOut).Cluster.ClusterName != "demo" {
		t.Fatalf("got %v, %v", out, err)
	}
	for _, tt := range []struct{ op, body, code, msg string }{
		{"Nope", `{}`, "UnknownOperationException", "Unknown operation Nope."},
		{"CreateCluster", `{"clusterName":"missing"}`, "ClusterNotFoundException", "Cluster not found."},
		{"CreateCluster", `{"clusterName":7}`, "SerializationException", "Cannot deserialize number into member clusterName."},
		{"CreateCluster", `{"clusterName":`, "SerializationException", "not valid JSON"},
		{"CreateCluster", `{} {}`, "SerializationException", "after its JSON object"},
		{"CreateCluster", `[]`, "SerializationException", "must be a JSON object, not array"},
	} {
		_, err := ops.Handle(ctx, tt.op, []byte(tt.body))
		var ae *awsapi.Error
		if !errors.As(err, &ae) || ae.Code != tt.code || !strings.Contains(ae.Message, tt.msg) {
			t.Errorf("%s %s: got %v; want %s containing %q", tt.op, tt.body, err, tt.code, tt.msg)
		}
	}
}

// FuzzDecodeJSON: no body makes the JSON decoder panic or return anything
// but an AWS error.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"clusterName":"demo","tags":[{"key":"a","value":"b"}]}`))
	f.Add([]byte(`{"tags":{}}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in createIn
		if err := awsapi.DecodeJSON(body, &in); err != nil {
			var ae *awsapi.Error
			if !errors.As(err, &ae) || ae.Code != "SerializationException" {
				t.Fatalf("got %v; want a SerializationException", err)
			}
		}
	})
}
