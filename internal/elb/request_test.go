package elb

import (
	"net/http/httptest"
	"reflect"
	"testing"
)

func TestNewRequestInfo(t *testing.T) {
	r := httptest.NewRequest("GET", "http://Shop.Example.com:8080/a%2Fb/c%20d?x=1&name=john+doe&flag&bad=%zz", nil)
	r.RemoteAddr = "[::ffff:10.1.2.3]:55000"
	r.Header.Add("X-Env", "prod")
	ri := NewRequestInfo(r, ProtocolHTTP, 8080)

	if ri.Method != "GET" {
		t.Errorf("Method = %q", ri.Method)
	}
	if ri.Host != "Shop.Example.com" {
		t.Errorf("Host = %q; want the port stripped", ri.Host)
	}
	if ri.Path != "/a/b/c d" {
		t.Errorf("Path = %q; want the decoded path", ri.Path)
	}
	if ri.RawPath != "/a%2Fb/c%20d" {
		t.Errorf("RawPath = %q; want the escaped path", ri.RawPath)
	}
	if ri.RawQuery != "x=1&name=john+doe&flag&bad=%zz" {
		t.Errorf("RawQuery = %q", ri.RawQuery)
	}
	want := []QueryParam{{"x", "1"}, {"name", "john doe"}, {"flag", ""}, {"bad", "%zz"}}
	if !reflect.DeepEqual(ri.Query, want) {
		t.Errorf("Query = %v; want %v", ri.Query, want)
	}
	if ri.SourceIP.String() != "10.1.2.3" {
		t.Errorf("SourceIP = %v; want the unmapped IPv4 address", ri.SourceIP)
	}
	if ri.Header["X-Env"][0] != "prod" {
		t.Errorf("Header = %v", ri.Header)
	}
	if ri.Protocol != ProtocolHTTP || ri.Port != 8080 {
		t.Errorf("Protocol, Port = %v, %v", ri.Protocol, ri.Port)
	}
}

func TestParseQueryReusesBuffer(t *testing.T) {
	buf := make([]QueryParam, 0, 4)
	out := ParseQuery("a=1&&b=2&", buf)
	if len(out) != 2 || &out[0] != &buf[:1][0] {
		t.Errorf("ParseQuery = %v; want 2 pairs in the given buffer", out)
	}
}

func TestHostWithoutPort(t *testing.T) {
	tests := map[string]string{
		"example.com":      "example.com",
		"example.com:8080": "example.com",
		"[::1]:80":         "[::1]",
		"[::1]":            "[::1]",
		"10.0.0.1:80":      "10.0.0.1",
		"":                 "",
	}
	for in, want := range tests {
		if got := hostWithoutPort(in); got != want {
			t.Errorf("hostWithoutPort(%q) = %q; want %q", in, got, want)
		}
	}
}
