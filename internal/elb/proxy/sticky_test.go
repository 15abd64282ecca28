package proxy

import (
	"net/http"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

func TestCookieCodec(t *testing.T) {
	t.Parallel()
	c := cookieCodec{key: []byte("0123456789abcdef0123456789abcdef")}
	now := time.Unix(1_700_000_000, 0)
	key := elb.TargetKey{ID: "i-1", Port: 32768}
	v := c.targetCookie(tgA, key, now.Add(time.Hour))
	if got, ok := c.targetFromCookie(v, tgA, now); !ok || got != key {
		t.Fatalf("open: got %v, %v; want %v, true", got, ok, key)
	}
	if _, ok := c.targetFromCookie(v, tgB, now); ok {
		t.Fatal("other group: got ok; want refused")
	}
	if _, ok := c.targetFromCookie(v, tgA, now.Add(2*time.Hour)); ok {
		t.Fatal("expired: got ok; want refused")
	}
	if _, ok := c.targetFromCookie(v[:len(v)-2]+"AA", tgA, now); ok {
		t.Fatal("tampered: got ok; want refused")
	}
	if _, ok := c.targetFromCookie("garbage!", tgA, now); ok {
		t.Fatal("garbage: got ok; want refused")
	}
	other := cookieCodec{key: []byte("another key")}
	if _, ok := other.targetFromCookie(v, tgA, now); ok {
		t.Fatal("other key: got ok; want refused")
	}
}

func TestRequestCookie(t *testing.T) {
	t.Parallel()
	r := &http.Request{Header: http.Header{"Cookie": {"a=1; AWSALB=xyz; b=2", "AWSALBTG=q"}}}
	if got := requestCookie(r, "AWSALB"); got != "xyz" {
		t.Errorf("AWSALB: got %q; want xyz", got)
	}
	if got := requestCookie(r, "AWSALBTG"); got != "q" {
		t.Errorf("AWSALBTG: got %q; want q", got)
	}
	if got := requestCookie(r, "none"); got != "" {
		t.Errorf("none: got %q; want empty", got)
	}
}
