package httpapi_test

import (
	"strconv"
	"testing"

	"github.com/ecslocal/ecslocal/internal/forum/httpapi"
)

var parseIDTests = []struct {
	in   string
	want int64
	ok   bool
}{
	{"0", 0, true},
	{"1", 1, true},
	{"007", 7, true},
	{"9223372036854775807", 1<<63 - 1, true},
	{"9223372036854775808", 0, false},
	{"99999999999999999999", 0, false},
	{"", 0, false},
	{"-1", 0, false},
	{"+1", 0, false},
	{"1.5", 0, false},
	{"1e3", 0, false},
	{" 1", 0, false},
	{"0x10", 0, false},
	{"１", 0, false}, // a full-width digit is not an ASCII digit
}

func TestParseID(t *testing.T) {
	for _, tt := range parseIDTests {
		got, err := httpapi.ParseID(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseID(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// FuzzParseID checks ParseID against strconv: it accepts exactly the
// all-digit strings that fit an int64, and agrees on their value.
func FuzzParseID(f *testing.F) {
	for _, tt := range parseIDTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := httpapi.ParseID(s)
		allDigits := s != ""
		for i := 0; i < len(s); i++ {
			allDigits = allDigits && s[i] >= '0' && s[i] <= '9'
		}
		want, werr := strconv.ParseInt(s, 10, 64)
		wantOK := allDigits && werr == nil
		if (err == nil) != wantOK {
			t.Fatalf("ParseID(%q) err = %v; want ok=%v", s, err, wantOK)
		}
		if wantOK && got != want {
			t.Fatalf("ParseID(%q) = %d; want %d", s, got, want)
		}
	})
}
