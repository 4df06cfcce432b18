package query

import (
	"github.com/happn-go/happn/store"
	"github.com/tidwall/gjson"
)

// doc is one document being matched or sorted. Fields are found by
// scanning its text (scan.go); only a field the scanner cannot settle goes
// through gjson.
type doc struct {
	text string
	obj  string // text from the opening '{' when the document is an object
}

func newDoc(text string) doc {
	d := doc{text: text}
	// gjson.Parse skips the same leading bytes.
	if i := skipSpace(text, 0); i < len(text) && text[i] == '{' {
		d.obj = text[i:]
	}
	return d
}

// parse returns gjson's parse of the document. For an object that costs
// nothing (gjson parses members only when asked for them), so it is not
// kept.
func (d *doc) parse() gjson.Result {
	return gjson.Parse(d.text)
}

// scan follows f's path (not metadata) with the scanner, as scanPath
// does, taking its first member from c when f has a slot there. c may be
// nil. (c is not kept in d: d's text flows to gjson, which makes the
// compiler move whatever d points to onto the heap.)
func (d *doc) scan(f *field, c *keyCache) (string, scanResult, int) {
	if f.slot == 0 || c == nil {
		if len(f.segs) == 1 && f.segs[0].plain {
			// The commonest path: one member of the document.
			v, res := member(d.obj, f.segs[0].key)
			return v, res, -1
		}
		return scanPath(d.obj, f.segs)
	}
	v, res := c.member(d.obj, f.slot-1)
	if res != scanFound {
		return "", res, -1
	}
	v, res, fan := scanPath(v, f.segs[1:])
	if fan >= 0 {
		fan++
	}
	return v, res, fan
}

// find returns what f's path (not metadata) reaches in the document, as
// resolve would from its parse.
func (d *doc) find(f *field) values {
	if d.obj != "" {
		if raw, res, fan := d.scan(f, nil); res != scanUnsure {
			return scanned(raw, res, fan, f.segs)
		}
	}
	return d.general(f.segs)
}

// general is find with gjson.
func (d *doc) general(segs []seg) values {
	v, fan := resolve(d.parse(), segs)
	return values{v: v, ready: true, segs: segs, fan: fan}
}

// scanned presents what scanPath found, or found absent, as values.
func scanned(raw string, res scanResult, fan int, segs []seg) values {
	switch {
	case res == scanAbsent:
		return values{ready: true, fan: -1}
	case fan >= 0:
		return values{v: gjson.Result{Type: gjson.JSON, Raw: raw}, ready: true, segs: segs, fan: fan}
	}
	return values{raw: raw, fan: -1}
}

// lookup returns the value of f in the document (or the item's metadata)
// without fanning out over arrays: a path that would need to is missing.
// Sort keys use it.
func (d *doc) lookup(f *field, it *store.Item) gjson.Result {
	if f.meta != metaNone {
		return metaValue(it, f.meta)
	}
	vs := d.find(f)
	if vs.fan >= 0 {
		return gjson.Result{}
	}
	return vs.value()
}

// scanPath follows segs from the object obj as resolve does, with the
// scanner: it returns the raw value reached, or the array a non-index
// segment must fan out over and that segment's index.
func scanPath(obj string, segs []seg) (string, scanResult, int) {
	v := obj
	for i := range segs {
		s := &segs[i]
		var res scanResult
		switch v[0] {
		case '{':
			if !s.plain {
				return "", scanUnsure, -1
			}
			v, res = member(v, s.key)
		case '[':
			if s.index < 0 {
				return v, scanFound, i
			}
			v, res = element(v, s.index)
		default:
			return "", scanAbsent, -1
		}
		if res != scanFound {
			return "", res, -1
		}
	}
	return v, scanFound, -1
}
