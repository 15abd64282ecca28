package elb

import "testing"

func TestRedirectLocation(t *testing.T) {
	ri := &RequestInfo{
		Protocol: ProtocolHTTP, Host: "www.example.com", Port: 80,
		RawPath: "/a/b%20c", RawQuery: "x=1&y=2",
	}
	tests := []struct {
		name string
		rc   RedirectActionConfig
		want string
	}{
		{
			// The canonical HTTP to HTTPS redirect of §3.5.
			"HTTPToHTTPS",
			RedirectActionConfig{Protocol: "HTTPS", Port: "443", Host: "#{host}", Path: "/#{path}", Query: "#{query}", StatusCode: RedirectStatusCode301},
			"https://www.example.com:443/a/b%20c?x=1&y=2",
		},
		{
			"DefaultsKeepEverythingButHost",
			RedirectActionConfig{Host: "new.example.com", StatusCode: RedirectStatusCode302},
			"http://new.example.com:80/a/b%20c?x=1&y=2",
		},
		{
			"LiteralPathKeepsQuery",
			RedirectActionConfig{Path: "/moved", Query: "", StatusCode: RedirectStatusCode301},
			"http://www.example.com:80/moved?x=1&y=2", // empty Query canonicalizes to #{query}
		},
		{
			"PlaceholdersInPathAndQuery",
			RedirectActionConfig{Host: "#{host}", Path: "/#{host}/#{port}/#{path}", Query: "from=#{protocol}://#{host}:#{port}/#{path}&#{query}", StatusCode: RedirectStatusCode301},
			"http://www.example.com:80/www.example.com/80/a/b%20c?from=http://www.example.com:80/a/b%20c&x=1&y=2",
		},
		{
			"PortChange",
			RedirectActionConfig{Port: "8443", Protocol: "HTTPS", StatusCode: RedirectStatusCode301},
			"https://www.example.com:8443/a/b%20c?x=1&y=2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Action{Type: ActionTypeRedirect, RedirectConfig: &tt.rc}
			a.Canonicalize()
			if got := a.RedirectConfig.Location(ri); got != tt.want {
				t.Errorf("Location = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestRedirectLocationEmptyQueryAndRootPath(t *testing.T) {
	rc := RedirectActionConfig{Protocol: "HTTPS", StatusCode: RedirectStatusCode301}
	a := Action{Type: ActionTypeRedirect, RedirectConfig: &rc}
	a.Canonicalize()
	ri := &RequestInfo{Protocol: ProtocolHTTP, Host: "h.example.com", Port: 80, RawPath: "/"}
	if got, want := rc.Location(ri), "https://h.example.com:80/"; got != want {
		t.Errorf("Location = %q; want %q (no '?' for an empty query, one '/' for the root)", got, want)
	}
}

func TestRedirectStatus(t *testing.T) {
	if RedirectStatusCode301.HTTPStatus() != 301 || RedirectStatusCode302.HTTPStatus() != 302 {
		t.Error("HTTPStatus mapping wrong")
	}
}
