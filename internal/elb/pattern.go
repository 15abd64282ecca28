package elb

import "strings"

// pattern is a compiled ALB match value (§3.3): '*' matches any run of bytes
// (including none), '?' exactly one byte, and the match is anchored at both
// ends, so "/img/*" matches "/img/a.png" but not "/static/img/a.png".
//
// Compiling splits the value at every '*' into fixed-length segments. A string
// then matches when the first segment is its prefix, the last segment its
// suffix, and the middle segments occur in order in what lies between. Taking
// the leftmost occurrence of each middle segment is optimal because every
// segment has a fixed length: the earliest start gives the earliest end and
// leaves the most room for the rest. So matching never backtracks, runs in
// O(len(s) × len(pattern)) at worst, and allocates nothing.
type pattern struct {
	segs []segment
	// fold makes the match ASCII case-insensitive. Literals are stored in
	// lower case and input bytes are lowered one at a time, so no lowered copy
	// of the input is ever made. Non-ASCII input bytes compare as they are;
	// ALB only matches visible ASCII (§3.3).
	fold bool
	// minLen is the sum of the segment lengths: shorter inputs cannot match.
	minLen int
}

// segment is the text between two '*'. Positions flagged in wild stand for a
// '?' and match any byte; wild is nil when the segment has no '?', which
// selects the faster string comparisons.
type segment struct {
	lit  string
	wild []bool
}

// compilePattern compiles value. With escapes, a backslash makes the next
// byte literal, so `\*` and `\?` match a real '*' or '?' (query-string values
// only, §3.4); a trailing lone backslash is literal.
func compilePattern(value string, fold, escapes bool) pattern {
	p := pattern{fold: fold}
	var lit []byte
	var wild []bool
	hasWild := false
	flush := func() {
		seg := segment{lit: string(lit)}
		if hasWild {
			seg.wild = wild
		}
		p.segs = append(p.segs, seg)
		p.minLen += len(lit)
		lit, wild, hasWild = nil, nil, false
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case escapes && c == '\\' && i+1 < len(value):
			i++
			lit = append(lit, foldByte(value[i], fold))
			wild = append(wild, false)
		case c == '*':
			flush()
		case c == '?':
			lit = append(lit, '?')
			wild = append(wild, true)
			hasWild = true
		default:
			lit = append(lit, foldByte(c, fold))
			wild = append(wild, false)
		}
	}
	flush()
	return p
}

// match reports whether the whole of s matches the pattern.
func (p *pattern) match(s string) bool {
	if len(s) < p.minLen {
		return false
	}
	first := &p.segs[0]
	if len(p.segs) == 1 {
		// No '*': the value must match exactly (modulo '?' and case).
		return len(s) == len(first.lit) && first.matchAt(s, 0, p.fold)
	}
	last := &p.segs[len(p.segs)-1]
	end := len(s) - len(last.lit)
	// minLen guarantees len(first.lit) <= end, so prefix and suffix never
	// overlap.
	if !first.matchAt(s, 0, p.fold) || !last.matchAt(s, end, p.fold) {
		return false
	}
	i := len(first.lit)
	for k := 1; k < len(p.segs)-1; k++ {
		seg := &p.segs[k]
		j := seg.index(s[i:end], p.fold)
		if j < 0 {
			return false
		}
		i += j + len(seg.lit)
	}
	return true
}

// matchAt reports whether the segment matches s at offset i.
func (g *segment) matchAt(s string, i int, fold bool) bool {
	lit := g.lit
	if i+len(lit) > len(s) {
		return false
	}
	if g.wild == nil && !fold {
		return s[i:i+len(lit)] == lit
	}
	for j := 0; j < len(lit); j++ {
		if g.wild != nil && g.wild[j] {
			continue
		}
		if foldByte(s[i+j], fold) != lit[j] {
			return false
		}
	}
	return true
}

// index returns the leftmost offset at which the segment matches in s, or -1.
func (g *segment) index(s string, fold bool) int {
	if g.wild == nil && !fold {
		return strings.Index(s, g.lit)
	}
	for i := 0; i+len(g.lit) <= len(s); i++ {
		if g.matchAt(s, i, fold) {
			return i
		}
	}
	return -1
}

// foldByte lowers an ASCII upper-case letter when fold is set.
func foldByte(c byte, fold bool) byte {
	if fold && 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// countWildcards counts the '*' and '?' in value that act as wildcards, for
// the five-wildcards-per-rule quota (§3.3).
func countWildcards(value string, escapes bool) int {
	n := 0
	for i := 0; i < len(value); i++ {
		switch c := value[i]; {
		case escapes && c == '\\':
			i++
		case c == '*' || c == '?':
			n++
		}
	}
	return n
}
