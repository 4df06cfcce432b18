package security

import "strings"

// Nested permissions (happn-3's allowNestedPermissions): a get or on of a
// path ending in "/**" is allowed when the session may do it on at least
// one path below, and then reaches only the paths below that it may.

// AllowsBelow reports whether some rule grants action on some path that
// starts with prefix. It may answer true for a rule whose segments could
// not in fact line up with such a path; callers still decide each path
// with Allowed.
func (c *Checker) AllowsBelow(action, prefix string) bool {
	bit := actionBit(action)
	grants := func(r *rule) bool {
		return r.allow&(bit|bitAll) != 0 || bit == 0 && containsString(r.allowOther, action)
	}
	folded := prefix
	if !c.exactCase {
		folded = strings.ToLower(prefix)
	}
	for i := range c.exact {
		r := &c.exact[i]
		p := r.pattern
		if !c.exactCase {
			p = strings.ToLower(p)
		}
		if grants(r) && strings.HasPrefix(p, folded) {
			return true
		}
	}
	var walk func(n *prefixNode) bool
	walk = func(n *prefixNode) bool {
		if n == nil {
			return false
		}
		for j := range n.rules {
			if r := &n.rules[j]; grants(r) && globCanExtend(r.pattern, folded) {
				return true
			}
		}
		for _, k := range n.kids {
			if walk(k) {
				return true
			}
		}
		return false
	}
	return walk(c.wild)
}

// globCanExtend reports whether pattern, where '*' matches any run of
// characters, matches some string that starts with prefix: whether prefix
// can be read through the pattern without failing.
func globCanExtend(pattern, prefix string) bool {
	// states are the pattern positions reachable after the prefix read so
	// far; a '*' may also match nothing.
	states := map[int]bool{0: true}
	closure := func() {
		for changed := true; changed; {
			changed = false
			for i := range states {
				if i < len(pattern) && pattern[i] == '*' && !states[i+1] {
					states[i+1] = true
					changed = true
				}
			}
		}
	}
	closure()
	for k := 0; k < len(prefix) && len(states) > 0; k++ {
		next := map[int]bool{}
		for i := range states {
			switch {
			case i == len(pattern):
			case pattern[i] == '*':
				next[i] = true
			case pattern[i] == prefix[k]:
				next[i+1] = true
			}
		}
		states = next
		closure()
	}
	return len(states) > 0
}

// PermittedBelow reports whether the session of id may do action on some
// path below prefix ("/a/b" for a request on "/a/b/**"), by its
// permissions alone, as Permitted.
func (s *Service) PermittedBelow(id *Identity, action, prefix string) bool {
	if id == nil || id.st == nil || id.st.svc != s {
		return false
	}
	return s.checkerFor(id.st).AllowsBelow(action, strings.TrimSuffix(prefix, "/")+"/")
}
