// Package ids makes the identifiers happn hands out: session ids (UUID
// v4, as happn-3) and short unique ids for subscriptions and siblings
// (a random base and a counter, in the style of happn-3's hyperid).
package ids

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"sync/atomic"
)

// UUID returns a random (version 4) UUID in its canonical text form.
func UUID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	b := make([]byte, 36)
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hex[c>>4], hex[c&0xf]
		j += 2
	}
	return string(b)
}

// Generator makes ids "<base>-<n>": base is 22 random URL-safe characters
// fixed for the generator, n counts up from 0. Ids are unique across
// generators with overwhelming probability and cheap to make. Safe for
// concurrent use.
type Generator struct {
	base string
	n    atomic.Uint64
}

// NewGenerator returns a Generator with a fresh random base.
func NewGenerator() *Generator {
	var r [16]byte
	rand.Read(r[:])
	return &Generator{base: base64.RawURLEncoding.EncodeToString(r[:]) + "-"}
}

// Next returns the next id.
func (g *Generator) Next() string {
	n := g.n.Add(1) - 1
	return g.base + strconv.FormatUint(n, 10)
}
