package elb

import (
	"strconv"
	"strings"
)

// CodeSet is a compiled Matcher.HttpCode or Matcher.GrpcCode: the set of status
// codes a health check accepts as success (§1.3). It is a bitset so Contains
// is a shift and a mask; the zero value contains nothing.
type CodeSet struct {
	bits [8]uint64 // codes 0..511; ALB HTTP codes stop at 499, gRPC at 99
}

// Ranges accepted by ALB matchers (§1.3).
const (
	minHTTPCode = 200
	maxHTTPCode = 499
	minGRPCCode = 0
	maxGRPCCode = 99
)

// ParseHTTPCodes compiles an ALB Matcher.HttpCode: a code ("200"), a list
// ("200,202") or a range ("200-299"), each code within 200-499 (§1.3). The API
// documents lists and ranges separately; mixing them ("200,300-302") is
// accepted here as a superset (unconfirmed whether ELBv2 accepts it).
func ParseHTTPCodes(s string) (CodeSet, error) {
	return parseCodes(s, "HTTP", minHTTPCode, maxHTTPCode)
}

// ParseGRPCCodes compiles a Matcher.GrpcCode: codes 0-99 in the same list and
// range syntax as ParseHTTPCodes (§1.3).
func ParseGRPCCodes(s string) (CodeSet, error) {
	return parseCodes(s, "gRPC", minGRPCCode, maxGRPCCode)
}

func parseCodes(s, kind string, lo, hi int) (CodeSet, error) {
	var cs CodeSet
	if s == "" {
		return cs, NewValidationError("The %s code matcher cannot be empty", kind)
	}
	for item := range strings.SplitSeq(s, ",") {
		first, last, isRange := strings.Cut(strings.TrimSpace(item), "-")
		a, errA := strconv.Atoi(first)
		b := a
		var errB error
		if isRange {
			b, errB = strconv.Atoi(last)
		}
		if errA != nil || errB != nil || a > b {
			return CodeSet{}, NewValidationError("Invalid %s code matcher '%s': use a code, a comma-separated list or a range such as '%d-%d'", kind, s, lo, hi)
		}
		if a < lo || b > hi {
			return CodeSet{}, NewValidationError("%s codes in matcher '%s' must be between %d and %d", kind, s, lo, hi)
		}
		for c := a; c <= b; c++ {
			cs.bits[c>>6] |= 1 << (c & 63)
		}
	}
	return cs, nil
}

// Contains reports whether code is in the set.
func (cs CodeSet) Contains(code int) bool {
	if code < 0 || code >= 512 {
		return false
	}
	return cs.bits[code>>6]&(1<<(code&63)) != 0
}
