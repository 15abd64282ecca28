package elb

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCodeAndMessage(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantMsg  string
	}{
		{"Nil", nil, "", ""},
		{"Plain", NewTargetGroupNotFound(), CodeTargetGroupNotFound, "The specified target group does not exist."},
		{"Wrapped", fmt.Errorf("create rule %s: %w", "r1", NewPriorityInUse(10)), CodePriorityInUse, "Priority '10' is currently in use"},
		{"Joined", errors.Join(NewValidationError("first"), NewValidationError("second")), CodeValidationError, "first; second"},
		{"JoinedNested", errors.Join(errors.Join(NewValidationError("a")), fmt.Errorf("x: %w", NewValidationError("b"))), CodeValidationError, "a; b"},
		{"Internal", errors.New("disk on fire"), CodeInternalFailure, "An internal error occurred."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode = %q; want %q", got, tt.wantCode)
			}
			if got := ErrorMessage(tt.err); got != tt.wantMsg {
				t.Errorf("ErrorMessage = %q; want %q", got, tt.wantMsg)
			}
		})
	}
}

func TestErrorIsComparableWithErrorsAs(t *testing.T) {
	err := fmt.Errorf("op: %w", NewListenerNotFound())
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeListenerNotFound {
		t.Fatalf("errors.As = %v", e)
	}
	if got := e.Error(); got != "ListenerNotFound: The specified listener does not exist." {
		t.Errorf("Error() = %q", got)
	}
}
