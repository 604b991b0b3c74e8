package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// CampaignQuery reads campaigns for operators, straight from the store (fresh stock).
type CampaignQuery struct {
	repo CampaignRepository
}

// NewCampaignQuery builds the query.
func NewCampaignQuery(repo CampaignRepository) *CampaignQuery {
	return &CampaignQuery{repo: repo}
}

// List returns every campaign, latest start first.
func (q *CampaignQuery) List(ctx context.Context) ([]domain.Campaign, error) {
	all, _, err := q.repo.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	return all, nil
}

// Get returns one campaign; ErrNotFound when none.
func (q *CampaignQuery) Get(ctx context.Context, id domain.CampaignID) (domain.Campaign, error) {
	c, err := q.repo.ByID(ctx, id)
	if err != nil {
		return domain.Campaign{}, fmt.Errorf("campaign: %w", err)
	}
	return c, nil
}
