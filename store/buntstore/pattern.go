package buntstore

import (
	"strings"

	"github.com/happn-go/happn/internal/wildcard"
)

// keyRange is a data-dialect pattern split into the literal prefix that
// bounds the range of paths to visit and a test for each path in it.
type keyRange struct {
	pattern string
	prefix  string // every matching path starts with it
	all     bool   // every path with prefix matches ("/a/b*"), so Match can be skipped
}

func newKeyRange(pattern string) keyRange {
	prefix := wildcard.Prefix(pattern)
	return keyRange{
		pattern: pattern,
		prefix:  prefix,
		all:     strings.Trim(pattern[len(prefix):], "*") == "",
	}
}

// match reports whether path, which the caller knows starts with r.prefix,
// matches the pattern.
func (r keyRange) match(path string) bool {
	return r.all || wildcard.Match(r.pattern, path)
}
