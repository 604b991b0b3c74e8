package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// FulfilRewardService records that an operator handed a reward over.
type FulfilRewardService struct {
	grants GrantRepository
	clock  Clock
}

// NewFulfilRewardService builds the use case.
func NewFulfilRewardService(grants GrantRepository, clock Clock) *FulfilRewardService {
	return &FulfilRewardService{grants: grants, clock: clock}
}

// Fulfil marks the grant fulfilled and returns it. Fulfilling twice is harmless;
// an out_of_stock grant is KindConflict (not_fulfillable); ErrNotFound when none.
func (s *FulfilRewardService) Fulfil(ctx context.Context, id domain.GrantID) (domain.Grant, error) {
	for range maxTransitionAttempts {
		g, err := s.grants.ByID(ctx, id)
		if err != nil {
			return domain.Grant{}, fmt.Errorf("fulfil: %w", err)
		}
		to, changed, err := g.Fulfil(s.clock.Now())
		if err != nil {
			return domain.Grant{}, Errorf(KindConflict, "not_fulfillable", err, "a reward that was out of stock cannot be fulfilled")
		}
		if !changed {
			return g, nil
		}
		won, err := s.grants.Fulfil(ctx, id, to.FulfilledAt)
		if err != nil {
			return domain.Grant{}, fmt.Errorf("fulfil: %w", err)
		}
		if won {
			return to, nil
		}
	}
	return domain.Grant{}, Errorf(KindUnavailable, "grant_contention", nil, "the reward kept changing; try again")
}
