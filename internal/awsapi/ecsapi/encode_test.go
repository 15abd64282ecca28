package ecsapi

import (
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

// encodeTests are Go values and the JSON encode sends for them.
var encodeTests = []struct {
	name string
	in   any
	want string
}{
	{"NilOutput", (*struct{ A int })(nil), `{}`},
	{"Empty", struct{}{}, `{}`},
	{"NullMembersDropped", struct {
		A []string          `json:"a"`
		B *int              `json:"b"`
		C map[string]string `json:"c"`
		D string            `json:"d"`
	}{D: "x"}, `{"d":"x"}`},
	{"FirstMemberNull", struct {
		A []string `json:"a"`
		B int      `json:"b"`
		C []string `json:"c"`
	}{B: 1}, `{"b":1}`},
	{"Nested", map[string]any{"s": []any{map[string]any{"x": nil, "y": []any{nil, 1}}}}, `{"s":[{"y":[null,1]}]}`},
	{"EmptyListsKept", struct {
		A []string `json:"a"`
	}{A: []string{}}, `{"a":[]}`},
	{"NumbersAsWritten", map[string]any{"big": int64(1) << 62, "f": 0.1, "neg": -3}, `{"big":4611686018427387904,"f":0.1,"neg":-3}`},
	{"Strings", map[string]string{"k\"<": "é\n\u2028"}, `{"k\"\u003c":"é\n\u2028"}`},
	{"Timestamp", struct {
		At   ecs.Timestamp `json:"at"`
		Zero ecs.Timestamp `json:"zero"`
	}{At: ecs.At(time.UnixMilli(1450120209495))}, `{"at":1450120209.495}`},
	{"Bools", map[string]bool{"f": false, "t": true}, `{"f":false,"t":true}`},
}

func TestEncode(t *testing.T) {
	t.Parallel()
	for _, c := range encodeTests {
		t.Run(c.name, func(t *testing.T) {
			got, err := encode(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got %s; want %s", got, c.want)
			}
		})
	}
}
