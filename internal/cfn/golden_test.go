package cfn

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected part of testdata/*.txt")

// separator divides a golden file's input template from the expected
// result, as in caddy's caddyfile_adapt_test.go.
const separator = "----------"

// testTypes is the resource-type set the golden tests register, standing in
// for the deploy layer's handlers.
var testTypes = map[string]bool{}

func init() {
	for _, t := range []string{
		"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup",
		"AWS::EC2::SecurityGroupIngress", "AWS::EC2::InternetGateway",
		"AWS::EC2::VPCGatewayAttachment", "AWS::EC2::RouteTable", "AWS::EC2::Route",
		"AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::LaunchTemplate",
		"AWS::EC2::Instance",
		"AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::ECS::TaskDefinition",
		"AWS::ECS::CapacityProvider", "AWS::ECS::ClusterCapacityProviderAssociations",
		"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener",
		"AWS::ElasticLoadBalancingV2::ListenerRule", "AWS::ElasticLoadBalancingV2::TargetGroup",
		"AWS::AutoScaling::AutoScalingGroup",
		"AWS::IAM::Role", "AWS::IAM::InstanceProfile", "AWS::IAM::Policy",
		"AWS::IAM::ManagedPolicy", "AWS::IAM::User",
		"AWS::Logs::LogGroup", "AWS::S3::Bucket", "AWS::SSM::Parameter",
		"AWS::CloudFormation::WaitConditionHandle",
	} {
		testTypes[t] = true
	}
}

// directives are the "//! key value" lines a golden file may start with.
type directives struct {
	mode    string // "plan" (default), "validate" or "resolve"
	in      Input
	exports map[string]string
}

func parseDirectives(t *testing.T, input string) (directives, string) {
	t.Helper()
	d := directives{mode: "plan", in: Input{
		Parameters: map[string]string{}, StackName: "test-stack",
		Region: "us-east-1", AccountID: "123456789012", ResourceTypes: testTypes,
		SSM: func(name string) (string, bool) {
			if name == "/test/list" {
				return "a,b,c", true
			}
			if name == "/test/string" {
				return "from-ssm", true
			}
			return DefaultSSM(name)
		},
	}}
	var body []string
	for _, line := range strings.SplitAfter(input, "\n") {
		rest, ok := strings.CutPrefix(line, "//! ")
		if !ok {
			body = append(body, line)
			continue
		}
		key, val, _ := strings.Cut(strings.TrimSpace(rest), " ")
		switch key {
		case "mode":
			d.mode = val
		case "param":
			k, v, _ := strings.Cut(val, "=")
			d.in.Parameters[k] = v
		case "region":
			d.in.Region = val
		case "stack":
			d.in.StackName = val
		case "notify":
			d.in.NotificationARNs = append(d.in.NotificationARNs, val)
		case "export":
			k, v, _ := strings.Cut(val, "=")
			if d.exports == nil {
				d.exports = map[string]string{}
			}
			d.exports[k] = v
		default:
			t.Fatalf("unknown directive %q", key)
		}
	}
	if d.exports != nil {
		d.in.Exports = func(name string) (string, bool) { v, ok := d.exports[name]; return v, ok }
	}
	return d, strings.Join(body, "")
}

// fakeResolver answers like a stack whose resources all exist: physical id
// "<id>-physical", attribute "<id>.<attr>", and exports "import:<name>".
type fakeResolver struct{}

func (fakeResolver) PhysicalID(id string) (string, error) { return id + "-physical", nil }
func (fakeResolver) Attribute(id, name string) (any, error) {
	if name == "SecurityGroups" {
		return []string{id + "-sg1", id + "-sg2"}, nil
	}
	if name == "CidrBlock" {
		return "10.0.0.0/16", nil
	}
	return id + "." + name, nil
}
func (fakeResolver) Import(name string) (string, error) { return "import:" + name, nil }

// run produces the text a golden file expects.
func run(t *testing.T, d directives, body []byte) string {
	t.Helper()
	var (
		out any
		err error
	)
	switch d.mode {
	case "validate":
		out, err = Validate(body)
	case "plan":
		var p *StackPlan
		var ws []Warning
		p, ws, err = Plan(body, d.in)
		out = struct {
			Plan     *StackPlan
			Warnings []Warning `json:",omitempty"`
		}{p, ws}
	case "resolve":
		var p *StackPlan
		p, _, err = Plan(body, d.in)
		if err == nil {
			out, err = resolveAll(p)
		}
	default:
		t.Fatalf("unknown mode %q", d.mode)
	}
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "\t")
	if err := enc.Encode(out); err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return buf.String()
}

func resolveAll(p *StackPlan) (any, error) {
	res := map[string]any{}
	order := []string{}
	for _, r := range p.Resources {
		props, err := r.ResolveProperties(fakeResolver{})
		if err != nil {
			return nil, err
		}
		res[r.LogicalID] = props
		order = append(order, r.LogicalID)
	}
	meta := map[string]any{}
	for _, r := range p.Resources {
		if r.Metadata == nil {
			continue
		}
		m, err := Resolve(r.Metadata, fakeResolver{})
		if err != nil {
			return nil, err
		}
		meta[r.LogicalID] = m
	}
	outs := map[string]any{}
	for _, o := range p.Outputs {
		v, exp, err := o.Resolve(fakeResolver{})
		if err != nil {
			return nil, err
		}
		outs[o.LogicalID] = map[string]string{"Value": v, "Export": exp}
	}
	out := map[string]any{"Order": order, "Resources": res, "Outputs": outs, "Deletion": p.DeletionOrder()}
	if len(meta) > 0 {
		out["Metadata"] = meta
	}
	return out, nil
}

// TestGolden walks testdata/*.txt: each holds optional "//! " directives, a
// template, a "----------" line and the expected plan JSON or "error: …".
// Run with -update to rewrite the expected parts.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			input, want, ok := strings.Cut(string(raw), "\n"+separator+"\n")
			if !ok {
				t.Fatalf("%s: no %q separator line", f, separator)
			}
			d, body := parseDirectives(t, input+"\n")
			got := run(t, d, []byte(body))
			if *update {
				if got != want {
					if err := os.WriteFile(f, []byte(input+"\n"+separator+"\n"+got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			if got != want {
				t.Errorf("%s: plan differs\ngot:\n%s\nwant:\n%s", f, got, want)
			}
			// Planning is deterministic: a second run gives the same text.
			if again := run(t, d, []byte(body)); again != got {
				t.Errorf("%s: second run differs", f)
			}
		})
	}
}

// TestGoldenDeterministic guards the property the golden files rely on:
// JSON encoding of a plan never depends on map iteration order.
func TestGoldenDeterministic(t *testing.T) {
	body := []byte(`{"Resources":{"B":{"Type":"AWS::S3::Bucket","Properties":{"Z":1,"A":{"Ref":"A"}}},"A":{"Type":"AWS::S3::Bucket"}}}`)
	var first []byte
	for i := 0; i < 20; i++ {
		p, _, err := Plan(body, Input{ResourceTypes: testTypes, StackName: "s"})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(p)
		if first == nil {
			first = b
		} else if !bytes.Equal(first, b) {
			t.Fatalf("run %d: got %s; want %s", i, b, first)
		}
	}
}
