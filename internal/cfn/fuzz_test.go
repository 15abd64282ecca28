package cfn

import (
	"errors"
	"path/filepath"
	"testing"
)

// FuzzPlan feeds arbitrary bodies, JSON and YAML, to the parser and the
// evaluator. Whatever the input, Plan and Validate must return either a
// result or a validation *Error, never panic; a plan must also resolve.
func FuzzPlan(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, file := range files {
		f.Add(goldenBody(f, filepath.Base(file[:len(file)-len(".txt")])))
	}
	f.Add([]byte(`{"Resources":{"A":{"Type":"AWS::S3::Bucket","Properties":{"X":{"Fn::Sub":"${A.Arn}${!x}${"}}}}}`))
	f.Add([]byte("Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: !GetAtt\n"))
	f.Add([]byte("[1, 2]"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		in := Input{StackName: "s", ResourceTypes: testTypes, Parameters: map[string]string{}}
		p, _, err := Plan(body, in)
		checkResult(t, "Plan", p != nil, err)
		if err == nil {
			for _, r := range p.Resources {
				if _, err := r.ResolveProperties(fakeResolver{}); err != nil && !IsValidation(err) {
					t.Fatalf("resolve %s: %v", r.LogicalID, err)
				}
			}
			for _, o := range p.Outputs {
				if _, _, err := o.Resolve(fakeResolver{}); err != nil && !IsValidation(err) {
					t.Fatalf("resolve output %s: %v", o.LogicalID, err)
				}
			}
		}
		v, err := Validate(body)
		checkResult(t, "Validate", v != nil, err)
	})
}

func checkResult(t *testing.T, what string, ok bool, err error) {
	t.Helper()
	if ok == (err != nil) {
		t.Fatalf("%s returned a result and error %v together (or neither)", what, err)
	}
	var e *Error
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("%s returned %T %v; want *Error", what, err, err)
	}
}
