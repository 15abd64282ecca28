package ecs

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Timestamp is a point in time as the ECS API writes it: a JSON number of
// epoch seconds with the fraction in milliseconds, 1450120209.495 (§11.1).
// The zero Timestamp means "not set"; fields use the omitzero tag so it is
// left out, as the API leaves absent members out.
type Timestamp struct {
	time.Time
}

// At returns t as a Timestamp, truncated to the millisecond the wire keeps,
// so that a value survives a JSON round trip unchanged.
func At(t time.Time) Timestamp {
	if t.IsZero() {
		return Timestamp{}
	}
	return Timestamp{t.Truncate(time.Millisecond).UTC()}
}

// MarshalJSON writes epoch seconds with up to three fraction digits and no
// trailing zeros (1450120209.495, 1450120209.5, 1450120209).
func (ts Timestamp) MarshalJSON() ([]byte, error) {
	if ts.IsZero() {
		return []byte("null"), nil
	}
	ms := ts.UnixMilli()
	var b []byte
	if ms < 0 { // before 1970: -1.5 is minus one and a half seconds
		b, ms = append(b, '-'), -ms
	}
	sec, frac := ms/1000, ms%1000
	b = strconv.AppendInt(b, sec, 10)
	if frac != 0 {
		f := strconv.FormatInt(frac+1000, 10)[1:] // three digits, zero padded
		b = append(b, '.')
		b = append(b, strings.TrimRight(f, "0")...)
	}
	return b, nil
}

// errTimestamp is returned for a JSON value that is not a number.
var errTimestamp = errors.New("timestamp must be a number of epoch seconds")

// UnmarshalJSON reads epoch seconds as a JSON number in any form a client may
// send (1450120209.495, 1.450120209495E9) and null as the zero Timestamp.
// Plain decimals are parsed digit by digit, not through a float64, so the
// milliseconds are exact; the fraction is rounded half up to the millisecond.
func (ts *Timestamp) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*ts = Timestamp{}
		return nil
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.Abs(f) > maxEpochSeconds {
			return errTimestamp
		}
		*ts = Timestamp{time.UnixMilli(int64(math.Round(f * 1000))).UTC()}
		return nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec > maxEpochSeconds || strings.HasPrefix(frac, "-") || strings.HasPrefix(frac, "+") {
		return errTimestamp
	}
	ms := sec * 1000
	frac += "0000"
	for i, c := range frac[:4] {
		if c < '0' || c > '9' {
			return errTimestamp
		}
		switch {
		case i < 3:
			ms += int64(c-'0') * []int64{100, 10, 1}[i]
		case c >= '5':
			ms++ // round half up on the fourth digit
		}
	}
	for _, c := range frac[4:] {
		if c < '0' || c > '9' {
			return errTimestamp
		}
	}
	if neg {
		ms = -ms
	}
	*ts = Timestamp{time.UnixMilli(ms).UTC()}
	return nil
}

// maxEpochSeconds bounds accepted timestamps (about the year 33658) so that
// the conversion to milliseconds cannot overflow.
const maxEpochSeconds = 1 << 40
