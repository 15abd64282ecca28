package awsapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AuthFailure says why a request failed authentication. Each protocol turns
// it into its own error code (§13.2): ECS answers InvalidSignatureException
// where ELBv2 answers SignatureDoesNotMatch.
type AuthFailure int

// Authentication failures.
const (
	AuthMissing    AuthFailure = iota + 1 // no Authorization header
	AuthIncomplete                        // malformed header or missing parts
	AuthUnknownKey                        // the access key is not known
	AuthMismatch                          // the signature does not match
	AuthSkewed                            // the timestamp is outside the window
	AuthBadScope                          // the credential scope does not fit the request
)

// AuthError is an authentication failure with its AWS-worded message.
type AuthError struct {
	Failure AuthFailure
	Message string
}

func (e *AuthError) Error() string { return "authenticate request: " + e.Message }

// Messages AWS uses (§13.2).
const (
	msgMismatch   = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgUnknownKey = "The security token included in the request is invalid."
	msgMissing    = "Missing Authentication Token"
)

// Identity is who signed a request, and for which region and service.
type Identity struct {
	AccessKeyID string
	Region      string
	Service     string
}

// Verifier checks SigV4 signatures (§13.1).
type Verifier struct {
	// Credentials maps access key IDs to secret access keys.
	Credentials map[string]string
	// Window is how far a request's timestamp may be from Now, either way.
	// Zero means 15 minutes (§13.2).
	Window time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDate      = "20060102T150405Z"
)

// Verify checks the signature of r, whose body has already been read into
// body. It returns the signer's identity or an *AuthError.
func (v *Verifier) Verify(r *http.Request, body []byte) (*Identity, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return nil, &AuthError{AuthMissing, msgMissing}
	}
	a, err := parseAuthorization(auth)
	if err != nil {
		return nil, err
	}
	secret, ok := v.Credentials[a.accessKey]
	if !ok {
		return nil, &AuthError{AuthUnknownKey, msgUnknownKey}
	}

	stamp := r.Header.Get("X-Amz-Date")
	if stamp == "" {
		stamp = r.Header.Get("Date")
	}
	t, err := time.Parse(amzDate, stamp)
	if err != nil {
		if t2, err2 := http.ParseTime(stamp); err2 == nil {
			t, stamp = t2, t2.UTC().Format(amzDate)
		} else {
			return nil, &AuthError{AuthIncomplete, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
		}
	}
	if a.date != stamp[:8] {
		return nil, &AuthError{AuthBadScope, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.date, stamp[:8], stamp)}
	}
	if err := v.checkSkew(t); err != nil {
		return nil, err
	}
	if !slices.Contains(a.signedHeaders, "host") {
		return nil, &AuthError{AuthIncomplete, "Signature missing required header: host."}
	}

	bodySum := sha256.Sum256(body)
	payload := hex.EncodeToString(bodySum[:])
	// A client may sign the payload hash it sends in X-Amz-Content-Sha256;
	// it must then be the hash of the body that arrived.
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payload {
		return nil, &AuthError{AuthMismatch, msgMismatch}
	}
	canonical := canonicalRequest(r, a.signedHeaders, payload)
	sum := sha256.Sum256([]byte(canonical))
	scope := a.date + "/" + a.region + "/" + a.service + "/aws4_request"
	toSign := sigAlgorithm + "\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	want := hex.EncodeToString(hmacSHA256(signingKey(secret, a.date, a.region, a.service), toSign))
	if subtle.ConstantTimeCompare([]byte(want), []byte(a.signature)) != 1 {
		return nil, &AuthError{AuthMismatch, msgMismatch}
	}
	return &Identity{AccessKeyID: a.accessKey, Region: a.region, Service: a.service}, nil
}

// checkSkew refuses a timestamp outside the window, with AWS's wording.
func (v *Verifier) checkSkew(t time.Time) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	now = now.UTC()
	window := v.Window
	if window == 0 {
		window = 15 * time.Minute
	}
	mins := int(window / time.Minute)
	switch {
	case t.Before(now.Add(-window)):
		return &AuthError{AuthSkewed, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d min.)",
			t.Format(amzDate), now.Add(-window).Format(amzDate), now.Format(amzDate), mins)}
	case t.After(now.Add(window)):
		return &AuthError{AuthSkewed, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %d min.)",
			t.Format(amzDate), now.Add(window).Format(amzDate), now.Format(amzDate), mins)}
	}
	return nil
}

// authorization is a parsed Authorization header.
type authorization struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

// parseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ecs/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=<hex>".
func parseAuthorization(h string) (*authorization, error) {
	rest, ok := strings.CutPrefix(h, sigAlgorithm+" ")
	if !ok {
		return nil, &AuthError{AuthIncomplete, "Authorization header requires '" + sigAlgorithm + "' algorithm."}
	}
	parts := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return nil, &AuthError{AuthIncomplete, fmt.Sprintf("Authorization header requires each component to be of the form key=value: %q.", strings.TrimSpace(p))}
		}
		parts[k] = v
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if parts[k] == "" {
			missing = append(missing, "'"+k+"'")
		}
	}
	if len(missing) > 0 {
		return nil, &AuthError{AuthIncomplete, fmt.Sprintf("Authorization header requires %s parameter.", strings.Join(missing, ", "))}
	}
	cred := strings.Split(parts["Credential"], "/")
	if len(cred) != 5 || cred[4] != "aws4_request" || len(cred[1]) != 8 || cred[0] == "" || cred[2] == "" || cred[3] == "" {
		return nil, &AuthError{AuthIncomplete, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", parts["Credential"])}
	}
	return &authorization{
		accessKey:     cred[0],
		date:          cred[1],
		region:        cred[2],
		service:       cred[3],
		signedHeaders: strings.Split(parts["SignedHeaders"], ";"),
		signature:     parts["Signature"],
	}, nil
}

// canonicalRequest builds the canonical request of §13.1 step 3.
func canonicalRequest(r *http.Request, signed []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.Query()))
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

// canonicalQuery sorts the query by encoded key, then value.
func canonicalQuery(q url.Values) string {
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k)+"="+uriEncode(v))
		}
	}
	slices.Sort(pairs)
	return strings.Join(pairs, "&")
}

// uriEncode percent-encodes everything but the unreserved characters.
func uriEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// canonicalHeaderValue joins repeated headers with "," after trimming each
// value and collapsing runs of spaces. net/http keeps two headers out of
// the map: Host in r.Host and Content-Length in r.ContentLength.
func canonicalHeaderValue(r *http.Request, name string) string {
	var values []string
	switch {
	case name == "host":
		values = []string{r.Host}
	case name == "content-length" && r.Header.Get("Content-Length") == "" && r.ContentLength >= 0:
		values = []string{strconv.FormatInt(r.ContentLength, 10)}
	default:
		values = r.Header.Values(name)
	}
	trimmed := make([]string, len(values))
	for i, v := range values {
		trimmed[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(trimmed, ",")
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
