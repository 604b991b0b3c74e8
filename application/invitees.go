package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// InviteesQuery lists the people a user brought.
type InviteesQuery struct {
	invites InviteRepository
}

// NewInviteesQuery builds the query.
func NewInviteesQuery(invites InviteRepository) *InviteesQuery {
	return &InviteesQuery{invites: invites}
}

// Invitees returns one page of the user's invitees, newest first, and the cursor of
// the next page (zero at the end).
func (q *InviteesQuery) Invitees(ctx context.Context, inviter domain.UserID, page Page) ([]Invitee, Cursor, error) {
	items, next, err := q.invites.Invitees(ctx, inviter, page)
	if err != nil {
		return nil, Cursor{}, fmt.Errorf("invitees: %w", err)
	}
	return items, next, nil
}
