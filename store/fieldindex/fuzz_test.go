package fieldindex_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/happn-go/happn/internal/fuzzgen"
	"github.com/happn-go/happn/internal/query"
	"github.com/happn-go/happn/internal/wildcard"
	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/memstore"
)

// gen turns fuzz bytes into choices from small grammars of documents,
// writes and criteria.
type gen struct{ fuzzgen.Bytes }

// A few values in many spellings, so that writes and criteria meet.
var (
	fuzzScalars = []string{
		`1`, `1.0`, `1e0`, `10E-1`, `2`, `-0`, `0.0`, `9007199254740993`, `9007199254740992.0`,
		`"a"`, `"\u0061"`, `"b"`, `"A"`, `""`, `"a\"b"`, `true`, `false`, `null`,
		`-1`, `1.5`, `1e999`, `-1e999`, `9007199254740992`,
	}
	// Bounds for $gt, $gte, $lt and $lte: numbers around those above,
	// integers past 2^53 (which the index leaves to the evaluator) and a
	// few that are not numbers.
	fuzzBounds = []string{
		`0`, `-0.0`, `1`, `1.0`, `1.5`, `2`, `-1`, `0.5`, `1e999`, `-1e999`, `1e308`,
		`9007199254740992`, `9007199254740993`, `9007199254740992.0`, `-9007199254740993`,
		`"a"`, `null`, `true`,
	}
	fuzzCmps     = []string{`"$gt"`, `"$gte"`, `"$lt"`, `"$lte"`}
	fuzzNames    = []string{`"k"`, `"\u006b"`, `"j"`, `"path"`, `"k.x"`}
	fuzzFields   = []string{"k", "j", "data.k", "_data.j", "path", "k.x", "missing"}
	fuzzPaths    = []string{"/a/1", "/a/2", "/a/10", "/b/1", "/b/2", "/_SYSTEM/x", "/c"}
	fuzzPatterns = []string{"*", "/a/*", "/b/*", "/a/1*", "*1", "/c", "/_SYSTEM/*", "/a/*/x"}
)

func (g *gen) value() string {
	switch g.N(6) {
	case 0:
		return "[" + g.Pick(fuzzScalars) + "," + g.Pick(fuzzScalars) + "]"
	case 1:
		return `{"k":` + g.Pick(fuzzScalars) + `}`
	}
	return g.Pick(fuzzScalars)
}

func (g *gen) document() string {
	var parts []string
	for i := g.N(4); i > 0; i-- {
		parts = append(parts, g.Pick(fuzzNames)+":"+g.value())
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// term is one criteria member; most are equalities or comparisons.
// depth is how many $or and $and enclose it: past 4 it is never one
// itself, which keeps the criteria within the evaluator's nesting limit.
func (g *gen) term(depth int) string {
	f, _ := json.Marshal(g.Pick(fuzzFields))
	v := g.Pick(fuzzScalars)
	choice := g.N(11)
	if depth >= 4 && (choice == 3 || choice == 4) {
		choice = 7
	}
	switch choice {
	case 0:
		return fmt.Sprintf(`%s:{"$eq":%s}`, f, v)
	case 1:
		return fmt.Sprintf(`%s:{"$ne":%s}`, f, v)
	case 2:
		return fmt.Sprintf(`%s:{"$in":[%s,%s]}`, f, v, g.Pick(fuzzScalars))
	case 3:
		return fmt.Sprintf(`"$or":[{%s},{%s}]`, g.term(depth+1), g.term(depth+1))
	case 4:
		return fmt.Sprintf(`"$and":[{%s},{%s}]`, g.term(depth+1), g.term(depth+1))
	case 5:
		return fmt.Sprintf(`%s:{"$all":[%s]}`, f, v)
	case 8:
		return fmt.Sprintf(`%s:{%s:%s}`, f, g.Pick(fuzzCmps), g.Pick(fuzzBounds))
	case 9:
		return fmt.Sprintf(`%s:{%s:%s,%s:%s}`, f, g.Pick(fuzzCmps), g.Pick(fuzzBounds), g.Pick(fuzzCmps), g.Pick(fuzzBounds))
	}
	return fmt.Sprintf(`%s:%s`, f, v)
}

func (g *gen) criteria() string {
	terms := []string{g.term(0)}
	for i := g.N(3); i > 0; i-- {
		terms = append(terms, g.term(0))
	}
	return "{" + strings.Join(terms, ",") + "}"
}

// scanSearch is how the server searches without an index.
func scanSearch(t *testing.T, s store.Store, pattern string, q *query.Query) []string {
	var paths []string
	for it, err := range s.Scan(t.Context(), pattern) {
		if err != nil {
			t.Fatal(err)
		}
		if q.MatchItem(it) {
			paths = append(paths, it.Path)
		}
	}
	return paths
}

// indexedSearch is how the server searches with one (read.go, find): the
// candidates the index names for an equality term or else a range term,
// in the pattern, matched against the whole criteria. ok is false when
// the search would scan.
func indexedSearch(t *testing.T, s *memstore.Store, pattern string, q *query.Query) ([]string, bool) {
	candidates, ok, err := q.Candidates(t.Context(), s, wildcard.Prefix(pattern))
	if !ok && err == nil {
		candidates, ok, err = q.RangeCandidates(t.Context(), s, wildcard.Prefix(pattern))
	}
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil, false
	}
	var paths []string
	for _, p := range candidates {
		if !wildcard.Match(pattern, p) {
			continue
		}
		it, found, err := s.View(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		if found && q.MatchItem(it) {
			paths = append(paths, p)
		}
	}
	return paths, true
}

// FuzzIndexedSearch runs random writes and searches against a memstore
// and checks that every search its index answers finds exactly what a
// full scan with the evaluator finds.
func FuzzIndexedSearch(f *testing.F) {
	f.Add([]byte("search"))
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23})
	f.Add([]byte(strings.Repeat("\x07\x03\x01\x00\x05\x02\x09", 12)))
	// {"k":9007199254740993} at /a/1, then {"k":{"$gt":9007199254740992}}:
	// integers past 2^53 that only an exact comparison tells apart.
	f.Add([]byte{3, 1, 0, 2, 7, 0, 1, 0, 0, 8, 0, 11, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{fuzzgen.New(data)}
		s := memstore.New()
		defer s.Close()
		for range 40 {
			if g.Left() == 0 {
				return
			}
			switch g.N(8) {
			case 0:
				if _, err := s.Delete(t.Context(), g.Pick(fuzzPatterns)); err != nil {
					t.Fatal(err)
				}
			case 1, 2:
				crit := g.criteria()
				q, err := query.Compile([]byte(crit))
				if err != nil {
					t.Fatalf("Compile(%s): %v", crit, err)
				}
				pattern := g.Pick(fuzzPatterns)
				got, ok := indexedSearch(t, s, pattern, q)
				if !ok {
					continue
				}
				if want := scanSearch(t, s, pattern, q); !slices.Equal(got, want) {
					t.Fatalf("search %s %s: index %q, scan %q", pattern, crit, got, want)
				}
			default:
				doc := g.document()
				if _, err := s.Update(t.Context(), g.Pick(fuzzPaths), func(*store.Item) (store.Change, error) {
					return store.Change{Data: []byte(doc)}, nil
				}); err != nil {
					t.Fatalf("Update(%s): %v", doc, err)
				}
			}
		}
	})
}
