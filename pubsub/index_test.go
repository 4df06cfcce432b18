package pubsub

import (
	"fmt"
	"slices"
	"testing"
)

func TestMatchRules(t *testing.T) {
	type sub struct {
		action  Action
		pattern string
		depth   int
	}
	tests := []struct {
		name      string
		sub       sub
		event     Action
		path      string
		want      bool
		wantDepth int
	}{
		// Literal patterns and the leading '/'.
		{"exact", sub{Set, "/a/b", 0}, Set, "/a/b", true, 0},
		{"event without leading slash", sub{Set, "/a/b", 0}, Set, "a/b", true, 0},
		{"pattern without leading slash", sub{Set, "a/b", 0}, Set, "/a/b", true, 0},
		{"other last segment", sub{Set, "/a/b", 0}, Set, "/a/c", false, 0},
		{"longer path", sub{Set, "/a/b", 0}, Set, "/a/b/c", false, 0},
		{"shorter path", sub{Set, "/a/b", 0}, Set, "/a", false, 0},
		{"case-sensitive", sub{Set, "/a/b", 0}, Set, "/a/B", false, 0},
		{"depth ignored on a literal pattern", sub{Set, "/a/b", 3}, Set, "/a/b", true, 0},

		// Actions.
		{"set sub, remove event", sub{Set, "/a/b", 0}, Remove, "/a/b", false, 0},
		{"remove sub, remove event", sub{Remove, "/a/b", 0}, Remove, "/a/b", true, 0},
		{"remove sub, set event", sub{Remove, "/a/b", 0}, Set, "/a/b", false, 0},
		{"all sub, set event", sub{All, "/a/b", 0}, Set, "/a/b", true, 0},
		{"all sub, remove event", sub{All, "/a/b", 0}, Remove, "/a/b", true, 0},
		{"All event reaches All sub", sub{All, "/a", 0}, All, "/a", true, 0},
		{"All event misses Set sub", sub{Set, "/a", 0}, All, "/a", false, 0},
		{"invalid event action acts as All", sub{Set, "/a", 0}, Action(9), "/a", false, 0},

		// '*' is one whole segment.
		{"star", sub{Set, "/a/*", 0}, Set, "/a/b", true, 0},
		{"star longer text", sub{Set, "/a/*", 0}, Set, "/a/bc", true, 0},
		{"star one segment only", sub{Set, "/a/*", 0}, Set, "/a/b/c", false, 0},
		{"star needs a segment", sub{Set, "/a/*", 0}, Set, "/a", false, 0},
		{"star matches empty segment", sub{Set, "/a/*", 0}, Set, "/a/", true, 0},
		{"star first", sub{Set, "/*/b", 0}, Set, "/x/b", true, 0},
		{"star first, wrong rest", sub{Set, "/*/b", 0}, Set, "/x/c", false, 0},
		{"slash-star is not onAll", sub{Set, "/*", 0}, Set, "/a/b", false, 0},
		{"slash-star one segment", sub{Set, "/*", 0}, Set, "/a", true, 0},
		{"slash-star empty path", sub{Set, "/*", 0}, Set, "", true, 0},
		{"star without slash is onAll", sub{Set, "*", 0}, Set, "/a/b", true, 0},

		// Partial '*' is literal text.
		{"partial star literal miss", sub{Set, "/a/b*", 0}, Set, "/a/bc", false, 0},
		{"partial star exact text", sub{Set, "/a/b*", 0}, Set, "/a/b*", true, 0},
		{"partial star, wildcard remove", sub{All, "/a/b*", 0}, Remove, "/a/b*", true, 0},
		{"partial star top", sub{Set, "/a*", 0}, Set, "/ab", false, 0},
		{"partial star top exact", sub{Set, "/a*", 0}, Set, "/a*", true, 0},

		// Event paths are literal: a wildcard-remove event.
		{"wildcard remove reaches /a/*", sub{All, "/a/*", 0}, Remove, "/a/*", true, 0},
		{"wildcard remove reaches /*/*", sub{Remove, "/*/*", 0}, Remove, "/a/*", true, 0},
		{"wildcard remove reaches /a/**", sub{All, "/a/**", 0}, Remove, "/a/*", true, 5},
		{"wildcard remove misses /a/b", sub{All, "/a/b", 0}, Remove, "/a/*", false, 0},
		{"wildcard remove misses /a/b/*", sub{All, "/a/*/c", 0}, Remove, "/a/*", false, 0},
		{"literal ** event segment", sub{Set, "/p/*", 0}, Set, "/p/**", true, 0},

		// Trailing "/**" is variable depth.
		{"deep one", sub{Set, "/p/**", 0}, Set, "/p/x", true, 5},
		{"deep five (default)", sub{Set, "/p/**", 0}, Set, "/p/1/2/3/4/5", true, 5},
		{"deep six too many", sub{Set, "/p/**", 0}, Set, "/p/1/2/3/4/5/6", false, 0},
		{"deep negative depth is default", sub{Set, "/p/**", -3}, Set, "/p/1/2/3/4/5", true, 5},
		{"deep needs a segment", sub{Set, "/p/**", 0}, Set, "/p", false, 0},
		{"deep empty segment", sub{Set, "/p/**", 0}, Set, "/p/", true, 5},
		{"deep other prefix", sub{Set, "/p/**", 0}, Set, "/q/x", false, 0},
		{"deep depth 2 hit", sub{Set, "/p/**", 2}, Set, "/p/x/y", true, 2},
		{"deep depth 2 miss", sub{Set, "/p/**", 2}, Set, "/p/x/y/z", false, 0},
		{"deep depth 1", sub{Set, "/p/**", 1}, Set, "/p/x", true, 1},
		{"deep large depth", sub{Set, "/p/**", 100}, Set, "/p/1/2/3/4/5/6/7/8/9/10", true, 100},
		{"deep action filter", sub{Set, "/p/**", 0}, Remove, "/p/x", false, 0},
		{"deep all action", sub{All, "/p/**", 0}, Remove, "/p/x", true, 5},
		{"deep with star prefix", sub{Set, "/*/**", 0}, Set, "/x/y", true, 5},
		{"deep with star prefix, too short", sub{Set, "/*/**", 0}, Set, "/x", false, 0},
		{"bare ** one", sub{All, "**", 0}, Set, "/a", true, 5},
		{"bare ** five", sub{All, "**", 0}, Set, "/a/b/c/d/e", true, 5},
		{"bare ** six", sub{All, "**", 0}, Set, "/a/b/c/d/e/f", false, 0},
		{"bare ** empty path", sub{All, "**", 0}, Set, "", true, 5},
		{"slash ** is bare **", sub{All, "/**", 2}, Set, "/a/b", true, 2},
		{"double slash ** has an empty prefix", sub{All, "//**", 0}, Set, "/a", false, 0},
		{"double slash ** hit", sub{All, "//**", 0}, Set, "//a", true, 5},

		// "**" anywhere but the end is literal.
		{"mid ** literal miss", sub{Set, "/a/**/b", 0}, Set, "/a/x/b", false, 0},
		{"mid ** literal hit", sub{Set, "/a/**/b", 0}, Set, "/a/**/b", true, 0},
		{"mid and trailing **", sub{Set, "/a/**/b/**", 0}, Set, "/a/**/b/x", true, 5},
		{"mid and trailing ** miss", sub{Set, "/a/**/b/**", 0}, Set, "/a/x/b/y", false, 0},
		{"partial ** at end is literal", sub{Set, "/a/b**", 0}, Set, "/a/bc", false, 0},

		// onAll: "*" alone, any action, any depth.
		{"onAll set sub gets remove", sub{Set, "*", 0}, Remove, "/x", true, 0},
		{"onAll remove sub gets set", sub{Remove, "*", 0}, Set, "/x", true, 0},
		{"onAll deep path", sub{All, "*", 0}, Set, "/1/2/3/4/5/6/7/8/9", true, 0},
		{"onAll empty path", sub{All, "*", 0}, Set, "", true, 0},

		// Empty segments are ordinary.
		{"empty segment exact", sub{Set, "/a//b", 0}, Set, "/a//b", true, 0},
		{"empty segment star", sub{Set, "/a/*/b", 0}, Set, "/a//b", true, 0},
		{"empty segment not skipped", sub{Set, "/a/b", 0}, Set, "/a//b", false, 0},
		{"trailing slash exact", sub{Set, "/a/", 0}, Set, "/a/", true, 0},
		{"trailing slash is a segment", sub{Set, "/a/", 0}, Set, "/a", false, 0},
		{"only one leading slash dropped", sub{Set, "//a", 0}, Set, "/a", false, 0},
		{"double leading slash exact", sub{Set, "//a", 0}, Set, "//a", true, 0},
		{"empty pattern, slash path", sub{Set, "", 0}, Set, "/", true, 0},
		{"slash pattern, empty path", sub{Set, "/", 0}, Set, "", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ix Index[int]
			ix.Add(tt.sub.action, tt.sub.pattern, tt.sub.depth, 7)
			var got []int
			gotDepth := -1
			ix.Match(tt.event, tt.path, func(v, depth int) bool {
				got = append(got, v)
				gotDepth = depth
				return true
			})
			if tt.want != (len(got) == 1) || len(got) > 1 {
				t.Fatalf("%v %q on %v %q: got %v, want match=%v", tt.sub.action, tt.sub.pattern, tt.event, tt.path, got, tt.want)
			}
			if tt.want && gotDepth != tt.wantDepth {
				t.Errorf("depth = %d, want %d", gotDepth, tt.wantDepth)
			}
			// The reference matcher must agree, or one of them is wrong.
			e := refEntry{tt.sub.action, tt.sub.pattern, tt.sub.depth, 7}
			if ok, d := refMatch(e, tt.event, tt.path); ok != tt.want || (ok && d != tt.wantDepth) {
				t.Errorf("reference: match=%v depth=%d", ok, d)
			}
		})
	}
}

// A wildcard remove publishes one event on the pattern itself; it reaches
// the subscriptions written like the pattern, not those on the paths removed
// (SPEC §5.2, observed on happn-3).
func TestWildcardRemoveEvent(t *testing.T) {
	var ix Index[string]
	for _, p := range []string{"/a/*", "/*/*", "/a/**", "/a/b", "/a/b/*", "/b/*"} {
		ix.Add(All, p, 0, p)
	}
	got := collect(&ix, Remove, "/a/*")
	want := []string{"/*/*", "/a/*", "/a/**"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// Three channels of one session match one set (WIRE-TRANSCRIPT "overlapping
// subscriptions"); the index yields each, and the server sends a frame per
// channel.
func TestOverlappingSubscriptions(t *testing.T) {
	var ix Index[string]
	ix.Add(Set, "/wire/ov/*", 0, "/SET@/wire/ov/*")
	ix.Add(All, "/wire/ov/y", 0, "/ALL@/wire/ov/y")
	ix.Add(Set, "/wire/ov/y", 0, "/SET@/wire/ov/y")
	ix.Add(Remove, "/wire/ov/y", 0, "/REMOVE@/wire/ov/y")
	ix.Add(Set, "/wire/ov/z", 0, "/SET@/wire/ov/z")
	ix.Add(All, "*", 0, "/ALL@*")
	got := collect(&ix, Set, "/wire/ov/y")
	want := []string{"/ALL@*", "/ALL@/wire/ov/y", "/SET@/wire/ov/*", "/SET@/wire/ov/y"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestDuplicatesAndRemove(t *testing.T) {
	var ix Index[string]
	ix.Add(Set, "/a/b", 0, "x")
	ix.Add(Set, "/a/b", 0, "x")
	ix.Add(Set, "/a/b", 0, "y")
	if n := ix.Len(); n != 3 {
		t.Fatalf("Len = %d, want 3", n)
	}
	if got := collect(&ix, Set, "/a/b"); !slices.Equal(got, []string{"x", "x", "y"}) {
		t.Fatalf("got %q", got)
	}
	if !ix.Remove(Set, "a/b", 9, "x") { // same topic, depth ignored
		t.Fatal("Remove of an added subscription = false")
	}
	if got := collect(&ix, Set, "/a/b"); !slices.Equal(got, []string{"x", "y"}) {
		t.Fatalf("after one Remove got %q", got)
	}
	if !ix.Remove(Set, "/a/b", 0, "x") || ix.Remove(Set, "/a/b", 0, "x") {
		t.Fatal("second Remove should succeed, third fail")
	}
	if ix.Len() != 1 {
		t.Fatalf("Len = %d, want 1", ix.Len())
	}
}

func TestRemove(t *testing.T) {
	tests := []struct {
		name     string
		action   Action
		pattern  string
		depth    int
		rmAction Action
		rmPat    string
		rmDepth  int
		want     bool
	}{
		{"same", Set, "/a/b", 0, Set, "/a/b", 0, true},
		{"leading slash", Set, "/a/b", 0, Set, "a/b", 0, true},
		{"other action", Set, "/a/b", 0, All, "/a/b", 0, false},
		{"other pattern", Set, "/a/b", 0, Set, "/a/c", 0, false},
		{"prefix of pattern", Set, "/a/b", 0, Set, "/a", 0, false},
		{"longer than pattern", Set, "/a/b", 0, Set, "/a/b/c", 0, false},
		{"star vs literal", Set, "/a/*", 0, Set, "/a/b", 0, false},
		{"deep default as 0", Set, "/p/**", 0, Set, "/p/**", 5, true},
		{"deep default as -1", Set, "/p/**", -1, Set, "/p/**", 0, true},
		{"deep other depth", Set, "/p/**", 0, Set, "/p/**", 4, false},
		{"deep vs star", Set, "/p/**", 0, Set, "/p/*", 0, false},
		{"bare **", All, "**", 3, All, "/**", 3, true},
		{"onAll", Set, "*", 0, Set, "*", 0, true},
		{"onAll other action", Set, "*", 0, Remove, "*", 0, false},
		{"onAll is not /*", Set, "*", 0, Set, "/*", 0, false},
		{"invalid action", Set, "/a", 0, Action(7), "/a", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ix Index[int]
			ix.Add(tt.action, tt.pattern, tt.depth, 1)
			if got := ix.Remove(tt.rmAction, tt.rmPat, tt.rmDepth, 1); got != tt.want {
				t.Fatalf("Remove = %v, want %v", got, tt.want)
			}
			if wantLen := map[bool]int{true: 0, false: 1}[tt.want]; ix.Len() != wantLen {
				t.Fatalf("Len = %d, want %d", ix.Len(), wantLen)
			}
			if tt.want && !ix.root.empty() {
				t.Fatal("Remove left nodes behind")
			}
			if !tt.want && ix.Remove(tt.action, tt.pattern, tt.depth, 2) {
				t.Fatal("Remove matched another value")
			}
		})
	}
}

// Removing the last subscription on a branch prunes it, leaving siblings.
func TestRemovePrunes(t *testing.T) {
	var ix Index[int]
	ix.Add(Set, "/a/b/c", 0, 1)
	ix.Add(Set, "/a/*/d", 0, 2)
	ix.Add(Set, "/a/b/**", 0, 3)
	ix.Add(Set, "/a/b", 0, 4)
	ix.Remove(Set, "/a/b/c", 0, 1)
	a := ix.root.child("a")
	if b := a.child("b"); b == nil || b.lit != nil || b.lits != nil {
		t.Fatalf("after removing /a/b/c: /a/b node = %+v, want kept with no literal children", b)
	}
	ix.Remove(Set, "/a/b/**", 0, 3)
	ix.Remove(Set, "/a/b", 0, 4)
	if a.lit != nil || a.lits != nil || a.star == nil {
		t.Fatalf("after removing /a/b: /a node = %+v, want only the star child", a)
	}
	ix.Remove(Set, "/a/*/d", 0, 2)
	if !ix.root.empty() || ix.Len() != 0 {
		t.Fatal("index not empty after removing everything")
	}
}

func TestRemoveFunc(t *testing.T) {
	type sub struct{ session, id int }
	var ix Index[sub]
	patterns := []string{"*", "/a", "/a/*", "/a/**", "**", "/a/b", "/*/b"}
	for s := 1; s <= 3; s++ {
		for i, p := range patterns {
			ix.Add(Action(i%3), p, 0, sub{s, i})
		}
	}
	if n := ix.RemoveFunc(func(v sub) bool { return v.session == 2 }); n != len(patterns) {
		t.Fatalf("RemoveFunc removed %d, want %d", n, len(patterns))
	}
	if n := ix.Len(); n != 2*len(patterns) {
		t.Fatalf("Len = %d, want %d", n, 2*len(patterns))
	}
	for _, path := range []string{"/a", "/a/b", "/x/b", "/a/b/c"} {
		for _, act := range []Action{Set, Remove} {
			sessions := map[int]int{}
			ix.Match(act, path, func(v sub, _ int) bool { sessions[v.session]++; return true })
			if sessions[2] != 0 || sessions[1] == 0 || sessions[1] != sessions[3] {
				t.Errorf("%v %s: matches per session %v", act, path, sessions)
			}
		}
	}
	if n := ix.RemoveFunc(func(sub) bool { return true }); n != 2*len(patterns) {
		t.Fatalf("RemoveFunc(all) removed %d", n)
	}
	if !ix.root.empty() || ix.Len() != 0 {
		t.Fatal("index not empty after RemoveFunc(all)")
	}
}

func TestMatchStops(t *testing.T) {
	var ix Index[int]
	ix.Add(All, "*", 0, 1)
	ix.Add(All, "*", 0, 2)
	ix.Add(Set, "/a/**", 0, 3)
	ix.Add(Set, "/a/**", 0, 4)
	ix.Add(Set, "/a/b", 0, 5)
	ix.Add(Set, "/a/b", 0, 6)
	ix.Add(Set, "/a/*", 0, 7)
	ix.Add(Set, "/a/*", 0, 8)
	for stopAt := 1; stopAt <= 8; stopAt++ {
		calls := 0
		ix.Match(Set, "/a/b", func(int, int) bool { calls++; return calls < stopAt })
		if calls != stopAt {
			t.Errorf("yield returning false after %d calls: called %d times", stopAt, calls)
		}
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	var ix Index[int]
	for i := range 100 {
		ix.Add(Set, "/app/orders/1", 0, i)
		ix.Add(All, fmt.Sprintf("/app/orders/%d", i), 0, i)
	}
	ix.Add(All, "/app/*/1", 0, 1)
	ix.Add(All, "/app/**", 0, 1)
	ix.Add(All, "*", 0, 1)
	n := 0
	yield := func(int, int) bool { n++; return true }
	allocs := testing.AllocsPerRun(100, func() { ix.Match(Set, "/app/orders/1", yield) })
	if allocs != 0 {
		t.Fatalf("Match allocates %v times per call", allocs)
	}
	if n == 0 {
		t.Fatal("Match yielded nothing")
	}
}

func TestAddInvalidActionPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Add with an invalid action did not panic")
		}
	}()
	var ix Index[int]
	ix.Add(Action(3), "/a", 0, 1)
}

func TestActionString(t *testing.T) {
	for a, want := range map[Action]string{All: "ALL", Set: "SET", Remove: "REMOVE", 9: "Action(9)"} {
		if got := a.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", a, got, want)
		}
	}
}

// collect returns the sorted values Match yields.
func collect(ix *Index[string], action Action, path string) []string {
	var got []string
	ix.Match(action, path, func(v string, _ int) bool { got = append(got, v); return true })
	slices.Sort(got)
	return got
}
