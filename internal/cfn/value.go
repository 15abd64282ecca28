package cfn

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// The parse tree is made of these values:
//
//	*object          a JSON object / YAML mapping, keys in template order
//	[]any            a list
//	string           a string
//	json.Number      a number, kept as its literal text
//	bool, nil        booleans and null
//
// Evaluated values (Plan properties, outputs) use map[string]any instead of
// *object, because only the top-level sections need their order, and may
// contain *Expr where a value depends on resources created later.

// object is an ordered mapping from the parse tree.
type object struct {
	keys []string
	vals map[string]any
}

func newObject() *object { return &object{vals: map[string]any{}} }

// set adds or replaces a member, keeping the first position of the key.
func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *object) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

// single returns the only member of a one-member object, the shape every
// intrinsic function has.
func (o *object) single() (string, any, bool) {
	if len(o.keys) != 1 {
		return "", nil, false
	}
	return o.keys[0], o.vals[o.keys[0]], true
}

// plain converts a parse-tree value into plain Go values (map[string]any),
// leaving intrinsic functions unevaluated in their long form. It is used for
// sections CloudFormation passes through untouched, such as Metadata.
func plain(v any) any {
	switch t := v.(type) {
	case *object:
		m := make(map[string]any, len(t.keys))
		for _, k := range t.keys {
			m[k] = plain(t.vals[k])
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = plain(e)
		}
		return l
	}
	return v
}

// Expr is an intrinsic function that can only be evaluated once the
// resources it refers to exist: Ref to a resource, Fn::GetAtt,
// Fn::ImportValue (when no export lookup was given), and any function whose
// arguments contain one of those. Fn is the function name in long form
// ("Ref", "Fn::GetAtt", "Fn::Join", …) and Args its arguments, already
// evaluated as far as plan time allows (they may contain further *Expr).
// Fn::Sub with run-time variables becomes an Fn::Join with an empty
// delimiter. Resolve finishes an Expr through a Resolver.
type Expr struct {
	Fn   string
	Args any
}

// MarshalJSON renders the expression in CloudFormation's long form,
// {"Fn::GetAtt": ["LB", "DNSName"]}.
func (e *Expr) MarshalJSON() ([]byte, error) {
	return marshalJSON(map[string]any{e.Fn: e.Args})
}

// marshalJSON is json.Marshal without HTML escaping, so "List<Number>" and
// "echo x >> file" stay readable in plans.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// noValue is what Ref AWS::NoValue evaluates to; the enclosing object member
// or list element is removed.
type noValueType struct{}

var noValue = noValueType{}

// containsExpr reports whether v holds a run-time expression anywhere.
func containsExpr(v any) bool {
	switch t := v.(type) {
	case *Expr:
		return true
	case []any:
		for _, e := range t {
			if containsExpr(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if containsExpr(e) {
				return true
			}
		}
	}
	return false
}

// scalarString converts a string, number or boolean to its string form, the
// way CloudFormation coerces scalars where a string is expected.
func scalarString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return string(t), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// toInt converts a number or numeric string to an int.
func toInt(v any) (int, bool) {
	s, ok := scalarString(v)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	return n, true
}

// stringList converts a list of scalars to []string.
func stringList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(l))
	for i, e := range l {
		s, ok := scalarString(e)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

// anyList converts []string to []any, the list type evaluated values use.
func anyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}
