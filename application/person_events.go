package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// PersonEventsLimit bounds one person's trail as shown; a person has a handful of
// contacts and outcomes, so this is a guard, not a page size.
const PersonEventsLimit = 1000

// PersonEventsQuery reads one person's audit trail for operators.
type PersonEventsQuery struct {
	users UserRepository
	audit AuditLog
}

// NewPersonEventsQuery builds the query.
func NewPersonEventsQuery(users UserRepository, audit AuditLog) *PersonEventsQuery {
	return &PersonEventsQuery{users: users, audit: audit}
}

// Events returns the person's events oldest first; ErrNotFound for an unknown person.
func (q *PersonEventsQuery) Events(ctx context.Context, id domain.UserID) ([]domain.AuditEvent, error) {
	if _, err := q.users.ByID(ctx, id); err != nil {
		return nil, fmt.Errorf("person events: %w", err)
	}
	events, err := q.audit.ByUser(ctx, id, PersonEventsLimit)
	if err != nil {
		return nil, fmt.Errorf("person events: %w", err)
	}
	return events, nil
}
