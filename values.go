package happn

import (
	"bytes"
	"strconv"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/tidwall/gjson"
)

// normalizeData turns request data into the JSON object happn stores
// (SPEC §4.2): objects lose their "_meta" key (so an item read with get
// can be written back), anything else — strings, numbers, booleans,
// arrays, null — is wrapped as {"value": x}. Missing data (JavaScript's
// undefined) becomes {}.
func normalizeData(raw []byte, nullValue bool) []byte {
	raw = bytes.TrimSpace(raw)
	if nullValue {
		return []byte(`{"value":null}`)
	}
	if len(raw) == 0 {
		return []byte(`{}`)
	}
	if raw[0] != '{' {
		b := make([]byte, 0, len(raw)+10)
		b = append(b, `{"value":`...)
		b = append(b, raw...)
		return append(b, '}')
	}
	if !hasTopLevelKey(raw, "_meta") {
		return raw
	}
	return withoutKey(raw, "_meta")
}

// hasTopLevelKey reports whether the JSON object obj has key at its top level.
func hasTopLevelKey(obj []byte, key string) bool {
	// A cheap pre-check: most documents do not mention the key at all.
	if !bytes.Contains(obj, []byte(key)) {
		return false
	}
	found := false
	gjson.ParseBytes(obj).ForEach(func(k, _ gjson.Result) bool {
		found = k.Str == key
		return !found
	})
	return found
}

// withoutKey returns the JSON object obj without its top-level key.
func withoutKey(obj []byte, key string) []byte {
	b := make([]byte, 0, len(obj))
	b = append(b, '{')
	gjson.ParseBytes(obj).ForEach(func(k, v gjson.Result) bool {
		if k.Str != key {
			if len(b) > 1 {
				b = append(b, ',')
			}
			b = append(b, k.Raw...)
			b = append(b, ':')
			b = append(b, v.Raw...)
		}
		return true
	})
	return append(b, '}')
}

// mergeShallow returns {...old, ...patch} as JavaScript's object spread
// would: keys of old keep their order (with patch's value where patch has
// the key), then patch's new keys in patch's order.
func mergeShallow(old, patch []byte) []byte {
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

// incrementGauge returns data with data[gauge].value increased by by, and
// the new value (SPEC §4.3).
// A counter that holds something other than a number is an error (happn-3
// would concatenate strings onto it).
func incrementGauge(old []byte, gauge string, by float64) ([]byte, float64, error) {
	current := 0.0
	if old != nil {
		v := gjson.GetBytes(old, gjson.Escape(gauge)+".value")
		switch v.Type {
		case gjson.Number:
			current = v.Num
		case gjson.Null:
		default:
			return nil, 0, dataError("cannot increment " + gauge + ": its value is not a number")
		}
	} else {
		old = []byte(`{}`)
	}
	value := current + by
	patch := []byte(`{`)
	patch = protocol.AppendString(patch, gauge)
	patch = append(patch, `:{"value":`...)
	patch = appendNumber(patch, value)
	patch = append(patch, `}}`...)
	return mergeShallow(old, patch), value, nil
}

// appendNumber appends f as JavaScript would print it: integers without
// a fraction.
func appendNumber(b []byte, f float64) []byte {
	if f == float64(int64(f)) && f < 1e21 && f > -1e21 {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}
