package storetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/happn-go/happn/store"
)

// benchDoc is the small document every benchmark writes.
const benchDoc = `{"a":1,"b":"x"}`

// Benchmark runs the shared benchmarks against the stores open returns.
// open must return a new, empty store on each call; the helper closes it.
//
// UpdateDuringScan measures Update while another goroutine slowly scans
// 200,000 items over and over; its p99-µs and max-µs metrics, set against
// ms/scan, show whether a writer waits for a whole scan or only for a slice
// of it (max-µs also catches GC pauses and the machine's scheduling noise).
func Benchmark(b *testing.B, open func(b *testing.B) store.Store) {
	for _, c := range []struct {
		name string
		fn   func(b *testing.B, s store.Store)
	}{
		{"Get", benchGet},
		{"UpdateNew", benchUpdateNew},
		{"UpdateExisting", benchUpdateExisting},
		{"Scan1000of10000", benchScanPrefix},
		{"Delete", benchDelete},
		{"UpdateDuringScan", benchUpdateDuringScan},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := open(b)
			defer s.Close()
			c.fn(b, s)
		})
	}
}

// preload writes benchDoc at prefix + i for i in [0, n).
func preload(b *testing.B, s store.Store, prefix string, n int) []string {
	b.Helper()
	paths := make([]string, n)
	ctx := context.Background()
	for i := range paths {
		paths[i] = prefix + fmt.Sprintf("%06d", i)
		if _, err := s.Update(ctx, paths[i], set(benchDoc, "")); err != nil {
			b.Fatal(err)
		}
	}
	return paths
}

func benchGet(b *testing.B, s store.Store) {
	paths := preload(b, s, "/bench/", 10_000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if _, ok, err := s.Get(ctx, paths[i%len(paths)]); !ok || err != nil {
			b.Fatal(ok, err)
		}
		i++
	}
}

func benchUpdateNew(b *testing.B, s store.Store) {
	ctx := context.Background()
	fn := set(benchDoc, "")
	buf := []byte("/bench/new/")
	i := 0
	for b.Loop() {
		// A new path is a new string the store keeps, so its allocation is
		// part of the cost of a write.
		if _, err := s.Update(ctx, string(strconv.AppendInt(buf, int64(i), 10)), fn); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func benchUpdateExisting(b *testing.B, s store.Store) {
	paths := preload(b, s, "/bench/", 10_000)
	ctx := context.Background()
	fn := set(benchDoc, "")
	i := 0
	for b.Loop() {
		if _, err := s.Update(ctx, paths[i%len(paths)], fn); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func benchScanPrefix(b *testing.B, s store.Store) {
	for g := range 10 {
		preload(b, s, fmt.Sprintf("/bench/%02d/", g), 1000)
	}
	ctx := context.Background()
	for b.Loop() {
		n := 0
		for _, err := range s.Scan(ctx, "/bench/03/*") {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 1000 {
			b.Fatalf("scan yielded %d items, want 1000", n)
		}
	}
}

func benchDelete(b *testing.B, s store.Store) {
	// Deleting needs b.N items, so this benchmark sizes its setup to b.N.
	paths := preload(b, s, fmt.Sprintf("/bench/del/%d/", b.N), b.N)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n, err := s.Delete(ctx, paths[i]); n != 1 || err != nil {
			b.Fatal(n, err)
		}
	}
}

func benchUpdateDuringScan(b *testing.B, s store.Store) {
	const n = 200_000
	preload(b, s, "/big/", n)
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg              sync.WaitGroup
		started         = make(chan struct{})
		scans, scanNano atomic.Int64
	)
	wg.Go(func() {
		once := sync.OnceFunc(func() { close(started) })
		for ctx.Err() == nil {
			t0 := time.Now()
			k := 0
			for _, err := range s.Scan(ctx, "/big/*") {
				if err != nil {
					break
				}
				once()
				if k++; k%1024 == 0 {
					time.Sleep(200 * time.Microsecond) // a slow consumer
				}
			}
			if k == n {
				scans.Add(1)
				scanNano.Add(int64(time.Since(t0)))
			}
		}
	})
	<-started
	fn := set(benchDoc, "")
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := s.Update(ctx, "/other/x", fn); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	cancel()
	wg.Wait()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
	if k := scans.Load(); k > 0 {
		b.ReportMetric(float64(k), "scans")
		b.ReportMetric(float64(scanNano.Load()/k)/1e6, "ms/scan")
	}
}
