package happn

import (
	"bytes"

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
