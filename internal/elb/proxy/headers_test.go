package proxy

import (
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

var (
	rootRE = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)
	idRE   = `1-[0-9a-f]{8}-[0-9a-f]{24}`
)

func TestTraceHeader(t *testing.T) {
	t.Parallel()
	now := time.Unix(0x67891233, 0)
	tests := []struct {
		name string
		in   string
		want *regexp.Regexp
	}{
		{"Absent", "", regexp.MustCompile(`^Root=1-67891233-[0-9a-f]{24}$`)},
		{"RootOnly", "Root=1-5759e988-bd862e3fe1be46a994272793",
			regexp.MustCompile(`^Self=` + idRE + `;Root=1-5759e988-bd862e3fe1be46a994272793$`)},
		{"RootAndCustom", "Root=1-5759e988-bd862e3fe1be46a994272793;CalledFrom=app",
			regexp.MustCompile(`^Self=` + idRE + `;Root=1-5759e988-bd862e3fe1be46a994272793;CalledFrom=app$`)},
		{"SelfUpdated", "Self=1-00000000-000000000000000000000000;Root=1-5759e988-bd862e3fe1be46a994272793",
			regexp.MustCompile(`^Self=1-67891233-[0-9a-f]{24};Root=1-5759e988-bd862e3fe1be46a994272793$`)},
		{"CustomOnly", "CalledFrom=app", regexp.MustCompile(`^Root=` + idRE + `;CalledFrom=app$`)},
		{"TooLarge", "Root=" + strings.Repeat("a", 8000), rootRE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := traceHeader(tt.in, now, newRand(3))
			if !tt.want.MatchString(got) {
				t.Fatalf("got %q; want match of %s", got, tt.want)
			}
			if tt.name == "SelfUpdated" && strings.Contains(got, "Self=1-00000000") {
				t.Fatalf("got %q; want Self replaced", got)
			}
		})
	}
}

func TestOutboundHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host     string
		port     int
		preserve bool
		want     string
	}{
		{"example.com:8080", 80, false, "example.com"},
		{"example.com", 80, false, "example.com"},
		{"example.com:443", 443, false, "example.com"},
		{"example.com", 8081, false, "example.com:8081"},
		{"example.com:9999", 8081, false, "example.com:9999"},
		{"[::1]:8080", 80, false, "[::1]"},
		{"[::1]", 8081, false, "[::1]:8081"},
		{"example.com:8080", 80, true, "example.com:8080"},
	}
	for _, tt := range tests {
		if got := outboundHost(tt.host, tt.port, tt.preserve); got != tt.want {
			t.Errorf("outboundHost(%q, %d, %v): got %q; want %q", tt.host, tt.port, tt.preserve, got, tt.want)
		}
	}
}

func TestOutboundHeader(t *testing.T) {
	t.Parallel()
	client := netip.MustParseAddrPort("127.0.0.1:5555")
	tests := []struct {
		name    string
		mode    string
		port    bool
		xff     []string
		wantXFF []string
	}{
		{"AppendAbsent", "append", false, nil, []string{"127.0.0.1"}},
		{"AppendOne", "append", false, []string{"127.0.0.4"}, []string{"127.0.0.4, 127.0.0.1"}},
		{"AppendTwo", "append", false, []string{"127.0.0.4, 127.0.0.8"}, []string{"127.0.0.4, 127.0.0.8, 127.0.0.1"}},
		{"AppendRepeated", "append", false, []string{"127.0.0.4", "127.0.0.8"}, []string{"127.0.0.4, 127.0.0.8, 127.0.0.1"}},
		{"AppendClientPort", "append", true, nil, []string{"127.0.0.1:5555"}},
		{"Preserve", "preserve", true, []string{"127.0.0.4"}, []string{"127.0.0.4"}},
		{"PreserveAbsent", "preserve", false, nil, nil},
		{"Remove", "remove", true, []string{"127.0.0.4"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := elb.DefaultLoadBalancerAttributes()
			attrs.XFFHeaderProcessingMode, attrs.XFFClientPort = tt.mode, tt.port
			in := http.Header{}
			if tt.xff != nil {
				in["X-Forwarded-For"] = tt.xff
			}
			fi := forwardInfo{Client: client, Protocol: elb.ProtocolHTTP, ListenerPort: 80, Attrs: &attrs, Now: time.Unix(1, 0), Rand: newRand(1)}
			out, _ := outboundHeader(in, &fi)
			if got := out["X-Forwarded-For"]; strings.Join(got, "|") != strings.Join(tt.wantXFF, "|") {
				t.Fatalf("X-Forwarded-For: got %q; want %q", got, tt.wantXFF)
			}
		})
	}
	t.Run("HopByHop", func(t *testing.T) {
		attrs := elb.DefaultLoadBalancerAttributes()
		in := http.Header{
			"Connection":          {"keep-alive, X-Private"},
			"X-Private":           {"secret"},
			"Keep-Alive":          {"timeout=5"},
			"Proxy-Authorization": {"Basic x"},
			"Te":                  {"trailers, deflate"},
			"Upgrade":             {"h2c"},
			"X-Keep":              {"1"},
		}
		fi := forwardInfo{Client: client, Protocol: elb.ProtocolHTTP, ListenerPort: 8080, Attrs: &attrs, Now: time.Unix(1, 0), Rand: newRand(1)}
		out, _ := outboundHeader(in, &fi)
		for _, h := range []string{"Connection", "X-Private", "Keep-Alive", "Proxy-Authorization", "Upgrade"} {
			if v, ok := out[h]; ok {
				t.Errorf("%s: got %q; want removed", h, v)
			}
		}
		if got := out.Get("Te"); got != "trailers" {
			t.Errorf("Te: got %q; want trailers", got)
		}
		if got := out.Get("X-Keep"); got != "1" {
			t.Errorf("X-Keep: got %q; want 1", got)
		}
		if got, want := out.Get("X-Forwarded-Proto")+" "+out.Get("X-Forwarded-Port"), "http 8080"; got != want {
			t.Errorf("X-Forwarded-Proto/Port: got %q; want %q", got, want)
		}
		if in.Get("X-Private") != "secret" || in.Get("X-Forwarded-For") != "" {
			t.Errorf("inbound header modified: %v", in)
		}
	})
	t.Run("Upgrade", func(t *testing.T) {
		attrs := elb.DefaultLoadBalancerAttributes()
		in := http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}}
		fi := forwardInfo{Client: client, Protocol: elb.ProtocolHTTP, ListenerPort: 80, Attrs: &attrs, Now: time.Unix(1, 0), Rand: newRand(1)}
		out, _ := outboundHeader(in, &fi)
		if out.Get("Connection") != "Upgrade" || out.Get("Upgrade") != "websocket" {
			t.Fatalf("got Connection %q Upgrade %q; want Upgrade websocket", out.Get("Connection"), out.Get("Upgrade"))
		}
	})
}

func TestXFFCount(t *testing.T) {
	t.Parallel()
	h := http.Header{"X-Forwarded-For": {"1.1.1.1, 2.2.2.2", "3.3.3.3"}}
	if got := xffCount(h); got != 3 {
		t.Fatalf("got %d; want 3", got)
	}
}
