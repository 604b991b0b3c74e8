package memory

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Users is the in-memory UserRepository.
type Users struct{ s *Store }

var _ application.UserRepository = (*Users)(nil)

// Create implements application.UserRepository.
func (r *Users) Create(ctx context.Context, u domain.User) (domain.User, error) {
	err := r.s.with(ctx, func(st *state) error {
		for _, o := range st.users {
			switch {
			case o.OpenID == u.OpenID:
				return application.Conflict("user with this openid", nil)
			case o.InviteCode == u.InviteCode:
				return application.Conflict("user with this invite code", nil)
			case u.UnionID != "" && o.UnionID == u.UnionID:
				return application.Conflict("user with this unionid", nil)
			}
		}
		u.ID = domain.UserID(len(st.users) + 1)
		u.JoinedAt = norm(u.JoinedAt)
		if !u.FollowEventAt.IsZero() {
			u.FollowEventAt = norm(u.FollowEventAt)
		}
		st.users = append(st.users, u)
		return nil
	})
	return u, err
}

func (r *Users) find(ctx context.Context, match func(domain.User) bool) (domain.User, error) {
	var found domain.User
	err := r.s.with(ctx, func(st *state) error {
		for _, u := range st.users {
			if match(u) {
				found = u
				return nil
			}
		}
		return application.NotFound("user", nil)
	})
	return found, err
}

// ByOpenID implements application.UserRepository.
func (r *Users) ByOpenID(ctx context.Context, openID string) (domain.User, error) {
	return r.find(ctx, func(u domain.User) bool { return u.OpenID == openID })
}

// ByID implements application.UserRepository.
func (r *Users) ByID(ctx context.Context, id domain.UserID) (domain.User, error) {
	return r.find(ctx, func(u domain.User) bool { return u.ID == id })
}

// ByInviteCode implements application.UserRepository.
func (r *Users) ByInviteCode(ctx context.Context, code string) (domain.User, error) {
	return r.find(ctx, func(u domain.User) bool { return u.InviteCode == code })
}

// UpdateProfile implements application.UserRepository.
func (r *Users) UpdateProfile(ctx context.Context, u domain.User) error {
	return r.s.with(ctx, func(st *state) error {
		i := int(u.ID) - 1
		if i < 0 || i >= len(st.users) {
			return application.NotFound("user", nil)
		}
		if u.UnionID != "" {
			for _, o := range st.users {
				if o.ID != u.ID && o.UnionID == u.UnionID {
					return application.Conflict("user with this unionid", nil)
				}
			}
		}
		st.users[i].UnionID, st.users[i].Nickname, st.users[i].AvatarURL = u.UnionID, u.Nickname, u.AvatarURL
		return nil
	})
}

// SetFollowing implements application.UserRepository: the same compare-and-swap on
// the follow event's time as the SQL store's conditional UPDATE, under the store lock.
func (r *Users) SetFollowing(ctx context.Context, id domain.UserID, following bool, at time.Time) (bool, error) {
	applied := false
	err := r.s.with(ctx, func(st *state) error {
		i := int(id) - 1
		if i < 0 || i >= len(st.users) {
			return application.NotFound("user", nil)
		}
		u := &st.users[i]
		at := norm(at)
		if u.FollowEventApplies(following, at) {
			u.Following, u.FollowEventAt = following, at
			applied = true
		}
		return nil
	})
	return applied, err
}

// Counts implements application.UserRepository.
func (r *Users) Counts(ctx context.Context) (users, followers int, err error) {
	err = r.s.with(ctx, func(st *state) error {
		users = len(st.users)
		for _, u := range st.users {
			if u.Following {
				followers++
			}
		}
		return nil
	})
	return users, followers, err
}
