package ecs_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

var timestampTests = []struct {
	name string
	t    time.Time
	json string
}{
	{"Millis", time.UnixMilli(1450120209495), "1450120209.495"},
	{"TrailingZeros", time.UnixMilli(1450120209500), "1450120209.5"},
	{"WholeSecond", time.Unix(1450120209, 0), "1450120209"},
	{"SmallFraction", time.UnixMilli(1450120209007), "1450120209.007"},
	{"BeforeEpoch", time.UnixMilli(-1500), "-1.5"},
}

func TestTimestampMarshal(t *testing.T) {
	for _, tt := range timestampTests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(ecs.At(tt.t))
			if err != nil || string(b) != tt.json {
				t.Fatalf("Marshal = %s, %v; want %s", b, err, tt.json)
			}
			var got ecs.Timestamp
			if err := json.Unmarshal(b, &got); err != nil || !got.Equal(tt.t) {
				t.Errorf("Unmarshal(%s) = %v, %v; want %v", b, got, err, tt.t)
			}
		})
	}
}

func TestTimestampUnmarshal(t *testing.T) {
	for in, want := range map[string]time.Time{
		"1.450120209495E9":   time.UnixMilli(1450120209495),
		"1450120209.4956":    time.UnixMilli(1450120209496), // rounded half up
		"1450120209.4954999": time.UnixMilli(1450120209495),
		"1450120209":         time.Unix(1450120209, 0),
		"null":               {},
	} {
		var got ecs.Timestamp
		if err := json.Unmarshal([]byte(in), &got); err != nil || !got.Equal(want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", in, got.Time, err, want)
		}
	}
	for _, in := range []string{`"2020-01-01"`, `true`, `1e400`, `99999999999999999999`} {
		var got ecs.Timestamp
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("Unmarshal(%s) = %v; want an error", in, got)
		}
	}
}

// TestTimestampOmitZero checks that an unset timestamp member is left out,
// as the API leaves absent members out.
func TestTimestampOmitZero(t *testing.T) {
	b, err := json.Marshal(&ecs.Deployment{ID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["createdAt"]; ok {
		t.Errorf("zero createdAt written: %s", b)
	}
	if !ecs.At(time.Time{}).IsZero() {
		t.Error("At(zero) is not zero")
	}
}
