package application

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// DefaultTimeZone is where "a day" is, unless configured (WXINVITE_TIMEZONE).
const DefaultTimeZone = "Asia/Shanghai"

// CampaignStats is a campaign at a glance.
type CampaignStats struct {
	Participants int
	Invites      InviteCounts
	Granted      int
	OutOfStock   int
	ByDay        []DayStats
}

// DayStats counts what happened on one local day: invites recorded by channel, and
// invites that qualified or were revoked that day.
type DayStats struct {
	Date      string // YYYY-MM-DD in the configured time zone
	Scan      int
	Link      int
	Qualified int
	Revoked   int
}

// CampaignStatsQuery computes a campaign's stats from the records themselves.
type CampaignStatsQuery struct {
	campaigns CampaignRepository
	invites   InviteLifecycleRepository
	grants    GrantRepository
	clock     Clock
	loc       *time.Location
}

// NewCampaignStatsQuery builds the query; days are cut in loc (nil: UTC).
func NewCampaignStatsQuery(campaigns CampaignRepository, invites InviteLifecycleRepository, grants GrantRepository, clock Clock, loc *time.Location) *CampaignStatsQuery {
	if loc == nil {
		loc = time.UTC
	}
	return &CampaignStatsQuery{campaigns: campaigns, invites: invites, grants: grants, clock: clock, loc: loc}
}

// Stats returns the campaign's counts as of now and its days, oldest first.
// ErrNotFound when there is no such campaign.
func (q *CampaignStatsQuery) Stats(ctx context.Context, id domain.CampaignID) (CampaignStats, error) {
	if _, err := q.campaigns.ByID(ctx, id); err != nil {
		return CampaignStats{}, fmt.Errorf("campaign stats: %w", err)
	}
	now := q.clock.Now()
	var st CampaignStats
	var err error
	if st.Invites, st.Participants, err = q.invites.CampaignCounts(ctx, id, now); err != nil {
		return CampaignStats{}, fmt.Errorf("campaign stats: invites: %w", err)
	}
	if st.Granted, st.OutOfStock, err = q.grants.Counts(ctx, id); err != nil {
		return CampaignStats{}, fmt.Errorf("campaign stats: grants: %w", err)
	}
	act, err := q.invites.CampaignActivity(ctx, id, now)
	if err != nil {
		return CampaignStats{}, fmt.Errorf("campaign stats: days: %w", err)
	}
	days := map[string]*DayStats{}
	day := func(t time.Time) *DayStats {
		k := t.In(q.loc).Format(time.DateOnly)
		d, ok := days[k]
		if !ok {
			d = &DayStats{Date: k}
			days[k] = d
		}
		return d
	}
	for _, b := range act.Created {
		if b.Channel == domain.ChannelScan {
			day(b.Start).Scan += b.Count
		} else {
			day(b.Start).Link += b.Count
		}
	}
	// As of now (domain.Invite.AsOf), a pending invite whose hold has ended qualified
	// when the hold ended.
	for _, list := range [][]ActivityBucket{act.Qualified, act.HoldsEnded} {
		for _, b := range list {
			day(b.Start).Qualified += b.Count
		}
	}
	for _, b := range act.Revoked {
		day(b.Start).Revoked += b.Count
	}
	for _, d := range days {
		st.ByDay = append(st.ByDay, *d)
	}
	sort.Slice(st.ByDay, func(i, j int) bool { return st.ByDay[i].Date < st.ByDay[j].Date })
	return st, nil
}
