package buntstore

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/happn-go/happn/store"
)

func sameItem(a, b store.Item) bool {
	return a.Path == b.Path && bytes.Equal(a.Data, b.Data) && a.Created == b.Created &&
		a.Modified == b.Modified && a.ModifiedBy == b.ModifiedBy && a.Revision == b.Revision
}

func TestRecordRoundTrip(t *testing.T) {
	for _, it := range []store.Item{
		{Path: "/a", Data: []byte(`{"a":1}`), Created: 1732000000000, Modified: 1732000000123, ModifiedBy: "alice", Revision: 1},
		{Path: "", Data: []byte(`{}`), Created: 0, Modified: 0, Revision: 0},
		{Path: "/neg", Data: []byte(`{}`), Created: -5, Modified: -10, ModifiedBy: "", Revision: math.MaxUint64},
		{Path: "/ext", Data: []byte("\x00\xff\r\n*3\r\n"), Created: math.MinInt64, Modified: math.MaxInt64, Revision: 1 << 63},
		{Path: "/long", Data: []byte(strings.Repeat("x", 70000)), ModifiedBy: strings.Repeat("u", 300), Revision: 300},
		{Path: "/nodata", Data: nil, ModifiedBy: "b"},
	} {
		v := encodeRecord(&it)
		got, err := decodeRecord(it.Path, v)
		if err != nil || !sameItem(got, it) {
			t.Errorf("round trip of %+v = %+v, %v", it, got, err)
		}
		if rev, ok := revisionOf(v); !ok || rev != it.Revision {
			t.Errorf("revisionOf = %d, %v; want %d", rev, ok, it.Revision)
		}
	}
	// The metadata of a typical record stays small.
	it := store.Item{Data: []byte(`{"a":1}`), Created: 1732000000000, Modified: 1732000000000, Revision: 123456}
	if overhead := len(encodeRecord(&it)) - len(it.Data); overhead > 12 {
		t.Errorf("record overhead %d bytes, want at most 12", overhead)
	}
}

func TestDecodeRecordErrors(t *testing.T) {
	for _, v := range []string{
		"",
		"\x02\x01\x00\x00\x00{}", // unknown version
		"\x01",                   // no revision
		"\x01\x01\x00\x00",       // no ModifiedBy length
		"\x01\x01\x00\x00\x05ab", // ModifiedBy longer than the value
		"\x01\x80\x80\x80",       // revision runs off the end
		"\x01" + strings.Repeat("\xff", 10) + "\x01\x00\x00\x00", // revision overflows 64 bits
		"{\"a\":1}", // a bare document, as a foreign program might store
	} {
		if it, err := decodeRecord("/p", v); !errors.Is(err, errRecord) {
			t.Errorf("decodeRecord(%q) = %+v, %v; want errRecord", v, it, err)
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	it := store.Item{Data: []byte(`{"a":1}`), Created: 1732000000000, Modified: 1732000000042, ModifiedBy: "bob", Revision: 7}
	f.Add(encodeRecord(&it))
	f.Add("\x01\x00\x00\x00\x00")
	f.Add("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00\x00\x00")
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		got, err := decodeRecord("/p", v)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode to something that decodes the same.
		again, err := decodeRecord("/p", encodeRecord(&got))
		if err != nil || !sameItem(again, got) {
			t.Fatalf("%q decodes to %+v, whose encoding decodes to %+v, %v", v, got, again, err)
		}
		if rev, ok := revisionOf(v); !ok || rev != got.Revision {
			t.Fatalf("revisionOf(%q) = %d, %v; decode says %d", v, rev, ok, got.Revision)
		}
	})
}

func FuzzRecordRoundTrip(f *testing.F) {
	f.Add(uint64(1), int64(1732000000000), int64(1732000000001), "alice", []byte(`{"a":1}`))
	f.Add(uint64(math.MaxUint64), int64(math.MinInt64), int64(math.MaxInt64), "", []byte{})
	f.Fuzz(func(t *testing.T, rev uint64, created, modified int64, by string, data []byte) {
		it := store.Item{Path: "/p", Data: data, Created: created, Modified: modified, ModifiedBy: by, Revision: rev}
		got, err := decodeRecord("/p", encodeRecord(&it))
		if err != nil || !sameItem(got, it) {
			t.Fatalf("round trip of %+v = %+v, %v", it, got, err)
		}
	})
}
