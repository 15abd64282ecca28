package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct {
		name string
		args []string
		code int
		out  []string // each must appear in stdout (code 0) or stderr
	}{
		{"ReferenceCluster", []string{"validate", "../../deploy/cloudformation/cluster.yml"}, 0, []string{
			"cluster.yml: valid", "resources, in creation order (20):", "AutoScalingGroup", "AWS::AutoScaling::AutoScalingGroup",
			"requires capabilities: CAPABILITY_IAM",
		}},
		{"Parameters", []string{"validate", "-p", "InstanceType=t3.small", "../../deploy/cloudformation/cluster.yml"}, 0, []string{"t3.small"}},
		{"ErrAllowedValues", []string{"validate", "-p", "InstanceType=x1.huge", "../../deploy/cloudformation/cluster.yml"}, 1, []string{"InstanceType", "AllowedValues"}},
		{"ErrUnsupportedType", []string{"validate", write("sqs.yml", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")}, 1, []string{"Unrecognized resource types: [AWS::SQS::Queue]"}},
		{"ErrUndefinedRef", []string{"validate", write("ref.yml", "Resources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Nope\n")}, 1, []string{"Unresolved resource dependencies [Nope]"}},
		{"ErrMissingFile", []string{"validate", filepath.Join(dir, "none.yml")}, 1, []string{"no such file"}},
		{"ErrUsage", []string{"validate"}, 2, []string{"usage: ecslocal validate"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			got := stdout.String()
			if tt.code != 0 {
				got = stderr.String()
			}
			if code != tt.code {
				t.Fatalf("exit %d; want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, want := range tt.out {
				if !strings.Contains(got, want) {
					t.Errorf("output lacks %q:\n%s", want, got)
				}
			}
		})
	}
}
