package application

import (
	"context"
	"errors"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// Me is what the personal centre shows about its owner.
type Me struct {
	User         domain.User
	InvitedBy    *domain.User // nil when nobody invited the user
	InviteeCount int
}

// MeQuery reads the personal centre.
type MeQuery struct {
	users   UserRepository
	invites InviteRepository
}

// NewMeQuery builds the query.
func NewMeQuery(users UserRepository, invites InviteRepository) *MeQuery {
	return &MeQuery{users: users, invites: invites}
}

// Me returns the user, who invited them and how many they invited. ErrNotFound when
// the user no longer exists (a session outliving its user).
func (q *MeQuery) Me(ctx context.Context, id domain.UserID) (Me, error) {
	u, err := q.users.ByID(ctx, id)
	if err != nil {
		return Me{}, fmt.Errorf("me: %w", err)
	}
	m := Me{User: u}
	inv, err := q.invites.ByInvitee(ctx, id)
	switch {
	case err == nil:
		inviter, err := q.users.ByID(ctx, inv.InviterID)
		if err != nil {
			return Me{}, fmt.Errorf("me: inviter: %w", err)
		}
		m.InvitedBy = &inviter
	case !errors.Is(err, ErrNotFound):
		return Me{}, fmt.Errorf("me: invite: %w", err)
	}
	if m.InviteeCount, err = q.invites.CountByInviter(ctx, id); err != nil {
		return Me{}, fmt.Errorf("me: count: %w", err)
	}
	return m, nil
}
