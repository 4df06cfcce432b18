package protocol

import (
	"strconv"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// AppendString appends s to b as a JSON string. It escapes what JSON
// requires, plus U+2028 and U+2029 (as Primus does, so the text is also
// valid JavaScript), and replaces invalid UTF-8 with U+FFFD.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendKey appends "key": to b, preceded by a comma unless b ends an
// opening brace.
func AppendKey(b []byte, key string) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' && b[n-1] != '[' {
		b = append(b, ',')
	}
	b = AppendString(b, key)
	return append(b, ':')
}

// appendName is AppendKey for the protocol's own field names: plain
// ASCII that needs no escaping, so it is copied as it is. Every response
// writes a dozen of them.
func appendName(b []byte, key string) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' && b[n-1] != '[' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendIntField appends "key":n; key is one of the protocol's names.
func appendIntField(b []byte, key string, n int64) []byte {
	return strconv.AppendInt(appendName(b, key), n, 10)
}

func appendStringField(b []byte, key, s string) []byte {
	return AppendString(appendName(b, key), s)
}

func appendBoolField(b []byte, key string, v bool) []byte {
	return strconv.AppendBool(appendName(b, key), v)
}

func appendRawField(b []byte, key string, raw []byte) []byte {
	b = appendName(b, key)
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	return append(b, raw...)
}
