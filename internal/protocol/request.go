package protocol

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/happn-go/happn/internal/jsondepth"
	"github.com/tidwall/gjson"
)

// The actions of protocol happn_4 (SPEC §2.5).
const (
	ActionConfigureSession        = "configure-session"
	ActionDescribe                = "describe"
	ActionLogin                   = "login"
	ActionRequestNonce            = "request-nonce"
	ActionSet                     = "set"
	ActionGet                     = "get"
	ActionCount                   = "count"
	ActionRemove                  = "remove"
	ActionOn                      = "on"
	ActionOff                     = "off"
	ActionAck                     = "ack"
	ActionRevokeToken             = "revoke-token"
	ActionDisconnectChildSessions = "disconnect-child-sessions"
	ActionChangePassword          = "change-password"
)

// Request is one decoded client request.
//
// A Request shares the memory of the frame it was decoded from: its
// strings and raw JSON fields point into the frame, which must therefore
// never be modified afterwards. Decoding copies nothing; code that keeps
// a field beyond the request (a subscription's channel, say) clones it,
// so that a small string does not pin a large frame.
type Request struct {
	Action string
	// EventID is the raw JSON of the eventId (a number, or whatever the
	// client sent); nil when absent. Responses echo it verbatim.
	EventID []byte
	// Path is the request path, or for on/off the channel ("/SET@/a/b").
	Path    string
	HasPath bool
	// Data is the raw JSON of the data field; nil when absent.
	Data      []byte
	SessionID string
	Options   Options
	// Encrypted reports that the request carried an "encrypted" field,
	// which happn-3 12+ rejects.
	Encrypted bool
}

// Options are the request options the server understands. Unknown keys
// are ignored, as happn-3 does (the node client always adds "timeout").
type Options struct {
	// Raw is the whole options object, kept for echoing back in off responses.
	Raw []byte

	// set
	Merge     bool
	NullValue bool
	NoPublish bool
	NoStore   bool
	// NoCluster keeps the event on this server (happn-cluster's option):
	// it is not handed to Config.Broker.
	NoCluster      bool
	NoDataResponse bool
	PublishResults bool
	Tag            string
	SetType        string
	// Increment is the raw JSON of options.increment; nil when absent.
	Increment []byte
	// TTL is the raw JSON of options.ttl (milliseconds until the document
	// expires; ours, not happn-3's); nil when absent.
	TTL            []byte
	Consistency    int
	HasConsistency bool
	// Meta is the raw JSON object of custom event meta; nil when absent.
	Meta          []byte
	TargetClients []string
	OnBehalfOf    string

	// get, count, remove
	Criteria []byte
	Fields   []byte
	Sort     []byte
	Limit    int
	Skip     int
	PathOnly bool
	// CountOnly is options.options.count, which crashes happn-3; we answer
	// it with the count instead.
	CountOnly bool
	// Unsupported names a read option only happn-3's MongoDB datastore
	// has ("aggregate", "collation"), when the request has one.
	Unsupported string

	// on
	EventType       string
	Count           int
	InitialCallback bool
	InitialEmit     bool
	Depth           int

	// off: options.referenceId, raw (a string, or 0 for offAll).
	ReferenceID []byte
}

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed message")

// maxDepth bounds JSON nesting in a frame so hostile input cannot exhaust
// the stack of anything that walks the data later.
const maxDepth = 200

// view returns frame as a string without copying; frame must not change
// while the string (or anything sliced from it) is in use.
func view(frame []byte) string {
	return unsafe.String(unsafe.SliceData(frame), len(frame))
}

// DecodeRequest decodes a client request frame. A frame that is not a JSON
// object, or whose fields have the wrong types, returns an error wrapping
// ErrMalformed.
func DecodeRequest(frame []byte) (Request, error) {
	var req Request
	// Depth first: the validator recurses, so a hostile nesting must not
	// reach it.
	// Each level takes a byte, so a frame no longer than maxDepth needs
	// no count.
	if len(frame) > maxDepth && jsondepth.Of(frame) > maxDepth {
		return req, fmt.Errorf("%w: nested deeper than %d levels", ErrMalformed, maxDepth)
	}
	if !gjson.ValidBytes(frame) {
		return req, fmt.Errorf("%w: not valid JSON", ErrMalformed)
	}
	if first := skipSpace(frame, 0); first >= len(frame) || frame[first] != '{' {
		return req, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	var err error
	Members(frame, func(key, value []byte) bool {
		switch string(key) {
		case "action":
			a, ok := String(value)
			if !ok {
				err = fmt.Errorf("%w: action must be a string", ErrMalformed)
				return false
			}
			req.Action = internAction(a)
		case "eventId":
			req.EventID = value
		case "path":
			p, ok := String(value)
			if !ok {
				err = fmt.Errorf("%w: path must be a string", ErrMalformed)
				return false
			}
			req.Path, req.HasPath = p, true
		case "data":
			req.Data = value
			if value[0] == '{' && bytes.Contains(value, []byte(`"encrypted"`)) {
				Members(value, func(k, _ []byte) bool {
					req.Encrypted = req.Encrypted || string(k) == "encrypted"
					return !req.Encrypted
				})
			}
		case "sessionId":
			req.SessionID, _ = String(value)
		case "options":
			switch value[0] {
			case '{':
				err = decodeOptions(value, &req.Options)
			case 'n': // null
			default:
				err = fmt.Errorf("%w: options must be an object", ErrMalformed)
			}
		case "encrypted":
			req.Encrypted = true
		}
		return err == nil
	})
	if err != nil {
		return Request{}, err
	}
	return req, nil
}

// internAction returns the package constant equal to s, so the common
// actions cost no allocation and keep no frame alive; unknown actions are
// copied.
func internAction(s string) string {
	for _, a := range [...]string{ActionSet, ActionGet, ActionOn, ActionOff, ActionRemove, ActionCount, ActionAck,
		ActionConfigureSession, ActionDescribe, ActionLogin, ActionRequestNonce, ActionRevokeToken,
		ActionDisconnectChildSessions, ActionChangePassword} {
		if s == a {
			return a
		}
	}
	return strings.Clone(s)
}

// notNull returns raw, or nil for JSON null.
func notNull(raw []byte) []byte {
	if string(raw) == "null" {
		return nil
	}
	return raw
}

// intOption reads a non-negative integer option (clamped), ignoring
// anything that is not a number.
func intOption(raw []byte, dst *int) {
	if n, ok := Int(raw); ok {
		*dst = clampInt(n)
	} else if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
		*dst = clampInt(int64(f))
	}
}

func decodeOptions(obj []byte, o *Options) error {
	o.Raw = obj
	var err error
	Members(obj, func(key, v []byte) bool {
		switch string(key) {
		case "merge":
			o.Merge = Bool(v)
		case "nullValue":
			o.NullValue = Bool(v)
		case "noPublish":
			o.NoPublish = Bool(v)
		case "noStore":
			o.NoStore = Bool(v)
		case "noCluster":
			o.NoCluster = Bool(v)
		case "noDataResponse":
			o.NoDataResponse = Bool(v)
		case "publishResults":
			o.PublishResults = Bool(v)
		case "tag":
			o.Tag, _ = String(v)
		case "set_type":
			o.SetType, _ = String(v)
		case "increment":
			o.Increment = v
		case "ttl":
			o.TTL = v
		case "consistency":
			if isNumber(v) {
				intOption(v, &o.Consistency)
				if n, ok := Int(v); ok && n < 0 {
					o.Consistency = -1 // refused by the server, not clamped to a valid level
				}
				o.HasConsistency = true
			}
		case "meta":
			if v[0] == '{' {
				o.Meta = v
			}
		case "targetClients":
			if v[0] == '[' {
				o.TargetClients = stringArray(v)
			}
		case "onBehalfOf":
			o.OnBehalfOf, _ = String(v)
		case "criteria":
			o.Criteria = notNull(v)
		case "fields":
			o.Fields = notNull(v)
		case "sort":
			o.Sort = notNull(v)
		case "path_only":
			o.PathOnly = Bool(v)
		case "aggregate", "collation":
			if notNull(v) != nil {
				o.Unsupported = string(key)
			}
		case "options":
			// get's nested options: {fields, sort, limit, skip, path_only, count}.
			switch v[0] {
			case 'n':
				return true
			case '{':
			default:
				err = fmt.Errorf("%w: options.options must be an object", ErrMalformed)
				return false
			}
			Members(v, func(k, w []byte) bool {
				switch string(k) {
				case "fields":
					o.Fields = notNull(w)
				case "sort":
					o.Sort = notNull(w)
				case "limit":
					intOption(w, &o.Limit)
				case "skip":
					intOption(w, &o.Skip)
				case "path_only":
					o.PathOnly = Bool(w)
				case "count":
					o.CountOnly = Bool(w)
				case "aggregate", "collation":
					if notNull(w) != nil {
						o.Unsupported = string(k)
					}
				}
				return true
			})
		case "event_type":
			if t, ok := String(v); ok {
				o.EventType = strings.ToLower(t)
			}
		case "count":
			intOption(v, &o.Count)
		case "initialCallback":
			o.InitialCallback = Bool(v)
		case "initialEmit":
			o.InitialEmit = Bool(v)
		case "depth":
			intOption(v, &o.Depth)
		case "referenceId":
			o.ReferenceID = v
		}
		return true
	})
	return err
}

func isNumber(v []byte) bool {
	return len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9'))
}

// stringArray returns the string elements of a raw JSON array.
func stringArray(arr []byte) []string {
	var out []string
	gjson.ParseBytes(arr).ForEach(func(_, v gjson.Result) bool {
		if v.Type == gjson.String {
			out = append(out, v.Str)
		}
		return true
	})
	return out
}

func clampInt(n int64) int {
	if n < 0 {
		return 0
	}
	if n > 1<<31-1 {
		return 1<<31 - 1
	}
	return int(n)
}

// Parse parses a frame without copying it. The result and everything
// derived from it alias frame, which must not be modified afterwards.
func Parse(frame []byte) gjson.Result {
	if len(frame) == 0 {
		return gjson.Result{}
	}
	return gjson.Parse(view(frame))
}
