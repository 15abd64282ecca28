package awsapi_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestMotoDifferential sends one request sequence, through the
// aws-sdk-go-v2 clients, to ecslocal's endpoint and to a real moto_server
// process, records every response body as it came off the wire, and
// compares the shapes of the two answers to each request: the members
// present and their types, recursively, values ignored (shape_test.go).
// Every difference must be an entry of motoDifferences, which says who
// differs from AWS and why; any other difference, and any entry that no
// longer matches, fails the test. Every member ecslocal sends must also be
// a member of the AWS model (the SDK's output types) with the model's type.
//
// Requests are chosen so both accept them: ECS services are EC2 launch
// type with desiredCount 0 (moto needs no container instances for them),
// load balancers use subnets of moto's default VPC (ecslocal ignores
// subnets), and registered targets are instance IDs moto does not know
// (moto then takes them as they are).
func TestMotoDifferential(t *testing.T) {
	start := time.Now()
	motoURL := startMoto(t)
	nw := motoNetwork(t, motoURL)
	oursURL := newEndpoint(t, nil)

	ours := runSequence(t, newSide("ecslocal", oursURL), nw)
	moto := runSequence(t, newSide("moto", motoURL), nw)
	if len(ours) != len(moto) {
		t.Fatalf("ecslocal answered %d requests, moto %d", len(ours), len(moto))
	}

	used := map[string]bool{}
	for i := range ours {
		o, m := ours[i], moto[i]
		label := fmt.Sprintf("%s %s (request %d)", o.service, o.op, i+1)
		if o.op != m.op {
			t.Fatalf("%s: moto's request %d is %s", label, i+1, m.op)
		}
		// MOTO_DUMP=1 logs both bodies of every request, to classify a
		// new difference.
		if os.Getenv("MOTO_DUMP") != "" {
			t.Logf("%s\n  ecslocal: %s\n  moto:     %s", label, o.body, m.body)
		}
		oShape, err := o.shape()
		if err != nil {
			t.Fatalf("%s: ecslocal: %v", label, err)
		}
		ms, err := m.shape()
		if err != nil {
			t.Fatalf("%s: moto: %v", label, err)
		}
		for _, p := range modelProblems(oShape) {
			t.Errorf("%s: ecslocal sends what the AWS model does not have: %s", label, p)
		}
		for _, d := range compareShapes(oShape, ms) {
			e := findDifference(o.op, d)
			if e == nil {
				t.Errorf("%s: %s %s (ecslocal %q, moto %q) is not in motoDifferences", label, d.Path, d.Kind, d.Ours, d.Moto)
				continue
			}
			used[e.key(o.op)] = true
		}
	}
	for _, e := range motoDifferences {
		for _, op := range e.Ops {
			if !used[e.key(op)] {
				t.Errorf("motoDifferences entry %s %s %s matches no difference: remove it", op, strings.Join(e.Paths, " "), e.Kind)
			}
		}
	}
	checkREADME(t)
	t.Logf("differential check: %d requests to each side in %v", len(ours), time.Since(start).Round(time.Millisecond))
}

// Who differs from AWS in a documented difference.
const (
	// motoDiffers: moto differs from the AWS API reference; ecslocal
	// follows it.
	motoDiffers = "moto"
	// oursDiffers: ecslocal differs from AWS (a known gap of a local
	// emulator); moto follows AWS.
	oursDiffers = "ecslocal"
)

// motoDifference is one documented difference between the shapes of
// ecslocal's and moto's answers. internal/awsapi/README.md shows the same
// list (checkREADME keeps them equal).
type motoDifference struct {
	// Ops are the operations whose answers differ so: each must show the
	// difference at one of Paths at least.
	Ops []string
	// Paths are the member (shape_test.go's paths) where the operations'
	// answers hold it; the difference covers the members under it.
	Paths []string
	// Kind is diffMotoOnly, diffOursOnly or diffType.
	Kind string
	// Who is motoDiffers or oursDiffers.
	Who string
	// Reason says why, citing the AWS API reference.
	Reason string
}

func (e *motoDifference) key(op string) string {
	return op + " " + strings.Join(e.Paths, ",") + " " + e.Kind
}

func findDifference(op string, d shapeDiff) *motoDifference {
	for i := range motoDifferences {
		e := &motoDifferences[i]
		if slices.Contains(e.Paths, d.Path) && e.Kind == d.Kind && slices.Contains(e.Ops, op) {
			return e
		}
	}
	return nil
}

// Operation groups of motoDifferences.
var (
	clusterOps     = []string{"CreateCluster", "DescribeClusters", "DeleteCluster"}
	taskDefOps     = []string{"RegisterTaskDefinition", "DescribeTaskDefinition", "DeregisterTaskDefinition"}
	serviceOps     = []string{"CreateService", "DescribeServices", "UpdateService", "DeleteService"}
	servicePaths   = func(m string) []string { return []string{"service." + m, "services[]." + m} }
	loadBalancerOp = []string{"CreateLoadBalancer", "DescribeLoadBalancers"}
	lbPaths        = func(m string) []string {
		return []string{"CreateLoadBalancerResult.LoadBalancers[]." + m, "DescribeLoadBalancersResult.LoadBalancers[]." + m}
	}
	listenerOps   = []string{"CreateListener", "DescribeListeners"}
	listenerPaths = func(m string) []string {
		return []string{"CreateListenerResult.Listeners[]." + m, "DescribeListenersResult.Listeners[]." + m}
	}
	ruleOps   = []string{"CreateRule", "DescribeRules", "ModifyRule", "SetRulePriorities"}
	rulePaths = func(m string) []string {
		var out []string
		for _, op := range ruleOps {
			out = append(out, op+"Result.Rules[]."+m)
		}
		return out
	}
)

// motoDifferences is every known difference between ecslocal's and
// moto's (5.2) answers to the sequence of TestMotoDifferential. Member
// names cite the AWS API references (ECS API version 2014-11-13, ELBv2
// 2015-12-01).
var motoDifferences = []motoDifference{
	// ECS clusters.
	{Ops: []string{"DescribeClusters"}, Paths: []string{"clusters[].settings"}, Kind: diffMotoOnly, Who: motoDiffers,
		Reason: "DescribeClusters includes Cluster.settings only when asked with include SETTINGS; moto always sends them"},
	{Ops: []string{"CreateCluster", "DeleteCluster"}, Paths: []string{"cluster.settings"}, Kind: diffMotoOnly, Who: oursDiffers,
		Reason: "AWS answers with the containerInsights setting (Cluster.settings, create-cluster example of the AWS CLI reference); ecslocal has no Container Insights (unconfirmed for DeleteCluster)"},
	{Ops: clusterOps, Paths: []string{"cluster.statistics", "clusters[].statistics"}, Kind: diffOursOnly, Who: motoDiffers,
		Reason: "AWS sends Cluster.statistics, empty unless include STATISTICS asks for the counts (create-cluster example of the AWS CLI reference); moto leaves it out"},
	// ECS task definitions.
	{Ops: []string{"RegisterTaskDefinition"}, Paths: []string{"tags"}, Kind: diffOursOnly, Who: motoDiffers,
		Reason: "RegisterTaskDefinition's response has tags next to taskDefinition (RegisterTaskDefinition Response Elements); moto leaves it out"},
	{Ops: taskDefOps, Paths: []string{"taskDefinition.registeredAt"}, Kind: diffOursOnly, Who: motoDiffers,
		Reason: "TaskDefinition.registeredAt is the time of registration, always set; moto never sends it"},
	{Ops: []string{"DeregisterTaskDefinition"}, Paths: []string{"taskDefinition.deregisteredAt"}, Kind: diffOursOnly, Who: motoDiffers,
		Reason: "TaskDefinition.deregisteredAt is set once a revision is INACTIVE; moto never sends it"},
	// ECS services.
	{Ops: serviceOps, Paths: servicePaths("createdAt"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "Service.createdAt is always set; moto leaves it out"},
	{Ops: serviceOps, Paths: servicePaths("createdBy"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "Service.createdBy is the principal that created the service; moto leaves it out"},
	{Ops: serviceOps, Paths: servicePaths("deploymentConfiguration"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "Service.deploymentConfiguration is always returned with its defaults (maximumPercent 200, minimumHealthyPercent 100, deploymentCircuitBreaker); moto leaves it out"},
	{Ops: serviceOps, Paths: servicePaths("enableECSManagedTags"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "Service.enableECSManagedTags is always returned (false by default); moto leaves it out"},
	{Ops: serviceOps, Paths: servicePaths("enableExecuteCommand"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "Service.enableExecuteCommand is always returned (false by default); moto leaves it out"},
	{Ops: serviceOps, Paths: servicePaths("placementConstraints"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "Service.placementConstraints is returned, empty when none; moto leaves it out"},
	{Ops: serviceOps, Paths: servicePaths("placementStrategy"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "Service.placementStrategy is returned, empty when none; moto leaves it out"},
	{Ops: []string{"DescribeServices", "UpdateService", "DeleteService"}, Paths: servicePaths("events[]"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "Service.events records the scheduler's messages (\"has reached a steady state.\"); moto never records an event"},
	{Ops: serviceOps, Paths: servicePaths("deployments[].platformFamily"), Kind: diffMotoOnly, Who: motoDiffers,
		Reason: "Deployment.platformFamily is for Fargate tasks; moto sends \"EC2\" for an EC2 service"},
	{Ops: serviceOps, Paths: servicePaths("networkConfiguration"), Kind: diffMotoOnly, Who: motoDiffers,
		Reason: "Service.networkConfiguration belongs to awsvpc services; moto sends {} for a bridge service"},
	{Ops: serviceOps, Paths: servicePaths("taskSets"), Kind: diffMotoOnly, Who: motoDiffers,
		Reason: "Service.taskSets belongs to the EXTERNAL and CODE_DEPLOY deployment controllers; moto sends [] for an ECS-controlled service"},
	{Ops: []string{"CreateService", "UpdateService"}, Paths: []string{"service.tags"}, Kind: diffMotoOnly, Who: motoDiffers,
		Reason: "an untagged service has no Service.tags (create-service example of the AWS CLI reference); moto sends []"},
	// ELBv2 load balancers.
	{Ops: loadBalancerOp, Paths: lbPaths("Scheme"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "LoadBalancer.Scheme is always returned (internet-facing by default); moto leaves it out"},
	{Ops: loadBalancerOp, Paths: lbPaths("AvailabilityZones[]"), Kind: diffMotoOnly, Who: oursDiffers,
		Reason: "AWS lists the subnets' Availability Zones (LoadBalancer.AvailabilityZones); a local load balancer has none, so the list is empty"},
	{Ops: loadBalancerOp, Paths: lbPaths("CanonicalHostedZoneId"), Kind: diffMotoOnly, Who: oursDiffers,
		Reason: "AWS returns the Route 53 zone of the DNS name (LoadBalancer.CanonicalHostedZoneId); a local load balancer has no hosted zone"},
	{Ops: loadBalancerOp, Paths: lbPaths("VpcId"), Kind: diffMotoOnly, Who: oursDiffers,
		Reason: "AWS returns the subnets' VPC (LoadBalancer.VpcId); ecslocal accepts subnets and ignores them"},
	// ELBv2 target groups.
	{Ops: []string{"CreateTargetGroup"}, Paths: []string{"CreateTargetGroupResult.TargetGroups[].LoadBalancerArns"}, Kind: diffOursOnly, Who: motoDiffers,
		Reason: "TargetGroup.LoadBalancerArns is part of every TargetGroup, empty for a new one (moto itself sends it from DescribeTargetGroups)"},
	// ELBv2 listeners and rules.
	{Ops: listenerOps, Paths: listenerPaths("SslPolicy"), Kind: diffMotoOnly, Who: motoDiffers,
		Reason: "Listener.SslPolicy is for HTTPS and TLS listeners; moto gives an HTTP listener ELBSecurityPolicy-2016-08"},
	{Ops: listenerOps, Paths: listenerPaths("AlpnPolicy"), Kind: diffMotoOnly, Who: motoDiffers,
		Reason: "Listener.AlpnPolicy is for TLS listeners; moto sends an empty one for HTTP"},
	{Ops: listenerOps, Paths: listenerPaths("DefaultActions[].ForwardConfig"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "AWS answers a forward action given as TargetGroupArn with Action.ForwardConfig too (the target group at weight 1, stickiness off); moto echoes the request"},
	{Ops: ruleOps, Paths: rulePaths("Actions[].ForwardConfig"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "as for listeners: Action.ForwardConfig accompanies TargetGroupArn in AWS's answers; moto echoes the request"},
	{Ops: ruleOps, Paths: rulePaths("Conditions[].Values"), Kind: diffOursOnly, Who: motoDiffers,
		Reason: "AWS answers a path-pattern condition with both RuleCondition.Values and PathPatternConfig; moto sends only what was asked"},
}

// checkREADME fails unless README.md holds motoDifferences as its table.
func checkREADME(t *testing.T) {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	table := differencesTable()
	if !bytes.Contains(readme, []byte(table)) {
		t.Errorf("README.md does not hold motoDifferences; its table should read:\n%s", table)
	}
}

// differencesTable renders motoDifferences as a markdown table.
func differencesTable() string {
	var b strings.Builder
	b.WriteString("| Operations | Member | Difference | Differs from AWS | Why |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, e := range motoDifferences {
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", strings.Join(e.Ops, ", "), strings.Join(e.Paths, "`, `"), e.Kind, e.Who, e.Reason)
	}
	return b.String()
}

// startMoto starts moto_server on a free loopback port and returns its
// URL once it answers; the process is stopped at cleanup. Without
// moto_server the test is skipped, unless CI=true.
func startMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("moto_server is required under CI=true: %v", err)
		}
		t.Skipf("no moto_server: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()

	var out syncBuffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", port)
	cmd.Stdout, cmd.Stderr = &out, &out
	// Its own process group: the pyenv shim may run moto as a child, and
	// cleanup stops both.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // ends when the process does, at the latest at cleanup
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})

	url := "http://127.0.0.1:" + port
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(url + "/moto-api/")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return url
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("moto_server exited: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 30 s\n%s", url, out.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the writes of a child process.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// network is what both sides are given for load balancers and target
// groups: two subnets in two zones of moto's default VPC.
type network struct {
	vpc     string
	subnets []string
}

// motoNetwork reads moto's default VPC and two of its subnets (in two
// Availability Zones, as an ALB needs) through EC2 DescribeSubnets.
func motoNetwork(t *testing.T, url string) network {
	t.Helper()
	res := sendSigned(t, url, wireRequest{Service: "ec2", Body: "Action=DescribeSubnets&Version=2016-11-15"}, "test", "test", time.Now())
	if res.Status != http.StatusOK {
		t.Fatalf("moto DescribeSubnets: %d %s", res.Status, res.Body)
	}
	var out struct {
		Subnets []struct {
			SubnetID string `xml:"subnetId"`
			VpcID    string `xml:"vpcId"`
			Zone     string `xml:"availabilityZone"`
			Default  bool   `xml:"defaultForAz"`
		} `xml:"subnetSet>item"`
	}
	if err := xml.Unmarshal(res.Body, &out); err != nil {
		t.Fatalf("moto DescribeSubnets: %v", err)
	}
	var n network
	zones := map[string]bool{}
	for _, s := range out.Subnets {
		if !s.Default || zones[s.Zone] || (n.vpc != "" && s.VpcID != n.vpc) {
			continue
		}
		n.vpc = s.VpcID
		zones[s.Zone] = true
		n.subnets = append(n.subnets, s.SubnetID)
		if len(n.subnets) == 2 {
			return n
		}
	}
	t.Fatalf("moto has no default subnets in two zones: %s", res.Body)
	return n
}

// recorder is the SDK clients' HTTPClient: it keeps the body of the last
// response as it came off the wire.
type recorder struct {
	mu   sync.Mutex
	last []byte
	code int
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	r.mu.Lock()
	r.last, r.code = b, res.StatusCode
	r.mu.Unlock()
	return res, nil
}

func (r *recorder) take() (int, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.code, r.last
}

// side is one endpoint and the SDK clients pointed at it.
type side struct {
	name string
	url  string
	rec  *recorder
	ecs  *awsecs.Client
	elb  *elbv2.Client
	sts  *sts.Client
}

func newSide(name, url string) *side {
	rec := &recorder{}
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	return &side{
		name: name,
		url:  url,
		rec:  rec,
		ecs: awsecs.New(awsecs.Options{Region: testRegion, BaseEndpoint: aws.String(url), Credentials: creds,
			Retryer: aws.NopRetryer{}, HTTPClient: rec}),
		elb: elbv2.New(elbv2.Options{Region: testRegion, BaseEndpoint: aws.String(url), Credentials: creds,
			Retryer: aws.NopRetryer{}, HTTPClient: rec}),
		sts: sts.New(sts.Options{Region: testRegion, BaseEndpoint: aws.String(url), Credentials: creds,
			Retryer: aws.NopRetryer{}, HTTPClient: rec}),
	}
}

// exchange is one request of the sequence and its answer.
type exchange struct {
	service, op string
	// out is the SDK's output type: the AWS model of the answer.
	out  reflect.Type
	body []byte
}

func (x exchange) shape() (shape, error) {
	if x.service == "ecs" {
		return jsonShape(x.body, x.out)
	}
	s, ns, err := xmlShape(x.body, x.op, x.out)
	if err != nil {
		return nil, err
	}
	// The namespace is part of the shape: clients match on it.
	s["@xmlns "+ns] = typeString
	return s, nil
}

// seq runs the sequence on one side.
type seq struct {
	t    *testing.T
	side *side
	log  []exchange
}

// sdkCall runs one SDK call, which must succeed with HTTP 200, and records
// its answer.
func sdkCall[T any](s *seq, service, op string, f func(context.Context) (*T, error)) *T {
	s.t.Helper()
	out, err := f(context.Background())
	if err != nil {
		s.t.Fatalf("%s: %s %s: %v", s.side.name, service, op, err)
	}
	code, body := s.side.rec.take()
	if code != http.StatusOK {
		s.t.Fatalf("%s: %s %s: HTTP %d", s.side.name, service, op, code)
	}
	s.log = append(s.log, exchange{service: service, op: op, out: reflect.TypeFor[T](), body: body})
	return out
}

// rawCall sends one request as raw signed HTTP, not through an SDK
// client, so the request body is exactly the one written here; out is the
// SDK output type the answer must fit. It must succeed with HTTP 200.
func rawCall[T any](s *seq, op string, req wireRequest) {
	s.t.Helper()
	res := sendSigned(s.t, s.side.url, req, "test", "test", time.Now())
	if res.Status != http.StatusOK {
		s.t.Fatalf("%s: raw %s %s: HTTP %d %s", s.side.name, req.Service, op, res.Status, res.Body)
	}
	s.log = append(s.log, exchange{service: req.Service, op: op, out: reflect.TypeFor[T](), body: res.Body})
}

// rawECS is a raw JSON 1.1 request to ECS operation op.
func rawECS(op, body string) wireRequest {
	return wireRequest{Service: "ecs", Target: "AmazonEC2ContainerServiceV20141113." + op, Body: body}
}

// rawELB is a raw Query request to ELBv2 action op with params.
func rawELB(op string, params url.Values) wireRequest {
	params.Set("Action", op)
	params.Set("Version", "2015-12-01")
	return wireRequest{Service: "elasticloadbalancing", Body: params.Encode()}
}

// eventually polls f, unrecorded, until it reports done, for at most 10 s.
func (s *seq) eventually(what string, f func(context.Context) (bool, error)) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		done, err := f(context.Background())
		if err != nil {
			s.t.Fatalf("%s: %s: %v", s.side.name, what, err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: timed out waiting until %s", s.side.name, what)
		}
		time.Sleep(20 * time.Millisecond) // between polls of an observable condition
	}
}

// runSequence sends the sequence to one side and returns its answers.
func runSequence(t *testing.T, sd *side, n network) []exchange {
	s := &seq{t: t, side: sd}
	runECS(s)
	runELB(s, n)
	sdkCall(s, "sts", "GetCallerIdentity", func(ctx context.Context) (*sts.GetCallerIdentityOutput, error) {
		return sd.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	})
	return s.log
}

func runECS(s *seq) {
	c := s.side.ecs
	cluster := aws.String("diff")
	sdkCall(s, "ecs", "CreateCluster", func(ctx context.Context) (*awsecs.CreateClusterOutput, error) {
		return c.CreateCluster(ctx, &awsecs.CreateClusterInput{ClusterName: cluster,
			Tags: []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
	})
	sdkCall(s, "ecs", "DescribeClusters", func(ctx context.Context) (*awsecs.DescribeClustersOutput, error) {
		return c.DescribeClusters(ctx, &awsecs.DescribeClustersInput{Clusters: []string{"diff"}})
	})
	sdkCall(s, "ecs", "ListClusters", func(ctx context.Context) (*awsecs.ListClustersOutput, error) {
		return c.ListClusters(ctx, &awsecs.ListClustersInput{})
	})
	sdkCall(s, "ecs", "RegisterTaskDefinition", func(ctx context.Context) (*awsecs.RegisterTaskDefinitionOutput, error) {
		return c.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{
			Family: aws.String("web"),
			ContainerDefinitions: []ecstypes.ContainerDefinition{{
				Name: aws.String("web"), Image: aws.String("nginx:1.27"), Memory: aws.Int32(128), Essential: aws.Bool(true),
				PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(80), HostPort: aws.Int32(0), Protocol: ecstypes.TransportProtocolTcp}},
			}},
		})
	})
	sdkCall(s, "ecs", "DescribeTaskDefinition", func(ctx context.Context) (*awsecs.DescribeTaskDefinitionOutput, error) {
		return c.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web")})
	})
	sdkCall(s, "ecs", "ListTaskDefinitions", func(ctx context.Context) (*awsecs.ListTaskDefinitionsOutput, error) {
		return c.ListTaskDefinitions(ctx, &awsecs.ListTaskDefinitionsInput{})
	})
	sdkCall(s, "ecs", "ListTaskDefinitionFamilies", func(ctx context.Context) (*awsecs.ListTaskDefinitionFamiliesOutput, error) {
		return c.ListTaskDefinitionFamilies(ctx, &awsecs.ListTaskDefinitionFamiliesInput{})
	})
	created := sdkCall(s, "ecs", "CreateService", func(ctx context.Context) (*awsecs.CreateServiceOutput, error) {
		return c.CreateService(ctx, &awsecs.CreateServiceInput{Cluster: cluster, ServiceName: aws.String("api"),
			TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(0), LaunchType: ecstypes.LaunchTypeEc2})
	})
	service := created.Service.ServiceArn
	// A service of 0 tasks is at once steady; ecslocal's scheduler says so
	// a moment later (rolloutState COMPLETED), moto at once.
	s.eventually("the deployment is COMPLETED", func(ctx context.Context) (bool, error) {
		out, err := c.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: cluster, Services: []string{"api"}})
		if err != nil {
			return false, err
		}
		return len(out.Services) == 1 && len(out.Services[0].Deployments) == 1 &&
			out.Services[0].Deployments[0].RolloutState == ecstypes.DeploymentRolloutStateCompleted, nil
	})
	sdkCall(s, "ecs", "DescribeServices", func(ctx context.Context) (*awsecs.DescribeServicesOutput, error) {
		return c.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: cluster, Services: []string{"api"}})
	})
	rawCall[awsecs.DescribeServicesOutput](s, "DescribeServices", rawECS("DescribeServices", `{"cluster":"diff","services":["api"]}`))
	rawCall[awsecs.DescribeClustersOutput](s, "DescribeClusters", rawECS("DescribeClusters", `{"clusters":["diff"]}`))
	sdkCall(s, "ecs", "ListServices", func(ctx context.Context) (*awsecs.ListServicesOutput, error) {
		return c.ListServices(ctx, &awsecs.ListServicesInput{Cluster: cluster})
	})
	sdkCall(s, "ecs", "UpdateService", func(ctx context.Context) (*awsecs.UpdateServiceOutput, error) {
		return c.UpdateService(ctx, &awsecs.UpdateServiceInput{Cluster: cluster, Service: aws.String("api"), DesiredCount: aws.Int32(0)})
	})
	sdkCall(s, "ecs", "TagResource", func(ctx context.Context) (*awsecs.TagResourceOutput, error) {
		return c.TagResource(ctx, &awsecs.TagResourceInput{ResourceArn: service,
			Tags: []ecstypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("owner"), Value: aws.String("me")}}})
	})
	sdkCall(s, "ecs", "ListTagsForResource", func(ctx context.Context) (*awsecs.ListTagsForResourceOutput, error) {
		return c.ListTagsForResource(ctx, &awsecs.ListTagsForResourceInput{ResourceArn: service})
	})
	sdkCall(s, "ecs", "UntagResource", func(ctx context.Context) (*awsecs.UntagResourceOutput, error) {
		return c.UntagResource(ctx, &awsecs.UntagResourceInput{ResourceArn: service, TagKeys: []string{"owner"}})
	})
	sdkCall(s, "ecs", "ListContainerInstances", func(ctx context.Context) (*awsecs.ListContainerInstancesOutput, error) {
		return c.ListContainerInstances(ctx, &awsecs.ListContainerInstancesInput{Cluster: cluster})
	})
	sdkCall(s, "ecs", "DeleteService", func(ctx context.Context) (*awsecs.DeleteServiceOutput, error) {
		return c.DeleteService(ctx, &awsecs.DeleteServiceInput{Cluster: cluster, Service: aws.String("api"), Force: aws.Bool(true)})
	})
	sdkCall(s, "ecs", "DeregisterTaskDefinition", func(ctx context.Context) (*awsecs.DeregisterTaskDefinitionOutput, error) {
		return c.DeregisterTaskDefinition(ctx, &awsecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("web:1")})
	})
	// A deleted service drains before its cluster can go (ECS refuses
	// with ClusterContainsServicesException meanwhile).
	s.eventually("the service has drained", func(ctx context.Context) (bool, error) {
		out, err := c.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: cluster, Services: []string{"api"}})
		if err != nil {
			return false, err
		}
		return len(out.Services) == 0 || aws.ToString(out.Services[0].Status) != "DRAINING", nil
	})
	sdkCall(s, "ecs", "DeleteCluster", func(ctx context.Context) (*awsecs.DeleteClusterOutput, error) {
		return c.DeleteCluster(ctx, &awsecs.DeleteClusterInput{Cluster: cluster})
	})
}

func runELB(s *seq, n network) {
	c := s.side.elb
	lbs := sdkCall(s, "elasticloadbalancing", "CreateLoadBalancer", func(ctx context.Context) (*elbv2.CreateLoadBalancerOutput, error) {
		return c.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("diff-alb"), Subnets: n.subnets,
			Tags: []elbtypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
	})
	lb := lbs.LoadBalancers[0].LoadBalancerArn
	sdkCall(s, "elasticloadbalancing", "DescribeLoadBalancers", func(ctx context.Context) (*elbv2.DescribeLoadBalancersOutput, error) {
		return c.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"diff-alb"}})
	})
	sdkCall(s, "elasticloadbalancing", "ModifyLoadBalancerAttributes", func(ctx context.Context) (*elbv2.ModifyLoadBalancerAttributesOutput, error) {
		return c.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb,
			Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("120")}}})
	})
	sdkCall(s, "elasticloadbalancing", "DescribeLoadBalancerAttributes", func(ctx context.Context) (*elbv2.DescribeLoadBalancerAttributesOutput, error) {
		return c.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb})
	})
	tgs := sdkCall(s, "elasticloadbalancing", "CreateTargetGroup", func(ctx context.Context) (*elbv2.CreateTargetGroupOutput, error) {
		return c.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("diff-tg"), Protocol: elbtypes.ProtocolEnumHttp,
			Port: aws.Int32(80), VpcId: aws.String(n.vpc), HealthCheckPath: aws.String("/health"),
			Matcher: &elbtypes.Matcher{HttpCode: aws.String("200-299")}, TargetType: elbtypes.TargetTypeEnumInstance})
	})
	tg := tgs.TargetGroups[0].TargetGroupArn
	sdkCall(s, "elasticloadbalancing", "DescribeTargetGroups", func(ctx context.Context) (*elbv2.DescribeTargetGroupsOutput, error) {
		return c.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"diff-tg"}})
	})
	sdkCall(s, "elasticloadbalancing", "ModifyTargetGroup", func(ctx context.Context) (*elbv2.ModifyTargetGroupOutput, error) {
		return c.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: tg, HealthCheckIntervalSeconds: aws.Int32(10)})
	})
	sdkCall(s, "elasticloadbalancing", "ModifyTargetGroupAttributes", func(ctx context.Context) (*elbv2.ModifyTargetGroupAttributesOutput, error) {
		return c.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: tg,
			Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("30")}}})
	})
	sdkCall(s, "elasticloadbalancing", "DescribeTargetGroupAttributes", func(ctx context.Context) (*elbv2.DescribeTargetGroupAttributesOutput, error) {
		return c.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: tg})
	})
	forward := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg}}
	ls := sdkCall(s, "elasticloadbalancing", "CreateListener", func(ctx context.Context) (*elbv2.CreateListenerOutput, error) {
		return c.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb, Protocol: elbtypes.ProtocolEnumHttp,
			Port: aws.Int32(80), DefaultActions: forward})
	})
	listener := ls.Listeners[0].ListenerArn
	sdkCall(s, "elasticloadbalancing", "DescribeListeners", func(ctx context.Context) (*elbv2.DescribeListenersOutput, error) {
		return c.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: lb})
	})
	path := func(p string) []elbtypes.RuleCondition {
		return []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{p}}}}
	}
	rules := sdkCall(s, "elasticloadbalancing", "CreateRule", func(ctx context.Context) (*elbv2.CreateRuleOutput, error) {
		return c.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: listener, Priority: aws.Int32(10), Conditions: path("/api/*"), Actions: forward})
	})
	rule := rules.Rules[0].RuleArn
	rawCall[elbv2.DescribeRulesOutput](s, "DescribeRules", rawELB("DescribeRules", url.Values{"ListenerArn": {aws.ToString(listener)}}))
	rawCall[elbv2.DescribeTargetGroupsOutput](s, "DescribeTargetGroups", rawELB("DescribeTargetGroups", url.Values{"Names.member.1": {"diff-tg"}}))
	rawCall[elbv2.DescribeListenersOutput](s, "DescribeListeners", rawELB("DescribeListeners", url.Values{"ListenerArns.member.1": {aws.ToString(listener)}}))
	sdkCall(s, "elasticloadbalancing", "DescribeRules", func(ctx context.Context) (*elbv2.DescribeRulesOutput, error) {
		return c.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: listener})
	})
	sdkCall(s, "elasticloadbalancing", "ModifyRule", func(ctx context.Context) (*elbv2.ModifyRuleOutput, error) {
		return c.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: rule, Conditions: path("/v2/*")})
	})
	sdkCall(s, "elasticloadbalancing", "SetRulePriorities", func(ctx context.Context) (*elbv2.SetRulePrioritiesOutput, error) {
		return c.SetRulePriorities(ctx, &elbv2.SetRulePrioritiesInput{RulePriorities: []elbtypes.RulePriorityPair{{RuleArn: rule, Priority: aws.Int32(20)}}})
	})
	targets := []elbtypes.TargetDescription{{Id: aws.String("i-0123456789abcdef0"), Port: aws.Int32(8080)}}
	sdkCall(s, "elasticloadbalancing", "RegisterTargets", func(ctx context.Context) (*elbv2.RegisterTargetsOutput, error) {
		return c.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: tg, Targets: targets})
	})
	sdkCall(s, "elasticloadbalancing", "DescribeTargetHealth", func(ctx context.Context) (*elbv2.DescribeTargetHealthOutput, error) {
		return c.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tg})
	})
	sdkCall(s, "elasticloadbalancing", "AddTags", func(ctx context.Context) (*elbv2.AddTagsOutput, error) {
		return c.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{aws.ToString(lb), aws.ToString(tg)},
			Tags: []elbtypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}})
	})
	sdkCall(s, "elasticloadbalancing", "DescribeTags", func(ctx context.Context) (*elbv2.DescribeTagsOutput, error) {
		return c.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{aws.ToString(lb), aws.ToString(tg)}})
	})
	sdkCall(s, "elasticloadbalancing", "RemoveTags", func(ctx context.Context) (*elbv2.RemoveTagsOutput, error) {
		return c.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{aws.ToString(lb)}, TagKeys: []string{"env"}})
	})
	sdkCall(s, "elasticloadbalancing", "DeregisterTargets", func(ctx context.Context) (*elbv2.DeregisterTargetsOutput, error) {
		return c.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: tg, Targets: targets})
	})
	sdkCall(s, "elasticloadbalancing", "DeleteRule", func(ctx context.Context) (*elbv2.DeleteRuleOutput, error) {
		return c.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: rule})
	})
	sdkCall(s, "elasticloadbalancing", "DeleteListener", func(ctx context.Context) (*elbv2.DeleteListenerOutput, error) {
		return c.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: listener})
	})
	sdkCall(s, "elasticloadbalancing", "DeleteTargetGroup", func(ctx context.Context) (*elbv2.DeleteTargetGroupOutput, error) {
		return c.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: tg})
	})
	sdkCall(s, "elasticloadbalancing", "DeleteLoadBalancer", func(ctx context.Context) (*elbv2.DeleteLoadBalancerOutput, error) {
		return c.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: lb})
	})
}
