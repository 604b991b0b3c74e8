package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// RewardsQuery lists reward grants for operators, paged or streamed for export.
type RewardsQuery struct {
	grants GrantRepository
}

// NewRewardsQuery builds the query.
func NewRewardsQuery(grants GrantRepository) *RewardsQuery {
	return &RewardsQuery{grants: grants}
}

// validFilter refuses a status that is not one of the three.
func validFilter(f GrantFilter) error {
	switch f.Status {
	case "", domain.GrantGranted, domain.GrantOutOfStock, domain.GrantFulfilled:
		return nil
	}
	return Errorf(KindInvalid, "invalid_status", nil, "status must be granted, out_of_stock or fulfilled")
}

// List returns one page of grants matching f, newest first.
func (q *RewardsQuery) List(ctx context.Context, f GrantFilter, page Page) ([]GrantRecord, Cursor, error) {
	if err := validFilter(f); err != nil {
		return nil, Cursor{}, err
	}
	items, next, err := q.grants.List(ctx, f, page)
	if err != nil {
		return nil, Cursor{}, fmt.Errorf("rewards: %w", err)
	}
	return items, next, nil
}

// Export streams every grant matching f to fn, newest first.
func (q *RewardsQuery) Export(ctx context.Context, f GrantFilter, fn func(GrantRecord) error) error {
	if err := validFilter(f); err != nil {
		return err
	}
	if err := q.grants.Each(ctx, f, fn); err != nil {
		return fmt.Errorf("rewards export: %w", err)
	}
	return nil
}
