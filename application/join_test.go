package application_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func TestJoinNewUserWithoutAttribution(t *testing.T) {
	t.Parallel()
	for _, subscribed := range []bool{false, true} {
		t.Run(fmt.Sprintf("subscribed=%v", subscribed), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			res := e.mustJoin(t, application.JoinCommand{OpenID: "o_new", Profile: domain.Profile{Nickname: "Ann", UnionID: "u1"}, FollowedAt: followedAt(subscribed), ContactKey: "k1"})
			if !res.IsNew || res.Replayed || res.Invite != nil || res.Inviter != nil || res.NoInvite != application.ReasonNoAttribution || res.Channel != "" {
				t.Fatalf("result = %+v", res)
			}
			u := res.User
			if u.ID == 0 || u.OpenID != "o_new" || u.Nickname != "Ann" || u.UnionID != "u1" || u.Following != subscribed || !u.JoinedAt.Equal(t0) || u.FirstContactKey != "k1" {
				t.Fatalf("user = %+v", u)
			}
			if err := domain.ValidateInviteCode(u.InviteCode); err != nil {
				t.Fatalf("invite code %q: %v", u.InviteCode, err)
			}
			stored, err := e.users.ByOpenID(context.Background(), "o_new")
			if err != nil || stored != u {
				t.Fatalf("stored = %+v, %v; want %+v", stored, err, u)
			}
			if n := e.inviteCount(t); n != 0 {
				t.Fatalf("%d invites, want 0", n)
			}
		})
	}
}

func TestJoinLinkInvite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	inviter := e.inviter(t, "o_inviter", "Ann")
	e.clock.Advance(1000)
	at := e.clock.Now()
	res := e.mustJoin(t, application.JoinCommand{OpenID: "o_friend", Attribution: linkAttr(inviter.InviteCode)})
	if !res.IsNew || res.NoInvite != application.ReasonNone || res.Channel != domain.ChannelLink {
		t.Fatalf("result = %+v", res)
	}
	if res.Inviter == nil || res.Inviter.ID != inviter.ID || res.Inviter.Nickname != "Ann" {
		t.Fatalf("inviter = %+v, want %+v", res.Inviter, inviter)
	}
	want := domain.Invite{InviterID: inviter.ID, InviteeID: res.User.ID, Channel: domain.ChannelLink, Status: domain.InviteCounted, CreatedAt: at}
	if res.Invite == nil {
		t.Fatal("no invite")
	}
	got := *res.Invite
	if got.ID == 0 {
		t.Fatalf("invite has no id: %+v", got)
	}
	want.ID = got.ID
	if got != want {
		t.Fatalf("invite = %+v, want %+v", got, want)
	}
	stored, err := e.invs.ByInvitee(context.Background(), res.User.ID)
	if err != nil || stored != want {
		t.Fatalf("stored invite = %+v, %v; want %+v", stored, err, want)
	}
	if res.User.Following {
		t.Error("a link join marked the user as following")
	}
}

func TestJoinScanInvite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	inviter := e.inviter(t, "o_inviter", "Ann")
	scene := domain.InviteScene(inviter.InviteCode)
	res := e.mustJoin(t, application.JoinCommand{OpenID: "o_friend", FollowedAt: t0, Attribution: scanAttr(inviter.InviteCode), ContactKey: "msg1"})
	if !res.IsNew || res.Invite == nil || res.Inviter == nil || res.NoInvite != application.ReasonNone || res.Channel != domain.ChannelScan {
		t.Fatalf("result = %+v", res)
	}
	if res.Invite.Channel != domain.ChannelScan || res.Invite.QRScene != scene.Str || res.Invite.InviterID != inviter.ID || res.Invite.InviteeID != res.User.ID {
		t.Fatalf("invite = %+v", *res.Invite)
	}
	if !res.User.Following {
		t.Error("a scan join did not mark the user as following")
	}
	stored, err := e.invs.ByInvitee(context.Background(), res.User.ID)
	if err != nil || stored.QRScene != "inv_"+inviter.InviteCode {
		t.Fatalf("stored invite = %+v, %v", stored, err)
	}
}

func TestJoinUnresolvableAttribution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cmd  application.JoinCommand
	}{
		// Malformed codes and scenes that name no inviter never become an attribution
		// (see domain.TestAttributionConstructors): the adapters pass none.
		{"unknown link code", application.JoinCommand{Attribution: linkAttr("zzzzzzzzzzzzz")}},
		{"unknown scan scene", application.JoinCommand{Attribution: scanAttr("zzzzzzzzzzzzz")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			e.inviter(t, "o_someone", "Ann") // a real user whose code is not the one used
			cmd := tt.cmd
			cmd.OpenID = "o_friend"
			res, err := e.join.Join(context.Background(), cmd)
			if err != nil {
				t.Fatalf("Join = %v, want no error", err)
			}
			if !res.IsNew || res.Invite != nil || res.Inviter != nil || res.NoInvite != application.ReasonUnknownCode {
				t.Fatalf("result = %+v", res)
			}
			if n := e.userCount(t); n != 2 {
				t.Fatalf("%d users, want 2", n)
			}
			if n := e.inviteCount(t); n != 0 {
				t.Fatalf("%d invites, want 0", n)
			}
		})
	}
}

// A new user cannot be their own inviter: their code is drawn at this very join. The
// only way to try is to visit a link whose (unowned) code is exactly the one drawn;
// the attribution is resolved at the moment of contact, when nobody owns that code.
func TestJoinSelfInviteOfNewUserRecordsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, &seqRandom{chunks: [][]byte{bytes8(0)}})
	res := e.mustJoin(t, application.JoinCommand{OpenID: "o_self", Attribution: linkAttr("aaaaaaaaaaaaa")})
	if res.User.InviteCode != "aaaaaaaaaaaaa" {
		t.Fatalf("drawn code = %q, the construction is off", res.User.InviteCode)
	}
	if !res.IsNew || res.Invite != nil || res.Inviter != nil || res.NoInvite != application.ReasonUnknownCode {
		t.Fatalf("result = %+v", res)
	}
	if n := e.inviteCount(t); n != 0 {
		t.Fatalf("%d invites, want 0", n)
	}
}

func TestJoinExistingUserScanningOwnCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	me := e.inviter(t, "o_me", "Ann")
	for _, cmd := range []application.JoinCommand{
		{OpenID: "o_me", FollowedAt: t0, Attribution: scanAttr(me.InviteCode)},
		{OpenID: "o_me", Attribution: linkAttr(me.InviteCode)},
	} {
		res := e.mustJoin(t, cmd)
		if res.IsNew || res.Invite != nil || res.Inviter != nil || res.NoInvite != application.ReasonNotNew || res.User.ID != me.ID {
			t.Fatalf("result = %+v", res)
		}
	}
	if n := e.inviteCount(t); n != 0 {
		t.Fatalf("%d invites, want 0", n)
	}
}

func TestJoinExistingUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	inviter := e.inviter(t, "o_inviter", "Ann")
	first := e.mustJoin(t, application.JoinCommand{OpenID: "o_bob"})
	if first.User.Nickname != "" {
		t.Fatalf("nickname = %q", first.User.Nickname)
	}

	// A later contact, even with a valid attribution, credits nobody but refreshes the profile.
	res := e.mustJoin(t, application.JoinCommand{OpenID: "o_bob", Profile: domain.Profile{Nickname: "Bob"}, Attribution: linkAttr(inviter.InviteCode)})
	if res.IsNew || res.Replayed || res.Invite != nil || res.NoInvite != application.ReasonNotNew || res.User.ID != first.User.ID || res.User.Nickname != "Bob" {
		t.Fatalf("result = %+v", res)
	}
	// No attribution: reason no_attribution.
	res = e.mustJoin(t, application.JoinCommand{OpenID: "o_bob"})
	if res.IsNew || res.NoInvite != application.ReasonNoAttribution {
		t.Fatalf("result = %+v", res)
	}
	// An empty profile (user/info since 2021) does not erase the known nickname.
	res = e.mustJoin(t, application.JoinCommand{OpenID: "o_bob", Profile: domain.Profile{}, FollowedAt: t0})
	if res.User.Nickname != "Bob" {
		t.Fatalf("result nickname = %q, want Bob", res.User.Nickname)
	}
	stored, err := e.users.ByOpenID(context.Background(), "o_bob")
	if err != nil || stored.Nickname != "Bob" || stored.InviteCode != first.User.InviteCode || !stored.JoinedAt.Equal(first.User.JoinedAt) {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	if n := e.inviteCount(t); n != 0 {
		t.Fatalf("%d invites, want 0", n)
	}
	if n := e.userCount(t); n != 2 {
		t.Fatalf("%d users, want 2", n)
	}
}

func TestJoinExistingUserUnionIDTakenKeepsRestOfProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.mustJoin(t, application.JoinCommand{OpenID: "o_a", Profile: domain.Profile{UnionID: "u_shared"}})
	e.mustJoin(t, application.JoinCommand{OpenID: "o_b"})
	res := e.mustJoin(t, application.JoinCommand{OpenID: "o_b", Profile: domain.Profile{UnionID: "u_shared", Nickname: "Bee"}})
	if res.User.Nickname != "Bee" || res.User.UnionID != "" {
		t.Fatalf("user = %+v, want nickname Bee and no unionid", res.User)
	}
	stored, _ := e.users.ByOpenID(context.Background(), "o_b")
	if stored.Nickname != "Bee" || stored.UnionID != "" {
		t.Fatalf("stored = %+v", stored)
	}
}

func TestJoinNewUserUnionIDTakenStillJoins(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	inviter := e.inviter(t, "o_a", "")
	e.mustJoin(t, application.JoinCommand{OpenID: "o_x", Profile: domain.Profile{UnionID: "u_shared"}})
	res := e.mustJoin(t, application.JoinCommand{OpenID: "o_b", Profile: domain.Profile{UnionID: "u_shared", Nickname: "Bee"}, Attribution: linkAttr(inviter.InviteCode)})
	if !res.IsNew || res.User.UnionID != "" || res.User.Nickname != "Bee" || res.Invite == nil {
		t.Fatalf("result = %+v", res)
	}
}

func TestJoinFollowUnfollowRefollow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	unfollow := application.NewUnfollowService(e.users)
	inviter := e.inviter(t, "o_inviter", "Ann")
	scan := application.JoinCommand{OpenID: "o_friend", FollowedAt: t0, Attribution: scanAttr(inviter.InviteCode), ContactKey: "m1"}
	first := e.mustJoin(t, scan)
	if !first.User.Following || first.Invite == nil {
		t.Fatalf("first = %+v", first)
	}
	if res, err := unfollow.Unfollow(ctx, "o_friend", t0.Add(time.Second)); err != nil || !res.Applied {
		t.Fatalf("Unfollow = %+v, %v; want applied", res, err)
	}
	if u, _ := e.users.ByOpenID(ctx, "o_friend"); u.Following {
		t.Fatal("still following after Unfollow")
	}
	// Unfollowing twice is harmless, and the copy changes nothing.
	if res, err := unfollow.Unfollow(ctx, "o_friend", t0.Add(time.Second)); err != nil || res.Applied {
		t.Fatalf("second Unfollow = %+v, %v; want not applied", res, err)
	}
	scan.ContactKey, scan.FollowedAt = "m2", t0.Add(2*time.Second)
	again := e.mustJoin(t, scan)
	if again.IsNew || again.Invite != nil || again.NoInvite != application.ReasonNotNew || !again.User.Following {
		t.Fatalf("again = %+v", again)
	}
	if u, _ := e.users.ByOpenID(ctx, "o_friend"); !u.Following {
		t.Fatal("not following after re-follow")
	}
	if n := e.inviteCount(t); n != 1 {
		t.Fatalf("%d invites, want 1", n)
	}
	inv, err := e.invs.ByInvitee(ctx, first.User.ID)
	if err != nil || inv.ID != first.Invite.ID {
		t.Fatalf("invite = %+v, %v; want the first one", inv, err)
	}
	// A link login leaves following alone.
	link := e.mustJoin(t, application.JoinCommand{OpenID: "o_friend"})
	if !link.User.Following {
		t.Fatal("a non-subscribe contact changed following")
	}
	if !again.FollowApplied || link.FollowApplied {
		t.Fatalf("FollowApplied: re-follow %v, link %v; want true, false", again.FollowApplied, link.FollowApplied)
	}
}

// A copy of the unsubscribe delivered after the re-follow (a late WeChat retry on
// another instance, a replay) is older than the state and changes nothing; a late
// copy of the first subscribe does not undo a newer unsubscribe either.
func TestFollowStateFollowsEventTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	unfollow := application.NewUnfollowService(e.users)
	t1, t2, t3 := t0, t0.Add(time.Minute), t0.Add(2*time.Minute)
	e.mustJoin(t, application.JoinCommand{OpenID: "o_p", FollowedAt: t1, ContactKey: "s1"})
	if res, err := unfollow.Unfollow(ctx, "o_p", t2); err != nil || !res.Applied {
		t.Fatalf("unsubscribe t2 = %+v, %v", res, err)
	}
	if res := e.mustJoin(t, application.JoinCommand{OpenID: "o_p", FollowedAt: t3, ContactKey: "s3"}); !res.FollowApplied || !res.User.Following {
		t.Fatalf("subscribe t3 = %+v", res)
	}
	if res, err := unfollow.Unfollow(ctx, "o_p", t2); err != nil || res.Applied || !res.Known {
		t.Fatalf("late unsubscribe t2 = %+v, %v; want known, not applied", res, err)
	}
	if u, _ := e.users.ByOpenID(ctx, "o_p"); !u.Following || !u.FollowEventAt.Equal(t3) {
		t.Fatalf("after the late unsubscribe: following %v at %v; want true at %v", u.Following, u.FollowEventAt, t3)
	}
	t4 := t3.Add(time.Minute)
	if _, err := unfollow.Unfollow(ctx, "o_p", t4); err != nil {
		t.Fatal(err)
	}
	if res := e.mustJoin(t, application.JoinCommand{OpenID: "o_p", FollowedAt: t3, ContactKey: "s3-copy"}); res.FollowApplied || res.User.Following {
		t.Fatalf("late subscribe t3 after unsubscribe t4 = %+v", res)
	}
	if _, err := unfollow.Unfollow(ctx, "o_p", time.Time{}); application.ErrorKind(err) != application.KindInvalid {
		t.Fatalf("Unfollow without a time = %v, want KindInvalid", err)
	}
}

func TestJoinReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	inviter := e.inviter(t, "o_inviter", "Ann")
	cmd := application.JoinCommand{OpenID: "o_friend", FollowedAt: t0, Attribution: scanAttr(inviter.InviteCode), ContactKey: "delivery-1"}
	first := e.mustJoin(t, cmd)
	e.clock.Advance(5)

	replay := e.mustJoin(t, cmd)
	if !replay.Replayed || replay.User.ID != first.User.ID || replay.NoInvite != application.ReasonNone || replay.Channel != domain.ChannelScan {
		t.Fatalf("replay = %+v", replay)
	}
	if replay.Invite == nil || *replay.Invite != *first.Invite {
		t.Fatalf("replay invite = %v, want %+v", replay.Invite, *first.Invite)
	}
	if replay.Inviter == nil || replay.Inviter.ID != inviter.ID || replay.Inviter.Nickname != "Ann" {
		t.Fatalf("replay inviter = %+v", replay.Inviter)
	}

	other := cmd
	other.ContactKey = "delivery-2"
	later := e.mustJoin(t, other)
	if later.Replayed || later.IsNew || later.Invite != nil || later.NoInvite != application.ReasonNotNew {
		t.Fatalf("later = %+v", later)
	}
	// Without a key nothing is a replay.
	other.ContactKey = ""
	if r := e.mustJoin(t, other); r.Replayed {
		t.Fatalf("empty key replayed: %+v", r)
	}
	if n, m := e.userCount(t), e.inviteCount(t); n != 2 || m != 1 {
		t.Fatalf("%d users, %d invites; want 2, 1", n, m)
	}
}

func TestJoinReplayWithoutInvite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cmd := application.JoinCommand{OpenID: "o_plain", FollowedAt: t0, ContactKey: "d1"}
	first := e.mustJoin(t, cmd)
	replay := e.mustJoin(t, cmd)
	if !replay.Replayed || replay.User.ID != first.User.ID || replay.Invite != nil || replay.Inviter != nil || replay.NoInvite != application.ReasonNoAttribution {
		t.Fatalf("replay = %+v", replay)
	}
}

func TestJoinRefusesInvalidInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cmd  application.JoinCommand
		code string
	}{
		{"empty openid", application.JoinCommand{}, "invalid_openid"},
		{"bad openid chars", application.JoinCommand{OpenID: "o/../x"}, "invalid_openid"},
		{"long openid", application.JoinCommand{OpenID: string(make([]byte, 65))}, "invalid_openid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			_, err := e.join.Join(context.Background(), tt.cmd)
			if application.ErrorKind(err) != application.KindInvalid {
				t.Fatalf("Join = %v, want KindInvalid", err)
			}
			var ae *application.Error
			if !errors.As(err, &ae) || ae.Code != tt.code {
				t.Fatalf("error = %#v, want code %s", err, tt.code)
			}
			if n := e.userCount(t); n != 0 {
				t.Fatalf("%d users created", n)
			}
			if n := e.obs.count(); n != 0 {
				t.Fatalf("observer called %d times on failure", n)
			}
		})
	}
}

func TestJoinRandomFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, failingRandom{})
	_, err := e.join.Join(context.Background(), application.JoinCommand{OpenID: "o_x"})
	if err == nil {
		t.Fatal("Join succeeded without randomness")
	}
	if k := application.ErrorKind(err); k != application.KindInternal {
		t.Fatalf("kind = %s, want internal", k)
	}
	if n := e.userCount(t); n != 0 {
		t.Fatalf("%d users created", n)
	}
	if n := e.obs.count(); n != 0 {
		t.Fatalf("observer called %d times", n)
	}
	// A short read is a failure too, never a code from fewer bytes.
	e2 := newEnv(t, &seqRandom{chunks: [][]byte{{1, 2, 3}}})
	if _, err := e2.join.Join(context.Background(), application.JoinCommand{OpenID: "o_x"}); err == nil {
		t.Fatal("Join succeeded on a short random read")
	}
}

func TestJoinRetriesInviteCodeCollision(t *testing.T) {
	t.Parallel()
	a, b := bytes8(0x11), bytes8(0x22)
	r := &seqRandom{chunks: [][]byte{a, a, b}}
	e := newEnv(t, r)
	first := e.mustJoin(t, application.JoinCommand{OpenID: "o_first"})
	second := e.mustJoin(t, application.JoinCommand{OpenID: "o_second", Profile: domain.Profile{Nickname: "Two"}})
	codeA, _ := domain.NewInviteCode(a)
	codeB, _ := domain.NewInviteCode(b)
	if first.User.InviteCode != codeA || second.User.InviteCode != codeB {
		t.Fatalf("codes = %q, %q; want %q, %q", first.User.InviteCode, second.User.InviteCode, codeA, codeB)
	}
	if !second.IsNew || second.User.Nickname != "Two" || second.User.ID == first.User.ID {
		t.Fatalf("second = %+v", second)
	}
	if r.reads != 3 {
		t.Fatalf("%d random reads, want 3", r.reads)
	}
	if n := e.userCount(t); n != 2 {
		t.Fatalf("%d users, want 2 (the failed attempt must roll back)", n)
	}
	if n := e.obs.count(); n != 2 {
		t.Fatalf("observer called %d times, want 2", n)
	}
}

func TestJoinGivesUpAfterRepeatedCollisions(t *testing.T) {
	t.Parallel()
	a := bytes8(0x11)
	e := newEnv(t, &seqRandom{chunks: [][]byte{a, a, a, a, a, a}})
	e.mustJoin(t, application.JoinCommand{OpenID: "o_first"})
	_, err := e.join.Join(context.Background(), application.JoinCommand{OpenID: "o_second"})
	if application.ErrorKind(err) != application.KindUnavailable || !errors.Is(err, application.ErrConflict) {
		t.Fatalf("Join = %v, want KindUnavailable wrapping a conflict", err)
	}
	if n := e.userCount(t); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
}

func TestJoinConcurrentSameOpenID(t *testing.T) {
	t.Parallel()
	for _, sameKey := range []bool{true, false} {
		t.Run(fmt.Sprintf("sameContactKey=%v", sameKey), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			inviter := e.inviter(t, "o_inviter", "Ann")
			const n = 50
			var wg sync.WaitGroup
			results := make([]application.JoinResult, n)
			errs := make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					key := "d1"
					if !sameKey {
						key = fmt.Sprintf("d%d", i)
					}
					results[i], errs[i] = e.join.Join(context.Background(), application.JoinCommand{
						OpenID: "o_friend", FollowedAt: t0, Attribution: scanAttr(inviter.InviteCode), ContactKey: key})
				}()
			}
			close(start)
			wg.Wait()
			news := 0
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("call %d: %v", i, errs[i])
				}
				if results[i].User.ID != results[0].User.ID {
					t.Fatalf("call %d returned user %d, call 0 user %d", i, results[i].User.ID, results[0].User.ID)
				}
				if results[i].IsNew {
					news++
				}
			}
			if news != 1 {
				t.Fatalf("%d calls created the user, want 1", news)
			}
			if u, m := e.userCount(t), e.inviteCount(t); u != 2 || m != 1 {
				t.Fatalf("%d users, %d invites; want 2, 1", u, m)
			}
			if c := e.obs.count(); c != n+1 {
				t.Fatalf("observer called %d times, want %d", c, n+1)
			}
		})
	}
}

func TestJoinConcurrentDistinctOpenIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	inviter := e.inviter(t, "o_inviter", "Ann")
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := application.JoinCommand{OpenID: fmt.Sprintf("o_friend_%03d", i)}
			if i%2 == 0 {
				cmd.Attribution = linkAttr(inviter.InviteCode)
			} else {
				cmd.Attribution, cmd.FollowedAt = scanAttr(inviter.InviteCode), t0
			}
			res, err := e.join.Join(ctx, cmd)
			if err == nil && (res.Invite == nil || !res.IsNew) {
				err = fmt.Errorf("%s: result %+v", cmd.OpenID, res)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	board, err := application.NewLeaderboardQuery(e.invs).Leaderboard(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(board) != 1 || board[0].UserID != inviter.ID || board[0].InviteeCount != n || board[0].Nickname != "Ann" {
		t.Fatalf("leaderboard = %+v", board)
	}
	stats, err := application.NewStatsQuery(e.users, e.invs).Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := application.Stats{Users: n + 1, Invites: n, Followers: n/2 + 1,
		InvitesByChannel: map[domain.Channel]int{domain.ChannelLink: n / 2, domain.ChannelScan: n / 2}}
	if stats.Users != want.Users || stats.Invites != want.Invites || stats.Followers != want.Followers ||
		stats.InvitesByChannel[domain.ChannelLink] != n/2 || stats.InvitesByChannel[domain.ChannelScan] != n/2 || len(stats.InvitesByChannel) != 2 {
		t.Fatalf("stats = %+v, want %+v", stats, want)
	}
	if c := e.obs.count(); c != n+1 {
		t.Fatalf("observer called %d times, want %d", c, n+1)
	}
	// Every invitee got a distinct code.
	codes := map[string]bool{}
	for i := range n + 1 {
		u, err := e.users.ByID(ctx, domain.UserID(i+1))
		if err != nil {
			t.Fatal(err)
		}
		if codes[u.InviteCode] {
			t.Fatalf("invite code %q issued twice", u.InviteCode)
		}
		codes[u.InviteCode] = true
	}
}

func TestJoinObserversSeeEachSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	second := &countingObserver{}
	e.join = application.NewJoinService(e.store, e.users, e.invs, e.clock, cryptoRandom(), e.obs, second)
	inviter := e.inviter(t, "o_inviter", "")
	res := e.mustJoin(t, application.JoinCommand{OpenID: "o_f", Attribution: linkAttr(inviter.InviteCode)})
	e.mustJoin(t, application.JoinCommand{OpenID: "o_f"})
	if _, err := e.join.Join(context.Background(), application.JoinCommand{OpenID: ""}); err == nil {
		t.Fatal("invalid join succeeded")
	}
	for _, o := range []*countingObserver{e.obs, second} {
		if o.count() != 3 {
			t.Fatalf("observer called %d times, want 3", o.count())
		}
		got := o.results[1]
		if got.User.ID != res.User.ID || got.Invite == nil || got.Invite.ID != res.Invite.ID || !got.IsNew {
			t.Fatalf("observer saw %+v, want %+v", got, res)
		}
	}
}
