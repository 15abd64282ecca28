package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxDepth bounds nesting so a hostile template cannot exhaust the stack of
// the recursive walkers in this package.
const maxDepth = 128

// parseBody parses a template body. Like CloudFormation, a body whose first
// non-blank character is '{' is JSON; anything else is YAML.
func parseBody(body []byte) (*object, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	var (
		root any
		err  error
	)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		root, err = parseJSON(body)
	} else {
		root, err = parseYAML(body)
	}
	if err != nil {
		return nil, err
	}
	o, ok := root.(*object)
	if !ok {
		return nil, formatErr("At least one Resources member must be defined.")
	}
	return o, nil
}

// parseJSON decodes JSON token by token so object members keep their order.
func parseJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := jsonValue(dec, 0)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data")
		}
	}
	if err != nil {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		line, col := position(body, off)
		return nil, formatErr("JSON not well-formed. (line %d, column %d)", line, col)
	}
	return v, nil
}

func jsonValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			l := []any{}
			for dec.More() {
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return l, nil
		}
		return nil, errors.New("unexpected delimiter")
	default:
		return t, nil // string, json.Number, bool, nil
	}
}

// position converts a byte offset into a 1-based line and column.
func position(body []byte, off int64) (line, col int) {
	if off > int64(len(body)) {
		off = int64(len(body))
	}
	if off < 0 {
		off = 0
	}
	prefix := body[:off]
	line = bytes.Count(prefix, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(prefix, '\n') + 1) + 1
	return line, col
}

// shortForms maps the YAML short-form tags to the long intrinsic names.
var shortForms = map[string]string{
	"!Ref":         "Ref",
	"!Condition":   "Condition",
	"!Sub":         "Fn::Sub",
	"!GetAtt":      "Fn::GetAtt",
	"!Join":        "Fn::Join",
	"!Select":      "Fn::Select",
	"!Split":       "Fn::Split",
	"!FindInMap":   "Fn::FindInMap",
	"!GetAZs":      "Fn::GetAZs",
	"!Base64":      "Fn::Base64",
	"!If":          "Fn::If",
	"!Equals":      "Fn::Equals",
	"!And":         "Fn::And",
	"!Or":          "Fn::Or",
	"!Not":         "Fn::Not",
	"!ImportValue": "Fn::ImportValue",
	"!Cidr":        "Fn::Cidr",
}

var yamlLine = regexp.MustCompile(`line (\d+)(?:, column (\d+))?`)

func parseYAML(body []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, yamlError(err.Error())
	}
	if doc.Kind == 0 {
		return nil, nil
	}
	return yamlValue(&doc, 0)
}

// yamlError turns a yaml.v3 message ("yaml: line 3: mapping values are not
// allowed in this context") into CloudFormation's wording.
func yamlError(msg string) error {
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return formatErr("YAML not well-formed.")
	}
	if m[2] == "" {
		// yaml.v3 reports only a line for most syntax errors.
		return formatErr("YAML not well-formed. (line %s)", m[1])
	}
	return formatErr("YAML not well-formed. (line %s, column %s)", m[1], m[2])
}

func yamlNodeErr(n *yaml.Node, format string, args ...any) error {
	e := formatErr(format, args...)
	e.Message += " (line " + strconv.Itoa(n.Line) + ", column " + strconv.Itoa(n.Column) + ")"
	return e
}

func yamlValue(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, yamlNodeErr(n, "YAML not well-formed.")
	}
	var v any
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		// Aliases would let a small template expand exponentially, and
		// CloudFormation refuses them too.
		return nil, yamlNodeErr(n, "YAML aliases are not allowed in CloudFormation templates")
	case yaml.ScalarNode:
		v = yamlScalar(n)
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			e, err := yamlValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			l = append(l, e)
		}
		v = l
	case yaml.MappingNode:
		o := newObject()
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, yamlNodeErr(k, "YAML not well-formed.")
			}
			val, err := yamlValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			o.set(k.Value, val)
		}
		v = o
	default:
		return nil, yamlNodeErr(n, "YAML not well-formed.")
	}
	return yamlTag(n, v)
}

// yamlTag wraps a value carrying a short-form tag (!Ref, !GetAtt, …) into
// the long form {"Fn::…": value}.
func yamlTag(n *yaml.Node, v any) (any, error) {
	tag := n.Tag
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return v, nil
	}
	long, ok := shortForms[tag]
	if !ok {
		return nil, yamlNodeErr(n, "Unsupported YAML tag %s", tag)
	}
	if long == "Fn::GetAtt" {
		// !GetAtt Resource.Attribute; the attribute may itself contain dots
		// (Outputs.Name of a nested stack, Endpoint.Address).
		if s, ok := v.(string); ok {
			res, attr, _ := strings.Cut(s, ".")
			v = []any{res, attr}
		}
	}
	o := newObject()
	o.set(long, v)
	return o, nil
}

// jsonNumber matches the JSON number grammar.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// yamlScalar converts a scalar by its resolved tag. Timestamps stay strings,
// so an IAM policy's Version: 2012-10-17 keeps its text.
func yamlScalar(n *yaml.Node) any {
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return n.Value // short-form tags take their argument as text
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
	case "!!int":
		if jsonNumber.MatchString(n.Value) {
			return json.Number(n.Value)
		}
		var i int64
		if err := n.Decode(&i); err == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
	case "!!float":
		if jsonNumber.MatchString(n.Value) {
			return json.Number(n.Value)
		}
	}
	return n.Value
}
