package buntstore

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/happn-go/happn/store"
)

// Keys in the buntdb file are namespaced by their first byte, so that the
// store's own bookkeeping can never collide with a document path, whatever
// bytes the path holds.
const (
	dataPrefix = "d"     // "d" + path: a document record
	revKey     = "m:rev" // the highest revision ever issued, in decimal
)

func dataKey(path string) string { return dataPrefix + path }

// A record is the buntdb value for one document:
//
//	version   1 byte, recordV1
//	revision  uvarint
//	created   varint, Unix milliseconds
//	modified  varint, milliseconds after created
//	by        uvarint length, then the ModifiedBy bytes
//	data      the document, verbatim, to the end of the value
//
// A small doc costs about 14 bytes of metadata, against some 80 for a
// JSON envelope, and neither side parses or escapes the document.
const recordV1 = 1

// errRecord reports a value that is not a record this version understands.
var errRecord = errors.New("malformed record")

// encodeRecord returns the buntdb value holding it (it.Path is the key and
// is not repeated).
func encodeRecord(it *store.Item) string {
	var hdr [1 + 4*maxVarint]byte
	h := append(hdr[:0], recordV1)
	h = appendUvarint(h, it.Revision)
	h = appendUvarint(h, zigzag(it.Created))
	h = appendUvarint(h, zigzag(it.Modified-it.Created)) // wraps, and unwraps in decode
	h = appendUvarint(h, uint64(len(it.ModifiedBy)))
	var b strings.Builder
	b.Grow(len(h) + len(it.ModifiedBy) + len(it.Data))
	b.Write(h)
	b.WriteString(it.ModifiedBy)
	b.Write(it.Data)
	return b.String()
}

// decodeRecord parses the value stored for path. The returned Data is a
// copy the caller owns.
func decodeRecord(path, v string) (store.Item, error) {
	it, data, err := decodeMeta(path, v)
	if err != nil {
		return store.Item{}, err
	}
	it.Data = []byte(data)
	return it, nil
}

// decodeView is decodeRecord for Scan: Data shares v's memory and must
// not be modified.
func decodeView(path, v string) (store.Item, error) {
	it, data, err := decodeMeta(path, v)
	if err != nil {
		return store.Item{}, err
	}
	it.Data = unsafe.Slice(unsafe.StringData(data), len(data))
	return it, nil
}

// bytesOf views s as bytes without a copy, for readers of buntdb's
// immutable strings; nil for "".
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// decodeMeta parses everything but the document, which it returns as a
// substring of v.
func decodeMeta(path, v string) (it store.Item, data string, err error) {
	if len(v) == 0 || v[0] != recordV1 {
		return store.Item{}, "", fmt.Errorf("%w at %q: unknown version", errRecord, path)
	}
	i := 1
	var created, delta, byLen uint64
	ok := true
	for _, dst := range []*uint64{&it.Revision, &created, &delta, &byLen} {
		var n int
		if *dst, n = uvarint(v[i:]); n <= 0 {
			ok = false
			break
		}
		i += n
	}
	if !ok || byLen > uint64(len(v)-i) {
		return store.Item{}, "", fmt.Errorf("%w at %q: truncated header", errRecord, path)
	}
	it.Path = path
	it.Created = unzigzag(created)
	it.Modified = it.Created + unzigzag(delta)
	it.ModifiedBy = v[i : i+int(byLen)]
	return it, v[i+int(byLen):], nil
}

// revisionOf returns the revision in a record without decoding the rest.
func revisionOf(v string) (uint64, bool) {
	if len(v) == 0 || v[0] != recordV1 {
		return 0, false
	}
	rev, n := uvarint(v[1:])
	return rev, n > 0
}

const maxVarint = 10 // bytes in the longest uvarint of a uint64

func appendUvarint(b []byte, x uint64) []byte {
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}

// uvarint is binary.Uvarint on a string, so that decoding a buntdb value
// needs no []byte copy: n is the bytes read, 0 if s is too short, and
// negative on overflow.
func uvarint(s string) (x uint64, n int) {
	var shift uint
	for i := 0; i < len(s) && i < maxVarint; i++ {
		c := s[i]
		if c < 0x80 {
			if i == maxVarint-1 && c > 1 {
				return 0, -(i + 1)
			}
			return x | uint64(c)<<shift, i + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	if len(s) >= maxVarint {
		return 0, -maxVarint
	}
	return 0, 0
}

func zigzag(x int64) uint64   { return uint64(x<<1) ^ uint64(x>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }
