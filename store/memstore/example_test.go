package memstore_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/memstore"
)

func Example() {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()

	for _, p := range []string{"/app/sensors/1", "/app/sensors/2", "/app/config"} {
		_, err := s.Update(ctx, p, func(*store.Item) (store.Change, error) {
			return store.Change{Data: json.RawMessage(`{"on":true}`)}, nil
		})
		if err != nil {
			panic(err)
		}
	}

	// '*' matches any run of characters, '/' included.
	for it, err := range s.Scan(ctx, "/app/sensors/*") {
		if err != nil {
			panic(err)
		}
		fmt.Println(it.Path, string(it.Data))
	}
	n, _ := s.Count(ctx, "/app/*")
	fmt.Println(n, "items under /app/")
	// Output:
	// /app/sensors/1 {"on":true}
	// /app/sensors/2 {"on":true}
	// 3 items under /app/
}
