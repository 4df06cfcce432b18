package security

import (
	"testing"

	"github.com/happn-go/happn/internal/wildcard"
)

func TestGlobCanExtend(t *testing.T) {
	for _, tc := range []struct {
		pattern, prefix string
		want            bool
	}{
		{"/test/path/1", "/test/path/", true},
		{"/test/path", "/test/path/", false},
		{"/test/*/1", "/test/path/", true},
		{"/other/*", "/test/path/", false},
		{"*", "/anything/", true},
		{"/te*", "/test/path/", true},
		{"/test/pa*/x", "/test/path/", true},
		{"/test/px*", "/test/path/", false},
		{"", "/a/", false},
	} {
		if got := globCanExtend(tc.pattern, tc.prefix); got != tc.want {
			t.Errorf("globCanExtend(%q, %q) = %v, want %v", tc.pattern, tc.prefix, got, tc.want)
		}
	}
}

func TestAllowsBelow(t *testing.T) {
	c := Permissions{
		"/test/path/1":     {Actions: []string{"get", "on"}},
		"/test/path/2/*":   {Actions: []string{"on"}},
		"/Mixed/Case/leaf": {Actions: []string{"get"}},
		"/test/other":      {Actions: []string{"set"}},
	}.Compile()
	for _, tc := range []struct {
		action, prefix string
		want           bool
	}{
		{"get", "/test/path/", true},
		{"on", "/test/path/", true},
		{"set", "/test/path/", false},
		{"on", "/test/path/2/", true},
		{"get", "/test/path/2/", false},
		{"get", "/mixed/case/", true}, // Compile folds case, as happn-3
		{"get", "/nothing/", false},
	} {
		if got := c.AllowsBelow(tc.action, tc.prefix); got != tc.want {
			t.Errorf("AllowsBelow(%q, %q) = %v, want %v", tc.action, tc.prefix, got, tc.want)
		}
	}
	cs := Permissions{"/Mixed/Case/leaf": {Actions: []string{"get"}}}.CompileCaseSensitive()
	if cs.AllowsBelow("get", "/mixed/case/") || !cs.AllowsBelow("get", "/Mixed/Case/") {
		t.Error("a case-sensitive checker folded case")
	}
}

// FuzzGlobCanExtend checks globCanExtend against its definition: pattern
// matches some string starting with prefix exactly when some head of the
// pattern matches the whole prefix (the rest of the pattern can always
// match something).
func FuzzGlobCanExtend(f *testing.F) {
	for _, s := range [][2]string{{"/a/*/b", "/a/x/"}, {"*", ""}, {"/a", "/a/"}, {"a*b*c", "abxb"}, {"**", "/"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, prefix string) {
		if len(pattern) > 64 || len(prefix) > 64 {
			return
		}
		want := false
		for k := 0; k <= len(pattern) && !want; k++ {
			want = wildcard.Match(pattern[:k], prefix)
		}
		if got := globCanExtend(pattern, prefix); got != want {
			t.Fatalf("globCanExtend(%q, %q) = %v, want %v", pattern, prefix, got, want)
		}
	})
}
