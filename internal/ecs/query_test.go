package ecs_test

import (
	"testing"

	"github.com/ecslocal/ecslocal/internal/ecs"
	"github.com/ecslocal/ecslocal/internal/ecs/ecstest"
)

// queryInstance is container instance 1 (t2.micro, us-east-1a, agent
// 1.90.0, registered at ecstest.Now) with a custom attribute, one running
// task and the given task groups.
func queryInput(groups ...string) ecs.QueryInput {
	ci := ecstest.ContainerInstance(1)
	ci.RunningTasksCount = 1
	ci.Attributes = append(ci.Attributes, ecs.Attribute{Name: "stack", Value: "prod"}, ecs.Attribute{Name: "size", Value: "10"})
	return ecs.QueryInput{Instance: ci, TaskGroups: groups}
}

var expressionTests = []struct {
	expr   string
	want   bool
	canon  string // String(); "" means same as expr
	groups []string
}{
	// The §10.2 examples.
	{expr: "attribute:ecs.instance-type =~ t2.*", want: true},
	{expr: "attribute:ecs.instance-type =~ m4.*", want: false},
	{expr: "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", want: true},
	{expr: "attribute:ecs.availability-zone in [us-east-1b, us-east-1c]", want: false},
	{expr: "task:group == service:production", want: true, groups: []string{"service:api", "service:production"}},
	{expr: "task:group == service:production", want: false, groups: []string{"service:api"}},
	{expr: "not(task:group == database)", want: true, canon: "!(task:group == database)"},
	{expr: "not(task:group == database)", want: false, canon: "!(task:group == database)", groups: []string{"database"}},
	{expr: "runningTasksCount == 1", want: true},
	{expr: "agentVersion < 1.14.5", want: false},
	{expr: "agentVersion > 1.14.5", want: true},
	{expr: "agentVersion >= 1.90.0", want: true},
	{expr: "registeredAt < 2018-02-13", want: false},
	{expr: "registeredAt > 2018-02-13", want: true},
	{expr: "registeredAt <= 2026-01-02T03:04:05.678Z", want: true},
	{expr: "ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", want: false, canon: "ec2InstanceId in [i-abcd1234, i-wxyx7890]"},
	{expr: "ec2InstanceId in ['i-00000000000000001', 'i-wxyx7890']", want: true, canon: "ec2InstanceId in [i-00000000000000001, i-wxyx7890]"},
	// Word operators, compounds, precedence.
	{expr: "agentConnected equals true", want: true, canon: "agentConnected == true"},
	{expr: "agentConnected == false", want: false},
	{expr: "attribute:stack exists", want: true},
	{expr: "attribute:missing exists", want: false},
	{expr: "attribute:missing !exists", want: true},
	{expr: "attribute:missing not_exists", want: true, canon: "attribute:missing !exists"},
	{expr: "attribute:missing != x", want: true},
	{expr: "attribute:missing == x", want: false},
	{expr: "attribute:stack != prod", want: false},
	{expr: "attribute:stack not_in [dev, test]", want: true, canon: "attribute:stack !in [dev, test]"},
	{expr: "attribute:stack !in [prod]", want: false},
	{expr: "attribute:stack in prod", want: true, canon: "attribute:stack in [prod]"},
	{expr: "attribute:stack matches 'pr.d'", want: true, canon: "attribute:stack =~ pr.d"},
	{expr: "attribute:stack !~ pr", want: true},
	{expr: "attribute:stack not_matches 'p.*'", want: false, canon: "attribute:stack !~ p.*"},
	{expr: "attribute:size > 9", want: true}, // numeric, not "10" < "9"
	{expr: "attribute:size greater_than_equal 10", want: true, canon: "attribute:size >= 10"},
	{expr: "attribute:size less_than 10.5", want: true, canon: "attribute:size < 10.5"},
	{expr: "attribute:stack > alpha", want: true},
	{expr: "attribute:stack == prod && runningTasksCount == 1", want: true, canon: "(attribute:stack == prod && runningTasksCount == 1)"},
	{expr: "attribute:stack == dev or runningTasksCount == 1", want: true, canon: "(attribute:stack == dev || runningTasksCount == 1)"},
	{expr: "attribute:stack == dev || attribute:stack == prod and runningTasksCount == 2", want: false,
		canon: "(attribute:stack == dev || (attribute:stack == prod && runningTasksCount == 2))"},
	{expr: "(attribute:stack == dev || attribute:stack == prod) and runningTasksCount == 1", want: true,
		canon: "((attribute:stack == dev || attribute:stack == prod) && runningTasksCount == 1)"},
	{expr: "!attribute:stack exists", want: false, canon: "!(attribute:stack exists)"},
	{expr: `attribute:stack == "it's"`, want: false},
	{expr: "attribute:stack == 'a b'", want: false},
	{expr: "attribute:stack == ''", want: false},
	{expr: "attribute:stack =~ 'prod|dev'", want: true},
}

func TestExpression(t *testing.T) {
	for _, tt := range expressionTests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := ecs.ParseExpression(tt.expr)
			if err != nil {
				t.Fatalf("ParseExpression: %v", err)
			}
			if got := e.Match(queryInput(tt.groups...)); got != tt.want {
				t.Errorf("Match = %v; want %v", got, tt.want)
			}
			canon := tt.canon
			if canon == "" {
				canon = tt.expr
			}
			if e.String() != canon {
				t.Errorf("String = %q; want %q", e.String(), canon)
			}
			again, err := ecs.ParseExpression(e.String())
			if err != nil || again.String() != e.String() {
				t.Errorf("String does not round-trip: %q → %v, %v", e.String(), again, err)
			}
		})
	}
}

var expressionErrorTests = []struct{ expr, msg string }{
	{"", "Invalid expression '': unexpected end of expression."},
	{"instanceType == t2", `Invalid expression 'instanceType == t2': unknown subject "instanceType".`},
	{"attribute: == x", `Invalid expression 'attribute: == x': unknown subject "attribute:".`},
	{"attribute:x", "Invalid expression 'attribute:x': missing operator."},
	{"attribute:x = y", "Invalid expression 'attribute:x = y': unexpected character '='."},
	{"attribute:x is y", `Invalid expression 'attribute:x is y': unknown operator "is".`},
	{"attribute:x !foo", "Invalid expression 'attribute:x !foo': unknown operator '!'."},
	{"attribute:x ==", "Invalid expression 'attribute:x ==': missing value."},
	{"attribute:x == (y)", `Invalid expression 'attribute:x == (y)': unexpected "(".`},
	{"attribute:x in [a, b", "Invalid expression 'attribute:x in [a, b': missing ']'."},
	{"attribute:x == 'y", "Invalid expression 'attribute:x == 'y': unterminated quoted value."},
	{"(attribute:x exists", "Invalid expression '(attribute:x exists': missing ')'."},
	{"attribute:x exists y", `Invalid expression 'attribute:x exists y': unexpected "y".`},
	{"attribute:x =~ '('", `Invalid expression 'attribute:x =~ '('': invalid regular expression "(".`},
	{"registeredAt < yesterday", `Invalid expression 'registeredAt < yesterday': invalid date "yesterday".`},
	{"attribute:x exists &&", "Invalid expression 'attribute:x exists &&': unexpected end of expression."},
}

func TestExpressionErrors(t *testing.T) {
	for _, tt := range expressionErrorTests {
		e, err := ecs.ParseExpression(tt.expr)
		if err == nil {
			t.Errorf("ParseExpression(%q) = %v; want an error", tt.expr, e)
			continue
		}
		if ecs.ErrorCode(err) != ecs.CodeInvalidParameterException || ecs.ErrorMessage(err) != tt.msg {
			t.Errorf("ParseExpression(%q) error = %v\nwant %s", tt.expr, err, tt.msg)
		}
	}
	long := make([]byte, ecs.MaxExpressionLen+1)
	for i := range long {
		long[i] = ' '
	}
	if _, err := ecs.ParseExpression(string(long)); ecs.ErrorMessage(err) != "The expression exceeds the maximum length of 2000 characters." {
		t.Errorf("long expression: %v", err)
	}
	deep := ""
	for range 100 {
		deep += "!"
	}
	if _, err := ecs.ParseExpression(deep + "agentConnected == true"); ecs.ErrorMessage(err) != "Invalid expression '"+deep+"agentConnected == true': expression nested too deeply." {
		t.Errorf("deep expression: %v", err)
	}
}

func TestExpressionMatchNilInstance(t *testing.T) {
	e, err := ecs.ParseExpression("agentConnected == true")
	if err != nil {
		t.Fatal(err)
	}
	if e.Match(ecs.QueryInput{}) {
		t.Error("Match without instance = true")
	}
	ci := ecstest.ContainerInstance(1)
	ci.RegisteredAt = ecs.Timestamp{}
	e, _ = ecs.ParseExpression("registeredAt < 2030-01-01")
	if e.Match(ecs.QueryInput{Instance: ci}) {
		t.Error("registeredAt of an unregistered instance matched")
	}
}

// FuzzParseExpression checks the parser never panics, and that whatever
// parses prints to a form that parses to the same thing and evaluates
// without panicking.
func FuzzParseExpression(f *testing.F) {
	for _, tt := range expressionTests {
		f.Add(tt.expr)
	}
	for _, tt := range expressionErrorTests {
		f.Add(tt.expr)
	}
	in := queryInput("service:api")
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ecs.ParseExpression(s)
		if err != nil {
			if ecs.ErrorCode(err) != ecs.CodeInvalidParameterException {
				t.Fatalf("error code %s", ecs.ErrorCode(err))
			}
			return
		}
		want := e.Match(in)
		again, err := ecs.ParseExpression(e.String())
		if err != nil {
			t.Fatalf("String %q of %q does not parse: %v", e.String(), s, err)
		}
		if again.String() != e.String() {
			t.Fatalf("String not stable: %q → %q", e.String(), again.String())
		}
		if again.Match(in) != want {
			t.Fatalf("reparsed %q evaluates differently", e.String())
		}
	})
}
