package application

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// UnfollowService records that a person stopped following the account. The invite
// that brought them stays: the first inviter remains credited.
type UnfollowService struct {
	users   UserRepository
	follows *InviteFollowEvents // nil: no campaigns
}

// WithCampaigns makes an unfollow revoke the invitee's campaign invite under the
// campaign's rules (see InviteFollowEvents.Unfollowed). Call it once, before use.
func (s *UnfollowService) WithCampaigns(follows *InviteFollowEvents) *UnfollowService {
	s.follows = follows
	return s
}

// NewUnfollowService builds the use case.
func NewUnfollowService(users UserRepository) *UnfollowService {
	return &UnfollowService{users: users}
}

// UnfollowResult reports what an Unfollow did. Applied tells the callers that act on
// an unfollow (campaigns revoke invites) whether it changed the follow state: a
// stale event (older than the one that last set it), a copy of the event already
// applied, or an openid never met change nothing.
type UnfollowResult struct {
	User    domain.User
	Known   bool
	Applied bool
}

// Unfollow marks the user as not following as of the unsubscribe event at `at`
// (WeChat's CreateTime), unless a newer event already set the follow state. An
// openid the service never met is not an error: WeChat may tell us about followers
// from before the service existed.
func (s *UnfollowService) Unfollow(ctx context.Context, openID string, at time.Time) (UnfollowResult, error) {
	if err := domain.ValidateOpenID(openID); err != nil {
		return UnfollowResult{}, Errorf(KindInvalid, "invalid_openid", err, "the openid is not valid")
	}
	if at.IsZero() {
		return UnfollowResult{}, Errorf(KindInvalid, "invalid_event_time", nil, "an unfollow needs the time of its event")
	}
	u, err := s.users.ByOpenID(ctx, openID)
	if errors.Is(err, ErrNotFound) {
		return UnfollowResult{}, nil
	}
	if err != nil {
		return UnfollowResult{}, fmt.Errorf("unfollow: %w", err)
	}
	// Written even when the user already shows as not following: the event time
	// must be kept, or an older follow arriving late would be taken as newer.
	applied, err := s.users.SetFollowing(ctx, u.ID, false, at)
	if err != nil {
		return UnfollowResult{}, fmt.Errorf("unfollow: %w", err)
	}
	if applied {
		u.Following, u.FollowEventAt = false, at
	}
	// The state is this event's (applied now, or by an earlier copy whose revocation
	// may have failed): apply it to the invite too. Revoking twice changes nothing.
	if s.follows != nil && !u.Following && u.FollowEventAt.Equal(at) {
		if err := s.follows.Unfollowed(ctx, u.ID, at); err != nil {
			return UnfollowResult{}, fmt.Errorf("unfollow: %w", err)
		}
	}
	return UnfollowResult{User: u, Known: true, Applied: applied}, nil
}
