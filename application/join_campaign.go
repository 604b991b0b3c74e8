package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// joinCampaigns is what Join needs to know about campaigns: which one runs (a new
// invite belongs to it and starts pending) and how a follow starts a hold.
type joinCampaigns struct {
	directory *CampaignDirectory
	follows   *InviteFollowEvents
}

// WithCampaigns makes Join campaign-aware: an invite recorded while a campaign runs
// belongs to it and starts pending (its hold from the follow on the scan path), and
// a follow by an already known invitee (a link invitee following later) starts the
// hold. Call it once, before the service is used.
func (s *JoinService) WithCampaigns(directory *CampaignDirectory, follows *InviteFollowEvents) *JoinService {
	s.campaigns = joinCampaigns{directory: directory, follows: follows}
	return s
}

// runningCampaign is the campaign running now; the zero campaign when none does (or
// Join is not campaign-aware), which Enrol takes as "counted".
func (s *JoinService) runningCampaign(ctx context.Context) (domain.Campaign, error) {
	if s.campaigns.directory == nil {
		return domain.Campaign{}, nil
	}
	c, ok, err := s.campaigns.directory.RunningAt(ctx, s.clock.Now())
	if err != nil {
		return domain.Campaign{}, fmt.Errorf("join: %w", err)
	}
	if !ok {
		return domain.Campaign{}, nil
	}
	return c, nil
}

// startHold starts the hold of u's pending invite at the follow event that set u's
// current follow state. It runs whenever a follow event leaves u following, not only
// when that event changed the state: a retry of a delivery whose first attempt set
// the state but failed before this step must still start the hold. Starting a hold
// that has started, or of an invite that is no longer pending, changes nothing.
func (s *JoinService) startHold(ctx context.Context, u domain.User) error {
	if s.campaigns.follows == nil || u.FollowEventAt.IsZero() {
		return nil
	}
	if err := s.campaigns.follows.Followed(ctx, u.ID, u.FollowEventAt); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	return nil
}
