package application

import (
	"context"
	"fmt"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// retentionAge is how old an invite must be to count in retention_7d.
const retentionAge = 7 * 24 * time.Hour

// CampaignLeaderboardEntry is one inviter's standing in a campaign.
type CampaignLeaderboardEntry struct {
	CampaignLeader
	// Retention7d is the share of the inviter's invitees from at least 7 days ago
	// who still follow; nil when there are none that old.
	Retention7d *float64
}

// CampaignLeaderboardQuery ranks a campaign's inviters.
type CampaignLeaderboardQuery struct {
	campaigns CampaignRepository
	invites   InviteLifecycleRepository
	clock     Clock
}

// NewCampaignLeaderboardQuery builds the query.
func NewCampaignLeaderboardQuery(campaigns CampaignRepository, invites InviteLifecycleRepository, clock Clock) *CampaignLeaderboardQuery {
	return &CampaignLeaderboardQuery{campaigns: campaigns, invites: invites, clock: clock}
}

// Leaderboard returns the top inviters by qualified invites; limit 0 means
// DefaultPageSize, anything outside 1..MaxPageSize is KindInvalid.
func (q *CampaignLeaderboardQuery) Leaderboard(ctx context.Context, id domain.CampaignID, limit int) ([]CampaignLeaderboardEntry, error) {
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 1 || limit > MaxPageSize {
		return nil, Errorf(KindInvalid, "invalid_limit", nil, "limit must be between 1 and %d", MaxPageSize)
	}
	if _, err := q.campaigns.ByID(ctx, id); err != nil {
		return nil, fmt.Errorf("campaign leaderboard: %w", err)
	}
	now := q.clock.Now()
	rows, err := q.invites.CampaignLeaderboard(ctx, id, now, now.Add(-retentionAge), limit)
	if err != nil {
		return nil, fmt.Errorf("campaign leaderboard: %w", err)
	}
	out := make([]CampaignLeaderboardEntry, len(rows))
	for i, r := range rows {
		out[i] = CampaignLeaderboardEntry{CampaignLeader: r}
		if r.OldInvitees > 0 {
			v := float64(r.StillFollowing) / float64(r.OldInvitees)
			out[i].Retention7d = &v
		}
	}
	return out, nil
}
