package query

import "slices"

// maxKeys bounds how many top-level member names one query caches; fields
// past it are looked up on their own.
const maxKeys = 16

// keyCache collects, in one pass over a document's top-level object, the
// members that a query's fields start with. Criteria such as
// {"$or":[{"region":…},{"town":…}],"surname":…} would otherwise scan the
// object once per field. The pass goes only as far as the field asked for
// needs, so criteria that fail on their first field read no further.
type keyCache struct {
	keys  []string        // the query's distinct, plain member names
	vals  [maxKeys]string // raw values, valid where have has the bit
	have  uint32
	pos   int        // where the pass goes on; 0 before it starts
	state cacheState // whether the pass can go on
}

type cacheState uint8

const (
	cacheScanning cacheState = iota
	cacheEnded               // the object is read to its end
	cacheUnsure              // the pass met what the scanner cannot read
)

// member is member(obj, c.keys[slot]) through the cache.
func (c *keyCache) member(obj string, slot int) (string, scanResult) {
	bit := uint32(1) << slot
	for c.have&bit == 0 {
		switch c.state {
		case cacheEnded:
			return "", scanAbsent
		case cacheUnsure:
			return "", scanUnsure
		}
		c.step(obj)
	}
	return c.vals[slot], scanFound
}

// step reads one more member of obj, keeping its value if c.keys name it
// and it is the first member of that name (gjson's choice among repeats).
func (c *keyCache) step(obj string) {
	i := skipSpace(obj, max(c.pos, 1))
	if i < len(obj) && obj[i] == '}' {
		c.state = cacheEnded
		return
	}
	if i >= len(obj) || obj[i] != '"' {
		c.state = cacheUnsure
		return
	}
	// A name with an escape could equal a key once decoded: the fields
	// not found yet go to gjson.
	k := quoteOrBackslash(obj, i+1)
	if k >= len(obj) || obj[k] == '\\' {
		c.state = cacheUnsure
		return
	}
	name := obj[i+1 : k]
	if i = skipSpace(obj, k+1); i >= len(obj) || obj[i] != ':' {
		c.state = cacheUnsure
		return
	}
	i = skipSpace(obj, i+1)
	end := skipScalar(obj, i)
	if end < 0 {
		c.state = cacheUnsure
		return
	}
	for j, key := range c.keys {
		if len(key) == len(name) && sameText(name, key) {
			if c.have&(1<<j) == 0 {
				c.vals[j] = obj[i:end]
				c.have |= 1 << j
			}
			break
		}
	}
	if i = skipSpace(obj, end); i >= len(obj) {
		c.state = cacheUnsure
		return
	}
	switch obj[i] {
	case ',':
		c.pos = i + 1
	case '}':
		c.state = cacheEnded
	default:
		c.state = cacheUnsure
	}
}

// cacheKeys gives the root-level fields of criteria n (those under $and,
// $or, $nor and $not, not inside $elemMatch) cache slots for the member
// names they start with, and returns those names; it assigns none unless
// there are at least two, as one field gains nothing from a cache.
func cacheKeys(n *node) []string {
	var keys []string
	assignSlots(n, &keys)
	if len(keys) < 2 {
		clearSlots(n)
		return nil
	}
	return keys
}

func assignSlots(n *node, keys *[]string) {
	for i := range n.kids {
		assignSlots(&n.kids[i], keys)
	}
	f := &n.field
	if n.kind != nodeField || f.meta != metaNone || len(f.segs) == 0 || !f.segs[0].plain {
		return
	}
	i := slices.Index(*keys, f.segs[0].key)
	if i < 0 {
		if len(*keys) == maxKeys {
			return
		}
		*keys = append(*keys, f.segs[0].key)
		i = len(*keys) - 1
	}
	f.slot = i + 1
}

func clearSlots(n *node) {
	n.field.slot = 0
	for i := range n.kids {
		clearSlots(&n.kids[i])
	}
}
