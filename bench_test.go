package happn_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/happn-go/happn"
)

func benchServer(b *testing.B) (*happn.Server, string) {
	b.Helper()
	srv, err := happn.New(happn.Config{})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return srv, hs.URL
}

func benchClients(b *testing.B) map[string]*happn.Client {
	srv, url := benchServer(b)
	ctx := context.Background()
	local, err := srv.LocalClient(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ws, err := happn.Dial(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		local.Close()
		ws.Close()
	})
	return map[string]*happn.Client{"local": local, "websocket": ws}
}

// BenchmarkSet measures sequential sets: one call waits for its answer
// before the next is made, as happn-3's benchmark does.
func BenchmarkSet(b *testing.B) {
	for name, c := range benchClients(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			data := []byte(`{"a":1,"b":"x"}`)
			i := 0
			defer reportCPU(b)()
			for b.Loop() {
				if _, err := c.Set(ctx, "/bench/seq/"+strconv.Itoa(i%1000), data); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkSetTTL is BenchmarkSet with a ttl on every set: the document
// and its expiry record are written, and the expiry is rescheduled.
func BenchmarkSetTTL(b *testing.B) {
	c := benchClients(b)["local"]
	ctx := context.Background()
	data := []byte(`{"a":1,"b":"x"}`)
	ttl := happn.TTL(time.Hour)
	i := 0
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := c.Set(ctx, "/bench/ttl/"+strconv.Itoa(i%1000), data, ttl); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRemovePattern measures a set and then a remove of a pattern
// matching it: the remove takes every stripe lock (lockPattern).
func BenchmarkRemovePattern(b *testing.B) {
	c := benchClients(b)["local"]
	ctx := context.Background()
	data := []byte(`{"a":1,"b":"x"}`)
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := c.Set(ctx, "/bench/rm/x", data); err != nil {
			b.Fatal(err)
		}
		if n, err := c.Remove(ctx, "/bench/rm/*"); err != nil || n != 1 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkGet measures sequential gets of one existing path.
func BenchmarkGet(b *testing.B) {
	for name, c := range benchClients(b) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			if _, err := c.Set(ctx, "/bench/get", []byte(`{"a":1,"b":"x"}`)); err != nil {
				b.Fatal(err)
			}
			defer reportCPU(b)()
			for b.Loop() {
				if _, err := c.Get(ctx, "/bench/get"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSearch measures criteria searches over 10,000 items.
func BenchmarkSearch(b *testing.B) {
	srv, _ := benchServer(b)
	ctx := context.Background()
	c, err := srv.LocalClient(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for i := range 10000 {
		data := fmt.Sprintf(`{"n":%d,"grp":"g%d","name":"item %d"}`, i, i%10, i)
		if _, err := c.Set(ctx, fmt.Sprintf("/bench/search/%d", i), []byte(data), happn.NoPublish()); err != nil {
			b.Fatal(err)
		}
	}
	cases := []struct {
		name string
		opts []happn.Option
		want int
	}{
		{"one", []happn.Option{happn.Criteria(`{"n":4242}`)}, 1},
		{"1000", []happn.Option{happn.Criteria(`{"grp":"g7"}`)}, 1000},
		{"sort-limit", []happn.Option{happn.Criteria(`{"grp":"g7"}`), happn.Sort(`{"n":-1}`), happn.Limit(10)}, 10},
		{"and-fields", []happn.Option{happn.Criteria(`{"$and":[{"n":{"$gte":5000}},{"n":{"$lt":5100}}]}`), happn.Fields(`{"n":1}`)}, 100},
		{"wildcard-1000", nil, 1000},
		// Every item in the range: scanning, which stops at the limit,
		// beats the index (fieldindex.RangeScanShare).
		{"wide-range-limit", []happn.Option{happn.Criteria(`{"n":{"$gte":0}}`), happn.Limit(10)}, 10},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			pattern := "/bench/search/*"
			if tc.name == "wildcard-1000" {
				pattern = "/bench/search/7*"
			}
			defer reportCPU(b)()
			for b.Loop() {
				items, err := c.Search(ctx, pattern, tc.opts...)
				if err != nil {
					b.Fatal(err)
				}
				if len(items) != tc.want && tc.name != "wildcard-1000" {
					b.Fatalf("got %d items, want %d", len(items), tc.want)
				}
			}
		})
	}
}
