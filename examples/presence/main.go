// Presence keeps who is online with documents that expire: each client
// refreshes its presence document with a ttl, and a watcher learns of
// arrivals from set events and of departures from the remove events the
// server publishes when a presence document expires.
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/happn-go/happn"
)

func main() {
	ctx := context.Background()
	srv, err := happn.New(happn.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	watcher, err := srv.LocalClient(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer watcher.Close()
	left := make(chan struct{})
	watcher.On(ctx, "/presence/*", func(ev *happn.Event) {
		if string(ev.Meta.Get("expired")) == "true" {
			fmt.Printf("%s went away\n", ev.Meta.Path)
			close(left)
			return
		}
		fmt.Printf("%s is online\n", ev.Meta.Path)
	})

	alice, err := srv.LocalClient(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer alice.Close()
	// Refreshed while alice is around; here she stops after three beats.
	for range 3 {
		alice.Set(ctx, "/presence/alice", map[string]any{"since": time.Now().Unix()}, happn.TTL(200*time.Millisecond))
		time.Sleep(100 * time.Millisecond)
	}
	<-left
	if it, _ := watcher.Get(ctx, "/presence/alice"); it == nil {
		fmt.Println("no presence document left")
	}
}
