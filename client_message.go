package happn

import (
	"encoding/json"

	"github.com/happn-go/happn/internal/protocol"
	"github.com/tidwall/gjson"
)

// message is a frame from the server, parsed once: the reader routes it
// and the waiting call reads its fields without scanning it again.
type message struct {
	raw   []byte
	array bool
	// data is the "data" field of an object frame.
	data gjson.Result
	// meta is the "_meta" object, or the last element of an array response.
	meta gjson.Result
	// Fields of meta.
	typ     string
	status  string
	eventID int64
	// it is the Item that item returns, allocated with the message.
	it Item
}

func parseMessage(frame []byte) *message {
	m := &message{raw: frame}
	root := protocol.Parse(frame)
	// The meta's members give the routing fields and, for item(), the
	// item's metadata (an array's last element has none of it).
	im := &m.it.Meta
	readMeta := func(k, v []byte) bool {
		switch string(k) {
		case "type":
			m.typ, _ = protocol.String(v)
		case "status":
			m.status, _ = protocol.String(v)
		case "eventId":
			m.eventID, _ = protocol.Int(v)
		default:
			im.setField(k, v)
		}
		return true
	}
	switch {
	case root.IsArray():
		m.array = true
		root.ForEach(func(_, v gjson.Result) bool {
			m.meta = v
			return true
		})
		protocol.Members(unsafeBytes(m.meta.Raw), readMeta)
	case root.IsObject():
		// One pass over the frame, looking inside _meta on the way.
		protocol.MembersNested(frame, "_meta", func(k, v []byte) bool {
			switch string(k) {
			case "data":
				m.data = protocol.Parse(v)
			case "_meta":
				m.meta = protocol.Parse(v)
			}
			return true
		}, readMeta)
	}
	return m
}

// root returns the whole frame parsed, for the fields parseMessage does
// not keep: parsing is lazy, and keeping it would make every message
// bigger.
func (m *message) root() gjson.Result { return protocol.Parse(m.raw) }

// err returns the *Error of an error response, or nil.
func (m *message) err() error {
	if m.status != "error" {
		return nil
	}
	e := &Error{}
	m.meta.Get("error").ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "name":
			e.Name = v.String()
		case "code":
			e.Code = int(v.Int())
		case "message":
			e.Message = v.String()
		case "reason":
			e.Reason = v.String()
		}
		return true
	})
	return e
}

// item returns the item of a single-object response, or nil when its
// data is null.
func (m *message) item() *Item {
	if !m.data.Exists() || m.data.Type == gjson.Null {
		return nil
	}
	// The frame is this message's own allocation, never reused: the item
	// can share it instead of copying its data.
	m.it.Data = json.RawMessage(unsafeBytes(m.data.Raw)) // Meta was read by parseMessage
	return &m.it
}

// items returns the items of an array response (its last element is the
// response meta).
func (m *message) items() []Item {
	var items []Item
	var prev gjson.Result
	first := true
	m.root().ForEach(func(_, v gjson.Result) bool {
		if !first {
			items = append(items, parseListItem(prev))
		}
		prev, first = v, false
		return true
	})
	return items
}
