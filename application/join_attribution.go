package application

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/wxinvite/wxinvite/domain"
)

// The parts of Join that find who sent a person and ask the domain whether that
// makes an invite.

// invite asks the domain whether this contact makes u someone's invitee. It returns
// the invite to record, or nil with the reason set on res when there is none.
func (s *JoinService) invite(res *JoinResult, a domain.Attribution, inviter domain.User, found bool, u domain.User, isNew bool) (*domain.Invite, error) {
	switch {
	case a.IsZero():
		res.NoInvite = ReasonNoAttribution
		return nil, nil
	case !found:
		res.NoInvite = ReasonUnknownCode
		return nil, nil
	}
	inv, err := domain.NewInvite(inviter, u, isNew, a, s.clock.Now())
	switch {
	case errors.Is(err, domain.ErrSelfInvite):
		res.NoInvite = ReasonSelfInvite
		return nil, nil
	case errors.Is(err, domain.ErrNotNewUser):
		res.NoInvite = ReasonNotNew
		return nil, nil
	case err != nil:
		return nil, Errorf(KindInvalid, "invalid_invite", err, "the invite is not valid")
	}
	return &inv, nil
}

// resolveInviter finds the user an attribution names; ok is false when it names nobody.
func (s *JoinService) resolveInviter(ctx context.Context, a domain.Attribution) (domain.User, bool, error) {
	if a.IsZero() {
		return domain.User{}, false, nil
	}
	code := a.InviteCode()
	now := s.clock.Now()
	if inviter, ok := s.inviters.get(code, now); ok {
		return inviter, true, nil
	}
	inviter, err := s.users.ByInviteCode(ctx, code)
	if errors.Is(err, ErrNotFound) {
		return domain.User{}, false, nil
	}
	if err != nil {
		return domain.User{}, false, fmt.Errorf("join: find inviter: %w", err)
	}
	s.inviters.put(code, inviter, now)
	return inviter, true, nil
}

// loadInvite fills the invite and inviter of a replayed result from the store.
func (s *JoinService) loadInvite(ctx context.Context, res *JoinResult) error {
	inv, err := s.invites.ByInvitee(ctx, res.User.ID)
	if errors.Is(err, ErrNotFound) {
		res.NoInvite = ReasonNoAttribution
		return nil
	}
	if err != nil {
		return fmt.Errorf("join: load invite: %w", err)
	}
	inviter, err := s.users.ByID(ctx, inv.InviterID)
	if err != nil {
		return fmt.Errorf("join: load inviter: %w", err)
	}
	res.Invite, res.Inviter, res.Channel = &inv, &inviter, inv.Channel
	return nil
}

func (s *JoinService) newInviteCode() (string, error) {
	b := make([]byte, domain.InviteCodeBytes)
	if _, err := io.ReadFull(s.random, b); err != nil {
		return "", Errorf(KindInternal, "random_failed", err, "cannot generate an invite code")
	}
	return domain.NewInviteCode(b)
}
