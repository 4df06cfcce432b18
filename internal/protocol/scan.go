package protocol

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strconv"

	"github.com/tidwall/gjson"
)

// The hot paths (decoding a request, reading a response) look at a few
// members of small JSON objects. gjson parses every number it passes with
// strconv; this scanner only finds where values start and end, so skipping
// costs a pass over the bytes and nothing more. Input must be valid JSON
// (callers validate frames first).

// Members calls fn for each member of the JSON object obj, in order, with
// the key as written between its quotes (escapes left as they are: keys
// with escapes do not equal the plain names the protocol uses) and the
// value's raw text. It stops when fn returns false. obj must be valid JSON;
// a value that is not an object yields nothing.
func Members(obj []byte, fn func(key, value []byte) bool) {
	members(obj, skipSpace(obj, 0), "", fn, nil)
}

// MembersNested is Members that also calls nested for each member of the
// object value of the member named sub (a response's _meta, say), reading
// that object once rather than once to skip it and again to look inside.
// fn still sees sub's whole value, after nested has seen its members.
func MembersNested(obj []byte, sub string, fn, nested func(key, value []byte) bool) {
	members(obj, skipSpace(obj, 0), sub, fn, nested)
}

// members walks the object that starts at obj[i] (see Members and
// MembersNested) and returns the index after it, or -1 when fn stopped
// the walk or the object does not end.
func members(obj []byte, i int, sub string, fn, nested func(key, value []byte) bool) int {
	if i >= len(obj) || obj[i] != '{' {
		return -1
	}
	i++
	for {
		i = skipSpace(obj, i)
		if i < len(obj) && obj[i] == '}' {
			return i + 1
		}
		if i >= len(obj) || obj[i] != '"' {
			return -1 // broken input
		}
		kEnd := stringEnd(obj, i)
		key := obj[i+1 : kEnd-1]
		i = skipSpace(obj, kEnd)
		if i >= len(obj) || obj[i] != ':' {
			return -1
		}
		i = skipSpace(obj, i+1)
		var vEnd int
		if nested != nil && i < len(obj) && obj[i] == '{' && string(key) == sub {
			if vEnd = members(obj, i, "", nested, nil); vEnd < 0 {
				// nested stopped early (or the object is cut short):
				// skip what it did not read.
				vEnd = valueEnd(obj, i)
			}
		} else {
			vEnd = valueEnd(obj, i)
		}
		if !fn(key, obj[i:vEnd]) {
			return -1
		}
		i = skipSpace(obj, vEnd)
		if i >= len(obj) {
			return -1
		}
		switch obj[i] {
		case '}':
			return i + 1
		case ',':
			i++
		default:
			return -1
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string that
// starts at b[i] == '"'.
func stringEnd(b []byte, i int) int {
	// Most strings in a frame are short (keys, paths, ids): look at eight
	// bytes at a time for a quote or a backslash, which beats both a loop
	// over bytes and calling IndexByte for each string.
	i++
	for stop := min(i+64, len(b)); i+8 <= stop; {
		w := binary.LittleEndian.Uint64(b[i:])
		m := zeroBytes(w^quotes) | zeroBytes(w^backslashes)
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) / 8
		if b[i] == '"' {
			return i + 1
		}
		i += 2 // a backslash: the escaped byte cannot end the string
	}
	for n := min(i+8, len(b)); i < n; i++ {
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			i++
		}
	}
	if i >= len(b) {
		return len(b)
	}
	// A long string: find each quote with IndexByte, and check whether
	// an odd number of backslashes escapes it.
	for i < len(b) {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b)
		}
		i += q
		// The quote ends the string unless an odd number of backslashes
		// escapes it.
		n := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return i + 1
		}
		i++
	}
	return len(b)
}

const (
	ones        = 0x0101010101010101
	highs       = 0x8080808080808080
	quotes      = '"' * ones
	backslashes = '\\' * ones
)

// zeroBytes returns w with the high bit set in its lowest zero byte; the
// bytes above it may be marked too, so only the lowest mark is exact.
func zeroBytes(w uint64) uint64 { return (w - ones) &^ w & highs }

// valueEnd returns the index after the value that starts at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for ; i < len(b); i++ { // number, true, false, null
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// String returns the value of a raw JSON string, unescaped, without
// copying when it has no escapes (then it shares raw's memory). ok is
// false when raw is not a string.
func String(raw []byte) (s string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c == '\\' {
			return gjson.ParseBytes(raw).String(), true
		}
	}
	return view(body), true
}

// Int returns the value of a raw JSON number that is an integer, without
// strconv for the common short case. ok is false for anything else.
func Int(raw []byte) (n int64, ok bool) {
	if len(raw) == 0 || len(raw) > 18 {
		return intSlow(raw)
	}
	neg := raw[0] == '-'
	digits := raw
	if neg {
		digits = raw[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return intSlow(raw)
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func intSlow(raw []byte) (int64, bool) {
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}

// Bool reports whether raw is the JSON literal true.
func Bool(raw []byte) bool { return len(raw) == 4 && string(raw) == "true" }
