package happn_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/happn-go/happn"
	"github.com/happn-go/happn/security"
)

func ExampleServer_Security() {
	srv, err := happn.New(happn.Config{
		Secure:        true,
		AdminPassword: "s3cr3t",
		Groups: []security.Group{{Name: "readers", Permissions: security.Permissions{
			"/shared/*": {Actions: []string{"get", "on"}},
		}}},
	})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx := context.Background()

	// Users can also be managed at run time.
	if _, err := srv.Security().UpsertUser(ctx, security.User{Username: "alice", Password: "alice-pw", Groups: []string{"readers"}}); err != nil {
		panic(err)
	}
	alice, err := srv.LocalClient(ctx, happn.WithCredentials("alice", "alice-pw"))
	if err != nil {
		panic(err)
	}
	defer alice.Close()

	_, err = alice.Get(ctx, "/shared/news")
	fmt.Println("get:", err)
	_, err = alice.Set(ctx, "/shared/news", map[string]any{"title": "hi"})
	fmt.Println("set:", err, errors.Is(err, happn.ErrUnauthorized))

	_, err = srv.LocalClient(ctx, happn.WithCredentials("alice", "wrong"))
	fmt.Println("login:", errors.Is(err, happn.ErrInvalidCredentials))
	// Output:
	// get: <nil>
	// set: AccessDenied: unauthorized true
	// login: true
}
