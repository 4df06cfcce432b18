package query

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/happn-go/happn/internal/fuzzgen"
	"github.com/happn-go/happn/store"
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
		`{"x":{"$in":[1,"a",null,false]}}`, `{"x":{"$in":[[1],2]}}`, `{"x":{"$nin":["a",{}]}}`, `{"x":{"$in":["a","b","c","d","e","f","g","h",2]}}`,
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
		{`{"x":[1,"a",[2],{"b":1},"\u0061",null,true,1.0]}`, "x"},
	} {
		f.Add([]byte(s[0]), s[1])
	}
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		checkScan(t, data, path)
		// Random bytes are seldom JSON: the same bytes also pick a
		// document and a path from FuzzMatch's grammar, checked compact
		// and indented.
		g := &gen{fuzzgen.New(data)}
		doc := mustMarshal(t, g.document())
		p := g.Pick(fuzzPaths)
		checkScan(t, doc, p)
		var indented bytes.Buffer
		if err := json.Indent(&indented, doc, " ", "\t"); err != nil {
			t.Fatal(err)
		}
		checkScan(t, indented.Bytes(), p)

		// Whole criteria give the same answer with the scanner as with
		// gjson alone, on every document, JSON or not.
		crit := mustMarshal(t, g.criteria(0, false))
		for _, d := range [][]byte{data, doc, indented.Bytes()} {
			checkMatch(t, crit, d)
		}
	})
}

// checkMatch compares matching data by criteria crit with the scanner and
// with gjson only (a doc with no obj takes the general path for every
// field), for both Compile and CompileDocument.
func checkMatch(t *testing.T, crit, data []byte) {
	it := store.Item{Path: "/p", Data: data, Created: 1}
	for _, compile := range []func([]byte) (*Query, error){Compile, CompileDocument} {
		q, err := compile(crit)
		if err != nil {
			t.Fatalf("compile %s: %v", crit, err)
		}
		itp := &it
		if !q.item {
			itp = nil
		}
		general := q.root.match(&doc{text: string(data)}, nil, itp)
		if got := q.MatchItem(it); got != general {
			t.Fatalf("criteria %s on %q: MatchItem %v, with gjson only %v", crit, data, got, general)
		}
	}
}

// checkScan runs FuzzScan's checks on one document and path.
func checkScan(t *testing.T, data []byte, path string) {
	text := string(data)
	fd, err := docField(path, path)
	if err != nil {
		return
	}
	d := newDoc(text)
	got := d.find(&fd)
	want, wantFan := resolve(gjson.Parse(text), fd.segs)
	if got.fan != wantFan || !sameResult(got.value(), want) {
		t.Fatalf("%q in %q: scanner %+v (fan %d), gjson %+v (fan %d)", path, text, got.value(), got.fan, want, wantFan)
	}
	if raw := got.raw; raw != "" {
		for i := range scanConds {
			c := &scanConds[i]
			want := c.test(rawResult(raw))
			if typ, ok := plainScalar(raw); ok && c.testRaw(&scalar{raw: raw, t: typ}) != want {
				t.Fatalf("cond %d on %s: raw test %v, general test %v", i, raw, !want, want)
			}
			if raw[0] == '[' && c.elementwise() {
				if hit, ok := c.testRawElements(raw); ok && hit != want {
					t.Fatalf("cond %d on %s: raw test of elements %v, general test %v", i, raw, hit, want)
				}
			}
		}
	}

	// Projections made with the scanner are the ones gjson makes.
	if root := gjson.Parse(text); root.IsObject() {
		for _, include := range []bool{true, false} {
			p, err := CompileFields(mustMarshal(t, map[string]bool{path: include}))
			if err != nil || p == nil {
				continue
			}
			if got, want := p.Apply(data), p.object(nil, root, p.fields); string(got) != string(want) {
				t.Fatalf("fields {%q:%v} on %q: Apply %q, with gjson %q", path, include, text, got, want)
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
}

// TestScanPath pins down what the scanner settles itself (FuzzScan checks
// only that it agrees with gjson when it does).
func TestScanPath(t *testing.T) {
	tests := []struct {
		doc, path string
		raw       string
		res       scanResult
		fan       int
	}{
		{`{"n":4242,"grp":"g2"}`, "n", "4242", scanFound, -1},
		{`{"n":4242,"grp":"g2"}`, "grp", `"g2"`, scanFound, -1},
		{` { "a" : { "b" : [ 1 , { "c" : "x\"}" } ] } } `, "a.b.1.c", `"x\"}"`, scanFound, -1},
		{`{"s":"a\\","t":true}`, "t", "true", scanFound, -1},
		{`{"a":[{"b":1}],"z":null}`, "z", "null", scanFound, -1},
		{`{"a":[{"b":1}]}`, "a.b", `[{"b":1}]`, scanFound, 1},
		{`{"a":[1,2]}`, "a.2", "", scanAbsent, -1},
		{`{"a":[]}`, "a.0", "", scanAbsent, -1},
		{`{"a":1,"a":2}`, "a", "1", scanFound, -1},
		{`{"a":1}`, "b", "", scanAbsent, -1},
		{`{"a":"x"}`, "a.b", "", scanAbsent, -1},
		{`{}`, "a", "", scanAbsent, -1},
		{`{"a":-1.5e3}`, "a", "-1.5e3", scanFound, -1},
		{`{"\u0061":1}`, "a", "", scanUnsure, -1},       // an escaped name
		{`{"b":1,"\u0061":1}`, "b", "1", scanFound, -1}, // found before it
		{`{"a":NaN}`, "a", "", scanUnsure, -1},
		{`{"a":1`, "b", "", scanUnsure, -1},
		{`{"a":1 "b":2}`, "b", "", scanUnsure, -1},
	}
	for _, tt := range tests {
		fd, err := docField(tt.path, tt.path)
		if err != nil {
			t.Fatal(err)
		}
		obj := newDoc(tt.doc).obj
		raw, res, fan := scanPath(obj, fd.segs)
		if raw != tt.raw || res != tt.res || fan != tt.fan {
			t.Errorf("%q in %s: %q, %d, fan %d; want %q, %d, fan %d", tt.path, tt.doc, raw, res, fan, tt.raw, tt.res, tt.fan)
		}
	}
}
