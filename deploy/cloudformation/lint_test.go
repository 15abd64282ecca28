// Package cloudformation_test checks the reference system's templates with
// cfn-lint, the linter AWS publishes: they must pass with no error and no
// warning, since the same files deploy to AWS.
package cloudformation_test

import (
	"os"
	"os/exec"
	"testing"
)

func TestTemplatesPassCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cfn-lint is required under CI=true: %v", err)
		}
		t.Skipf("no cfn-lint: %v", err)
	}
	for _, f := range []string{"cluster.yml", "api.yml"} {
		t.Run(f, func(t *testing.T) {
			// cfn-lint exits non-zero on any error (2), warning (4) or
			// informational finding (8).
			out, err := exec.Command(bin, "--", f).CombinedOutput()
			if err != nil || len(out) != 0 {
				t.Fatalf("cfn-lint %s: %v\n%s", f, err, out)
			}
		})
	}
}
