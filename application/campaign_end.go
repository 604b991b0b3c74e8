package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// EndCampaignService stops a campaign now (POST …/end).
type EndCampaignService struct {
	update *UpdateCampaignService
	clock  Clock
}

// NewEndCampaignService builds the use case.
func NewEndCampaignService(update *UpdateCampaignService, clock Clock) *EndCampaignService {
	return &EndCampaignService{update: update, clock: clock}
}

// End closes the campaign's window at the current instant: a running campaign
// stops, a scheduled one never runs, an ended one stays as it was.
func (s *EndCampaignService) End(ctx context.Context, id domain.CampaignID) (domain.Campaign, error) {
	now := s.clock.Now()
	c, err := s.update.Update(ctx, id, func(c *domain.Campaign) error {
		*c, _ = c.End(now)
		return nil
	})
	if err != nil {
		return domain.Campaign{}, fmt.Errorf("end campaign: %w", err)
	}
	return c, nil
}
