package protocol

import "sync"

// Codec is one wire protocol: how a session's requests are read and how
// every message sent to it is written. A session picks its codec by the
// name it gives in configure-session; happn_4 is the only protocol today,
// and adding another (say, a binary one, or happn-3's older happn_1) means
// registering a Codec under its name — the server's actions do not change.
//
// The payloads inside the envelopes (stored documents, event data) are
// JSON whatever the codec; a codec decides the envelope around them.
type Codec interface {
	// Name is what configure-session asks for, e.g. "happn_4".
	Name() string
	// DecodeRequest decodes a request frame; errors wrap ErrMalformed.
	DecodeRequest(frame []byte) (Request, error)
	// AppendResponse, AppendNoDataResponse and AppendError encode the
	// answers to a request.
	//
	// Arguments are passed by value: a pointer given to an interface
	// method escapes to the heap, and these run for every request.
	AppendResponse(b []byte, r Response, data []byte, m ResponseMeta) []byte
	AppendNoDataResponse(b []byte, r Response, path string) []byte
	AppendError(b []byte, r Response, e Error) []byte
	// AppendItem and AppendArrayEnd encode a list answer: b starts with
	// '[', items are appended separated by commas, then AppendArrayEnd.
	AppendItem(b []byte, data []byte, m ItemMeta) []byte
	AppendArrayEnd(b []byte, r Response) []byte
	// AppendPublicationPrefix and AppendPublicationSuffix encode an event
	// in two parts, so that a fan-out encodes the shared part once.
	AppendPublicationPrefix(b []byte, p *Publication) []byte
	AppendPublicationSuffix(b []byte, channel string, depth int) []byte
	// AppendPublicationAck encodes the outcome of a publication for its
	// publisher; AppendSystemMessage a server-originated message.
	AppendPublicationAck(b []byte, publicationID string, eventID []byte, r *PublishResult, errMsg string) []byte
	AppendSystemMessage(b []byte, eventKey string, data []byte) []byte
	// AppendDisconnect encodes the message that ends a session, with its
	// reason (happn-3's server-side-disconnect).
	AppendDisconnect(b []byte, reason string) []byte
}

var (
	codecsMu sync.RWMutex
	codecs   = map[string]Codec{ProtocolHappn4: Happn4}
)

// Register makes c available to configure-session under c.Name(),
// replacing any codec of that name.
func Register(c Codec) {
	codecsMu.Lock()
	defer codecsMu.Unlock()
	codecs[c.Name()] = c
}

// Lookup returns the codec registered under name.
func Lookup(name string) (Codec, bool) {
	codecsMu.RLock()
	defer codecsMu.RUnlock()
	c, ok := codecs[name]
	return c, ok
}

// Happn4 is happn-3's protocol happn_4 over Primus' JSON framing.
var Happn4 Codec = happn4{}

type happn4 struct{}

func (happn4) Name() string                                { return ProtocolHappn4 }
func (happn4) DecodeRequest(frame []byte) (Request, error) { return DecodeRequest(frame) }
func (happn4) AppendResponse(b []byte, r Response, data []byte, m ResponseMeta) []byte {
	return AppendResponse(b, &r, data, &m)
}
func (happn4) AppendNoDataResponse(b []byte, r Response, path string) []byte {
	return AppendNoDataResponse(b, &r, path)
}
func (happn4) AppendError(b []byte, r Response, e Error) []byte    { return AppendError(b, &r, &e) }
func (happn4) AppendItem(b []byte, data []byte, m ItemMeta) []byte { return AppendItem(b, data, &m) }
func (happn4) AppendArrayEnd(b []byte, r Response) []byte          { return AppendArrayEnd(b, &r) }
func (happn4) AppendPublicationPrefix(b []byte, p *Publication) []byte {
	return p.AppendPrefix(b)
}
func (happn4) AppendPublicationSuffix(b []byte, channel string, depth int) []byte {
	return AppendSuffix(b, channel, depth, ProtocolHappn4)
}
func (happn4) AppendPublicationAck(b []byte, publicationID string, eventID []byte, r *PublishResult, errMsg string) []byte {
	return AppendPublicationAck(b, publicationID, eventID, r, errMsg, ProtocolHappn4)
}
func (happn4) AppendSystemMessage(b []byte, eventKey string, data []byte) []byte {
	return AppendSystemMessage(b, eventKey, data, ProtocolHappn4)
}
func (happn4) AppendDisconnect(b []byte, reason string) []byte {
	return append(b, DisconnectMessage(reason)...)
}
