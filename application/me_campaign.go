package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// MyCampaign is what the personal centre shows about the running campaign.
type MyCampaign struct {
	Campaign  domain.Campaign
	Qualified int
	Pending   int
	NextTier  *domain.Tier // nil when every tier is reached
	Rewards   []domain.Grant
}

// MyCampaignQuery reads a user's progress in the running campaign.
type MyCampaignQuery struct {
	directory *CampaignDirectory
	invites   InviteLifecycleRepository
	grants    GrantRepository
	clock     Clock
}

// NewMyCampaignQuery builds the query.
func NewMyCampaignQuery(directory *CampaignDirectory, invites InviteLifecycleRepository, grants GrantRepository, clock Clock) *MyCampaignQuery {
	return &MyCampaignQuery{directory: directory, invites: invites, grants: grants, clock: clock}
}

// MyCampaign returns the user's standing in the campaign running now; nil when no
// campaign runs. Counts are as of now: an invite whose hold ended is qualified.
func (q *MyCampaignQuery) MyCampaign(ctx context.Context, user domain.UserID) (*MyCampaign, error) {
	now := q.clock.Now()
	c, ok, err := q.directory.RunningAt(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("my campaign: %w", err)
	}
	if !ok {
		return nil, nil
	}
	counts, err := q.invites.InviterCounts(ctx, user, c.ID, now)
	if err != nil {
		return nil, fmt.Errorf("my campaign: counts: %w", err)
	}
	m := &MyCampaign{Campaign: c, Qualified: counts.Qualified, Pending: counts.Pending}
	if t, ok := c.NextTier(counts.Qualified); ok {
		m.NextTier = &t
	}
	if m.Rewards, err = q.grants.ByUser(ctx, user, c.ID); err != nil {
		return nil, fmt.Errorf("my campaign: rewards: %w", err)
	}
	return m, nil
}
