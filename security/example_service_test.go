package security_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/happn-go/happn/security"
	"github.com/happn-go/happn/store/memstore"
)

func ExampleNew() {
	ctx := context.Background()
	svc, err := security.New(ctx, security.Config{
		Store:         memstore.New(), // a server passes its own store
		Name:          "example",
		AdminPassword: "s3cr3t",
		Groups: []security.Group{{Name: "readers", Permissions: security.Permissions{
			"/shared/*":                  {Actions: []string{"get", "on"}},
			"/users/{{user.username}}/*": {Actions: []string{"*"}},
		}}},
		Users: []security.User{{Username: "alice", Password: "alice-pw", Groups: []string{"readers"}}},
	})
	if err != nil {
		panic(err)
	}
	alice, err := svc.Login(ctx, security.LoginRequest{
		Credentials: security.Credentials{Username: "alice", Password: "alice-pw"},
		SessionID:   "session-1",
		Type:        1,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(svc.Authorize(ctx, alice, "get", "/shared/news"))
	fmt.Println(svc.Authorize(ctx, alice, "set", "/users/alice/profile"))
	err = svc.Authorize(ctx, alice, "set", "/shared/news")
	fmt.Println(err, errors.Is(err, security.ErrUnauthorized))

	_, err = svc.Login(ctx, security.LoginRequest{Credentials: security.Credentials{Username: "alice", Password: "guess"}, SessionID: "s2", Type: 1})
	fmt.Println(err)
	// Output:
	// <nil>
	// <nil>
	// AccessDenied: unauthorized true
	// AccessDenied: Invalid credentials
}

func ExampleService_RemoveGroupPermission() {
	ctx := context.Background()
	svc, _ := security.New(ctx, security.Config{
		Store:  memstore.New(),
		Groups: []security.Group{{Name: "readers", Permissions: security.Permissions{"/shared/*": {Actions: []string{"get", "on"}}}}},
		Users:  []security.User{{Username: "rita", Password: "pw", Groups: []string{"readers"}}},
	})
	// The server reacts to changes: it re-checks subscriptions and tells
	// the sessions concerned (security-data-changed).
	svc.OnChange(func(c security.Change) { fmt.Println(c.Event, string(c.Data)) })
	rita, _ := svc.Login(ctx, security.LoginRequest{Credentials: security.Credentials{Username: "rita", Password: "pw"}, SessionID: "s", Type: 1})
	fmt.Println(svc.Permitted(rita, "on", "/shared/*"))
	svc.RemoveGroupPermission(ctx, "readers", "/shared/*", "on")
	fmt.Println(svc.Permitted(rita, "on", "/shared/*"))
	// Output:
	// true
	// permission-removed {"action":"on","groupName":"readers","path":"/shared/*"}
	// false
}
