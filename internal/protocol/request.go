package protocol

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

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
	Merge          bool
	NullValue      bool
	NoPublish      bool
	NoStore        bool
	NoDataResponse bool
	PublishResults bool
	Tag            string
	SetType        string
	// Increment is the raw JSON of options.increment; nil when absent.
	Increment      []byte
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

// raw returns a raw JSON value (a substring of a view) as bytes, without
// copying. The bytes must not be modified.
func raw(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// DecodeRequest decodes a client request frame. A frame that is not a JSON
// object, or whose fields have the wrong types, returns an error wrapping
// ErrMalformed.
func DecodeRequest(frame []byte) (Request, error) {
	var req Request
	if !gjson.ValidBytes(frame) {
		return req, fmt.Errorf("%w: not valid JSON", ErrMalformed)
	}
	if depth(frame) > maxDepth {
		return req, fmt.Errorf("%w: nested deeper than %d levels", ErrMalformed, maxDepth)
	}
	root := gjson.Parse(view(frame))
	if !root.IsObject() {
		return req, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	var err error
	root.ForEach(func(key, value gjson.Result) bool {
		switch key.Str {
		case "action":
			if value.Type != gjson.String {
				err = fmt.Errorf("%w: action must be a string", ErrMalformed)
				return false
			}
			req.Action = internAction(value.Str)
		case "eventId":
			req.EventID = raw(value.Raw)
		case "path":
			if value.Type != gjson.String {
				err = fmt.Errorf("%w: path must be a string", ErrMalformed)
				return false
			}
			req.Path = value.Str
			req.HasPath = true
		case "data":
			req.Data = raw(value.Raw)
			if value.IsObject() && value.Get("encrypted").Exists() {
				req.Encrypted = true
			}
		case "sessionId":
			if value.Type == gjson.String {
				req.SessionID = value.Str
			}
		case "options":
			if value.IsObject() {
				err = decodeOptions(value, &req.Options)
			} else if value.Type != gjson.Null {
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

func decodeOptions(obj gjson.Result, o *Options) error {
	o.Raw = raw(obj.Raw)
	var err error
	obj.ForEach(func(key, v gjson.Result) bool {
		switch key.Str {
		case "merge":
			o.Merge = v.Bool()
		case "nullValue":
			o.NullValue = v.Bool()
		case "noPublish":
			o.NoPublish = v.Bool()
		case "noStore":
			o.NoStore = v.Bool()
		case "noDataResponse":
			o.NoDataResponse = v.Bool()
		case "publishResults":
			o.PublishResults = v.Bool()
		case "tag":
			if v.Type == gjson.String {
				o.Tag = v.Str
			}
		case "set_type":
			if v.Type == gjson.String {
				o.SetType = v.Str
			}
		case "increment":
			o.Increment = raw(v.Raw)
		case "consistency":
			if v.Type == gjson.Number {
				o.Consistency = int(v.Int())
				o.HasConsistency = true
			}
		case "meta":
			if v.IsObject() {
				o.Meta = raw(v.Raw)
			}
		case "targetClients":
			if v.IsArray() {
				for _, id := range v.Array() {
					if id.Type == gjson.String {
						o.TargetClients = append(o.TargetClients, id.Str)
					}
				}
			}
		case "onBehalfOf":
			if v.Type == gjson.String {
				o.OnBehalfOf = v.Str
			}
		case "criteria":
			if v.Type != gjson.Null {
				o.Criteria = raw(v.Raw)
			}
		case "fields":
			if v.Type != gjson.Null {
				o.Fields = raw(v.Raw)
			}
		case "sort":
			if v.Type != gjson.Null {
				o.Sort = raw(v.Raw)
			}
		case "path_only":
			o.PathOnly = v.Bool()
		case "options":
			// get's nested options: {fields, sort, limit, skip, path_only, count}.
			if !v.IsObject() {
				if v.Type == gjson.Null {
					return true
				}
				err = fmt.Errorf("%w: options.options must be an object", ErrMalformed)
				return false
			}
			v.ForEach(func(k, w gjson.Result) bool {
				switch k.Str {
				case "fields":
					if w.Type != gjson.Null {
						o.Fields = raw(w.Raw)
					}
				case "sort":
					if w.Type != gjson.Null {
						o.Sort = raw(w.Raw)
					}
				case "limit":
					if w.Type == gjson.Number {
						o.Limit = clampInt(w.Int())
					}
				case "skip":
					if w.Type == gjson.Number {
						o.Skip = clampInt(w.Int())
					}
				case "path_only":
					o.PathOnly = w.Bool()
				case "count":
					o.CountOnly = w.Bool()
				}
				return true
			})
		case "event_type":
			if v.Type == gjson.String {
				o.EventType = strings.ToLower(v.Str)
			}
		case "count":
			if v.Type == gjson.Number {
				o.Count = clampInt(v.Int())
			}
		case "initialCallback":
			o.InitialCallback = v.Bool()
		case "initialEmit":
			o.InitialEmit = v.Bool()
		case "depth":
			if v.Type == gjson.Number {
				o.Depth = clampInt(v.Int())
			}
		case "referenceId":
			o.ReferenceID = raw(v.Raw)
		}
		return true
	})
	return err
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

// depth returns the maximum nesting of objects and arrays in a valid JSON
// text, ignoring brackets inside strings.
func depth(b []byte) int {
	d, maxd := 0, 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			d++
			if d > maxd {
				maxd = d
			}
		case '}', ']':
			d--
		}
	}
	return maxd
}

// Parse parses a frame without copying it. The result and everything
// derived from it alias frame, which must not be modified afterwards.
func Parse(frame []byte) gjson.Result {
	if len(frame) == 0 {
		return gjson.Result{}
	}
	return gjson.Parse(view(frame))
}
