package happn

import (
	"strings"
	"unicode/utf8"
)

const (
	msgSetWildcard = "Bad path, if the action is 'set' the path cannot contain the * wildcard character"
	msgBadPathChar = "Bad path, can only contain characters a-z A-Z 0-9 / & + = : @ % * ( ) _ -, ie: factory1@I&J(western-cape)/plant1:conveyer_2/stats=true/capacity=10%/*"
)

// checkPath validates a path as happn-3 does for set, on and remove
// (SPEC §4.7): letters, digits, whitespace and / ( ) { } + = & : % @ . _ * -
// only, and no '*' in a set.
func checkPath(path, action string) error {
	if action == "set" && strings.IndexByte(path, '*') >= 0 {
		return badRequest(msgSetWildcard)
	}
	if path == "" {
		return badRequest(msgBadPathChar)
	}
	for i := 0; i < len(path); {
		if c := path[i]; c < utf8.RuneSelf {
			// Every set and get checks its path on both ends: the
			// common ASCII case is a table look-up.
			if !pathASCII[c] {
				return badRequest(msgBadPathChar)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(path[i:])
		if !pathRune(r) {
			return badRequest(msgBadPathChar)
		}
		i += size
	}
	return nil
}

// pathASCII is pathRune for the ASCII runes.
var pathASCII = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = pathRune(rune(c))
	}
	return t
}()

func pathRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	case strings.ContainsRune("/(){}+=&:%@._*-", r):
		return true
	}
	return jsSpace(r)
}

// jsSpace reports whether JavaScript's \s matches r (it differs from
// unicode.IsSpace: it includes U+FEFF and excludes U+0085).
func jsSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff':
		return true
	}
	return r >= '\u2000' && r <= '\u200a'
}

// systemPrefix holds the server's own records (security directory, token
// secret, server name). They are never readable or writable over the wire.
const systemPrefix = "/_SYSTEM"

func isSystemPath(path string) bool {
	return strings.HasPrefix(path, systemPrefix) || strings.HasPrefix(path, systemPrefix[1:])
}
