package query

import (
	"math"
	"testing"

	"github.com/tidwall/gjson"
)

// sameResult reports whether two gjson results hold the same value; Index
// is ignored (the scanner leaves it zero and nothing here reads it).
func sameResult(a, b gjson.Result) bool {
	sameNum := a.Num == b.Num && math.Signbit(a.Num) == math.Signbit(b.Num) ||
		math.IsNaN(a.Num) && math.IsNaN(b.Num)
	return a.Type == b.Type && a.Raw == b.Raw && a.Str == b.Str && sameNum
}

// scanConds are conds whose raw test FuzzScan compares with the general
// one on every scalar it finds.
var scanConds = func() []cond {
	var cs []cond
	for _, c := range []string{
		`{"x":1}`, `{"x":-0}`, `{"x":1.5}`, `{"x":"a"}`, `{"x":""}`, `{"x":null}`, `{"x":true}`, `{"x":false}`,
		`{"x":9007199254740993}`, `{"x":123456789012345678}`, `{"x":1e2}`, `{"x":[1]}`, `{"x":{}}`,
		`{"x":{"$gt":1}}`, `{"x":{"$lte":-1.5}}`, `{"x":{"$gte":"b"}}`, `{"x":{"$lt":true}}`, `{"x":{"$gt":null}}`,
		`{"x":{"$in":[1,"a",null,false]}}`, `{"x":{"$in":["a","b","c","d","e","f","g","h",2]}}`,
		`{"x":{"$regex":"^a"}}`, `{"x":{"$exists":true}}`, `{"x":{"$size":0}}`, `{"x":{"$all":[]}}`,
		`{"x":{"$elemMatch":{"$gt":1}}}`,
	} {
		q, err := CompileDocument([]byte(c))
		if err != nil {
			panic(err)
		}
		cs = append(cs, q.root.conds...)
	}
	return cs
}()

// FuzzScan checks the scanner against gjson on arbitrary text (well-formed
// JSON or not) and arbitrary dotted paths: a field is found as gjson finds
// it, or the scanner says it cannot tell. It also checks the raw tests
// against the general ones, and member iteration against ForEach.
func FuzzScan(f *testing.F) {
	for _, s := range [][2]string{
		{`{"a":1,"b":"x"}`, "b"},
		{`{"a":{"b":[1,{"c":2}]}}`, "a.b.1.c"},
		{` {"a" : [ 1 , 2 ] , "b" : { } }`, "a.1"},
		{`{"a\u0041":1,"aA":2}`, "aA"},
		{`{"a":"\"}\\","b":2}`, "b"},
		{`{"a":"x\ty\u00e9"}`, "a"},
		{`[{"a":1}]`, "a"},
		{`{"a":[{"b":1},{"b":2}]}`, "a.b"},
		{`{"a":tru,"b":1}`, "b"},
		{`{"a":nan}`, "a"},
		{`{"x":-0,"y":-}`, "x"},
		{`{"x":12345678901234567890}`, "x"},
		{`{"x":1e400,"y":0.1}`, "x"},
		{`{"a":1,"a":2}`, "a"},
		{`{"a":1 "b":2}`, "b"},
		{`{"a":[(],"b":1}`, "b"},
		{`{"":{"":3}}`, "."},
		{`{"a":1,}`, "b"},
		{`{"a"`, "a"},
		{`5`, "a"},
	} {
		f.Add([]byte(s[0]), s[1])
	}
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		text := string(data)
		fd, err := docField(path, path)
		if err != nil {
			return
		}
		d := newDoc(text)
		got := d.find(fd.segs)
		want, wantFan := resolve(gjson.Parse(text), fd.segs)
		if got.fan != wantFan || !sameResult(got.value(), want) {
			t.Fatalf("%q in %q: scanner %+v (fan %d), gjson %+v (fan %d)", path, text, got.value(), got.fan, want, wantFan)
		}
		if raw := got.raw; raw != "" {
			if typ, ok := plainScalar(raw); ok {
				for i := range scanConds {
					c := &scanConds[i]
					if c.testRaw(raw, typ) != c.test(rawResult(raw)) {
						t.Fatalf("cond %d on %s: raw test %v, general test %v", i, raw, c.testRaw(raw, typ), c.test(rawResult(raw)))
					}
				}
			}
		}

		// Member and element iteration, wherever they walk a whole value
		// (with only space after it: gjson's ForEach would go on past
		// the closing bracket), see what ForEach sees.
		var names, values []string
		end := -1
		switch root := gjson.Parse(text); {
		case root.IsObject():
			end = eachMember(root.Raw, func(name, value string) bool {
				names, values = append(names, name), append(values, value)
				return true
			})
		case root.IsArray():
			end = eachElement(root.Raw, func(value string) bool {
				names, values = append(names, ""), append(values, value)
				return true
			})
		}
		if end >= 0 && skipSpace(gjson.Parse(text).Raw, end) == len(gjson.Parse(text).Raw) {
			n := 0
			gjson.Parse(text).ForEach(func(k, v gjson.Result) bool {
				if n >= len(names) || k.Raw != names[n] || v.Raw != values[n] {
					t.Fatalf("member %d of %q: scanner %q:%q, gjson %q:%q", n, text, names, values, k.Raw, v.Raw)
				}
				n++
				return true
			})
			if n != len(names) {
				t.Fatalf("%q: scanner saw %d members, gjson %d", text, len(names), n)
			}
		}
	})
}
