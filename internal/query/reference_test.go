package query

// A slow reference evaluator over decoded JSON (map[string]any, []any,
// json.Number, string, bool, nil), written from the package's documented
// semantics rather than from its code, for FuzzMatch to compare with.

import (
	"bytes"
	"cmp"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// refMissing stands for a path that reaches nothing.
type refMissingT struct{}

var refMissing = refMissingT{}

func decodeJSON(b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		panic(err)
	}
	return v
}

func refMatch(crit map[string]any, doc any) bool {
	for k, v := range crit {
		switch k {
		case "$and", "$or", "$nor":
			hits := 0
			for _, c := range v.([]any) {
				if refMatch(c.(map[string]any), doc) {
					hits++
				}
			}
			n := len(v.([]any))
			if (k == "$and" && hits != n) || (k == "$or" && hits == 0) || (k == "$nor" && hits != 0) {
				return false
			}
		case "$not":
			if refMatch(v.(map[string]any), doc) {
				return false
			}
		default:
			if !refField(refResolve(doc, strings.Split(k, ".")), v) {
				return false
			}
		}
	}
	return true
}

// refResolve lists the values a dotted path reaches, fanning out over
// arrays of objects.
func refResolve(v any, segs []string) []any {
	if len(segs) == 0 {
		return []any{v}
	}
	switch x := v.(type) {
	case map[string]any:
		c, ok := x[segs[0]]
		if !ok {
			return []any{refMissing}
		}
		return refResolve(c, segs[1:])
	case []any:
		if i, err := strconv.Atoi(segs[0]); err == nil && strconv.Itoa(i) == segs[0] && i >= 0 {
			if i < len(x) {
				return refResolve(x[i], segs[1:])
			}
			return []any{refMissing}
		}
		var out []any
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, refResolve(m, segs)...)
			}
		}
		if out == nil {
			return []any{refMissing}
		}
		return out
	}
	return []any{refMissing}
}

func isOps(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return false
	}
	for k := range m {
		if !strings.HasPrefix(k, "$") {
			return false
		}
	}
	return true
}

func refField(vals []any, expr any) bool {
	if !isOps(expr) {
		return refAnyExpand(vals, func(v any) bool { return refEqual(v, expr) })
	}
	ops := expr.(map[string]any)
	for op, arg := range ops {
		if !refOp(vals, op, arg, ops) {
			return false
		}
	}
	return true
}

// refAnyExpand reports whether pred holds for some value or some element
// of an array value.
func refAnyExpand(vals []any, pred func(any) bool) bool {
	for _, v := range vals {
		if pred(v) {
			return true
		}
		if a, ok := v.([]any); ok {
			for _, e := range a {
				if pred(e) {
					return true
				}
			}
		}
	}
	return false
}

func refOp(vals []any, op string, arg any, ops map[string]any) bool {
	switch op {
	case "$eq":
		return refAnyExpand(vals, func(v any) bool { return refEqual(v, arg) })
	case "$ne":
		return !refOp(vals, "$eq", arg, ops)
	case "$gt", "$gte", "$lt", "$lte":
		return refAnyExpand(vals, func(v any) bool {
			c, ok := refCompareScalar(v, arg)
			switch {
			case !ok:
				return false
			case op == "$gt":
				return c > 0
			case op == "$gte":
				return c >= 0
			case op == "$lt":
				return c < 0
			}
			return c <= 0
		})
	case "$in":
		return refAnyExpand(vals, func(v any) bool {
			for _, x := range arg.([]any) {
				if refEqual(v, x) {
					return true
				}
			}
			return false
		})
	case "$nin":
		return !refOp(vals, "$in", arg, ops)
	case "$all":
		all := arg.([]any)
		for _, x := range all {
			if !refOp(vals, "$eq", x, ops) {
				return false
			}
		}
		return len(all) > 0
	case "$exists":
		exists := false
		for _, v := range vals {
			exists = exists || v != refMissing
		}
		return exists == arg.(bool)
	case "$regex":
		flags, _ := ops["$options"].(string)
		pattern, _ := arg.(string)
		if a, ok := arg.([]any); ok {
			pattern = a[0].(string)
			if len(a) > 1 {
				flags += a[1].(string)
			}
		}
		if flags != "" {
			pattern = "(?" + flags + ")" + pattern
		}
		re := regexp.MustCompile(pattern)
		return refAnyExpand(vals, func(v any) bool {
			s, ok := v.(string)
			return ok && re.MatchString(s)
		})
	case "$options":
		return true
	case "$size":
		n, _ := arg.(json.Number).Int64()
		for _, v := range vals {
			if a, ok := v.([]any); ok && int64(len(a)) == n {
				return true
			}
		}
		return false
	case "$elemMatch":
		for _, v := range vals {
			a, ok := v.([]any)
			if !ok {
				continue
			}
			for _, e := range a {
				if isOps(arg) && !refHasLogical(arg) {
					if refField([]any{e}, arg) {
						return true
					}
				} else if m, ok := e.(map[string]any); ok && refMatch(arg.(map[string]any), m) {
					return true
				}
			}
		}
		return false
	case "$not":
		return !refField(vals, arg)
	case "$containsAny", "$contains", "$containsNone":
		items := []any{arg}
		if a, ok := arg.([]any); ok {
			items = a
		}
		hit := false
		for _, v := range vals {
			hit = hit || refContains(v, items, op == "$contains")
		}
		return hit != (op == "$containsNone")
	case "$between":
		a := arg.([]any)
		return refOp(vals, "$gte", a[0], ops) && refOp(vals, "$lte", a[1], ops)
	}
	panic("reference: unknown operator " + op)
}

// refContains is LokiJS's containment of items in a whole value v: as
// substrings of a string, equal elements of an array, member names of an
// object; every item with all, else any.
func refContains(v any, items []any, all bool) bool {
	has := func(item any) bool {
		switch x := v.(type) {
		case string:
			s, ok := item.(string)
			return ok && strings.Contains(x, s)
		case []any:
			for _, e := range x {
				if refEqual(e, item) {
					return true
				}
			}
		case map[string]any:
			s, ok := item.(string)
			_, found := x[s]
			return ok && found
		}
		return false
	}
	if all {
		switch v.(type) {
		case string, []any, map[string]any:
		default:
			return false
		}
		for _, item := range items {
			if !has(item) {
				return false
			}
		}
		return true
	}
	for _, item := range items {
		if has(item) {
			return true
		}
	}
	return false
}

func refHasLogical(v any) bool {
	for k := range v.(map[string]any) {
		if k == "$and" || k == "$or" || k == "$nor" {
			return true
		}
	}
	return false
}

// refNumber returns an integer when n is written as one that fits int64.
func refNumber(n json.Number) (int64, float64, bool) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, float64(i), true
	}
	f, _ := strconv.ParseFloat(string(n), 64)
	return 0, f, false
}

func refCompareNumbers(a, b json.Number) int {
	ai, af, aInt := refNumber(a)
	bi, bf, bInt := refNumber(b)
	if aInt && bInt {
		return cmp.Compare(ai, bi)
	}
	return cmp.Compare(af, bf)
}

func refEqual(v, lit any) bool {
	if v == refMissing {
		return lit == nil
	}
	switch l := lit.(type) {
	case nil:
		return v == nil
	case bool:
		b, ok := v.(bool)
		return ok && b == l
	case string:
		s, ok := v.(string)
		return ok && s == l
	case json.Number:
		n, ok := v.(json.Number)
		return ok && refCompareNumbers(n, l) == 0
	case []any:
		a, ok := v.([]any)
		if !ok || len(a) != len(l) {
			return false
		}
		for i := range a {
			if !refEqual(a[i], l[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		m, ok := v.(map[string]any)
		if !ok || len(m) != len(l) {
			return false
		}
		for k, x := range l {
			y, ok := m[k]
			if !ok || !refEqual(y, x) {
				return false
			}
		}
		return true
	}
	panic("reference: literal type")
}

// refRank orders types: missing and null, numbers, strings, objects,
// arrays, booleans.
func refRank(v any) int {
	switch v.(type) {
	case json.Number:
		return 1
	case string:
		return 2
	case map[string]any:
		return 3
	case []any:
		return 4
	case bool:
		return 5
	}
	return 0
}

func refCompareScalar(v, lit any) (int, bool) {
	if refRank(v) != refRank(lit) {
		return 0, false
	}
	return refCompare(v, lit), true
}

// refCompare orders two decoded values for sorting. Objects compare member
// by member in document order; the fuzz documents come from json.Marshal,
// which writes members in sorted order, so sorted keys are that order.
func refCompare(a, b any) int {
	ra, rb := refRank(a), refRank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch x := a.(type) {
	case json.Number:
		return refCompareNumbers(x, b.(json.Number))
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		return cmp.Compare(boolInt(x), boolInt(b.(bool)))
	case []any:
		y := b.([]any)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := refCompare(x[i], y[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(x), len(y))
	case map[string]any:
		y := b.(map[string]any)
		aKeys, bKeys := slices.Sorted(maps.Keys(x)), slices.Sorted(maps.Keys(y))
		for i := 0; i < len(aKeys) && i < len(bKeys); i++ {
			if c := strings.Compare(aKeys[i], bKeys[i]); c != 0 {
				return c
			}
			if c := refCompare(x[aKeys[i]], y[bKeys[i]]); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(aKeys), len(bKeys))
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
