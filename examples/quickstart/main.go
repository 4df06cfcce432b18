// Quickstart embeds a happn server, connects an in-process client,
// subscribes, writes and searches.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/happn-go/happn"
)

func main() {
	ctx := context.Background()
	srv, err := happn.New(happn.Config{}) // in memory; set DataPath to persist
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	go srv.ListenAndServe("127.0.0.1:55000") // happn-3 clients can connect too

	c, err := srv.LocalClient(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	done := make(chan struct{})
	c.On(ctx, "/sensors/*", func(ev *happn.Event) {
		fmt.Printf("event %s on %s: %s\n", ev.Meta.Action, ev.Meta.Path, ev.Data)
		close(done)
	}, happn.EventType(happn.SetEvent), happn.Count(1))

	c.Set(ctx, "/sensors/t1", map[string]any{"celsius": 21.5, "room": "lab"})
	<-done

	items, _ := c.Search(ctx, "/sensors/*", happn.Criteria(map[string]any{"celsius": map[string]any{"$gt": 20}}))
	for _, it := range items {
		fmt.Printf("found %s: %s\n", it.Meta.Path, it.Data)
	}
}
