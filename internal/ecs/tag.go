package ecs

import (
	"strings"
	"unicode/utf8"
)

// Tag is an ECS resource tag. ECS spells the members in lower case, unlike
// ELBv2's Key/Value.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// KeyValuePair is a name/value pair: container environment variables and
// cluster settings.
type KeyValuePair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Tag limits (§11.4): at most 50 tags, keys 1-128 characters, values 0-256.
const (
	MaxTags        = 50
	MaxTagKeyLen   = 128
	MaxTagValueLen = 256
)

// validateTags appends the problems of a tag list. ECS's exact wording is
// not in the spec; these messages follow its InvalidParameterException style
// (unconfirmed). The "aws:" prefix is reserved for AWS use.
func validateTags(errs []error, tags []Tag) []error {
	if len(tags) > MaxTags {
		errs = append(errs, NewInvalidParameter("The number of tags exceeds the maximum of %d.", MaxTags))
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		switch n := utf8.RuneCountInString(t.Key); {
		case n == 0:
			errs = append(errs, NewInvalidParameter("Tag keys must be between 1 and %d characters.", MaxTagKeyLen))
		case n > MaxTagKeyLen:
			errs = append(errs, NewInvalidParameter("Tag key '%s' exceeds the maximum length of %d characters.", t.Key, MaxTagKeyLen))
		}
		if utf8.RuneCountInString(t.Value) > MaxTagValueLen {
			errs = append(errs, NewInvalidParameter("Tag value for key '%s' exceeds the maximum length of %d characters.", t.Key, MaxTagValueLen))
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			errs = append(errs, NewInvalidParameter("Tag keys beginning with 'aws:' are reserved for AWS use."))
		}
		if seen[t.Key] {
			errs = append(errs, NewInvalidParameter("Duplicate tag key '%s'.", t.Key))
		}
		seen[t.Key] = true
	}
	return errs
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// clonePtr returns a pointer to a copy of *p, or nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// isNameChar reports whether c may appear in an ECS resource name: letters,
// digits, hyphens and underscores (§9.1, §11.4, §12.1).
func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// validName reports whether s is 1-255 name characters.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return true
}
