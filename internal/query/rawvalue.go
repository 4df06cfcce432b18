package query

import (
	"math"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// The scanner hands back values as raw JSON text. These read them: their
// type, their number, and the gjson.Result that gjson would have made,
// for the tests that need one.

// rawType returns the gjson type of a raw value from the scanner.
func rawType(raw string) gjson.Type {
	switch raw[0] {
	case '"':
		return gjson.String
	case 't':
		return gjson.True
	case 'f':
		return gjson.False
	case 'n':
		return gjson.Null
	case '{', '[':
		return gjson.JSON
	}
	return gjson.Number
}

// rawResult presents a raw value from the scanner as the gjson.Result that
// gjson.Get would have returned for it (Index aside, which nothing here
// reads). An empty raw is a missing value.
func rawResult(raw string) gjson.Result {
	if raw == "" {
		return gjson.Result{}
	}
	t := rawType(raw)
	switch t {
	case gjson.String:
		if strings.IndexByte(raw, '\\') >= 0 {
			return gjson.Parse(raw) // unescapes as gjson.Get does
		}
		return gjson.Result{Type: t, Raw: raw, Str: raw[1 : len(raw)-1]}
	case gjson.Number:
		return gjson.Result{Type: t, Raw: raw, Num: rawFloat(raw)}
	}
	return gjson.Result{Type: t, Raw: raw}
}

// rawFloat returns a raw number's float64 value as gjson computes it
// (strconv.ParseFloat, errors ignored), taking a short cut for integers.
func rawFloat(raw string) float64 {
	if i, ok := smallInt(raw); ok {
		if i == 0 && raw[0] == '-' {
			return math.Copysign(0, -1)
		}
		return float64(i) // exact rounding, like ParseFloat's
	}
	f, _ := strconv.ParseFloat(raw, 64)
	return f
}

// smallInt returns the value of s when it is an optional '-' and at most
// 18 decimal digits, which always fit an int64, without calling strconv.
func smallInt(s string) (int64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		n = n*10 + int64(d)
	}
	if neg {
		n = -n
	}
	return n, true
}

// rawNumber is numberOf for a raw number.
func rawNumber(raw string) number {
	if i, ok := smallInt(raw); ok {
		return number{f: float64(i), i: i, isInt: true}
	}
	return numberOf(gjson.Result{Type: gjson.Number, Raw: raw, Num: rawFloat(raw)})
}
