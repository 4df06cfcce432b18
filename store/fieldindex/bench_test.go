package fieldindex_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/happn-go/happn/store/fieldindex"
)

// BenchmarkMemory reports the heap an index of one member takes per
// document (B/doc), for 100,000 documents whose values are all different
// (unique) and for the same documents sharing 10 values (shared). The
// documents themselves are not counted.
func BenchmarkMemory(b *testing.B) {
	const n = 100_000
	for _, c := range []struct {
		name  string
		value func(i int) string
	}{
		{"unique", func(i int) string { return fmt.Sprintf(`"id-%d"`, i) }},
		{"shared", func(i int) string { return fmt.Sprintf(`"g%d"`, i%10) }},
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
				if _, ok, err := d.index.Lookup(b.Context(), "", "k", []byte(c.value(0))); !ok || err != nil {
					b.Fatalf("Lookup: %v, %v", ok, err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perDoc = float64(after.HeapAlloc-before.HeapAlloc) / n
			}
			b.ReportMetric(perDoc, "B/doc")
		})
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
