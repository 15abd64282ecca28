package elb

import (
	"errors"
	"strconv"
	"strings"
)

// Attribute is one Key/Value pair of Describe/Modify*Attributes (§4.1, §4.6).
// The API carries every attribute as a string; the typed attribute structs
// (TargetGroupAttributes, LoadBalancerAttributes) convert to and from it.
type Attribute struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// attrSpec binds one attribute key to a field of the typed struct T. The tables
// built from it give Attributes (the full list, in table order, which is the
// order Describe*Attributes returns) and apply (Modify*Attributes) without one
// hand-written switch per key.
type attrSpec[T any] struct {
	key string
	get func(*T) string
	set func(*T, string) error
}

// applyAttributes sets every attribute on a copy of cur and gathers one
// problem per bad key or value. Keys must match the §4.1 pattern and be known.
func applyAttributes[T any](specs []attrSpec[T], cur T, attrs []Attribute) (T, error) {
	var errs []error
	for _, a := range attrs {
		spec, ok := findSpec(specs, a.Key)
		if !ok {
			// Unknown keys are refused (moto and the service both reject them);
			// the exact message is unconfirmed.
			errs = append(errs, NewValidationError("Attribute key '%s' is not recognized", a.Key))
			continue
		}
		if err := spec.set(&cur, a.Value); err != nil {
			errs = append(errs, err)
		}
	}
	return cur, errors.Join(errs...)
}

// findSpec looks a key up; the tables have about fifteen entries, so a scan
// is as fast as a map and keeps the table order in one place.
func findSpec[T any](specs []attrSpec[T], key string) (attrSpec[T], bool) {
	for _, s := range specs {
		if s.key == key {
			return s, true
		}
	}
	return attrSpec[T]{}, false
}

// listAttributes renders every attribute of v as a Key/Value pair.
func listAttributes[T any](specs []attrSpec[T], v *T) []Attribute {
	out := make([]Attribute, len(specs))
	for i, s := range specs {
		out[i] = Attribute{Key: s.key, Value: s.get(v)}
	}
	return out
}

// errAttrValue is the problem for a value outside what the key accepts. The
// wording is ours (unconfirmed); the code is ValidationError as in ELBv2.
func errAttrValue(key, value, want string) *Error {
	return NewValidationError("Attribute '%s' has an invalid value '%s': it must be %s", key, value, want)
}

// intAttr is an integer attribute within [lo, hi].
func intAttr[T any](key string, lo, hi int, field func(*T) *int) attrSpec[T] {
	return attrSpec[T]{
		key: key,
		get: func(v *T) string { return strconv.Itoa(*field(v)) },
		set: func(v *T, s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < lo || n > hi {
				return errAttrValue(key, s, "an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
			}
			*field(v) = n
			return nil
		},
	}
}

// offIntAttr is an integer attribute whose zero value means "disabled". With
// zeroIsOff the zero is spelled "off" (target_group_health thresholds, §2.1);
// without it the zero is spelled "0" (slow_start.duration_seconds, §4.3).
func offIntAttr[T any](key string, lo, hi int, zeroIsOff bool, field func(*T) *int) attrSpec[T] {
	zero := "0"
	if zeroIsOff {
		zero = "off"
	}
	return attrSpec[T]{
		key: key,
		get: func(v *T) string {
			if n := *field(v); n != 0 {
				return strconv.Itoa(n)
			}
			return zero
		},
		set: func(v *T, s string) error {
			if s == zero {
				*field(v) = 0
				return nil
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < lo || n > hi {
				return errAttrValue(key, s, zero+" or an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
			}
			*field(v) = n
			return nil
		},
	}
}

// boolAttr is a boolean attribute. Only the lower-case words the API
// returns are accepted back.
func boolAttr[T any](key string, field func(*T) *bool) attrSpec[T] {
	return attrSpec[T]{
		key: key,
		get: func(v *T) string { return strconv.FormatBool(*field(v)) },
		set: func(v *T, s string) error {
			switch s {
			case "true":
				*field(v) = true
			case "false":
				*field(v) = false
			default:
				return errAttrValue(key, s, "true or false")
			}
			return nil
		},
	}
}

// enumAttr is a string attribute limited to the allowed values.
func enumAttr[T any](key string, allowed []string, field func(*T) *string) attrSpec[T] {
	return attrSpec[T]{
		key: key,
		get: func(v *T) string { return *field(v) },
		set: func(v *T, s string) error {
			for _, a := range allowed {
				if s == a {
					*field(v) = s
					return nil
				}
			}
			return errAttrValue(key, s, "one of "+strings.Join(allowed, ", "))
		},
	}
}

// stringAttr is a free-form string attribute of at most maxLen bytes.
func stringAttr[T any](key string, maxLen int, field func(*T) *string) attrSpec[T] {
	return attrSpec[T]{
		key: key,
		get: func(v *T) string { return *field(v) },
		set: func(v *T, s string) error {
			if len(s) > maxLen {
				return errAttrValue(key, s, "at most "+strconv.Itoa(maxLen)+" characters")
			}
			*field(v) = s
			return nil
		},
	}
}
