package query

import (
	"fmt"
	"testing"
)

func TestEqualities(t *testing.T) {
	for _, tc := range []struct {
		criteria string
		want     string // the terms, formatted
	}{
		{`{"n":4242}`, `[n=4242]`},
		{`{"name":"x"}`, `[name="x"]`},
		{`{"name":"caf\u00e9"}`, `[name="caf\u00e9"]`},
		{`{"ok":true,"no":false}`, `[ok=true no=false]`},
		{`{"n":4.242e3}`, `[n=4.242e3]`},
		{`{"n":{"$eq":5}}`, `[n=5]`},
		{`{"n":{"$eq":5,"$lt":8}}`, `[n=5]`},
		{`{"data.n":5}`, `[n=5]`},
		{`{"_data.n":5}`, `[n=5]`},
		{`{"$and":[{"grp":"g7"},{"n":{"$gte":5}}]}`, `[grp="g7"]`},
		{`{"$and":[{"$and":[{"a":1}]},{"b":2}],"c":3}`, `[a=1 b=2 c=3]`},
		{`{"tags":{"$all":["x","y"]}}`, `[tags="x" tags="y"]`},
		{`{"a":1,"$or":[{"b":2},{"c":3}]}`, `[a=1]`},
		// Nothing every match must satisfy, or nothing an index can answer.
		{`{"n":null}`, `[]`},
		{`{"n":{"$eq":null}}`, `[]`},
		{`{"n":{"$ne":5}}`, `[]`},
		{`{"n":{"$in":[5]}}`, `[]`},
		{`{"n":{"$gte":5}}`, `[]`},
		{`{"n":{"$not":{"$eq":5}}}`, `[]`},
		{`{"n":[1,2]}`, `[]`},
		{`{"n":{"a":1}}`, `[]`},
		{`{"a.b":1}`, `[]`},
		{`{"data.a.b":1}`, `[]`},
		{`{"path":"/x"}`, `[]`},
		{`{"_meta.path":"/x"}`, `[]`},
		{`{"modifiedBy":"bob"}`, `[]`},
		{`{"$or":[{"a":1}]}`, `[]`},
		{`{"$nor":[{"a":1}]}`, `[]`},
		{`{"$not":{"a":1}}`, `[]`},
		{`{}`, `[]`},
	} {
		q, err := Compile([]byte(tc.criteria))
		if err != nil {
			t.Fatalf("Compile(%s): %v", tc.criteria, err)
		}
		got := "["
		for i, e := range q.Equalities() {
			if i > 0 {
				got += " "
			}
			got += fmt.Sprintf("%s=%s", e.Key, e.Value)
		}
		got += "]"
		if got != tc.want {
			t.Errorf("Equalities of %s = %s, want %s", tc.criteria, got, tc.want)
		}
	}
	if (*Query)(nil).Equalities() != nil {
		t.Error("a nil Query has equalities")
	}
}
