package httpadapter

import (
	"context"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

type nextTierJSON struct {
	Tier      int    `json:"tier"`
	Threshold int    `json:"threshold"`
	Reward    string `json:"reward"`
}

type myRewardJSON struct {
	Tier   int     `json:"tier"`
	Reward string  `json:"reward"`
	Status string  `json:"status"`
	Code   *string `json:"code"`
	URL    string  `json:"url"`
}

// myCampaignJSON is the "campaign" block of /api/me.
type myCampaignJSON struct {
	ID        int64          `json:"id"`
	Name      string         `json:"name"`
	EndsAt    *string        `json:"ends_at"`
	Qualified int            `json:"qualified"`
	Pending   int            `json:"pending"`
	NextTier  *nextTierJSON  `json:"next_tier"`
	Rewards   []myRewardJSON `json:"rewards"`
}

func toMyCampaignJSON(m *application.MyCampaign) *myCampaignJSON {
	if m == nil {
		return nil
	}
	c := m.Campaign
	out := &myCampaignJSON{ID: int64(c.ID), Name: c.Name, Qualified: m.Qualified, Pending: m.Pending, Rewards: make([]myRewardJSON, 0, len(m.Rewards))}
	if !c.EndsAt.IsZero() {
		e := apiTime(c.EndsAt)
		out.EndsAt = &e
	}
	if t := m.NextTier; t != nil {
		out.NextTier = &nextTierJSON{Tier: t.Tier, Threshold: t.Threshold, Reward: t.Reward}
	}
	for _, g := range m.Rewards {
		r := myRewardJSON{Tier: g.Tier, Reward: g.Reward, Status: string(g.Status), URL: g.URL}
		if g.Code != "" {
			code := g.Code
			r.Code = &code
		}
		out.Rewards = append(out.Rewards, r)
	}
	return out
}

// myCampaign reads the caller's campaign block; nil when no campaign runs or the
// campaign services are not wired.
func (s *server) myCampaign(ctx context.Context, id domain.UserID) (*myCampaignJSON, error) {
	if s.svc.Campaigns.Mine == nil {
		return nil, nil
	}
	m, err := s.svc.Campaigns.Mine.MyCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	return toMyCampaignJSON(m), nil
}
