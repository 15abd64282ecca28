package cfn

// iamNameProps maps the IAM resource types to the property that gives them
// an explicit name, which requires CAPABILITY_NAMED_IAM.
var iamNameProps = map[string]string{
	"AWS::IAM::Role":                "RoleName",
	"AWS::IAM::Policy":              "",
	"AWS::IAM::InstanceProfile":     "InstanceProfileName",
	"AWS::IAM::ManagedPolicy":       "ManagedPolicyName",
	"AWS::IAM::User":                "UserName",
	"AWS::IAM::Group":               "GroupName",
	"AWS::IAM::AccessKey":           "",
	"AWS::IAM::UserToGroupAddition": "",
}

// capabilities returns the capabilities the template needs and
// CloudFormation's reason text.
func (t *template) capabilities() ([]string, string) {
	var types []string
	named := false
	for _, r := range t.resources {
		prop, ok := iamNameProps[r.typ]
		if !ok {
			continue
		}
		types = append(types, r.typ)
		if prop != "" && r.properties != nil {
			if _, has := r.properties.get(prop); has {
				named = true
			}
		}
	}
	if len(types) == 0 {
		return nil, ""
	}
	caps := []string{"CAPABILITY_IAM"}
	if named {
		caps = []string{"CAPABILITY_NAMED_IAM"}
	}
	return caps, "The following resource(s) require capabilities: " + list(dedupe(types))
}

// Validation is the answer to ValidateTemplate.
type Validation struct {
	Description        string                `json:"Description,omitempty"`
	Parameters         []ValidationParameter `json:"Parameters"`
	Capabilities       []string              `json:"Capabilities,omitempty"`
	CapabilitiesReason string                `json:"CapabilitiesReason,omitempty"`
}

// ValidationParameter is one entry of ValidateTemplate's Parameters.
type ValidationParameter struct {
	ParameterKey string `json:"ParameterKey"`
	// DefaultValue is nil when the parameter has no Default.
	DefaultValue *string `json:"DefaultValue,omitempty"`
	NoEcho       bool    `json:"NoEcho"`
	Description  string  `json:"Description,omitempty"`
}

// Validate checks a template the way ValidateTemplate does, without
// parameter values: syntax, structure, references and reference cycles.
func Validate(body []byte) (*Validation, error) {
	t, err := parseTemplate(body)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(t.resources))
	for i, r := range t.resources {
		ids[i] = r.id
	}
	if _, err := order(ids, t.staticDeps()); err != nil {
		return nil, err
	}
	v := &Validation{Description: t.description, Parameters: []ValidationParameter{}}
	for _, p := range t.params {
		vp := ValidationParameter{ParameterKey: p.name, NoEcho: p.noEcho, Description: p.description}
		if p.hasDefault {
			d := p.def
			if p.noEcho {
				d = "****"
			}
			vp.DefaultValue = &d
		}
		v.Parameters = append(v.Parameters, vp)
	}
	v.Capabilities, v.CapabilitiesReason = t.capabilities()
	return v, nil
}
