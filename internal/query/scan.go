package query

import (
	"math/bits"
	"strings"
)

// The scanner below finds one member of a JSON object, or one element of
// an array, by stepping over the values before it without decoding them:
// no number is parsed and no string unescaped until a test needs it. That
// is what keeps matching a few nanoseconds per item; gjson.Get does the
// same walk but parses every number it passes.
//
// It agrees with gjson on valid JSON, which FuzzScan checks. Whatever it
// does not handle itself (a key written with an escape, text that is not
// well-formed JSON, a number spelled "NaN") it reports as scanUnsure, and
// the caller asks gjson instead, so malformed documents behave as before.

// scanResult is what a scan found.
type scanResult uint8

const (
	scanAbsent scanResult = iota // the member or element is not there
	scanFound                    // found; its raw text is returned
	scanUnsure                   // the scanner cannot tell: ask gjson
)

// skipSpace returns the index of the first byte at or after i that is not
// white space. Like gjson, it counts every control byte as space.
func skipSpace(s string, i int) int {
	for i < len(s) && s[i] <= ' ' {
		i++
	}
	return i
}

// member returns the raw value of the first member named key in the JSON
// object obj, which starts with '{'. Like gjson, the first of repeated
// names wins. key must hold no '"' or '\\' (see seg.plain): then a name
// in obj with the same bytes is key, and any other name is not, unless it
// has an escape, which makes the answer scanUnsure.
func member(obj, key string) (string, scanResult) {
	i := 1
	for {
		i = skipSpace(obj, i)
		if i >= len(obj) {
			return "", scanUnsure
		}
		if c := obj[i]; c != '"' {
			if c == '}' {
				return "", scanAbsent
			}
			return "", scanUnsure
		}
		i++
		hit := false
		if e := i + len(key); e < len(obj) && obj[e] == '"' && sameText(obj[i:e], key) {
			hit, i = true, e+1
		} else {
			if i = quoteOrBackslash(obj, i); i < len(obj) && obj[i] == '\\' {
				return "", scanUnsure
			}
			i++
		}
		if i < len(obj) && obj[i] != ':' {
			i = skipSpace(obj, i)
		}
		if i >= len(obj) || obj[i] != ':' {
			return "", scanUnsure
		}
		i = skipSpace(obj, i+1)
		end := skipScalar(obj, i)
		if end < 0 {
			return "", scanUnsure
		}
		if hit {
			return obj[i:end], scanFound
		}
		if i = skipSpace(obj, end); i >= len(obj) {
			return "", scanUnsure
		}
		switch obj[i] {
		case ',':
			i++
		case '}':
			return "", scanAbsent
		default:
			return "", scanUnsure
		}
	}
}

// sameText is a == b for strings of equal length, most of them short
// member names, which a loop compares sooner than a call to memequal.
func sameText(a, b string) bool {
	if len(a) > 16 {
		return a == b
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// element returns the raw value of element n of the JSON array arr, which
// starts with '['.
func element(arr string, n int) (string, scanResult) {
	i := 1
	for at := 0; ; at++ {
		i = skipSpace(arr, i)
		if i >= len(arr) {
			return "", scanUnsure
		}
		if arr[i] == ']' && at == 0 {
			return "", scanAbsent
		}
		end := skipValue(arr, i)
		if end < 0 {
			return "", scanUnsure
		}
		if at == n {
			return arr[i:end], scanFound
		}
		if i = skipSpace(arr, end); i >= len(arr) {
			return "", scanUnsure
		}
		switch arr[i] {
		case ',':
			i++
		case ']':
			return "", scanAbsent
		default:
			return "", scanUnsure
		}
	}
}

// eachMember calls fn with the raw name (quotes included) and raw value
// of every member of the JSON object obj, which starts with '{', until fn
// returns false. Names may hold escapes. It returns the index just past
// the object, or -1, perhaps after some calls, when obj is not JSON it can
// walk.
func eachMember(obj string, fn func(name, value string) bool) int {
	i := skipSpace(obj, 1)
	if i < len(obj) && obj[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(obj) || obj[i] != '"' {
			return -1
		}
		k := skipString(obj, i+1)
		if k < 0 {
			return -1
		}
		name := obj[i:k]
		i = skipSpace(obj, k)
		if i >= len(obj) || obj[i] != ':' {
			return -1
		}
		i = skipSpace(obj, i+1)
		end := skipValue(obj, i)
		if end < 0 {
			return -1
		}
		if !fn(name, obj[i:end]) {
			return skipNested(obj, 1)
		}
		if i = skipSpace(obj, end); i >= len(obj) {
			return -1
		}
		switch obj[i] {
		case ',':
			i = skipSpace(obj, i+1)
		case '}':
			return i + 1
		default:
			return -1
		}
	}
}

// eachElement calls fn with the raw value of every element of the JSON
// array arr, which starts with '[', until fn returns false. It returns
// the index just past the array, or -1, perhaps after some calls, when arr
// is not JSON it can walk.
func eachElement(arr string, fn func(value string) bool) int {
	i := skipSpace(arr, 1)
	if i < len(arr) && arr[i] == ']' {
		return i + 1
	}
	for {
		end := skipValue(arr, i)
		if end < 0 {
			return -1
		}
		if !fn(arr[i:end]) {
			return skipNested(arr, 1)
		}
		if i = skipSpace(arr, end); i >= len(arr) {
			return -1
		}
		switch arr[i] {
		case ',':
			i = skipSpace(arr, i+1)
		case ']':
			return i + 1
		default:
			return -1
		}
	}
}

// skipValue returns the index just past the JSON value that starts at
// s[i], or -1 when there is none it handles. A number ends where gjson
// ends it, at space, ',', ']' or '}', without checking its digits.
func skipValue(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	switch s[i] {
	case '"':
		return skipString(s, i+1)
	case '{', '[':
		return skipNested(s, i+1)
	case 't':
		return skipWord(s, i, "true")
	case 'f':
		return skipWord(s, i, "false")
	case 'n':
		return skipWord(s, i, "null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		i++
		for i < len(s) {
			if c := s[i]; c <= ' ' || c == ',' || c == ']' || c == '}' {
				break
			}
			i++
		}
		return i
	}
	return -1
}

// skipScalar is skipValue with the commonest values, short strings
// without escapes and numbers, skipped in line: member spends most of its
// time stepping over them.
func skipScalar(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	switch c := s[i]; {
	case c == '"':
		return skipString(s, i+1)
	case c >= '0' && c <= '9':
		for i++; i < len(s); i++ {
			if c := s[i]; c <= ' ' || c == ',' || c == ']' || c == '}' {
				break
			}
		}
		return i
	}
	return skipValue(s, i)
}

// skipWord returns the index past the literal w at s[i], or -1 when s
// holds some other word there (gjson would read "tru" as true).
func skipWord(s string, i int, w string) int {
	if !strings.HasPrefix(s[i:], w) {
		return -1
	}
	i += len(w)
	if i < len(s) && s[i] >= 'a' && s[i] <= 'z' {
		return -1
	}
	return i
}

// skipString returns the index past the closing quote of the string
// whose text starts at s[i], or -1 when it is not closed. A backslash
// escapes the byte after it, so a quote after an odd run of backslashes
// does not close the string.
func skipString(s string, i int) int {
	for {
		i = quoteOrBackslash(s, i)
		switch {
		case i >= len(s):
			return -1
		case s[i] == '"':
			return i + 1
		}
		i += 2
	}
}

// Masks for finding a byte among eight at once (see quoteOrBackslash).
const (
	ones    = 0x0101010101010101
	highs   = 0x8080808080808080
	quotes  = '"' * ones
	slashes = '\\' * ones
)

// quoteOrBackslash returns the index of the first '"' or '\\' at or after
// s[i], or len(s). It tests eight bytes at a time: for x = w ^ quotes, a
// byte of w is '"' where x has a zero byte, and (x - ones) &^ x & highs
// sets the high bit of the first such byte (bytes after it may be marked
// wrongly, but only the lowest mark is read).
func quoteOrBackslash(s string, i int) int {
	if i < 0 {
		return len(s)
	}
	for ; i+8 <= len(s); i += 8 {
		w := load64(s, i)
		q, b := w^quotes, w^slashes
		if m := ((q - ones) &^ q & highs) | ((b - ones) &^ b & highs); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			return i
		}
	}
	return len(s)
}

// load64 reads s[i:i+8] as a little-endian word; the compiler turns it
// into one load.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// skipNested returns the index past the array or object whose text starts
// at s[i], just after its opening bracket, or -1 when it is not closed.
// Like gjson it only counts brackets (and, like gjson, parentheses), so it
// never recurses, however deep the value.
func skipNested(s string, i int) int {
	depth := 1
	for i < len(s) {
		switch s[i] {
		case '"':
			if i = skipString(s, i+1); i < 0 {
				return -1
			}
			continue
		case '{', '[', '(':
			depth++
		case '}', ']', ')':
			if depth--; depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return -1
}
