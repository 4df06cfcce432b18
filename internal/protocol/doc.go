// Package protocol is happn-3's wire protocol happn_4 over Primus framing:
// decoding client requests, encoding responses, publications and system
// messages, and the Primus control strings (heartbeats, close).
//
// Every message is one websocket text frame holding one JSON value.
// Application messages are JSON objects (a wildcard get answers with a
// JSON array whose last element is the response meta); Primus control
// messages are JSON strings such as "primus::ping::1700000000000".
//
// Decoding uses github.com/tidwall/gjson to walk the request once without
// building maps; encoding appends to byte slices by hand so that a
// publication can be encoded once and shared by every recipient. Both
// sides are used by the server and by the Go client.
package protocol
