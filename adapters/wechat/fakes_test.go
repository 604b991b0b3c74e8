package wechat

import (
	"context"
	"sync"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// fakePeople stands in for the Join and Unfollow use cases: just enough of their
// behaviour (one user per openid, a first contact's replay, one invite per invitee,
// follow state by event time) for the callback's tests, and a record of every call.
type fakePeople struct {
	// gate, when set before use, holds every Join until it is closed.
	gate chan struct{}

	mu        sync.Mutex
	byOpenID  map[string]*domain.User
	invites   map[domain.UserID]domain.Invite // by invitee
	joins     []application.JoinCommand
	unfollows []unfollowCall
	joinErr   error
}

type unfollowCall struct {
	openID string
	at     time.Time
}

func newFakePeople() *fakePeople {
	return &fakePeople{byOpenID: map[string]*domain.User{}, invites: map[domain.UserID]domain.Invite{}}
}

// add makes a known user with a fresh invite code.
func (f *fakePeople) add(openID, nickname string) domain.User {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.create(openID, nickname, time.Time{}, "")
}

func (f *fakePeople) create(openID, nickname string, followedAt time.Time, key string) *domain.User {
	id := domain.UserID(len(f.byOpenID) + 1)
	u := &domain.User{ID: id, OpenID: openID, Nickname: nickname, InviteCode: toCode(int(id)), Following: !followedAt.IsZero(),
		FollowEventAt: followedAt, FirstContactKey: key}
	f.byOpenID[openID] = u
	return u
}

// toCode renders n as a valid invite code (13 lower-case letters).
func toCode(n int) string {
	b := []byte("aaaaaaaaaaaaa")
	for i := len(b) - 1; n > 0 && i >= 0; i-- {
		b[i] = byte('a' + n%26)
		n /= 26
	}
	return string(b)
}

func (f *fakePeople) byCode(code string) (domain.User, bool) {
	for _, u := range f.byOpenID {
		if u.InviteCode == code {
			return *u, true
		}
	}
	return domain.User{}, false
}

func (f *fakePeople) byID(id domain.UserID) domain.User {
	for _, u := range f.byOpenID {
		if u.ID == id {
			return *u
		}
	}
	return domain.User{}
}

// Join implements joiner.
func (f *fakePeople) Join(_ context.Context, cmd application.JoinCommand) (application.JoinResult, error) {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.joins = append(f.joins, cmd)
	if f.joinErr != nil {
		return application.JoinResult{}, f.joinErr
	}
	if err := domain.ValidateOpenID(cmd.OpenID); err != nil {
		return application.JoinResult{}, application.Errorf(application.KindInvalid, "invalid_openid", err, "bad openid")
	}
	res := application.JoinResult{Channel: cmd.Attribution.Channel()}
	if u, ok := f.byOpenID[cmd.OpenID]; ok {
		if cmd.ContactKey != "" && cmd.ContactKey == u.FirstContactKey {
			res.Replayed = true
			if inv, ok := f.invites[u.ID]; ok {
				inviter := f.byID(inv.InviterID)
				res.Invite, res.Inviter = &inv, &inviter
			}
		} else if !cmd.FollowedAt.IsZero() && !cmd.FollowedAt.Before(u.FollowEventAt) {
			u.Following, u.FollowEventAt, res.FollowApplied = true, cmd.FollowedAt, true
		}
		res.User = *u
		return res, nil
	}
	u := f.create(cmd.OpenID, cmd.Profile.Nickname, cmd.FollowedAt, cmd.ContactKey)
	res.User, res.IsNew, res.FollowApplied = *u, true, u.Following
	if cmd.Attribution.IsZero() {
		return res, nil
	}
	inviter, ok := f.byCode(cmd.Attribution.InviteCode())
	if !ok {
		return res, nil
	}
	inv, err := domain.NewInvite(inviter, *u, true, cmd.Attribution, time.Unix(0, 0))
	if err != nil {
		return res, nil
	}
	f.invites[u.ID] = inv
	res.Invite, res.Inviter = &inv, &inviter
	return res, nil
}

// Unfollow implements unfollower.
func (f *fakePeople) Unfollow(_ context.Context, openID string, at time.Time) (application.UnfollowResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unfollows = append(f.unfollows, unfollowCall{openID, at})
	u, ok := f.byOpenID[openID]
	if !ok {
		return application.UnfollowResult{}, nil
	}
	res := application.UnfollowResult{Known: true}
	if u.FollowEventAt.IsZero() || at.After(u.FollowEventAt) {
		u.Following, u.FollowEventAt, res.Applied = false, at, true
	}
	res.User = *u
	return res, nil
}

func (f *fakePeople) lookup(openID string) (domain.User, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.byOpenID[openID]
	if !ok {
		return domain.User{}, false
	}
	return *u, true
}

func (f *fakePeople) inviteOf(invitee domain.UserID) (domain.Invite, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inv, ok := f.invites[invitee]
	return inv, ok
}

func (f *fakePeople) invitesBy(inviter domain.UserID) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, inv := range f.invites {
		if inv.InviterID == inviter {
			n++
		}
	}
	return n
}

func (f *fakePeople) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.byOpenID)
}

func (f *fakePeople) calls() ([]application.JoinCommand, []unfollowCall) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]application.JoinCommand(nil), f.joins...), append([]unfollowCall(nil), f.unfollows...)
}

// fakeEnqueuer records what the callback asks to enrich.
type fakeEnqueuer struct {
	mu      sync.Mutex
	openIDs []string
	full    bool
	dropped uint64
}

func (f *fakeEnqueuer) Enqueue(openID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.full {
		f.dropped++
		return false
	}
	f.openIDs = append(f.openIDs, openID)
	return true
}

func (f *fakeEnqueuer) Dropped() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dropped
}

func (f *fakeEnqueuer) queued() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.openIDs...)
}
