package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// PersonRewardsQuery lists what one person has won across campaigns, for the
// console's person page (the rewards listing filters by campaign and status, not
// by person).
type PersonRewardsQuery struct {
	campaigns CampaignRepository
	grants    GrantRepository
}

// NewPersonRewardsQuery builds the query.
func NewPersonRewardsQuery(campaigns CampaignRepository, grants GrantRepository) *PersonRewardsQuery {
	return &PersonRewardsQuery{campaigns: campaigns, grants: grants}
}

// PersonReward is a grant with the name of its campaign.
type PersonReward struct {
	Grant    domain.Grant
	Campaign string
}

// Rewards returns the person's grants, latest campaign first, by tier.
func (q *PersonRewardsQuery) Rewards(ctx context.Context, user domain.UserID) ([]PersonReward, error) {
	all, _, err := q.campaigns.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("person rewards: %w", err)
	}
	var out []PersonReward
	for _, c := range all {
		gs, err := q.grants.ByUser(ctx, user, c.ID)
		if err != nil {
			return nil, fmt.Errorf("person rewards: %w", err)
		}
		for _, g := range gs {
			out = append(out, PersonReward{Grant: g, Campaign: c.Name})
		}
	}
	return out, nil
}
