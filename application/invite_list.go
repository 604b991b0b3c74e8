package application

import (
	"context"
	"fmt"
)

// InviteListQuery gives operators every invite, paged or streamed for export.
type InviteListQuery struct {
	invites InviteRepository
}

// NewInviteListQuery builds the query.
func NewInviteListQuery(invites InviteRepository) *InviteListQuery {
	return &InviteListQuery{invites: invites}
}

// List returns one page of invites, newest first.
func (q *InviteListQuery) List(ctx context.Context, page Page) ([]InviteRecord, Cursor, error) {
	items, next, err := q.invites.List(ctx, page)
	if err != nil {
		return nil, Cursor{}, fmt.Errorf("invite list: %w", err)
	}
	return items, next, nil
}

// Export streams every invite to fn, newest first, without loading them all.
func (q *InviteListQuery) Export(ctx context.Context, fn func(InviteRecord) error) error {
	if err := q.invites.Each(ctx, fn); err != nil {
		return fmt.Errorf("invite export: %w", err)
	}
	return nil
}
