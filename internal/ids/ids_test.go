package ids

import (
	"regexp"
	"testing"
)

func TestUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		u := UUID()
		if !re.MatchString(u) {
			t.Fatalf("UUID() = %q, not a v4 UUID", u)
		}
		if seen[u] {
			t.Fatalf("UUID() repeated %q", u)
		}
		seen[u] = true
	}
}

func TestGenerator(t *testing.T) {
	g := NewGenerator()
	a, b := g.Next(), g.Next()
	if a == b {
		t.Fatalf("Next() repeated %q", a)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{22}-0$`).MatchString(a) {
		t.Fatalf("first id %q has the wrong shape", a)
	}
	if NewGenerator().Next() == a {
		t.Fatal("two generators produced the same id")
	}
}
