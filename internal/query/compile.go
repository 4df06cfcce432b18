package query

import (
	"regexp"
	"strings"

	"github.com/tidwall/gjson"
)

// inSetMin is the $in size from which string elements are looked up in a
// map rather than scanned.
const inSetMin = 8

// compiler turns parsed criteria into nodes. item selects happn's item
// field mapping (Compile) over plain document paths (CompileDocument).
type compiler struct{ item bool }

func (c compiler) field(key string) (field, error) {
	if c.item {
		return itemField(key)
	}
	return docField(key, key)
}

// criteria compiles a criteria object: its members all hold.
func (c compiler) criteria(obj gjson.Result, depth int) (node, error) {
	if depth > maxDepth {
		return node{}, invalid("criteria nest deeper than %d levels", maxDepth)
	}
	var kids []node
	var err error
	obj.ForEach(func(k, v gjson.Result) bool {
		var n node
		n, err = c.member(k.Str, v, depth)
		kids = append(kids, n)
		return err == nil
	})
	if err != nil {
		return node{}, err
	}
	if len(kids) == 1 {
		return kids[0], nil
	}
	return node{kind: nodeAnd, kids: kids}, nil
}

// member compiles one member of a criteria object: a logical operator or
// a field and what it is compared with.
func (c compiler) member(key string, v gjson.Result, depth int) (node, error) {
	switch key {
	case "$and", "$or", "$nor":
		kinds := map[string]nodeKind{"$and": nodeAnd, "$or": nodeOr, "$nor": nodeNor}
		kids, err := c.list(key, v, depth)
		return node{kind: kinds[key], kids: kids}, err
	case "$not":
		// nedb, happn-3's default store, accepts $not over whole criteria.
		if !v.IsObject() {
			return node{}, invalid("$not at the top level needs criteria (an object), got %s", typeName(v))
		}
		kid, err := c.criteria(v, depth+1)
		return node{kind: nodeNot, kids: []node{kid}}, err
	case "$where":
		return node{}, invalid("$where is not supported")
	}
	if strings.HasPrefix(key, "$") {
		return node{}, invalid("unknown top-level operator %s", key)
	}
	f, err := c.field(key)
	if err != nil {
		return node{}, err
	}
	conds, err := c.expr(&f, v, depth+1)
	return node{kind: nodeField, field: f, conds: conds}, err
}

// list compiles the non-empty array of criteria of $and, $or or $nor.
func (c compiler) list(op string, v gjson.Result, depth int) ([]node, error) {
	if !v.IsArray() {
		return nil, invalid("%s needs an array of criteria, got %s", op, typeName(v))
	}
	var kids []node
	var err error
	v.ForEach(func(_, e gjson.Result) bool {
		if !e.IsObject() {
			err = invalid("%s needs an array of criteria objects, but element %d is %s", op, len(kids), typeName(e))
			return false
		}
		var n node
		n, err = c.criteria(e, depth+1)
		kids = append(kids, n)
		return err == nil
	})
	if err == nil && len(kids) == 0 {
		err = invalid("%s needs a non-empty array", op)
	}
	return kids, err
}

// expr compiles what field f is compared with: an operator object such as
// {"$gte":5,"$lt":8}, or a value it must equal.
func (c compiler) expr(f *field, v gjson.Result, depth int) ([]cond, error) {
	isOps, err := operatorObject(f, v)
	if err != nil {
		return nil, err
	}
	if !isOps {
		return []cond{{kind: condEq, lit: compileLit(v)}}, nil
	}
	return c.ops(f, v, depth)
}

// operatorObject reports whether v is an object of operators. An object
// mixing operators and plain members is ambiguous, so it is an error.
func operatorObject(f *field, v gjson.Result) (bool, error) {
	if !v.IsObject() {
		return false, nil
	}
	ops, plain := 0, 0
	v.ForEach(func(k, _ gjson.Result) bool {
		if strings.HasPrefix(k.Str, "$") {
			ops++
		} else {
			plain++
		}
		return true
	})
	if ops > 0 && plain > 0 {
		return false, invalid("criteria for %q mix operators and plain fields", f.name)
	}
	return ops > 0, nil
}

// ops compiles an operator object: each operator becomes a cond and they
// all must hold.
func (c compiler) ops(f *field, obj gjson.Result, depth int) ([]cond, error) {
	if depth > maxDepth {
		return nil, invalid("criteria nest deeper than %d levels", maxDepth)
	}
	// $options qualifies the $regex beside it, wherever it appears.
	var options string
	hasOptions, hasRegex := false, false
	var err error
	obj.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "$options":
			if v.Type != gjson.String {
				err = invalid("$options for %q must be a string, got %s", f.name, typeName(v))
			}
			options, hasOptions = v.Str, true
		case "$regex":
			hasRegex = true
		}
		return err == nil
	})
	if err == nil && hasOptions && !hasRegex {
		err = invalid("$options for %q needs a $regex beside it", f.name)
	}
	if err != nil {
		return nil, err
	}
	var conds []cond
	obj.ForEach(func(k, v gjson.Result) bool {
		conds, err = c.op(conds, f, k.Str, v, options, depth)
		return err == nil
	})
	return conds, err
}

// op appends the conds of one operator to conds.
func (c compiler) op(conds []cond, f *field, op string, v gjson.Result, options string, depth int) ([]cond, error) {
	switch op {
	case "$eq", "$ne":
		return append(conds, cond{kind: condEq, neg: op == "$ne", lit: compileLit(v)}), nil
	case "$gt", "$gte", "$lt", "$lte":
		if v.Type == gjson.JSON || !v.Exists() {
			return nil, invalid("%s for %q needs a number, string, boolean or null, got %s", op, f.name, typeName(v))
		}
		kinds := map[string]cmpKind{"$gt": cmpGt, "$gte": cmpGte, "$lt": cmpLt, "$lte": cmpLte}
		return append(conds, cond{kind: condCmp, cmp: kinds[op], lit: compileLit(v)}), nil
	case "$in", "$nin":
		if !v.IsArray() {
			return nil, invalid("%s for %q needs an array, got %s", op, f.name, typeName(v))
		}
		return append(conds, inCond(v, op == "$nin")), nil
	case "$all":
		if !v.IsArray() {
			return nil, invalid("$all for %q needs an array, got %s", f.name, typeName(v))
		}
		// {"$all":[a,b]} is {"$eq":a} and {"$eq":b}, each free to match a
		// different element; an empty $all matches nothing, as in MongoDB.
		n := len(conds)
		v.ForEach(func(_, e gjson.Result) bool {
			conds = append(conds, cond{kind: condEq, lit: compileLit(e)})
			return true
		})
		if len(conds) == n {
			conds = append(conds, cond{kind: condNever})
		}
		return conds, nil
	case "$exists":
		var want bool
		switch v.Type {
		case gjson.True, gjson.False:
			want = v.Type == gjson.True
		case gjson.Number:
			want = v.Num != 0
		default:
			return nil, invalid("$exists for %q needs true or false, got %s", f.name, typeName(v))
		}
		return append(conds, cond{kind: condExists, neg: !want}), nil
	case "$regex":
		re, err := regexOperand(f, v, options)
		if err != nil {
			return nil, err
		}
		return append(conds, cond{kind: condRegex, re: re}), nil
	case "$options":
		return conds, nil // read by ops with its $regex
	case "$size":
		n := numberOf(v)
		if v.Type != gjson.Number || n.f < 0 || n.f != float64(int64(n.f)) {
			return nil, invalid("$size for %q needs a whole number of elements, got %s", f.name, describe(v))
		}
		if !n.isInt {
			n.i = int64(n.f)
		}
		return append(conds, cond{kind: condSize, size: n.i}), nil
	case "$elemMatch":
		return c.elemMatch(conds, f, v, depth)
	case "$not":
		isOps, err := operatorObject(f, v)
		if err != nil {
			return nil, err
		}
		if !isOps {
			return nil, invalid(`$not for %q needs an operator object such as {"$gt":5}, got %s`, f.name, typeName(v))
		}
		sub, err := c.ops(f, v, depth+1)
		return append(conds, cond{kind: condNot, sub: sub}), err
	case "$containsAny", "$contains", "$containsNone":
		// LokiJS's, which happn-3 13.x users have: an array of values or one.
		if v.IsObject() || !v.Exists() {
			return nil, invalid("%s for %q needs an array or a value, got %s", op, f.name, typeName(v))
		}
		cd := cond{kind: condContains, all: op == "$contains", neg: op == "$containsNone"}
		if v.IsArray() {
			v.ForEach(func(_, e gjson.Result) bool {
				cd.set = append(cd.set, compileLit(e))
				return true
			})
		} else {
			cd.set = []lit{compileLit(v)}
		}
		return append(conds, cd), nil
	case "$between":
		// LokiJS's {"$between": [lo, hi]}: both ends included.
		a := v.Array()
		if !v.IsArray() || len(a) != 2 || a[0].Type == gjson.JSON || a[1].Type == gjson.JSON {
			return nil, invalid("$between for %q needs [low, high], got %s", f.name, describe(v))
		}
		return append(conds, cond{kind: condCmp, cmp: cmpGte, lit: compileLit(a[0])}, cond{kind: condCmp, cmp: cmpLte, lit: compileLit(a[1])}), nil
	case "$where":
		return nil, invalid("$where is not supported")
	}
	if !strings.HasPrefix(op, "$") {
		return nil, invalid("criteria for %q mix operators and plain fields", f.name)
	}
	return nil, invalid("unknown operator %s (on field %q)", op, f.name)
}

// inCond compiles the array of $in or $nin.
func inCond(v gjson.Result, neg bool) cond {
	c := cond{kind: condIn, neg: neg, set: []lit{}, flat: true}
	strs := 0
	v.ForEach(func(_, e gjson.Result) bool {
		l := compileLit(e)
		if l.typ == gjson.String {
			strs++
		}
		c.flat = c.flat && l.isScalar()
		c.set = append(c.set, l)
		return true
	})
	if strs >= inSetMin {
		// Strings then match through the map; the scan is left for the
		// other types.
		c.strs = make(map[string]struct{}, strs)
		rest := c.set[:0]
		for _, l := range c.set {
			if l.typ == gjson.String {
				c.strs[l.str] = struct{}{}
			} else {
				rest = append(rest, l)
			}
		}
		c.set = rest
	}
	return c
}

// regexOperand compiles a $regex operand: a pattern string, or a
// [pattern, flags] array as happn-3 accepts; options come from $options.
func regexOperand(f *field, v gjson.Result, options string) (*regexp.Regexp, error) {
	var pattern, flags string
	switch {
	case v.Type == gjson.String:
		pattern = v.Str
	case v.IsArray():
		a := v.Array()
		if len(a) < 1 || len(a) > 2 || a[0].Type != gjson.String || (len(a) == 2 && a[1].Type != gjson.String) {
			return nil, invalid("$regex for %q must be a pattern string or a [pattern, flags] array of strings", f.name)
		}
		pattern = a[0].Str
		if len(a) == 2 {
			flags = a[1].Str
		}
	default:
		return nil, invalid("$regex parameter value must be an Array or a string")
	}
	return compileRegex(pattern, flags+options)
}

// elemMatch compiles $elemMatch. Its operand is either operators applied to
// each element ({"$gte":80,"$lt":85}) or criteria applied to each element
// as a plain document ({"product":"xyz"}); happn's item field mapping does
// not apply inside elements. Operators alone mean the first form, unless
// one of them is $and, $or or $nor, which only criteria have.
func (c compiler) elemMatch(conds []cond, f *field, v gjson.Result, depth int) ([]cond, error) {
	if !v.IsObject() {
		return nil, invalid("$elemMatch for %q needs an object, got %s", f.name, typeName(v))
	}
	valueForm := false
	v.ForEach(func(k, _ gjson.Result) bool {
		valueForm = strings.HasPrefix(k.Str, "$") && k.Str != "$and" && k.Str != "$or" && k.Str != "$nor"
		return valueForm
	})
	if valueForm {
		sub, err := c.ops(f, v, depth+1)
		return append(conds, cond{kind: condElemMatch, sub: sub}), err
	}
	doc, err := compiler{}.criteria(v, depth+1)
	if err != nil {
		return nil, err
	}
	doc = simplify(doc)
	return append(conds, cond{kind: condElemMatch, doc: &doc}), nil
}

// describe shows a small JSON value in an error message.
func describe(v gjson.Result) string {
	if len(v.Raw) > 40 {
		return typeName(v)
	}
	return v.Raw
}
