package application

import (
	"errors"
	"fmt"
)

// Kind classifies an application error so that each inbound adapter can map it to
// its own vocabulary (an HTTP status, a WeChat reply) in one table.
type Kind string

// The few kinds a caller needs to tell apart.
const (
	KindInvalid      Kind = "invalid"      // the input is wrong; retrying it will not help
	KindNotFound     Kind = "not_found"    // the thing asked for does not exist
	KindConflict     Kind = "conflict"     // a uniqueness rule or a concurrent writer won
	KindUnauthorized Kind = "unauthorized" // no or wrong credentials
	KindUnavailable  Kind = "unavailable"  // a dependency (WeChat, the database) is down or limited; retry later
	KindInternal     Kind = "internal"     // a bug or an unexpected failure
	KindTooLarge     Kind = "too_large"    // the body is over the size limit
	KindUnsupported  Kind = "unsupported"  // the body is not of a type accepted there
)

// Error is an application error: a kind, a stable snake_case code for API clients, a
// human message safe to show, and the wrapped cause for logs.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Err     error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap exposes the cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an application error wrapping cause (which may be nil).
func Errorf(kind Kind, code string, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// ErrorKind returns the kind of the first application error in err's chain, and
// KindInternal for anything else: an unclassified error is a bug until proven otherwise.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err carries the given kind.
func IsKind(err error, k Kind) bool { return err != nil && ErrorKind(err) == k }

// Common errors, used by ports to say what went wrong in a way use cases can match.
var (
	// ErrNotFound is returned by ports when a lookup finds nothing.
	ErrNotFound = &Error{Kind: KindNotFound, Code: "not_found", Message: "not found"}
	// ErrConflict is returned by ports when a unique key is already taken.
	ErrConflict = &Error{Kind: KindConflict, Code: "conflict", Message: "already exists"}
	// ErrUnauthenticated means the caller has no session.
	ErrUnauthenticated = &Error{Kind: KindUnauthorized, Code: "unauthenticated", Message: "login required"}
)

// NotFound wraps ErrNotFound with what was looked for.
func NotFound(what string, cause error) error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: what + " not found", Err: cause}
}

// Conflict wraps ErrConflict with what collided.
func Conflict(what string, cause error) error {
	return &Error{Kind: KindConflict, Code: "conflict", Message: what + " already exists", Err: cause}
}

// Is makes every error of a kind match the bare sentinel of that kind (one with no
// cause), so that errors.Is(err, ErrNotFound) holds for any not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Err == nil && t.Kind == e.Kind && t.Code == e.Code
}
