package query

import (
	"slices"
	"strings"

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
	// The scanner copies members through as raw text. gjson walks what it
	// cannot, and whatever follows the object: gjson.ForEach reads on past
	// the closing brace of the document.
	if o, end := p.rawObject(out, r.Raw, p.fields); end >= 0 && skipSpace(r.Raw, end) == len(r.Raw) {
		return o
	}
	return p.object(out, r, p.fields)
}

// keep reports whether a member named key goes into the projection, and
// its node when one names it.
func (p *Projection) keep(nodes []projNode, key string, container bool) (*projNode, bool) {
	var n *projNode
	for i := range nodes {
		if nodes[i].key == key {
			n = &nodes[i]
			break
		}
	}
	switch {
	case n == nil:
		return nil, !p.include
	case n.leaf:
		return n, p.include
	}
	return n, container || !p.include
}

// rawObject appends the projection of the raw object obj through nodes,
// and returns the index just past obj, or -1 when the scanner cannot walk
// it.
func (p *Projection) rawObject(out []byte, obj string, nodes []projNode) ([]byte, int) {
	out = append(out, '{')
	first, ok := true, true
	end := eachMember(obj, func(name, v string) bool {
		key := name[1 : len(name)-1]
		if strings.IndexByte(key, '\\') >= 0 {
			key = gjson.Parse(name).Str // unescaped as ForEach does
		}
		n, keep := p.keep(nodes, key, v[0] == '{' || v[0] == '[')
		if !keep {
			return true
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, name...)
		out = append(out, ':')
		if n != nil && !n.leaf {
			out, ok = p.rawNested(out, v, n.kids)
			return ok
		}
		out = append(out, v...)
		return true
	})
	if !ok {
		return nil, -1
	}
	return append(out, '}'), end
}

// rawNested is nested over raw text; it reports false when the scanner
// cannot walk v.
func (p *Projection) rawNested(out []byte, v string, nodes []projNode) ([]byte, bool) {
	switch v[0] {
	case '{':
		out, end := p.rawObject(out, v, nodes)
		return out, end >= 0
	case '[':
		out = append(out, '[')
		first, ok := true, true
		end := eachElement(v, func(e string) bool {
			if p.include && e[0] != '{' && e[0] != '[' {
				return true
			}
			if !first {
				out = append(out, ',')
			}
			first = false
			out, ok = p.rawNested(out, e, nodes)
			return ok
		})
		return append(out, ']'), ok && end >= 0
	}
	return append(out, v...), true
}

// object appends the projection of the object r through nodes, with
// gjson.
func (p *Projection) object(out []byte, r gjson.Result, nodes []projNode) []byte {
	out = append(out, '{')
	first := true
	r.ForEach(func(k, v gjson.Result) bool {
		n, keep := p.keep(nodes, k.Str, v.IsObject() || v.IsArray())
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
