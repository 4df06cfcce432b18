package query_test

import (
	"encoding/json"
	"fmt"

	"github.com/happn-go/happn/internal/query"
	"github.com/happn-go/happn/store"
)

// The search from happn-3's README: criteria, then sort, then fields.
func Example() {
	items := []store.Item{
		{Path: "/people/1", Data: json.RawMessage(`{"name":"Jim","region":"North","town":"Cape Town","surname":"Smith"}`)},
		{Path: "/people/2", Data: json.RawMessage(`{"name":"Arnold","region":"South","town":"East London","surname":"Bishop"}`)},
		{Path: "/people/3", Data: json.RawMessage(`{"name":"Carl","region":"East","town":"Bloemfontein","surname":"Jones"}`)},
	}
	q, err := query.Compile([]byte(`{
		"$or": [{"region": {"$in": ["North", "South", "East", "West"]}},
		        {"town": {"$in": ["Cape Town", "Durban", "Johannesburg"]}}],
		"surname": {"$in": ["Bishop", "Smith", "Van Vuuren"]}}`))
	if err != nil {
		panic(err)
	}
	sort, err := query.CompileSort([]byte(`{"name": 1}`))
	if err != nil {
		panic(err)
	}
	fields, err := query.CompileFields([]byte(`{"name": 1}`))
	if err != nil {
		panic(err)
	}

	var found []store.Item
	for _, it := range items {
		if q.MatchItem(it) {
			found = append(found, it)
		}
	}
	sort.SortItems(found, 0)
	for _, it := range found {
		fmt.Println(it.Path, string(fields.Apply(it.Data)))
	}
	// Output:
	// /people/2 {"name":"Arnold"}
	// /people/1 {"name":"Jim"}
}

// Metadata fields address the item rather than its data.
func ExampleCompile_metadata() {
	it := store.Item{Path: "/a/b", Data: json.RawMessage(`{}`), Created: 1700000000000}
	for _, criteria := range []string{
		`{"_meta.created": {"$gte": 1600000000000, "$lte": 1800000000000}}`,
		`{"_meta.path": {"$regex": "^/a/"}}`,
		`{"path": {"$regex": ["^/A/", "i"]}}`,
		`{"_meta.path": "/x"}`,
	} {
		q, err := query.Compile([]byte(criteria))
		if err != nil {
			panic(err)
		}
		fmt.Println(q.MatchItem(it))
	}
	// Output:
	// true
	// true
	// true
	// false
}

// Errors carry a message meant for the client.
func ExampleCompile_error() {
	_, err := query.Compile([]byte(`{"name": {"$where": "this.name == 'x'"}}`))
	fmt.Println(err)
	_, err = query.Compile([]byte(`{"tags": {"$in": "x"}}`))
	fmt.Println(err)
	// Output:
	// $where is not supported
	// $in for "tags" needs an array, got a string
}

// CompileDocument filters plain documents, such as session profiles.
func ExampleCompileDocument() {
	q, err := query.CompileDocument([]byte(`{"user.username": {"$in": ["_ADMIN", "ops"]}, "type": 0}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(q.MatchDocument([]byte(`{"type": 0, "user": {"username": "_ADMIN"}}`)))
	fmt.Println(q.MatchDocument([]byte(`{"type": 1, "user": {"username": "_ADMIN"}}`)))
	// Output:
	// true
	// false
}

// A search with a limit needs only its first page in order.
func ExampleSort_SortItems() {
	var items []store.Item
	for i, n := range []int{5, 3, 9, 3, 7, 1} {
		items = append(items, store.Item{Path: fmt.Sprint("/", i), Data: fmt.Appendf(nil, `{"n":%d}`, n)})
	}
	sort, err := query.CompileSort([]byte(`{"n": 1}`))
	if err != nil {
		panic(err)
	}
	sort.SortItems(items, 3) // skip 1, limit 2
	for _, it := range items[1:3] {
		fmt.Println(it.Path, string(it.Data))
	}
	// Output:
	// /1 {"n":3}
	// /3 {"n":3}
}
