package application

import (
	"context"
	"errors"
	"fmt"
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
	u, err := s.users.ByOpenID(ctx, openID)
	if err != nil {
		return fmt.Errorf("enrich profile: %w", err)
	}
	if !u.ApplyProfile(f.Profile) {
		return nil
	}
	if err := s.users.UpdateProfile(ctx, u); err != nil && !errors.Is(err, ErrConflict) {
		return fmt.Errorf("enrich profile: %w", err)
	}
	return nil
}
