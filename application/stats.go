package application

import (
	"context"
	"fmt"
	"sync"

	"github.com/wxinvite/wxinvite/domain"
)

// Stats is the campaign at a glance, for operators.
type Stats struct {
	Users            int
	Invites          int
	InvitesByChannel map[domain.Channel]int
	Followers        int
}

// StatsQuery computes Stats from the records themselves (no counters to drift or to
// contend on across instances).
type StatsQuery struct {
	users   UserRepository
	invites InviteRepository
}

// NewStatsQuery builds the query.
func NewStatsQuery(users UserRepository, invites InviteRepository) *StatsQuery {
	return &StatsQuery{users: users, invites: invites}
}

// Stats counts users, followers and invites by channel. The two counts read
// different tables and each reads all of its table, so they run side by side: the
// stores answer each on its own connection where they have several.
func (q *StatsQuery) Stats(ctx context.Context) (Stats, error) {
	var (
		users, followers int
		userErr          error
		wg               sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		users, followers, userErr = q.users.Counts(ctx)
	}()
	by, err := q.invites.CountByChannel(ctx)
	wg.Wait()
	if userErr != nil {
		return Stats{}, fmt.Errorf("stats: users: %w", userErr)
	}
	if err != nil {
		return Stats{}, fmt.Errorf("stats: invites: %w", err)
	}
	s := Stats{Users: users, Followers: followers, InvitesByChannel: map[domain.Channel]int{domain.ChannelLink: by[domain.ChannelLink], domain.ChannelScan: by[domain.ChannelScan]}}
	for _, n := range by {
		s.Invites += n
	}
	return s, nil
}
