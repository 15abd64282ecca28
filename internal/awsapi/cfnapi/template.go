package cfnapi

import (
	"context"
	"errors"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/ecslocal/ecslocal/internal/cfn"
)

type getTemplateInput struct {
	StackName     string
	ChangeSetName string
	TemplateStage string
}

type getTemplateResult struct {
	TemplateBody    string   `query:"TemplateBody"`
	StagesAvailable []string `query:"StagesAvailable"`
}

func (h *Handler) getTemplate(ctx context.Context, w *getTemplateInput) (any, error) {
	if w.ChangeSetName != "" {
		// The executor keeps a change set's template to itself; say so
		// rather than answer with the stack's.
		if _, err := h.Stacks.DescribeChangeSet(ctx, w.StackName, w.ChangeSetName); err != nil {
			return nil, err
		}
		return nil, validation("GetTemplate with ChangeSetName is not supported by ecslocal.")
	}
	if err := required("stackName", w.StackName); err != nil {
		return nil, err
	}
	body, err := h.Stacks.GetTemplate(ctx, w.StackName)
	if err != nil {
		return nil, err
	}
	// ecslocal runs no transforms: the processed template is the original.
	return getTemplateResult{TemplateBody: body, StagesAvailable: []string{"Original", "Processed"}}, nil
}

type templateInput struct {
	TemplateBody string
	TemplateURL  string
	StackName    string
}

// templateParameter is the TemplateParameter shape of ValidateTemplate.
type templateParameter struct {
	ParameterKey string  `query:"ParameterKey"`
	DefaultValue *string `query:"DefaultValue"`
	NoEcho       bool    `query:"NoEcho"`
	Description  string  `query:"Description,omitempty"`
}

type validateTemplateResult struct {
	Parameters         []templateParameter `query:"Parameters"`
	Description        string              `query:"Description,omitempty"`
	Capabilities       []string            `query:"Capabilities"`
	CapabilitiesReason string              `query:"CapabilitiesReason,omitempty"`
	DeclaredTransforms []string            `query:"DeclaredTransforms"`
}

// validate runs cfn.Validate on a template body; a missing body is
// CloudFormation's ValidationError.
func validate(w *templateInput) (*cfn.Validation, error) {
	if err := templateSource(w.TemplateURL); err != nil {
		return nil, err
	}
	if w.TemplateBody == "" {
		return nil, validation("Either Template URL or Template Body must be specified.")
	}
	v, err := cfn.Validate([]byte(w.TemplateBody))
	if err != nil {
		var ce *cfn.Error
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, validation("Template format error: %s", err.Error())
	}
	return v, nil
}

func (h *Handler) validateTemplate(_ context.Context, w *templateInput) (any, error) {
	v, err := validate(&templateInput{TemplateBody: w.TemplateBody, TemplateURL: w.TemplateURL})
	if err != nil {
		return nil, err
	}
	out := validateTemplateResult{
		Parameters: []templateParameter{}, Description: v.Description, Capabilities: nonNil(v.Capabilities),
		CapabilitiesReason: v.CapabilitiesReason, DeclaredTransforms: []string{},
	}
	for _, p := range v.Parameters {
		out.Parameters = append(out.Parameters, templateParameter(p))
	}
	return out, nil
}

// parameterDeclaration is the ParameterDeclaration shape of
// GetTemplateSummary.
type parameterDeclaration struct {
	ParameterKey         string  `query:"ParameterKey"`
	DefaultValue         *string `query:"DefaultValue"`
	ParameterType        string  `query:"ParameterType"`
	NoEcho               bool    `query:"NoEcho"`
	Description          string  `query:"Description,omitempty"`
	ParameterConstraints struct {
		AllowedValues []string `query:"AllowedValues,omitempty"`
	} `query:"ParameterConstraints"`
}

type templateSummaryResult struct {
	Parameters         []parameterDeclaration `query:"Parameters"`
	Description        string                 `query:"Description,omitempty"`
	Capabilities       []string               `query:"Capabilities"`
	CapabilitiesReason string                 `query:"CapabilitiesReason,omitempty"`
	ResourceTypes      []string               `query:"ResourceTypes"`
	Version            string                 `query:"Version"`
	DeclaredTransforms []string               `query:"DeclaredTransforms"`
}

// getTemplateSummary summarizes a template body, or the template of a
// stack: what cfn.Validate reports, plus the parameter types, allowed
// values and resource types it does not (read by declarations).
func (h *Handler) getTemplateSummary(ctx context.Context, w *templateInput) (any, error) {
	body := w.TemplateBody
	if w.StackName != "" && body == "" && w.TemplateURL == "" {
		var err error
		if body, err = h.Stacks.GetTemplate(ctx, w.StackName); err != nil {
			return nil, err
		}
	}
	v, err := validate(&templateInput{TemplateBody: body, TemplateURL: w.TemplateURL})
	if err != nil {
		return nil, err
	}
	decl := readDeclarations([]byte(body))
	out := templateSummaryResult{
		Parameters: []parameterDeclaration{}, Description: v.Description, Capabilities: nonNil(v.Capabilities),
		CapabilitiesReason: v.CapabilitiesReason, ResourceTypes: decl.resourceTypes, Version: decl.version,
		DeclaredTransforms: []string{},
	}
	for _, p := range v.Parameters {
		pd := parameterDeclaration{
			ParameterKey: p.ParameterKey, DefaultValue: p.DefaultValue, NoEcho: p.NoEcho, Description: p.Description,
			ParameterType: decl.paramTypes[p.ParameterKey],
		}
		pd.ParameterConstraints.AllowedValues = decl.allowed[p.ParameterKey]
		out.Parameters = append(out.Parameters, pd)
	}
	return out, nil
}

// declarations are the parts of a template GetTemplateSummary shows that
// cfn.Validation does not carry.
type declarations struct {
	version       string
	paramTypes    map[string]string
	allowed       map[string][]string
	resourceTypes []string // distinct, in template order
}

// readDeclarations reads a template that cfn.Validate accepted (JSON is
// YAML too): AWSTemplateFormatVersion, each parameter's Type and
// AllowedValues, and each resource's Type. Short-form intrinsics (!Ref)
// are tags on nodes and do not disturb it.
func readDeclarations(body []byte) declarations {
	d := declarations{version: "2010-09-09", paramTypes: map[string]string{}, allowed: map[string][]string{}, resourceTypes: []string{}}
	var doc yaml.Node
	if yaml.Unmarshal(body, &doc) != nil || len(doc.Content) == 0 {
		return d
	}
	root := doc.Content[0]
	if v := mapGet(root, "AWSTemplateFormatVersion"); v != nil && v.Kind == yaml.ScalarNode {
		d.version = v.Value
	}
	eachEntry(mapGet(root, "Parameters"), func(name string, p *yaml.Node) {
		if t := mapGet(p, "Type"); t != nil && t.Kind == yaml.ScalarNode {
			d.paramTypes[name] = t.Value
		}
		if av := mapGet(p, "AllowedValues"); av != nil && av.Kind == yaml.SequenceNode {
			for _, v := range av.Content {
				if v.Kind == yaml.ScalarNode {
					d.allowed[name] = append(d.allowed[name], v.Value)
				}
			}
		}
	})
	eachEntry(mapGet(root, "Resources"), func(_ string, r *yaml.Node) {
		if t := mapGet(r, "Type"); t != nil && t.Kind == yaml.ScalarNode && !slices.Contains(d.resourceTypes, t.Value) {
			d.resourceTypes = append(d.resourceTypes, t.Value)
		}
	})
	return d
}

// mapGet returns the value of key in a mapping node, or nil.
func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// eachEntry calls fn for every key and value of a mapping node.
func eachEntry(n *yaml.Node, fn func(key string, v *yaml.Node)) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i].Value, n.Content[i+1])
	}
}

// nonNil makes a nil list an empty one, encoded as <Name/>.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
