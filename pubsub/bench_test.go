package pubsub

import (
	"strconv"
	"testing"
)

// BenchmarkMatchFanout: one set reaching 100 subscribers of one topic.
func BenchmarkMatchFanout100(b *testing.B) {
	var ix Index[int]
	for i := range 100 {
		ix.Add(Set, "/app/orders/1", 0, i)
	}
	n := 0
	yield := func(int, int) bool { n++; return true }
	b.ReportAllocs()
	for b.Loop() {
		ix.Match(Set, "/app/orders/1", yield)
	}
	if n != 100*b.N {
		b.Fatalf("yielded %d, want %d", n, 100*b.N)
	}
}

// bigIndex has 100k subscriptions on distinct paths plus some wildcards of
// every kind, as on a busy server.
func bigIndex() (*Index[int], []string) {
	ix := new(Index[int])
	paths := make([]string, 100_000)
	for i := range paths {
		paths[i] = "/app/users/" + strconv.Itoa(i) + "/profile"
		ix.Add(Action(i%3), paths[i], 0, i)
	}
	for i := range 1000 {
		ix.Add(Set, "/app/users/"+strconv.Itoa(i*100)+"/*", 0, i)
		ix.Add(All, "/app/other"+strconv.Itoa(i)+"/*/profile", 0, i)
	}
	for i := range 10 {
		ix.Add(All, "/app/users/*/profile", 0, i)
		ix.Add(All, "/app/**", 0, i)
		ix.Add(Set, "/app/users/**", 3, i)
	}
	ix.Add(All, "*", 0, 0)
	return ix, paths
}

// BenchmarkMatch100k: a set on one of 100k subscribed paths; it reaches that
// path's subscriber (2 in 3 of the time), the 30 wildcards and onAll.
func BenchmarkMatch100k(b *testing.B) {
	ix, paths := bigIndex()
	n := 0
	yield := func(int, int) bool { n++; return true }
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ix.Match(Set, paths[i%len(paths)], yield)
		i += 7919 // a prime stride: spread over the trie, not cache-friendly
	}
	b.ReportMetric(float64(n)/float64(b.N), "matches/op")
}

// BenchmarkMatch100kMiss: a set that reaches only onAll.
func BenchmarkMatch100kMiss(b *testing.B) {
	ix, _ := bigIndex()
	yield := func(int, int) bool { return true }
	b.ReportAllocs()
	for b.Loop() {
		ix.Match(Set, "/other/place/1", yield)
	}
}

// BenchmarkMatch100kParallel: concurrent Match calls sharing the read lock,
// against the same walk with no lock at all (safe here only because nothing
// writes), to show what the lock costs.
func BenchmarkMatch100kParallel(b *testing.B) {
	ix, paths := bigIndex()
	yield := func(int, int) bool { return true }
	b.Run("rwmutex", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				ix.Match(Set, paths[i%len(paths)], yield)
				i += 7919
			}
		})
	})
	b.Run("nolock", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				p := trimLead(paths[i%len(paths)])
				ix.root.match(Set, p, segments(p), yield)
				i += 7919
			}
		})
	})
}

// BenchmarkAddRemove: subscribe and unsubscribe on a 100k index, a new
// branch each time (the path's last node is created and pruned).
func BenchmarkAddRemove(b *testing.B) {
	ix, paths := bigIndex()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := paths[i%len(paths)] + "/x"
		ix.Add(Set, p, 0, -1)
		ix.Remove(Set, p, 0, -1)
		i += 7919
	}
}

// BenchmarkAddRemoveFanout: the 101st subscriber of a topic joining and
// leaving.
func BenchmarkAddRemoveFanout(b *testing.B) {
	var ix Index[int]
	for i := range 100 {
		ix.Add(Set, "/app/orders/1", 0, i)
	}
	b.ReportAllocs()
	for b.Loop() {
		ix.Add(Set, "/app/orders/1", 0, -1)
		ix.Remove(Set, "/app/orders/1", 0, -1)
	}
}
