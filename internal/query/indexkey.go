package query

import (
	"math"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// An index of documents by the value of a top-level member (package
// store/fieldindex) files each document under the IndexKeys of that
// member, and answers an Equality by looking up the keys that EqualKeys
// gives for its value. The two functions here and MemberKeys are one
// definition of equality with the evaluator's: a document's member equals
// a scalar value exactly when one of MemberKeys is among EqualKeys.
// FuzzIndexKeys holds them to it.

// keyKind is the kind of scalar an IndexKey holds.
type keyKind uint8

const (
	keyNull keyKind = iota
	keyFalse
	keyTrue
	keyInt    // a number written as an integer that fits an int64: num is its bits
	keyFloat  // any other number: num is its float64 bits, -0 as 0
	keyString // str is the unescaped string
)

// IndexKey is a JSON scalar as equality compares it, fit for a map key.
// Two numbers written as integers are equal when their integers are;
// otherwise numbers compare as float64, which is why a number has two
// forms (see EqualKeys).
type IndexKey struct {
	str  string
	num  uint64
	kind keyKind
}

// Clone returns k with its string copied, so that it no longer shares the
// memory of the document it came from.
func (k IndexKey) Clone() IndexKey {
	k.str = strings.Clone(k.str)
	return k
}

// String shows k, for tests and debugging.
func (k IndexKey) String() string {
	switch k.kind {
	case keyNull:
		return "null"
	case keyFalse:
		return "false"
	case keyTrue:
		return "true"
	case keyInt:
		return "int " + strconv.FormatInt(int64(k.num), 10)
	case keyFloat:
		return "float " + strconv.FormatFloat(math.Float64frombits(k.num), 'g', -1, 64)
	}
	return "string " + strconv.Quote(k.str)
}

// Number returns the float64 value that comparisons ($gt, $lt …) give a
// number key: an integer's converted, anything else's as parsed (-0 as
// 0). ok is false when k is not a number.
func (k IndexKey) Number() (f float64, ok bool) {
	switch k.kind {
	case keyInt:
		return float64(int64(k.num)), true
	case keyFloat:
		return math.Float64frombits(k.num), true
	}
	return 0, false
}

// TopMember returns the JSON text of the top-level member key of the
// object doc as a criteria field {key: …} reads it: the first member of
// that name, names compared after unescaping. It returns "" when doc has
// no such member. The text shares doc's memory.
func TopMember(doc []byte, key string) string {
	d := newDoc(bytesString(doc))
	if d.obj != "" && !strings.ContainsAny(key, "\"\\") {
		// The scanner settles almost every document.
		if raw, res := member(d.obj, key); res != scanUnsure {
			return raw
		}
	}
	v := d.parse()
	if !v.IsObject() {
		return ""
	}
	return v.Get(gjson.Escape(key)).Raw
}

// MemberKeys calls fn with the IndexKeys of a member's JSON text raw (as
// TopMember returns it): one for a scalar, one for each scalar element of
// an array (a key may come more than once), none for an object, a nested
// array or nothing. The keys may share raw's memory: Clone what is kept.
func MemberKeys(raw string, fn func(IndexKey)) {
	if raw == "" {
		return
	}
	switch raw[0] {
	case '{':
		return
	case '[':
		end := eachElement(raw, func(e string) bool {
			if e[0] != '{' && e[0] != '[' {
				fn(scalarKey(e))
			}
			return true
		})
		if end < 0 {
			// Text the scanner cannot walk; the evaluator asks gjson too.
			// Keys already given come again, which is harmless.
			rawResult(raw).ForEach(func(_, e gjson.Result) bool {
				if e.Type != gjson.JSON {
					fn(scalarKey(e.Raw))
				}
				return true
			})
		}
		return
	}
	fn(scalarKey(raw))
}

// scalarKey returns the key of the JSON scalar raw.
func scalarKey(raw string) IndexKey {
	switch rawType(raw) {
	case gjson.Null:
		return IndexKey{kind: keyNull}
	case gjson.False:
		return IndexKey{kind: keyFalse}
	case gjson.True:
		return IndexKey{kind: keyTrue}
	case gjson.String:
		if hasBackslash(raw) {
			return IndexKey{kind: keyString, str: gjson.Parse(raw).Str}
		}
		return IndexKey{kind: keyString, str: raw[1 : len(raw)-1]}
	}
	n := rawNumber(raw)
	if n.isInt {
		return IndexKey{kind: keyInt, num: uint64(n.i)}
	}
	return floatKey(n.f)
}

func floatKey(f float64) IndexKey {
	if f == 0 {
		f = 0 // -0 equals 0
	}
	return IndexKey{kind: keyFloat, num: math.Float64bits(f)}
}

// exactFloatInts bounds the integers that float64 holds exactly: below it
// in magnitude, one integer has a given float value.
const exactFloatInts = 1 << 53

// EqualKeys appends to dst the keys under which MemberKeys files the
// members equal to value, the JSON text of a string, number, true, false
// or null. ok is false when value is anything else, or a number the keys
// cannot answer for: an integer-valued number not written as an integer,
// of magnitude 2^53 to 2^63, equals many different integers.
func EqualKeys(dst []IndexKey, value []byte) (keys []IndexKey, ok bool) {
	raw := strings.TrimSpace(bytesString(value))
	if raw == "" || !gjson.Valid(raw) {
		return dst, false
	}
	switch rawType(raw) {
	case gjson.JSON:
		return dst, false
	case gjson.Number:
	default:
		return append(dst, scalarKey(raw)), true
	}
	n := rawNumber(raw)
	if n.isInt {
		// An integer equals the same integer, and any number not
		// written as an integer with the same float64 value.
		return append(dst, IndexKey{kind: keyInt, num: uint64(n.i)}, floatKey(float64(n.i))), true
	}
	dst = append(dst, floatKey(n.f))
	if n.f != math.Trunc(n.f) || math.IsInf(n.f, 0) {
		return dst, true
	}
	switch a := math.Abs(n.f); {
	case a < exactFloatInts:
		return append(dst, IndexKey{kind: keyInt, num: uint64(int64(n.f))}), true
	case a <= math.MaxInt64+1.0:
		return dst, false
	}
	return dst, true // beyond every int64
}
