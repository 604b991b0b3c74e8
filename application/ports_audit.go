package application

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// AuditLog is the append-only audit trail ("why didn't my friend count?"). Rows are
// only ever inserted and, past the retention, deleted: no counter, no update, so
// every instance writes without contending.
type AuditLog interface {
	// Append stores events. Called with a ctx inside a transaction it joins it, so an
	// event commits or rolls back with the change it records. An invalid event is
	// KindInvalid and nothing is stored.
	Append(ctx context.Context, events ...domain.AuditEvent) error
	// ByUser returns the user's events oldest first (time, then insertion order), at
	// most limit of them.
	ByUser(ctx context.Context, user domain.UserID, limit int) ([]domain.AuditEvent, error)
	// Attempts returns the refusals and revocations credited to inviter (events of
	// type invite_refused or invite_revoked whose inviter is inviter), newest first,
	// with the person's nickname, at most limit of them.
	Attempts(ctx context.Context, inviter domain.UserID, limit int) ([]AuditAttempt, error)
	// PruneBefore deletes at most batch events that happened before cutoff and says
	// how many it deleted; a short batch means nothing older is left.
	PruneBefore(ctx context.Context, cutoff time.Time, batch int) (int, error)
}

// AuditAttempt is a refusal or revocation with the nickname of the person it is about.
type AuditAttempt struct {
	Event    domain.AuditEvent
	Nickname string
}

// PeopleDirectory finds people for operators.
type PeopleDirectory interface {
	// SearchPeople returns the users whose openid is q or whose nickname starts with
	// q, at most limit, with who invited each.
	SearchPeople(ctx context.Context, q string, limit int) ([]Person, error)
}

// Person is a user as the admin search shows them.
type Person struct {
	User domain.User
	// InvitedBy is the inviter's id and nickname; zero ID when nobody invited them.
	InvitedByID       domain.UserID
	InvitedByNickname string
}
