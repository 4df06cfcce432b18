package happn

import (
	"encoding/json"
	"unsafe"

	"github.com/happn-go/happn/internal/protocol"

	"github.com/tidwall/gjson"
)

// Item is a stored document as a client sees it.
type Item struct {
	// Data is the document: always a JSON object. Primitives and arrays
	// are stored wrapped, as {"value": x}.
	Data json.RawMessage
	// Meta is the document's metadata.
	Meta ItemMeta
}

// ItemMeta is the metadata of a stored document.
type ItemMeta struct {
	Path string
	// Created and Modified are Unix milliseconds.
	Created    int64
	Modified   int64
	ModifiedBy string
}

// Decode unmarshals the item's data into v.
func (it *Item) Decode(v any) error { return json.Unmarshal(it.Data, v) }

func parseItemMeta(m gjson.Result) ItemMeta {
	var im ItemMeta
	protocol.Members(unsafeBytes(m.Raw), func(k, v []byte) bool {
		im.setField(k, v)
		return true
	})
	return im
}

// setField sets the field of a _meta member named k, if it is one.
func (im *ItemMeta) setField(k, v []byte) {
	switch string(k) {
	case "path":
		im.Path, _ = protocol.String(v)
	case "created":
		im.Created, _ = protocol.Int(v)
	case "modified":
		im.Modified, _ = protocol.Int(v)
	case "modifiedBy":
		im.ModifiedBy, _ = protocol.String(v)
	}
}

// unsafeBytes views a string as bytes, for read-only scanning.
func unsafeBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// parseListItem turns an element of an array response — the data with
// "_meta" embedded — into an Item.
func parseListItem(el gjson.Result) Item {
	return Item{Data: json.RawMessage(withoutKey([]byte(el.Raw), "_meta")), Meta: parseItemMeta(el.Get("_meta"))}
}

// Event is a change delivered to a subscription handler.
type Event struct {
	// Data is the event's payload: the stored document for a set (or
	// only the merged fields, for MergeOnly subscriptions), {"removed": n}
	// for a remove, the published data for a Publish.
	Data json.RawMessage
	// Meta describes the event.
	Meta EventMeta
}

// Decode unmarshals the event's data into v.
func (e *Event) Decode(v any) error { return json.Unmarshal(e.Data, v) }

// EventMeta is what happn tells a subscriber about an event.
type EventMeta struct {
	// Path is the path written (for a wildcard remove, the pattern).
	Path string
	// Channel is the subscription channel the event came through, e.g.
	// "/SET@/a/*".
	Channel string
	// Action is "/SET@<path>" or "/REMOVE@<path>".
	Action string
	// Type is "data" for events (happn-3's _meta.type).
	Type string
	// SessionID is the publisher's session.
	SessionID     string
	PublicationID string
	Consistency   int
	// Created and Modified are the item's, for sets that stored one.
	Created  int64
	Modified int64
	// Depth is the subscription depth of a "/**" subscription.
	Depth int
	// Raw is the whole _meta object, custom meta included.
	Raw json.RawMessage
}

// Get returns a custom meta field (one set with the Meta option).
func (m *EventMeta) Get(key string) json.RawMessage {
	r := gjson.GetBytes(m.Raw, gjson.Escape(key))
	if !r.Exists() {
		return nil
	}
	return json.RawMessage(r.Raw)
}

func parseEventMeta(m gjson.Result) EventMeta {
	em := EventMeta{Raw: json.RawMessage(m.Raw)}
	protocol.Members(unsafeBytes(m.Raw), func(k, v []byte) bool {
		switch string(k) {
		case "path":
			em.Path, _ = protocol.String(v)
		case "channel":
			em.Channel, _ = protocol.String(v)
		case "action":
			em.Action, _ = protocol.String(v)
		case "type":
			em.Type, _ = protocol.String(v)
		case "sessionId":
			em.SessionID, _ = protocol.String(v)
		case "publicationId":
			em.PublicationID, _ = protocol.String(v)
		case "consistency":
			n, _ := protocol.Int(v)
			em.Consistency = int(n)
		case "created":
			em.Created, _ = protocol.Int(v)
		case "modified":
			em.Modified, _ = protocol.Int(v)
		case "depth":
			n, _ := protocol.Int(v)
			em.Depth = int(n)
		}
		return true
	})
	return em
}
