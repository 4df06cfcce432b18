package query

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"

	"github.com/happn-go/happn/store"
)

func item(path, data string, created, modified int64) store.Item {
	return store.Item{Path: path, Data: json.RawMessage(data), Created: created, Modified: modified}
}

func mustCompile(t *testing.T, criteria string) *Query {
	t.Helper()
	q, err := Compile([]byte(criteria))
	if err != nil {
		t.Fatalf("Compile(%s): %v", criteria, err)
	}
	return q
}

func TestItemFieldMapping(t *testing.T) {
	it := store.Item{
		Path:       "/a/b",
		Data:       json.RawMessage(`{"name":"simon","data":{"x":1},"path":"in-data","_meta":{"tag":"t"},"n.m":2}`),
		Created:    1000,
		Modified:   2000,
		ModifiedBy: "_ADMIN",
	}
	tests := []struct {
		criteria string
		want     bool
	}{
		{`{"name":"simon"}`, true},
		{`{"name":"bob"}`, false},
		{`{"data.name":"simon"}`, true},
		{`{"_data.name":"simon"}`, true},
		{`{"data.data.x":1}`, true},
		{`{"data":{"x":1}}`, true}, // "data" is not a prefix: it is data field "data", as in happn-3
		{`{"path":"/a/b"}`, true},
		{`{"path":"in-data"}`, false},
		{`{"data.path":"in-data"}`, true},
		{`{"_meta.path":"/a/b"}`, true},
		{`{"_id":"/a/b"}`, true},
		{`{"_meta.path":{"$regex":"^/a/"}}`, true},
		{`{"_meta.path":{"$regex":"^/b/"}}`, false},
		{`{"created":1000}`, true},
		{`{"_meta.created":{"$gte":1000,"$lte":1500}}`, true},
		{`{"_meta.created":{"$gt":1000}}`, false},
		{`{"modified":2000}`, true},
		{`{"_meta.modified":{"$lt":2000}}`, false},
		{`{"timestamp":2000}`, true},
		{`{"modifiedBy":"_ADMIN"}`, true},
		{`{"_meta.modifiedBy":"other"}`, false},
		{`{"createdBy":{"$exists":true}}`, false},
		{`{"_meta.tag":"t"}`, true}, // not a metadata name, so data._meta.tag
		{`{"n.m":2}`, false},        // a dotted path, not a member named "n.m"
		{`{"$or":[{"path":"/x"},{"name":"simon"}]}`, true},
		{`{"$and":[{"_meta.path":"/a/b"},{"created":{"$in":[1,1000]}}]}`, true},
		{`{"r":{"$elemMatch":{"name":"simon"}}}`, false},
	}
	for _, tt := range tests {
		if got := mustCompile(t, tt.criteria).MatchItem(it); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.criteria, got, tt.want)
		}
	}
	// An insecure server records no modifiedBy: it is missing, not "".
	it.ModifiedBy = ""
	if !mustCompile(t, `{"modifiedBy":{"$exists":false}}`).MatchItem(it) {
		t.Error(`empty ModifiedBy should not exist`)
	}
}

func TestElemMatchIsNotMapped(t *testing.T) {
	it := item("/p", `{"friends":[{"name":"a","_id":"x"}]}`, 1, 1)
	if !mustCompile(t, `{"friends":{"$elemMatch":{"_id":"x"}}}`).MatchItem(it) {
		t.Error("$elemMatch member _id should be the element's own member")
	}
}

func TestDocumentQueryHasNoMapping(t *testing.T) {
	q, err := CompileDocument([]byte(`{"user.username":"_ADMIN","path":"/p"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !q.MatchDocument([]byte(`{"user":{"username":"_ADMIN"},"path":"/p"}`)) {
		t.Error("document criteria did not match")
	}
	if q.MatchItem(item("/p", `{"user":{"username":"_ADMIN"}}`, 1, 1)) {
		t.Error("document criteria matched item metadata")
	}
}

// The search example from happn-3's README: criteria, then sort, then fields.
func TestReadmeSearchExample(t *testing.T) {
	items := []store.Item{
		item("/people/1", `{"name":"Jim","region":"North","town":"Cape Town","surname":"Smith"}`, 1, 1),
		item("/people/2", `{"name":"Arnold","region":"South","town":"East London","surname":"Bishop"}`, 2, 2),
		item("/people/3", `{"name":"Zak","region":"Central","town":"Durban","surname":"Van Vuuren"}`, 3, 3),
		item("/people/4", `{"name":"Betty","region":"Central","town":"Pretoria","surname":"Smith"}`, 4, 4),
		item("/people/5", `{"name":"Carl","region":"East","town":"Bloemfontein","surname":"Jones"}`, 5, 5),
	}
	q := mustCompile(t, `{"$or":[{"region":{"$in":["North","South","East","West"]}},{"town":{"$in":["Cape Town","Durban","Johannesburg"]}}],"surname":{"$in":["Bishop","Smith","Van Vuuren"]}}`)
	s, err := CompileSort([]byte(`{"name":1}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := CompileFields([]byte(`{"name":1}`))
	if err != nil {
		t.Fatal(err)
	}
	var found []store.Item
	for _, it := range items {
		if q.MatchItem(it) {
			found = append(found, it)
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return s.Less(found[i], found[j]) })
	var got []string
	for _, it := range found {
		got = append(got, string(p.Apply(it.Data)))
	}
	want := []string{`{"name":"Arnold"}`, `{"name":"Jim"}`, `{"name":"Zak"}`}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
