// Package jsonobj edits JSON objects as happn-3 does in JavaScript,
// working on their raw text: the shallow merge of a set with the merge
// option ({...old, ...patch}) and the increment of a gauge. The server
// applies them to requests; package happn3file replays a happn-3 data
// file's operations with them, so both give the same documents.
package jsonobj

import (
	"errors"
	"strconv"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/tidwall/gjson"
)

// MergeShallow returns {...old, ...patch} as JavaScript's object spread
// would: keys of old keep their order (with patch's value where patch has
// the key), then patch's new keys in patch's order. Both must be JSON
// objects.
func MergeShallow(old, patch []byte) []byte {
	type kv struct{ key, raw string }
	var fresh []kv
	gjson.ParseBytes(patch).ForEach(func(k, v gjson.Result) bool {
		fresh = append(fresh, kv{k.Str, v.Raw})
		return true
	})
	used := make([]bool, len(fresh))
	b := make([]byte, 0, len(old)+len(patch))
	b = append(b, '{')
	add := func(key string, raw string) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = protocol.AppendString(b, key)
		b = append(b, ':')
		b = append(b, raw...)
	}
	gjson.ParseBytes(old).ForEach(func(k, v gjson.Result) bool {
		raw := v.Raw
		// The last occurrence of a key wins, as in JSON.parse.
		for i := len(fresh) - 1; i >= 0; i-- {
			if fresh[i].key == k.Str {
				raw = fresh[i].raw
				break
			}
		}
		for i := range fresh {
			if fresh[i].key == k.Str {
				used[i] = true
			}
		}
		add(k.Str, raw)
		return true
	})
	for i, f := range fresh {
		if !used[i] {
			add(f.key, f.raw)
		}
	}
	return append(b, '}')
}

// ErrNotNumber is returned by IncrementGauge when the gauge holds
// something other than a number.
var ErrNotNumber = errors.New("its value is not a number")

// IncrementGauge returns the object old (nil for none) with
// old[gauge].value increased by by, and the new value (SPEC §4.3). A
// gauge that holds something other than a number is ErrNotNumber (happn-3
// would concatenate strings onto it).
func IncrementGauge(old []byte, gauge string, by float64) ([]byte, float64, error) {
	current := 0.0
	if old != nil {
		v := gjson.GetBytes(old, gjson.Escape(gauge)+".value")
		switch v.Type {
		case gjson.Number:
			current = v.Num
		case gjson.Null:
		default:
			return nil, 0, ErrNotNumber
		}
	} else {
		old = []byte(`{}`)
	}
	value := current + by
	patch := []byte(`{`)
	patch = protocol.AppendString(patch, gauge)
	patch = append(patch, `:{"value":`...)
	patch = AppendNumber(patch, value)
	patch = append(patch, `}}`...)
	return MergeShallow(old, patch), value, nil
}

// AppendNumber appends f as JavaScript would print it: integers without
// a fraction.
func AppendNumber(b []byte, f float64) []byte {
	if f == float64(int64(f)) && f < 1e21 && f > -1e21 {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}
