package memory

import (
	"context"
	"sort"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Lifecycle is the in-memory InviteLifecycleRepository.
type Lifecycle struct{ s *Store }

var _ application.InviteLifecycleRepository = (*Lifecycle)(nil)

// InviteLifecycle returns the invite lifecycle repository.
func (s *Store) InviteLifecycle() *Lifecycle { return &Lifecycle{s} }

func normLifecycle(l domain.Lifecycle) domain.Lifecycle {
	l.HoldStartedAt, l.HoldEndsAt = norm(l.HoldStartedAt), norm(l.HoldEndsAt)
	l.QualifiedAt, l.RevokedAt = norm(l.QualifiedAt), norm(l.RevokedAt)
	return l
}

// Transition implements application.InviteLifecycleRepository.
func (r *Lifecycle) Transition(ctx context.Context, from, to domain.Invite) (bool, error) {
	ok := false
	err := r.s.with(ctx, func(st *state) error {
		if from.ID < 1 || int(from.ID) > len(st.invites) {
			return nil
		}
		cur := &st.invites[from.ID-1]
		if cur.Status != from.Status || !cur.HoldStartedAt.Equal(norm(from.HoldStartedAt)) {
			return nil
		}
		cur.Status = to.Status
		cur.Lifecycle = normLifecycle(to.Lifecycle)
		cur.CampaignID = from.CampaignID
		ok = true
		return nil
	})
	return ok, err
}

// DueHolds implements application.InviteLifecycleRepository.
func (r *Lifecycle) DueHolds(ctx context.Context, now time.Time, limit int) ([]domain.Invite, error) {
	var out []domain.Invite
	err := r.s.with(ctx, func(st *state) error {
		for _, inv := range st.invites {
			if len(out) == limit {
				break
			}
			if inv.HoldEnded(now) {
				out = append(out, inv)
			}
		}
		return nil
	})
	return out, err
}

// Unsettled implements application.InviteLifecycleRepository.
func (r *Lifecycle) Unsettled(ctx context.Context, limit int) ([]domain.Invite, error) {
	var out []domain.Invite
	err := r.s.with(ctx, func(st *state) error {
		for _, inv := range st.invites {
			if len(out) == limit {
				break
			}
			if !inv.QualifiedAt.IsZero() && !st.camp.settled[inv.ID] {
				out = append(out, inv)
			}
		}
		return nil
	})
	return out, err
}

// MarkSettled implements application.InviteLifecycleRepository.
func (r *Lifecycle) MarkSettled(ctx context.Context, id domain.InviteID, _ time.Time) error {
	return r.s.with(ctx, func(st *state) error {
		if st.camp.settled == nil {
			st.camp.settled = map[domain.InviteID]bool{}
		}
		st.camp.settled[id] = true
		return nil
	})
}

func tally(c *application.InviteCounts, inv domain.Invite, now time.Time) {
	switch inv.AsOf(now).Status {
	case domain.InvitePending:
		c.Pending++
	case domain.InviteQualified:
		c.Qualified++
	case domain.InviteRevoked:
		c.Revoked++
	}
}

// InviterCounts implements application.InviteLifecycleRepository.
func (r *Lifecycle) InviterCounts(ctx context.Context, inviter domain.UserID, campaign domain.CampaignID, now time.Time) (application.InviteCounts, error) {
	var c application.InviteCounts
	err := r.s.with(ctx, func(st *state) error {
		for _, inv := range st.invites {
			if inv.InviterID == inviter && inv.CampaignID == campaign {
				tally(&c, inv, now)
			}
		}
		return nil
	})
	return c, err
}

// CampaignCounts implements application.InviteLifecycleRepository.
func (r *Lifecycle) CampaignCounts(ctx context.Context, campaign domain.CampaignID, now time.Time) (application.InviteCounts, int, error) {
	var c application.InviteCounts
	inviters := map[domain.UserID]bool{}
	err := r.s.with(ctx, func(st *state) error {
		for _, inv := range st.invites {
			if inv.CampaignID == campaign {
				tally(&c, inv, now)
				inviters[inv.InviterID] = true
			}
		}
		return nil
	})
	return c, len(inviters), err
}

// EachInCampaign implements application.InviteLifecycleRepository.
func (r *Lifecycle) EachInCampaign(ctx context.Context, campaign domain.CampaignID, fn func(domain.Invite) error) error {
	var list []domain.Invite
	if err := r.s.with(ctx, func(st *state) error {
		for _, inv := range st.invites {
			if inv.CampaignID == campaign {
				list = append(list, inv)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].CreatedAt.Before(list[j].CreatedAt) })
	for _, inv := range list {
		if err := fn(inv); err != nil {
			return err
		}
	}
	return nil
}

// CampaignActivity implements application.InviteLifecycleRepository.
func (r *Lifecycle) CampaignActivity(ctx context.Context, campaign domain.CampaignID, now time.Time) (application.InviteActivity, error) {
	type key struct {
		kind    int
		start   int64
		channel domain.Channel
	}
	counts := map[key]int{}
	add := func(kind int, t time.Time, ch domain.Channel) {
		q := int64(application.ActivityQuarter / time.Second)
		s := t.Unix()
		if s < 0 && s%q != 0 {
			s -= q
		}
		counts[key{kind, s / q * q, ch}]++
	}
	err := r.s.with(ctx, func(st *state) error {
		for _, inv := range st.invites {
			if inv.CampaignID != campaign {
				continue
			}
			add(0, inv.CreatedAt, inv.Channel)
			switch {
			case inv.HoldEnded(now):
				add(2, inv.HoldEndsAt, "")
			case !inv.QualifiedAt.IsZero():
				add(1, inv.QualifiedAt, "")
			}
			if inv.Status == domain.InviteRevoked && !inv.RevokedAt.IsZero() {
				add(3, inv.RevokedAt, "")
			}
		}
		return nil
	})
	var a application.InviteActivity
	lists := []*[]application.ActivityBucket{&a.Created, &a.Qualified, &a.HoldsEnded, &a.Revoked}
	for k, n := range counts {
		*lists[k.kind] = append(*lists[k.kind], application.ActivityBucket{Start: time.Unix(k.start, 0).UTC(), Channel: k.channel, Count: n})
	}
	return a, err
}

// CampaignLeaderboard implements application.InviteLifecycleRepository.
func (r *Lifecycle) CampaignLeaderboard(ctx context.Context, campaign domain.CampaignID, now, retentionBefore time.Time, limit int) ([]application.CampaignLeader, error) {
	by := map[domain.UserID]*application.CampaignLeader{}
	err := r.s.with(ctx, func(st *state) error {
		for _, inv := range st.invites {
			if inv.CampaignID != campaign {
				continue
			}
			l, ok := by[inv.InviterID]
			if !ok {
				u := st.users[inv.InviterID-1]
				l = &application.CampaignLeader{UserID: inv.InviterID, OpenID: u.OpenID, Nickname: u.Nickname}
				by[inv.InviterID] = l
			}
			tally(&l.InviteCounts, inv, now)
			if !inv.CreatedAt.After(retentionBefore) {
				l.OldInvitees++
				if st.users[inv.InviteeID-1].Following {
					l.StillFollowing++
				}
			}
		}
		return nil
	})
	out := make([]application.CampaignLeader, 0, len(by))
	for _, l := range by {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Qualified != b.Qualified {
			return a.Qualified > b.Qualified
		}
		if a.Pending != b.Pending {
			return a.Pending > b.Pending
		}
		return a.UserID < b.UserID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}
