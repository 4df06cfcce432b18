package happn_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/happn-go/happn"
)

func jsonEq(t testing.TB, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("bad JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expected JSON %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestSetAndGet(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		before := time.Now().UnixMilli()
		it, err := c.Set(ctx, "/a/b", map[string]any{"x": 1, "y": "two"})
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, it.Data, `{"x":1,"y":"two"}`)
		if it.Meta.Path != "/a/b" || it.Meta.Created < before || it.Meta.Modified != it.Meta.Created {
			t.Fatalf("meta = %+v", it.Meta)
		}
		time.Sleep(2 * time.Millisecond)
		it2, err := c.Set(ctx, "/a/b", map[string]any{"x": 2})
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, it2.Data, `{"x":2}`) // replaced, not merged
		if it2.Meta.Created != it.Meta.Created || it2.Meta.Modified <= it.Meta.Modified {
			t.Fatalf("second set meta = %+v, first %+v", it2.Meta, it.Meta)
		}
		got, err := c.Get(ctx, "/a/b")
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, got.Data, `{"x":2}`)
		if got.Meta != it2.Meta {
			t.Fatalf("get meta %+v, set meta %+v", got.Meta, it2.Meta)
		}
		missing, err := c.Get(ctx, "/a/missing")
		if err != nil || missing != nil {
			t.Fatalf("Get(missing) = %v, %v; want nil, nil", missing, err)
		}
	})
}

func TestSetValues(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		tests := []struct {
			data any
			want string
		}{
			{"a string", `{"value":"a string"}`},
			{42, `{"value":42}`},
			{true, `{"value":true}`},
			{[]int{1, 2}, `{"value":[1,2]}`},
			{nil, `{"value":null}`},
			{json.RawMessage(`{"x":1,"_meta":{"path":"/elsewhere"}}`), `{"x":1}`},
		}
		for i, tt := range tests {
			it, err := c.Set(ctx, "/values/"+string(rune('a'+i)), tt.data)
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, it.Data, tt.want)
			got, err := c.Get(ctx, "/values/"+string(rune('a'+i)))
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, got.Data, tt.want)
		}
	})
}

func TestMerge(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		if _, err := c.Set(ctx, "/m", map[string]any{"x": 1, "nested": map[string]any{"a": 1}}); err != nil {
			t.Fatal(err)
		}
		it, err := c.Set(ctx, "/m", map[string]any{"y": 2, "nested": map[string]any{"b": 2}}, happn.Merge())
		if err != nil {
			t.Fatal(err)
		}
		// Shallow: nested is replaced, not merged.
		jsonEq(t, it.Data, `{"x":1,"nested":{"b":2},"y":2}`)
		created, err := c.Set(ctx, "/m-new", map[string]any{"z": 3}, happn.Merge())
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, created.Data, `{"z":3}`)
	})
}

func TestPathsAreVerbatim(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		c.Set(ctx, "a/b", map[string]any{"v": "no slash"})
		c.Set(ctx, "/a/b", map[string]any{"v": "slash"})
		c.Set(ctx, "/a/b/", map[string]any{"v": "trailing"})
		for path, want := range map[string]string{"a/b": `{"v":"no slash"}`, "/a/b": `{"v":"slash"}`, "/a/b/": `{"v":"trailing"}`} {
			it, err := c.Get(ctx, path)
			if err != nil || it == nil {
				t.Fatalf("Get(%q) = %v, %v", path, it, err)
			}
			jsonEq(t, it.Data, want)
		}
	})
}

func TestSearchWildcardsCrossSlashes(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		for _, p := range []string{"/w/a", "/w/b/c/d", "/w/bc", "/w/10", "/w/9", "/x/a"} {
			if _, err := c.Set(ctx, p, map[string]any{"p": p}); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			pattern string
			want    []string
		}{
			{"/w/*", []string{"/w/10", "/w/9", "/w/a", "/w/b/c/d", "/w/bc"}}, // byte order: "/w/10" < "/w/9"
			{"/w/b*", []string{"/w/b/c/d", "/w/bc"}},
			{"*/a", []string{"/w/a", "/x/a"}},
			{"/w/b/c/d", []string{"/w/b/c/d"}},
			{"/nothing/*", nil},
		}
		for _, tt := range tests {
			items, err := c.Search(ctx, tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.Meta.Path)
				jsonEq(t, it.Data, `{"p":"`+it.Meta.Path+`"}`)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Search(%q) = %v, want %v", tt.pattern, got, tt.want)
			}
			paths, err := c.GetPaths(ctx, tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(paths, tt.want) {
				t.Errorf("GetPaths(%q) = %v, want %v", tt.pattern, paths, tt.want)
			}
			n, err := c.Count(ctx, tt.pattern)
			if err != nil || n != len(tt.want) {
				t.Errorf("Count(%q) = %d, %v; want %d", tt.pattern, n, err, len(tt.want))
			}
		}
		if _, err := c.Get(ctx, "/w/*"); !errors.Is(err, happn.ErrBadRequest) {
			t.Errorf("Get with a wildcard: err = %v, want ErrBadRequest", err)
		}
	})
}

// TestSearchReadmeExample is the search example of happn-3's README.
func TestSearchReadmeExample(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		users := []map[string]any{
			{"name": "Dale", "region": "North", "town": "Pretoria", "surname": "Bishop"},
			{"name": "Jim", "region": "South", "town": "Cape Town", "surname": "Smith"},
			{"name": "Alice", "region": "Central", "town": "Durban", "surname": "Van Vuuren"},
			{"name": "Bob", "region": "Central", "town": "Kimberley", "surname": "Smith"},
			{"name": "Carl", "region": "East", "town": "Nelspruit", "surname": "Jones"},
		}
		for i, u := range users {
			if _, err := c.Set(ctx, "/users/"+string(rune('0'+i)), u); err != nil {
				t.Fatal(err)
			}
		}
		criteria := map[string]any{
			"$or": []any{
				map[string]any{"region": map[string]any{"$in": []string{"North", "South", "East", "West"}}},
				map[string]any{"town": map[string]any{"$in": []string{"Cape Town", "Durban", "Johannesburg"}}},
			},
			"surname": map[string]any{"$in": []string{"Bishop", "Smith", "Van Vuuren"}},
		}
		all, err := c.Search(ctx, "/users/*", happn.Criteria(criteria), happn.Fields(map[string]int{"name": 1}), happn.Sort(map[string]int{"name": 1}))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, it := range all {
			var v map[string]any
			it.Decode(&v)
			if len(v) != 1 {
				t.Fatalf("fields {name:1} returned %s", it.Data)
			}
			names = append(names, v["name"].(string))
		}
		if want := []string{"Alice", "Dale", "Jim"}; !reflect.DeepEqual(names, want) {
			t.Fatalf("names = %v, want %v", names, want)
		}
		one, err := c.Search(ctx, "/users/*", happn.Criteria(criteria), happn.Fields(map[string]int{"name": 1}), happn.Sort(map[string]int{"name": 1}), happn.Limit(1))
		if err != nil || len(one) != 1 {
			t.Fatalf("limit 1: %v, %v", one, err)
		}
		jsonEq(t, one[0].Data, `{"name":"Alice"}`)
	})
}

func TestSearchOptions(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		for i := range 10 {
			if _, err := c.Set(ctx, "/n/"+string(rune('a'+i)), map[string]any{"n": i, "odd": i%2 == 1}); err != nil {
				t.Fatal(err)
			}
		}
		ns := func(items []happn.Item) []int {
			var out []int
			for _, it := range items {
				var v struct{ N int }
				it.Decode(&v)
				out = append(out, v.N)
			}
			return out
		}
		tests := []struct {
			name string
			opts []happn.Option
			want []int
		}{
			// Several operators on one field all apply (happn-3 keeps only the first).
			{"range", []happn.Option{happn.Criteria(`{"n":{"$gte":3,"$lt":6}}`)}, []int{3, 4, 5}},
			{"sort desc", []happn.Option{happn.Criteria(`{"odd":true}`), happn.Sort(`{"n":-1}`)}, []int{9, 7, 5, 3, 1}},
			{"skip limit", []happn.Option{happn.Sort(`{"n":1}`), happn.Skip(2), happn.Limit(3)}, []int{2, 3, 4}},
			{"limit without sort", []happn.Option{happn.Limit(2)}, []int{0, 1}},
			{"$nin", []happn.Option{happn.Criteria(`{"n":{"$nin":[0,1,2,3,4,5,6,7]}}`)}, []int{8, 9}},
			{"$regex on meta path", []happn.Option{happn.Criteria(`{"_meta.path":{"$regex":"/[ab]$"}}`)}, []int{0, 1}},
		}
		for _, tt := range tests {
			items, err := c.Search(ctx, "/n/*", tt.opts...)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got := ns(items); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
		n, err := c.Count(ctx, "/n/*", happn.Criteria(`{"odd":false}`))
		if err != nil || n != 5 {
			t.Fatalf("Count with criteria = %d, %v; want 5", n, err)
		}
		_, err = c.Search(ctx, "/n/*", happn.Criteria(`{"n":{"$where":"1"}}`))
		if !errors.Is(err, happn.ErrSystem) {
			t.Fatalf("bad criteria: err = %v, want a SystemError", err)
		}
	})
}

func TestRemove(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		for _, p := range []string{"/r/a", "/r/b/c", "/r/d", "/keep"} {
			c.Set(ctx, p, map[string]any{})
		}
		n, err := c.Remove(ctx, "/r/a")
		if err != nil || n != 1 {
			t.Fatalf("Remove exact = %d, %v", n, err)
		}
		n, err = c.Remove(ctx, "/r/a")
		if err != nil || n != 0 {
			t.Fatalf("Remove missing = %d, %v", n, err)
		}
		n, err = c.Remove(ctx, "/r/*")
		if err != nil || n != 2 {
			t.Fatalf("Remove wildcard = %d, %v", n, err)
		}
		if left, _ := c.Count(ctx, "*"); left != 1 {
			t.Fatalf("%d items left, want 1 (/keep)", left)
		}
	})
}

func TestIncrement(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		v, err := c.Increment(ctx, "/counter", "hits", 2)
		if err != nil || v != 2 {
			t.Fatalf("Increment = %v, %v", v, err)
		}
		v, err = c.Increment(ctx, "/counter", "hits", 3)
		if err != nil || v != 5 {
			t.Fatalf("Increment = %v, %v", v, err)
		}
		c.Increment(ctx, "/counter", "", 1) // default gauge "counter"
		it, _ := c.Get(ctx, "/counter")
		jsonEq(t, it.Data, `{"hits":{"value":5},"counter":{"value":1}}`)
	})
}

// TestIncrementIsAtomic increments one counter from many goroutines and
// clients at once; no increment may be lost.
func TestIncrementIsAtomic(t *testing.T) {
	srv, url := testServer(t, happn.Config{})
	ctx := ctxT(t)
	const clients, each = 4, 50
	done := make(chan error, clients)
	for i := range clients {
		c := connectors[i%2].connect(t, srv, url)
		go func() {
			for range each {
				if _, err := c.Increment(ctx, "/atomic", "n", 1); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range clients {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	c := connectors[0].connect(t, srv, url)
	it, _ := c.Get(ctx, "/atomic")
	jsonEq(t, it.Data, `{"n":{"value":200}}`)
}

func TestSetSiblingAndTag(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		a, err := c.SetSibling(ctx, "/sib", map[string]any{"n": 1})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := c.SetSibling(ctx, "/sib", map[string]any{"n": 2})
		if !strings.HasPrefix(a.Meta.Path, "/sib/") || a.Meta.Path == b.Meta.Path {
			t.Fatalf("sibling paths %q and %q", a.Meta.Path, b.Meta.Path)
		}
		if n, _ := c.Count(ctx, "/sib/*"); n != 2 {
			t.Fatalf("%d siblings stored, want 2", n)
		}

		c.Set(ctx, "/tagged", map[string]any{"v": 1})
		tag, err := c.Set(ctx, "/tagged", nil, happn.Tag("v1"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tag.Meta.Path, "/_TAGS/tagged/") {
			t.Fatalf("tag path %q", tag.Meta.Path)
		}
		var snap struct {
			Data map[string]any
			Meta map[string]any `json:"_meta"`
		}
		tag.Decode(&snap)
		if snap.Data["v"] != 1.0 || snap.Meta["path"] != "/tagged" {
			t.Fatalf("tag snapshot %s", tag.Data)
		}
		c.Set(ctx, "/tagged", map[string]any{"v": 2})
		stored, _ := c.Get(ctx, tag.Meta.Path)
		jsonEq(t, stored.Data, string(tag.Data)) // the snapshot keeps v1
		if _, err := c.Set(ctx, "/tagged", map[string]any{"v": 3}, happn.Tag("x")); !errors.Is(err, happn.ErrSystem) {
			t.Fatalf("tag with data: err = %v, want SystemError", err)
		}
	})
}

func TestBadPaths(t *testing.T) {
	eachConnector(t, func(t *testing.T, _ *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		for _, p := range []string{"/a/*", "/a$b", "/a?b", "/a#b", ""} {
			if _, err := c.Set(ctx, p, map[string]any{}); !errors.Is(err, happn.ErrBadRequest) {
				t.Errorf("Set(%q): err = %v, want ErrBadRequest", p, err)
			}
		}
		for _, p := range []string{"/with space/ok", "/f@I&J(w)/p:c_2/s=t/c=10%", "/{x}+y.z-"} {
			if _, err := c.Set(ctx, p, map[string]any{}); err != nil {
				t.Errorf("Set(%q): %v", p, err)
			}
		}
	})
}

// TestSystemRecordsAreHidden checks that the server's own records are
// never readable, writable or removable by a client, even on an insecure
// server (happn-3 serves them to anyone).
func TestSystemRecordsAreHidden(t *testing.T) {
	eachConnector(t, func(t *testing.T, srv *happn.Server, connect func() *happn.Client) {
		c := connect()
		ctx := ctxT(t)
		if _, ok, _ := srv.Store().Get(ctx, "/_SYSTEM/_NETWORK/_SETTINGS/NAME"); !ok {
			t.Fatal("the server name is not persisted under /_SYSTEM; the test would prove nothing")
		}
		c.Set(ctx, "/user/data", map[string]any{})
		items, err := c.Search(ctx, "*")
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if strings.HasPrefix(it.Meta.Path, "/_SYSTEM") {
				t.Errorf("Search(*) returned %s", it.Meta.Path)
			}
		}
		if n, _ := c.Count(ctx, "*"); n != 1 {
			t.Errorf("Count(*) = %d, want 1", n)
		}
		if _, err := c.Get(ctx, "/_SYSTEM/_NETWORK/_SETTINGS/NAME"); !errors.Is(err, happn.ErrAccessDenied) {
			t.Errorf("Get(/_SYSTEM/…): err = %v, want AccessDenied", err)
		}
		if _, err := c.Set(ctx, "/_SYSTEM/x", map[string]any{}); !errors.Is(err, happn.ErrAccessDenied) {
			t.Errorf("Set(/_SYSTEM/x): err = %v, want AccessDenied", err)
		}
		if _, err := c.Remove(ctx, "*"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := srv.Store().Get(ctx, "/_SYSTEM/_NETWORK/_SETTINGS/NAME"); !ok {
			t.Error("Remove(*) deleted the server's own records")
		}
	})
}
