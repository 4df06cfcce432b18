package query

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/happn-go/happn/store"
)

func TestSortLess(t *testing.T) {
	tests := []struct {
		sort string
		a, b store.Item
		less bool // a < b
		more bool // b < a
	}{
		{`{"name":1}`, item("/1", `{"name":"a"}`, 0, 0), item("/2", `{"name":"b"}`, 0, 0), true, false},
		{`{"name":-1}`, item("/1", `{"name":"a"}`, 0, 0), item("/2", `{"name":"b"}`, 0, 0), false, true},
		{`{"name":1}`, item("/1", `{"name":"a"}`, 0, 0), item("/2", `{"name":"a"}`, 0, 0), false, false},
		{`{"name":1}`, item("/1", `{"name":"B"}`, 0, 0), item("/2", `{"name":"a"}`, 0, 0), true, false}, // byte-wise
		{`{"n":1}`, item("/1", `{"n":9}`, 0, 0), item("/2", `{"n":10}`, 0, 0), true, false},             // numeric, not textual
		{`{"n":1}`, item("/1", `{"n":9007199254740992}`, 0, 0), item("/2", `{"n":9007199254740993}`, 0, 0), true, false},
		{`{"n":1}`, item("/1", `{}`, 0, 0), item("/2", `{"n":null}`, 0, 0), false, false},
		{`{"n":1}`, item("/1", `{}`, 0, 0), item("/2", `{"n":-5}`, 0, 0), true, false},
		{`{"n":1}`, item("/1", `{"n":5}`, 0, 0), item("/2", `{"n":"5"}`, 0, 0), true, false},
		{`{"n":1}`, item("/1", `{"n":"z"}`, 0, 0), item("/2", `{"n":{}}`, 0, 0), true, false},
		{`{"n":1}`, item("/1", `{"n":{"a":1}}`, 0, 0), item("/2", `{"n":[]}`, 0, 0), true, false},
		{`{"n":1}`, item("/1", `{"n":[1]}`, 0, 0), item("/2", `{"n":false}`, 0, 0), true, false},
		{`{"n":1}`, item("/1", `{"n":false}`, 0, 0), item("/2", `{"n":true}`, 0, 0), true, false},
		{`{"n":1}`, item("/1", `{"n":[1,2]}`, 0, 0), item("/2", `{"n":[1,3]}`, 0, 0), true, false},
		{`{"n":1}`, item("/1", `{"n":[1]}`, 0, 0), item("/2", `{"n":[1,0]}`, 0, 0), true, false},
		{`{"n":1}`, item("/1", `{"n":{"a":2}}`, 0, 0), item("/2", `{"n":{"b":1}}`, 0, 0), true, false},
		{`{"n":1}`, item("/1", `{"n":{"a":1}}`, 0, 0), item("/2", `{"n":{"a":2}}`, 0, 0), true, false},
		{`{"a.b":1}`, item("/1", `{"a":{"b":1}}`, 0, 0), item("/2", `{"a":{"b":2}}`, 0, 0), true, false},
		{`{"a.b":1}`, item("/1", `{"a":[{"b":9}]}`, 0, 0), item("/2", `{"a":{"b":2}}`, 0, 0), true, false}, // across an array: missing
		{`{"_meta.created":-1}`, item("/1", `{}`, 5, 0), item("/2", `{}`, 7, 0), false, true},
		{`{"modified":1}`, item("/1", `{}`, 0, 5), item("/2", `{}`, 0, 7), true, false},
		{`{"path":1}`, item("/b", `{}`, 0, 0), item("/a", `{}`, 0, 0), false, true},
		{`{"_id":1}`, item("/a", `{}`, 0, 0), item("/b", `{}`, 0, 0), true, false},
		{`{"g":1,"n":-1}`, item("/1", `{"g":1,"n":1}`, 0, 0), item("/2", `{"g":1,"n":2}`, 0, 0), false, true},
		{`{"g":1,"n":-1}`, item("/1", `{"g":1,"n":1}`, 0, 0), item("/2", `{"g":2,"n":2}`, 0, 0), true, false},
		{`{}`, item("/1", `{"n":1}`, 0, 0), item("/2", `{"n":2}`, 0, 0), false, false},
	}
	for _, tt := range tests {
		s, err := CompileSort([]byte(tt.sort))
		if err != nil {
			t.Fatalf("CompileSort(%s): %v", tt.sort, err)
		}
		if got := s.Less(tt.a, tt.b); got != tt.less {
			t.Errorf("%s: Less(%s, %s) = %v, want %v", tt.sort, tt.a.Data, tt.b.Data, got, tt.less)
		}
		if got := s.Less(tt.b, tt.a); got != tt.more {
			t.Errorf("%s: Less(%s, %s) = %v, want %v", tt.sort, tt.b.Data, tt.a.Data, got, tt.more)
		}
	}
}

func TestSortStable(t *testing.T) {
	items := []store.Item{
		item("/1", `{"g":2}`, 0, 0), item("/2", `{"g":1}`, 0, 0), item("/3", `{"g":2}`, 0, 0),
		item("/4", `{"g":1}`, 0, 0), item("/5", `{}`, 0, 0),
	}
	s, err := CompileSort([]byte(`{"g":1}`))
	if err != nil {
		t.Fatal(err)
	}
	sort.SliceStable(items, func(i, j int) bool { return s.Less(items[i], items[j]) })
	var got []string
	for _, it := range items {
		got = append(got, it.Path)
	}
	if want := []string{"/5", "/2", "/4", "/1", "/3"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCompileSortErrors(t *testing.T) {
	tests := []struct{ sort, wantMsg string }{
		{`[]`, "sort must be a JSON object"},
		{`{"a":`, "sort is not valid JSON"},
		{`{"a":2}`, `sort direction for "a" must be 1 or -1, got 2`},
		{`{"a":"asc"}`, `sort direction for "a" must be 1 or -1`},
		{`{"a":0}`, `sort direction for "a" must be 1 or -1`},
		{`{"` + strings.Repeat("a.", 100) + `a":1}`, "more than 100 segments"},
	}
	for _, tt := range tests {
		_, err := CompileSort([]byte(tt.sort))
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("CompileSort(%.40s) error %v, want ErrInvalid containing %q", tt.sort, err, tt.wantMsg)
		}
	}
}
