package elb

// Rand is the random source WeightedSelector draws from. *rand.Rand of
// math/rand/v2 satisfies it; inject a seeded one (or a scripted fake) to make
// selection deterministic.
type Rand interface {
	// IntN returns a uniform integer in [0, n). n is always > 0.
	IntN(n int) int
}

// RandFunc adapts a function to Rand, e.g. RandFunc(rand.IntN) for the
// goroutine-safe global source of math/rand/v2.
type RandFunc func(n int) int

// IntN calls f.
func (f RandFunc) IntN(n int) int { return f(n) }

// WeightedSelector picks a target group of a weighted forward action (§3.5):
// each group receives requests in proportion to its weight (10 and 20 split
// 1:2) and a group of weight 0 receives none. It is immutable after
// NewWeightedSelector and safe for concurrent use; Select allocates nothing.
type WeightedSelector struct {
	arns  []string
	upper []int // upper[i] = sum of weights of groups 0..i
	total int
}

// NewWeightedSelector builds the selector of a forward config. Groups are
// kept in the config's order, which makes Select a pure function of the
// number drawn.
func NewWeightedSelector(fc *ForwardActionConfig) *WeightedSelector {
	s := &WeightedSelector{}
	if fc == nil {
		return s
	}
	for _, t := range fc.TargetGroups {
		w := t.EffectiveWeight()
		if w <= 0 {
			continue // weight 0: never chosen, so not worth a slot
		}
		s.total += w
		s.arns = append(s.arns, t.TargetGroupARN)
		s.upper = append(s.upper, s.total)
	}
	return s
}

// Select returns the chosen target group ARN, drawing one number from r, or
// false when every weight is zero (the caller answers 503; whether ELBv2
// accepts an all-zero forward at all is unconfirmed). With a single group r is
// not consulted.
func (s *WeightedSelector) Select(r Rand) (string, bool) {
	switch len(s.arns) {
	case 0:
		return "", false
	case 1:
		return s.arns[0], true
	}
	n := r.IntN(s.total)
	// At most five groups (§3.5): a linear scan beats a binary search.
	for i, u := range s.upper {
		if n < u {
			return s.arns[i], true
		}
	}
	return s.arns[len(s.arns)-1], true // unreachable for a correct Rand
}

// Contains reports whether arn can be selected (weight > 0). A sticky
// AWSALBTG cookie naming a group the action no longer sends to is ignored.
func (s *WeightedSelector) Contains(arn string) bool {
	for _, a := range s.arns {
		if a == arn {
			return true
		}
	}
	return false
}
