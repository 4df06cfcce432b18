package security

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPermissionsJSONIsHappn3s(t *testing.T) {
	const in = `{"/path/*":{"actions":["get","on"],"prohibit":["set"]},"/other":{"actions":["*"]}}`
	var p Permissions
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	want := Permissions{
		"/path/*": {Actions: []string{"get", "on"}, Prohibit: []string{"set"}},
		"/other":  {Actions: []string{"*"}},
	}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %#v", p)
	}
	out, err := json.Marshal(p)
	if err != nil || string(out) != `{"/other":{"actions":["*"]},"/path/*":{"actions":["get","on"],"prohibit":["set"]}}` {
		t.Fatalf("Marshal = %s, %v", out, err)
	}
}

func TestValidate(t *testing.T) {
	valid := Permissions{
		"/a/*":            {Actions: []string{"get", "set", "on", "remove", "*"}},
		"/b":              {Prohibit: []string{"*"}},
		"/@HTTP/api/*":    {Actions: []string{"get", "put", "post", "delete", "head", "options", "patch"}},
		"/c":              {Actions: []string{}}, // happn-3 accepts an empty list
		"/d/{{username}}": {Actions: []string{"get"}},
	}
	if err := valid.Validate(); err != nil {
		t.Fatalf("valid permissions: %v", err)
	}
	tests := []struct {
		p    Permissions
		want string
	}{
		{Permissions{"/a": {}}, "no actions or prohibit"},
		{Permissions{"/a": {Actions: []string{"read"}}}, `unknown action "read"`},
		{Permissions{"/a": {Actions: []string{"GET"}}}, `unknown action "GET"`},
		{Permissions{"/a": {Prohibit: []string{"!get"}}}, `unknown prohibit action "!get"`},
		{Permissions{"": {Actions: []string{"get"}}}, "empty permission path"},
		{Permissions{"/a/{{w}}": {Actions: []string{"get"}}}, "{{w}}"},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		if !errors.Is(err, ErrInvalidPermissions) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%v) = %v, want ErrInvalidPermissions mentioning %q", tt.p, err, tt.want)
		}
	}
	// Every problem is reported, not just the first.
	err := Permissions{"/a": {Actions: []string{"x"}}, "/b": {Prohibit: []string{"y"}}}.Validate()
	if err == nil || !strings.Contains(err.Error(), `"x"`) || !strings.Contains(err.Error(), `"y"`) {
		t.Errorf("Validate reported %v; want both unknown actions", err)
	}
}

func TestMerge(t *testing.T) {
	group1 := Permissions{
		"/shared/*": {Actions: []string{"get"}},
		"/g1":       {Actions: []string{"set"}},
	}
	group2 := Permissions{
		"/shared/*": {Actions: []string{"on", "get"}, Prohibit: []string{"remove"}},
	}
	user := Permissions{
		"/shared/*": {Actions: []string{"set"}},
		"/mine/*":   {Actions: []string{"*"}},
	}
	got := Merge(group1, group2, user)
	want := Permissions{
		"/shared/*": {Actions: []string{"get", "on", "set"}, Prohibit: []string{"remove"}},
		"/g1":       {Actions: []string{"set"}},
		"/mine/*":   {Actions: []string{"*"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Merge:\n got %#v\nwant %#v", got, want)
	}
	// The inputs are untouched and share no slices with the result.
	got["/g1"].Actions[0] = "changed"
	if group1["/g1"].Actions[0] != "set" || len(group1["/shared/*"].Actions) != 1 {
		t.Fatalf("Merge modified or aliased its input: %#v", group1)
	}
	if m := Merge(); m == nil || len(m) != 0 {
		t.Fatalf("Merge() = %#v, want empty", m)
	}
}

// allowedCases are (permissions, action, path, want) checked against both
// Permissions.Allowed and Checker.Allowed.
var allowedCases = []struct {
	name   string
	p      Permissions
	action string
	path   string
	want   bool
}{
	{"exact grant", Permissions{"/a/b": {Actions: []string{"get"}}}, "get", "/a/b", true},
	{"exact other action", Permissions{"/a/b": {Actions: []string{"get"}}}, "set", "/a/b", false},
	{"exact other path", Permissions{"/a/b": {Actions: []string{"get"}}}, "get", "/a/c", false},
	{"exact ignores case", Permissions{"/A/b": {Actions: []string{"get"}}}, "get", "/a/B", true},
	{"star grants all actions", Permissions{"/a/*": {Actions: []string{"*"}}}, "remove", "/a/x", true},
	{"star crosses slashes", Permissions{"/a/*": {Actions: []string{"on"}}}, "on", "/a/x/y/z", true},
	{"star needs the prefix", Permissions{"/a/*": {Actions: []string{"on"}}}, "on", "/a", false},
	{"partial segment star", Permissions{"/a/b*": {Actions: []string{"get"}}}, "get", "/a/bc/d", true},
	{"wildcard ignores case", Permissions{"/Allowed/*": {Actions: []string{"get"}}}, "get", "/ALLOWED/x", true},
	{"only runs of stars collapse", Permissions{"/app/books/*": {Actions: []string{"get"}}}, "get", "/ap/boks/1", false},
	{"double star is a star", Permissions{"/a/**": {Actions: []string{"get"}}}, "get", "/a/b/c", true},
	{"union of patterns", Permissions{"/a/*": {Actions: []string{"get"}}, "/a/b/*": {Actions: []string{"set"}}}, "set", "/a/b/c", true},
	{"prohibit wins over a broader grant", Permissions{"/a/*": {Actions: []string{"*"}}, "/a/secret/*": {Prohibit: []string{"get"}}}, "get", "/a/secret/x", false},
	{"prohibit is per action", Permissions{"/a/*": {Actions: []string{"*"}}, "/a/secret/*": {Prohibit: []string{"get"}}}, "set", "/a/secret/x", true},
	{"prohibit star", Permissions{"*": {Actions: []string{"*"}}, "/a/*": {Prohibit: []string{"*"}}}, "on", "/a/b", false},
	{"prohibit wins over a narrower grant", Permissions{"/a/b": {Actions: []string{"get"}}, "/a/*": {Prohibit: []string{"get"}}}, "get", "/a/b", false},
	{"prohibit in the same entry", Permissions{"/a/*": {Actions: []string{"*"}, Prohibit: []string{"remove"}}}, "remove", "/a/b", false},
	{"prohibit only", Permissions{"/a/*": {Prohibit: []string{"set"}}}, "get", "/a/b", false},
	{"no permissions", Permissions{}, "get", "/a", false},
	{"nil permissions", nil, "get", "/a", false},
	{"admin", Permissions{"*": {Actions: []string{"*"}}}, "set", "/_SYSTEM/anything", true},
	{"http verb", Permissions{"/@HTTP/api/*": {Actions: []string{"post"}}}, "post", "/@HTTP/api/v1/x", true},
	{"http verb is not get", Permissions{"/@HTTP/api/*": {Actions: []string{"post"}}}, "get", "/@HTTP/api/v1/x", false},
	{"unknown action granted", Permissions{"/a": {Actions: []string{"custom"}}}, "custom", "/a", true},
	{"unknown action prohibited", Permissions{"/a": {Actions: []string{"*"}, Prohibit: []string{"custom"}}}, "custom", "/a", false},
	{"unknown action not granted", Permissions{"/a": {Actions: []string{"get"}}}, "custom", "/a", false},
	{"regexp metacharacters are literal", Permissions{"/a.b/(c)/*": {Actions: []string{"get"}}}, "get", "/a.b/(c)/d", true},
	{"dot is not any character", Permissions{"/a.b/*": {Actions: []string{"get"}}}, "get", "/aXb/d", false},
	{"star anywhere", Permissions{"*/b/*": {Actions: []string{"get"}}}, "get", "/x/b/z/w", true},
	{"a middle star is one segment (happn-3 permission tree)", Permissions{"*/b/*": {Actions: []string{"get"}}}, "get", "/x/y/b/z", false},
	{"the last segment crosses /", Permissions{"/users/*/public": {Actions: []string{"on"}}}, "on", "/users/a/b/public", true},
	{"inner literal segment must line up", Permissions{"/compat/*/allowed/*": {Actions: []string{"get"}}}, "get", "/compat/r/i/allowed/a", false},
	{"Kelvin sign folds to k", Permissions{"/key": {Actions: []string{"get"}}}, "get", "/\u212aey", true},
	{"Kelvin sign in a wildcard path", Permissions{"/ke*": {Actions: []string{"get"}}}, "get", "/\u212aey/x", true},
	{"non-ASCII exact pattern", Permissions{"/\u00e9t\u00e9": {Actions: []string{"get"}}}, "get", "/\u00c9T\u00c9", true},
	{"ASCII and non-ASCII exact patterns", Permissions{"/\u00e9": {Prohibit: []string{"get"}}, "/a": {Actions: []string{"get"}}}, "get", "/A", true},
	{"star needs the suffix", Permissions{"/a/*/end": {Actions: []string{"get"}}}, "get", "/a/x/end/more", false},
}

func TestAllowed(t *testing.T) {
	for _, tt := range allowedCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Allowed(tt.action, tt.path); got != tt.want {
				t.Errorf("Permissions.Allowed(%q, %q) = %v, want %v", tt.action, tt.path, got, tt.want)
			}
			if got := tt.p.Compile().Allowed(tt.action, tt.path); got != tt.want {
				t.Errorf("Checker.Allowed(%q, %q) = %v, want %v", tt.action, tt.path, got, tt.want)
			}
		})
	}
}

func TestCompileIsASnapshot(t *testing.T) {
	p := Permissions{"/a/*": {Actions: []string{"get"}}}
	c := p.Compile()
	p["/b/*"] = Permission{Actions: []string{"get"}}
	p["/a/*"].Actions[0] = "set"
	if !c.Allowed("get", "/a/x") || c.Allowed("get", "/b/x") {
		t.Fatal("the Checker follows changes to the Permissions it was compiled from")
	}
}

// referenceAllowed is SPEC §7.3 step 5 spelled out with happn-3's own
// technique, a tree of pattern segments searched segment by segment with
// regular expressions (permissions-tree.js), with the '*' collapse fixed
// to runs of '*'.
func referenceAllowed(p Permissions, action, path string) bool {
	return referenceAllowedCase(p, action, path, true)
}

// referenceAllowedCase is referenceAllowed, with case folding optional.
func referenceAllowedCase(p Permissions, action, path string, fold bool) bool {
	flags := "(?s)"
	if fold {
		flags = "(?is)"
	}
	// wildcardMatch is happn-3's utils wildcardMatch.
	wildcardMatch := func(pattern, s string) bool {
		parts := strings.Split(pattern, "*")
		for i, part := range parts {
			parts[i] = regexp.QuoteMeta(part)
		}
		return regexp.MustCompile(flags + "^" + strings.Join(parts, ".*") + "$").MatchString(s)
	}
	split := func(s string) []string { return strings.Split(strings.TrimPrefix(s, "/"), "/") }
	// A node keeps every pattern ending there ("*" and "/*" both do;
	// happn-3's lodash tree kept only the last, a bug we do not copy).
	type node struct {
		kids   map[string]*node
		leaves []string
	}
	root := &node{kids: map[string]*node{}}
	for pattern := range p {
		n := root
		for _, seg := range split(pattern) {
			if n.kids[seg] == nil {
				n.kids[seg] = &node{kids: map[string]*node{}}
			}
			n = n.kids[seg]
		}
		n.leaves = append(n.leaves, pattern)
	}
	var pool []string
	nodes := []*node{root}
	for _, seg := range split(path) {
		var next []*node
		for _, n := range nodes {
			for key, kid := range n.kids {
				matched := false
				for _, leaf := range kid.leaves {
					if wildcardMatch(leaf, path) {
						perm := p[leaf]
						pool = append(pool, perm.Actions...)
						for _, a := range perm.Prohibit {
							pool = append(pool, "!"+a)
						}
						matched = true
					}
				}
				if matched || wildcardMatch(key, seg) {
					next = append(next, kid)
				}
			}
		}
		nodes = next
	}
	has := func(s string) bool {
		for _, a := range pool {
			if a == s {
				return true
			}
		}
		return false
	}
	if has("!"+action) || has("!*") {
		return false
	}
	return has(action) || has("*")
}

// fuzzPermissions turns a compact string into permissions:
// "pattern=actions!prohibit;…" with actions as single letters.
func fuzzPermissions(spec string) Permissions {
	names := map[byte]string{'g': "get", 's': "set", 'o': "on", 'r': "remove", '*': "*", 'p': "put", 'x': "custom"}
	p := Permissions{}
	for _, entry := range strings.Split(spec, ";") {
		pattern, acts, _ := strings.Cut(entry, "=")
		allow, deny, _ := strings.Cut(acts, "!")
		var perm Permission
		for i := 0; i < len(allow); i++ {
			if n, ok := names[allow[i]]; ok {
				perm.Actions = append(perm.Actions, n)
			}
		}
		for i := 0; i < len(deny); i++ {
			if n, ok := names[deny[i]]; ok {
				perm.Prohibit = append(perm.Prohibit, n)
			}
		}
		p.add(pattern, perm)
	}
	return p
}

func FuzzAllowed(f *testing.F) {
	f.Add("/a/*=g;/a/b/*=!g", "get", "/a/b/c")
	f.Add("*=*;/_SYSTEM/*=!*", "set", "/_system/x")
	f.Add("/App/Books/*=go", "on", "/app/books/1")
	f.Add("/a*b*c=s", "set", "/a/b/c")
	f.Add("/x=x!g", "custom", "/X")
	f.Add("/ſ=g", "get", "/s")
	f.Fuzz(func(t *testing.T, spec, action, path string) {
		if len(spec) > 200 || len(path) > 100 {
			return
		}
		p := fuzzPermissions(spec)
		got := p.Allowed(action, path)
		if c := p.Compile().Allowed(action, path); c != got {
			t.Fatalf("Checker.Allowed = %v, Permissions.Allowed = %v for %v %q %q", c, got, p, action, path)
		}
		// Go's (?i) folds like strings.EqualFold and MatchFold lowers like
		// strings.ToLower; those differ on a few non-ASCII letters, so the
		// regexp cross-check is for ASCII.
		if isASCII(spec) && isASCII(path) {
			if want := referenceAllowed(p, action, path); got != want {
				t.Fatalf("Allowed = %v, reference = %v for %v %q %q", got, want, p, action, path)
			}
		}
		exact := p.AllowedCaseSensitive(action, path)
		if c := p.CompileCaseSensitive().Allowed(action, path); c != exact {
			t.Fatalf("case-sensitive Checker.Allowed = %v, Permissions.AllowedCaseSensitive = %v for %v %q %q", c, exact, p, action, path)
		}
		if utf8.ValidString(spec) && utf8.ValidString(path) {
			if want := referenceAllowedCase(p, action, path, false); exact != want {
				t.Fatalf("AllowedCaseSensitive = %v, reference = %v for %v %q %q", exact, want, p, action, path)
			}
		}
	})
}

// caseCases are the attacks on case: a permission names a path in one
// case, the request another. Data paths are case-sensitive, so only the
// happn-3 compatible folding grants them.
var caseCases = []struct {
	name       string
	p          Permissions
	action     string
	path       string
	fold, want bool
}{
	{"upper-case wildcard request", Permissions{"/allowed/*": {Actions: []string{"get"}}}, "get", "/ALLOWED/*", true, false},
	{"upper-case exact request", Permissions{"/allowed/x": {Actions: []string{"get"}}}, "get", "/Allowed/x", true, false},
	{"same case still granted", Permissions{"/allowed/*": {Actions: []string{"get"}}}, "get", "/allowed/secret", true, true},
	{"mixed-case pattern", Permissions{"/App/*": {Actions: []string{"set"}}}, "set", "/app/x", true, false},
	{"prohibit is case-sensitive too", Permissions{"/a/*": {Actions: []string{"*"}}, "/A/secret": {Prohibit: []string{"*"}}}, "get", "/a/secret", false, true},
}

func TestCaseSensitiveChecker(t *testing.T) {
	for _, tt := range caseCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Compile().Allowed(tt.action, tt.path); got != tt.fold {
				t.Errorf("folding Checker.Allowed(%q, %q) = %v, want %v", tt.action, tt.path, got, tt.fold)
			}
			if got := tt.p.CompileCaseSensitive().Allowed(tt.action, tt.path); got != tt.want {
				t.Errorf("case-sensitive Checker.Allowed(%q, %q) = %v, want %v", tt.action, tt.path, got, tt.want)
			}
			if got := tt.p.AllowedCaseSensitive(tt.action, tt.path); got != tt.want {
				t.Errorf("AllowedCaseSensitive(%q, %q) = %v, want %v", tt.action, tt.path, got, tt.want)
			}
		})
	}
}

// benchPermissions is a realistic user directory: 100 patterns, most of
// them wildcards, a few prohibitions.
func benchPermissions() Permissions {
	p := Permissions{}
	for i := range 100 {
		switch i % 4 {
		case 0:
			p[fmt.Sprintf("/app/tenant-%d/*", i)] = Permission{Actions: []string{"get", "on"}}
		case 1:
			p[fmt.Sprintf("/app/tenant-%d/devices/*/state", i)] = Permission{Actions: []string{"set"}}
		case 2:
			p[fmt.Sprintf("/app/tenant-%d/config", i)] = Permission{Actions: []string{"*"}}
		case 3:
			p[fmt.Sprintf("/app/tenant-%d/secret/*", i)] = Permission{Prohibit: []string{"get"}}
		}
	}
	return p
}

func BenchmarkAllowed100Patterns(b *testing.B) {
	p := benchPermissions()
	const path = "/app/tenant-48/devices/sensor-7/readings"
	if !p.Allowed("get", path) {
		b.Fatal("bench path not allowed")
	}
	b.Run("Permissions", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.Allowed("get", path)
		}
	})
	c := p.Compile()
	b.Run("Checker", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.Allowed("get", path)
		}
	})
	b.Run("CheckerMixedCasePath", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.Allowed("get", "/App/Tenant-48/Devices/Sensor-7/Readings")
		}
	})
	b.Run("CheckerDenied", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.Allowed("remove", "/elsewhere/entirely")
		}
	})
}
