package happn3file

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// lokiSnapshot builds a loki file's first line holding docs.
func lokiSnapshot(t *testing.T, docs ...lokiDoc) string {
	t.Helper()
	db, err := json.Marshal(map[string]any{"collections": []any{
		map[string]any{"name": "happn", "data": docs},
		map[string]any{"name": "archives", "data": []any{map[string]any{"id": 1, "data": map[string]any{"sequence": 1}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	line, _ := json.Marshal(map[string]string{"snapshot": string(db)})
	return string(line)
}

func byPath(recs []Record) map[string]Record {
	m := map[string]Record{}
	for _, r := range recs {
		m[r.Path] = r
	}
	return m
}

func TestReadLoki(t *testing.T) {
	file := strings.Join([]string{
		lokiSnapshot(t,
			lokiDoc{Path: "/a", Data: json.RawMessage(`{"x":1,"y":2}`), Created: 100, Modified: 200},
			lokiDoc{Path: "/counter", Data: json.RawMessage(`{"hits":{"value":7}}`), Created: 100, Modified: 150},
			lokiDoc{Path: "/gone/1", Data: json.RawMessage(`{"kill":true}`), Created: 1, Modified: 1},
			lokiDoc{Path: "/gone/2", Data: json.RawMessage(`{"kill":false}`), Created: 1, Modified: 1},
			lokiDoc{Path: "/wild/1", Data: json.RawMessage(`{}`), Created: 1, Modified: 1},
			lokiDoc{Path: "/wild/2", Data: json.RawMessage(`{}`), Created: 1, Modified: 1},
		),
		// A merge of an existing document: logged without a time.
		`{"operation":{"operationType":"UPSERT","arguments":["/a",{"data":{"y":3,"z":4},"_meta":{"path":"/a"}},{"merge":true}]}}`,
		// A new document: its _meta holds its times.
		`{"operation":{"operationType":"UPSERT","arguments":["/new",{"data":{"n":1},"_meta":{"path":"/new","data":{"n":1},"created":300,"modified":300,"meta":{"revision":0},"$loki":9}},{"timeout":60000,"modifiedBy":"_ADMIN"}]}}`,
		`{"operation":{"operationType":"INCREMENT","arguments":["/counter","hits",2]}}`,
		`{"operation":{"operationType":"INCREMENT","arguments":["/fresh","g",0.5]}}`,
		`{"operation":{"operationType":"REMOVE","arguments":["/wild/*",null]}}`,
		`{"operation":{"operationType":"REMOVE","arguments":["/gone/*",{"data.kill":true}]}}`,
		`{"operation":{"operationType":"INSERT","arguments":[{"path":"/ins","data":{"i":1},"created":400,"modified":401}]}}`,
		`not json at all`,
		`{"operation":{"operationType":"ARCHIVE_ALL","arguments":[]}}`,
		`{"operation":{"operationType":"REMOVE","arguments":["/a",{"$where":"1"}]}}`,
		"", // an empty line is nothing
		`{"operation":{"operationType":"UPSERT","arguments":["/last",{"data":"not an object"}]}}`,
		`{"operation":{"operationType":"UPSERT","arguments":["/no-newline",{"data":{"ok":true},"_meta":{"created":500,"modified":500}}]}}`,
	}, "\r\n")
	f, err := Read(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != Loki {
		t.Errorf("Format = %q, want loki", f.Format)
	}
	got := byPath(f.Records)
	want := map[string]Record{
		"/a":          {Path: "/a", Data: json.RawMessage(`{"x":1,"y":3,"z":4}`), Created: 100, Modified: 0},
		"/counter":    {Path: "/counter", Data: json.RawMessage(`{"hits":{"value":9}}`), Created: 100, Modified: 0},
		"/fresh":      {Path: "/fresh", Data: json.RawMessage(`{"g":{"value":0.5}}`)},
		"/gone/2":     {Path: "/gone/2", Data: json.RawMessage(`{"kill":false}`), Created: 1, Modified: 1},
		"/ins":        {Path: "/ins", Data: json.RawMessage(`{"i":1}`), Created: 400, Modified: 401},
		"/new":        {Path: "/new", Data: json.RawMessage(`{"n":1}`), Created: 300, Modified: 300},
		"/no-newline": {Path: "/no-newline", Data: json.RawMessage(`{"ok":true}`), Created: 500, Modified: 500},
	}
	if len(got) != len(want) {
		t.Errorf("paths %v, want %d of them", slices.Collect(func(yield func(string) bool) {
			for p := range got {
				yield(p)
			}
		}), len(want))
	}
	for p, w := range want {
		g := got[p]
		if string(g.Data) != string(w.Data) || g.Created != w.Created || g.Modified != w.Modified {
			t.Errorf("%s = %s (%d, %d), want %s (%d, %d)", p, g.Data, g.Created, g.Modified, w.Data, w.Created, w.Modified)
		}
	}
	if !slices.IsSortedFunc(f.Records, func(a, b Record) int { return strings.Compare(a.Path, b.Path) }) {
		t.Error("Records are not in path order")
	}
	// Lines 9 (not JSON), 10 (unknown operation), 11 (bad criteria) and
	// 13 (data not an object) are skipped, each named.
	if len(f.Skipped) != 4 || !strings.HasPrefix(f.Skipped[0], "line 9:") || !strings.HasPrefix(f.Skipped[3], "line 13:") {
		t.Errorf("Skipped = %q", f.Skipped)
	}
}

func TestReadNedb(t *testing.T) {
	file := strings.Join([]string{
		`{"_id":"/a","data":{"a":1},"path":"/a","modifiedBy":"alice","created":100,"modified":100}`,
		`{"_id":"/a","data":{"a":2},"path":"/a","modifiedBy":"bob","created":100,"modified":150}`,
		`{"_id":"/dated","data":{"d":1},"created":{"$$date":1600000000000},"modified":{"$$date":1600000000001}}`,
		`{"$$indexCreated":{"fieldName":"path","unique":true}}`,
		`{"_id":"/deleted","data":{},"created":1,"modified":1}`,
		`{"$$deleted":true,"_id":"/deleted"}`,
		`{"_id":"/tag","data":{"data":{"t":1},"_meta":{"path":"/x"}},"path":"/tag","_tag":"v1","created":5,"modified":5}`,
		`{"_id":"/bad","data":[1,2],"created":1,"modified":1}`,
		`{broken`,
		`{"_id":"/mismatch","path":"/other","data":{}}`,
	}, "\n") + "\n"
	f, err := Read(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != Nedb {
		t.Errorf("Format = %q, want nedb", f.Format)
	}
	got := byPath(f.Records)
	want := map[string]Record{
		"/a":     {Path: "/a", Data: json.RawMessage(`{"a":2}`), Created: 100, Modified: 150, ModifiedBy: "bob"},
		"/dated": {Path: "/dated", Data: json.RawMessage(`{"d":1}`), Created: 1600000000000, Modified: 1600000000001},
		"/tag":   {Path: "/tag", Data: json.RawMessage(`{"data":{"t":1},"_meta":{"path":"/x"}}`), Created: 5, Modified: 5},
	}
	if len(got) != len(want) {
		t.Errorf("got %d records %v, want %d", len(got), f.Records, len(want))
	}
	for p, w := range want {
		g := got[p]
		if string(g.Data) != string(w.Data) || g.Created != w.Created || g.Modified != w.Modified || g.ModifiedBy != w.ModifiedBy {
			t.Errorf("%s = %+v, want %+v", p, g, w)
		}
	}
	if len(f.Skipped) != 3 || !strings.HasPrefix(f.Skipped[0], "line 8:") {
		t.Errorf("Skipped = %q; want lines 8, 9 and 10", f.Skipped)
	}
}

func TestReadNotADataFile(t *testing.T) {
	for name, text := range map[string]string{
		"empty":         "",
		"blank lines":   "\n\r\n  \n",
		"not JSON":      "hello\n",
		"a JSON array":  "[1,2]\n",
		"other objects": `{"name":"x"}` + "\n",
	} {
		if _, err := Read(strings.NewReader(text)); !errors.Is(err, ErrNotDataFile) {
			t.Errorf("%s: err = %v, want ErrNotDataFile", name, err)
		}
	}
	// A damaged snapshot is not mistaken for an empty database.
	if _, err := Read(strings.NewReader(`{"snapshot":"{\"collections\":[{\"name\":\"happn\",\"da`)); err == nil || !strings.Contains(err.Error(), "temp_") {
		t.Errorf("damaged snapshot: err = %v, want one that points at temp_<name>", err)
	}
}

func TestReadSkippedIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(lokiSnapshot(t) + "\n")
	for range 500 {
		b.WriteString("garbage\n")
	}
	f, err := Read(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Skipped) != maxSkipped+1 || !strings.Contains(f.Skipped[maxSkipped], "more lines") {
		t.Errorf("Skipped has %d entries, last %q; want %d and a note", len(f.Skipped), f.Skipped[len(f.Skipped)-1], maxSkipped+1)
	}
}

// FuzzRead: any input gives an error or documents that are JSON objects,
// each path once, in order; never a panic.
func FuzzRead(f *testing.F) {
	f.Add(`{"_id":"/a","data":{"a":1},"created":1,"modified":2}` + "\n" + `{"$$deleted":true,"_id":"/a"}`)
	f.Add(`{"snapshot":"{\"collections\":[{\"name\":\"happn\",\"data\":[{\"path\":\"/a\",\"data\":{\"x\":1}}]}]}"}` + "\r\n" +
		`{"operation":{"operationType":"UPSERT","arguments":["/a",{"data":{"y":2}},{"merge":true}]}}` + "\r\n" +
		`{"operation":{"operationType":"INCREMENT","arguments":["/a","c",1]}}` + "\r\n" +
		`{"operation":{"operationType":"REMOVE","arguments":["/*",{"x":1}]}}`)
	f.Fuzz(func(t *testing.T, text string) {
		file, err := Read(strings.NewReader(text))
		if err != nil {
			return
		}
		for i, r := range file.Records {
			if !json.Valid(r.Data) || !strings.HasPrefix(strings.TrimSpace(string(r.Data)), "{") {
				t.Fatalf("record %s: data %q is not a JSON object", r.Path, r.Data)
			}
			if i > 0 && file.Records[i-1].Path >= r.Path {
				t.Fatalf("records out of order or repeated: %q then %q", file.Records[i-1].Path, r.Path)
			}
		}
	})
}

// TestWriteReadsBack: what Write writes, Read reads back the same, in
// both formats.
func TestWriteReadsBack(t *testing.T) {
	recs := []Record{
		{Path: "/a", Data: json.RawMessage(`{"x":1}`), Created: 100, Modified: 200, ModifiedBy: "alice"},
		{Path: "/b/c", Data: json.RawMessage(`{"value":"s \"q\" ✓"}`), Created: 1, Modified: 1},
		{Path: "/b/d", Data: json.RawMessage(`{}`)},
	}
	for _, format := range []Format{Nedb, Loki} {
		var b strings.Builder
		if err := Write(&b, format, recs); err != nil {
			t.Fatal(err)
		}
		f, err := Read(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if f.Format != format || len(f.Skipped) != 0 || len(f.Records) != len(recs) {
			t.Fatalf("%s: read back %+v", format, f)
		}
		for i, r := range f.Records {
			w := recs[i]
			if r.Path != w.Path || string(r.Data) != string(w.Data) || r.Created != w.Created || r.Modified != w.Modified || r.ModifiedBy != w.ModifiedBy {
				t.Errorf("%s: record %d = %+v, want %+v", format, i, r, w)
			}
		}
	}
	if err := Write(io.Discard, "csv", recs); err == nil {
		t.Error("an unknown format was written")
	}
}
