package happn3file

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/happn-go/happn/store"
)

// Write writes records as a data file of format that a happn-3 server
// loads: the way back, for documents moved here. A nedb file is one line
// per document; a loki file is one snapshot line holding every document.
// Records keep their paths, data and times (a zero time is written as 0).
// Only documents belong in it: happn-3 keeps its security directory in
// its own shape, which Write does not produce, so leave /_SYSTEM records
// out (Import never writes ours there in happn-3's shape either).
func Write(w io.Writer, format Format, records []Record) error {
	bw := bufio.NewWriter(w)
	var err error
	switch format {
	case Nedb:
		err = writeNedb(bw, records)
	case Loki:
		err = writeLoki(bw, records)
	default:
		return fmt.Errorf("happn3file: unknown format %q", format)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// writeNedb writes one happn-3 12.x document per line.
func writeNedb(w *bufio.Writer, records []Record) error {
	for _, r := range records {
		doc := struct {
			ID         string          `json:"_id"`
			Data       json.RawMessage `json:"data"`
			Path       string          `json:"path"`
			ModifiedBy string          `json:"modifiedBy,omitempty"`
			Created    int64           `json:"created"`
			Modified   int64           `json:"modified"`
		}{r.Path, r.Data, r.Path, r.ModifiedBy, r.Created, r.Modified}
		b, err := json.Marshal(doc)
		if err != nil {
			return fmt.Errorf("happn3file: %s: %w", r.Path, err)
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	return nil
}

// lokiMeta is LokiJS's own bookkeeping on a document.
type lokiMeta struct {
	Revision int   `json:"revision"`
	Created  int64 `json:"created"`
	Version  int   `json:"version"`
}

// writeLoki writes a happn-3 13.x file: one snapshot line, the serialised
// LokiJS database with the "happn" collection as happn-3 creates it
// (unique paths) and an empty "archives" one.
func writeLoki(w *bufio.Writer, records []Record) error {
	type doc struct {
		Path       string          `json:"path"`
		Data       json.RawMessage `json:"data"`
		Created    int64           `json:"created"`
		Modified   int64           `json:"modified"`
		ModifiedBy string          `json:"modifiedBy,omitempty"`
		Meta       lokiMeta        `json:"meta"`
		ID         int             `json:"$loki"`
	}
	docs := make([]doc, len(records))
	for i, r := range records {
		docs[i] = doc{r.Path, r.Data, r.Created, r.Modified, r.ModifiedBy, lokiMeta{Created: r.Created}, i + 1}
	}
	collection := func(name string, data any, maxID int, unique []string) map[string]any {
		return map[string]any{
			"name": name, "data": data, "idIndex": nil, "binaryIndices": map[string]any{},
			"constraints": nil, "uniqueNames": unique, "transforms": map[string]any{}, "objType": name,
			"dirty": false, "adaptiveBinaryIndices": true, "transactional": false, "cloneObjects": false,
			"cloneMethod": "parse-stringify", "asyncListeners": false, "disableMeta": false,
			"disableChangesApi": true, "disableDeltaChangesApi": true, "autoupdate": false,
			"serializableIndices": true, "disableFreeze": true, "ttl": nil, "maxId": maxID,
			"DynamicViews": []any{}, "events": map[string]any{}, "changes": []any{}, "dirtyIds": []any{},
		}
	}
	db, err := json.Marshal(map[string]any{
		"filename": "loki.db",
		"collections": []any{
			collection("happn", docs, len(docs), []string{"path"}),
			collection("archives", []any{}, 0, []string{"sequence"}),
		},
		"databaseVersion": 1.5, "engineVersion": 1.5, "autosave": false, "autosaveInterval": 5000,
		"autosaveHandle": nil, "throttledSaves": true,
		"options":           map[string]any{"serializationMethod": "normal", "destructureDelimiter": "$<\n"},
		"persistenceMethod": "fs", "persistenceAdapter": nil, "verbose": false,
		"events": map[string]any{}, "ENV": "NODEJS",
	})
	if err != nil {
		return fmt.Errorf("happn3file: %w", err)
	}
	line, err := json.Marshal(map[string]string{"snapshot": string(db)})
	if err != nil {
		return fmt.Errorf("happn3file: %w", err)
	}
	w.Write(line)
	w.WriteString("\r\n")
	return nil
}

// Documents returns the documents of a happn store as records for Write:
// every item outside /_SYSTEM, in path order.
func Documents(ctx context.Context, st store.Store) ([]Record, error) {
	var out []Record
	for it, err := range st.Scan(ctx, "*") {
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(it.Path, systemRoot) {
			continue
		}
		out = append(out, Record{Path: it.Path, Data: append(json.RawMessage(nil), it.Data...), Created: it.Created, Modified: it.Modified, ModifiedBy: it.ModifiedBy})
	}
	return out, nil
}
