package application

import (
	"context"
	"errors"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// FulfilRewardService records that an operator handed a reward over.
type FulfilRewardService struct {
	grants GrantRepository
	users  UserRepository
	clock  Clock
}

// NewFulfilRewardService builds the use case.
func NewFulfilRewardService(grants GrantRepository, users UserRepository, clock Clock) *FulfilRewardService {
	return &FulfilRewardService{grants: grants, users: users, clock: clock}
}

// Fulfil marks the grant fulfilled and returns it with its user's name. Fulfilling
// twice is harmless; an out_of_stock grant is KindConflict (not_fulfillable);
// ErrNotFound when there is no such grant.
func (s *FulfilRewardService) Fulfil(ctx context.Context, id domain.GrantID) (GrantRecord, error) {
	for range maxTransitionAttempts {
		g, err := s.grants.ByID(ctx, id)
		if err != nil {
			return GrantRecord{}, fmt.Errorf("fulfil: %w", err)
		}
		to, changed, err := g.Fulfil(s.clock.Now())
		if err != nil {
			return GrantRecord{}, Errorf(KindConflict, "not_fulfillable", err, "a reward that was out of stock cannot be fulfilled")
		}
		if changed {
			won, err := s.grants.Fulfil(ctx, id, to.FulfilledAt)
			if err != nil {
				return GrantRecord{}, fmt.Errorf("fulfil: %w", err)
			}
			if !won {
				continue // changed meanwhile: look again
			}
		}
		rec := GrantRecord{Grant: to}
		u, err := s.users.ByID(ctx, to.UserID)
		switch {
		case err == nil:
			rec.OpenID, rec.Nickname = u.OpenID, u.Nickname
		case !errors.Is(err, ErrNotFound):
			return GrantRecord{}, fmt.Errorf("fulfil: user: %w", err)
		}
		return rec, nil
	}
	return GrantRecord{}, Errorf(KindUnavailable, "grant_contention", nil, "the reward kept changing; try again")
}
