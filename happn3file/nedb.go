package happn3file

import (
	"encoding/json"
	"strings"
)

// nedbLine is one line of a nedb file: a document, a deletion, or an
// index definition.
type nedbLine struct {
	ID         *string         `json:"_id"`
	Path       string          `json:"path"`
	Data       json.RawMessage `json:"data"`
	Created    nedbTime        `json:"created"`
	Modified   nedbTime        `json:"modified"`
	ModifiedBy string          `json:"modifiedBy"`
	Deleted    bool            `json:"$$deleted"`
	Index      json.RawMessage `json:"$$indexCreated"`
	Unindex    json.RawMessage `json:"$$indexRemoved"`
}

// nedbTime is a time as nedb writes it: Unix milliseconds, or a Date
// serialised as {"$$date": ms}.
type nedbTime int64

func (t *nedbTime) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case float64:
		*t = nedbTime(v)
	case map[string]any:
		if ms, ok := v["$$date"].(float64); ok {
			*t = nedbTime(ms)
		}
	}
	return nil
}

// applyNedb applies one line of a nedb file: the last line for an _id
// is the document (or its deletion). It returns why it skipped the line,
// or "".
func (db *replay) applyNedb(text []byte) string {
	var l nedbLine
	if err := json.Unmarshal(text, &l); err != nil {
		return "not a nedb document: " + err.Error()
	}
	switch {
	case l.Index != nil || l.Unindex != nil:
		return ""
	case l.ID == nil:
		return "a nedb document without an _id"
	case l.Deleted:
		delete(db.docs, *l.ID)
		return ""
	}
	path := *l.ID // happn-3 keys its documents by path; "path" may be missing
	if l.Path != "" && l.Path != path {
		return "its path " + l.Path + " is not its _id " + path
	}
	data, ok := objectData(l.Data)
	if !ok {
		return "the data of " + path + " is not a JSON object"
	}
	db.docs[path] = &Record{
		Path:       strings.Clone(path),
		Data:       data,
		Created:    int64(l.Created),
		Modified:   int64(l.Modified),
		ModifiedBy: l.ModifiedBy,
	}
	return ""
}

// objectData returns a document's data: a JSON object, or {} for none.
func objectData(raw json.RawMessage) (json.RawMessage, bool) {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null":
		return json.RawMessage(`{}`), true
	case s[0] == '{':
		return json.RawMessage(s), true
	}
	return nil, false
}
