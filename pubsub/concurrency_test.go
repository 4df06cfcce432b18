package pubsub

import (
	"fmt"
	"sync"
	"testing"
)

// Writers churn subscriptions on the same topics while readers match; run
// with -race. Every reader must always see the stable subscriptions, and the
// index must end as it started.
func TestConcurrentAddRemoveMatch(t *testing.T) {
	var ix Index[int]
	patterns := []string{"/a/b", "/a/*", "/a/**", "*", "/*/b", "**"}
	const stable = -1
	for _, p := range patterns {
		ix.Add(All, p, 0, stable)
	}
	const writers, readers, rounds = 4, 4, 500
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for w := range writers {
		wg.Go(func() {
			for i := range rounds {
				v := w*rounds + i
				p := patterns[i%len(patterns)]
				ix.Add(Set, p, 0, v)
				ix.Add(Set, fmt.Sprintf("/w%d/%d", w, i), 0, v)
				if !ix.Remove(Set, p, 0, v) {
					errs <- fmt.Errorf("writer %d: Remove(%q, %d) = false", w, p, v)
					return
				}
				if i%10 == 0 {
					ix.RemoveFunc(func(x int) bool { return x == v })
				}
			}
			ix.RemoveFunc(func(x int) bool { return x >= w*rounds && x < (w+1)*rounds })
		})
	}
	for range readers {
		wg.Go(func() {
			for range rounds {
				n := 0
				ix.Match(Remove, "/a/b", func(v, _ int) bool {
					if v == stable {
						n++
					}
					return true
				})
				if n != len(patterns) {
					errs <- fmt.Errorf("reader saw %d stable subscriptions, want %d", n, len(patterns))
					return
				}
				_ = ix.Len()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if ix.Len() != len(patterns) {
		t.Fatalf("Len = %d after churn, want %d", ix.Len(), len(patterns))
	}
}
