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
// a new image tag rolls the service over under continuous load without a
// failed request; deleting the stacks removes every task.
func TestCloudFormationReferenceSystem(t *testing.T) {
	forum := buildForum(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lbPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	in := startUp(t, "--driver", "process", "--image", "api:v1="+forum, "--image", "api:v2="+forum,
		"--publish", "80:"+strconv.Itoa(lbPort), "--time-scale", "0.05")

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

	// A new image tag is a new task definition revision and a rolling
	// deployment (min 100 %, max 200 %): under continuous load, no request
	// may fail.
	stop := make(chan struct{})
	type tally struct {
		ok, bad int
		why     map[string]int
	}
	results := make(chan tally)
	for range 4 {
		go func() { // owned by this test: ends when stop closes
			n := tally{why: map[string]int{}}
			for {
				select {
				case <-stop:
					results <- n
					return
				default:
				}
				res, err := client.Get(url + "/api/users")
				if err != nil {
					n.bad++
					n.why[err.Error()]++
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode/100 == 2 {
					n.ok++
				} else {
					n.bad++
					n.why[res.Status]++
				}
			}
		}()
	}
	update := time.Now()
	cli("cloudformation", "deploy", "--template-file", "../../deploy/cloudformation/api.yml", "--stack-name", "ecslocal-api",
		"--parameter-overrides", "Image=api:v2")
	close(stop)
	total := tally{why: map[string]int{}}
	for range 4 {
		n := <-results
		total.ok += n.ok
		total.bad += n.bad
		for k, v := range n.why {
			total.why[k] += v
		}
	}
	t.Logf("rolling deployment to api:v2 in %s under load: %d requests, %d failed or non-2xx", time.Since(update), total.ok+total.bad, total.bad)
	if total.bad != 0 || total.ok == 0 {
		t.Errorf("%d of %d requests failed or were not 2xx during the rolling deployment; want 0: %v", total.bad, total.ok+total.bad, total.why)
	}

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
