package protocol

import (
	"bytes"
	"strconv"
)

// Protocol names a session speaks. A session that never sent
// configure-session speaks "happn" (happn-3's legacy default); every
// current client configures "happn_4".
const (
	ProtocolHappn4 = "happn_4"
	ProtocolLegacy = "happn"
)

// Response carries the fields every response _meta ends with.
type Response struct {
	Protocol  string
	Action    string
	EventID   []byte // raw JSON; omitted when nil
	SessionID string // omitted when empty (the request had none)
	Published bool
}

// ItemMeta is the metadata of a stored item as it appears in _meta.
type ItemMeta struct {
	Path       string
	Created    int64 // omitted when zero
	Modified   int64 // omitted when zero
	ModifiedBy string
}

// ResponseMeta holds the optional _meta fields that precede the response
// fields in a single-object response.
type ResponseMeta struct {
	// Item is the item's metadata, when HasItem.
	Item        ItemMeta
	HasItem     bool
	Timestamp   int64  // remove responses
	Path        string // remove and publish responses: the request path
	Tag         string // tag sets
	ReferenceID string // on with initial values
	// PublishResults is raw JSON for _meta.publishResults; nil when absent.
	PublishResults []byte
}

func appendItemMeta(b []byte, m *ItemMeta) []byte {
	if m.Created != 0 {
		b = appendIntField(b, "created", m.Created)
	}
	if m.Modified != 0 {
		b = appendIntField(b, "modified", m.Modified)
	}
	if m.ModifiedBy != "" {
		b = appendStringField(b, "modifiedBy", m.ModifiedBy)
	}
	return appendStringField(b, "path", m.Path)
}

// AppendMeta appends m as a JSON object: {"created":…,"modified":…,"path":…}.
func AppendMeta(b []byte, m *ItemMeta) []byte {
	b = append(b, '{')
	b = appendItemMeta(b, m)
	return append(b, '}')
}

func appendResponseFields(b []byte, r *Response, status string) []byte {
	b = appendStringField(b, "type", "response")
	b = appendStringField(b, "status", status)
	b = appendBoolField(b, "published", r.Published)
	if r.EventID != nil {
		b = appendRawField(b, "eventId", r.EventID)
	}
	if r.SessionID != "" {
		b = appendStringField(b, "sessionId", r.SessionID)
	}
	return appendStringField(b, "action", r.Action)
}

func appendProtocol(b []byte, protocol string) []byte {
	b = appendStringField(b, "protocol", protocol)
	return append(b, '}')
}

// AppendResponse appends a successful single-object response:
// {"data":…,"_meta":{…,"type":"response","status":"ok",…},"protocol":…}.
// data is raw JSON; nil encodes null.
func AppendResponse(b []byte, r *Response, data []byte, m *ResponseMeta) []byte {
	b = append(b, '{')
	b = appendRawField(b, "data", data)
	b = AppendKey(b, "_meta")
	b = append(b, '{')
	if m != nil {
		if m.HasItem {
			b = appendItemMeta(b, &m.Item)
		}
		if m.Timestamp != 0 {
			b = appendIntField(b, "timestamp", m.Timestamp)
		}
		if m.Path != "" {
			b = appendStringField(b, "path", m.Path)
		}
		if m.Tag != "" {
			b = appendStringField(b, "tag", m.Tag)
		}
		if m.ReferenceID != "" {
			b = appendStringField(b, "referenceId", m.ReferenceID)
		}
		if m.PublishResults != nil {
			b = appendRawField(b, "publishResults", m.PublishResults)
		}
	}
	b = appendResponseFields(b, r, "ok")
	b = append(b, '}')
	return appendProtocol(b, r.Protocol)
}

// AppendNoDataResponse appends the bare response happn-3 sends for a set
// with options.noDataResponse (the client's publish):
// {"_meta":{"path":…,"eventId":…,"type":"response","status":"ok","published":…}}.
func AppendNoDataResponse(b []byte, r *Response, path string) []byte {
	b = append(b, `{"_meta":{`...)
	b = appendStringField(b, "path", path)
	if r.EventID != nil {
		b = appendRawField(b, "eventId", r.EventID)
	}
	b = appendStringField(b, "type", "response")
	b = appendStringField(b, "status", "ok")
	b = appendBoolField(b, "published", r.Published)
	return append(b, "}}"...)
}

// Error is the error object of an error response.
type Error struct {
	Name    string
	Code    int // omitted when zero
	Message string
	Reason  string // omitted when empty
}

// AppendError appends an error response:
// {"data":null,"_meta":{…,"status":"error",…,"error":{"name","code","message"}},"protocol":…}.
func AppendError(b []byte, r *Response, e *Error) []byte {
	b = append(b, `{"data":null,"_meta":{`...)
	b = appendResponseFields(b, r, "error")
	b = AppendKey(b, "error")
	b = append(b, '{')
	b = appendStringField(b, "name", e.Name)
	if e.Code != 0 {
		b = appendIntField(b, "code", int64(e.Code))
	}
	if e.Reason != "" {
		b = appendStringField(b, "reason", e.Reason)
	}
	b = appendStringField(b, "message", e.Message)
	b = append(b, "}}"...)
	return appendProtocol(b, r.Protocol)
}

// AppendItem appends one element of an array response: the item's data
// object with its metadata embedded as "_meta". data must be a JSON object.
func AppendItem(b []byte, data []byte, m *ItemMeta) []byte {
	data = bytes.TrimSpace(data)
	if len(data) < 2 || data[0] != '{' {
		b = append(b, '{')
	} else {
		b = append(b, data[:len(data)-1]...)
		b = bytes.TrimRight(b, " \t\r\n")
	}
	b = AppendKey(b, "_meta")
	b = append(b, '{')
	if m != nil {
		b = appendItemMeta(b, m)
	}
	return append(b, "}}"...)
}

// AppendArrayEnd closes an array response: it appends the response meta
// as the last element and the closing bracket. b must start with '[' and
// hold the items appended with AppendItem, separated by commas.
func AppendArrayEnd(b []byte, r *Response) []byte {
	if b[len(b)-1] != '[' {
		b = append(b, ',')
	}
	b = append(b, '{')
	b = appendResponseFields(b, r, "ok")
	return append(b, "}]"...)
}

// AppendInt appends the decimal form of n; a convenience for callers
// building small JSON values such as {"removed":n}.
func AppendInt(b []byte, n int64) []byte {
	return strconv.AppendInt(b, n, 10)
}
