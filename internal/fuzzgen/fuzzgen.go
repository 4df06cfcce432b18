// Package fuzzgen turns a fuzzer's bytes into choices, so that a fuzz
// target can explore a small grammar (of documents, criteria, writes)
// instead of mostly invalid input. Each choice takes one byte; when the
// bytes run out every choice is the first.
package fuzzgen

// Bytes is a fuzz input being spent on choices.
type Bytes struct{ b []byte }

// New returns the choices in b.
func New(b []byte) Bytes { return Bytes{b: b} }

// N returns a choice in [0, k) and spends one byte.
func (g *Bytes) N(k int) int {
	if len(g.b) == 0 {
		return 0
	}
	v := int(g.b[0]) % k
	g.b = g.b[1:]
	return v
}

// Pick returns one of s.
func (g *Bytes) Pick(s []string) string { return s[g.N(len(s))] }

// Left reports how many bytes are left.
func (g *Bytes) Left() int { return len(g.b) }
