package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// CreateCampaignService lets an operator set up a campaign.
type CreateCampaignService struct {
	repo      CampaignRepository
	directory *CampaignDirectory
	clock     Clock
}

// NewCreateCampaignService builds the use case.
func NewCreateCampaignService(repo CampaignRepository, directory *CampaignDirectory, clock Clock) *CreateCampaignService {
	return &CreateCampaignService{repo: repo, directory: directory, clock: clock}
}

// Create validates c (defaults filled, tiers numbered by the caller) and stores it.
// A broken rule is KindInvalid naming the field; a window overlapping another
// campaign's is KindConflict (campaign_overlap).
func (s *CreateCampaignService) Create(ctx context.Context, c domain.Campaign) (domain.Campaign, error) {
	c.ID = 0
	c.CreatedAt = s.clock.Now()
	c, err := c.Normalize()
	if err != nil {
		return domain.Campaign{}, campaignError(err)
	}
	var created domain.Campaign
	err = writeCampaigns(ctx, s.repo, func(all []domain.Campaign, rev int64) error {
		if err := checkOverlap(c, all); err != nil {
			return campaignError(err)
		}
		var err error
		created, err = s.repo.Create(ctx, c, rev)
		return err
	})
	if err != nil {
		return domain.Campaign{}, fmt.Errorf("create campaign: %w", err)
	}
	s.directory.Invalidate()
	return created, nil
}
