package application

import (
	"context"
	"errors"
	"fmt"
)

// UnfollowService records that a person stopped following the account. The invite
// that brought them stays: the first inviter remains credited.
type UnfollowService struct {
	users UserRepository
}

// NewUnfollowService builds the use case.
func NewUnfollowService(users UserRepository) *UnfollowService {
	return &UnfollowService{users: users}
}

// Unfollow marks the user as not following. An openid the service never met is not
// an error: WeChat may tell us about followers from before the service existed.
func (s *UnfollowService) Unfollow(ctx context.Context, openID string) error {
	u, err := s.users.ByOpenID(ctx, openID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unfollow: %w", err)
	}
	if !u.Following {
		return nil
	}
	if err := s.users.SetFollowing(ctx, u.ID, false); err != nil {
		return fmt.Errorf("unfollow: %w", err)
	}
	return nil
}
