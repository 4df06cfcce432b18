package happn

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// happn3PathRE is happn-3's checkPath character whitelist (SPEC §4.7),
// with JavaScript's \s spelled out as the Unicode White_Space class plus
// U+FEFF, as JavaScript defines it.
var happn3PathRE = regexp.MustCompile(`^[a-zA-Z0-9/(){}+=&:%@._*\-\s\x{0b}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]+$`)

func TestCheckPath(t *testing.T) {
	tests := []struct {
		path, action string
		ok           bool
	}{
		{"/a/b", "set", true},
		{"factory1@I&J(western-cape)/plant1:conveyer_2/stats=true/capacity=10%/*", "on", true},
		{"factory1@I&J(western-cape)/plant1:conveyer_2/stats=true/capacity=10%/*", "set", false},
		{"/test/user name/*", "on", true},
		{"/a/$set", "set", false},
		{"/a?b", "set", false},
		{`\test\1`, "on", false},
		{"", "set", false},
	}
	for _, tt := range tests {
		if err := checkPath(tt.path, tt.action); (err == nil) != tt.ok {
			t.Errorf("checkPath(%q, %q) = %v, want ok=%v", tt.path, tt.action, err, tt.ok)
		}
	}
}

func FuzzCheckPath(f *testing.F) {
	f.Add("/a/b/c", "set")
	f.Add("/a/*", "on")
	f.Add("/with space/\u00a0/x", "remove")
	f.Add("/$bad", "set")
	f.Fuzz(func(t *testing.T, path, action string) {
		if !utf8.ValidString(path) {
			// Invalid UTF-8 never matches the whitelist; checkPath must say so.
			if checkPath(path, action) == nil {
				t.Fatalf("checkPath accepted invalid UTF-8 %q", path)
			}
			return
		}
		want := happn3PathRE.MatchString(path) && !(action == "set" && strings.Contains(path, "*"))
		if got := checkPath(path, action) == nil; got != want {
			t.Fatalf("checkPath(%q, %q) ok=%v, happn-3's rule says %v", path, action, got, want)
		}
	})
}
