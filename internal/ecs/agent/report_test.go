package agent

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ecslocal/ecslocal/internal/ecs"
)

func TestTruncateReason(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"Short", "CannotPullContainerError: x", len("CannotPullContainerError: x")},
		{"Exact", strings.Repeat("a", ecs.MaxContainerReason), ecs.MaxContainerReason},
		{"Long", strings.Repeat("a", 2000), ecs.MaxContainerReason},
		// "é" is two bytes: the cut must not split it.
		{"RuneBoundary", strings.Repeat("a", ecs.MaxContainerReason-1) + "é", ecs.MaxContainerReason - 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := truncateReason(tc.in)
			if len(got) != tc.want || !utf8.ValidString(got) {
				t.Errorf("len = %d (valid %v); want %d", len(got), utf8.ValidString(got), tc.want)
			}
		})
	}
}
