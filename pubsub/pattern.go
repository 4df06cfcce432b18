package pubsub

import "strings"

// DefaultDepth is the depth of a variable-depth ("/**") subscription added
// with depth 0 (or less), as in happn-3 and its clients.
const DefaultDepth = 5

// onAllPattern is happn's subscribe-to-anything key. It is compared before
// the leading '/' is dropped: "/*" is an ordinary one-segment wildcard.
const onAllPattern = "*"

// pattern is a subscription pattern taken apart.
type pattern struct {
	// prefix holds the segments before a trailing "/**", or all of them.
	prefix string
	// none is set when prefix stands for zero segments (the bare "**"),
	// which an empty prefix string cannot say: "" is one empty segment.
	none bool
	// deep is set for a variable-depth pattern.
	deep bool
}

// parsePattern splits off a trailing "/**". The caller has already handled
// onAll.
func parsePattern(p string) pattern {
	p = trimLead(p)
	switch {
	case p == "**":
		return pattern{none: true, deep: true}
	case strings.HasSuffix(p, "/**"):
		return pattern{prefix: p[:len(p)-3], deep: true}
	}
	return pattern{prefix: p}
}

// trimLead drops one leading '/', which happn ignores ("SET/a" for both "a"
// and "/a"); a second one starts an empty segment.
func trimLead(p string) string {
	if len(p) > 0 && p[0] == '/' {
		return p[1:]
	}
	return p
}

// segments counts the segments of a path whose leading '/' is trimmed.
func segments(p string) int {
	return strings.Count(p, "/") + 1
}

// cut returns the first segment of p and the rest after its '/'.
func cut(p string) (seg, rest string) {
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return p, ""
}

// normDepth is the depth a subscription is stored and matched with: the
// caller's depth for a variable-depth pattern (DefaultDepth if not positive)
// and 0 for any other pattern, where depth means nothing.
func normDepth(deep bool, depth int) int {
	switch {
	case !deep:
		return 0
	case depth <= 0:
		return DefaultDepth
	}
	return depth
}
