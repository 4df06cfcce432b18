// Dial connects to a running happn server (this one, or a happn-3 one)
// over a websocket, writes a value and reads it back.
//
//	go run ./cmd/happn -data :memory: &
//	go run ./examples/dial -url http://127.0.0.1:55000
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/happn-go/happn"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:55000", "server URL")
	user := flag.String("user", "", "username, for a secure server")
	pass := flag.String("pass", "", "password")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var opts []happn.DialOption
	if *user != "" {
		opts = append(opts, happn.WithCredentials(*user, *pass))
	}
	c, err := happn.Dial(ctx, *url, opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	if _, err := c.Set(ctx, "/examples/dial", map[string]any{"at": time.Now().Format(time.RFC3339)}); err != nil {
		log.Fatal(err)
	}
	it, err := c.Get(ctx, "/examples/dial")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("session %s read %s: %s\n", c.SessionID(), it.Meta.Path, it.Data)
}
