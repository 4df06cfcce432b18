package security

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/happn-go/happn/internal/wildcard"
)

// Permission is what a permission map grants and forbids on one path
// pattern. Its JSON is happn-3's: {"actions":["get","on"],"prohibit":["set"]}.
type Permission struct {
	// Actions are the actions granted on paths matching the pattern.
	Actions []string `json:"actions,omitzero"`
	// Prohibit are the actions forbidden on paths matching the pattern,
	// whatever any other pattern grants.
	Prohibit []string `json:"prohibit,omitzero"`
}

// Permissions maps path patterns to what they grant and forbid. A group,
// a user and a session policy each have one, in happn-3's JSON form:
//
//	{"/app/*": {"actions": ["get", "on"]}, "/app/secret/*": {"prohibit": ["*"]}}
//
// Patterns use the permission wildcard dialect (SPEC §5.3), as happn-3's
// permission tree applies it: '*' matches any run of characters, '/'
// included, so "/app/*" covers "/app/a/b/c"; but every segment of the
// pattern before its last must match one segment of the path, so
// "/app/*/state" covers "/app/x/state" and "/app/x/y/state", while
// "/app/*/devices/*" does not cover "/app/x/y/devices/z" (its "devices"
// must be the path's third segment). Runs of '*' act as one '*'; every
// other character is literal. (happn-3 also collapsed runs of any
// repeated letter, so its "/app/books/*" matched "/ap/boks/x"; we do
// not.)
//
// happn-3 ignores case when matching; Allowed and Compile do too, while
// AllowedCaseSensitive and CompileCaseSensitive do not, as data paths do
// not: "/App/*" granting "/app/x" grants other data.
//
// HTTP requests are checked as paths "/@HTTP" + URL path with the
// lower-case HTTP method as the action.
type Permissions map[string]Permission

// Action names that a permission may grant or prohibit.
const (
	ActionGet    = "get"
	ActionSet    = "set"
	ActionOn     = "on"
	ActionRemove = "remove"
	// ActionAll stands for every action.
	ActionAll = "*"
)

// knownActions are happn-3's ALLOWED_PERMISSIONS (data actions, '*' and
// HTTP verbs for /@HTTP paths) plus "patch", which happn-3 forgot. Like
// happn-3 we accept HTTP verbs on any path rather than reject directories
// that happn-3 accepted; they simply never match a data request.
var knownActions = []string{
	"get", "set", "on", "remove", "*",
	"put", "post", "delete", "head", "options", "patch",
}

// ErrInvalidPermissions is wrapped by the errors of Validate.
var ErrInvalidPermissions = errors.New("security: invalid permissions")

// Validate reports every pattern of p that happn-3 would refuse to store:
// an empty pattern, one containing happn-3's escape "{{w}}", a
// Permission with neither Actions nor Prohibit, or an unknown action
// name. The error wraps ErrInvalidPermissions once per problem.
func (p Permissions) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidPermissions}, args...)...))
	}
	for _, path := range p.sortedPaths() {
		perm := p[path]
		switch {
		case path == "":
			bad("empty permission path")
		case strings.Contains(path, "{{w}}"):
			bad("permission path %q contains the reserved string {{w}}", path)
		}
		if perm.Actions == nil && perm.Prohibit == nil {
			bad("no actions or prohibit for path %q", path)
		}
		for _, a := range perm.Actions {
			if !slices.Contains(knownActions, a) {
				bad("unknown action %q for path %q", a, path)
			}
		}
		for _, a := range perm.Prohibit {
			if !slices.Contains(knownActions, a) {
				bad("unknown prohibit action %q for path %q", a, path)
			}
		}
	}
	return errors.Join(errs...)
}

func (p Permissions) sortedPaths() []string {
	paths := make([]string, 0, len(p))
	for path := range p {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	return paths
}

// Merge returns the union of sets: every pattern of every set, with the
// Actions and Prohibit of a pattern found in several sets merged without
// duplicates. A user's effective permissions are Merge of their groups'
// and their own (SPEC §7.3 step 5). The sets are not modified.
//
// (happn-3 let a later group replace an earlier group's entry for the
// same pattern and merged only the user's own; a union is what its
// documentation describes.)
func Merge(sets ...Permissions) Permissions {
	out := make(Permissions)
	for _, set := range sets {
		for path, perm := range set {
			out.add(path, perm)
		}
	}
	return out
}

// add merges perm into p[path], copying so no slice is shared with perm.
func (p Permissions) add(path string, perm Permission) {
	cur, ok := p[path]
	if !ok {
		p[path] = Permission{Actions: union(nil, perm.Actions), Prohibit: union(nil, perm.Prohibit)}
		return
	}
	p[path] = Permission{Actions: union(cur.Actions, perm.Actions), Prohibit: union(cur.Prohibit, perm.Prohibit)}
}

// union appends to a the elements of b it lacks. It keeps nil apart from
// empty, since a Permission with neither list is invalid.
func union(a, b []string) []string {
	if a == nil && b != nil {
		a = make([]string, 0, len(b))
	}
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}

// Allowed reports whether p authorizes action on path, as happn-3's
// checkpoint does (SPEC §7.3 step 5): the actions and prohibitions of
// every pattern matching path are pooled; action is authorized when the
// pool prohibits neither action nor "*", and grants action or "*".
//
// Allowed matches every pattern afresh; Compile p for repeated checks.
func (p Permissions) Allowed(action, path string) bool {
	return p.allowed(action, path, true)
}

// AllowedCaseSensitive is Allowed with patterns matched case-sensitively,
// as data paths are: "/allowed/*" then does not grant "/ALLOWED/x". A
// secure Service matches this way unless configured for happn-3's
// case-insensitive matching.
func (p Permissions) AllowedCaseSensitive(action, path string) bool {
	return p.allowed(action, path, false)
}

func (p Permissions) allowed(action, path string, fold bool) bool {
	granted := false
	for pattern, perm := range p {
		p, s := pattern, path
		if fold {
			if !wildcard.HasWildcard(pattern) {
				if !strings.EqualFold(pattern, path) {
					continue
				}
				p, s = path, path
			}
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if !permissionMatch(p, s) {
			continue
		}
		if slices.Contains(perm.Prohibit, action) || slices.Contains(perm.Prohibit, ActionAll) {
			return false
		}
		if slices.Contains(perm.Actions, action) || slices.Contains(perm.Actions, ActionAll) {
			granted = true
		}
	}
	return granted
}

// Checker is a compiled Permissions: Allowed gives the same answers as
// Permissions.Allowed, faster. A Checker is immutable and safe for
// concurrent use; compile a new one when the permissions change.
type Checker struct {
	// exact are the patterns without '*', matched with strings.EqualFold
	// as wildcard.MatchFold does. exactASCII indexes the ASCII ones by
	// their lower-case form: for an ASCII path, EqualFold is then plain
	// equality of lower-case forms. (A non-ASCII path can still equal an
	// ASCII pattern under Unicode folding, e.g. the Kelvin sign and 'k',
	// so it takes the scan.)
	exact      []rule
	exactASCII map[string][]int
	exactOther []int // indexes of the non-ASCII exact patterns
	// wild holds the patterns with '*', lower-cased, in a trie of their
	// literal prefixes (the text before the first '*'): only patterns
	// whose prefix starts the path are tried.
	wild *prefixNode
	// anyProhibit false lets Allowed stop at the first grant.
	anyProhibit bool
	// exactCase is set by CompileCaseSensitive: nothing is folded.
	exactCase bool
}

// rule is one pattern with its actions as bit sets. Action names that
// have no bit (Permissions need not be valid) are kept as strings.
type rule struct {
	pattern     string // lower-cased when it has a '*', so only the path is folded per call
	allow, deny uint16
	allowOther  []string
	denyOther   []string
}

// prefixNode is a node of a byte trie. rules are the wildcard patterns
// whose literal prefix is the path from the root to this node.
type prefixNode struct {
	rules []rule
	edges []byte
	kids  []*prefixNode
}

func (n *prefixNode) child(b byte) *prefixNode {
	for i, e := range n.edges {
		if e == b {
			return n.kids[i]
		}
	}
	return nil
}

func (n *prefixNode) insert(prefix string, r rule) {
	for i := 0; i < len(prefix); i++ {
		next := n.child(prefix[i])
		if next == nil {
			next = &prefixNode{}
			n.edges = append(n.edges, prefix[i])
			n.kids = append(n.kids, next)
		}
		n = next
	}
	n.rules = append(n.rules, r)
}

// actionBit returns the bit of a known action name, or 0.
func actionBit(action string) uint16 {
	switch action {
	case "*":
		return 1 << 0
	case "get":
		return 1 << 1
	case "set":
		return 1 << 2
	case "on":
		return 1 << 3
	case "remove":
		return 1 << 4
	case "put":
		return 1 << 5
	case "post":
		return 1 << 6
	case "delete":
		return 1 << 7
	case "head":
		return 1 << 8
	case "options":
		return 1 << 9
	case "patch":
		return 1 << 10
	}
	return 0
}

const bitAll = 1 << 0

func actionBits(actions []string) (bits uint16, other []string) {
	for _, a := range actions {
		if b := actionBit(a); b != 0 {
			bits |= b
		} else if !slices.Contains(other, a) {
			other = append(other, a)
		}
	}
	return bits, other
}

// Compile returns a Checker for p, matching as Allowed does (ignoring
// case, as happn-3). Later changes to p do not affect it.
func (p Permissions) Compile() *Checker {
	return p.compile(false)
}

// CompileCaseSensitive returns a Checker matching as AllowedCaseSensitive
// does. Later changes to p do not affect it.
func (p Permissions) CompileCaseSensitive() *Checker {
	return p.compile(true)
}

func (p Permissions) compile(exactCase bool) *Checker {
	c := &Checker{exactCase: exactCase}
	for _, pattern := range p.sortedPaths() {
		perm := p[pattern]
		r := rule{pattern: pattern}
		r.allow, r.allowOther = actionBits(perm.Actions)
		r.deny, r.denyOther = actionBits(perm.Prohibit)
		if r.deny != 0 || len(r.denyOther) > 0 {
			c.anyProhibit = true
		}
		if r.allow == 0 && len(r.allowOther) == 0 && r.deny == 0 && len(r.denyOther) == 0 {
			continue // matches or not, it changes nothing
		}
		if !wildcard.HasWildcard(pattern) {
			if exactCase {
				if c.exactASCII == nil {
					c.exactASCII = make(map[string][]int)
				}
				c.exactASCII[pattern] = append(c.exactASCII[pattern], len(c.exact))
				c.exact = append(c.exact, r)
				continue
			}
			if isASCII(pattern) {
				if c.exactASCII == nil {
					c.exactASCII = make(map[string][]int)
				}
				key := strings.ToLower(pattern)
				c.exactASCII[key] = append(c.exactASCII[key], len(c.exact))
			} else {
				c.exactOther = append(c.exactOther, len(c.exact))
			}
			c.exact = append(c.exact, r)
			continue
		}
		// The same folding as wildcard.MatchFold, done once here.
		if !exactCase {
			r.pattern = strings.ToLower(pattern)
		}
		if c.wild == nil {
			c.wild = &prefixNode{}
		}
		c.wild.insert(wildcard.Prefix(r.pattern), r)
	}
	return c
}

// Allowed reports whether the compiled permissions authorize action on
// path, with the semantics of Permissions.Allowed.
func (c *Checker) Allowed(action, path string) bool {
	bit := actionBit(action)
	granted := false
	// apply pools one matching rule; it returns true when the answer is
	// settled: denied, or granted with no prohibition anywhere.
	apply := func(r *rule) bool {
		if r.deny&(bit|bitAll) != 0 || bit == 0 && slices.Contains(r.denyOther, action) {
			granted = false
			return true
		}
		if r.allow&(bit|bitAll) != 0 || bit == 0 && slices.Contains(r.allowOther, action) {
			granted = true
			return !c.anyProhibit
		}
		return false
	}
	var folded string
	if c.exactCase {
		// exactASCII holds every exact pattern, keyed as written.
		folded = path
		for _, i := range c.exactASCII[path] {
			if apply(&c.exact[i]) {
				return granted
			}
		}
	} else if folded = strings.ToLower(path); isASCII(path) {
		for _, i := range c.exactASCII[folded] {
			if apply(&c.exact[i]) {
				return granted
			}
		}
		for _, i := range c.exactOther {
			if r := &c.exact[i]; strings.EqualFold(r.pattern, path) && apply(r) {
				return granted
			}
		}
	} else {
		for i := range c.exact {
			if r := &c.exact[i]; strings.EqualFold(r.pattern, path) && apply(r) {
				return granted
			}
		}
	}
	for n, i := c.wild, 0; n != nil; i++ {
		for j := range n.rules {
			if r := &n.rules[j]; permissionMatch(r.pattern, folded) && apply(r) {
				return granted
			}
		}
		if i == len(folded) {
			break
		}
		n = n.child(folded[i])
	}
	return granted
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// permissionMatch reports whether path matches pattern the way happn-3's
// permission tree decides it (permissions-tree.js search): the whole
// pattern must glob-match the whole path ('*' crossing '/'), and each
// segment of the pattern but the last must glob-match the path's segment
// at the same position (segments counted after one leading '/').
func permissionMatch(pattern, path string) bool {
	if !wildcard.Match(pattern, path) {
		return false
	}
	// happn-3 splits both on '/' after dropping one leading '/'.
	pattern = strings.TrimPrefix(pattern, "/")
	path = strings.TrimPrefix(path, "/")
	for {
		i := strings.IndexByte(pattern, '/')
		if i < 0 {
			return true
		}
		j := strings.IndexByte(path, '/')
		if j < 0 || !wildcard.Match(pattern[:i], path[:j]) {
			return false
		}
		pattern, path = pattern[i+1:], path[j+1:]
	}
}
