package memory_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var memT0 = time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)

func memUser(n int) domain.User {
	code, err := domain.NewInviteCode([]byte{byte(n), byte(n >> 8), 1, 2, 3, 4, 5, 6})
	if err != nil {
		panic(err)
	}
	return domain.User{OpenID: fmt.Sprintf("o_%d", n), InviteCode: code, JoinedAt: memT0}
}

func mustCreate(t *testing.T, s *memory.Store, u domain.User) domain.User {
	t.Helper()
	got, err := s.Users().Create(context.Background(), u)
	if err != nil {
		t.Fatalf("Create(%+v) = %v", u, err)
	}
	return got
}

func TestUsersUniqueKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memory.New()
	a := memUser(1)
	a.UnionID = "u1"
	a = mustCreate(t, s, a)
	if a.ID != 1 {
		t.Fatalf("first id = %d", a.ID)
	}
	noUnion := mustCreate(t, s, memUser(2))
	mustCreate(t, s, memUser(3)) // two empty unionids do not collide
	tests := []struct {
		name string
		u    domain.User
	}{
		{"openid", domain.User{OpenID: a.OpenID, InviteCode: memUser(9).InviteCode}},
		{"invite code", domain.User{OpenID: "o_new", InviteCode: a.InviteCode}},
		{"unionid", domain.User{OpenID: "o_new", InviteCode: memUser(9).InviteCode, UnionID: "u1"}},
	}
	for _, tt := range tests {
		if _, err := s.Users().Create(ctx, tt.u); !errors.Is(err, application.ErrConflict) {
			t.Errorf("%s taken: Create = %v, want ErrConflict", tt.name, err)
		}
	}
	if n, _, _ := s.Users().Counts(ctx); n != 3 {
		t.Fatalf("%d users, want 3", n)
	}
	for name, get := range map[string]func() (domain.User, error){
		"ByOpenID":     func() (domain.User, error) { return s.Users().ByOpenID(ctx, noUnion.OpenID) },
		"ByID":         func() (domain.User, error) { return s.Users().ByID(ctx, noUnion.ID) },
		"ByInviteCode": func() (domain.User, error) { return s.Users().ByInviteCode(ctx, noUnion.InviteCode) },
	} {
		if got, err := get(); err != nil || got != noUnion {
			t.Errorf("%s = %+v, %v; want %+v", name, got, err, noUnion)
		}
	}
	for name, get := range map[string]func() (domain.User, error){
		"ByOpenID":     func() (domain.User, error) { return s.Users().ByOpenID(ctx, "o_none") },
		"ByID":         func() (domain.User, error) { return s.Users().ByID(ctx, 99) },
		"ByInviteCode": func() (domain.User, error) { return s.Users().ByInviteCode(ctx, "zzzzzzzzzzzzz") },
	} {
		if _, err := get(); !errors.Is(err, application.ErrNotFound) {
			t.Errorf("%s(missing) = %v, want ErrNotFound", name, err)
		}
	}
}

func TestUsersUpdateProfileAndFollowing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memory.New()
	a := memUser(1)
	a.UnionID = "u1"
	a = mustCreate(t, s, a)
	b := mustCreate(t, s, memUser(2))

	b.Nickname, b.AvatarURL, b.UnionID = "Bee", "http://b", "u2"
	b.InviteCode = "ignoredignore" // only the profile columns are written
	if err := s.Users().UpdateProfile(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Users().ByID(ctx, b.ID)
	if got.Nickname != "Bee" || got.AvatarURL != "http://b" || got.UnionID != "u2" || got.InviteCode != memUser(2).InviteCode {
		t.Fatalf("after update = %+v", got)
	}
	b.UnionID = "u1"
	if err := s.Users().UpdateProfile(ctx, b); !errors.Is(err, application.ErrConflict) {
		t.Fatalf("UpdateProfile(taken unionid) = %v, want ErrConflict", err)
	}
	if err := s.Users().UpdateProfile(ctx, domain.User{ID: 42}); !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("UpdateProfile(missing) = %v, want ErrNotFound", err)
	}
	// Re-saving one's own unionid is fine.
	if err := s.Users().UpdateProfile(ctx, a); err != nil {
		t.Fatalf("UpdateProfile(own unionid) = %v", err)
	}

	if _, err := s.Users().SetFollowing(ctx, a.ID, true, memT0); err != nil {
		t.Fatal(err)
	}
	if _, f, _ := s.Users().Counts(ctx); f != 1 {
		t.Fatalf("%d followers, want 1", f)
	}
	for _, id := range []domain.UserID{0, -1, 3} {
		if _, err := s.Users().SetFollowing(ctx, id, true, memT0); !errors.Is(err, application.ErrNotFound) {
			t.Fatalf("SetFollowing(%d) = %v, want ErrNotFound", id, err)
		}
	}
}

func TestInTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memory.New()
	a := mustCreate(t, s, memUser(1))
	boom := errors.New("boom")
	err := s.InTx(ctx, func(ctx context.Context) error {
		b, err := s.Users().Create(ctx, memUser(2))
		if err != nil {
			return err
		}
		if _, err := s.Invites().Create(ctx, domain.Invite{InviterID: a.ID, InviteeID: b.ID, Channel: domain.ChannelLink, CreatedAt: memT0}); err != nil {
			return err
		}
		if _, err := s.Users().SetFollowing(ctx, a.ID, true, memT0); err != nil {
			return err
		}
		if err := s.QRCodes().Save(ctx, domain.QRCode{Kind: domain.QRPermanent, Scene: domain.Scene{Str: "x"}, Purpose: domain.QRPurposeInvite, OwnerID: a.ID, Ticket: "t"}, ""); err != nil {
			return err
		}
		// Nested: joins the outer transaction instead of deadlocking.
		return s.InTx(ctx, func(ctx context.Context) error {
			if _, err := s.Users().ByID(ctx, b.ID); err != nil {
				return err
			}
			return boom
		})
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want boom unchanged", err)
	}
	users, followers, _ := s.Users().Counts(ctx)
	byCh, _ := s.Invites().CountByChannel(ctx)
	perm, _ := s.QRCodes().CountPermanent(ctx)
	if users != 1 || followers != 0 || len(byCh) != 0 || perm != 0 {
		t.Fatalf("after rollback: %d users, %d followers, invites %v, %d codes; want 1, 0, none, 0", users, followers, byCh, perm)
	}
	// The next id after a rollback is still dense.
	if b := mustCreate(t, s, memUser(3)); b.ID != 2 {
		t.Fatalf("id after rollback = %d, want 2", b.ID)
	}
}

func TestInTxCommits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memory.New()
	err := s.InTx(ctx, func(ctx context.Context) error {
		_, err := s.Users().Create(ctx, memUser(1))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Users().ByOpenID(ctx, "o_1"); err != nil {
		t.Fatalf("committed user missing: %v", err)
	}
}

func TestInTxIsolatesConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memory.New()
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.InTx(ctx, func(ctx context.Context) error {
				if _, err := s.Users().ByOpenID(ctx, "o_same"); err == nil {
					return application.Conflict("user", nil)
				}
				u := memUser(i)
				u.OpenID = "o_same"
				_, err := s.Users().Create(ctx, u)
				return err
			})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, application.ErrConflict):
			t.Fatalf("unexpected error %v", err)
		}
	}
	if n, _, _ := s.Users().Counts(ctx); ok != 1 || n != 1 {
		t.Fatalf("%d transactions won, %d users; want 1, 1", ok, n)
	}
}

func TestInvitesOnePerInvitee(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memory.New()
	for i := 1; i <= 3; i++ {
		mustCreate(t, s, memUser(i))
	}
	inv := domain.Invite{InviterID: 1, InviteeID: 2, Channel: domain.ChannelScan, QRScene: "inv_x", Status: domain.InviteCounted, CreatedAt: memT0}
	got, err := s.Invites().Create(ctx, inv)
	if err != nil || got.ID != 1 {
		t.Fatalf("Create = %+v, %v", got, err)
	}
	inv.InviterID = 3
	_, err = s.Invites().Create(ctx, inv)
	if !errors.Is(err, application.ErrConflict) || !errors.Is(err, domain.ErrAlreadyInvited) {
		t.Fatalf("second invite = %v, want ErrConflict and ErrAlreadyInvited", err)
	}
	stored, err := s.Invites().ByInvitee(ctx, 2)
	if err != nil || stored != got {
		t.Fatalf("ByInvitee = %+v, %v; want %+v", stored, err, got)
	}
	if _, err := s.Invites().ByInvitee(ctx, 3); !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("ByInvitee(none) = %v, want ErrNotFound", err)
	}
	if n, _ := s.Invites().CountByInviter(ctx, 1); n != 1 {
		t.Fatalf("CountByInviter = %d", n)
	}
	if n, _ := s.Invites().CountByInviter(ctx, 3); n != 0 {
		t.Fatalf("CountByInviter(3) = %d", n)
	}
}

func TestQRCodesCompareAndSwap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memory.New()
	r := s.QRCodes()
	q := func(owner domain.UserID, kind domain.QRKind, scene, ticket string) domain.QRCode {
		return domain.QRCode{Kind: kind, Scene: domain.Scene{Str: scene}, Purpose: domain.QRPurposeInvite, OwnerID: owner, Ticket: ticket, IssuedAt: memT0}
	}
	if _, err := r.Current(ctx, 1, domain.QRPurposeInvite); !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("Current(none) = %v", err)
	}
	steps := []struct {
		name string
		code domain.QRCode
		prev string
		ok   bool
	}{
		{"prev given but none", q(1, domain.QRTemporary, "s1", "t1"), "t0", false},
		{"first save", q(1, domain.QRTemporary, "s1", "t1"), "", true},
		{"empty prev but one exists", q(1, domain.QRTemporary, "s1", "t2"), "", false},
		{"stale prev", q(1, domain.QRTemporary, "s1", "t2"), "t0", false},
		{"right prev", q(1, domain.QRTemporary, "s1", "t2"), "t1", true},
		{"other purpose is separate", domain.QRCode{Kind: domain.QRTemporary, Purpose: "campaign", OwnerID: 1, Ticket: "c1"}, "", true},
		{"permanent for owner 2", q(2, domain.QRPermanent, "s2", "p2"), "", true},
		{"permanent scene taken by owner 2", q(3, domain.QRPermanent, "s2", "p3"), "", false},
		{"temporary may share a scene", q(3, domain.QRTemporary, "s2", "t3"), "", true},
	}
	for _, st := range steps {
		err := r.Save(ctx, st.code, st.prev)
		if st.ok && err != nil || !st.ok && !errors.Is(err, application.ErrConflict) {
			t.Fatalf("%s: Save = %v, want ok=%v (or ErrConflict)", st.name, err, st.ok)
		}
	}
	cur, err := r.Current(ctx, 1, domain.QRPurposeInvite)
	if err != nil || cur.Ticket != "t2" {
		t.Fatalf("Current = %+v, %v; want t2", cur, err)
	}
	if n, _ := r.CountPermanent(ctx); n != 1 {
		t.Fatalf("CountPermanent = %d, want 1", n)
	}
}

func TestQRCodesConcurrentFirstSave(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memory.New()
	const n = 20
	var wg sync.WaitGroup
	wins := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk := fmt.Sprintf("t%d", i)
			err := s.QRCodes().Save(ctx, domain.QRCode{Kind: domain.QRTemporary, Scene: domain.Scene{Str: "s"}, Purpose: domain.QRPurposeInvite, OwnerID: 1, Ticket: tk}, "")
			if err == nil {
				wins <- tk
			} else if !errors.Is(err, application.ErrConflict) {
				t.Errorf("Save = %v", err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	var won []string
	for w := range wins {
		won = append(won, w)
	}
	cur, _ := s.QRCodes().Current(ctx, 1, domain.QRPurposeInvite)
	if len(won) != 1 || cur.Ticket != won[0] {
		t.Fatalf("winners %v, current %q; want exactly one, current", won, cur.Ticket)
	}
}

func TestTokensLeaseAndCompareAndSwap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memory.New()
	tk := s.Tokens()
	const app = "wx123"
	if _, err := tk.Token(ctx, app); !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("Token(none) = %v", err)
	}
	until := memT0.Add(time.Minute)
	later := until.Add(time.Minute)
	lease := func(holder string, now, until time.Time, want bool) {
		t.Helper()
		got, err := tk.AcquireLease(ctx, app, holder, now, until)
		if err != nil || got != want {
			t.Fatalf("AcquireLease(%s, %s) = %v, %v; want %v", holder, now, got, err, want)
		}
	}
	lease("a", memT0, until, true)
	lease("b", memT0.Add(time.Second), later, false)
	lease("a", memT0.Add(time.Second), until, true) // the holder may renew
	lease("b", until.Add(-1), later, false)
	lease("b", until, later, true) // a lease ends at its instant
	// a is no longer the holder: its release does nothing, its put does not release b.
	if err := tk.ReleaseLease(ctx, app, "a"); err != nil {
		t.Fatal(err)
	}
	lease("c", until, later, false)
	tok := domain.AccessToken{Value: "v1", ExpiresAt: memT0.Add(2 * time.Hour)}
	if err := tk.PutToken(ctx, app, "a", tok); err != nil {
		t.Fatal(err)
	}
	lease("c", until, later, false)
	if got, err := tk.Token(ctx, app); err != nil || got != tok {
		t.Fatalf("Token = %+v, %v", got, err)
	}
	// b stores and releases.
	tok2 := domain.AccessToken{Value: "v2", ExpiresAt: memT0.Add(2 * time.Hour)}
	if err := tk.PutToken(ctx, app, "b", tok2); err != nil {
		t.Fatal(err)
	}
	lease("c", until, later, true)
	if err := tk.ReleaseLease(ctx, app, "c"); err != nil {
		t.Fatal(err)
	}
	lease("d", until, later, true)
	if got, err := tk.Token(ctx, app); err != nil || got != tok2 {
		t.Fatalf("Token = %+v, %v; a lease must not touch the token", got, err)
	}

	for _, tc := range []struct {
		value string
		want  bool
	}{{"", false}, {"v1", false}, {"v2", true}, {"v2", false}} {
		got, err := tk.Invalidate(ctx, app, tc.value)
		if err != nil || got != tc.want {
			t.Fatalf("Invalidate(%q) = %v, %v; want %v", tc.value, got, err, tc.want)
		}
	}
	if _, err := tk.Token(ctx, app); !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("Token after invalidate = %v, want ErrNotFound", err)
	}
	if got, _ := tk.Invalidate(ctx, "other-app", "v2"); got {
		t.Fatal("Invalidate on another app removed something")
	}
}

func TestInvitesListingsNewestFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := memory.New()
	for i := 1; i <= 6; i++ {
		u := memUser(i)
		u.Nickname = fmt.Sprintf("N%d", i)
		mustCreate(t, s, u)
	}
	// Inviter 1 brings 2,3,4 (3 and 4 at the same instant); inviter 5 brings 6.
	add := func(inviter, invitee domain.UserID, at time.Time) {
		if _, err := s.Invites().Create(ctx, domain.Invite{InviterID: inviter, InviteeID: invitee, Channel: domain.ChannelLink, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	add(1, 2, memT0)
	add(1, 3, memT0.Add(time.Second))
	add(1, 4, memT0.Add(time.Second))
	add(5, 6, memT0.Add(time.Hour))

	var order []domain.UserID
	page := application.Page{Limit: 1}
	for range 10 {
		items, next, err := s.Invites().Invitees(ctx, 1, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			order = append(order, it.UserID)
		}
		if next.IsZero() {
			break
		}
		page.Cursor = next
	}
	if fmt.Sprint(order) != "[4 3 2]" {
		t.Fatalf("invitees order = %v, want [4 3 2]", order)
	}
	all, next, err := s.Invites().List(ctx, application.Page{Limit: 10})
	if err != nil || !next.IsZero() || len(all) != 4 || all[0].InviteeNickname != "N6" || all[0].InviterNickname != "N5" || all[3].InviteeNickname != "N2" {
		t.Fatalf("List = %+v, %+v, %v", all, next, err)
	}
	board, err := s.Invites().Leaderboard(ctx, 10)
	if err != nil || len(board) != 2 || board[0] != (application.LeaderboardEntry{UserID: 1, OpenID: "o_1", Nickname: "N1", InviteeCount: 3}) || board[1].UserID != 5 {
		t.Fatalf("Leaderboard = %+v, %v", board, err)
	}
	byCh, _ := s.Invites().CountByChannel(ctx)
	if byCh[domain.ChannelLink] != 4 || len(byCh) != 1 {
		t.Fatalf("CountByChannel = %v", byCh)
	}
}
