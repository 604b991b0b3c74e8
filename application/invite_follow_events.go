package application

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// maxTransitionAttempts bounds the re-reads when another instance changed the same
// invite between our read and our compare-and-swap.
const maxTransitionAttempts = 4

// RevokedObserver hears every invite this instance revoked, after it committed.
type RevokedObserver interface {
	Revoked(inv domain.Invite)
}

// InviteFollowEvents applies an invitee's follow and unfollow to the invite that
// brought them: a follow starts a link invitee's hold, an unfollow revokes under the
// campaign's rules. Callers pass the event's own time and call only for events that
// changed the follow state (an older event than the last applied one does not), so
// the outcome follows the events' order, not their arrival.
type InviteFollowEvents struct {
	invites   InviteRepository
	lifecycle InviteLifecycleRepository
	directory *CampaignDirectory
	observers []RevokedObserver
}

// NewInviteFollowEvents builds the use case.
func NewInviteFollowEvents(invites InviteRepository, lifecycle InviteLifecycleRepository, directory *CampaignDirectory, observers ...RevokedObserver) *InviteFollowEvents {
	return &InviteFollowEvents{invites: invites, lifecycle: lifecycle, directory: directory, observers: observers}
}

// Followed starts the hold of the invitee's pending invite at the follow's time.
// Re-following after a revoke, or a second follow, changes nothing.
func (s *InviteFollowEvents) Followed(ctx context.Context, invitee domain.UserID, at time.Time) error {
	return s.apply(ctx, invitee, "follow", func(inv domain.Invite, c domain.Campaign) (domain.Invite, bool) {
		return inv.StartHold(at, c.Hold)
	})
}

// Unfollowed applies an unfollow at the event's time to the invitee's invite.
func (s *InviteFollowEvents) Unfollowed(ctx context.Context, invitee domain.UserID, at time.Time) error {
	return s.apply(ctx, invitee, "unfollow", func(inv domain.Invite, c domain.Campaign) (domain.Invite, bool) {
		return inv.Unfollow(at, c)
	})
}

// apply reads the invite, computes the transition and stores it by compare-and-swap,
// re-reading when another writer got there first.
func (s *InviteFollowEvents) apply(ctx context.Context, invitee domain.UserID, what string, step func(domain.Invite, domain.Campaign) (domain.Invite, bool)) error {
	for range maxTransitionAttempts {
		inv, err := s.invites.ByInvitee(ctx, invitee)
		if errors.Is(err, ErrNotFound) {
			return nil // nobody invited this person
		}
		if err != nil {
			return fmt.Errorf("%s: invite: %w", what, err)
		}
		if inv.CampaignID == 0 || (inv.Status != domain.InvitePending && inv.Status != domain.InviteQualified) {
			return nil
		}
		c, err := s.directory.ByID(ctx, inv.CampaignID)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		to, changed := step(inv, c)
		if !changed {
			return nil
		}
		won, err := s.lifecycle.Transition(ctx, inv, to)
		if err != nil {
			return fmt.Errorf("%s: invite %d: %w", what, inv.ID, err)
		}
		if won {
			if to.Status == domain.InviteRevoked {
				for _, o := range s.observers {
					o.Revoked(to)
				}
			}
			return nil
		}
	}
	return Errorf(KindUnavailable, "invite_contention", nil, "the invite kept changing; try again")
}
