package bootstrap

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/wxinvite/wxinvite/application"
)

// StartupLine turns a failed start into the line an operator reads: the variable
// to fix and the cause, without the dependency-injection path fx wraps around it
// ("could not build arguments for function …"). Several invalid variables (as
// LoadConfig reports them, joined) give one line each.
func StartupLine(err error) string {
	if err == nil {
		return ""
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, e := range j.Unwrap() {
			lines = append(lines, StartupLine(e))
		}
		return strings.Join(lines, "\n")
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		return ce.Var + ": " + message(ce.Err, false)
	}
	return message(err, true)
}

// message is an application error's own message (not its cause chain); else the
// error's text, or with root the innermost cause's (fx wraps the cause in its
// dependency path).
func message(err error, root bool) string {
	var ae *application.Error
	if errors.As(err, &ae) && ae.Message != "" {
		return ae.Message
	}
	for root {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// listenError explains why the listen address cannot be bound.
func listenError(addr string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("%s is in use (another wxinvite, or another program, listens there)", addr)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%s needs more privileges (ports below 1024 are reserved)", addr)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return fmt.Errorf("%s is not an address of this machine", addr)
	}
	return fmt.Errorf("cannot listen on %s: %w", addr, err)
}

// aesKeyError says what is wrong with an EncodingAESKey: its length, or the first
// character that is not a letter or digit (the console copy sometimes picks up a
// space or a trailing '=').
func aesKeyError(key string) error {
	if n := utf8.RuneCountInString(key); n != 43 {
		return fmt.Errorf("must be 43 letters or digits, got %d characters", n)
	}
	for i, r := range []rune(key) {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Errorf("must be 43 letters or digits: character %d is %q", i+1, r)
		}
	}
	return errors.New("must be 43 letters or digits")
}
