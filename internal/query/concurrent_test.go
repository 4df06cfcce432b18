package query

import (
	"fmt"
	"sync"
	"testing"
)

// Compiled values are shared by every session searching with them, and the
// regex cache by every compile: run both from many goroutines under -race.
func TestConcurrentUse(t *testing.T) {
	q := mustCompile(t, `{"name":{"$regex":["^s","i"]},"tags":{"$in":["a","b"]}}`)
	s, err := CompileSort([]byte(`{"name":1}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := CompileFields([]byte(`{"name":1}`))
	if err != nil {
		t.Fatal(err)
	}
	yes := item("/1", `{"name":"Simon","tags":["b"]}`, 1, 1)
	no := item("/2", `{"name":"Tim","tags":["b"]}`, 1, 1)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if !q.MatchItem(yes) || q.MatchItem(no) || !s.Less(yes, no) || string(p.Apply(yes.Data)) != `{"name":"Simon"}` {
					errs <- fmt.Errorf("goroutine %d: wrong result", g)
					return
				}
				if _, err := Compile(fmt.Appendf(nil, `{"n":{"$regex":"^%d-%d"}}`, g, i%700)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
