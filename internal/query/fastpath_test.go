package query

import (
	"testing"
)

// TestFastPaths covers what the scanner, the key cache and the raw tests
// settle themselves, and where they hand over to gjson: each case must
// give the expected answer, and the same as matching with gjson alone.
func TestFastPaths(t *testing.T) {
	tests := []struct {
		criteria, doc string
		want          bool
	}{
		{`{"n":4242}`, `{"n":4242,"grp":"g2"}`, true},
		{`{"n":4242}`, `{"n":4242.0}`, true},
		{`{"n":4242}`, `{"n":"4242"}`, false},
		{`{"n":-0}`, `{"n":0}`, true},
		{`{"n":9007199254740993}`, `{"n":9007199254740992}`, false},
		{`{"n":{"$ne":1}}`, `{"n":1}`, false},
		{`{"grp":"g2"}`, `{"n":1,"grp":"g2"}`, true},
		{`{"grp":"g\"2"}`, `{"grp":"g\"2"}`, true},
		{`{"grp":"gé"}`, `{"grp":"g\u00e9"}`, true},
		{`{"a":1}`, `{"a":1,"a":2}`, true}, // the first of repeated names, as gjson
		{`{"a":2,"b":1}`, `{"a":1,"b":1,"a":2}`, false},
		{`{"a":1}`, `{"\u0061":2,"a":1}`, false}, // the escaped name is a, and first
		{`{"a":1,"b":2}`, `{"b":2,"\u0061":1}`, true},
		{`{"a":1,"b":2}`, ` { "a" : 1 ,
			"b" : 2 } `, true},
		{`{"$or":[{"a":{"$gt":5}},{"c":"x"}],"b":{"$in":[1,2]}}`, `{"b":2,"c":"x","a":1}`, true},
		{`{"$or":[{"a":{"$gt":5}},{"c":"x"}],"b":{"$in":[1,2]}}`, `{"b":3,"c":"x","a":9}`, false},
		{`{"n":{"$gte":5000,"$lt":5100}}`, `{"n":5050}`, true},
		{`{"$and":[{"n":{"$gte":5000}},{"n":{"$lt":5100}}]}`, `{"n":5100}`, false},
		{`{"tags":"vip"}`, `{"tags":["a","vip"]}`, true},
		{`{"tags":{"$in":["x","vip"]}}`, `{"tags":[["vip"],"y"]}`, false},
		{`{"tags":{"$in":[["vip"]]}}`, `{"tags":[["vip"],"y"]}`, true},
		{`{"tags":{"$gt":"u"}}`, `{"tags":[1,"vip"]}`, true},
		{`{"tags":{"$regex":"^v"}}`, `{"tags":["a","\u0076ip"]}`, true},
		{`{"a.b":1}`, `{"a":{"x":[1,{"b":1}],"b":1}}`, true},
		{`{"a.b":1}`, `{"a":[{"b":2},{"b":1}]}`, true},
		{`{"a.1":"y"}`, `{"a":["x","y"]}`, true},
		{`{"a.b":{"$exists":false}}`, `{"a":"x"}`, true},
		{`{"a":{"$exists":true}}`, `{"a":null}`, true},
		{`{"a":null}`, `{}`, true},
		{`{"a":1}`, `{"a":1`, true},        // malformed: gjson's answer
		{`{"b":2}`, `{"a":1 "b":2}`, true}, // likewise
		{`{"a":1}`, `[{"a":1}]`, true},     // a top-level array fans out
		{`{"a":{"$size":2}}`, `{"a":[1,2]}`, true},
		{`{"a":{"$elemMatch":{"b":1}}}`, `{"a":[{"b":1}]}`, true},
	}
	for _, tt := range tests {
		q := mustCompile(t, tt.criteria)
		it := item("/p", tt.doc, 1, 2)
		got := q.MatchItem(it)
		general := q.root.match(&doc{text: tt.doc}, nil, &it)
		if got != tt.want || general != tt.want {
			t.Errorf("%s on %s: MatchItem %v, gjson alone %v, want %v", tt.criteria, tt.doc, got, general, tt.want)
		}
	}
}

// TestSimplify checks the shape simplify gives: one lookup per field
// under an $and.
func TestSimplify(t *testing.T) {
	q := mustCompile(t, `{"$and":[{"n":{"$gte":5000}},{"data.n":{"$lt":5100}}]}`)
	if q.root.kind != nodeField || len(q.root.conds) != 2 {
		t.Errorf("$and on one field: got kind %d with %d conds, want one field node with 2", q.root.kind, len(q.root.conds))
	}
	q = mustCompile(t, `{"a":1,"$and":[{"b":2},{"$and":[{"a":3}]}],"$or":[{"a":4},{"a":5}]}`)
	if q.root.kind != nodeAnd || len(q.root.kids) != 3 {
		t.Fatalf("got kind %d with %d kids, want an $and of a, b and the $or", q.root.kind, len(q.root.kids))
	}
	if a := q.root.kids[0]; a.field.name != "a" || len(a.conds) != 2 {
		t.Errorf("first kid %q has %d conds, want a with 2", a.field.name, len(a.conds))
	}
	if or := q.root.kids[2]; or.kind != nodeOr || len(or.kids) != 2 {
		t.Errorf("an $or must keep its kids apart, got kind %d with %d kids", or.kind, len(or.kids))
	}
	if len(q.keys) != 2 {
		t.Errorf("key cache names %q, want a and b", q.keys)
	}
}
