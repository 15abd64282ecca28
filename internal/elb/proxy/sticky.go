package proxy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// Stickiness cookie names (§3.5, §4.5). AWSALB is shared by every target
// group behind the load balancer, so its value names the group too.
const (
	cookieLB      = "AWSALB"
	cookieLBCORS  = "AWSALBCORS"
	cookieTG      = "AWSALBTG"
	cookieTGCORS  = "AWSALBTGCORS"
	lbCookieLife  = 7 * 24 * time.Hour // the non-configurable Expires of §4.5
	cookieMACSize = 16
)

// cookieCodec seals and opens the opaque values of the stickiness cookies.
// A value is base64url(payload || HMAC-SHA256(key, payload)[:16]); the
// payload carries the stickiness expiry (unix seconds) and the fields it
// pins. ALB encrypts its cookies with a rotating key (§4.5); a MAC is
// enough to make the value opaque to tampering locally, and the key is
// random per Proxy, so cookies do not survive a restart, like a rotated key.
type cookieCodec struct {
	key []byte
}

// seal returns the cookie value pinning fields until expiry.
func (c cookieCodec) seal(expiry time.Time, fields ...string) string {
	var b []byte
	b = binary.BigEndian.AppendUint64(b, uint64(expiry.Unix()))
	b = append(b, strings.Join(fields, "\x00")...)
	m := hmac.New(sha256.New, c.key)
	m.Write(b)
	b = m.Sum(b)[:len(b)+cookieMACSize]
	return base64.RawURLEncoding.EncodeToString(b)
}

// open returns the fields of a value sealed by seal, or false if the value
// is not one of ours, was altered, or expired before now.
func (c cookieCodec) open(v string, now time.Time, n int) ([]string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) < 8+cookieMACSize {
		return nil, false
	}
	payload, mac := b[:len(b)-cookieMACSize], b[len(b)-cookieMACSize:]
	m := hmac.New(sha256.New, c.key)
	m.Write(payload)
	if !hmac.Equal(m.Sum(nil)[:cookieMACSize], mac) {
		return nil, false
	}
	if exp := int64(binary.BigEndian.Uint64(payload)); now.Unix() > exp {
		return nil, false
	}
	fields := strings.Split(string(payload[8:]), "\x00")
	if len(fields) != n {
		return nil, false
	}
	return fields, true
}

// targetFromCookie returns the target an AWSALB value pins in group, or
// false if the value is undecodable, expired, or for another group.
func (c cookieCodec) targetFromCookie(v, group string, now time.Time) (elb.TargetKey, bool) {
	f, ok := c.open(v, now, 3)
	if !ok || f[0] != group {
		return elb.TargetKey{}, false
	}
	port, err := strconv.Atoi(f[2])
	if err != nil {
		return elb.TargetKey{}, false
	}
	return elb.TargetKey{ID: f[1], Port: port}, true
}

// targetCookie returns the AWSALB value pinning key in group until expiry.
func (c cookieCodec) targetCookie(group string, key elb.TargetKey, expiry time.Time) string {
	return c.seal(expiry, group, key.ID, strconv.Itoa(key.Port))
}

// requestCookie returns the value of the first cookie named name, "" if
// none. It avoids http.Request.Cookie's allocation of every cookie.
func requestCookie(r *http.Request, name string) string {
	return cookieValue(r.Header["Cookie"], name)
}

// cookieValue returns the value of the first cookie named name in the
// Cookie header lines, "" if none.
func cookieValue(lines []string, name string) string {
	for _, line := range lines {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.TrimSpace(part)
			k, v, ok := strings.Cut(part, "=")
			if ok && k == name {
				return strings.Trim(v, `"`)
			}
		}
	}
	return ""
}

// stickyCookies appends to dst the Set-Cookie values of the cookie and
// its CORS twin (SameSite=None; Secure), with the fixed Expires of §4.5:
// the stickiness duration is inside the value, and the Expires is reset on
// every response.
func stickyCookies(dst []string, name, corsName, value string, now time.Time) []string {
	exp := now.Add(lbCookieLife).UTC().Format(http.TimeFormat)
	return append(dst,
		name+"="+value+"; Expires="+exp+"; Path=/",
		corsName+"="+value+"; Expires="+exp+"; Path=/; SameSite=None; Secure")
}
