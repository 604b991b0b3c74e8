package application_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wxinvite/wxinvite/application"
)

func TestErrorsMatchSentinels(t *testing.T) {
	t.Parallel()
	cause := errors.New("sql: no rows")
	nf := application.NotFound("user", cause)
	cf := application.Conflict("user with this openid", nil)
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"not found is ErrNotFound", nf, application.ErrNotFound, true},
		{"not found without cause", application.NotFound("x", nil), application.ErrNotFound, true},
		{"not found keeps cause", nf, cause, true},
		{"not found is not conflict", nf, application.ErrConflict, false},
		{"conflict is ErrConflict", cf, application.ErrConflict, true},
		{"conflict is not not found", cf, application.ErrNotFound, false},
		{"wrapped not found", fmt.Errorf("me: %w", nf), application.ErrNotFound, true},
		{"doubly wrapped conflict", fmt.Errorf("a: %w", fmt.Errorf("b: %w", cf)), application.ErrConflict, true},
		{"sentinel is itself", application.ErrNotFound, application.ErrNotFound, true},
		{"unauthenticated is not not found", application.ErrUnauthenticated, application.ErrNotFound, false},
		{"plain error", errors.New("not found"), application.ErrNotFound, false},
		// A specific error is not a sentinel for a generic one of the same kind.
		{"ErrNotFound is not a specific not found", application.ErrNotFound, nf, false},
		{"other code same kind", application.Errorf(application.KindNotFound, "no_such_page", nil, "gone"), application.ErrNotFound, false},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, tt.target); got != tt.want {
			t.Errorf("%s: errors.Is = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestErrorKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want application.Kind
	}{
		{"nil", nil, application.KindInternal},
		{"plain", errors.New("boom"), application.KindInternal},
		{"not found", application.NotFound("x", nil), application.KindNotFound},
		{"conflict", application.Conflict("x", nil), application.KindConflict},
		{"wrapped", fmt.Errorf("ctx: %w", application.Errorf(application.KindUnavailable, "down", nil, "down")), application.KindUnavailable},
		{"outermost wins", application.Errorf(application.KindUnavailable, "join_contention", application.Conflict("x", nil), "busy"), application.KindUnavailable},
		{"unauthenticated", application.ErrUnauthenticated, application.KindUnauthorized},
	}
	for _, tt := range tests {
		if got := application.ErrorKind(tt.err); got != tt.want {
			t.Errorf("%s: ErrorKind = %s, want %s", tt.name, got, tt.want)
		}
	}
	if application.IsKind(nil, application.KindInternal) {
		t.Error("IsKind(nil, internal) = true")
	}
	if !application.IsKind(errors.New("x"), application.KindInternal) {
		t.Error("IsKind(plain, internal) = false")
	}
	if !application.IsKind(fmt.Errorf("w: %w", application.Conflict("x", nil)), application.KindConflict) {
		t.Error("IsKind(wrapped conflict) = false")
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	e := application.Errorf(application.KindInvalid, "invalid_limit", nil, "limit must be between 1 and %d", 100)
	if e.Error() != "invalid_limit: limit must be between 1 and 100" || e.Message != "limit must be between 1 and 100" {
		t.Errorf("Error() = %q", e.Error())
	}
	w := application.NotFound("user", errors.New("no rows"))
	if w.Error() != "not_found: user not found: no rows" {
		t.Errorf("Error() = %q", w.Error())
	}
	var ae *application.Error
	if !errors.As(fmt.Errorf("x: %w", w), &ae) || ae.Kind != application.KindNotFound || ae.Code != "not_found" {
		t.Errorf("errors.As = %+v", ae)
	}
}
