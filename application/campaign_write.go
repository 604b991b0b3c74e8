package application

import (
	"context"
	"errors"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// maxCampaignWriteAttempts bounds the re-reads after another operator changed the
// campaign set between our read and our write.
const maxCampaignWriteAttempts = 5

// campaignError turns a domain rule violation into an application error that names
// the field (400) or reports the overlap (409).
func campaignError(err error) error {
	var fe *domain.FieldError
	switch {
	case errors.As(err, &fe):
		return Errorf(KindInvalid, "invalid_campaign", err, "%s %s", fe.Field, fe.Reason)
	case errors.Is(err, domain.ErrCampaignOverlap):
		return Errorf(KindConflict, "campaign_overlap", err, "%v", err)
	}
	return err
}

// checkOverlap refuses c when its window overlaps any other campaign's.
func checkOverlap(c domain.Campaign, all []domain.Campaign) error {
	for _, o := range all {
		if o.ID != c.ID && c.Overlaps(o) {
			return fmt.Errorf("%w: campaign %d %q", domain.ErrCampaignOverlap, o.ID, o.Name)
		}
	}
	return nil
}

// writeCampaigns reads the campaign set, lets step decide and write against the
// revision it read, and starts over when the revision moved (another instance wrote
// meanwhile), so the overlap check always ran against the set the write replaced.
func writeCampaigns(ctx context.Context, repo CampaignRepository, step func(all []domain.Campaign, rev int64) error) error {
	var lastErr error
	for range maxCampaignWriteAttempts {
		all, rev, err := repo.All(ctx)
		if err != nil {
			return fmt.Errorf("campaigns: %w", err)
		}
		err = step(all, rev)
		if err == nil || !errors.Is(err, ErrConflict) {
			return err
		}
		lastErr = err
	}
	return Errorf(KindUnavailable, "campaign_contention", lastErr, "campaigns kept changing; try again")
}
