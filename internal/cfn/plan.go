package cfn

import (
	"fmt"
	"strings"
)

// Input is everything Plan needs besides the template body.
type Input struct {
	// Parameters holds the values given for the stack; list types are
	// comma-delimited. A parameter that is absent takes its Default.
	Parameters map[string]string
	// StackName is AWS::StackName.
	StackName string
	// StackID is AWS::StackId. If empty, an ARN with a zero UUID is built
	// from the partition, region, account and stack name.
	StackID string
	// Region is AWS::Region. If empty, "us-east-1".
	Region string
	// AccountID is AWS::AccountId. If empty, "123456789012".
	AccountID string
	// NotificationARNs is AWS::NotificationARNs. Nil means an empty list.
	NotificationARNs []string
	// SSM resolves the parameter-store names given to
	// AWS::SSM::Parameter::Value<…> parameters. If nil, DefaultSSM.
	SSM func(name string) (string, bool)
	// Exports resolves Fn::ImportValue at plan time. If nil, imports are
	// kept as *Expr and resolved through Resolver.Import.
	Exports func(name string) (string, bool)
	// ResourceTypes is the set of resource types the deploy layer can
	// create. A resource of any other type is an error, whatever its
	// condition; nil supports nothing.
	ResourceTypes map[string]bool
}

// StackPlan is an evaluated template: what to create, in which order, with
// which properties.
type StackPlan struct {
	Description string `json:"Description,omitempty"`
	// Parameters are the resolved parameters in template order.
	Parameters []Parameter `json:"Parameters"`
	// Conditions holds the outcome of every condition.
	Conditions map[string]bool `json:"Conditions,omitempty"`
	// Resources are the resources to create, in creation order; resources
	// whose condition is false are left out.
	Resources []*Resource `json:"Resources"`
	// Excluded lists, in template order, the resources whose condition is
	// false. On an update the deploy layer deletes those that exist.
	Excluded []string `json:"Excluded,omitempty"`
	// Outputs are the outputs whose condition holds, in template order.
	Outputs []*Output `json:"Outputs,omitempty"`
	// Capabilities lists what the stack must acknowledge
	// (CAPABILITY_IAM, CAPABILITY_NAMED_IAM).
	Capabilities []string `json:"Capabilities,omitempty"`
	// Metadata is the template's Metadata section, unevaluated.
	Metadata any `json:"Metadata,omitempty"`
}

// Resource is one resource of a StackPlan.
type Resource struct {
	LogicalID string `json:"LogicalID"`
	Type      string `json:"Type"`
	// Condition names the condition the resource was declared with (it
	// held, or the resource would not be in the plan).
	Condition string `json:"Condition,omitempty"`
	// Properties has every plan-time intrinsic resolved; values that need
	// created resources are *Expr. Use ResolveProperties to finish them.
	Properties map[string]any `json:"Properties,omitempty"`
	// DependsOn lists every resource this one needs, explicit (DependsOn)
	// and implicit (Ref, Fn::GetAtt, Fn::Sub), in template order.
	DependsOn []string `json:"DependsOn,omitempty"`
	// DeletionPolicy and UpdateReplacePolicy are Delete, Retain, Snapshot
	// or RetainExceptOnCreate; "" means the default, Delete.
	DeletionPolicy      string `json:"DeletionPolicy,omitempty"`
	UpdateReplacePolicy string `json:"UpdateReplacePolicy,omitempty"`
	// CreationPolicy and UpdatePolicy are passed through unevaluated.
	CreationPolicy any `json:"CreationPolicy,omitempty"`
	UpdatePolicy   any `json:"UpdatePolicy,omitempty"`
	// Metadata is evaluated like Properties and may hold *Expr; its
	// references count as dependencies. Finish it with Resolve.
	Metadata any `json:"Metadata,omitempty"`
}

// ResolveProperties finishes the properties through r. Call it after every
// resource in DependsOn exists.
func (r *Resource) ResolveProperties(res Resolver) (map[string]any, error) {
	if r.Properties == nil {
		return map[string]any{}, nil
	}
	v, err := Resolve(r.Properties, res)
	if err != nil {
		return nil, fmt.Errorf("resolve properties of %s: %w", r.LogicalID, err)
	}
	return v.(map[string]any), nil
}

// Output is one output of a Plan.
type Output struct {
	LogicalID   string `json:"LogicalID"`
	Description string `json:"Description,omitempty"`
	Condition   string `json:"Condition,omitempty"`
	// Value and ExportName may hold *Expr; Resolve finishes them.
	Value      any `json:"Value"`
	ExportName any `json:"ExportName,omitempty"`
}

// Resolve returns the output value and export name ("" when not exported)
// once the stack's resources exist. A list value is joined with commas.
func (o *Output) Resolve(r Resolver) (value, exportName string, err error) {
	value, err = resolveString(o.Value, r)
	if err != nil {
		return "", "", fmt.Errorf("resolve output %s: %w", o.LogicalID, err)
	}
	if o.ExportName != nil {
		exportName, err = resolveString(o.ExportName, r)
		if err != nil {
			return "", "", fmt.Errorf("resolve export name of output %s: %w", o.LogicalID, err)
		}
	}
	return value, exportName, nil
}

func resolveString(v any, r Resolver) (string, error) {
	x, err := Resolve(v, r)
	if err != nil {
		return "", err
	}
	if s, ok := scalarString(x); ok {
		return s, nil
	}
	if ss, ok := stringList(x); ok {
		return strings.Join(ss, ","), nil
	}
	return jsonString(x), nil
}

// Resource returns the planned resource with the logical id, or nil.
func (p *StackPlan) Resource(id string) *Resource {
	for _, r := range p.Resources {
		if r.LogicalID == id {
			return r
		}
	}
	return nil
}

// DeletionOrder returns the logical ids in the order to delete them: the
// reverse of the creation order, so nothing is deleted before what needs it.
func (p *StackPlan) DeletionOrder() []string {
	out := make([]string, len(p.Resources))
	for i, r := range p.Resources {
		out[len(out)-1-i] = r.LogicalID
	}
	return out
}

// partition returns AWS::Partition and AWS::URLSuffix for a region.
func partition(region string) (string, string) {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn", "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov", "amazonaws.com"
	}
	return "aws", "amazonaws.com"
}

func (in Input) pseudo() map[string]any {
	region := in.Region
	if region == "" {
		region = "us-east-1"
	}
	account := in.AccountID
	if account == "" {
		account = "123456789012"
	}
	part, suffix := partition(region)
	stackID := in.StackID
	if stackID == "" {
		stackID = fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/00000000-0000-0000-0000-000000000000",
			part, region, account, in.StackName)
	}
	return map[string]any{
		"AWS::AccountId":        account,
		"AWS::NotificationARNs": anyList(in.NotificationARNs),
		"AWS::NoValue":          noValue,
		"AWS::Partition":        part,
		"AWS::Region":           region,
		"AWS::StackId":          stackID,
		"AWS::StackName":        in.StackName,
		"AWS::URLSuffix":        suffix,
	}
}

// Plan parses and evaluates a template body. It returns the plan, warnings
// that do not prevent creating the stack, or an *Error with
// CloudFormation's wording.
func Plan(body []byte, in Input) (*StackPlan, []Warning, error) {
	t, err := parseTemplate(body)
	if err != nil {
		return nil, nil, err
	}
	params, values, err := t.resolveParams(in)
	if err != nil {
		return nil, nil, err
	}
	// Every resource type is checked, conditional or not, so a template
	// that works with one set of parameters works with all.
	var badTypes, badIDs []string
	for _, r := range t.resources {
		if !in.ResourceTypes[r.typ] {
			badTypes = append(badTypes, r.typ)
			badIDs = append(badIDs, r.id)
		}
	}
	if len(badTypes) > 0 {
		return nil, nil, formatErr("Unrecognized resource types: %s (resources %s)", list(dedupe(badTypes)), strings.Join(badIDs, ", "))
	}
	e := &evaluator{
		t: t, params: values, pseudo: in.pseudo(), exports: in.Exports,
		conds: map[string]bool{}, included: map[string]bool{},
	}
	for _, name := range t.conditions.keys {
		if _, err := e.condition(name); err != nil {
			return nil, nil, err
		}
	}
	for _, r := range t.resources {
		e.included[r.id] = r.condition == "" || e.conds[r.condition]
	}

	p := &StackPlan{Description: t.description, Parameters: params, Metadata: t.metadata}
	if len(e.conds) > 0 {
		p.Conditions = e.conds
	}
	e.block = "Resources"
	byID := map[string]*Resource{}
	deps := map[string][]string{}
	var ids []string
	for _, r := range t.resources {
		if !e.included[r.id] {
			p.Excluded = append(p.Excluded, r.id)
			continue
		}
		res := &Resource{
			LogicalID: r.id, Type: r.typ, Condition: r.condition,
			DeletionPolicy: r.deletionPolicy, UpdateReplacePolicy: r.updateReplacePolicy,
			CreationPolicy: r.creationPolicy, UpdatePolicy: r.updatePolicy,
		}
		if r.metadata != nil {
			// Metadata (AWS::CloudFormation::Init, …) may refer to other
			// resources; those references are dependencies too.
			if res.Metadata, err = e.eval(r.metadata); err != nil {
				return nil, nil, err
			}
		}
		if r.properties != nil {
			v, err := e.eval(r.properties)
			if err != nil {
				return nil, nil, err
			}
			switch m := v.(type) {
			case map[string]any:
				res.Properties = m
			case noValueType:
			default:
				return nil, nil, formatErr("Properties of resource %s must be an object", r.id)
			}
		}
		need := map[string]bool{}
		for _, d := range r.dependsOn {
			if !e.included[d] {
				return nil, nil, e.unresolved(d)
			}
			need[d] = true
		}
		exprRefs(res.Properties, need)
		exprRefs(res.Metadata, need)
		for _, other := range t.resources {
			if need[other.id] {
				res.DependsOn = append(res.DependsOn, other.id)
			}
		}
		deps[r.id] = res.DependsOn
		byID[r.id] = res
		ids = append(ids, r.id)
	}
	sorted, err := order(ids, deps)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range sorted {
		p.Resources = append(p.Resources, byID[id])
	}

	e.block = "Outputs"
	for _, o := range t.outputs {
		if o.condition != "" && !e.conds[o.condition] {
			continue
		}
		out := &Output{LogicalID: o.id, Description: o.description, Condition: o.condition}
		if out.Value, err = e.eval(o.value); err != nil {
			return nil, nil, err
		}
		if out.Value == noValue {
			return nil, nil, formatErr("Every Outputs member must contain a Value object")
		}
		if o.hasExport {
			if out.ExportName, err = e.eval(o.exportName); err != nil {
				return nil, nil, err
			}
			if out.ExportName == noValue {
				return nil, nil, formatErr("Output %s is malformed. Export must contain a Name", o.id)
			}
		}
		p.Outputs = append(p.Outputs, out)
	}
	p.Capabilities, _ = t.capabilities()
	return p, append(t.warns, t.warnings()...), nil
}

// exprRefs adds the resources a value refers to through run-time
// expressions.
func exprRefs(v any, need map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		for _, el := range t {
			exprRefs(el, need)
		}
	case []any:
		for _, el := range t {
			exprRefs(el, need)
		}
	case *Expr:
		switch t.Fn {
		case "Ref":
			if s, ok := t.Args.(string); ok {
				need[s] = true
			}
			return
		case "Fn::GetAtt":
			if l, ok := t.Args.([]any); ok && len(l) == 2 {
				if s, ok := l[0].(string); ok {
					need[s] = true
				}
			}
			return
		}
		exprRefs(t.Args, need)
	}
}

// warnings reports parameters that nothing refers to.
func (t *template) warnings() []Warning {
	var r refs
	for _, c := range t.conditions.keys {
		collectRefs(t.conditions.vals[c], &r)
	}
	for _, res := range t.resources {
		if res.properties != nil {
			collectRefs(res.properties, &r)
		}
		collectRefs(res.metadata, &r)
	}
	for _, o := range t.outputs {
		collectRefs(o.value, &r)
		collectRefs(o.exportName, &r)
	}
	used := map[string]bool{}
	for _, n := range r.names {
		used[n] = true
	}
	var ws []Warning
	for _, p := range t.params {
		if !used[p.name] {
			ws = append(ws, Warning{Path: "Parameters/" + p.name, Message: fmt.Sprintf("parameter %s is declared but never referenced", p.name)})
		}
	}
	return ws
}
