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
	users    UserRepository
	follows  *InviteFollowEvents // nil: no campaigns
	tx       Transactor
	invites  InviteRepository
	recorder *Recorder
}

// WithCampaigns makes an unfollow revoke the invitee's campaign invite under the
// campaign's rules (see InviteFollowEvents.Unfollowed). Call it once, before use.
func (s *UnfollowService) WithCampaigns(follows *InviteFollowEvents) *UnfollowService {
	s.follows = follows
	return s
}

// SetRecorder makes Unfollow record the unsubscribe in the audit trail and, when
// it changed the follow state, publish user.unfollowed, in one transaction with
// the change.
func (s *UnfollowService) SetRecorder(tx Transactor, invites InviteRepository, r *Recorder) {
	s.tx, s.invites, s.recorder = tx, invites, r
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
	var applied bool
	write := func(ctx context.Context) error {
		var err error
		if applied, err = s.users.SetFollowing(ctx, u.ID, false, at); err != nil {
			return fmt.Errorf("unfollow: %w", err)
		}
		return s.record(ctx, u, applied, at)
	}
	if s.recorder != nil {
		err = s.tx.InTx(ctx, write)
	} else {
		err = write(ctx)
	}
	if err != nil {
		return UnfollowResult{}, err
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

// record writes the unsubscribe contact and, when it applied, user.unfollowed.
func (s *UnfollowService) record(ctx context.Context, u domain.User, applied bool, at time.Time) error {
	if s.recorder == nil {
		return nil
	}
	var rec Record
	rec.Event(domain.AuditEvent{At: at, Type: domain.AuditUnsubscribe, UserID: u.ID})
	want, err := s.recorder.Wants(ctx, domain.EventUserUnfollowed)
	if err != nil {
		return err
	}
	if applied && want {
		u.Following, u.FollowEventAt = false, at
		var invitedBy *domain.User
		if inv, err := s.invites.ByInvitee(ctx, u.ID); err == nil {
			inviter, err := s.users.ByID(ctx, inv.InviterID)
			if err != nil {
				return fmt.Errorf("unfollow: webhook: %w", err)
			}
			invitedBy = &inviter
		} else if !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("unfollow: webhook: %w", err)
		}
		if err := s.recorder.Publish(ctx, &rec, domain.EventUserUnfollowed, at, UserPayloadOf(u, invitedBy)); err != nil {
			return err
		}
	}
	return s.recorder.Write(ctx, rec)
}
