package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestErrorPageBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code int
		len  int
	}{
		{503, 162}, // §2.3, observed
		{502, 122}, // §2.3, observed
		{504, 132}, // §2.3, by analogy
	}
	for _, tt := range tests {
		if got := len(errorPageBody(tt.code)); got != tt.len {
			t.Errorf("len(page %d): got %d; want %d", tt.code, got, tt.len)
		}
	}
	want := "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n" +
		"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n"
	if got := errorPageBody(503); got != want {
		t.Errorf("page 503: got %q; want %q", got, want)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestStatusError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   error
		cause error
		want  int
	}{
		{"Refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, nil, 502},
		{"DialTimeout", &net.OpError{Op: "dial", Err: timeoutErr{}}, nil, 504},
		{"Reset", fmt.Errorf("read: %w", syscall.ECONNRESET), nil, 502},
		{"EOF", errors.New("net/http: server closed connection"), nil, 502},
		{"HeaderTimeout", timeoutErr{}, nil, 504},
		{"Deadline", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), nil, 504},
		{"Drained", context.Canceled, errDrainDeadline, 502},
		{"ClientGone", context.Canceled, context.Canceled, StatusClientClosed},
	}
	for _, tt := range tests {
		if got := statusError(tt.err, tt.cause); got != tt.want {
			t.Errorf("%s: got %d; want %d", tt.name, got, tt.want)
		}
	}
}
