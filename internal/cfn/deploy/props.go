package deploy

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Property values come from cfn: strings, json.Number, bool, nil,
// []any and map[string]any. Templates write numbers both as numbers and as
// strings ("80"), so every accessor here is lenient about scalars, as
// CloudFormation is.

// str returns a scalar as a string ("" for anything else).
func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return ""
}

// intOf parses a scalar as an integer; absent is 0.
func intOf(v any) (int, error) {
	if v == nil {
		return 0, nil
	}
	s := str(v)
	n, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int(f)) {
			return 0, fmt.Errorf("value %q is not an integer", s)
		}
		n = int(f)
	}
	return n, nil
}

// boolOf parses a scalar as a boolean; absent is false.
func boolOf(v any) (bool, error) {
	if v == nil {
		return false, nil
	}
	b, err := strconv.ParseBool(str(v))
	if err != nil {
		return false, fmt.Errorf("value %q is not a boolean", str(v))
	}
	return b, nil
}

// strList returns a list of scalars (or one comma-joined string) as
// strings.
func strList(v any) []string {
	switch t := v.(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, el := range t {
			out = append(out, str(el))
		}
		return out
	case []string:
		return append([]string(nil), t...)
	case string:
		if t == "" {
			return nil
		}
		return strings.Split(t, ",")
	}
	return nil
}

// decode fills out (a pointer) from a property value, matching struct
// fields by their json tag (CloudFormation and the AWS APIs share member
// names) and then case-insensitively, converting scalars leniently.
// Unknown members are ignored.
func decode(v any, out any) error {
	return decodeValue(v, reflect.ValueOf(out).Elem(), "")
}

func decodeValue(v any, dst reflect.Value, path string) error {
	if v == nil {
		return nil
	}
	switch dst.Kind() {
	case reflect.Pointer:
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		return decodeValue(v, dst.Elem(), path)
	case reflect.String:
		dst.SetString(str(v))
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := intOf(v)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		dst.SetInt(int64(n))
	case reflect.Bool:
		b, err := boolOf(v)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		dst.SetBool(b)
	case reflect.Slice:
		l, ok := v.([]any)
		if !ok {
			if ss := strList(v); ss != nil && dst.Type().Elem().Kind() == reflect.String {
				l = make([]any, len(ss))
				for i, s := range ss {
					l[i] = s
				}
			} else {
				return fmt.Errorf("%s: expected a list", path)
			}
		}
		s := reflect.MakeSlice(dst.Type(), len(l), len(l))
		for i, el := range l {
			if err := decodeValue(el, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: expected an object", path)
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(m))
		for k, el := range m {
			ev := reflect.New(dst.Type().Elem()).Elem()
			if err := decodeValue(el, ev, path+"."+k); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k), ev)
		}
		dst.Set(out)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: expected an object", path)
		}
		t := dst.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			el, ok := m[name]
			if !ok {
				for k, x := range m {
					if strings.EqualFold(k, name) || strings.EqualFold(k, f.Name) {
						el, ok = x, true
						break
					}
				}
			}
			if !ok {
				continue
			}
			if err := decodeValue(el, dst.Field(i), path+"."+name); err != nil {
				return err
			}
		}
	case reflect.Interface:
		dst.Set(reflect.ValueOf(v))
	default:
		return fmt.Errorf("%s: cannot decode into %s", path, dst.Kind())
	}
	return nil
}

// randomHex returns n lower-case hex characters.
func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomSuffix returns n upper-case alphanumerics, the suffix
// CloudFormation gives the names it generates.
func randomSuffix(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// physicalName is the name CloudFormation generates for a resource
// without an explicit one: <stack>-<logical>-<suffix>, the stack and
// logical id shortened so the whole fits maxLen.
func physicalName(stack, logical string, maxLen int) string {
	suffix := randomSuffix(12)
	room := maxLen - len(suffix) - 2
	if len(stack)+len(logical) > room {
		half := room / 2
		if len(stack) > half && len(logical) > room-half {
			stack, logical = stack[:half], logical[:room-half]
		} else if len(stack) > half {
			stack = stack[:room-len(logical)]
		} else {
			logical = logical[:room-len(stack)]
		}
	}
	return strings.Trim(stack, "-") + "-" + logical + "-" + suffix
}
