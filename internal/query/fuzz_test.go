package query

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/happn-go/happn/internal/fuzzgen"
	"github.com/happn-go/happn/store"
)

// gen turns fuzz bytes into choices, so the fuzzer explores a small grammar
// of criteria and documents instead of mostly invalid JSON.
type gen struct{ fuzzgen.Bytes }

var (
	fuzzKeys    = []string{"a", "b", "c", "0", "", "x<y", "#", "@this"}
	fuzzPaths   = []string{"a", "b", "c", "a.b", "a.0", "a.b.c", "b.a", "c.0.a", "a.", "x<y", "a.1.b", "#", "@this"}
	fuzzNumbers = []string{"-1", "0", "1", "2", "3", "1.5", "2.0", "1e2", "100", "9007199254740993", "9007199254740992"}
	fuzzStrings = []string{"x", "y", "X", "", "a<b", "xy", "x\ny"}
	fuzzRegexes = []string{"^x", "x$", "X", "[xy]", "", "a<", "^$", "^y$"}
	fuzzFlags   = []string{"", "i", "m", "s", "is"}
)

// value is a random JSON value; objects and arrays only above depth 0.
func (g *gen) value(depth int) any {
	switch g.N(12) {
	case 0:
		return nil
	case 1:
		return true
	case 2:
		return false
	case 3, 4, 5:
		return json.Number(g.Pick(fuzzNumbers))
	case 6, 7, 8:
		return g.Pick(fuzzStrings)
	case 9, 10:
		if depth > 0 {
			m := map[string]any{}
			for i := g.N(4); i > 0; i-- {
				m[g.Pick(fuzzKeys)] = g.value(depth - 1)
			}
			return m
		}
	}
	if depth > 0 {
		a := []any{}
		for i := g.N(4); i > 0; i-- {
			a = append(a, g.value(depth-1))
		}
		return a
	}
	return "x"
}

func (g *gen) scalar() any { return g.value(0) }

func (g *gen) array(depth int) []any {
	a := []any{}
	for i := g.N(4); i > 0; i-- {
		a = append(a, g.value(depth))
	}
	return a
}

// criteria is a random criteria object. plain forces at least one field
// member, as $elemMatch criteria need.
func (g *gen) criteria(depth int, plain bool) map[string]any {
	m := map[string]any{}
	for i := 1 + g.N(2); i > 0; i-- {
		if depth < 2 && g.N(5) == 0 {
			op := g.Pick([]string{"$and", "$or", "$nor", "$not"})
			if op == "$not" {
				m[op] = g.criteria(depth+1, false)
				continue
			}
			var list []any
			for j := 1 + g.N(3); j > 0; j-- {
				list = append(list, g.criteria(depth+1, false))
			}
			m[op] = list
			continue
		}
		m[g.Pick(fuzzPaths)] = g.expr(depth)
	}
	if plain {
		m[g.Pick(fuzzPaths)] = g.expr(depth)
	}
	return m
}

// expr is what a field is compared with: a literal or operators.
func (g *gen) expr(depth int) any {
	if g.N(3) == 0 {
		return g.value(1)
	}
	return g.ops(depth)
}

func (g *gen) ops(depth int) map[string]any {
	m := map[string]any{}
	for i := 1 + g.N(2); i > 0; i-- {
		switch op := g.Pick([]string{"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$all", "$exists", "$regex", "$size", "$elemMatch", "$not", "$containsAny", "$contains", "$containsNone", "$between"}); op {
		case "$eq", "$ne":
			m[op] = g.value(1)
		case "$gt", "$gte", "$lt", "$lte":
			m[op] = g.scalar()
		case "$in", "$nin", "$all":
			m[op] = g.array(1)
		case "$exists":
			m[op] = g.N(2) == 0
		case "$regex":
			pattern, flags := g.Pick(fuzzRegexes), g.Pick(fuzzFlags)
			switch g.N(3) {
			case 0:
				m[op] = pattern
				if flags != "" {
					m["$options"] = flags
				}
			case 1:
				m[op] = []any{pattern, flags}
			default:
				m[op] = []any{pattern}
			}
		case "$size":
			m[op] = json.Number(g.Pick([]string{"0", "1", "2", "3"}))
		case "$containsAny", "$contains", "$containsNone":
			if g.N(3) == 0 {
				m[op] = g.scalar()
			} else {
				m[op] = g.array(1)
			}
		case "$between":
			m[op] = []any{g.scalar(), g.scalar()}
		case "$elemMatch":
			if depth >= 2 {
				m["$exists"] = true
			} else if g.N(2) == 0 {
				m[op] = g.ops(depth + 1)
			} else {
				m[op] = g.criteria(depth+1, true)
			}
		case "$not":
			if depth >= 2 {
				m["$exists"] = false
			} else {
				m[op] = g.ops(depth + 1)
			}
		}
	}
	return m
}

func (g *gen) document() map[string]any {
	m := map[string]any{}
	for i := g.N(5); i > 0; i-- {
		m[g.Pick(fuzzKeys)] = g.value(3)
	}
	return m
}

// refLookup is the reference for sort keys: a path that would fan out over
// an array is missing.
func refLookup(v any, segs []string) any {
	for _, s := range segs {
		switch x := v.(type) {
		case map[string]any:
			v = x[s]
			if _, ok := x[s]; !ok {
				return refMissing
			}
		case []any:
			i := arrayIndex(s)
			if i < 0 || i >= len(x) {
				return refMissing
			}
			v = x[i]
		default:
			return refMissing
		}
	}
	return v
}

func mustMarshal(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzMatch compares the evaluator with the reference evaluator on random
// criteria and documents from a small grammar, through both Compile
// (item mapping; the grammar avoids metadata names) and CompileDocument,
// and checks Sort.Less against the reference order.
func FuzzMatch(f *testing.F) {
	f.Add([]byte("hello"))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Add([]byte(strings.Repeat("\x09\x03\x0a\x0b\x01\x05", 8)))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{fuzzgen.New(data)}
		critJSON := mustMarshal(t, g.criteria(0, false))
		docJSON := mustMarshal(t, g.document())
		doc2JSON := mustMarshal(t, g.document())
		crit := decodeJSON(critJSON).(map[string]any)
		doc := decodeJSON(docJSON)

		want := refMatch(crit, doc)
		q, err := CompileDocument(critJSON)
		if err != nil {
			t.Fatalf("CompileDocument(%s): %v", critJSON, err)
		}
		if got := q.MatchDocument(docJSON); got != want {
			t.Fatalf("criteria %s on %s: MatchDocument = %v, reference = %v", critJSON, docJSON, got, want)
		}
		qi, err := Compile(critJSON)
		if err != nil {
			t.Fatalf("Compile(%s): %v", critJSON, err)
		}
		if got := qi.MatchItem(store.Item{Path: "/p", Data: docJSON}); got != want {
			t.Fatalf("criteria %s on %s: MatchItem = %v, reference = %v", critJSON, docJSON, got, want)
		}

		path := g.Pick(fuzzPaths)
		s, err := CompileSort(mustMarshal(t, map[string]any{path: 1}))
		if err != nil {
			t.Fatal(err)
		}
		segs := strings.Split(path, ".")
		a, b := refLookup(doc, segs), refLookup(decodeJSON(doc2JSON), segs)
		wantLess := refCompare(a, b) < 0
		if got := s.Less(store.Item{Data: docJSON}, store.Item{Data: doc2JSON}); got != wantLess {
			t.Fatalf("sort on %q: Less(%s, %s) = %v, reference = %v", path, docJSON, doc2JSON, got, wantLess)
		}
	})
}

// fuzzDocs are documents every compiled query from FuzzCompile runs over.
var fuzzDocs = []string{
	`{}`,
	`{"a":1,"b":"x","c":[1,{"a":2}],"d":{"e":null}}`,
	`{"a":[[1],[{"b":[]}]],"#":true,"@this":{"":0}}`,
	`[1,2]`,
	`not json`,
	``,
}

// FuzzCompile feeds arbitrary bytes to every Compile function: each must
// return an error or a usable value, never panic.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"$or":[{"a":{"$in":[1,2]}},{"b":{"$regex":["^x","i"]}}]}`,
		`{"a":{"$elemMatch":{"b":{"$gt":1}}}}`, `{"a":{"$not":{"$size":2}}}`, `{"a":1,"b.c":-1}`,
		`{"_meta.created":{"$gte":1,"$lte":2}}`, `{"$where":"1"}`, `{"a":{"$regex":"(?=x)"}}`,
		`{"a.b":0}`, `[[[[`, `{"a":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, compile := range []func([]byte) (*Query, error){Compile, CompileDocument} {
			q, err := compile(data)
			if (q == nil) == (err == nil) {
				t.Fatalf("compile(%q) = %v, %v", data, q, err)
			}
			for _, d := range fuzzDocs {
				q.MatchDocument([]byte(d))
				q.MatchItem(store.Item{Path: "/a", Data: []byte(d), Created: 1})
			}
			if q != nil {
				q.MatchDocument(data)
			}
		}
		if s, err := CompileSort(data); err == nil {
			for _, a := range fuzzDocs {
				for _, b := range fuzzDocs {
					s.Less(store.Item{Data: []byte(a)}, store.Item{Data: []byte(b)})
				}
			}
		}
		if p, err := CompileFields(data); err == nil {
			for _, d := range fuzzDocs[:3] {
				if out := p.Apply([]byte(d)); !json.Valid(out) {
					t.Fatalf("fields %s on %s gave invalid JSON %s", data, d, out)
				}
			}
		}
	})
}

// FuzzSortItems checks SortItems against a stable sort with Less (which
// FuzzMatch checks against the reference order), whole and for the first
// few places, on items from FuzzMatch's grammar.
func FuzzSortItems(f *testing.F) {
	f.Add([]byte("hello, world"), uint8(0))
	f.Add([]byte{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5}, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, first uint8) {
		g := &gen{fuzzgen.New(data)}
		spec := map[string]int{g.Pick(fuzzPaths): 1 - 2*g.N(2)}
		if g.N(2) == 0 {
			spec[g.Pick([]string{"_meta.created", "path", "b", "a.b"})] = 1 - 2*g.N(2)
		}
		s, err := CompileSort(mustMarshal(t, spec))
		if err != nil {
			t.Fatal(err)
		}
		items := make([]store.Item, 1+g.N(12))
		for i := range items {
			items[i] = store.Item{Path: fmt.Sprint("/", i), Data: mustMarshal(t, g.document()), Created: int64(g.N(3))}
		}
		want := slices.Clone(items)
		sort.SliceStable(want, func(i, j int) bool { return s.Less(want[i], want[j]) })
		got := slices.Clone(items)
		k := int(first) % (len(items) + 1)
		s.SortItems(got, k)
		if k == 0 || k >= len(items) {
			k = len(items)
		}
		for i := range k {
			if got[i].Path != want[i].Path {
				t.Fatalf("sort %v, first %d: place %d holds %s, want %s", spec, k, i, got[i].Path, want[i].Path)
			}
		}
		// The rest keep their original order.
		rest := slices.DeleteFunc(slices.Clone(items), func(it store.Item) bool {
			return slices.ContainsFunc(got[:k], func(o store.Item) bool { return o.Path == it.Path })
		})
		for i, it := range rest {
			if got[k+i].Path != it.Path {
				t.Fatalf("sort %v, first %d: place %d holds %s, want %s", spec, k, k+i, got[k+i].Path, it.Path)
			}
		}
	})
}
