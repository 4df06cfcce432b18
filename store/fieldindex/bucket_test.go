package fieldindex

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestBucket drives a bucket across the slice-to-B-tree threshold and
// back down, against a plain set.
func TestBucket(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	var b bucket
	ref := map[string]bool{}
	check := func(step int) {
		t.Helper()
		var want []string
		for p := range ref {
			want = append(want, p)
		}
		slices.Sort(want)
		if b.len() != len(want) {
			t.Fatalf("step %d: len %d, want %d", step, b.len(), len(want))
		}
		for _, prefix := range []string{"", "/a/", "/a/1", "/b/", "/c"} {
			var w []string
			for _, p := range want {
				if strings.HasPrefix(p, prefix) {
					w = append(w, p)
				}
			}
			if got := b.appendPrefix(nil, prefix); !slices.Equal(got, w) {
				t.Fatalf("step %d, prefix %q: %q, want %q", step, prefix, got, w)
			}
		}
	}
	for step := range 3000 {
		p := fmt.Sprintf("/%c/%d", 'a'+rune(r.IntN(2)), r.IntN(150))
		if adding := r.IntN(4) > 0; adding == (step < 1500) {
			if got := b.add(p); got == ref[p] {
				t.Fatalf("step %d: add(%q) = %v with the path present: %v", step, p, got, ref[p])
			}
			ref[p] = true
		} else {
			if got := b.remove(p); got != ref[p] {
				t.Fatalf("step %d: remove(%q) = %v with the path present: %v", step, p, got, ref[p])
			}
			delete(ref, p)
		}
		if step%50 == 0 {
			check(step)
		}
	}
	check(3000)
	if b.big == nil {
		t.Error("the bucket never became a B-tree")
	}
}

func TestMergeSorted(t *testing.T) {
	for _, tc := range []struct{ a, b, want []string }{
		{nil, nil, []string{}},
		{[]string{"a"}, nil, []string{"a"}},
		{nil, []string{"a"}, []string{"a"}},
		{[]string{"a", "c", "e"}, []string{"b", "c", "f"}, []string{"a", "b", "c", "e", "f"}},
		{[]string{"a", "b"}, []string{"a", "b"}, []string{"a", "b"}},
	} {
		if got := mergeSorted(tc.a, tc.b); !slices.Equal(got, tc.want) {
			t.Errorf("mergeSorted(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}
