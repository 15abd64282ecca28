package cfn

import (
	"reflect"
	"testing"
)

var splitSubTests = []struct {
	in   string
	want []subSeg
}{
	{"plain", []subSeg{{text: "plain"}}},
	{"${A}", []subSeg{{text: "A", isVar: true}}},
	{"a-${B.Arn}-c", []subSeg{{text: "a-"}, {text: "B.Arn", isVar: true}, {text: "-c"}}},
	{"${!Literal}", []subSeg{{text: "${Literal}"}}},
	{"x ${!A} ${B}", []subSeg{{text: "x ${A} "}, {text: "B", isVar: true}}},
	{"open ${ only", []subSeg{{text: "open ${ only"}}},
	{"${AWS::Region}${AWS::AccountId}", []subSeg{{text: "AWS::Region", isVar: true}, {text: "AWS::AccountId", isVar: true}}},
	{"", nil},
}

func TestSplitSub(t *testing.T) {
	t.Parallel()
	for _, tt := range splitSubTests {
		if got := splitSub(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitSub(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

var cidrTests = []struct {
	name string
	args []any
	want []any
	err  bool
}{
	{"DocsExample", []any{"192.168.0.0/24", "6", "5"},
		[]any{"192.168.0.0/27", "192.168.0.32/27", "192.168.0.64/27", "192.168.0.96/27", "192.168.0.128/27", "192.168.0.160/27"}, false},
	{"UnmaskedBlock", []any{"10.0.3.7/16", "2", "8"}, []any{"10.0.0.0/24", "10.0.1.0/24"}, false},
	{"IPv6", []any{"2001:db8::/56", "1", "64"}, []any{"2001:db8::/64"}, false},
	{"TooMany", []any{"10.0.0.0/24", "3", "7"}, nil, true},
	{"CountZero", []any{"10.0.0.0/16", "0", "8"}, nil, true},
	{"BitsTooLarge", []any{"10.0.0.0/16", "1", "20"}, nil, true},
	{"BadBlock", []any{"10.0.0/16", "1", "8"}, nil, true},
}

func TestApplyCidr(t *testing.T) {
	t.Parallel()
	for _, tt := range cidrTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyCidr(tt.args)
			if tt.err {
				if !IsValidation(err) {
					t.Fatalf("got %v, %v; want a validation error", got, err)
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

func TestPartition(t *testing.T) {
	t.Parallel()
	for region, want := range map[string][2]string{
		"us-east-1":     {"aws", "amazonaws.com"},
		"cn-north-1":    {"aws-cn", "amazonaws.com.cn"},
		"us-gov-west-1": {"aws-us-gov", "amazonaws.com"},
	} {
		p, s := partition(region)
		if p != want[0] || s != want[1] {
			t.Errorf("partition(%q) = %q, %q; want %q, %q", region, p, s, want[0], want[1])
		}
	}
}

// TestDeferredShapeChecked makes sure a malformed call is rejected at plan
// time even when one of its arguments is only known at run time.
func TestDeferredShapeChecked(t *testing.T) {
	t.Parallel()
	ref := &Expr{Fn: "Ref", Args: "A"}
	for fn, arg := range map[string]any{
		"Fn::Join":   []any{ref},
		"Fn::Select": []any{ref},
		"Fn::Split":  []any{"", ref},
		"Fn::Cidr":   []any{ref, "1"},
	} {
		if _, err := apply(fn, arg); err == nil || err == errDeferred {
			t.Errorf("apply(%s, %v) = %v; want a validation error", fn, arg, err)
		}
	}
	if _, err := apply("Fn::Join", []any{",", []any{"a", ref}}); err != errDeferred {
		t.Errorf("got %v; want errDeferred", err)
	}
}
