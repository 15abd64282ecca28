package httpapi

import "errors"

// Errors returned by ParseID.
var (
	errIDEmpty    = errors.New("empty")
	errIDNotDigit = errors.New("must be a non-negative integer")
	errIDRange    = errors.New("out of range")
)

// ParseID parses a path id: one or more ASCII digits that fit an int64.
// Signs, spaces, fractions and exponents are refused, so "-1", "+1", "1.5"
// and "1e3" are malformed rather than silently coerced as JavaScript's
// Number() would do.
func ParseID(s string) (int64, error) {
	if s == "" {
		return 0, errIDEmpty
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, errIDNotDigit
		}
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, errIDRange
		}
		n = n*10 + d
	}
	return n, nil
}
