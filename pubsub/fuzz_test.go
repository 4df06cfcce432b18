package pubsub

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// FuzzMatch cross-checks the trie against the reference matcher. Each line
// of subs is a subscription "<action byte><depth byte><pattern>"; each line
// of events is "<action byte><path>". After matching every event, it removes
// every other subscription (some in the equivalent form without the leading
// '/'), matches again, then removes the rest with RemoveFunc.
func FuzzMatch(f *testing.F) {
	f.Add("\x00\x00/a/*\n\x01\x00/*/*\n\x00\x00/a/**\n\x00\x00/a/b", "\x02/a/*\n\x01/a/b")
	f.Add("\x01\x03/p/**\n\x00\x00**\n\x02\x00*\n\x01\x00a/b*", "\x01/p/x/y/z\n\x02/p\n\x01a/b*\n\x00/q")
	f.Add("\x00\x00//a\n\x00\x00/a//b\n\x00\x00/a/\n\x00\x00\n\x00\x00/", "\x01//a\n\x01/a//b\n\x01/a/\n\x01\n\x01/")
	f.Add("\x00\x00/a/**/b/**\n\x00\x02/**\n\x00\x00//**\n\x00\x00/*", "\x01/a/**/b/c\n\x01/x/y\n\x01//x\n\x03/a")
	f.Fuzz(func(t *testing.T, subs, events string) {
		var ix Index[int]
		var entries []refEntry
		for i, line := range strings.Split(subs, "\n") {
			if len(line) < 2 || len(entries) >= 200 {
				continue
			}
			e := refEntry{Action(line[0] % 3), line[2:], int(line[1]%8) - 1, i}
			entries = append(entries, e)
			ix.Add(e.action, e.pattern, e.depth, e.v)
		}
		type event struct {
			action Action
			path   string
		}
		var evs []event
		for _, line := range strings.Split(events, "\n") {
			if len(line) >= 1 && len(evs) < 50 {
				evs = append(evs, event{Action(line[0] % 4), line[1:]})
			}
		}
		check := func(stage string) {
			t.Helper()
			if ix.Len() != len(entries) {
				t.Fatalf("%s: Len = %d, want %d", stage, ix.Len(), len(entries))
			}
			for _, ev := range evs {
				got, want := ixResults(&ix, ev.action, ev.path), refResults(entries, ev.action, ev.path)
				if !slices.Equal(got, want) {
					t.Fatalf("%s: %v %q: got %v, want %v", stage, ev.action, ev.path, got, want)
				}
			}
		}
		check("added")

		var kept []refEntry
		for i, e := range entries {
			if i%2 == 1 {
				kept = append(kept, e)
				continue
			}
			p := e.pattern
			if !strings.HasPrefix(p, "/") && p != "*" {
				p = "/" + p // the same topic
			}
			if !ix.Remove(e.action, p, e.depth, e.v) {
				t.Fatalf("Remove(%v, %q, %d, %d) = false", e.action, p, e.depth, e.v)
			}
		}
		entries = kept
		check("half removed")

		if n := ix.RemoveFunc(func(int) bool { return true }); n != len(entries) {
			t.Fatalf("RemoveFunc removed %d, want %d", n, len(entries))
		}
		if !ix.root.empty() || ix.Len() != 0 {
			t.Fatal("index not empty after RemoveFunc")
		}
	})
}

// TestMatchRandom is the fuzz cross-check with random patterns drawn from a
// small alphabet, so that overlaps are common; it runs in every go test.
func TestMatchRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	segs := []string{"a", "b", "*", "**", "", "a*"}
	randPath := func(max int) string {
		n := 1 + rng.IntN(max)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = segs[rng.IntN(len(segs))]
		}
		p := strings.Join(parts, "/")
		if rng.IntN(4) > 0 {
			p = "/" + p
		}
		return p
	}
	for round := range 200 {
		var ix Index[int]
		var entries []refEntry
		for i := range 40 {
			p := randPath(4)
			if rng.IntN(20) == 0 {
				p = "*"
			}
			e := refEntry{Action(rng.IntN(3)), p, rng.IntN(5) - 1, i}
			entries = append(entries, e)
			ix.Add(e.action, e.pattern, e.depth, e.v)
		}
		for range 40 {
			action, path := Action(1+rng.IntN(2)), randPath(7)
			got, want := ixResults(&ix, action, path), refResults(entries, action, path)
			if !slices.Equal(got, want) {
				t.Fatalf("round %d: %v %q: got %v, want %v\nentries %+v", round, action, path, got, want, entries)
			}
		}
	}
}
