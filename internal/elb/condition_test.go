package elb

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func hostCond(vals ...string) RuleCondition {
	return RuleCondition{Field: FieldHostHeader, HostHeaderConfig: &HostHeaderConditionConfig{Values: vals}}
}

func pathCond(vals ...string) RuleCondition {
	return RuleCondition{Field: FieldPathPattern, PathPatternConfig: &PathPatternConditionConfig{Values: vals}}
}

func headerCond(name string, vals ...string) RuleCondition {
	return RuleCondition{Field: FieldHTTPHeader, HTTPHeaderConfig: &HTTPHeaderConditionConfig{HTTPHeaderName: name, Values: vals}}
}

func methodCond(vals ...string) RuleCondition {
	return RuleCondition{Field: FieldHTTPRequestMethod, HTTPRequestMethodConfig: &HTTPRequestMethodConditionConfig{Values: vals}}
}

func queryCond(pairs ...QueryStringKeyValuePair) RuleCondition {
	return RuleCondition{Field: FieldQueryString, QueryStringConfig: &QueryStringConditionConfig{Values: pairs}}
}

func sourceIPCond(vals ...string) RuleCondition {
	return RuleCondition{Field: FieldSourceIP, SourceIPConfig: &SourceIPConditionConfig{Values: vals}}
}

func kv(k, v string) QueryStringKeyValuePair { return QueryStringKeyValuePair{Key: k, Value: v} }

// req builds a RequestInfo from a compact description; header pairs are
// name, value, name, value...
func req(method, host, path, rawQuery, src string, header ...string) *RequestInfo {
	ri := &RequestInfo{Method: method, Host: host, Path: path, Query: ParseQuery(rawQuery, nil), Header: map[string][]string{}}
	for i := 0; i+1 < len(header); i += 2 {
		ri.Header[header[i]] = append(ri.Header[header[i]], header[i+1])
	}
	if src != "" {
		ri.SourceIP = netip.MustParseAddr(src)
	}
	return ri
}

var conditionMatchTests = []struct {
	name string
	cond RuleCondition
	req  *RequestInfo
	want bool
}{
	{"HostExact", hostCond("www.example.com"), req("GET", "www.example.com", "/", "", ""), true},
	{"HostCaseInsensitive", hostCond("www.example.com"), req("GET", "WWW.Example.Com", "/", "", ""), true},
	{"HostWildcard", hostCond("*.example.com"), req("GET", "test.example.com", "/", "", ""), true},
	{"HostWildcardNotApex", hostCond("*.example.com"), req("GET", "example.com", "/", "", ""), false},
	{"HostOrAcrossValues", hostCond("a.example.com", "b.example.com"), req("GET", "b.example.com", "/", "", ""), true},
	{"HostNone", hostCond("a.example.com", "b.example.com"), req("GET", "c.example.com", "/", "", ""), false},
	{"LegacyValuesHost", RuleCondition{Field: FieldHostHeader, Values: []string{"*.example.org"}}, req("GET", "x.example.org", "/", "", ""), true},

	{"PathPrefix", pathCond("/api/*"), req("GET", "h.example.com", "/api/users", "", ""), true},
	{"PathCaseSensitive", pathCond("/api/*"), req("GET", "h.example.com", "/API/users", "", ""), false},
	{"PathIgnoresQuery", pathCond("/search"), req("GET", "h.example.com", "/search", "q=/api/x", ""), true},
	{"PathQueryNotMatched", pathCond("*1"), req("GET", "h.example.com", "/search", "q=1", ""), false},
	{"LegacyValuesPath", RuleCondition{Field: FieldPathPattern, Values: []string{"/img/*"}}, req("GET", "h", "/img/a.png", "", ""), true},

	{"HeaderValueWildcardFold", headerCond("User-Agent", "*Mobile*"), req("GET", "h", "/", "", "", "User-Agent", "Foo mobile Bar"), true},
	{"HeaderNameCaseInsensitive", headerCond("x-custom-header", "Yes"), req("GET", "h", "/", "", "", "X-Custom-Header", "yes"), true},
	{"HeaderRepeatedSearchedInOrder", headerCond("X-Env", "prod"), req("GET", "h", "/", "", "", "X-Env", "dev", "X-Env", "PROD"), true},
	{"HeaderMissing", headerCond("X-Env", "*"), req("GET", "h", "/", "", ""), false},
	{"HeaderStarMatchesEmpty", headerCond("X-Env", "*"), req("GET", "h", "/", "", "", "X-Env", ""), true},

	{"MethodExact", methodCond("GET", "HEAD"), req("HEAD", "h", "/", "", ""), true},
	{"MethodCaseSensitive", methodCond("GET"), req("get", "h", "/", "", ""), false},
	{"MethodCustom", methodCond("PURGE"), req("PURGE", "h", "/", "", ""), true},

	{"QueryKeyValue", queryCond(kv("version", "v1")), req("GET", "h", "/", "a=b&version=v1", ""), true},
	{"QueryKeyCaseInsensitive", queryCond(kv("Version", "V1")), req("GET", "h", "/", "version=v1", ""), true},
	{"QueryValueOnlyAnyKey", queryCond(kv("", "*example*")), req("GET", "h", "/", "x=1&ref=my-example-site", ""), true},
	{"QueryWrongKey", queryCond(kv("version", "v1")), req("GET", "h", "/", "ver=v1", ""), false},
	{"QueryPairMustMatchTogether", queryCond(kv("a", "2")), req("GET", "h", "/", "a=1&b=2", ""), false},
	{"QueryOrAcrossPairs", queryCond(kv("a", "9"), kv("b", "2")), req("GET", "h", "/", "a=1&b=2", ""), true},
	{"QueryDecoded", queryCond(kv("name", "john doe")), req("GET", "h", "/", "name=john%20doe", ""), true},
	{"QueryPlusIsSpace", queryCond(kv("name", "john doe")), req("GET", "h", "/", "name=john+doe", ""), true},
	{"QueryEscapedStar", queryCond(kv("q", `a\*`)), req("GET", "h", "/", "q=a*", ""), true},
	{"QueryEscapedStarIsLiteral", queryCond(kv("q", `a\*`)), req("GET", "h", "/", "q=abc", ""), false},
	{"QueryKeyWithoutValue", queryCond(kv("debug", "*")), req("GET", "h", "/", "debug", ""), true},

	{"SourceIPv4", sourceIPCond("10.0.0.0/8"), req("GET", "h", "/", "", "10.1.2.3"), true},
	{"SourceIPv4Outside", sourceIPCond("10.0.0.0/8"), req("GET", "h", "/", "", "192.168.1.1"), false},
	{"SourceIPv6", sourceIPCond("10.0.0.0/8", "2001:db8::/32"), req("GET", "h", "/", "", "2001:db8::1"), true},
	{"SourceIPHostBitsMasked", sourceIPCond("10.1.2.3/8"), req("GET", "h", "/", "", "10.200.0.1"), true},
	{"SourceIPUnknown", sourceIPCond("0.0.0.0/0"), req("GET", "h", "/", "", ""), false},
}

func TestConditionMatch(t *testing.T) {
	for _, tt := range conditionMatchTests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cond.Copy()
			c.Canonicalize()
			if err := c.validate(nil); err != nil {
				t.Fatalf("condition invalid: %v", err)
			}
			m, err := c.compile()
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if got := m.match(tt.req); got != tt.want {
				t.Errorf("match = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestConditionValidate(t *testing.T) {
	long := "/" + strings.Repeat("a", 128)
	tests := []struct {
		name    string
		cond    RuleCondition
		wantErr string // substring of the joined message; "" means valid
	}{
		{"OK/Host", hostCond("*.example.com"), ""},
		{"OK/HostUnderscore", hostCond("my_app.example.com"), ""},
		{"OK/Path", pathCond(`/a-b_c.$~"'@:+&/*?`), ""},
		{"OK/Header", headerCond("X-Forwarded-For", "10.0.*"), ""},
		{"OK/Method", methodCond("GET", "CUSTOM_METHOD", "X-Y"), ""},
		{"OK/Query", queryCond(kv("", "v"), kv("k", "v")), ""},
		{"OK/SourceIP5", sourceIPCond("1.0.0.0/8", "2.0.0.0/8", "3.0.0.0/8", "4.0.0.0/8", "::/0"), ""},
		{"OK/BothFormsEqual", RuleCondition{Field: FieldPathPattern, Values: []string{"/a"}, PathPatternConfig: &PathPatternConditionConfig{Values: []string{"/a"}}}, ""},
		{"ErrNoField", RuleCondition{}, "Member must not be null"},
		{"ErrUnknownField", RuleCondition{Field: "cookie"}, "Condition field 'cookie' must be one of"},
		{"ErrEmptyValues", hostCond(), "must have at least one value"},
		{"ErrTooManyValues", pathCond("/a", "/b", "/c", "/d"), "can only have '3' values"},
		{"ErrTooManySourceIPs", sourceIPCond("1.0.0.0/8", "2.0.0.0/8", "3.0.0.0/8", "4.0.0.0/8", "5.0.0.0/8", "6.0.0.0/8"), "can only have '5' values"},
		{"ErrHostNoDot", hostCond("localhost"), "at least one '.'"},
		{"ErrHostDigitsAfterDot", hostCond("10.0.0.1"), "only alphabetical characters after the final '.'"},
		{"ErrHostBadChar", hostCond("a b.example.com"), "invalid character ' '"},
		{"ErrHostPort", hostCond("example.com:8080"), "invalid character ':'"},
		{"ErrPathTooLong", pathCond(long), "cannot be longer than '128' characters"},
		{"ErrPathBadChar", pathCond("/a#b"), "invalid character '#'"},
		{"ErrPathControlChar", pathCond("/a\x01"), "invalid character"},
		{"ErrHeaderHost", headerCond("host", "x"), "'Host' header cannot be used"},
		{"ErrHeaderNameMissing", headerCond("", "x"), "httpHeaderName"},
		{"ErrHeaderNameTooLong", headerCond(strings.Repeat("X", 41), "x"), "cannot be longer than '40'"},
		{"ErrHeaderNameBadChar", headerCond("X:Y", "x"), "invalid character ':'"},
		{"ErrMethodLowercase", methodCond("get"), "invalid character 'g'"},
		{"ErrQueryValueEmpty", queryCond(kv("k", "")), "query string value value cannot be empty"},
		{"ErrCIDR", sourceIPCond("10.0.0.1"), "valid IPv4 or IPv6 CIDR"},
		{"ErrBroadcast", sourceIPCond("255.255.255.255/32"), "is not allowed"},
		{"ErrWrongConfig", RuleCondition{Field: FieldHostHeader, PathPatternConfig: &PathPatternConditionConfig{Values: []string{"/a"}}}, "cannot have a 'PathPatternConfig' configuration"},
		{"ErrLegacyValuesOnMethod", RuleCondition{Field: FieldHTTPRequestMethod, Values: []string{"GET"}}, "'Values' can only be used with"},
		{"ErrMissingConfig", RuleCondition{Field: FieldQueryString}, "must have at least one value"},
		{"ErrBothFormsDiffer", RuleCondition{Field: FieldPathPattern, Values: []string{"/a"}, PathPatternConfig: &PathPatternConditionConfig{Values: []string{"/b"}}}, "different values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cond.Copy()
			errs := c.validate(nil)
			err := errors.Join(errs...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("validate: %v; want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("validate: no error; want %q", tt.wantErr)
			}
			if ErrorCode(err) != CodeValidationError {
				t.Errorf("code = %s; want %s", ErrorCode(err), CodeValidationError)
			}
			if msg := ErrorMessage(err); !strings.Contains(msg, tt.wantErr) {
				t.Errorf("message = %q; want it to contain %q", msg, tt.wantErr)
			}
		})
	}
}

func TestConditionCanonicalizeMirrorsLegacyValues(t *testing.T) {
	c := RuleCondition{Field: FieldHostHeader, Values: []string{"a.example.com"}}
	c.Canonicalize()
	if c.HostHeaderConfig == nil || c.HostHeaderConfig.Values[0] != "a.example.com" {
		t.Fatalf("HostHeaderConfig = %+v; want the legacy values", c.HostHeaderConfig)
	}
	p := pathCond("/x")
	p.Canonicalize()
	if len(p.Values) != 1 || p.Values[0] != "/x" {
		t.Fatalf("Values = %v; want [/x] mirrored from PathPatternConfig", p.Values)
	}
	// The two forms must not share a backing array.
	p.Values[0] = "/changed"
	if p.PathPatternConfig.Values[0] != "/x" {
		t.Error("Values and PathPatternConfig.Values share memory")
	}
}
