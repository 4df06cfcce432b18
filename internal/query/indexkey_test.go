package query

import (
	"slices"
	"strings"
	"testing"

	"github.com/happn-go/happn/internal/fuzzgen"
)

// memberKeys lists the keys MemberKeys gives for member k of doc.
func memberKeys(doc, k string) []IndexKey {
	var keys []IndexKey
	MemberKeys(TopMember([]byte(doc), k), func(key IndexKey) { keys = append(keys, key) })
	return keys
}

// indexHit reports whether the keys of member k of doc meet EqualKeys of
// value, as an index lookup would; ok is EqualKeys' ok.
func indexHit(doc, k, value string) (hit, ok bool) {
	want, ok := EqualKeys(nil, []byte(value))
	for _, key := range memberKeys(doc, k) {
		if slices.Contains(want, key) {
			hit = true
		}
	}
	return hit, ok
}

func TestTopMember(t *testing.T) {
	for _, tc := range []struct{ doc, key, want string }{
		{`{"a":1,"b":"x"}`, "b", `"x"`},
		{`{"a":1}`, "b", ``},
		{` { "a" : [1, 2] } `, "a", `[1, 2]`},
		{`{"a":1,"a":2}`, "a", `1`},               // the first of repeated names
		{`{"\u0061":1}`, "a", `1`},                // names compare unescaped
		{`{"x":{"a":1},"a":2}`, "a", `2`},         // top level only
		{`{"a\"b":3}`, `a"b`, `3`},                // a key the scanner leaves to gjson
		{`{"a.b":4,"a":{"b":5}}`, "a.b", `4`},     // no dotted paths: the member's name
		{`{"#":6,"@this":7}`, "@this", `7`},       // no gjson syntax
		{`[1]`, "0", ``},                          // not an object
		{`{"n":4.242e3}`, "n", `4.242e3`},         // text as written
		{`{"s":"caf\u00e9"}`, "s", `"caf\u00e9"`}, // escapes kept
		{`{"a":1,"b":tru}`, "b", `tru`},           // malformed text: what gjson finds
	} {
		if got := TopMember([]byte(tc.doc), tc.key); got != tc.want {
			t.Errorf("TopMember(%s, %q) = %q, want %q", tc.doc, tc.key, got, tc.want)
		}
	}
}

func TestIndexKeys(t *testing.T) {
	for _, tc := range []struct {
		doc, value string
		hit        bool
	}{
		{`{"k":4242}`, `4242`, true},
		{`{"k":4242}`, `4242.0`, true},
		{`{"k":4242}`, `4.242e3`, true},
		{`{"k":4.242e3}`, `4242`, true},
		{`{"k":4242.0}`, `4242.00`, true},
		{`{"k":4242}`, `4243`, false},
		{`{"k":"4242"}`, `4242`, false},
		{`{"k":0}`, `-0`, true},
		{`{"k":-0.0}`, `0`, true},
		{`{"k":-0.0}`, `0.0`, true},
		{`{"k":1e400}`, `2e400`, true}, // both +Inf, as the evaluator reads them
		// Integers beyond 2^53 compare exactly with each other, but as
		// float64 with a number not written as an integer.
		{`{"k":9007199254740993}`, `9007199254740992`, false},
		{`{"k":9007199254740993}`, `9007199254740993`, true},
		{`{"k":9007199254740992.0}`, `9007199254740993`, true},
		{`{"k":9223372036854775807}`, `9223372036854775807`, true},
		{`{"k":9223372036854775808}`, `1e19`, false}, // past int64: a float
		{`{"k":1e19}`, `10000000000000000000`, true},
		{`{"k":1e20}`, `100000000000000000000`, true},
		{`{"k":"x"}`, `"x"`, true},
		{`{"k":"x"}`, `"\u0078"`, true},
		{`{"k":"\u0078"}`, `"x"`, true},
		{`{"k":"a\"b\\c\/"}`, `"a\"b\\c/"`, true},
		{`{"k":"x"}`, `"X"`, false},
		{`{"k":""}`, `""`, true},
		{`{"k":true}`, `true`, true},
		{`{"k":true}`, `false`, false},
		{`{"k":false}`, `false`, true},
		{`{"k":null}`, `null`, true},
		{`{"k":null}`, `false`, false},
		{`{"k":["x","y"]}`, `"y"`, true},
		{`{"k":[1,"2",3.0]}`, `3`, true},
		{`{"k":[1,"2",3.0]}`, `2`, false},
		{`{"k":[["x"]]}`, `"x"`, false}, // one level of arrays only
		{`{"k":[{"a":"x"}]}`, `"x"`, false},
		{`{"k":{"a":"x"}}`, `"x"`, false},
		{`{"k":[]}`, `"x"`, false},
		{`{"a":"x"}`, `"x"`, false},
		{`{"\u006b":"x"}`, `"x"`, true},
		{`{"k":"x","k":"y"}`, `"y"`, false},
	} {
		hit, ok := indexHit(tc.doc, "k", tc.value)
		if !ok || hit != tc.hit {
			t.Errorf("%s, k = %s: index hit %v (ok %v), want %v", tc.doc, tc.value, hit, ok, tc.hit)
		}
		// The evaluator agrees.
		q, err := Compile([]byte(`{"k":` + tc.value + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := q.MatchDocument([]byte(tc.doc)); got != tc.hit {
			t.Errorf("%s, k = %s: evaluator says %v, want %v", tc.doc, tc.value, got, tc.hit)
		}
	}
}

func TestEqualKeysRefuses(t *testing.T) {
	for _, v := range []string{
		``, `x`, `[1]`, `{}`, `"open`, `1 2`,
		`9007199254740992.0`, `-9.2e18`, `9223372036854775808`, `-9223372036854775809`, // integer-valued floats 2^53..2^63
	} {
		if keys, ok := EqualKeys(nil, []byte(v)); ok {
			t.Errorf("EqualKeys(%s) = %v, true; want refused", v, keys)
		}
	}
	for _, v := range []string{` 1 `, `1.5`, `9007199254740991.0`, `1e19`, `1e400`, `null`} {
		if _, ok := EqualKeys(nil, []byte(v)); !ok {
			t.Errorf("EqualKeys(%s) refused", v)
		}
	}
}

func TestIndexKeyClone(t *testing.T) {
	doc := []byte(`{"k":"abc"}`)
	keys := memberKeys(string(doc), "k")
	c := keys[0].Clone()
	copy(doc, strings.Repeat("z", len(doc)))
	if c.String() != `string "abc"` {
		t.Errorf("clone = %s after the document changed", c)
	}
}

// Raw JSON text for FuzzIndexKeys: numbers in many spellings, strings
// with and without escapes.
var (
	fuzzRawScalars = []string{
		`0`, `-0`, `0.0`, `-0.0`, `1`, `1.0`, `1e0`, `10E-1`, `0.1e1`, `2`, `4242`, `4242.0`, `4.242e3`,
		`-1`, `-1.0`, `1.5`, `15e-1`, `9007199254740992`, `9007199254740993`, `9007199254740992.0`,
		`9.007199254740993e15`, `9223372036854775807`, `9223372036854775808`, `-9223372036854775808`,
		`9.223372036854775807e18`, `1e400`, `-1e400`, `123456789012345678901`, `1e-400`,
		`"x"`, `"\u0078"`, `"X"`, `""`, `"x\ny"`, `"x\u000ay"`, `"\"x"`, `"\/"`, `"/"`, `"é"`, `"\u00e9"`,
		`"1"`, `"null"`, `true`, `false`, `null`,
	}
	fuzzRawNames = []string{`"k"`, `"\u006b"`, `"kk"`, `"a"`, `"K"`}
	fuzzSpace    = []string{``, ` `, "\n\t"}
)

// rawValue is random JSON text: a scalar, or an array or object of them.
func (g *gen) rawValue(depth int) string {
	switch n := g.N(8); {
	case n < 5 || depth == 0:
		return g.Pick(fuzzRawScalars)
	case n < 7:
		var parts []string
		for i := g.N(4); i > 0; i-- {
			parts = append(parts, g.Pick(fuzzSpace)+g.rawValue(depth-1))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return `{"k":` + g.rawValue(depth-1) + `}`
}

// rawDocument is a random JSON object whose names may repeat or be escaped.
func (g *gen) rawDocument() string {
	var parts []string
	for i := g.N(4); i > 0; i-- {
		parts = append(parts, g.Pick(fuzzSpace)+g.Pick(fuzzRawNames)+g.Pick(fuzzSpace)+":"+g.rawValue(2))
	}
	return "{" + strings.Join(parts, ",") + g.Pick(fuzzSpace) + "}"
}

// FuzzIndexKeys checks that MemberKeys and EqualKeys define equality as
// the evaluator does: a document matches {"k": v} exactly when the keys
// of its member k meet the keys of v (and, for null, also when it has no
// member k). It matches through both the single-field path and the
// several-fields path (keyCache).
func FuzzIndexKeys(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	f.Add([]byte{3, 0, 0, 10, 0, 11})
	f.Add([]byte("\x02\x01\x05\x07\x03\x03\x06\x02\x10"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{fuzzgen.New(data)}
		doc := g.rawDocument()
		value := g.Pick(fuzzRawScalars)
		hit, ok := indexHit(doc, "k", value)
		if !ok {
			return
		}
		if value == "null" && TopMember([]byte(doc), "k") == "" {
			hit = true
		}
		for _, crit := range []string{`{"k":` + value + `}`, `{"k":{"$eq":` + value + `},"zz":{"$exists":false}}`} {
			q, err := Compile([]byte(crit))
			if err != nil {
				t.Fatalf("Compile(%s): %v", crit, err)
			}
			if got := q.MatchDocument([]byte(doc)); got != hit {
				t.Fatalf("%s on %s: evaluator %v, index keys %v (member keys %v)", crit, doc, got, hit, memberKeys(doc, "k"))
			}
		}
	})
}

// FuzzEqualities checks on FuzzMatch's grammar that every document a
// query matches satisfies each of its Equalities, as an index sees them.
func FuzzEqualities(f *testing.F) {
	fuzzMatches(f, func(t *testing.T, crit []byte, q *Query, doc string) {
		for _, e := range q.Equalities() {
			if hit, ok := indexHit(doc, e.Key, string(e.Value)); ok && !hit {
				t.Fatalf("%s matches %s, but its member %q is not filed under %s", crit, doc, e.Key, e.Value)
			}
		}
	})
}

// fuzzMatches runs check for queries and documents from FuzzMatch's
// grammar, on each document that the query matches.
func fuzzMatches(f *testing.F, check func(t *testing.T, crit []byte, q *Query, doc string)) {
	f.Add([]byte("hello"))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Add([]byte(strings.Repeat("\x09\x03\x0a\x0b\x01\x05", 8)))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{fuzzgen.New(data)}
		crit := mustMarshal(t, g.criteria(0, false))
		q, err := Compile(crit)
		if err != nil {
			t.Fatalf("Compile(%s): %v", crit, err)
		}
		for range 4 {
			doc := string(mustMarshal(t, g.document()))
			if q.MatchDocument([]byte(doc)) {
				check(t, crit, q, doc)
			}
		}
	})
}
