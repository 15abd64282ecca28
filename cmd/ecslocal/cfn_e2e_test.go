package main

import (
	"encoding/json"
	"io"
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
// failed request, and every task it keeps then runs the new revision;
// deleting the stacks removes every task and, as the AWS CLI sees them,
// every resource.
func TestCloudFormationReferenceSystem(t *testing.T) {
	forum := buildForum(t)
	lbPort := freePort(t)
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

	var outputs []stackOutput
	if err := json.Unmarshal(cli("cloudformation", "describe-stacks", "--stack-name", "ecslocal-cluster", "--query", "Stacks[0].Outputs"), &outputs); err != nil {
		t.Fatal(err)
	}
	url := output(outputs, "Url")
	host, ok := strings.CutPrefix(url, "http://")
	if !ok || !strings.HasSuffix(host, ".us-east-1.elb.localhost") {
		t.Fatalf("Url output %q; want http://<name>-<id>.us-east-1.elb.localhost", url)
	}
	// The ALB's DNS name stands for the load balancer's address; its
	// listener 80 is published on lbPort.
	client := albClient(lbPort)
	waitForum(t, client, url, "the forum")
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

	// The service now runs the new revision, and so does every task it
	// keeps running.
	cluster, apiOut := output(outputs, "ClusterName"), stackOutputs(t, cli, "ecslocal-api")
	var svcs struct {
		Services []struct{ ServiceArn, TaskDefinition string }
	}
	decode(t, cli("ecs", "describe-services", "--cluster", cluster, "--services", apiOut["ServiceName"]), &svcs)
	if len(svcs.Services) != 1 {
		t.Fatalf("describe-services %s: %+v", apiOut["ServiceName"], svcs)
	}
	td := svcs.Services[0].TaskDefinition
	var def struct {
		TaskDefinition struct {
			Revision             int
			ContainerDefinitions []struct{ Image string }
		}
	}
	decode(t, cli("ecs", "describe-task-definition", "--task-definition", td), &def)
	if def.TaskDefinition.Revision != 2 || len(def.TaskDefinition.ContainerDefinitions) != 1 || def.TaskDefinition.ContainerDefinitions[0].Image != "api:v2" {
		t.Errorf("service task definition %s: %+v; want revision 2 with image api:v2", td, def.TaskDefinition)
	}
	var list struct{ TaskArns []string }
	decode(t, cli("ecs", "list-tasks", "--cluster", cluster, "--service-name", apiOut["ServiceName"], "--desired-status", "RUNNING"), &list)
	if len(list.TaskArns) != 1 {
		t.Fatalf("%d tasks desired RUNNING after the update; want 1: %v", len(list.TaskArns), list.TaskArns)
	}
	var tasks struct {
		Tasks []struct {
			TaskDefinitionArn, LastStatus string
			Containers                    []struct{ Image, LastStatus string }
		}
	}
	decode(t, cli(append([]string{"ecs", "describe-tasks", "--cluster", cluster, "--tasks"}, list.TaskArns...)...), &tasks)
	for _, task := range tasks.Tasks {
		if task.TaskDefinitionArn != td || task.LastStatus != "RUNNING" || len(task.Containers) != 1 || task.Containers[0].Image != "api:v2" {
			t.Errorf("task after the update: %+v; want RUNNING %s with image api:v2", task, td)
		}
	}

	// What the stacks created, to check it is all gone after delete-stack.
	var cis struct{ ContainerInstanceArns []string }
	decode(t, cli("ecs", "list-container-instances", "--cluster", cluster), &cis)
	if len(cis.ContainerInstanceArns) != 2 {
		t.Fatalf("%d container instances; want DesiredCapacity 2", len(cis.ContainerInstanceArns))
	}

	deleteStart := time.Now()
	cli("cloudformation", "delete-stack", "--stack-name", "ecslocal-api")
	cli("cloudformation", "wait", "stack-delete-complete", "--stack-name", "ecslocal-api")
	cli("cloudformation", "delete-stack", "--stack-name", "ecslocal-cluster")
	cli("cloudformation", "wait", "stack-delete-complete", "--stack-name", "ecslocal-cluster")
	t.Logf("both stacks deleted in %s", time.Since(deleteStart))
	if left := children(in.cmd.Process.Pid, forum); len(left) != 0 {
		t.Errorf("task processes left after delete-stack: %v", left)
	}
	checkGone(t, in.endpoint, gone{
		cluster: cluster, service: svcs.Services[0].ServiceArn, instances: cis.ContainerInstanceArns, taskDefinition: td,
		loadBalancer: output(outputs, "ALBArn"), listener: output(outputs, "ListenerArn"), targetGroup: apiOut["TargetGroupArn"],
	})
	if code := in.stop(t); code != 0 {
		t.Errorf("exit status after SIGTERM: %d; want 0", code)
	}
}

// stackOutput is one of describe-stacks' Outputs.
type stackOutput struct{ OutputKey, OutputValue string }

// output returns the value of the output key.
func output(outs []stackOutput, key string) string {
	for _, o := range outs {
		if o.OutputKey == key {
			return o.OutputValue
		}
	}
	return ""
}

// stackOutputs returns a stack's outputs by key.
func stackOutputs(t *testing.T, cli func(...string) []byte, stack string) map[string]string {
	t.Helper()
	var outs []stackOutput
	decode(t, cli("cloudformation", "describe-stacks", "--stack-name", stack, "--query", "Stacks[0].Outputs"), &outs)
	m := map[string]string{}
	for _, o := range outs {
		m[o.OutputKey] = o.OutputValue
	}
	return m
}

// decode unmarshals the AWS CLI's JSON output b into v.
func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
}

// gone names the resources a deleted stack made.
type gone struct {
	cluster, service, taskDefinition    string
	instances                           []string
	loadBalancer, listener, targetGroup string
}

// checkGone asks the AWS CLI for every resource in g and fails unless
// each answers as AWS answers for a deleted one: the cluster INACTIVE or
// MISSING, the service INACTIVE or MISSING (or its cluster not found),
// no container instances (or the cluster not found), the task definition
// INACTIVE, and the load balancer, listener and target group not found.
func checkGone(t *testing.T, endpoint string, g gone) {
	t.Helper()
	run := func(args ...string) (string, error) {
		t.Helper()
		out, err := awsCLI(t, endpoint, nil, args...)
		return string(out), err
	}
	var clusters struct {
		Clusters []struct{ ClusterName, Status string }
		Failures []struct{ Arn, Reason string }
	}
	out, err := run("ecs", "describe-clusters", "--clusters", g.cluster)
	if err != nil || json.Unmarshal([]byte(out), &clusters) != nil || !clusterGone(clusters.Clusters, clusters.Failures) {
		t.Errorf("describe-clusters %s after delete-stack: %v %s; want INACTIVE or MISSING", g.cluster, err, out)
	}
	var svcs struct {
		Services []struct{ Status string }
		Failures []struct{ Reason string }
	}
	out, err = run("ecs", "describe-services", "--cluster", g.cluster, "--services", g.service)
	switch {
	case err != nil:
		if !strings.Contains(out, "ClusterNotFoundException") {
			t.Errorf("describe-services %s after delete-stack: %v %s", g.service, err, out)
		}
	case json.Unmarshal([]byte(out), &svcs) != nil,
		len(svcs.Services) == 1 && svcs.Services[0].Status != "INACTIVE",
		len(svcs.Services) == 0 && (len(svcs.Failures) != 1 || svcs.Failures[0].Reason != "MISSING"):
		t.Errorf("describe-services %s after delete-stack: %s; want INACTIVE or MISSING", g.service, out)
	}
	var list struct{ ContainerInstanceArns []string }
	out, err = run("ecs", "list-container-instances", "--cluster", g.cluster)
	if (err != nil && !strings.Contains(out, "ClusterNotFoundException")) ||
		(err == nil && (json.Unmarshal([]byte(out), &list) != nil || len(list.ContainerInstanceArns) != 0)) {
		t.Errorf("list-container-instances %s after delete-stack: %v %s; want none", g.cluster, err, out)
	}
	var cis struct {
		ContainerInstances []struct{ ContainerInstanceArn, Status string }
	}
	out, err = run(append([]string{"ecs", "describe-container-instances", "--cluster", g.cluster, "--container-instances"}, g.instances...)...)
	if err == nil && json.Unmarshal([]byte(out), &cis) == nil {
		for _, ci := range cis.ContainerInstances {
			if ci.Status != "INACTIVE" {
				t.Errorf("container instance %s %s after delete-stack; want INACTIVE or MISSING", ci.ContainerInstanceArn, ci.Status)
			}
		}
	} else if !strings.Contains(out, "ClusterNotFoundException") {
		t.Errorf("describe-container-instances after delete-stack: %v %s", err, out)
	}
	var td struct{ TaskDefinition struct{ Status string } }
	out, err = run("ecs", "describe-task-definition", "--task-definition", g.taskDefinition)
	if err != nil || json.Unmarshal([]byte(out), &td) != nil || td.TaskDefinition.Status != "INACTIVE" {
		t.Errorf("describe-task-definition %s after delete-stack: %v %s; want INACTIVE", g.taskDefinition, err, out)
	}
	for _, c := range []struct {
		args []string
		code string
	}{
		{[]string{"elbv2", "describe-load-balancers", "--load-balancer-arns", g.loadBalancer}, "LoadBalancerNotFound"},
		{[]string{"elbv2", "describe-listeners", "--listener-arns", g.listener}, "ListenerNotFound"},
		{[]string{"elbv2", "describe-target-groups", "--target-group-arns", g.targetGroup}, "TargetGroupNotFound"},
	} {
		if out, err := run(c.args...); err == nil || !strings.Contains(out, c.code) {
			t.Errorf("aws %s after delete-stack: %v %s; want %s", strings.Join(c.args, " "), err, out, c.code)
		}
	}
}
