package query

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// number is a JSON number that keeps int64 precision when it is written
// as an integer: two integers compare exactly, anything else as float64.
type number struct {
	f     float64
	i     int64
	isInt bool
}

// numberOf reads a gjson number. Results made from item metadata have no
// Raw text and use Num, which holds Unix milliseconds exactly.
func numberOf(r gjson.Result) number {
	if i, ok := smallInt(r.Raw); ok {
		return number{f: float64(i), i: i, isInt: true}
	}
	if isIntText(r.Raw) {
		if i, err := strconv.ParseInt(r.Raw, 10, 64); err == nil {
			return number{f: float64(i), i: i, isInt: true}
		}
	}
	return number{f: r.Num}
}

// isIntText reports whether s is an optional '-' then decimal digits, and
// short enough to be an int64 candidate; ParseInt rejects (and, rarely,
// allocates an error for) the few 19-digit values past int64.
func isIntText(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if len(s) == 0 || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func compareNumbers(a, b number) int {
	if a.isInt && b.isInt {
		return cmp.Compare(a.i, b.i)
	}
	return cmp.Compare(a.f, b.f)
}

// lit is a JSON value taken from criteria, decoded once at compile time.
type lit struct {
	typ     gjson.Type // Null, False, True, Number, String or JSON
	raw     string     // a scalar's JSON text, as written in the criteria
	str     string
	num     number
	isArray bool
	elems   []lit          // array elements, or object member values
	keys    []string       // object member names, parallel to elems
	index   map[string]int // keys → position, for large objects
}

// litIndexMin is the object size from which member lookup uses a map, so
// that a hostile literal with many members stays linear to compare.
const litIndexMin = 8

// compileLit decodes r. Its depth is already bounded by parseObject.
func compileLit(r gjson.Result) lit {
	l := lit{typ: r.Type}
	if r.Type != gjson.JSON {
		l.raw = r.Raw
	}
	switch r.Type {
	case gjson.String:
		l.str = r.Str
	case gjson.Number:
		l.num = numberOf(r)
	case gjson.JSON:
		if r.IsArray() {
			l.isArray = true
			l.elems = []lit{}
			r.ForEach(func(_, v gjson.Result) bool {
				l.elems = append(l.elems, compileLit(v))
				return true
			})
			return l
		}
		// A repeated member name keeps its last value, as JSON.parse does.
		pos := map[string]int{}
		r.ForEach(func(k, v gjson.Result) bool {
			if i, ok := pos[k.Str]; ok {
				l.elems[i] = compileLit(v)
				return true
			}
			pos[k.Str] = len(l.keys)
			l.keys = append(l.keys, k.Str)
			l.elems = append(l.elems, compileLit(v))
			return true
		})
		if len(l.keys) >= litIndexMin {
			l.index = pos
		}
	}
	return l
}

// member returns the position of object member k, or -1.
func (l *lit) member(k string) int {
	if l.index != nil {
		if i, ok := l.index[k]; ok {
			return i
		}
		return -1
	}
	for i, key := range l.keys {
		if key == k {
			return i
		}
	}
	return -1
}

// isScalar reports whether l is null, a boolean, a number or a string.
func (l *lit) isScalar() bool { return l.typ != gjson.JSON }

// equal reports whether r is the JSON value l. Numbers compare by value,
// objects regardless of member order. A missing r equals null.
func equal(r gjson.Result, l *lit) bool {
	switch l.typ {
	case gjson.Null, gjson.False, gjson.True:
		return r.Type == l.typ
	case gjson.Number:
		return r.Type == gjson.Number && compareNumbers(numberOf(r), l.num) == 0
	case gjson.String:
		return r.Type == gjson.String && r.Str == l.str
	}
	if l.isArray {
		if !r.IsArray() {
			return false
		}
		n, ok := 0, true
		r.ForEach(func(_, v gjson.Result) bool {
			ok = n < len(l.elems) && equal(v, &l.elems[n])
			n++
			return ok
		})
		return ok && n == len(l.elems)
	}
	if !r.IsObject() {
		return false
	}
	n, ok := 0, true
	r.ForEach(func(k, v gjson.Result) bool {
		i := l.member(k.Str)
		ok = i >= 0 && equal(v, &l.elems[i])
		n++
		return ok
	})
	return ok && n == len(l.keys)
}

// Type ranks, in MongoDB's order: missing and null sort first, booleans last.
const (
	rankNull = iota
	rankNumber
	rankString
	rankObject
	rankArray
	rankBool
)

func rank(r gjson.Type, raw string) int {
	switch r {
	case gjson.Number:
		return rankNumber
	case gjson.String:
		return rankString
	case gjson.True, gjson.False:
		return rankBool
	case gjson.JSON:
		if strings.HasPrefix(raw, "[") {
			return rankArray
		}
		return rankObject
	}
	return rankNull
}

// compareScalar orders r against the scalar literal l and reports whether
// they were comparable at all: only values of the same type compare, as in
// MongoDB ({"n":{"$gt":5}} never matches a string n).
func compareScalar(r gjson.Result, l *lit) (int, bool) {
	if rank(r.Type, r.Raw) != rank(l.typ, "") {
		return 0, false
	}
	switch l.typ {
	case gjson.Number:
		return compareNumbers(numberOf(r), l.num), true
	case gjson.String:
		return strings.Compare(r.Str, l.str), true
	case gjson.True, gjson.False:
		return cmp.Compare(boolRank(r.Type), boolRank(l.typ)), true
	}
	return 0, true // null and missing are equal
}

func boolRank(t gjson.Type) int {
	if t == gjson.True {
		return 1
	}
	return 0
}

// maxCompareDepth bounds how far compareValues recurses into documents
// (which, unlike criteria, nothing here has checked); deeper values
// compare by their raw text.
const maxCompareDepth = 32

// compareValues totally orders two JSON values for sorting: MongoDB's type
// order first, then numbers by value, strings byte-wise, booleans false
// before true, and arrays and objects member by member.
func compareValues(a, b gjson.Result, depth int) int {
	ra, rb := rank(a.Type, a.Raw), rank(b.Type, b.Raw)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch ra {
	case rankNumber:
		return compareNumbers(numberOf(a), numberOf(b))
	case rankString:
		return strings.Compare(a.Str, b.Str)
	case rankBool:
		return cmp.Compare(boolRank(a.Type), boolRank(b.Type))
	case rankNull:
		return 0
	}
	if depth >= maxCompareDepth {
		return strings.Compare(a.Raw, b.Raw)
	}
	// Arrays compare element by element, objects member by member (name,
	// then value), the shorter first when one is a prefix of the other.
	ea, eb := members(a), members(b)
	for i := 0; i < len(ea) && i < len(eb); i++ {
		if ra == rankObject {
			if c := strings.Compare(ea[i][0].Str, eb[i][0].Str); c != 0 {
				return c
			}
		}
		if c := compareValues(ea[i][1], eb[i][1], depth+1); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(ea), len(eb))
}

// members lists the (key, value) pairs of an array or object in order.
func members(r gjson.Result) [][2]gjson.Result {
	var m [][2]gjson.Result
	r.ForEach(func(k, v gjson.Result) bool {
		m = append(m, [2]gjson.Result{k, v})
		return true
	})
	return m
}
