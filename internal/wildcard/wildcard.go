// Package wildcard implements two of happn's three wildcard dialects.
//
// happn gives '*' a different meaning depending on where it appears:
//
//   - Data (get, getPaths, count, remove, search): '*' matches any run of
//     characters, '/' included, and may be part of a segment; matching is
//     case-sensitive. Match implements it.
//   - Permissions and HTTP route rules: the same glob, but matching is
//     case-insensitive. MatchFold implements it.
//   - Subscriptions: '*' is exactly one whole segment and a trailing "/**"
//     spans several; that dialect lives in package pubsub.
//
// Only '*' is special. Every other byte, '?' and '\' included, is literal,
// unlike path.Match or github.com/tidwall/match.
package wildcard

import "strings"

// HasWildcard reports whether pattern contains '*'.
func HasWildcard(pattern string) bool {
	return strings.IndexByte(pattern, '*') >= 0
}

// Match reports whether s matches pattern in the data dialect.
func Match(pattern, s string) bool {
	if !HasWildcard(pattern) {
		return pattern == s
	}
	return glob(pattern, s)
}

// MatchFold reports whether s matches pattern in the permission dialect:
// like Match, but letters match regardless of case (Unicode simple folding).
func MatchFold(pattern, s string) bool {
	if !HasWildcard(pattern) {
		return strings.EqualFold(pattern, s)
	}
	return glob(strings.ToLower(pattern), strings.ToLower(s))
}

// Prefix returns the literal text before the first '*' of pattern. Every
// string that matches pattern in the data dialect starts with it, so a
// store can scan the key range [Prefix, successor of Prefix) instead of
// every key.
func Prefix(pattern string) string {
	if i := strings.IndexByte(pattern, '*'); i >= 0 {
		return pattern[:i]
	}
	return pattern
}

// glob matches s against a pattern in which '*' matches any run of bytes.
// Literal parts between stars are matched leftmost-first, which is exact
// for a language whose only metacharacter is '*'.
func glob(pattern, s string) bool {
	first := strings.IndexByte(pattern, '*')
	if !strings.HasPrefix(s, pattern[:first]) {
		return false
	}
	s = s[first:]
	pattern = pattern[first:]
	last := strings.LastIndexByte(pattern, '*')
	suffix := pattern[last+1:]
	if len(s) < len(suffix) || !strings.HasSuffix(s, suffix) {
		return false
	}
	s = s[:len(s)-len(suffix)]
	middle := pattern[:last+1]
	for middle != "" {
		var part string
		part, middle, _ = strings.Cut(middle, "*")
		if part == "" {
			continue
		}
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return true
}

// Range is a data-dialect pattern split for stores that keep paths in
// order: the literal prefix bounds the range of paths to visit, and Match
// tests each path in it.
type Range struct {
	pattern string
	// Prefix starts every matching path.
	Prefix string
	all    bool // every path with Prefix matches ("/a/b*"), so Match is trivial
}

// NewRange returns the Range of a data-dialect pattern.
func NewRange(pattern string) Range {
	prefix := Prefix(pattern)
	return Range{pattern: pattern, Prefix: prefix, all: strings.Trim(pattern[len(prefix):], "*") == ""}
}

// Match reports whether path, which the caller knows starts with Prefix,
// matches the pattern.
func (r Range) Match(path string) bool {
	return r.all || Match(r.pattern, path)
}
