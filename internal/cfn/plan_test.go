package cfn

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// goldenBody returns the template part of a golden file, without its
// directives and expected result.
func goldenBody(tb testing.TB, name string) []byte {
	tb.Helper()
	raw, err := os.ReadFile("testdata/" + name + ".txt")
	if err != nil {
		tb.Fatal(err)
	}
	input, _, _ := strings.Cut(string(raw), "\n"+separator+"\n")
	var b strings.Builder
	for _, line := range strings.SplitAfter(input, "\n") {
		if !strings.HasPrefix(line, "//! ") {
			b.WriteString(line)
		}
	}
	return []byte(b.String())
}

func testInput() Input {
	return Input{StackName: "web", Region: "eu-west-1", AccountID: "111122223333", ResourceTypes: testTypes}
}

// TestRealisticStack plans the ECS cluster + ALB template and checks the
// properties the deploy layer relies on: every dependency comes first, the
// deletion order is the reverse, and UserData resolves to the ECS agent
// configuration once the cluster exists.
func TestRealisticStack(t *testing.T) {
	t.Parallel()
	in := testInput()
	in.Parameters = map[string]string{"KeyName": ""}
	p, ws, err := Plan(goldenBody(t, "ecs_alb_stack"), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 0 {
		t.Errorf("got warnings %v; want none", ws)
	}
	pos := map[string]int{}
	for i, r := range p.Resources {
		pos[r.LogicalID] = i
	}
	if len(pos) != 13 {
		t.Fatalf("got %d resources; want 13", len(pos))
	}
	for _, r := range p.Resources {
		for _, d := range r.DependsOn {
			if pos[d] >= pos[r.LogicalID] {
				t.Errorf("%s is created at %d, before its dependency %s at %d", r.LogicalID, pos[r.LogicalID], d, pos[d])
			}
		}
	}
	del := p.DeletionOrder()
	if del[0] != "AutoScalingGroup" || del[len(del)-1] != "VPC" {
		t.Errorf("got deletion order %v; want AutoScalingGroup first and VPC last", del)
	}
	lt := p.Resource("LaunchTemplate")
	props, err := lt.ResolveProperties(fakeResolver{})
	if err != nil {
		t.Fatal(err)
	}
	data := props["LaunchTemplateData"].(map[string]any)
	if _, ok := data["KeyName"]; ok {
		t.Errorf("KeyName is present; want it removed by AWS::NoValue when the parameter is empty")
	}
	ud, err := base64.StdEncoding.DecodeString(data["UserData"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if want := "#!/bin/bash\necho ECS_CLUSTER=ECSCluster-physical >> /etc/ecs/ecs.config\n"; string(ud) != want {
		t.Errorf("got UserData %q; want %q", ud, want)
	}
	if got := p.Resource("PublicSubnetTwo").Properties["AvailabilityZone"]; got != "eu-west-1b" {
		t.Errorf("got AZ %v; want eu-west-1b", got)
	}
	if !reflect.DeepEqual(p.Capabilities, []string{"CAPABILITY_IAM"}) {
		t.Errorf("got capabilities %v; want [CAPABILITY_IAM]", p.Capabilities)
	}
}

// TestShortFormMatchesLongForm plans the same properties written with YAML
// short-form tags and with JSON long forms; the plans must be identical.
func TestShortFormMatchesLongForm(t *testing.T) {
	t.Parallel()
	yamlBody := `
Parameters:
  Env: {Type: String, Default: prod}
Mappings:
  M: {prod: {Size: "3"}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Both: !And [!Condition IsProd, !Not [!Equals [a, b]]]
  Either: !Or [!Condition IsProd, !Equals [a, b]]
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
  A:
    Type: AWS::SSM::Parameter
    Properties:
      Ref: !Ref Cluster
      GetAtt: !GetAtt Cluster.Arn
      GetAttList: !GetAtt [Cluster, Arn]
      Sub: !Sub "${Env}-${Cluster}"
      SubVars: !Sub ["${X}", {X: !Ref Env}]
      Join: !Join ["-", [a, !Ref Env]]
      Select: !Select [1, [a, b]]
      Split: !Split [",", "a,b"]
      Map: !FindInMap [M, !Ref Env, Size]
      AZs: !GetAZs ""
      B64: !Base64 abc
      If: !If [Both, yes, no]
      Or: !If [Either, yes, no]
      Import: !ImportValue shared
      Cidr: !Cidr ["10.0.0.0/16", 2, 8]
`
	jsonBody := `{
 "Parameters": {"Env": {"Type": "String", "Default": "prod"}},
 "Mappings": {"M": {"prod": {"Size": "3"}}},
 "Conditions": {
  "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
  "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}]},
  "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "b"]}]}
 },
 "Resources": {
  "Cluster": {"Type": "AWS::ECS::Cluster"},
  "A": {"Type": "AWS::SSM::Parameter", "Properties": {
   "Ref": {"Ref": "Cluster"},
   "GetAtt": {"Fn::GetAtt": ["Cluster", "Arn"]},
   "GetAttList": {"Fn::GetAtt": ["Cluster", "Arn"]},
   "Sub": {"Fn::Sub": "${Env}-${Cluster}"},
   "SubVars": {"Fn::Sub": ["${X}", {"X": {"Ref": "Env"}}]},
   "Join": {"Fn::Join": ["-", ["a", {"Ref": "Env"}]]},
   "Select": {"Fn::Select": [1, ["a", "b"]]},
   "Split": {"Fn::Split": [",", "a,b"]},
   "Map": {"Fn::FindInMap": ["M", {"Ref": "Env"}, "Size"]},
   "AZs": {"Fn::GetAZs": ""},
   "B64": {"Fn::Base64": "abc"},
   "If": {"Fn::If": ["Both", "yes", "no"]},
   "Or": {"Fn::If": ["Either", "yes", "no"]},
   "Import": {"Fn::ImportValue": "shared"},
   "Cidr": {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}
  }}
 }
}`
	py, _, err := Plan([]byte(yamlBody), testInput())
	if err != nil {
		t.Fatal(err)
	}
	pj, _, err := Plan([]byte(jsonBody), testInput())
	if err != nil {
		t.Fatal(err)
	}
	gy, _ := json.Marshal(py)
	gj, _ := json.Marshal(pj)
	if string(gy) != string(gj) {
		t.Errorf("short form plan:\n%s\nlong form plan:\n%s", gy, gj)
	}
}

// errResolver fails every lookup.
type errResolver struct{ err error }

func (r errResolver) PhysicalID(string) (string, error)     { return "", r.err }
func (r errResolver) Attribute(string, string) (any, error) { return nil, r.err }
func (r errResolver) Import(string) (string, error)         { return "", r.err }

func TestResolveErrorsWrap(t *testing.T) {
	t.Parallel()
	errNotCreated := errors.New("not created yet")
	body := []byte(`
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
  A:
    Type: AWS::SSM::Parameter
    Properties:
      Value: !Sub "${Cluster.Arn}"
Outputs:
  Imported:
    Value: !ImportValue other
`)
	p, _, err := Plan(body, testInput())
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Resource("A").ResolveProperties(errResolver{errNotCreated})
	if !errors.Is(err, errNotCreated) {
		t.Errorf("got %v; want it to wrap %v", err, errNotCreated)
	}
	if _, _, err := p.Outputs[0].Resolve(errResolver{errNotCreated}); !errors.Is(err, errNotCreated) {
		t.Errorf("got %v; want it to wrap %v", err, errNotCreated)
	}
	// Properties without expressions resolve without asking the resolver.
	props, err := p.Resource("Cluster").ResolveProperties(errResolver{errNotCreated})
	if err != nil || len(props) != 0 {
		t.Errorf("got %v, %v; want empty properties", props, err)
	}
}

func TestErrorIsValidation(t *testing.T) {
	t.Parallel()
	_, _, err := Plan([]byte(`{"Resources": {"A": {}}}`), testInput())
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v; want *Error", err, err)
	}
	if e.Code != CodeValidation || !IsValidation(err) {
		t.Errorf("got code %q; want %q", e.Code, CodeValidation)
	}
	if want := "Template format error: Every Resources object must contain a Type member."; e.Message != want {
		t.Errorf("got %q; want %q", e.Message, want)
	}
}

var diffTests = []struct {
	name     string
	old, new map[string]any
	want     []PropertyChange
}{
	{"Unchanged", map[string]any{"A": "1", "B": []any{"x"}}, map[string]any{"A": json.Number("1"), "B": []any{"x"}}, nil},
	{"Modified", map[string]any{"A": "1", "B": map[string]any{"C": true}}, map[string]any{"A": "1", "B": map[string]any{"C": false}},
		[]PropertyChange{{"B", ChangeModify}}},
	{"AddedRemoved", map[string]any{"Gone": "x", "Same": "y"}, map[string]any{"New": "z", "Same": "y"},
		[]PropertyChange{{"Gone", ChangeRemove}, {"New", ChangeAdd}}},
	{"ExprChanged", map[string]any{"V": &Expr{Fn: "Ref", Args: "A"}}, map[string]any{"V": &Expr{Fn: "Ref", Args: "B"}},
		[]PropertyChange{{"V", ChangeModify}}},
	{"ListOrder", map[string]any{"L": []any{"a", "b"}}, map[string]any{"L": []any{"b", "a"}},
		[]PropertyChange{{"L", ChangeModify}}},
}

func TestDiff(t *testing.T) {
	t.Parallel()
	for _, tt := range diffTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diff(tt.old, tt.new); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
}

func TestDefaultSSM(t *testing.T) {
	t.Parallel()
	for _, path := range []string{
		"/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id",
		"/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
	} {
		v, ok := DefaultSSM(path)
		if !ok || !strings.HasPrefix(v, "ami-") {
			t.Errorf("DefaultSSM(%q) = %q, %v; want an ami- id", path, v, ok)
		}
	}
	if _, ok := DefaultSSM("/nope"); ok {
		t.Error("DefaultSSM(/nope) found a value")
	}
}

func TestParameterDisplayMasksNoEcho(t *testing.T) {
	t.Parallel()
	p := Parameter{Name: "Password", Type: "String", Value: "hunter2", NoEcho: true}
	b, _ := json.Marshal(p)
	if p.Display() != "****" || strings.Contains(string(b), "hunter2") {
		t.Errorf("got %q and %s; want the value masked", p.Display(), b)
	}
}
