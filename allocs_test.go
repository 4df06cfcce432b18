package happn_test

import (
	"context"
	"testing"

	"github.com/happn-go/happn"
)

// TestLocalCallAllocations guards the in-process client's allocations
// per call, client and server together (docs/benchmarks.md): a set that
// nobody subscribes to, and a get. A change that moves a request's
// values to the heap shows here before it shows in a benchmark.
func TestLocalCallAllocations(t *testing.T) {
	srv, err := happn.New(happn.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	c, err := srv.LocalClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data := []byte(`{"a":1,"b":"x"}`)
	set := func() {
		if _, err := c.Set(ctx, "/allocs/x", data); err != nil {
			t.Fatal(err)
		}
	}
	get := func() {
		if _, err := c.Get(ctx, "/allocs/x"); err != nil {
			t.Fatal(err)
		}
	}
	set()
	for _, tc := range []struct {
		name string
		call func()
		max  float64
	}{{"set", set, 6}, {"get", get, 3}} {
		if n := testing.AllocsPerRun(200, tc.call); n > tc.max+raceAllocs {
			t.Errorf("a local %s allocates %.1f times, want at most %.0f", tc.name, n, tc.max+raceAllocs)
		}
	}
}
