package query

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error the Compile functions return: the
// criteria, sort or fields were malformed or used something unsupported.
var ErrInvalid = errors.New("invalid query")

// invalidError is a client-facing message that matches ErrInvalid.
type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// invalid formats a client-facing error that matches ErrInvalid.
func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}
