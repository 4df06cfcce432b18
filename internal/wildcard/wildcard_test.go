package wildcard

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"/a/b", "/a/b", true},
		{"/a/b", "/a/B", false},
		{"/a/*", "/a/b", true},
		{"/a/*", "/a/b/c/d", true},
		{"/a/*", "/a", false},
		{"/a/*", "/a/", true},
		{"/a/b*", "/a/bc", true},
		{"/a/b*", "/a/b/x", true},
		{"/a/b*", "/a/c", false},
		{"*", "", true},
		{"*", "/anything/at/all", true},
		{"*/c", "/a/b/c", true},
		{"*/c", "/a/b/cd", false},
		{"/a/*/c/*", "/a/x/y/c/z", true},
		{"/a/*/c/*", "/a/x/y/d/z", false},
		{"/a/**/c", "/a/b/c", true},
		{"/a?b", "/a?b", true},
		{"/a?b", "/axb", false},
		{`/a\*`, `/a\x`, true},
		{"/ab*ba", "/aba", false},
		{"/ab*ba", "/abba", true},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestMatchFold(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"/Allowed/*", "/allowed/x", true},
		{"/allowed/*", "/ALLOWED/X/y", true},
		{"/app/books/*", "/app/bks/x", false}, // happn-3's repeated-letter collapse made this true
		{"/app/books/*", "/APP/BOOKS/1", true},
		{"/a/b", "/A/B", true},
		{"/a/b", "/a/c", false},
	}
	for _, tt := range tests {
		if got := MatchFold(tt.pattern, tt.s); got != tt.want {
			t.Errorf("MatchFold(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestPrefix(t *testing.T) {
	for pattern, want := range map[string]string{"/a/b/*": "/a/b/", "*": "", "/a/b": "/a/b", "/a*/b*": "/a"} {
		if got := Prefix(pattern); got != want {
			t.Errorf("Prefix(%q) = %q, want %q", pattern, got, want)
		}
	}
}

// reference is the regular expression happn-3 builds for a data pattern.
func reference(pattern string) *regexp.Regexp {
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("(?s)^" + strings.Join(parts, ".*") + "$")
}

func FuzzMatch(f *testing.F) {
	f.Add("/a/*", "/a/b/c")
	f.Add("*x*y", "axxby")
	f.Add("/ab*ba", "/aba")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 64 || !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return
		}
		want := reference(pattern).MatchString(s)
		if got := Match(pattern, s); got != want {
			t.Fatalf("Match(%q, %q) = %v, regexp says %v", pattern, s, got, want)
		}
		if got := Match(pattern, s); got && !strings.HasPrefix(s, Prefix(pattern)) {
			t.Fatalf("%q matches %q but lacks prefix %q", s, pattern, Prefix(pattern))
		}
	})
}

func BenchmarkMatchPrefixPattern(b *testing.B) {
	for b.Loop() {
		Match("/app/sensors/*", "/app/sensors/building-042/floor-07")
	}
}
