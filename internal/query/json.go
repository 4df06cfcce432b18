package query

import (
	"unsafe"

	"github.com/happn-go/happn/internal/jsondepth"
	"github.com/tidwall/gjson"
)

// maxDepth bounds how deeply criteria, sort and fields may nest, and how
// many segments a dotted field name may have. Compiling and matching
// recurse along both, so the bound keeps hostile input from growing the
// stack without limit. MongoDB allows documents 100 levels deep.
const maxDepth = 100

// parseObject checks that b is one valid JSON object no deeper than
// maxDepth and returns it parsed. what names the input in errors.
func parseObject(b []byte, what string) (gjson.Result, error) {
	// Depth first: gjson.Valid recurses once per nesting level.
	if jsondepth.Of(b) > maxDepth {
		return gjson.Result{}, invalid("%s nests deeper than %d levels", what, maxDepth)
	}
	if !gjson.ValidBytes(b) {
		return gjson.Result{}, invalid("%s is not valid JSON", what)
	}
	r := gjson.ParseBytes(b)
	if !r.IsObject() {
		return gjson.Result{}, invalid("%s must be a JSON object, got %s", what, typeName(r))
	}
	return r, nil
}

// bytesString views b as a string without copying. The evaluator only reads
// documents during one call and keeps nothing from them (gjson results are
// substrings of the input), so no string outlives the bytes it views; this
// is what keeps matching free of allocations.
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// typeName names a JSON value's type for error messages.
func typeName(r gjson.Result) string {
	switch {
	case !r.Exists():
		return "nothing"
	case r.Type == gjson.Null:
		return "null"
	case r.Type == gjson.True, r.Type == gjson.False:
		return "a boolean"
	case r.Type == gjson.Number:
		return "a number"
	case r.Type == gjson.String:
		return "a string"
	case r.IsArray():
		return "an array"
	default:
		return "an object"
	}
}
