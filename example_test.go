package happn_test

import (
	"context"
	"fmt"
	"log"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/pubsub"
)

// An embedded server with an in-process client: write, read, search.
func ExampleServer_LocalClient() {
	ctx := context.Background()
	srv, err := happn.New(happn.Config{}) // in memory
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c, err := srv.LocalClient(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	c.Set(ctx, "/users/ada", map[string]any{"name": "Ada", "age": 36})
	c.Set(ctx, "/users/bob", map[string]any{"name": "Bob", "age": 17})
	c.Set(ctx, "/users/cyd", "not an object") // stored as {"value":…}

	it, _ := c.Get(ctx, "/users/cyd")
	fmt.Println(string(it.Data))

	adults, _ := c.Search(ctx, "/users/*", happn.Criteria(`{"age":{"$gte":18}}`), happn.Fields(`{"name":1}`))
	for _, a := range adults {
		fmt.Println(a.Meta.Path, string(a.Data))
	}
	// Output:
	// {"value":"not an object"}
	// /users/ada {"name":"Ada"}
}

// A subscription hears the writes to the paths it matches: in a
// subscription '*' is exactly one segment.
func ExampleClient_On() {
	ctx := context.Background()
	srv, _ := happn.New(happn.Config{})
	defer srv.Close()
	c, _ := srv.LocalClient(ctx)
	defer c.Close()

	done := make(chan struct{})
	c.On(ctx, "/rooms/*/temp", func(ev *happn.Event) {
		fmt.Println(ev.Meta.Action, string(ev.Data))
		close(done)
	}, happn.EventType(happn.SetEvent), happn.Once())

	c.Set(ctx, "/rooms/kitchen/temp", map[string]any{"celsius": 21})
	<-done
	// Output:
	// /SET@/rooms/kitchen/temp {"celsius":21}
}

// Dial connects over a websocket to this server or to a happn-3 one.
func ExampleDial() {
	ctx := context.Background()
	c, err := happn.Dial(ctx, "http://127.0.0.1:55000", happn.WithCredentials("_ADMIN", "secret"))
	if err != nil {
		log.Print(err) // no server listening in this example
		return
	}
	defer c.Close()
	fmt.Println(c.SessionID())
}

// Two servers share their events through a hub: a client of one hears
// the writes made through the other.
func ExampleConfig_broker() {
	ctx := context.Background()
	hub := &pubsub.Hub{}
	east, _ := happn.New(happn.Config{Name: "east", Broker: hub.Broker()})
	defer east.Close()
	west, _ := happn.New(happn.Config{Name: "west", Broker: hub.Broker()})
	defer west.Close()

	listener, _ := west.LocalClient(ctx)
	defer listener.Close()
	done := make(chan struct{})
	listener.On(ctx, "/orders/*", func(ev *happn.Event) {
		fmt.Println(ev.Meta.Action, string(ev.Data))
		close(done)
	}, happn.Once())

	writer, _ := east.LocalClient(ctx)
	defer writer.Close()
	writer.Set(ctx, "/orders/1", map[string]any{"qty": 2})
	<-done
	// Output:
	// /SET@/orders/1 {"qty":2}
}
