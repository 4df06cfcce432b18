package fieldindex_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/fieldindex"
)

// BenchmarkMemory reports the heap an index of one member takes per
// document (B/doc), for 100,000 documents: an equality index when their
// values are all different (unique) and when they share 10 values
// (shared); a numeric ordering when each holds a different number
// (ordered) and when each holds an array of two different numbers
// (ordered-arrays). The documents themselves are not counted.
func BenchmarkMemory(b *testing.B) {
	const n = 100_000
	zero := store.Bound{Value: 0} // a narrow range: a wide one is declined
	for _, c := range []struct {
		name    string
		value   func(i int) string
		ordered bool
	}{
		{"unique", func(i int) string { return fmt.Sprintf(`"id-%d"`, i) }, false},
		{"shared", func(i int) string { return fmt.Sprintf(`"g%d"`, i%10) }, false},
		{"ordered", func(i int) string { return fmt.Sprint(i) }, true},
		{"ordered-arrays", func(i int) string { return fmt.Sprintf(`[%d,%d.5]`, i, i) }, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			d := newDocs()
			for i := range n {
				d.set(fmt.Sprintf("/bench/%d", i), `{"k":`+c.value(i)+`}`)
			}
			var perDoc float64
			for b.Loop() {
				d.index.Reset()
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				var ok bool
				var err error
				if c.ordered {
					_, ok, err = d.index.LookupRange(b.Context(), "", "k", zero, zero)
				} else {
					_, ok, err = d.index.Lookup(b.Context(), "", "k", []byte(c.value(0)))
				}
				if !ok || err != nil {
					b.Fatalf("lookup: %v, %v", ok, err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perDoc = float64(after.HeapAlloc-before.HeapAlloc) / n
			}
			b.ReportMetric(perDoc, "B/doc")
		})
	}
}

// BenchmarkLookupRange measures a range lookup of 100 of 10,000
// documents, the benchmark search's ({"n":{"$gte":5000,"$lt":5100}}).
func BenchmarkLookupRange(b *testing.B) {
	d := newDocs()
	for i := range 10_000 {
		d.set(fmt.Sprintf("/h2h/search/%d", i), fmt.Sprintf(`{"n":%d,"grp":"g%d","name":"item%d"}`, i, i%10, i))
	}
	lo, hi := store.Bound{Value: 5000}, store.Bound{Value: 5100, Exclusive: true}
	for b.Loop() {
		if paths, ok, err := d.index.LookupRange(b.Context(), "/h2h/search/", "n", lo, hi); len(paths) != 100 || !ok || err != nil {
			b.Fatalf("LookupRange: %d paths, %v, %v", len(paths), ok, err)
		}
	}
}

// BenchmarkApply measures what a write costs the index of one member
// that it changes: one removal and one insertion.
func BenchmarkApply(b *testing.B) {
	x := fieldindex.New(newDocs().all)
	if _, ok, err := x.Lookup(b.Context(), "", "k", []byte(`1`)); !ok || err != nil {
		b.Fatalf("Lookup: %v, %v", ok, err)
	}
	paths := make([]string, 1000)
	for i := range paths {
		paths[i] = fmt.Sprintf("/bench/%d", i)
		x.Apply(paths[i], nil, []byte(`{"k":0}`))
	}
	docs := [][]byte{[]byte(`{"k":0,"x":1}`), []byte(`{"k":1,"x":1}`)}
	i := 0
	for b.Loop() {
		p := paths[i%len(paths)]
		x.Apply(p, docs[i/len(paths)%2], docs[(i/len(paths)+1)%2])
		i++
	}
}
