package query

import (
	"slices"

	"github.com/tidwall/gjson"
)

// Projection is a compiled happn "fields" option. It is immutable and safe
// for concurrent use; a nil *Projection keeps data whole.
type Projection struct {
	include bool       // keep only the listed fields, or drop them
	fields  []projNode // nil with include: keep nothing
}

// projNode is one member name in the projection tree: a leaf is projected
// whole; otherwise its kids apply inside it.
type projNode struct {
	key  string
	leaf bool
	kids []projNode
}

// CompileFields parses a happn fields object: {"name":1,"address.city":1}
// keeps only those data fields, {"secret":0} drops them; the two forms
// cannot mix. Field names map as in Compile; metadata names are ignored
// since the server always returns _meta. The error, if any, wraps
// ErrInvalid. The result may be nil, which keeps data whole.
func CompileFields(fields []byte) (*Projection, error) {
	r, err := parseObject(fields, "fields")
	if err != nil {
		return nil, err
	}
	modes := map[bool]string{} // include? → a data field that said so, for errors
	metaInclude := false
	var paths []field
	r.ForEach(func(k, v gjson.Result) bool {
		var include bool
		switch v.Type {
		case gjson.True, gjson.False:
			include = v.Type == gjson.True
		case gjson.Number:
			include = v.Num != 0
		default:
			err = invalid("fields: %q must be 1 or 0 (or true or false), got %s", k.Str, describe(v))
			return false
		}
		var f field
		if f, err = itemField(k.Str); err != nil {
			return false
		}
		if f.meta != metaNone {
			metaInclude = metaInclude || include
			return true
		}
		modes[include] = k.Str
		paths = append(paths, f)
		return true
	})
	if err != nil {
		return nil, err
	}
	if len(modes) == 2 {
		return nil, invalid("fields cannot mix inclusion (%q) and exclusion (%q)", modes[true], modes[false])
	}
	if len(paths) == 0 {
		// Only metadata listed: {"_meta":1} is an inclusion that keeps no
		// data field, {"_id":0} changes nothing.
		if metaInclude {
			return &Projection{include: true}, nil
		}
		return nil, nil
	}
	p := &Projection{}
	_, p.include = modes[true]
	for _, f := range paths {
		if p.fields, err = addPath(p.fields, f.segs, f.name); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// addPath adds one dotted path to the projection tree. A path inside
// another listed path ("a" and "a.b") is a collision, as in MongoDB.
func addPath(nodes []projNode, segs []seg, name string) ([]projNode, error) {
	key := segs[0].key
	i := slices.IndexFunc(nodes, func(n projNode) bool { return n.key == key })
	if i < 0 {
		nodes = append(nodes, projNode{key: key, leaf: len(segs) == 1})
		i = len(nodes) - 1
		if len(segs) == 1 {
			return nodes, nil
		}
	} else if nodes[i].leaf || len(segs) == 1 {
		if nodes[i].leaf && len(segs) == 1 {
			return nodes, nil // the same path twice
		}
		return nil, invalid("fields: %q collides with another field on the same path", name)
	}
	kids, err := addPath(nodes[i].kids, segs[1:], name)
	nodes[i].kids = kids
	return nodes, err
}

// Apply returns data (a JSON object) with the projection applied, as a new
// JSON object; a nil p returns data itself. Nested paths keep their
// enclosing objects ({"a":{"b":1}} projected on "a.b"), and reach into
// arrays of objects element by element.
func (p *Projection) Apply(data []byte) []byte {
	if p == nil {
		return data
	}
	r := gjson.Parse(bytesString(data))
	if !r.IsObject() {
		return data
	}
	out := make([]byte, 0, len(data))
	return p.object(out, r, p.fields)
}

// object appends the projection of the object r through nodes.
func (p *Projection) object(out []byte, r gjson.Result, nodes []projNode) []byte {
	out = append(out, '{')
	first := true
	r.ForEach(func(k, v gjson.Result) bool {
		var n *projNode
		for i := range nodes {
			if nodes[i].key == k.Str {
				n = &nodes[i]
				break
			}
		}
		var keep bool
		switch {
		case n == nil:
			keep = !p.include
		case n.leaf:
			keep = p.include
		default:
			keep = v.IsObject() || v.IsArray() || !p.include
		}
		if !keep {
			return true
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, k.Raw...)
		out = append(out, ':')
		if n != nil && !n.leaf {
			out = p.nested(out, v, n.kids)
		} else {
			out = append(out, v.Raw...)
		}
		return true
	})
	return append(out, '}')
}

// nested appends the projection of a value under a partly projected member.
func (p *Projection) nested(out []byte, v gjson.Result, nodes []projNode) []byte {
	switch {
	case v.IsObject():
		return p.object(out, v, nodes)
	case v.IsArray():
		// Elements are projected one by one; an inclusion keeps only the
		// object elements, as MongoDB does.
		out = append(out, '[')
		first := true
		v.ForEach(func(_, e gjson.Result) bool {
			if p.include && !e.IsObject() && !e.IsArray() {
				return true
			}
			if !first {
				out = append(out, ',')
			}
			first = false
			out = p.nested(out, e, nodes)
			return true
		})
		return append(out, ']')
	}
	return append(out, v.Raw...)
}
