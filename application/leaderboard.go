package application

import (
	"context"
	"fmt"
)

// LeaderboardQuery ranks inviters by how many people they brought.
type LeaderboardQuery struct {
	invites InviteRepository
}

// NewLeaderboardQuery builds the query.
func NewLeaderboardQuery(invites InviteRepository) *LeaderboardQuery {
	return &LeaderboardQuery{invites: invites}
}

// Leaderboard returns the top inviters; limit 0 means DefaultPageSize, and anything
// outside 1..MaxPageSize is KindInvalid.
func (q *LeaderboardQuery) Leaderboard(ctx context.Context, limit int) ([]LeaderboardEntry, error) {
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 1 || limit > MaxPageSize {
		return nil, Errorf(KindInvalid, "invalid_limit", nil, "limit must be between 1 and %d", MaxPageSize)
	}
	items, err := q.invites.Leaderboard(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	return items, nil
}
