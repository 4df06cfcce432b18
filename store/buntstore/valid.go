package buntstore

import "github.com/tidwall/gjson"

// validObject reports whether data is exactly one JSON object, surrounding
// JSON whitespace allowed. gjson's validator is used because it is several
// times faster than encoding/json's and allocates nothing.
func validObject(data []byte) bool {
	i := 0
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i < len(data) && data[i] == '{' && gjson.ValidBytes(data)
}
