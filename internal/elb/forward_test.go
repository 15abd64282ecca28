package elb

import (
	"math/rand/v2"
	"testing"
)

// seqRand returns the scripted numbers in turn and records each n asked for.
type seqRand struct {
	nums []int
	ns   []int
}

func (r *seqRand) IntN(n int) int {
	r.ns = append(r.ns, n)
	v := r.nums[0]
	r.nums = r.nums[1:]
	return v
}

func weighted(ws ...any) *ForwardActionConfig {
	fc := &ForwardActionConfig{}
	for i := 0; i < len(ws); i += 2 {
		t := TargetGroupTuple{TargetGroupARN: ws[i].(string)}
		if w, ok := ws[i+1].(int); ok {
			t.Weight = ptr(w)
		}
		fc.TargetGroups = append(fc.TargetGroups, t)
	}
	return fc
}

func TestWeightedSelectorDeterministic(t *testing.T) {
	s := NewWeightedSelector(weighted("a", 10, "zero", 0, "b", 20))
	// Total 30: [0,10) → a, [10,30) → b; the zero-weight group has no slot.
	r := &seqRand{nums: []int{0, 9, 10, 29}}
	want := []string{"a", "a", "b", "b"}
	for i, w := range want {
		got, ok := s.Select(r)
		if !ok || got != w {
			t.Errorf("draw %d: Select = %q, %v; want %q", i, got, ok, w)
		}
	}
	for _, n := range r.ns {
		if n != 30 {
			t.Errorf("IntN(%d); want IntN(30)", n)
		}
	}
	if s.Contains("zero") || !s.Contains("b") {
		t.Error("Contains: want zero-weight groups excluded")
	}
}

func TestWeightedSelectorEdgeCases(t *testing.T) {
	if _, ok := NewWeightedSelector(weighted("a", 0, "b", 0)).Select(&seqRand{}); ok {
		t.Error("all-zero weights: Select ok; want false")
	}
	if _, ok := NewWeightedSelector(nil).Select(&seqRand{}); ok {
		t.Error("nil config: Select ok; want false")
	}
	// A single group never consults the random source (seqRand would panic).
	if got, ok := NewWeightedSelector(weighted("only", nil)).Select(&seqRand{}); !ok || got != "only" {
		t.Errorf("single group: Select = %q, %v", got, ok)
	}
}

// TestWeightedSelectorProportions checks the §3.5 example (10/20 → 1:2) over
// a seeded source, so the outcome is fixed.
func TestWeightedSelectorProportions(t *testing.T) {
	s := NewWeightedSelector(weighted("a", 10, "b", 20))
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	const n = 30000
	for range n {
		arn, _ := s.Select(r)
		counts[arn]++
	}
	if a := counts["a"]; a < 9500 || a > 10500 {
		t.Errorf("a chosen %d of %d; want about a third", a, n)
	}
}

func TestWeightedSelectorDoesNotAllocate(t *testing.T) {
	s := NewWeightedSelector(weighted("a", 1, "b", 2, "c", 3))
	r := RandFunc(rand.IntN)
	if allocs := testing.AllocsPerRun(100, func() { s.Select(r) }); allocs != 0 {
		t.Errorf("allocs = %v; want 0", allocs)
	}
}
