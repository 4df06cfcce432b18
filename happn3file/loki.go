package happn3file

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/happn-go/happn/internal/jsonobj"
	"github.com/happn-go/happn/internal/query"
	"github.com/happn-go/happn/internal/wildcard"
	"github.com/happn-go/happn/store"
)

// lokiDoc is a document in a loki snapshot, or in a logged operation's
// arguments. meta (loki's own) and $loki are ignored.
type lokiDoc struct {
	Path       string          `json:"path"`
	Data       json.RawMessage `json:"data"`
	Created    int64           `json:"created"`
	Modified   int64           `json:"modified"`
	ModifiedBy string          `json:"modifiedBy"`
}

// loadSnapshot loads the first line of a loki file: {"snapshot": "<the
// serialised loki database>"}, whose collection "happn" holds the
// documents (the "archives" collection only names archive files).
func (db *replay) loadSnapshot(raw json.RawMessage) error {
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return fmt.Errorf("%w: its loki snapshot is not a string", ErrNotDataFile)
	}
	var snap struct {
		Collections []struct {
			Name string    `json:"name"`
			Data []lokiDoc `json:"data"`
		} `json:"collections"`
	}
	if err := json.Unmarshal([]byte(text), &snap); err != nil {
		return errDamagedSnapshot(err)
	}
	for _, c := range snap.Collections {
		if c.Name != "happn" {
			continue
		}
		for _, d := range c.Data {
			data, ok := objectData(d.Data)
			if !ok {
				return fmt.Errorf("happn3file: the snapshot's data at %s is not a JSON object", d.Path)
			}
			db.docs[d.Path] = &Record{Path: d.Path, Data: data, Created: d.Created, Modified: d.Modified, ModifiedBy: d.ModifiedBy}
		}
	}
	return nil
}

// errDamagedSnapshot is the error for a loki file whose snapshot line
// does not parse. happn-3 then loads temp_<file>, the snapshot it was
// writing when it stopped.
func errDamagedSnapshot(err error) error {
	return fmt.Errorf("happn3file: the loki snapshot is damaged (%v); if happn-3 was stopped while writing one, import temp_<name> next to the file", err)
}

// lokiOperation is a line after a loki file's snapshot.
type lokiOperation struct {
	Operation struct {
		Type      string            `json:"operationType"`
		Arguments []json.RawMessage `json:"arguments"`
	} `json:"operation"`
}

// applyOperation replays one logged operation as happn-db-provider-loki
// does when it loads the file. It returns why it skipped the line, or "".
func (db *replay) applyOperation(text []byte) string {
	var op lokiOperation
	if err := json.Unmarshal(text, &op); err != nil {
		return "not a loki operation: " + err.Error()
	}
	args := op.Operation.Arguments
	arg := func(i int, v any) error {
		if i >= len(args) {
			return fmt.Errorf("%s has no argument %d", op.Operation.Type, i)
		}
		return json.Unmarshal(args[i], v)
	}
	var err error
	switch op.Operation.Type {
	case "UPSERT":
		err = db.upsert(arg)
	case "INSERT", "UPDATE":
		// Written whole; UPDATE is an existing document's new version.
		var d lokiDoc
		if err = arg(0, &d); err == nil {
			err = db.put(d)
		}
	case "INCREMENT":
		err = db.increment(arg)
	case "REMOVE":
		err = db.remove(arg)
	default:
		err = fmt.Errorf("unknown operation %q", op.Operation.Type)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// upsert replays a set: arguments [path, {data, _meta}, {merge}]. The
// _meta of a document that was new holds its times; an update's does not.
func (db *replay) upsert(arg func(int, any) error) error {
	var (
		path string
		doc  struct {
			Data json.RawMessage `json:"data"`
			Meta *lokiDoc        `json:"_meta"`
		}
		opts struct {
			Merge bool `json:"merge"`
		}
	)
	if err := arg(0, &path); err != nil {
		return err
	}
	if err := arg(1, &doc); err != nil {
		return err
	}
	_ = arg(2, &opts) // absent or null: no options
	data, ok := objectData(doc.Data)
	if !ok {
		return fmt.Errorf("the data set at %s is not a JSON object", path)
	}
	var meta lokiDoc
	if doc.Meta != nil {
		meta = *doc.Meta
	}
	cur := db.docs[path]
	if cur == nil {
		db.docs[path] = &Record{Path: path, Data: data, Created: meta.Created, Modified: meta.Modified, ModifiedBy: meta.ModifiedBy}
		return nil
	}
	if opts.Merge {
		data = jsonobj.MergeShallow(cur.Data, data)
	}
	cur.Data = data
	cur.Modified = meta.Modified // 0 (not logged) unless the _meta had it
	if meta.Created != 0 {
		cur.Created = meta.Created
	}
	if meta.ModifiedBy != "" {
		cur.ModifiedBy = meta.ModifiedBy
	}
	return nil
}

// put replays an insert or update of a whole document.
func (db *replay) put(d lokiDoc) error {
	data, ok := objectData(d.Data)
	if !ok || d.Path == "" {
		return fmt.Errorf("a document without a path or with data that is not a JSON object")
	}
	db.docs[d.Path] = &Record{Path: d.Path, Data: data, Created: d.Created, Modified: d.Modified, ModifiedBy: d.ModifiedBy}
	return nil
}

// increment replays an increment: arguments [path, gauge, by].
func (db *replay) increment(arg func(int, any) error) error {
	var (
		path, gauge string
		by          float64
	)
	if err := arg(0, &path); err != nil {
		return err
	}
	if err := arg(1, &gauge); err != nil {
		return err
	}
	if err := arg(2, &by); err != nil {
		return err
	}
	cur := db.docs[path]
	var old []byte
	if cur != nil {
		old = cur.Data
	}
	data, _, err := jsonobj.IncrementGauge(old, gauge, by)
	if err != nil {
		return fmt.Errorf("cannot increment %s at %s: %w", gauge, path, err)
	}
	if cur == nil {
		db.docs[path] = &Record{Path: path, Data: data}
		return nil
	}
	cur.Data, cur.Modified = data, 0
	return nil
}

// remove replays a remove: arguments [path or pattern, criteria or null].
func (db *replay) remove(arg func(int, any) error) error {
	var (
		pattern  string
		criteria json.RawMessage
	)
	if err := arg(0, &pattern); err != nil {
		return err
	}
	_ = arg(1, &criteria)
	var q *query.Query
	if c := bytes.TrimSpace(criteria); len(c) > 0 && !bytes.Equal(c, []byte("null")) {
		var err error
		if q, err = query.Compile(c); err != nil {
			return fmt.Errorf("remove %s: %w", pattern, err)
		}
	}
	if !wildcard.HasWildcard(pattern) && q == nil {
		delete(db.docs, pattern)
		return nil
	}
	for path, r := range db.docs {
		if !wildcard.Match(pattern, path) {
			continue
		}
		if q != nil && !q.MatchItem(store.Item{Path: r.Path, Data: r.Data, Created: r.Created, Modified: r.Modified}) {
			continue
		}
		delete(db.docs, path)
	}
	return nil
}
