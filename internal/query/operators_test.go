package query

import (
	"errors"
	"strings"
	"testing"
)

// matchCase is one criteria/document pair and whether they match.
type matchCase struct {
	criteria, doc string
	want          bool
}

// runDocCases runs cases through CompileDocument and MatchDocument.
func runDocCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		q, err := CompileDocument([]byte(c.criteria))
		if err != nil {
			t.Errorf("CompileDocument(%s): %v", c.criteria, err)
			continue
		}
		if got := q.MatchDocument([]byte(c.doc)); got != c.want {
			t.Errorf("%s on %s = %v, want %v", c.criteria, c.doc, got, c.want)
		}
	}
}

func TestImplicitEquality(t *testing.T) {
	runDocCases(t, []matchCase{
		{`{}`, `{"a":1}`, true},
		{`{"name":"simon"}`, `{"name":"simon"}`, true},
		{`{"name":"simon"}`, `{"name":"Simon"}`, false},
		{`{"name":"simon"}`, `{}`, false},
		{`{"n":5}`, `{"n":5.0}`, true},
		{`{"n":5}`, `{"n":"5"}`, false},
		{`{"n":9007199254740993}`, `{"n":9007199254740993}`, true},
		{`{"n":9007199254740993}`, `{"n":9007199254740992}`, false},
		{`{"b":true}`, `{"b":true}`, true},
		{`{"b":true}`, `{"b":1}`, false},
		{`{"s":"a\"b"}`, `{"s":"a\u0022b"}`, true},
		// null matches null and missing.
		{`{"a":null}`, `{"a":null}`, true},
		{`{"a":null}`, `{}`, true},
		{`{"a":null}`, `{"a":0}`, false},
		// Objects: exact equality, member order irrelevant.
		{`{"a":{"b":1}}`, `{"a":{"b":1}}`, true},
		{`{"a":{"b":1,"c":2}}`, `{"a":{"c":2,"b":1}}`, true},
		{`{"a":{"b":1}}`, `{"a":{"b":1,"c":2}}`, false},
		{`{"a":{"b":1,"c":2}}`, `{"a":{"b":1}}`, false},
		{`{"a":{}}`, `{"a":{}}`, true},
		{`{"a":{}}`, `{"a":{"b":1}}`, false},
		// Arrays: an element matches, or the whole array exactly.
		{`{"tags":"x"}`, `{"tags":["y","x"]}`, true},
		{`{"tags":"z"}`, `{"tags":["y","x"]}`, false},
		{`{"tags":["y","x"]}`, `{"tags":["y","x"]}`, true},
		{`{"tags":["x","y"]}`, `{"tags":["y","x"]}`, false},
		{`{"tags":["x"]}`, `{"tags":[["x"],"y"]}`, true},
		{`{"tags":"x"}`, `{"tags":[["x"]]}`, false},
		{`{"a":null}`, `{"a":[1,null]}`, true},
		// Dotted paths, through objects and across arrays of objects.
		{`{"a.b":1}`, `{"a":{"b":1}}`, true},
		{`{"a.b":1}`, `{"a":{"b":2}}`, false},
		{`{"friends.first":"Dale"}`, `{"friends":[{"first":"Jim"},{"first":"Dale"}]}`, true},
		{`{"friends.first":"Bob"}`, `{"friends":[{"first":"Jim"},{"first":"Dale"}]}`, false},
		{`{"a.b.c":1}`, `{"a":[{"b":[{"c":2},{"c":1}]}]}`, true},
		{`{"a.0":"x"}`, `{"a":["x","y"]}`, true},
		{`{"a.1":"x"}`, `{"a":["x","y"]}`, false},
		{`{"a.0.b":1}`, `{"a":[{"b":1}]}`, true},
		{`{"a.0":1}`, `{"a":{"0":1}}`, true},
		{`{"a.b":null}`, `{"a":[{"b":1},{"c":1}]}`, true},
		{`{"a.b":null}`, `{"a":[{"b":1}]}`, false},
		{`{"a.b":1}`, `{"a":5}`, false},
		// Member names that would be gjson syntax are plain names here.
		{`{"@this":1}`, `{"@this":1}`, true},
		{`{"@this":{"a":1}}`, `{"a":1}`, false},
		{`{"*":1}`, `{"x":1}`, false},
		{`{"#":2}`, `{"#":2}`, true},
		{`{"a|b":1}`, `{"a":1}`, false},
		{`{"":1}`, `{"":1}`, true},
	})
}

func TestComparisons(t *testing.T) {
	runDocCases(t, []matchCase{
		{`{"n":{"$eq":5}}`, `{"n":5}`, true},
		{`{"n":{"$eq":5}}`, `{"n":6}`, false},
		{`{"n":{"$ne":5}}`, `{"n":6}`, true},
		{`{"n":{"$ne":5}}`, `{"n":5}`, false},
		{`{"n":{"$ne":5}}`, `{}`, true},
		{`{"n":{"$ne":5}}`, `{"n":[4,5]}`, false},
		{`{"n":{"$ne":null}}`, `{}`, false},
		{`{"n":{"$ne":null}}`, `{"n":0}`, true},
		{`{"n":{"$gt":5}}`, `{"n":6}`, true},
		{`{"n":{"$gt":5}}`, `{"n":5}`, false},
		{`{"n":{"$gte":5}}`, `{"n":5}`, true},
		{`{"n":{"$gte":5}}`, `{"n":4.9}`, false},
		{`{"n":{"$lt":5}}`, `{"n":-1}`, true},
		{`{"n":{"$lt":5}}`, `{"n":5}`, false},
		{`{"n":{"$lte":5}}`, `{"n":5}`, true},
		{`{"n":{"$lte":5}}`, `{"n":5.5}`, false},
		// Different types never compare.
		{`{"n":{"$gt":5}}`, `{"n":"6"}`, false},
		{`{"n":{"$lt":"b"}}`, `{"n":1}`, false},
		{`{"n":{"$gt":5}}`, `{}`, false},
		{`{"s":{"$gt":"abc"}}`, `{"s":"abd"}`, true},
		{`{"s":{"$gt":"abc"}}`, `{"s":"ABD"}`, false},
		{`{"b":{"$gt":false}}`, `{"b":true}`, true},
		{`{"b":{"$gt":false}}`, `{"b":false}`, false},
		{`{"n":{"$gte":null}}`, `{}`, true},
		{`{"n":{"$gt":null}}`, `{"n":null}`, false},
		// int64 precision.
		{`{"n":{"$gt":9007199254740992}}`, `{"n":9007199254740993}`, true},
		{`{"n":{"$lt":9007199254740993}}`, `{"n":9007199254740993}`, false},
		{`{"n":{"$gt":1.5}}`, `{"n":2}`, true},
		{`{"n":{"$gt":1e3}}`, `{"n":1001}`, true},
		// Arrays: some element compares.
		{`{"n":{"$gt":5}}`, `{"n":[1,7]}`, true},
		{`{"n":{"$gt":5}}`, `{"n":[1,2]}`, false},
		// Several operators on one field all apply (happn-3 keeps only the first).
		{`{"n":{"$gte":5,"$lt":8}}`, `{"n":6}`, true},
		{`{"n":{"$gte":5,"$lt":8}}`, `{"n":9}`, false},
		{`{"n":{"$gte":5,"$lt":8}}`, `{"n":4}`, false},
		{`{"n":{"$gt":5,"$lt":8}}`, `{"n":[3,10]}`, true},
		{`{"friends.age":{"$gt":30}}`, `{"friends":[{"age":20},{"age":40}]}`, true},
		{`{"friends.age":{"$gt":50}}`, `{"friends":[{"age":20},{"age":40}]}`, false},
	})
}

func TestSetOperators(t *testing.T) {
	many := `["a","b","c","d","e","f","g","h","i",7,null]` // past inSetMin
	runDocCases(t, []matchCase{
		{`{"r":{"$in":["North","South"]}}`, `{"r":"South"}`, true},
		{`{"r":{"$in":["North","South"]}}`, `{"r":"East"}`, false},
		{`{"r":{"$in":[]}}`, `{"r":"East"}`, false},
		{`{"r":{"$in":[null]}}`, `{}`, true},
		{`{"r":{"$in":[1,{"a":1}]}}`, `{"r":{"a":1}}`, true},
		{`{"r":{"$in":["x"]}}`, `{"r":["y","x"]}`, true},
		{`{"r":{"$in":` + many + `}}`, `{"r":"i"}`, true},
		{`{"r":{"$in":` + many + `}}`, `{"r":7}`, true},
		{`{"r":{"$in":` + many + `}}`, `{}`, true},
		{`{"r":{"$in":` + many + `}}`, `{"r":"z"}`, false},
		{`{"r":{"$nin":["North","South"]}}`, `{"r":"East"}`, true},
		{`{"r":{"$nin":["North","South"]}}`, `{"r":"North"}`, false},
		{`{"r":{"$nin":["North"]}}`, `{}`, true},
		{`{"r":{"$nin":["x"]}}`, `{"r":["y","x"]}`, false},
		{`{"t":{"$all":["a","b"]}}`, `{"t":["b","c","a"]}`, true},
		{`{"t":{"$all":["a","b"]}}`, `{"t":["a","c"]}`, false},
		{`{"t":{"$all":[]}}`, `{"t":["a"]}`, false},
		{`{"t":{"$all":["a"]}}`, `{"t":"a"}`, true},
		{`{"f.t":{"$all":["a","b"]}}`, `{"f":[{"t":"a"},{"t":"b"}]}`, true},
	})
}

func TestElementOperators(t *testing.T) {
	runDocCases(t, []matchCase{
		{`{"a":{"$exists":true}}`, `{"a":null}`, true},
		{`{"a":{"$exists":true}}`, `{"b":1}`, false},
		{`{"a":{"$exists":false}}`, `{"b":1}`, true},
		{`{"a":{"$exists":false}}`, `{"a":0}`, false},
		{`{"a":{"$exists":1}}`, `{"a":0}`, true},
		{`{"a.b":{"$exists":true}}`, `{"a":[{"c":1},{"b":1}]}`, true},
		{`{"a.b":{"$exists":true}}`, `{"a":[{"c":1}]}`, false},
		{`{"a.b":{"$exists":false}}`, `{"a":[1,2]}`, true},
		{`{"a":{"$size":2}}`, `{"a":[1,[2,3]]}`, true},
		{`{"a":{"$size":2}}`, `{"a":[1]}`, false},
		{`{"a":{"$size":0}}`, `{"a":[]}`, true},
		{`{"a":{"$size":0}}`, `{}`, false},
		{`{"a":{"$size":1}}`, `{"a":"x"}`, false},
		{`{"a":{"$size":2.0}}`, `{"a":[1,2]}`, true},
	})
}

func TestRegex(t *testing.T) {
	runDocCases(t, []matchCase{
		{`{"s":{"$regex":"^SIM"}}`, `{"s":"SIMON"}`, true},
		{`{"s":{"$regex":"^SIM"}}`, `{"s":"simon"}`, false},
		{`{"s":{"$regex":["^SIM","i"]}}`, `{"s":"simon"}`, true},
		{`{"s":{"$regex":["^SIM"]}}`, `{"s":"simon"}`, false},
		{`{"s":{"$regex":"^SIM","$options":"i"}}`, `{"s":"simon"}`, true},
		{`{"s":{"$regex":"^b","$options":"m"}}`, `{"s":"a\nb"}`, true},
		{`{"s":{"$regex":"^b"}}`, `{"s":"a\nb"}`, false},
		{`{"s":{"$regex":"a.b","$options":"s"}}`, `{"s":"a\nb"}`, true},
		{`{"s":{"$regex":"a.b"}}`, `{"s":"a\nb"}`, false},
		{`{"s":{"$regex":"1"}}`, `{"s":1}`, false},
		{`{"s":{"$regex":"x"}}`, `{"s":["a","xy"]}`, true},
		{`{"s":{"$regex":"x"}}`, `{}`, false},
		{`{"s":{"$not":{"$regex":"x"}}}`, `{"s":"abc"}`, true},
		{`{"s":{"$not":{"$regex":"x"}}}`, `{"s":"xyz"}`, false},
	})
}

func TestLogical(t *testing.T) {
	runDocCases(t, []matchCase{
		{`{"$and":[{"a":1},{"b":2}]}`, `{"a":1,"b":2}`, true},
		{`{"$and":[{"a":1},{"b":2}]}`, `{"a":1,"b":3}`, false},
		{`{"$or":[{"a":1},{"b":2}]}`, `{"a":0,"b":2}`, true},
		{`{"$or":[{"a":1},{"b":2}]}`, `{"a":0,"b":0}`, false},
		{`{"$nor":[{"a":1},{"b":2}]}`, `{"a":0,"b":0}`, true},
		{`{"$nor":[{"a":1},{"b":2}]}`, `{"a":1}`, false},
		{`{"$not":{"a":1}}`, `{"a":2}`, true},
		{`{"$not":{"a":1}}`, `{"a":1}`, false},
		{`{"a":{"$not":{"$gt":5}}}`, `{"a":3}`, true},
		{`{"a":{"$not":{"$gt":5}}}`, `{"a":7}`, false},
		{`{"a":{"$not":{"$gt":5}}}`, `{}`, true},
		{`{"a":{"$not":{"$gt":5,"$lt":9}}}`, `{"a":7}`, false},
		{`{"a":{"$not":{"$gt":5,"$lt":9}}}`, `{"a":10}`, true},
		{`{"$or":[{"a":1}],"b":2}`, `{"a":1,"b":2}`, true},
		{`{"$or":[{"a":1}],"b":2}`, `{"a":1,"b":1}`, false},
	})
}

func TestElemMatch(t *testing.T) {
	runDocCases(t, []matchCase{
		{`{"r":{"$elemMatch":{"$gte":80,"$lt":85}}}`, `{"r":[82,90]}`, true},
		{`{"r":{"$elemMatch":{"$gte":80,"$lt":85}}}`, `{"r":[79,90]}`, false},
		{`{"r":{"$gte":80,"$lt":85}}`, `{"r":[79,90]}`, true},
		{`{"r":{"$elemMatch":{"$gte":80}}}`, `{"r":82}`, false},
		{`{"r":{"$elemMatch":{"p":"x","s":{"$gte":8}}}}`, `{"r":[{"p":"x","s":7},{"p":"y","s":9},{"p":"x","s":8}]}`, true},
		{`{"r":{"$elemMatch":{"p":"x","s":{"$gte":8}}}}`, `{"r":[{"p":"x","s":7},{"p":"y","s":9}]}`, false},
		{`{"r":{"$elemMatch":{"$or":[{"p":"z"},{"s":9}]}}}`, `{"r":[{"p":"x"},{"s":9}]}`, true},
		{`{"r":{"$elemMatch":{}}}`, `{"r":[1,{}]}`, true},
		{`{"r":{"$elemMatch":{}}}`, `{"r":[1,2]}`, false},
		{`{"r":{"$elemMatch":{"$ne":1}}}`, `{"r":[1,1]}`, false},
		{`{"r":{"$elemMatch":{"$ne":1}}}`, `{"r":[1,2]}`, true},
	})
}

// TestLokiOperators: $containsAny, $contains, $containsNone and $between
// as LokiJS, happn-3 13.x's store, applies them: containment in the whole
// value (substrings of a string, elements of an array, member names of an
// object), and an inclusive range.
func TestLokiOperators(t *testing.T) {
	runDocCases(t, []matchCase{
		{`{"r":{"$containsAny":["North","East"]}}`, `{"r":["North","South"]}`, true},
		{`{"r":{"$containsAny":["East","West"]}}`, `{"r":["North","South"]}`, false},
		{`{"r":{"$containsAny":"South"}}`, `{"r":["North","South"]}`, true},
		{`{"r":{"$containsAny":[]}}`, `{"r":["North"]}`, false},
		{`{"t":{"$containsAny":["Cape"]}}`, `{"t":"North.Cape Town"}`, true}, // substring of a string
		{`{"t":{"$containsAny":["cape"]}}`, `{"t":"North.Cape Town"}`, false},
		{`{"o":{"$containsAny":["k"]}}`, `{"o":{"k":null}}`, true}, // member name
		{`{"n":{"$containsAny":[1]}}`, `{"n":1}`, false},           // a number contains nothing
		{`{"n":{"$containsAny":[1]}}`, `{"n":[1,2]}`, true},
		{`{"n":{"$containsAny":["1"]}}`, `{"n":[1,2]}`, false}, // same type only
		{`{"m":{"$containsAny":["x"]}}`, `{}`, false},
		{`{"r":{"$contains":["North","South"]}}`, `{"r":["South","North","East"]}`, true},
		{`{"r":{"$contains":["North","West"]}}`, `{"r":["South","North"]}`, false},
		{`{"r":{"$contains":[]}}`, `{"r":[]}`, true},
		{`{"t":{"$contains":["North","Town"]}}`, `{"t":"North.Cape Town"}`, true},
		{`{"r":{"$containsNone":["West"]}}`, `{"r":["North"]}`, true},
		{`{"r":{"$containsNone":["North"]}}`, `{"r":["North"]}`, false},
		{`{"m":{"$containsNone":["x"]}}`, `{}`, true},
		{`{"n":{"$between":[5,8]}}`, `{"n":5}`, true},
		{`{"n":{"$between":[5,8]}}`, `{"n":8}`, true},
		{`{"n":{"$between":[5,8]}}`, `{"n":8.5}`, false},
		{`{"n":{"$between":[5,8]}}`, `{"n":"6"}`, false},
		{`{"s":{"$between":["b","d"]}}`, `{"s":"c"}`, true},
		{`{"n":{"$between":[5,8]}}`, `{}`, false},
		// happn-3 13.x's own search test (test/integration/data/paths.js).
		{`{"$or":[{"regions":{"$containsAny":["North","South","East","West"]}},{"towns":{"$containsAny":["North.Cape Town","South.East London"]}},{"categories":{"$containsAny":["Action","History"]}}],"keywords":{"$containsAny":["bass","Penny Siopis"]}}`,
			`{"regions":["North","South"],"towns":["North.Cape Town"],"categories":["Action","History"],"subcategories":["Action.angling","History.art"],"keywords":["bass","Penny Siopis"],"field1":"field1"}`, true},
	})
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ criteria, wantMsg string }{
		{``, "not valid JSON"},
		{`{"a":`, "not valid JSON"},
		{`[1]`, "must be a JSON object"},
		{`"x"`, "must be a JSON object"},
		{`null`, "must be a JSON object"},
		{`{"$where":"this.a > 1"}`, "$where is not supported"},
		{`{"a":{"$where":"x"}}`, "$where is not supported"},
		{`{"$foo":1}`, "unknown top-level operator $foo"},
		{`{"a":{"$foo":1}}`, `unknown operator $foo (on field "a")`},
		{`{"a":{"$gt":1,"b":2}}`, `mix operators and plain fields`},
		{`{"a":{"b":2,"$gt":1}}`, `mix operators and plain fields`},
		{`{"$and":{"a":1}}`, "$and needs an array of criteria, got an object"},
		{`{"$or":[]}`, "$or needs a non-empty array"},
		{`{"$nor":[1]}`, "element 0 is a number"},
		{`{"$not":[{"a":1}]}`, "$not at the top level needs criteria"},
		{`{"a":{"$in":"x"}}`, `$in for "a" needs an array, got a string`},
		{`{"a":{"$nin":{}}}`, `$nin for "a" needs an array`},
		{`{"a":{"$all":1}}`, `$all for "a" needs an array`},
		{`{"a":{"$size":"2"}}`, `$size for "a" needs a whole number`},
		{`{"a":{"$size":-1}}`, `$size for "a" needs a whole number`},
		{`{"a":{"$size":1.5}}`, `$size for "a" needs a whole number`},
		{`{"a":{"$exists":"yes"}}`, `$exists for "a" needs true or false`},
		{`{"a":{"$gt":[1]}}`, `$gt for "a" needs a number, string, boolean or null, got an array`},
		{`{"a":{"$lte":{}}}`, `$lte for "a" needs a number`},
		{`{"a":{"$regex":5}}`, `$regex parameter value must be an Array or a string`},
		{`{"a":{"$regex":["x","i","m"]}}`, `[pattern, flags] array of strings`},
		{`{"a":{"$regex":[]}}`, `[pattern, flags] array of strings`},
		{`{"a":{"$regex":"x","$options":"g"}}`, `$regex flag 'g' is not supported`},
		{`{"a":{"$regex":["x","u"]}}`, `$regex flag 'u' is not supported`},
		{`{"a":{"$regex":"(?=x)"}}`, `$regex "(?=x)"`},
		{`{"a":{"$options":"i"}}`, `$options for "a" needs a $regex`},
		{`{"a":{"$regex":"x","$options":1}}`, `$options for "a" must be a string`},
		{`{"a":{"$elemMatch":[1]}}`, `$elemMatch for "a" needs an object`},
		{`{"a":{"$elemMatch":{"$gt":1,"b":1}}}`, `unknown top-level operator $gt`},
		{`{"a":{"$elemMatch":{"b":{"$bad":1}}}}`, `unknown operator $bad`},
		{`{"a":{"$not":5}}`, `$not for "a" needs an operator object`},
		{`{"a":{"$not":{"b":1}}}`, `$not for "a" needs an operator object`},
		{`{"a":{"$containsAny":{"b":1}}}`, `$containsAny for "a" needs an array or a value, got an object`},
		{`{"a":{"$between":[1]}}`, `$between for "a" needs [low, high]`},
		{`{"a":{"$between":[1,[2]]}}`, `$between for "a" needs [low, high]`},
		{strings.Repeat(`{"$and":[`, 60) + `{}` + strings.Repeat(`]}`, 60), "nests deeper than 100 levels"},
		{`{"a":` + strings.Repeat(`[`, 200) + strings.Repeat(`]`, 200) + `}`, "nests deeper than 100 levels"},
		{`{"` + strings.Repeat("a.", 100) + `a":1}`, "more than 100 segments"},
	}
	for _, tt := range tests {
		_, err := Compile([]byte(tt.criteria))
		if err == nil {
			t.Errorf("Compile(%.60s) succeeded, want error containing %q", tt.criteria, tt.wantMsg)
			continue
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Compile(%.60s) error %v does not wrap ErrInvalid", tt.criteria, err)
		}
		if !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("Compile(%.60s) error %q, want it to contain %q", tt.criteria, err, tt.wantMsg)
		}
	}
}

func TestNilQueryMatchesAll(t *testing.T) {
	var q *Query
	if !q.MatchDocument([]byte(`{}`)) {
		t.Error("nil Query did not match")
	}
}
