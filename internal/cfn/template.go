package cfn

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
)

// template is a parsed and structurally checked template. Sections keep
// their order from the body so plans are stable: ties in the creation order
// are broken by template order.
type template struct {
	description string
	metadata    any
	params      []*paramDecl
	paramIndex  map[string]*paramDecl
	mappings    *object
	conditions  *object
	resources   []*resourceDecl
	resIndex    map[string]*resourceDecl
	outputs     []*outputDecl
	// warns collects what parsing accepted but the engine does not do.
	warns []Warning
}

// resourceDecl is one member of the Resources section.
type resourceDecl struct {
	id                  string
	typ                 string
	condition           string
	dependsOn           []string
	properties          *object
	metadata            any // parse tree; intrinsics are evaluated like Properties
	deletionPolicy      string
	updateReplacePolicy string
	creationPolicy      any
	updatePolicy        any
}

// outputDecl is one member of the Outputs section.
type outputDecl struct {
	id          string
	description string
	value       any
	condition   string
	exportName  any
	hasExport   bool
}

// maxResources is CloudFormation's per-template resource quota. It also
// bounds the quadratic ordering in graph.go.
const maxResources = 500

var alnum = regexp.MustCompile(`^[A-Za-z0-9]+$`)

var topLevel = map[string]bool{
	"AWSTemplateFormatVersion": true, "Description": true, "Metadata": true,
	"Parameters": true, "Mappings": true, "Conditions": true, "Resources": true,
	"Outputs": true, "Transform": true, "Rules": true,
}

var resourceAttrs = map[string]bool{
	"Type": true, "Properties": true, "DependsOn": true, "Condition": true,
	"DeletionPolicy": true, "UpdateReplacePolicy": true, "CreationPolicy": true,
	"UpdatePolicy": true, "Metadata": true, "Version": true,
}

var outputAttrs = map[string]bool{"Description": true, "Value": true, "Export": true, "Condition": true}

var policies = map[string]bool{"Delete": true, "Retain": true, "Snapshot": true, "RetainExceptOnCreate": true}

// parseTemplate parses a body and checks its structure: sections, members and
// their attributes, every reference naming something declared, and no
// reference cycle. It does not need parameter values.
func parseTemplate(body []byte) (*template, error) {
	root, err := parseBody(body)
	if err != nil {
		return nil, err
	}
	var bad []string
	for _, k := range root.keys {
		if !topLevel[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		return nil, formatErr("Invalid template property or properties [%s]", strings.Join(bad, ", "))
	}
	if tr, ok := root.get("Transform"); ok {
		// Macros (AWS::Serverless, AWS::LanguageExtensions, …) run inside
		// AWS; the local engine has no way to expand them.
		names := []string{}
		switch t := tr.(type) {
		case string:
			names = append(names, t)
		case []any:
			for _, e := range t {
				if s, ok := e.(string); ok {
					names = append(names, s)
				}
			}
		}
		return nil, formatErr("Transform is not supported by the local engine: [%s]", strings.Join(names, ", "))
	}
	t := &template{paramIndex: map[string]*paramDecl{}, resIndex: map[string]*resourceDecl{}}
	if _, ok := root.get("Rules"); ok {
		// Rules only reject parameter combinations; skipping them makes
		// the local engine more permissive, never wrong about resources.
		t.warns = append(t.warns, Warning{Path: "Rules", Message: "template rules are not evaluated by the local engine"})
	}
	if v, ok := root.get("AWSTemplateFormatVersion"); ok {
		if s, _ := scalarString(v); s != "2010-09-09" {
			return nil, formatErr("Unsupported template format version %v", v)
		}
	}
	if v, ok := root.get("Description"); ok {
		s, ok := v.(string)
		if !ok {
			return nil, formatErr("Description must be a string")
		}
		t.description = s
	}
	if v, ok := root.get("Metadata"); ok {
		t.metadata = plain(v)
	}
	if err := t.parseParams(root); err != nil {
		return nil, err
	}
	if err := t.parseMappings(root); err != nil {
		return nil, err
	}
	if v, ok := root.get("Conditions"); ok {
		o, ok := v.(*object)
		if !ok {
			return nil, formatErr("Conditions must be an object")
		}
		for _, k := range o.keys {
			if !alnum.MatchString(k) {
				return nil, formatErr("Condition name %s is non alphanumeric.", k)
			}
		}
		t.conditions = o
	} else {
		t.conditions = newObject()
	}
	if err := t.parseResources(root); err != nil {
		return nil, err
	}
	if err := t.parseOutputs(root); err != nil {
		return nil, err
	}
	if err := t.checkReferences(); err != nil {
		return nil, err
	}
	return t, nil
}

// parseMappings checks the Mappings section: map name → top-level key →
// second-level key → string or list. Values are looked up by FindInMap.
func (t *template) parseMappings(root *object) error {
	v, ok := root.get("Mappings")
	if !ok {
		t.mappings = newObject()
		return nil
	}
	o, ok := v.(*object)
	if !ok {
		return formatErr("Mappings must be an object")
	}
	for _, name := range o.keys {
		if !alnum.MatchString(name) {
			return formatErr("Mapping name %s is non alphanumeric.", name)
		}
		m, ok := o.vals[name].(*object)
		if !ok {
			return formatErr("Every Mappings member %s must be a map", name)
		}
		for _, k := range m.keys {
			if _, ok := m.vals[k].(*object); !ok {
				return formatErr("Every Mappings attribute must be a String or a List.")
			}
		}
	}
	t.mappings = o
	return nil
}

// parseResources checks every resource's attributes. Properties stay in
// parse-tree form: they are evaluated by Plan once parameters and
// conditions are known.
func (t *template) parseResources(root *object) error {
	v, ok := root.get("Resources")
	if !ok {
		return formatErr("At least one Resources member must be defined.")
	}
	o, ok := v.(*object)
	if !ok || len(o.keys) == 0 {
		return formatErr("At least one Resources member must be defined.")
	}
	if len(o.keys) > maxResources {
		return formatErr("Number of resources, %d, is greater than maximum allowed, %d", len(o.keys), maxResources)
	}
	for _, id := range o.keys {
		if !alnum.MatchString(id) {
			return formatErr("Resource name %s is non alphanumeric.", id)
		}
		if _, dup := t.paramIndex[id]; dup {
			return templateErr("all resources and parameters must have unique names. Common name(s):%s", list([]string{id}))
		}
		body, ok := o.vals[id].(*object)
		if !ok {
			return formatErr("Every Resources object must contain a Type member.")
		}
		r := &resourceDecl{id: id}
		typ, ok := body.get("Type")
		if !ok {
			return formatErr("Every Resources object must contain a Type member.")
		}
		if r.typ, ok = typ.(string); !ok || r.typ == "" {
			return formatErr("Type member of resource %s must be a string", id)
		}
		for _, k := range body.keys {
			if !resourceAttrs[k] {
				return formatErr("Invalid template resource property '%s'", k)
			}
		}
		if p, ok := body.get("Properties"); ok && p != nil {
			if r.properties, ok = p.(*object); !ok {
				return formatErr("Properties of resource %s must be an object", id)
			}
		}
		if c, ok := body.get("Condition"); ok {
			if r.condition, ok = c.(string); !ok {
				return formatErr("Every Condition member must be a string.")
			}
		}
		if d, ok := body.get("DependsOn"); ok {
			switch dv := d.(type) {
			case string:
				r.dependsOn = []string{dv}
			case []any:
				for _, e := range dv {
					s, ok := e.(string)
					if !ok {
						return formatErr("Every DependsOn value must be a string.")
					}
					r.dependsOn = append(r.dependsOn, s)
				}
			default:
				return formatErr("DependsOn must be a string or list of strings.")
			}
		}
		for _, attr := range []struct {
			name string
			dst  *string
		}{{"DeletionPolicy", &r.deletionPolicy}, {"UpdateReplacePolicy", &r.updateReplacePolicy}} {
			pv, ok := body.get(attr.name)
			if !ok {
				continue
			}
			s, _ := pv.(string)
			if !policies[s] {
				return formatErr("Unrecognized %s %v for resource %s", attr.name, pv, id)
			}
			*attr.dst = s
		}
		if m, ok := body.get("Metadata"); ok {
			r.metadata = m
		}
		if c, ok := body.get("CreationPolicy"); ok {
			r.creationPolicy = plain(c)
		}
		if u, ok := body.get("UpdatePolicy"); ok {
			r.updatePolicy = plain(u)
		}
		t.resources = append(t.resources, r)
		t.resIndex[id] = r
	}
	return nil
}

// parseOutputs checks the Outputs section. Value and Export.Name stay
// unevaluated until Plan.
func (t *template) parseOutputs(root *object) error {
	v, ok := root.get("Outputs")
	if !ok {
		return nil
	}
	o, ok := v.(*object)
	if !ok {
		return formatErr("Outputs must be an object")
	}
	for _, id := range o.keys {
		if !alnum.MatchString(id) {
			return formatErr("Output name %s is non alphanumeric.", id)
		}
		body, ok := o.vals[id].(*object)
		if !ok {
			return formatErr("Every Outputs member must contain a Value object")
		}
		for _, k := range body.keys {
			if !outputAttrs[k] {
				return formatErr("Invalid outputs property : [%s]", k)
			}
		}
		out := &outputDecl{id: id}
		if out.value, ok = body.get("Value"); !ok || out.value == nil {
			return formatErr("Every Outputs member must contain a Value object")
		}
		if d, ok := body.get("Description"); ok {
			if out.description, ok = d.(string); !ok {
				return formatErr("Every Description member in Outputs must be a String")
			}
		}
		if c, ok := body.get("Condition"); ok {
			if out.condition, ok = c.(string); !ok {
				return formatErr("Every Condition member must be a string.")
			}
		}
		if e, ok := body.get("Export"); ok {
			eo, ok := e.(*object)
			var name any
			if ok {
				name, ok = eo.get("Name")
			}
			if !ok || name == nil {
				return formatErr("Output %s is malformed. Export must contain a Name", id)
			}
			out.exportName, out.hasExport = name, true
		}
		t.outputs = append(t.outputs, out)
	}
	return nil
}

// pseudoParams are CloudFormation's pseudo parameters.
var pseudoParams = map[string]bool{
	"AWS::AccountId": true, "AWS::NotificationARNs": true, "AWS::NoValue": true,
	"AWS::Partition": true, "AWS::Region": true, "AWS::StackId": true,
	"AWS::StackName": true, "AWS::URLSuffix": true,
}

// refs collects the names a raw value refers to: Ref targets, Fn::GetAtt
// resources, Fn::Sub variables and condition names.
type refs struct {
	names      []string // Ref and Fn::Sub ${Name}
	getAtts    []string // Fn::GetAtt resources
	subAtts    []string // Fn::Sub ${Name.Attr} variables
	conditions []string // Fn::If and Condition
}

// collectRefs walks a raw value without evaluating it, so it sees the
// references in both branches of every Fn::If: CloudFormation rejects an
// undeclared name even in a branch that is never taken.
func collectRefs(v any, r *refs) {
	switch t := v.(type) {
	case *object:
		if k, arg, ok := t.single(); ok {
			switch k {
			case "Ref":
				if s, ok := arg.(string); ok {
					r.names = append(r.names, s)
				}
			case "Fn::GetAtt":
				switch a := arg.(type) {
				case []any:
					if len(a) > 0 {
						if s, ok := a[0].(string); ok {
							r.getAtts = append(r.getAtts, s)
						}
					}
				case string:
					res, _, _ := strings.Cut(a, ".")
					r.getAtts = append(r.getAtts, res)
				}
			case "Fn::Sub":
				collectSubRefs(arg, r)
			case "Fn::If":
				if a, ok := arg.([]any); ok && len(a) > 0 {
					if s, ok := a[0].(string); ok {
						r.conditions = append(r.conditions, s)
					}
				}
			case "Condition":
				if s, ok := arg.(string); ok {
					r.conditions = append(r.conditions, s)
				}
			}
		}
		for _, k := range t.keys {
			collectRefs(t.vals[k], r)
		}
	case []any:
		for _, e := range t {
			collectRefs(e, r)
		}
	}
}

// collectSubRefs adds the variables of an Fn::Sub that are not defined in
// its own variable map.
func collectSubRefs(arg any, r *refs) {
	var (
		str  string
		vars *object
	)
	switch a := arg.(type) {
	case string:
		str = a
	case []any:
		if len(a) != 2 {
			return
		}
		str, _ = a[0].(string)
		vars, _ = a[1].(*object)
	}
	for _, seg := range splitSub(str) {
		if !seg.isVar {
			continue
		}
		if vars != nil {
			if _, ok := vars.get(seg.text); ok {
				continue
			}
		}
		if _, _, dotted := strings.Cut(seg.text, "."); dotted {
			r.subAtts = append(r.subAtts, seg.text)
		} else {
			r.names = append(r.names, seg.text)
		}
	}
}

// checkReferences verifies that every Ref, Fn::GetAtt, Fn::Sub variable,
// DependsOn target and condition name is declared, and that Conditions do
// not refer to resources.
func (t *template) checkReferences() error {
	declared := func(name string) bool {
		_, p := t.paramIndex[name]
		_, r := t.resIndex[name]
		return p || r || pseudoParams[name]
	}
	condDeclared := func(name string) bool { _, ok := t.conditions.get(name); return ok }

	// Conditions may only refer to parameters and other conditions.
	for _, name := range t.conditions.keys {
		var r refs
		collectRefs(t.conditions.vals[name], &r)
		var bad []string
		for _, n := range append(r.names, r.getAtts...) {
			if _, p := t.paramIndex[n]; !p && !pseudoParams[n] {
				bad = append(bad, n)
			}
		}
		if len(bad) > 0 {
			return formatErr("Unresolved dependencies %s. Cannot reference resources in the Conditions block of the template", list(bad))
		}
		for _, c := range r.conditions {
			if !condDeclared(c) {
				return formatErr("Unresolved condition dependencies %s in the Conditions block of the template", list([]string{c}))
			}
		}
	}

	var unresolved []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			unresolved = append(unresolved, n)
		}
	}
	for _, res := range t.resources {
		if res.condition != "" && !condDeclared(res.condition) {
			return formatErr("Unresolved condition dependencies %s in the Resources block of the template", list([]string{res.condition}))
		}
		var r refs
		if res.properties != nil {
			collectRefs(res.properties, &r)
		}
		collectRefs(res.metadata, &r)
		for _, n := range r.names {
			if !declared(n) {
				add(n)
			}
		}
		for _, n := range res.dependsOn {
			if _, ok := t.resIndex[n]; !ok {
				add(n)
			}
		}
		if err := t.checkAtts(r); err != nil {
			return err
		}
		for _, c := range r.conditions {
			if !condDeclared(c) {
				return formatErr("Unresolved condition dependency %s in Fn::If", c)
			}
		}
	}
	if len(unresolved) > 0 {
		return formatErr("Unresolved resource dependencies %s in the Resources block of the template", list(unresolved))
	}
	for _, out := range t.outputs {
		if out.condition != "" && !condDeclared(out.condition) {
			return formatErr("Unresolved condition dependencies %s in the Outputs block of the template", list([]string{out.condition}))
		}
		var r refs
		collectRefs(out.value, &r)
		collectRefs(out.exportName, &r)
		for _, n := range r.names {
			if !declared(n) {
				add(n)
			}
		}
		if err := t.checkAtts(r); err != nil {
			return err
		}
		for _, c := range r.conditions {
			if !condDeclared(c) {
				return formatErr("Unresolved condition dependency %s in Fn::If", c)
			}
		}
	}
	if len(unresolved) > 0 {
		return formatErr("Unresolved resource dependencies %s in the Outputs block of the template", list(unresolved))
	}
	return nil
}

// checkAtts verifies the resources named by Fn::GetAtt and by Fn::Sub
// ${Resource.Attribute} variables.
func (t *template) checkAtts(r refs) error {
	for _, n := range r.getAtts {
		if _, ok := t.resIndex[n]; !ok {
			return templateErr("instance of Fn::GetAtt references undefined resource %s", n)
		}
	}
	for _, v := range r.subAtts {
		res, _, _ := strings.Cut(v, ".")
		if _, ok := t.resIndex[res]; !ok {
			return templateErr("instance of Fn::Sub references invalid resource attribute %s", v)
		}
	}
	return nil
}

// staticDeps returns, for every resource, the resources it may depend on in
// any evaluation of the conditions: Validate uses it to find cycles without
// parameter values.
func (t *template) staticDeps() map[string][]string {
	deps := map[string][]string{}
	for _, res := range t.resources {
		var r refs
		if res.properties != nil {
			collectRefs(res.properties, &r)
		}
		var d []string
		for _, v := range r.subAtts {
			res, _, _ := strings.Cut(v, ".")
			r.getAtts = append(r.getAtts, res)
		}
		for _, n := range append(append(r.names, r.getAtts...), res.dependsOn...) {
			if _, ok := t.resIndex[n]; ok {
				d = append(d, n)
			}
		}
		deps[res.id] = dedupe(d)
	}
	return deps
}

// list renders names the way CloudFormation does in its messages: [A, B].
func list(names []string) string { return "[" + strings.Join(names, ", ") + "]" }

func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsonString renders any evaluated value as compact JSON, for messages and
// comparisons.
func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
