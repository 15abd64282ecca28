package awsapi

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// DecodeQuery fills v, a pointer to a struct, from the parameters of a Query
// protocol request (§7.1): a member is named by its `query` tag, else its
// `json` tag, else its field name; nested structs are Parent.Child; lists are
// Name.member.N (1-based; a list of structs Name.member.N.Field); maps are
// Name.entry.N.key and Name.entry.N.value. Parameters that name no member
// are ignored, as the services do; a value of the wrong type is a
// ValidationError naming the parameter.
func DecodeQuery(params url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("decode query: want a pointer to a struct, got %T", v)
	}
	return decodeStruct(params, "", rv.Elem())
}

// memberName is the wire name of a struct field, or "" to skip it.
func memberName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	for _, key := range []string{"query", "json"} {
		if tag, ok := f.Tag.Lookup(key); ok {
			name, _, _ := strings.Cut(tag, ",")
			if name == "-" {
				return ""
			}
			if name != "" {
				return name
			}
		}
	}
	return f.Name
}

func decodeStruct(params url.Values, prefix string, v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := decodeStruct(params, prefix, v.Field(i)); err != nil {
				return err
			}
			continue
		}
		name := memberName(f)
		if name == "" {
			continue
		}
		if err := decodeValue(params, prefix+name, v.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

// hasPrefix reports whether any parameter is name or starts with name+".".
func hasPrefix(params url.Values, name string) bool {
	if _, ok := params[name]; ok {
		return true
	}
	for k := range params {
		if strings.HasPrefix(k, name+".") {
			return true
		}
	}
	return false
}

func decodeValue(params url.Values, name string, v reflect.Value) error {
	if !hasPrefix(params, name) {
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if err := decodeValue(params, name, elem.Elem()); err != nil {
			return err
		}
		v.Set(elem)
		return nil
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			break
		}
		return decodeStruct(params, name+".", v)
	case reflect.Slice:
		// "Name=" is an empty list.
		out := reflect.MakeSlice(v.Type(), 0, 0)
		for n := 1; ; n++ {
			member := name + ".member." + strconv.Itoa(n)
			if !hasPrefix(params, member) {
				break
			}
			elem := reflect.New(v.Type().Elem()).Elem()
			if err := decodeValue(params, member, elem); err != nil {
				return err
			}
			out = reflect.Append(out, elem)
		}
		v.Set(out)
		return nil
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for n := 1; ; n++ {
			entry := name + ".entry." + strconv.Itoa(n)
			if !hasPrefix(params, entry) {
				break
			}
			k := reflect.New(v.Type().Key()).Elem()
			e := reflect.New(v.Type().Elem()).Elem()
			if err := decodeValue(params, entry+".key", k); err != nil {
				return err
			}
			if err := decodeValue(params, entry+".value", e); err != nil {
				return err
			}
			m.SetMapIndex(k, e)
		}
		v.Set(m)
		return nil
	}
	return decodeScalar(name, params.Get(name), v)
}

func decodeScalar(name, s string, v reflect.Value) error {
	bad := func(want string) error {
		return Errorf("ValidationError", "Value '%s' for parameter %s is invalid. It must be %s.", s, name, want)
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return bad("true or false")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return bad("an integer")
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return bad("a number")
		}
		v.SetFloat(f)
	case reflect.Struct: // time.Time
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return bad("an ISO 8601 timestamp")
		}
		v.Set(reflect.ValueOf(t))
	default:
		return fmt.Errorf("decode query: parameter %s: unsupported type %s", name, v.Type())
	}
	return nil
}

// EncodeQuery is the inverse of DecodeQuery, for clients and tests: it
// flattens v (a struct or pointer to one) into Query parameters.
func EncodeQuery(v any) url.Values {
	out := url.Values{}
	encodeQueryValue(out, "", reflect.ValueOf(v))
	return out
}

func encodeQueryValue(out url.Values, name string, v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		return
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			encodeQueryValue(out, name, v.Elem())
		}
		return
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			out.Set(name, t.UTC().Format(time.RFC3339Nano))
			return
		}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				encodeQueryValue(out, name, v.Field(i))
				continue
			}
			if mn := memberName(f); mn != "" {
				encodeQueryValue(out, joinName(name, mn), v.Field(i))
			}
		}
		return
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		if v.Len() == 0 {
			out.Set(name, "")
		}
		for i := range v.Len() {
			encodeQueryValue(out, name+".member."+strconv.Itoa(i+1), v.Index(i))
		}
		return
	case reflect.Map:
		keys := v.MapKeys()
		sortValues(keys)
		for i, k := range keys {
			entry := name + ".entry." + strconv.Itoa(i+1)
			encodeQueryValue(out, entry+".key", k)
			encodeQueryValue(out, entry+".value", v.MapIndex(k))
		}
		return
	}
	if v.IsZero() && v.Kind() != reflect.Bool {
		return
	}
	out.Set(name, fmt.Sprint(v.Interface()))
}

func joinName(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}
