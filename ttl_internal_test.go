package happn

import (
	"context"
	"testing"
	"time"
)

// TestExpiryQueueStaysBounded: re-setting documents with a long ttl
// leaves stale entries in the heap; they are dropped before they
// outnumber the live ones by much.
func TestExpiryQueueStaysBounded(t *testing.T) {
	srv, err := New(Config{})
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
	for i := range 5000 {
		if _, err := c.Set(ctx, "/p/"+string(rune('a'+i%3)), map[string]int{"i": i}, TTL(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	e := &srv.expiries
	e.mu.Lock()
	live, queued := len(e.at), len(e.queue)
	e.mu.Unlock()
	if live != 3 || queued > 2*live+1024+1 {
		t.Errorf("%d live expiries, %d queued; want 3 and at most %d", live, queued, 2*live+1025)
	}
}
