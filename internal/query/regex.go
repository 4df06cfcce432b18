package query

import (
	"regexp"
	"strings"
	"sync"
)

// regexCacheMax bounds the compiled-regex cache. When it fills it is simply
// emptied: criteria are usually few and repeated (a page polling one
// search), so a clever eviction policy would not pay for itself.
const regexCacheMax = 512

var regexCache struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}

// compileRegex compiles a happn $regex: an RE2 pattern and JavaScript-style
// flags, of which i, m and s have Go equivalents. A *regexp.Regexp is safe
// for concurrent use, so compiled patterns are shared through a cache.
func compileRegex(pattern, flags string) (*regexp.Regexp, error) {
	var prefix strings.Builder
	for _, f := range "ims" {
		if strings.ContainsRune(flags, f) {
			prefix.WriteRune(f)
		}
	}
	for _, f := range flags {
		if !strings.ContainsRune("ims", f) {
			return nil, invalid("$regex flag %q is not supported (only i, m and s are)", f)
		}
	}
	expr := pattern
	if prefix.Len() > 0 {
		expr = "(?" + prefix.String() + ")" + pattern
	}

	regexCache.Lock()
	re, ok := regexCache.m[expr]
	regexCache.Unlock()
	if ok {
		return re, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		// regexp's message names the problem ("invalid or unsupported Perl
		// syntax: `(?=`") without Go internals, so the client can read it.
		return nil, invalid("$regex %q: %v", pattern, err)
	}
	regexCache.Lock()
	if regexCache.m == nil || len(regexCache.m) >= regexCacheMax {
		regexCache.m = make(map[string]*regexp.Regexp)
	}
	regexCache.m[expr] = re
	regexCache.Unlock()
	return re, nil
}
