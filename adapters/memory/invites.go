package memory

import (
	"context"
	"sort"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Invites is the in-memory InviteRepository.
type Invites struct{ s *Store }

var _ application.InviteRepository = (*Invites)(nil)

// Create implements application.InviteRepository.
func (r *Invites) Create(ctx context.Context, inv domain.Invite) (domain.Invite, error) {
	err := r.s.with(ctx, func(st *state) error {
		for _, o := range st.invites {
			if o.InviteeID == inv.InviteeID {
				return application.Conflict("invite for this invitee", domain.ErrAlreadyInvited)
			}
		}
		inv.ID = domain.InviteID(len(st.invites) + 1)
		inv.CreatedAt = norm(inv.CreatedAt)
		st.invites = append(st.invites, inv)
		return nil
	})
	return inv, err
}

// ByInvitee implements application.InviteRepository.
func (r *Invites) ByInvitee(ctx context.Context, invitee domain.UserID) (domain.Invite, error) {
	var found domain.Invite
	err := r.s.with(ctx, func(st *state) error {
		for _, inv := range st.invites {
			if inv.InviteeID == invitee {
				found = inv
				return nil
			}
		}
		return application.NotFound("invite", nil)
	})
	return found, err
}

// newestFirst returns the invites matching keep, newest first, after the cursor.
func newestFirst(st *state, keep func(domain.Invite) bool, c application.Cursor) []domain.Invite {
	var out []domain.Invite
	for _, inv := range st.invites {
		if !keep(inv) {
			continue
		}
		if !c.IsZero() && !(inv.CreatedAt.Before(c.At) || inv.CreatedAt.Equal(c.At) && int64(inv.ID) < c.ID) {
			continue
		}
		out = append(out, inv)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out
}

func pageOf(list []domain.Invite, limit int) ([]domain.Invite, application.Cursor) {
	if len(list) <= limit {
		return list, application.Cursor{}
	}
	last := list[limit-1]
	return list[:limit], application.Cursor{At: last.CreatedAt, ID: int64(last.ID)}
}

// Invitees implements application.InviteRepository.
func (r *Invites) Invitees(ctx context.Context, inviter domain.UserID, page application.Page) ([]application.Invitee, application.Cursor, error) {
	var items []application.Invitee
	var next application.Cursor
	err := r.s.with(ctx, func(st *state) error {
		list, n := pageOf(newestFirst(st, func(i domain.Invite) bool { return i.InviterID == inviter }, page.Cursor), page.Limit)
		next = n
		for _, inv := range list {
			u := st.users[inv.InviteeID-1]
			items = append(items, application.Invitee{InviteID: inv.ID, UserID: u.ID, OpenID: u.OpenID, Nickname: u.Nickname, Channel: inv.Channel, JoinedAt: inv.CreatedAt,
				Status: inv.Status, Reason: inv.Reason, HoldEndsAt: inv.HoldEndsAt})
		}
		return nil
	})
	return items, next, err
}

// CountByInviter implements application.InviteRepository.
func (r *Invites) CountByInviter(ctx context.Context, inviter domain.UserID) (int, error) {
	n := 0
	err := r.s.with(ctx, func(st *state) error {
		for _, inv := range st.invites {
			if inv.InviterID == inviter {
				n++
			}
		}
		return nil
	})
	return n, err
}

// CountByChannel implements application.InviteRepository.
func (r *Invites) CountByChannel(ctx context.Context) (map[domain.Channel]int, error) {
	out := map[domain.Channel]int{}
	err := r.s.with(ctx, func(st *state) error {
		for _, inv := range st.invites {
			out[inv.Channel]++
		}
		return nil
	})
	return out, err
}

// Leaderboard implements application.InviteRepository.
func (r *Invites) Leaderboard(ctx context.Context, limit int) ([]application.LeaderboardEntry, error) {
	var out []application.LeaderboardEntry
	err := r.s.with(ctx, func(st *state) error {
		counts := map[domain.UserID]int{}
		for _, inv := range st.invites {
			counts[inv.InviterID]++
		}
		for id, n := range counts {
			out = append(out, application.LeaderboardEntry{UserID: id, OpenID: st.users[id-1].OpenID, Nickname: st.users[id-1].Nickname, InviteeCount: n})
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].InviteeCount != out[j].InviteeCount {
			return out[i].InviteeCount > out[j].InviteeCount
		}
		return out[i].UserID < out[j].UserID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

func record(st *state, inv domain.Invite) application.InviteRecord {
	a, b := st.users[inv.InviterID-1], st.users[inv.InviteeID-1]
	return application.InviteRecord{
		Invite:        inv,
		InviterOpenID: a.OpenID, InviterNickname: a.Nickname,
		InviteeOpenID: b.OpenID, InviteeNickname: b.Nickname, InviteeFollowing: b.Following,
	}
}

// List implements application.InviteRepository.
func (r *Invites) List(ctx context.Context, page application.Page) ([]application.InviteRecord, application.Cursor, error) {
	var items []application.InviteRecord
	var next application.Cursor
	err := r.s.with(ctx, func(st *state) error {
		list, n := pageOf(newestFirst(st, func(domain.Invite) bool { return true }, page.Cursor), page.Limit)
		next = n
		for _, inv := range list {
			items = append(items, record(st, inv))
		}
		return nil
	})
	return items, next, err
}

// Each implements application.InviteRepository. It copies the records first so fn
// runs without the store's lock.
func (r *Invites) Each(ctx context.Context, fn func(application.InviteRecord) error) error {
	var all []application.InviteRecord
	if err := r.s.with(ctx, func(st *state) error {
		for _, inv := range newestFirst(st, func(domain.Invite) bool { return true }, application.Cursor{}) {
			all = append(all, record(st, inv))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, rec := range all {
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}
