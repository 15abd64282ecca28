package awsapi_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A shape is what the differential test compares of a response: every
// member path present (values ignored) with its type. Paths name members
// from the top of the response: "service.deployments[].id" for JSON,
// "CreateListenerResult.Listeners[].Port" for XML; "[]" is any element of
// a list and "{}" any value of a map. Types are string, number, bool,
// timestamp, list, object and map; a member the AWS model (the
// aws-sdk-go-v2 output type) does not have is "unmodeled:<type>", and a
// value that is not of its model type is "<wire type>!<model type>".
type shape map[string]string

// Model types, from the aws-sdk-go-v2 output types.
const (
	typeString    = "string"
	typeNumber    = "number"
	typeBool      = "bool"
	typeTimestamp = "timestamp"
	typeList      = "list"
	typeObject    = "object"
	typeMap       = "map"
	typeAny       = "any"
)

var timeType = reflect.TypeFor[time.Time]()

// modelType is the type of a member whose Go type in the SDK is t; "" for
// no member.
func modelType(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == nil:
		return ""
	case t == timeType:
		return typeTimestamp
	}
	switch t.Kind() {
	case reflect.String:
		return typeString
	case reflect.Bool:
		return typeBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return typeNumber
	case reflect.Slice, reflect.Array:
		return typeList
	case reflect.Map:
		return typeMap
	case reflect.Struct:
		return typeObject
	}
	return typeAny
}

// deref strips pointers.
func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// member returns the Go type of the member name of the SDK struct t, or
// nil. The SDK names fields after the model's members, capitalised
// ("clusterArn" → ClusterArn).
func member(t reflect.Type, name string) reflect.Type {
	t = deref(t)
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	if f, ok := t.FieldByName(name); ok && f.IsExported() {
		return f.Type
	}
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && strings.EqualFold(f.Name, name) {
			return f.Type
		}
	}
	return nil
}

// elem returns the element type of a list or map type, or nil.
func elem(t reflect.Type) reflect.Type {
	t = deref(t)
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return t.Elem()
	}
	return nil
}

// record notes that path has wire type got where the model says want.
func (s shape) record(path, got, want string) {
	switch {
	case want == "":
		got = "unmodeled:" + got
	case want == typeAny:
	case got != want:
		got += "!" + want
	}
	// Elements of one list may differ (one member present in one element
	// only); the shape is their union, and a type conflict shows.
	if old, ok := s[path]; ok && old != got {
		got = old + "|" + got
	}
	s[path] = got
}

// jsonShape returns the shape of a JSON 1.1 response body whose SDK
// output type is out.
func jsonShape(body []byte, out reflect.Type) (shape, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", body, err)
	}
	s := shape{}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("response %s is not an object", body)
	}
	for k, val := range obj {
		s.walkJSON(k, val, member(out, k))
	}
	return s, nil
}

func (s shape) walkJSON(path string, v any, t reflect.Type) {
	want := modelType(t)
	switch v := v.(type) {
	case map[string]any:
		if want == typeMap {
			s.record(path, typeMap, want)
			for _, val := range v {
				s.walkJSON(path+".{}", val, elem(t))
			}
			return
		}
		s.record(path, typeObject, want)
		for k, val := range v {
			s.walkJSON(path+"."+k, val, member(t, k))
		}
	case []any:
		s.record(path, typeList, want)
		for _, e := range v {
			s.walkJSON(path+"[]", e, elem(t))
		}
	case string:
		s.record(path, typeString, want)
	case json.Number:
		// JSON 1.1 timestamps are epoch seconds (§11.1).
		if want == typeTimestamp {
			s.record(path, typeTimestamp, want)
			return
		}
		s.record(path, typeNumber, want)
	case bool:
		s.record(path, typeBool, want)
	case nil:
		s.record(path, "null", want)
	}
}

// xmlNode is an element of a Query response.
type xmlNode struct {
	name     string
	space    string
	text     string
	children []*xmlNode
}

func parseXML(body []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", body, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: tok.Name.Local, space: tok.Name.Space}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no XML element in %q", body)
	}
	return root, nil
}

// xmlShape returns the shape of a Query response body to op whose SDK
// output type is out, and the namespace of its root element. The shape
// covers <OpResult> (model types from out) and <ResponseMetadata>.
func xmlShape(body []byte, op string, out reflect.Type) (shape, string, error) {
	root, err := parseXML(body)
	if err != nil {
		return nil, "", err
	}
	s := shape{}
	if root.name != op+"Response" {
		s.record(root.name, typeObject, "")
	}
	for _, c := range root.children {
		switch c.name {
		case op + "Result":
			s.record(c.name, typeObject, typeObject)
			for _, m := range c.children {
				s.walkXML(c.name+"."+m.name, m, member(out, m.name))
			}
		case "ResponseMetadata":
			s.record(c.name, typeObject, typeObject)
			for _, m := range c.children {
				if m.name == "RequestId" && len(m.children) == 0 {
					s.record(c.name+"."+m.name, typeString, typeString)
					continue
				}
				s.walkXML(c.name+"."+m.name, m, nil)
			}
		default:
			s.walkXML(c.name, c, nil)
		}
	}
	return s, root.space, nil
}

// walkXML records n and its members. XML carries no types: a list is an
// element of <member> elements, an object one of named elements, and a
// scalar is text that must parse as the model says.
func (s shape) walkXML(path string, n *xmlNode, t reflect.Type) {
	want := modelType(t)
	if len(n.children) > 0 {
		if want == typeList || (want == "" && n.children[0].name == "member") {
			s.record(path, typeList, want)
			for _, c := range n.children {
				if c.name != "member" {
					s.record(path+"."+c.name, typeObject, "")
					continue
				}
				s.walkXML(path+"[]", c, elem(t))
			}
			return
		}
		s.record(path, typeObject, want)
		for _, c := range n.children {
			s.walkXML(path+"."+c.name, c, member(t, c.name))
		}
		return
	}
	// An empty element is an empty list, an empty object or an empty
	// string, as the model says.
	text := strings.TrimSpace(n.text)
	switch want {
	case typeList, typeObject, typeMap, typeString, typeAny:
		s.record(path, want, want)
	case typeNumber:
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			s.record(path, typeString, want)
			return
		}
		s.record(path, typeNumber, want)
	case typeBool:
		if text != "true" && text != "false" {
			s.record(path, typeString, want)
			return
		}
		s.record(path, typeBool, want)
	case typeTimestamp:
		if _, err := time.Parse(time.RFC3339, text); err != nil {
			s.record(path, typeString, want)
			return
		}
		s.record(path, typeTimestamp, want)
	case "":
		s.record(path, typeString, "")
	}
}

// shapeDiff is one difference between the shapes of two answers to the
// same request.
type shapeDiff struct {
	Path string
	// Kind is diffMotoOnly, diffOursOnly or diffType.
	Kind       string
	Ours, Moto string
}

const (
	diffMotoOnly = "moto only"
	diffOursOnly = "ecslocal only"
	diffType     = "type differs"
)

// compareShapes lists the differences between ours and moto's, in path
// order. A member missing on one side is reported once, not once per
// member under it.
func compareShapes(ours, moto shape) []shapeDiff {
	paths := map[string]bool{}
	for p := range ours {
		paths[p] = true
	}
	for p := range moto {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	slices.Sort(sorted)
	var diffs []shapeDiff
	reported := map[string]string{} // path → kind of a missing member
	for _, p := range sorted {
		o, inOurs := ours[p]
		m, inMoto := moto[p]
		var d shapeDiff
		switch {
		case inOurs && inMoto && o == m:
			continue
		case inOurs && inMoto:
			d = shapeDiff{Path: p, Kind: diffType, Ours: o, Moto: m}
		case inOurs:
			d = shapeDiff{Path: p, Kind: diffOursOnly, Ours: o}
		default:
			d = shapeDiff{Path: p, Kind: diffMotoOnly, Moto: m}
		}
		if d.Kind != diffType && reported[parentPath(p)] == d.Kind {
			reported[p] = d.Kind
			continue
		}
		if d.Kind != diffType {
			reported[p] = d.Kind
		}
		diffs = append(diffs, d)
	}
	return diffs
}

// parentPath strips the last member or element step of a path.
func parentPath(p string) string {
	if q, ok := strings.CutSuffix(p, "[]"); ok {
		return q
	}
	if q, ok := strings.CutSuffix(p, ".{}"); ok {
		return q
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// modelProblems lists the members of s that the AWS model does not have
// or whose type is not the model's.
func modelProblems(s shape) []string {
	var out []string
	for p, t := range s {
		if strings.Contains(t, "unmodeled:") || strings.Contains(t, "!") || strings.Contains(t, "|") {
			out = append(out, p+": "+t)
		}
	}
	slices.Sort(out)
	return out
}

// TestShapes pins the shape checker the differential test relies on, so
// that it fails where it must even without moto: a member the model does
// not have, a value of the wrong type, and a missing subtree reported once.
func TestShapes(t *testing.T) {
	type listener struct {
		Port     *int32
		Protocol string
		Actions  []struct{ Type string }
	}
	type describeListenersOutput struct{ Listeners []listener }
	out := reflect.TypeFor[describeListenersOutput]()

	xmlBody := `<DescribeListenersResponse xmlns="ns"><DescribeListenersResult><Listeners><member>` +
		`<Port>eighty</Port><Protocol>HTTP</Protocol><Extra>x</Extra><Actions/>` +
		`</member></Listeners></DescribeListenersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeListenersResponse>`
	got, ns, err := xmlShape([]byte(xmlBody), "DescribeListeners", out)
	if err != nil {
		t.Fatal(err)
	}
	want := shape{
		"DescribeListenersResult":                      "object",
		"DescribeListenersResult.Listeners":            "list",
		"DescribeListenersResult.Listeners[]":          "object",
		"DescribeListenersResult.Listeners[].Port":     "string!number",
		"DescribeListenersResult.Listeners[].Protocol": "string",
		"DescribeListenersResult.Listeners[].Extra":    "unmodeled:string",
		"DescribeListenersResult.Listeners[].Actions":  "list",
		"ResponseMetadata":                             "object",
		"ResponseMetadata.RequestId":                   "string",
	}
	if ns != "ns" || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("xmlShape: got %v %v; want ns %v", ns, got, want)
	}
	if p := modelProblems(got); len(p) != 2 {
		t.Errorf("modelProblems: got %v; want Extra and Port", p)
	}

	jsonBody := `{"Listeners":[{"Port":80,"Protocol":"HTTP","Actions":[{"Type":"forward"}]}]}`
	js, err := jsonShape([]byte(jsonBody), out)
	if err != nil {
		t.Fatal(err)
	}
	if p := modelProblems(js); len(p) != 0 {
		t.Errorf("jsonShape: got problems %v in %v", p, js)
	}
	other := shape{"Listeners": "list", "Listeners[]": "object", "Listeners[].Port": "string"}
	diffs := compareShapes(js, other)
	wantDiffs := []shapeDiff{
		{Path: "Listeners[].Actions", Kind: diffOursOnly, Ours: "list"},
		{Path: "Listeners[].Port", Kind: diffType, Ours: "number", Moto: "string"},
		{Path: "Listeners[].Protocol", Kind: diffOursOnly, Ours: "string"},
	}
	if !slices.Equal(diffs, wantDiffs) {
		t.Errorf("compareShapes: got %+v; want %+v", diffs, wantDiffs)
	}
}
