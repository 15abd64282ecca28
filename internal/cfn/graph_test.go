package cfn

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

var orderTests = []struct {
	name string
	ids  []string
	deps map[string][]string
	want []string
	err  string
}{
	{"TemplateOrderWithoutDeps", []string{"C", "A", "B"}, nil, []string{"C", "A", "B"}, ""},
	{"DependencyFirst", []string{"A", "B"}, map[string][]string{"A": {"B"}}, []string{"B", "A"}, ""},
	{"TiesInTemplateOrder", []string{"D", "C", "B", "A"},
		map[string][]string{"D": {"A"}, "C": {"A"}},
		[]string{"B", "A", "D", "C"}, ""},
	{"Diamond", []string{"Top", "Left", "Right", "Base"},
		map[string][]string{"Top": {"Left", "Right"}, "Left": {"Base"}, "Right": {"Base"}},
		[]string{"Base", "Left", "Right", "Top"}, ""},
	{"Cycle", []string{"Free", "A", "B", "Blocked"},
		map[string][]string{"A": {"B"}, "B": {"A"}, "Blocked": {"A"}},
		nil, "Circular dependency between resources: [A, B]"},
	{"SelfCycle", []string{"A"}, map[string][]string{"A": {"A"}}, nil, "Circular dependency between resources: [A]"},
	{"TwoCycles", []string{"A", "B", "C", "D"},
		map[string][]string{"A": {"B"}, "B": {"A"}, "C": {"D"}, "D": {"C"}},
		nil, "Circular dependency between resources: [A, B, C, D]"},
}

func TestOrder(t *testing.T) {
	t.Parallel()
	for _, tt := range orderTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := order(tt.ids, tt.deps)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got error %v; want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
}

// TestOrderAtQuota plans the largest template CloudFormation accepts, a
// chain declared in reverse, the worst case for the ordering scan.
func TestOrderAtQuota(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"Resources": {`)
	for i := maxResources - 1; i >= 0; i-- {
		fmt.Fprintf(&b, `"R%d": {"Type": "AWS::S3::Bucket"`, i)
		if i > 0 {
			fmt.Fprintf(&b, `, "Properties": {"Prev": {"Fn::Sub": "${R%d.Arn}"}}`, i-1)
		}
		b.WriteString("}")
		if i > 0 {
			b.WriteString(",")
		}
	}
	b.WriteString("}}")
	p, _, err := Plan([]byte(b.String()), Input{ResourceTypes: testTypes})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range p.Resources {
		if want := fmt.Sprintf("R%d", i); r.LogicalID != want {
			t.Fatalf("position %d: got %s; want %s", i, r.LogicalID, want)
		}
	}
}
