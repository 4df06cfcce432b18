package protocol

import (
	"github.com/tidwall/gjson"
)

// Publication is an event sent to subscribers. Its frame is encoded in two
// parts so that a fan-out encodes the shared part once: the prefix
// (data and every _meta field but the channel) and a per-channel suffix.
type Publication struct {
	// Action is "/" + the request action upper-cased + "@" + the request
	// path, e.g. "/SET@/a/b".
	Action        string
	SessionID     string // the publisher's session
	Consistency   int
	PublicationID string // "<publisher session id>-<request eventId>"
	Path          string
	Created       int64 // omitted when zero
	Modified      int64 // omitted when zero
	// Origin is the publisher's identity on secure servers
	// (_meta.eventOrigin {"username","id"}); omitted when Username is empty.
	OriginUsername string
	// Meta is raw JSON: the custom meta object of the request. Keys the
	// frame sets itself are dropped.
	Meta []byte
	// Data is the raw JSON payload.
	Data []byte
}

// reservedMeta are the keys a client may not set through custom meta:
// happn-3's reserved keys, plus the ones this encoder writes itself, so
// the frame never carries a key twice.
var reservedMeta = map[string]bool{
	"created": true, "modified": true, "path": true, "action": true, "type": true,
	"published": true, "status": true, "eventId": true, "sessionId": true,
	"channel": true, "depth": true, "consistency": true, "publicationId": true, "eventOrigin": true,
}

// AppendPrefix appends the shared part of the publication frame:
// {"data":…,"_meta":{"action":…,…custom meta…
func (p *Publication) AppendPrefix(b []byte) []byte {
	b = append(b, '{')
	b = appendRawField(b, "data", p.Data)
	b = append(b, `,"_meta":{`...)
	b = appendStringField(b, "action", p.Action)
	b = appendStringField(b, "type", "data")
	b = appendStringField(b, "sessionId", p.SessionID)
	b = appendIntField(b, "consistency", int64(p.Consistency))
	b = appendStringField(b, "publicationId", p.PublicationID)
	b = appendStringField(b, "path", p.Path)
	if p.Created != 0 {
		b = appendIntField(b, "created", p.Created)
	}
	if p.Modified != 0 {
		b = appendIntField(b, "modified", p.Modified)
	}
	if p.OriginUsername != "" {
		b = AppendKey(b, "eventOrigin")
		b = append(b, '{')
		b = appendStringField(b, "username", p.OriginUsername)
		b = appendStringField(b, "id", p.SessionID)
		b = append(b, '}')
	}
	if len(p.Meta) > 0 {
		gjson.ParseBytes(p.Meta).ForEach(func(k, v gjson.Result) bool {
			if !reservedMeta[k.Str] {
				b = AppendKey(b, k.Str)
				b = append(b, v.Raw...)
			}
			return true
		})
	}
	return b
}

// AppendSuffix appends the per-channel end of a publication frame whose
// prefix was written by AppendPrefix: ,"channel":…[,"depth":n]},"protocol":…}
func AppendSuffix(b []byte, channel string, depth int, protocol string) []byte {
	b = appendStringField(b, "channel", channel)
	if depth > 0 {
		b = appendIntField(b, "depth", int64(depth))
	}
	b = append(b, '}')
	return appendProtocol(b, protocol)
}

// PublishResult counts what happened to a publication's frames.
type PublishResult struct {
	Successful   int
	Failed       int
	Skipped      int
	Queued       int
	Acknowledged int
	// WithAcknowledged adds the acknowledged counter (consistency 3).
	WithAcknowledged bool
}

// AppendResult appends r as the JSON object of a publication-ack result.
func (r *PublishResult) AppendResult(b []byte) []byte {
	b = append(b, '{')
	b = appendIntField(b, "successful", int64(r.Successful))
	b = appendIntField(b, "failed", int64(r.Failed))
	b = appendIntField(b, "skipped", int64(r.Skipped))
	if r.WithAcknowledged {
		b = appendIntField(b, "acknowledged", int64(r.Acknowledged))
	}
	b = appendIntField(b, "queued", int64(r.Queued))
	return append(b, '}')
}

// AppendPublicationAck appends the message that reports a QUEUED, DEFERRED
// or ACKNOWLEDGED publication's result to its publisher. errMsg, when not
// empty, makes the status "error".
func AppendPublicationAck(b []byte, publicationID string, eventID []byte, r *PublishResult, errMsg, protocol string) []byte {
	b = append(b, '{')
	b = appendStringField(b, "id", publicationID)
	b = appendStringField(b, "action", "publication-ack")
	b = AppendKey(b, "result")
	b = r.AppendResult(b)
	status := "ok"
	if errMsg != "" {
		status = "error"
	}
	b = appendStringField(b, "status", status)
	b = append(b, `,"_meta":{"type":"ack"`...)
	if eventID != nil {
		b = appendRawField(b, "eventId", eventID)
	}
	b = append(b, '}')
	if errMsg != "" {
		b = appendStringField(b, "error", errMsg)
	}
	return appendProtocol(b, protocol)
}

// AppendSystemMessage appends a system message in happn-3's key order:
// {"_meta":{"type":"system"},"eventKey":…,"data":…[,"protocol":…]}.
// protocol is omitted when empty.
func AppendSystemMessage(b []byte, eventKey string, data []byte, protocol string) []byte {
	b = append(b, `{"_meta":{"type":"system"}`...)
	b = appendStringField(b, "eventKey", eventKey)
	b = appendRawField(b, "data", data)
	if protocol == "" {
		return append(b, '}')
	}
	return appendProtocol(b, protocol)
}

// DisconnectMessage returns the server-side-disconnect system message for
// reason, exactly as happn-3 sends it: data before eventKey, no protocol.
func DisconnectMessage(reason string) []byte {
	b := []byte(`{"_meta":{"type":"system"},"data":{"reason":`)
	b = AppendString(b, reason)
	b = append(b, `},"eventKey":"server-side-disconnect"}`...)
	return b
}
