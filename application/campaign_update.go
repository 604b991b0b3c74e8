package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// UpdateCampaignService lets an operator change a campaign (PATCH).
type UpdateCampaignService struct {
	repo      CampaignRepository
	directory *CampaignDirectory
}

// NewUpdateCampaignService builds the use case.
func NewUpdateCampaignService(repo CampaignRepository, directory *CampaignDirectory) *UpdateCampaignService {
	return &UpdateCampaignService{repo: repo, directory: directory}
}

// Update applies change to the stored campaign and stores the result under the same
// rules as Create. change may run more than once (after a concurrent write it is
// applied to the fresh copy), so it must only edit the campaign it is given.
// ErrNotFound when there is no such campaign.
func (s *UpdateCampaignService) Update(ctx context.Context, id domain.CampaignID, change func(c *domain.Campaign) error) (domain.Campaign, error) {
	var updated domain.Campaign
	err := writeCampaigns(ctx, s.repo, func(all []domain.Campaign, rev int64) error {
		var cur *domain.Campaign
		for i := range all {
			if all[i].ID == id {
				cur = &all[i]
			}
		}
		if cur == nil {
			return NotFound("campaign", nil)
		}
		c := *cur
		c.Tiers = append([]domain.Tier(nil), cur.Tiers...)
		if err := change(&c); err != nil {
			return err
		}
		c.ID, c.CreatedAt = cur.ID, cur.CreatedAt
		c, err := c.Normalize()
		if err != nil {
			return campaignError(err)
		}
		if err := checkOverlap(c, all); err != nil {
			return campaignError(err)
		}
		if err := s.repo.Update(ctx, c, rev); err != nil {
			return err
		}
		updated = c
		return nil
	})
	if err != nil {
		return domain.Campaign{}, fmt.Errorf("update campaign: %w", err)
	}
	s.directory.Invalidate()
	return s.reload(ctx, updated)
}

// reload reads the stored campaign back so the caller sees the remaining stock the
// store computed.
func (s *UpdateCampaignService) reload(ctx context.Context, c domain.Campaign) (domain.Campaign, error) {
	got, err := s.repo.ByID(ctx, c.ID)
	if err != nil {
		return c, nil // the write succeeded; a failed re-read only costs freshness
	}
	return got, nil
}
