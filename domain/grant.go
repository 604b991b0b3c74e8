package domain

import "time"

// GrantID identifies a reward grant.
type GrantID int64

// GrantStatus is where a reward grant stands.
type GrantStatus string

// A grant is made once per (user, campaign, tier): granted while stock lasts, else
// recorded as out_of_stock; an operator marks a granted reward fulfilled.
const (
	GrantGranted    GrantStatus = "granted"
	GrantOutOfStock GrantStatus = "out_of_stock"
	GrantFulfilled  GrantStatus = "fulfilled"
)

// Grant is a reward a user earned by reaching a tier of a campaign.
type Grant struct {
	ID         GrantID
	UserID     UserID
	CampaignID CampaignID
	Tier       int
	Reward     string
	URL        string
	Status     GrantStatus
	// Code is the redeem code claimed for this grant; empty when the tier has none.
	Code        string
	GrantedAt   time.Time
	FulfilledAt time.Time
}

// NewGrant is the grant of tier t of campaign c to user at the instant at, before
// stock is taken: granted, to be turned out_of_stock when no stock is left.
func NewGrant(user UserID, c Campaign, t Tier, at time.Time) Grant {
	return Grant{UserID: user, CampaignID: c.ID, Tier: t.Tier, Reward: t.Reward, URL: t.URL, Status: GrantGranted, GrantedAt: at}
}

// Fulfil marks a granted reward as handed over at the instant at. Fulfilling twice
// changes nothing; an out_of_stock grant cannot be fulfilled. It reports whether
// the grant changed.
func (g Grant) Fulfil(at time.Time) (Grant, bool, error) {
	switch g.Status {
	case GrantFulfilled:
		return g, false, nil
	case GrantGranted:
		g.Status = GrantFulfilled
		g.FulfilledAt = at
		return g, true, nil
	}
	return g, false, ErrNotFulfillable
}
