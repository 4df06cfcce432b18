package security

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a session-policy duration (ttl, inactivity_threshold), in
// any form happn-3 accepts in its configuration. The zero value means no
// limit, as 0, null and Infinity all do in happn-3.
//
// As JSON it reads a number of milliseconds, a string in the format of
// the npm package "ms" ("10 minutes", "7 days", "1h", "500ms", "1.5 hrs",
// a bare "5000"), "Infinity", or null; it writes whole milliseconds.
type Duration time.Duration

// ErrBadDuration is wrapped by the errors of ParseDuration, DurationOf
// and Duration.UnmarshalJSON.
var ErrBadDuration = errors.New("security: invalid policy duration")

// Limited reports whether d is a limit, i.e. not "none".
func (d Duration) Limited() bool { return d > 0 }

// Milliseconds returns d in whole milliseconds, 0 meaning none.
func (d Duration) Milliseconds() int64 { return time.Duration(d).Milliseconds() }

// String returns d as time.Duration prints it, or "none".
func (d Duration) String() string {
	if d == 0 {
		return "none"
	}
	return time.Duration(d).String()
}

// msUnits are the units of the npm package "ms" 2.x, whose parse rule is
// /^(-?(?:\d+)?\.?\d+) *(unit)?$/i with no unit meaning milliseconds.
var msUnits = map[string]float64{
	"ms": 1, "msec": 1, "msecs": 1, "millisecond": 1, "milliseconds": 1,
	"s": 1e3, "sec": 1e3, "secs": 1e3, "second": 1e3, "seconds": 1e3,
	"m": 6e4, "min": 6e4, "mins": 6e4, "minute": 6e4, "minutes": 6e4,
	"h": 36e5, "hr": 36e5, "hrs": 36e5, "hour": 36e5, "hours": 36e5,
	"d": 864e5, "day": 864e5, "days": 864e5,
	"w": 6048e5, "week": 6048e5, "weeks": 6048e5,
	"y": 315576e5, "yr": 315576e5, "yrs": 315576e5, "year": 315576e5, "years": 315576e5,
}

// ParseDuration reads s as happn-3 reads a policy duration string: "ms"
// format ("4 seconds", "2h", "500ms", "1.5 days"), a bare number of
// milliseconds, or "Infinity". Units ignore case; a year is 365.25 days.
// "0" and "Infinity" give 0, meaning no limit. Negative durations, and
// durations past time.Duration's range (about 292 years), are errors
// rather than happn-3's silent "no limit".
func ParseDuration(s string) (Duration, error) {
	if s == "Infinity" || s == "+Infinity" {
		return 0, nil
	}
	if len(s) > 100 { // "ms" gives up on long strings too
		return 0, fmt.Errorf("%w: %.20q… is too long", ErrBadDuration, s)
	}
	num, unit := splitNumber(s)
	if num == "" || !validMSNumber(num) {
		return 0, fmt.Errorf("%w: %q", ErrBadDuration, s)
	}
	mult := 1.0
	if unit = strings.TrimLeft(unit, " "); unit != "" {
		var ok bool
		if mult, ok = msUnits[strings.ToLower(unit)]; !ok {
			return 0, fmt.Errorf("%w: %q has an unknown unit", ErrBadDuration, s)
		}
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrBadDuration, s)
	}
	return fromMilliseconds(n*mult, s)
}

// splitNumber splits s after its leading run of '-', '.' and digits.
func splitNumber(s string) (num, rest string) {
	i := 0
	for i < len(s) && (s[i] == '-' || s[i] == '.' || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	return s[:i], s[i:]
}

// validMSNumber checks num against "ms"'s -?(?:\d+)?\.?\d+ : an optional
// minus, digits with at most one '.', and a digit last.
func validMSNumber(num string) bool {
	num = strings.TrimPrefix(num, "-")
	if num == "" || num[len(num)-1] == '.' || strings.Count(num, ".") > 1 || strings.Contains(num, "-") {
		return false
	}
	return true
}

// fromMilliseconds converts a count of milliseconds, refusing what no
// Duration can hold.
func fromMilliseconds(ms float64, what any) (Duration, error) {
	switch {
	case math.IsNaN(ms):
		return 0, fmt.Errorf("%w: %v is not a number", ErrBadDuration, what)
	case math.IsInf(ms, 1):
		return 0, nil
	case ms < 0:
		return 0, fmt.Errorf("%w: %v is negative", ErrBadDuration, what)
	}
	if ms*float64(time.Millisecond) >= math.MaxInt64 {
		return 0, fmt.Errorf("%w: %v is out of range", ErrBadDuration, what)
	}
	if whole := math.Trunc(ms); whole == ms {
		// Exact: float64 holds every whole millisecond count in range,
		// but not every product with 1e6.
		return Duration(int64(whole) * int64(time.Millisecond)), nil
	}
	return Duration(math.Round(ms * float64(time.Millisecond))), nil
}

// DurationOf converts a policy value as decoded from JSON or written in
// Go: nil (no limit), a number of milliseconds (any Go number type or
// json.Number), a string for ParseDuration, a time.Duration, a Duration,
// or json.RawMessage holding any of these.
func DurationOf(v any) (Duration, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case Duration:
		if x < 0 {
			return 0, fmt.Errorf("%w: %v is negative", ErrBadDuration, time.Duration(x))
		}
		return x, nil
	case time.Duration:
		return DurationOf(Duration(x))
	case string:
		return ParseDuration(x)
	case json.Number:
		return ParseDuration(x.String())
	case json.RawMessage:
		var d Duration
		err := d.UnmarshalJSON(x)
		return d, err
	case float64:
		return fromMilliseconds(x, x)
	case float32:
		return fromMilliseconds(float64(x), x)
	case int:
		return fromMilliseconds(float64(x), x)
	case int64:
		return fromMilliseconds(float64(x), x)
	case int32:
		return fromMilliseconds(float64(x), x)
	case uint:
		return fromMilliseconds(float64(x), x)
	case uint64:
		return fromMilliseconds(float64(x), x)
	case uint32:
		return fromMilliseconds(float64(x), x)
	}
	return 0, fmt.Errorf("%w: value of type %T", ErrBadDuration, v)
}

// UnmarshalJSON reads a number of milliseconds, a duration string (see
// ParseDuration) or null.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*d = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("%w: %v", ErrBadDuration, err)
		}
		v, err := ParseDuration(s)
		*d = v
		return err
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("%w: %s", ErrBadDuration, b)
	}
	v, err := fromMilliseconds(n, string(b))
	*d = v
	return err
}

// MarshalJSON writes d as whole milliseconds; 0 means no limit.
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, d.Milliseconds(), 10), nil
}
