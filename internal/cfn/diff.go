package cfn

import (
	"reflect"
	"sort"
)

// ChangeAction says how a property changed between two versions of a
// resource.
type ChangeAction string

// The actions Diff reports.
const (
	ChangeAdd    ChangeAction = "Add"
	ChangeModify ChangeAction = "Modify"
	ChangeRemove ChangeAction = "Remove"
)

// PropertyChange is one changed top-level property.
type PropertyChange struct {
	Name   string       `json:"Name"`
	Action ChangeAction `json:"Action"`
}

// Diff compares the old and new properties of a resource and returns the
// top-level properties that changed, sorted by name. Scalars compare by
// their string form, as CloudFormation does (80 equals "80"). Whether a
// change needs replacement is the deploy layer's decision, per type.
func Diff(old, updated map[string]any) []PropertyChange {
	var out []PropertyChange
	for k, ov := range old {
		nv, ok := updated[k]
		switch {
		case !ok:
			out = append(out, PropertyChange{Name: k, Action: ChangeRemove})
		case !reflect.DeepEqual(normalize(ov), normalize(nv)):
			out = append(out, PropertyChange{Name: k, Action: ChangeModify})
		}
	}
	for k := range updated {
		if _, ok := old[k]; !ok {
			out = append(out, PropertyChange{Name: k, Action: ChangeAdd})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// normalize turns scalars into strings and expressions into their long
// form so Diff compares meaning rather than representation.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, el := range t {
			m[k] = normalize(el)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, el := range t {
			l[i] = normalize(el)
		}
		return l
	case []string:
		return normalize(anyList(t))
	case *Expr:
		return map[string]any{t.Fn: normalize(t.Args)}
	}
	if s, ok := scalarString(v); ok {
		return s
	}
	return v
}
