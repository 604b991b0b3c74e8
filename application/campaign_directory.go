package application

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// campaignDirectoryTTL is how long an instance trusts its copy of the campaign list.
// Every Join asks "which campaign runs now?"; the answer is computed from the cached
// windows at the exact instant, so only an operator's edit can be seen late, by at
// most this long.
const campaignDirectoryTTL = 2 * time.Second

// CampaignDirectory answers "which campaign runs now" and "what are campaign N's
// rules" from a briefly cached copy of the campaign list (campaigns are few and
// change rarely), so the scan path does not pay a query per friend.
type CampaignDirectory struct {
	repo  CampaignRepository
	clock Clock
	ttl   time.Duration

	mu      sync.Mutex
	list    []domain.Campaign
	expires time.Time
	loads   flight[[]domain.Campaign]
}

// NewCampaignDirectory builds the directory.
func NewCampaignDirectory(repo CampaignRepository, clock Clock) *CampaignDirectory {
	return &CampaignDirectory{repo: repo, clock: clock, ttl: campaignDirectoryTTL}
}

// all returns the cached list, reloading it when it is older than the TTL.
func (d *CampaignDirectory) all(ctx context.Context) ([]domain.Campaign, error) {
	now := d.clock.Now()
	d.mu.Lock()
	if now.Before(d.expires) {
		list := d.list
		d.mu.Unlock()
		return list, nil
	}
	d.mu.Unlock()
	return d.loads.do("all", func() ([]domain.Campaign, error) {
		list, _, err := d.repo.All(ctx)
		if err != nil {
			return nil, fmt.Errorf("campaigns: %w", err)
		}
		d.mu.Lock()
		d.list, d.expires = list, now.Add(d.ttl)
		d.mu.Unlock()
		return list, nil
	})
}

// Invalidate drops the cached list, after this instance changed a campaign.
func (d *CampaignDirectory) Invalidate() {
	d.mu.Lock()
	d.expires = time.Time{}
	d.mu.Unlock()
}

// RunningAt returns the campaign running at the instant at; ok is false when none does.
func (d *CampaignDirectory) RunningAt(ctx context.Context, at time.Time) (domain.Campaign, bool, error) {
	list, err := d.all(ctx)
	if err != nil {
		return domain.Campaign{}, false, err
	}
	for _, c := range list {
		if c.RunningAt(at) {
			return c, true, nil
		}
	}
	return domain.Campaign{}, false, nil
}

// ByID returns a campaign's rules; ErrNotFound when there is no such campaign.
func (d *CampaignDirectory) ByID(ctx context.Context, id domain.CampaignID) (domain.Campaign, error) {
	list, err := d.all(ctx)
	if err != nil {
		return domain.Campaign{}, err
	}
	for _, c := range list {
		if c.ID == id {
			return c, nil
		}
	}
	// Created on another instance since the copy was made: ask the store.
	c, err := d.repo.ByID(ctx, id)
	if err != nil {
		return domain.Campaign{}, fmt.Errorf("campaign %d: %w", id, err)
	}
	return c, nil
}
