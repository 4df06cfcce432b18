package buntstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/happn-go/happn/store"
	"github.com/happn-go/happn/store/buntstore"
)

func Example() {
	dir, _ := os.MkdirTemp("", "happn")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := buntstore.Open(filepath.Join(dir, "happn.db"), buntstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	// Read-modify-write in one step: fn sees the current item (nil if none).
	visit := func(cur *store.Item) (store.Change, error) {
		var doc struct{ Visits int }
		if cur != nil {
			if err := json.Unmarshal(cur.Data, &doc); err != nil {
				return store.Change{}, err
			}
		}
		doc.Visits++
		data, err := json.Marshal(doc)
		return store.Change{Data: data, ModifiedBy: "_ADMIN"}, err
	}
	for range 3 {
		if _, err := s.Update(ctx, "/stats/home", visit); err != nil {
			log.Fatal(err)
		}
	}
	s.Close()

	// Everything is still there after reopening.
	s, err = buntstore.Open(filepath.Join(dir, "happn.db"), buntstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	it, ok, err := s.Get(ctx, "/stats/home")
	fmt.Println(string(it.Data), it.ModifiedBy, ok, err)
	// Output: {"Visits":3} _ADMIN true <nil>
}
