package cfn

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// paramDecl is one member of the Parameters section.
type paramDecl struct {
	name          string
	typ           string
	description   string
	hasDefault    bool
	def           string
	noEcho        bool
	allowed       []string
	pattern       *regexp.Regexp
	patternText   string
	minLen        *int
	maxLen        *int
	minVal        *float64
	maxVal        *float64
	constraintMsg string
}

var paramProps = map[string]bool{
	"Type": true, "Default": true, "Description": true, "NoEcho": true,
	"AllowedValues": true, "AllowedPattern": true, "MinLength": true,
	"MaxLength": true, "MinValue": true, "MaxValue": true,
	"ConstraintDescription": true,
}

// awsParamTypes are the AWS-specific parameter types. CloudFormation checks
// that their values exist in the account; the local engine cannot, so it
// accepts any value.
var awsParamTypes = map[string]bool{
	"AWS::EC2::AvailabilityZone::Name":   true,
	"AWS::EC2::Image::Id":                true,
	"AWS::EC2::Instance::Id":             true,
	"AWS::EC2::KeyPair::KeyName":         true,
	"AWS::EC2::SecurityGroup::GroupName": true,
	"AWS::EC2::SecurityGroup::Id":        true,
	"AWS::EC2::Subnet::Id":               true,
	"AWS::EC2::Volume::Id":               true,
	"AWS::EC2::VPC::Id":                  true,
	"AWS::Route53::HostedZone::Id":       true,
	"AWS::SSM::Parameter::Name":          true,
}

// paramKind classifies a parameter type.
type paramKind struct {
	list   bool // the value is a comma-delimited list
	number bool // every element must be a number
	ssm    bool // the value is an SSM parameter name to look up
}

// classify returns the kind of a parameter type, or false when CloudFormation
// does not know the type.
func classify(typ string) (paramKind, bool) {
	switch typ {
	case "String":
		return paramKind{}, true
	case "Number":
		return paramKind{number: true}, true
	case "List<Number>":
		return paramKind{list: true, number: true}, true
	case "CommaDelimitedList":
		return paramKind{list: true}, true
	}
	if awsParamTypes[typ] {
		return paramKind{}, true
	}
	if inner, ok := strings.CutPrefix(typ, "List<"); ok {
		inner, ok = strings.CutSuffix(inner, ">")
		if ok && awsParamTypes[inner] && inner != "AWS::SSM::Parameter::Name" {
			return paramKind{list: true}, true
		}
	}
	if inner, ok := strings.CutPrefix(typ, "AWS::SSM::Parameter::Value<"); ok {
		inner, ok = strings.CutSuffix(inner, ">")
		if !ok {
			return paramKind{}, false
		}
		if inner == "List<String>" {
			return paramKind{list: true, ssm: true}, true
		}
		k, ok := classify(inner)
		if !ok || k.ssm || k.number && !k.list && inner != "Number" {
			return paramKind{}, false
		}
		k.ssm, k.number = true, false
		return k, true
	}
	return paramKind{}, false
}

func (t *template) parseParams(root *object) error {
	v, ok := root.get("Parameters")
	if !ok {
		return nil
	}
	o, ok := v.(*object)
	if !ok {
		return formatErr("Parameters must be an object")
	}
	for _, name := range o.keys {
		if !alnum.MatchString(name) {
			return formatErr("Parameter name %s is non alphanumeric.", name)
		}
		body, ok := o.vals[name].(*object)
		if !ok {
			return formatErr("Every Parameters object must contain a Type member.")
		}
		for _, k := range body.keys {
			if !paramProps[k] {
				return formatErr("Invalid template parameter property '%s'", k)
			}
		}
		p, err := parseParam(name, body)
		if err != nil {
			return err
		}
		t.params = append(t.params, p)
		t.paramIndex[name] = p
	}
	return nil
}

func parseParam(name string, body *object) (*paramDecl, error) {
	p := &paramDecl{name: name}
	typ, ok := body.get("Type")
	if !ok {
		return nil, formatErr("Every Parameters object must contain a Type member.")
	}
	if p.typ, ok = typ.(string); !ok {
		return nil, formatErr("Every Parameters object must contain a Type member.")
	}
	if _, ok := classify(p.typ); !ok {
		return nil, formatErr("Unrecognized parameter type: %s", p.typ)
	}
	str := func(key string) (string, bool, error) {
		v, ok := body.get(key)
		if !ok {
			return "", false, nil
		}
		if l, isList := v.([]any); isList && key == "Default" {
			// A list default is accepted for list types and joined.
			ss, ok := stringList(l)
			if !ok {
				return "", false, formatErr("Invalid template parameter property '%s'", key)
			}
			return strings.Join(ss, ","), true, nil
		}
		s, ok := scalarString(v)
		if !ok {
			return "", false, formatErr("Invalid template parameter property '%s'", key)
		}
		return s, true, nil
	}
	var err error
	if p.def, p.hasDefault, err = str("Default"); err != nil {
		return nil, err
	}
	if p.description, _, err = str("Description"); err != nil {
		return nil, err
	}
	if p.constraintMsg, _, err = str("ConstraintDescription"); err != nil {
		return nil, err
	}
	if s, ok, err := str("NoEcho"); err != nil {
		return nil, err
	} else if ok {
		p.noEcho = strings.EqualFold(s, "true")
	}
	if v, ok := body.get("AllowedValues"); ok {
		if p.allowed, ok = stringList(v); !ok {
			return nil, formatErr("Invalid template parameter property 'AllowedValues'")
		}
	}
	if s, ok, err := str("AllowedPattern"); err != nil {
		return nil, err
	} else if ok {
		// CloudFormation matches the whole value against the pattern.
		re, rerr := regexp.Compile(`^(?:` + s + `)$`)
		if rerr != nil {
			return nil, formatErr("Invalid AllowedPattern %s for parameter %s", s, name)
		}
		p.pattern, p.patternText = re, s
	}
	for _, f := range []struct {
		key string
		dst **int
	}{{"MinLength", &p.minLen}, {"MaxLength", &p.maxLen}} {
		if v, ok := body.get(f.key); ok {
			n, ok := toInt(v)
			if !ok {
				return nil, formatErr("Invalid template parameter property '%s'", f.key)
			}
			*f.dst = &n
		}
	}
	for _, f := range []struct {
		key string
		dst **float64
	}{{"MinValue", &p.minVal}, {"MaxValue", &p.maxVal}} {
		if v, ok := body.get(f.key); ok {
			s, _ := scalarString(v)
			n, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, formatErr("Invalid template parameter property '%s'", f.key)
			}
			*f.dst = &n
		}
	}
	return p, nil
}

// check validates one value (one element of a list) against the
// parameter's constraints, with CloudFormation's messages. When a
// ConstraintDescription is set it replaces the constraint-specific text.
func (p *paramDecl) check(v string, k paramKind) error {
	fail := func(format string, args ...any) error {
		if p.constraintMsg != "" {
			return errorf("Parameter '%s' failed to satisfy constraint: %s", p.name, p.constraintMsg)
		}
		return errorf(format, args...)
	}
	if k.number {
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return errorf("Parameter '%s' must be a number", p.name)
		}
		if p.minVal != nil && n < *p.minVal {
			return fail("Parameter '%s' must be a number not less than %s", p.name, fmtNum(*p.minVal))
		}
		if p.maxVal != nil && n > *p.maxVal {
			return fail("Parameter '%s' must be a number not greater than %s", p.name, fmtNum(*p.maxVal))
		}
	}
	if p.allowed != nil {
		ok := false
		for _, a := range p.allowed {
			ok = ok || a == v
		}
		if !ok {
			return fail("Parameter '%s' must be one of AllowedValues", p.name)
		}
	}
	if !k.number {
		n := utf8.RuneCountInString(v)
		if p.minLen != nil && n < *p.minLen {
			return fail("Parameter '%s' must contain at least %d characters", p.name, *p.minLen)
		}
		if p.maxLen != nil && n > *p.maxLen {
			return fail("Parameter '%s' must contain at most %d characters", p.name, *p.maxLen)
		}
		if p.pattern != nil && !p.pattern.MatchString(v) {
			return fail("Parameter '%s' must match pattern %s", p.name, p.patternText)
		}
	}
	return nil
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Parameter is a resolved parameter of a Plan. Value is the value the
// template sees (for SSM parameter types, the looked-up value); it is never
// serialised. Use Display for anything shown to a user: NoEcho parameters
// display as "****".
type Parameter struct {
	Name   string
	Type   string
	Value  string // comma-joined for list types
	NoEcho bool
	// SSMName is the parameter-store name an AWS::SSM::Parameter::Value<…>
	// parameter was given ("" for other types); DescribeStacks shows it as
	// ResolvedValue's source.
	SSMName string
}

// Display returns the value as DescribeStacks shows it: masked for NoEcho.
func (p Parameter) Display() string {
	if p.NoEcho {
		return "****"
	}
	return p.Value
}

// MarshalJSON never reveals a NoEcho value.
func (p Parameter) MarshalJSON() ([]byte, error) {
	v := struct {
		Name    string `json:"Name"`
		Type    string `json:"Type"`
		Value   string `json:"Value"`
		NoEcho  bool   `json:"NoEcho,omitempty"`
		SSMName string `json:"SSMName,omitempty"`
	}{p.Name, p.Type, p.Display(), p.NoEcho, p.SSMName}
	return marshalJSON(v)
}

// resolveParams computes every parameter's value from the input, defaults
// and the SSM lookup, checking constraints. It returns the template-facing
// values (string, or []any of strings for list types) by name.
func (t *template) resolveParams(in Input) ([]Parameter, map[string]any, error) {
	var unknown []string
	for _, k := range sortedKeys(in.Parameters) {
		if _, ok := t.paramIndex[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		return nil, nil, errorf("Parameters: %s do not exist in the template", list(unknown))
	}
	var missing []string
	for _, p := range t.params {
		if _, ok := in.Parameters[p.name]; !ok && !p.hasDefault {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		return nil, nil, errorf("Parameters: %s must have values", list(missing))
	}
	lookup := in.SSM
	if lookup == nil {
		lookup = DefaultSSM
	}
	out := []Parameter{}
	vals := map[string]any{}
	for _, p := range t.params {
		raw, ok := in.Parameters[p.name]
		if !ok {
			raw = p.def
		}
		k, _ := classify(p.typ)
		param := Parameter{Name: p.name, Type: p.typ, NoEcho: p.noEcho}
		if k.ssm {
			// The constraints apply to the parameter-store name the user
			// passed; the template sees the stored value.
			if err := p.check(raw, paramKind{}); err != nil {
				return nil, nil, err
			}
			v, found := lookup(raw)
			if !found {
				return nil, nil, errorf("Unable to fetch parameters %s from parameter store for this account.", list([]string{raw}))
			}
			param.SSMName, raw = raw, v
		}
		param.Value = raw
		if k.list {
			elems := strings.Split(raw, ",")
			if raw == "" {
				elems = []string{}
			}
			for _, e := range elems {
				if k.ssm {
					break
				}
				if err := p.check(e, k); err != nil {
					return nil, nil, err
				}
			}
			vals[p.name] = anyList(elems)
		} else {
			if !k.ssm {
				if err := p.check(raw, k); err != nil {
					return nil, nil, err
				}
			}
			vals[p.name] = raw
		}
		out = append(out, param)
	}
	return out, vals, nil
}

// DefaultSSM resolves the public parameter-store paths the local engine
// knows: the ECS-optimized AMI ids for Amazon Linux 2 and 2023. The ids are
// plausible placeholders; nothing local boots them.
func DefaultSSM(name string) (string, bool) {
	v, ok := defaultSSM[name]
	return v, ok
}

// DefaultSSMParameters returns a copy of the table DefaultSSM answers from,
// for callers that build their own lookup on top of it.
func DefaultSSMParameters() map[string]string {
	out := make(map[string]string, len(defaultSSM))
	for k, v := range defaultSSM {
		out[k] = v
	}
	return out
}

var defaultSSM = map[string]string{
	"/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id":          "ami-0a8e1b4c2d3f40001",
	"/aws/service/ecs/optimized-ami/amazon-linux-2/arm64/recommended/image_id":    "ami-0a8e1b4c2d3f40002",
	"/aws/service/ecs/optimized-ami/amazon-linux-2/gpu/recommended/image_id":      "ami-0a8e1b4c2d3f40003",
	"/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id":       "ami-0b7f2c5d3e4a50001",
	"/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id": "ami-0b7f2c5d3e4a50002",
	"/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id":   "ami-0b7f2c5d3e4a50003",
}
