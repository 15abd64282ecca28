package elb

import (
	"strings"
	"testing"
)

var patternTests = []struct {
	pattern string
	fold    bool
	escapes bool
	input   string
	want    bool
}{
	{"/img/*", false, false, "/img/a.png", true},
	{"/img/*", false, false, "/img/", true},
	{"/img/*", false, false, "/img", false},
	{"/img/*", false, false, "/static/img/a.png", false}, // anchored at the start
	{"/img/*", false, false, "/IMG/a.png", false},        // path is case-sensitive
	{"*.jpg", false, false, "/a/b/c.jpg", true},
	{"*.jpg", false, false, "/a/b/c.jpg.exe", false}, // anchored at the end
	{"/a?c", false, false, "/abc", true},
	{"/a?c", false, false, "/ac", false}, // '?' is exactly one byte
	{"/a?c", false, false, "/abbc", false},
	{"*", false, false, "", true},
	{"", false, false, "", true},
	{"", false, false, "x", false},
	{"**", false, false, "anything", true},
	{"/api/*/items/*", false, false, "/api/v1/items/42", true},
	{"/api/*/items/*", false, false, "/api/v1/things/42", false},
	{"a*b*c", false, false, "abc", true},
	{"a*b*c", false, false, "aXbYbZc", true},
	{"a*b*c", false, false, "acb", false},
	{"a*ab", false, false, "aab", true}, // prefix and suffix must not overlap
	{"a*ab", false, false, "ab", false},
	{"*a?b*", false, false, "xxaZbyy", true},
	{"*a?b*", false, false, "xxab", false},
	{"*.example.com", true, false, "Test.Example.COM", true},
	{"*.example.com", true, false, "example.com", false}, // §3.4 example
	{"www.example.com", true, false, "WWW.EXAMPLE.COM", true},
	{"ab?", true, false, "AB?", true},
	{"x\\*y", true, true, "x*y", true}, // escaped '*' is literal
	{"x\\*y", true, true, "xzy", false},
	{"x\\?y", true, true, "x?y", true},
	{"x\\?y", true, true, "xzy", false},
	{"x\\", true, true, "x\\", true}, // trailing lone backslash is literal
	{"x\\*y", false, false, "x\\zzy", true},
	{"caf\xc3\xa9", true, false, "CAF\xc3\xa9", true}, // non-ASCII compares as is
}

func TestPatternMatch(t *testing.T) {
	for _, tt := range patternTests {
		p := compilePattern(tt.pattern, tt.fold, tt.escapes)
		if got := p.match(tt.input); got != tt.want {
			t.Errorf("pattern %q (fold=%v escapes=%v) match %q = %v; want %v", tt.pattern, tt.fold, tt.escapes, tt.input, got, tt.want)
		}
		if got := refMatch(tt.pattern, tt.input, tt.fold, tt.escapes); got != tt.want {
			t.Errorf("reference %q match %q = %v; want %v (the table is wrong)", tt.pattern, tt.input, got, tt.want)
		}
	}
}

func TestCountWildcards(t *testing.T) {
	tests := []struct {
		v       string
		escapes bool
		want    int
	}{
		{"/a/*", false, 1},
		{"*.ex?mple.*", false, 3},
		{`a\*b*`, true, 1},
		{`a\*b*`, false, 2},
		{`\\*`, true, 1},
	}
	for _, tt := range tests {
		if got := countWildcards(tt.v, tt.escapes); got != tt.want {
			t.Errorf("countWildcards(%q, %v) = %d; want %d", tt.v, tt.escapes, got, tt.want)
		}
	}
}

// refToken is one element of a pattern for the reference matcher.
type refToken struct {
	kind byte // '*', '?', or 'l' for a literal byte
	c    byte
}

// refMatch is a deliberately simple reference for the wildcard semantics: a
// dynamic program over (pattern position, input position), written without
// any of compilePattern's segment tricks.
func refMatch(pat, s string, fold, escapes bool) bool {
	var toks []refToken
	for i := 0; i < len(pat); i++ {
		switch c := pat[i]; {
		case escapes && c == '\\' && i+1 < len(pat):
			i++
			toks = append(toks, refToken{'l', pat[i]})
		case c == '*' || c == '?':
			toks = append(toks, refToken{kind: c})
		default:
			toks = append(toks, refToken{'l', c})
		}
	}
	// Folding is ASCII-only: non-ASCII bytes must be equal.
	eq := func(a, b byte) bool {
		if fold && a < 0x80 && b < 0x80 {
			return strings.EqualFold(string(rune(a)), string(rune(b)))
		}
		return a == b
	}
	// ok[j] is true when toks[:i] matches s[:j]; i advances row by row.
	ok := make([]bool, len(s)+1)
	ok[0] = true
	for _, tk := range toks {
		next := make([]bool, len(s)+1)
		for j := 0; j <= len(s); j++ {
			switch tk.kind {
			case '*':
				next[j] = ok[j] || (j > 0 && next[j-1])
			case '?':
				next[j] = j > 0 && ok[j-1]
			default:
				next[j] = j > 0 && ok[j-1] && eq(tk.c, s[j-1])
			}
		}
		ok = next
	}
	return ok[len(s)]
}

// FuzzMatchPattern checks the invariant that the compiled matcher agrees with
// the reference dynamic program for every pattern, input and mode.
func FuzzMatchPattern(f *testing.F) {
	for _, tt := range patternTests {
		f.Add(tt.pattern, tt.input, tt.fold, tt.escapes)
	}
	f.Add("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false)
	f.Add("?*?*?", "ab", true, true)
	f.Fuzz(func(t *testing.T, pat, s string, fold, escapes bool) {
		if len(pat) > 256 || len(s) > 1024 {
			t.Skip()
		}
		p := compilePattern(pat, fold, escapes)
		got := p.match(s)
		if want := refMatch(pat, s, fold, escapes); got != want {
			t.Fatalf("pattern %q (fold=%v escapes=%v) match %q = %v; reference says %v", pat, fold, escapes, s, got, want)
		}
	})
}

func TestPatternMatchDoesNotAllocate(t *testing.T) {
	p := compilePattern("*.EXAMPLE.c?m", true, false)
	allocs := testing.AllocsPerRun(100, func() {
		if !p.match("api.example.com") {
			t.Fatal("no match")
		}
	})
	if allocs != 0 {
		t.Errorf("allocs = %v; want 0", allocs)
	}
}

func BenchmarkPatternMatch(b *testing.B) {
	cases := []struct {
		name, pattern, input string
		fold                 bool
	}{
		{"Exact", "/healthz", "/healthz", false},
		{"Prefix", "/api/*", "/api/v1/users/42", false},
		{"Middle", "/api/*/items/*.json", "/api/v1/items/42.json", false},
		{"HostFold", "*.example.com", "API.Example.COM", true},
		{"QuestionFold", "v?.*.example.com", "v2.eu.EXAMPLE.com", true},
	}
	for _, c := range cases {
		p := compilePattern(c.pattern, c.fold, false)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !p.match(c.input) {
					b.Fatal("no match")
				}
			}
		})
	}
}
