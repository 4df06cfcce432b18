package happn

import (
	"errors"

	"github.com/happn-go/happn/internal/protocol"
)

// Error is an error that crosses the wire. Its Name and Code are
// happn-3's (SPEC §2.4): a happn-3 client sees exactly what a happn-3
// server would have sent, and the Go client turns error responses back
// into an *Error, so errors.Is(err, ErrAccessDenied) holds on both sides
// of a connection.
type Error struct {
	// Name is happn-3's error class name: "AccessDenied",
	// "ResourceNotFound", "SystemError", "ValidationError" or "Error".
	Name string
	// Code is 401, 403, 404 or 500, or 0 for a plain "Error".
	Code int
	// Message is the human-readable text, e.g. "unauthorized".
	Message string
	// Reason optionally qualifies Message.
	Reason string
}

// Error returns "Name: Message", as a happn-3 client's e.toString() does.
func (e *Error) Error() string {
	return e.Name + ": " + e.Message
}

// Is reports whether target is the sentinel for e's name and code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if t.Name != e.Name {
		return false
	}
	return t.Code == 0 || t.Code == e.Code
}

func (e *Error) wire() *protocol.Error {
	return &protocol.Error{Name: e.Name, Code: e.Code, Message: e.Message, Reason: e.Reason}
}

// Sentinels to branch on with errors.Is. They match any *Error with the
// same name (and code, where the sentinel has one).
var (
	// ErrAccessDenied matches every refusal: 401 and 403.
	ErrAccessDenied = &Error{Name: "AccessDenied", Message: "access denied"}
	// ErrInvalidCredentials matches a failed login (AccessDenied, 401).
	ErrInvalidCredentials = &Error{Name: "AccessDenied", Code: 401, Message: "Invalid credentials"}
	// ErrUnauthorized matches a refused operation (AccessDenied, 403).
	ErrUnauthorized = &Error{Name: "AccessDenied", Code: 403, Message: "unauthorized"}
	// ErrNotFound matches ResourceNotFound (404).
	ErrNotFound = &Error{Name: "ResourceNotFound", Code: 404, Message: "not found"}
	// ErrSystem matches SystemError (500).
	ErrSystem = &Error{Name: "SystemError", Code: 500, Message: "system error"}
	// ErrValidation matches ValidationError (500).
	ErrValidation = &Error{Name: "ValidationError", Code: 500, Message: "validation error"}
	// ErrBadRequest matches happn-3's plain "Error": bad paths, bad
	// options, bad criteria.
	ErrBadRequest = &Error{Name: "Error", Message: "bad request"}
)

// Errors that never cross the wire.
var (
	// ErrClosed is returned by calls on a closed client or server.
	ErrClosed = errors.New("happn: closed")
	// ErrDisconnected is returned by client calls made while the
	// connection is down.
	ErrDisconnected = errors.New("happn: not connected")
	// ErrTimeout is returned when the server did not answer a call
	// within the client's call timeout.
	ErrTimeout = errors.New("happn: call timed out")
)

func badRequest(msg string) *Error {
	return &Error{Name: "Error", Message: msg}
}

func systemError(msg string) *Error {
	return &Error{Name: "SystemError", Code: 500, Message: msg}
}

// dataError is a SystemError from the data actions, with the reason
// happn-3's data service gives its errors.
func dataError(msg string) *Error {
	return &Error{Name: "SystemError", Code: 500, Message: msg, Reason: "DataService"}
}

func accessDenied(code int, msg string) *Error {
	return &Error{Name: "AccessDenied", Code: code, Message: msg}
}

// asError converts any error into the *Error sent on the wire. Errors
// that are not *Error become a SystemError with their message.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return systemError(err.Error())
}
