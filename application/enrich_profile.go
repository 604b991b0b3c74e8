package application

import (
	"context"
	"errors"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// EnrichProfileService completes a scan-path user from user/info after the reply has
// gone out: the push carries only an openid, and WeChat's answer (a unionid at best,
// since nicknames are no longer shared there) must never delay the invite or reply.
type EnrichProfileService struct {
	users     UserRepository
	followers WeChatFollowers
}

// NewEnrichProfileService builds the use case.
func NewEnrichProfileService(users UserRepository, followers WeChatFollowers) *EnrichProfileService {
	return &EnrichProfileService{users: users, followers: followers}
}

// EnrichProfile fetches what WeChat knows of openID and stores what is new. Empty
// values never overwrite known ones.
func (s *EnrichProfileService) EnrichProfile(ctx context.Context, openID string) error {
	f, err := s.followers.Follower(ctx, openID)
	if err != nil {
		return fmt.Errorf("enrich profile: %w", err)
	}
	if f.Profile == (domain.Profile{}) {
		return nil // what WeChat usually says since 2021: nothing to store, no need to read
	}
	u, err := s.users.ByOpenID(ctx, openID)
	if err != nil {
		return fmt.Errorf("enrich profile: %w", err)
	}
	before := u
	if !u.ApplyProfile(f.Profile) {
		return nil
	}
	err = s.users.UpdateProfile(ctx, u)
	if errors.Is(err, ErrConflict) {
		// The unionid belongs to another user; keep the rest of what we learned.
		u.UnionID = before.UnionID
		err = s.users.UpdateProfile(ctx, u)
	}
	if err != nil {
		return fmt.Errorf("enrich profile: %w", err)
	}
	return nil
}
