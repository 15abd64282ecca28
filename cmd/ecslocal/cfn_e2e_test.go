package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCloudFormationReferenceSystem deploys the reference system from the
// same two templates that deploy it to AWS, with the unchanged AWS CLI:
// `aws cloudformation deploy` of cluster.yml (VPC, ALB, listener, ECS
// cluster, an Auto Scaling group whose instances register as container
// instances) and api.yml (task definition, target group, rule, service);
// the forum then answers through the ALB named by the Url output, and
// deleting the stacks removes every task.
func TestCloudFormationReferenceSystem(t *testing.T) {
	forum := buildForum(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lbPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	in := startUp(t, "--driver", "process", "--image", "api:v1="+forum, "--publish", "80:"+strconv.Itoa(lbPort), "--time-scale", "0.05")

	cli := func(args ...string) []byte {
		t.Helper()
		out, err := awsCLI(t, in.endpoint, nil, args...)
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	start := time.Now()
	cli("cloudformation", "deploy", "--template-file", "../../deploy/cloudformation/cluster.yml", "--stack-name", "ecslocal-cluster", "--capabilities", "CAPABILITY_IAM")
	cli("cloudformation", "deploy", "--template-file", "../../deploy/cloudformation/api.yml", "--stack-name", "ecslocal-api")
	t.Logf("both stacks deployed in %s", time.Since(start))

	var outputs []struct{ OutputKey, OutputValue string }
	if err := json.Unmarshal(cli("cloudformation", "describe-stacks", "--stack-name", "ecslocal-cluster", "--query", "Stacks[0].Outputs"), &outputs); err != nil {
		t.Fatal(err)
	}
	var url string
	for _, o := range outputs {
		if o.OutputKey == "Url" {
			url = o.OutputValue
		}
	}
	host, ok := strings.CutPrefix(url, "http://")
	if !ok || !strings.HasSuffix(host, ".us-east-1.elb.localhost") {
		t.Fatalf("Url output %q; want http://<name>-<id>.us-east-1.elb.localhost", url)
	}
	// The ALB's DNS name stands for the load balancer's address; its
	// listener 80 is published on lbPort.
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+strconv.Itoa(lbPort))
	}}}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := client.Get(url + "/api/users")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == 200 && strings.Contains(string(body), `"username":"marceline"`) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the forum did not answer at %s within 60s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the forum answers through the ALB %s after the deploys began", time.Since(start))

	cli("cloudformation", "delete-stack", "--stack-name", "ecslocal-api")
	cli("cloudformation", "wait", "stack-delete-complete", "--stack-name", "ecslocal-api")
	cli("cloudformation", "delete-stack", "--stack-name", "ecslocal-cluster")
	cli("cloudformation", "wait", "stack-delete-complete", "--stack-name", "ecslocal-cluster")
	if left := children(in.cmd.Process.Pid, forum); len(left) != 0 {
		t.Errorf("task processes left after delete-stack: %v", left)
	}
	if code := in.stop(t); code != 0 {
		t.Errorf("exit status after SIGTERM: %d; want 0", code)
	}
}
