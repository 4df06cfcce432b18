package query

import (
	"cmp"
	"strings"

	"github.com/tidwall/gjson"
)

// plainScalar returns the type of a raw value when testRaw can test it:
// a scalar, and if a string, one without escapes, so that its text between
// the quotes is its value.
func plainScalar(raw string) (gjson.Type, bool) {
	t := rawType(raw)
	if t == gjson.JSON || (t == gjson.String && hasBackslash(raw)) {
		return t, false
	}
	return t, true
}

// hasBackslash reports whether s holds a '\\'. A plain loop is quicker
// than strings.IndexByte on the short strings most documents hold.
func hasBackslash(s string) bool {
	if len(s) > 32 {
		return strings.IndexByte(s, '\\') >= 0
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			return true
		}
	}
	return false
}

// scalar is a plain scalar value (see plainScalar) as raw text from the
// scanner. Its number is decoded on first use, once for all the conds of
// a field ({"$gte":5000,"$lt":5100}).
type scalar struct {
	raw     string
	t       gjson.Type
	num     number
	decoded bool
}

// str is a string scalar's value: its text between the quotes.
func (s *scalar) str() string { return s.raw[1 : len(s.raw)-1] }

// number is a number scalar's value, as numberOf reads it.
func (s *scalar) number() number {
	if !s.decoded {
		s.num, s.decoded = rawNumber(s.raw), true
	}
	return s.num
}

// allHoldRaw is allHold for a plain scalar.
func allHoldRaw(cs []cond, s *scalar) bool {
	for i := range cs {
		c := &cs[i]
		var hit bool
		if c.kind == condNot {
			hit = !allHoldRaw(c.sub, s)
		} else {
			hit = c.testRaw(s) != c.neg
		}
		if !hit {
			return false
		}
	}
	return true
}

// testRaw is c's positive test (test) on a plain scalar, done without
// building a gjson.Result: integers compare without strconv, strings
// without copying.
func (c *cond) testRaw(s *scalar) bool {
	switch c.kind {
	case condExists:
		return true
	case condEq:
		return equalRaw(s, &c.lit)
	case condIn:
		if c.strs != nil && s.t == gjson.String {
			_, hit := c.strs[s.str()]
			return hit
		}
		for i := range c.set {
			if equalRaw(s, &c.set[i]) {
				return true
			}
		}
		return false
	case condCmp:
		d, ok := compareRaw(s, &c.lit)
		return ok && c.cmp.holds(d)
	case condRegex:
		return s.t == gjson.String && c.re.MatchString(s.str())
	case condContains:
		return s.t == gjson.String && c.containsIn(s.str())
	}
	return false // $size and $elemMatch need an array; an empty $all never holds
}

// equalRaw is equal for a plain scalar.
func equalRaw(s *scalar, l *lit) bool {
	switch l.typ {
	case gjson.Null, gjson.False, gjson.True:
		return s.t == l.typ
	case gjson.Number:
		return s.t == gjson.Number && compareNumbers(s.number(), l.num) == 0
	case gjson.String:
		return s.t == gjson.String && s.str() == l.str
	}
	return false // an array or object literal never equals a scalar
}

// compareRaw is compareScalar for a plain scalar.
func compareRaw(s *scalar, l *lit) (int, bool) {
	if rank(s.t, s.raw) != rank(l.typ, "") {
		return 0, false
	}
	switch l.typ {
	case gjson.Number:
		return compareNumbers(s.number(), l.num), true
	case gjson.String:
		return strings.Compare(s.str(), l.str), true
	case gjson.True, gjson.False:
		return cmp.Compare(boolRank(s.t), boolRank(l.typ)), true
	}
	return 0, true
}

// elementwise reports whether c's test on an array is just its test on
// each element (one), the array as a whole never passing: equality with a
// scalar, $in of scalars, comparisons and $regex.
func (c *cond) elementwise() bool {
	switch c.kind {
	case condEq:
		return c.lit.isScalar()
	case condIn:
		return c.flat
	case condCmp, condRegex:
		return true
	}
	return false
}

// testRawElements is test for an elementwise c on the raw array arr: some
// element passes. ok is false when the scanner cannot walk arr.
func (c *cond) testRawElements(arr string) (hit, ok bool) {
	end := eachElement(arr, func(e string) bool {
		if t, plain := plainScalar(e); plain {
			hit = c.testRaw(&scalar{raw: e, t: t})
		} else {
			hit = c.one(rawResult(e))
		}
		return !hit
	})
	return hit, end >= 0
}
