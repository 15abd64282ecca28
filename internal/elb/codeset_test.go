package elb

import (
	"strings"
	"testing"
)

func TestParseHTTPCodes(t *testing.T) {
	tests := []struct {
		in      string
		yes, no []int
		wantErr string
	}{
		{in: "200", yes: []int{200}, no: []int{201, 199, 500}},
		{in: "200,202", yes: []int{200, 202}, no: []int{201, 203}},
		{in: "200-299", yes: []int{200, 250, 299}, no: []int{199, 300}},
		{in: "200, 300-302", yes: []int{200, 300, 302}, no: []int{201, 303}},
		{in: "499", yes: []int{499}, no: []int{498}},
		{in: "", wantErr: "cannot be empty"},
		{in: "500", wantErr: "between 200 and 499"},
		{in: "199-200", wantErr: "between 200 and 499"},
		{in: "299-200", wantErr: "Invalid HTTP code matcher"},
		{in: "2xx", wantErr: "Invalid HTTP code matcher"},
		{in: "200,", wantErr: "Invalid HTTP code matcher"},
		{in: "200-", wantErr: "Invalid HTTP code matcher"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			cs, err := ParseHTTPCodes(tt.in)
			if tt.wantErr != "" {
				if err == nil || ErrorCode(err) != CodeValidationError || !strings.Contains(ErrorMessage(err), tt.wantErr) {
					t.Fatalf("err = %v; want ValidationError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tt.yes {
				if !cs.Contains(c) {
					t.Errorf("Contains(%d) = false", c)
				}
			}
			for _, c := range tt.no {
				if cs.Contains(c) {
					t.Errorf("Contains(%d) = true", c)
				}
			}
		})
	}
}

func TestParseGRPCCodes(t *testing.T) {
	cs, err := ParseGRPCCodes("0-2,12")
	if err != nil || !cs.Contains(0) || !cs.Contains(12) || cs.Contains(3) {
		t.Errorf("ParseGRPCCodes = %v, %v", cs, err)
	}
	if _, err := ParseGRPCCodes("100"); err == nil {
		t.Error("gRPC code 100 accepted")
	}
	var zero CodeSet
	if zero.Contains(200) || zero.Contains(-1) || zero.Contains(1000) {
		t.Error("zero CodeSet contains something")
	}
}
