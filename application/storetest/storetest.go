// Package storetest is the one contract suite every storage adapter runs: the
// in-memory store, SQLite and MySQL must all pass exactly the same tests, so a use
// case tested against one store behaves the same on the others. It covers lookups,
// every unique rule, rollback, Unicode and time round trips, keyset paging, the
// compare-and-swap operations and 20-goroutine races on one row.
package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Stores is what a store adapter hands the suite; New must return an empty,
// independent store each call.
type Stores struct {
	Tx      application.Transactor
	Users   application.UserRepository
	Invites application.InviteRepository
	QRCodes application.QRCodeRepository
	Tokens  application.TokenStore
	// Sessions may be nil for a store that keeps no sessions; its subtest then skips.
	Sessions application.SessionRevocations
}

// base is the instant the suite's data is built around; it has microseconds so that
// truncation to seconds or milliseconds is caught.
var base = time.Date(2025, 3, 1, 8, 30, 15, 123456000, time.UTC)

// Run runs every contract test against stores made by newStores, one fresh store per
// subtest.
func Run(t *testing.T, newStores func(t *testing.T) Stores) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Stores)
	}{
		{"UserCreateAndFind", testUserCreateAndFind},
		{"UserNotFound", testUserNotFound},
		{"UserUniqueKeys", testUserUniqueKeys},
		{"UserUnicodeAndTime", testUserUnicodeAndTime},
		{"UserUpdates", testUserUpdates},
		{"Rollback", testRollback},
		{"InviteCreate", testInviteCreate},
		{"InviteesPagingDistinctTimes", func(t *testing.T, s Stores) { testInviteesPaging(t, s, time.Second) }},
		{"InviteesPagingEqualTimes", func(t *testing.T, s Stores) { testInviteesPaging(t, s, 0) }},
		{"InviteesPagingStableUnderInserts", testInviteesPagingStable},
		{"InviteCountsAndLeaderboard", testInviteCounts},
		{"InviteListAndEach", testInviteListAndEach},
		{"QRCodes", testQRCodes},
		{"TokenStore", testTokenStore},
		{"TokenLease", testTokenLease},
		{"RaceJoinSameOpenID", testRaceJoin},
		{"RaceInviteSameInvitee", testRaceInvite},
		{"RaceLease", testRaceLease},
		{"FollowEventOrder", testFollowEventOrder},
		{"RaceFollowEvents", testRaceFollowEvents},
		{"SessionRevocations", testSessionRevocations},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStores(t))
		})
	}
}

// code derives a valid, distinct invite code from a seed.
func code(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	c, err := domain.NewInviteCode(sum[:domain.InviteCodeBytes])
	if err != nil {
		panic(err)
	}
	return c
}

func newUser(openID, nickname string, at time.Time) domain.User {
	return domain.User{OpenID: openID, Nickname: nickname, InviteCode: code(openID), JoinedAt: at, AvatarURL: "https://example.com/a/" + openID}
}

func mustCreateUser(t *testing.T, s Stores, u domain.User) domain.User {
	t.Helper()
	got, err := s.Users.Create(context.Background(), u)
	if err != nil {
		t.Fatalf("Create(%s): %v", u.OpenID, err)
	}
	if got.ID == 0 {
		t.Fatalf("Create(%s) returned no ID", u.OpenID)
	}
	return got
}

func mustInvite(t *testing.T, s Stores, inviter, invitee domain.User, ch domain.Channel, at time.Time) domain.Invite {
	t.Helper()
	scene := ""
	if ch == domain.ChannelScan {
		scene = domain.InviteScene(inviter.InviteCode).Str
	}
	inv, err := s.Invites.Create(context.Background(), domain.Invite{
		InviterID: inviter.ID, InviteeID: invitee.ID, Channel: ch, QRScene: scene, Status: domain.InviteCounted, CreatedAt: at,
	})
	if err != nil {
		t.Fatalf("Invites.Create(%d→%d): %v", inviter.ID, invitee.ID, err)
	}
	if inv.ID == 0 {
		t.Fatalf("Invites.Create returned no ID")
	}
	return inv
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
	if !got.IsZero() && got.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", what, got.Location())
	}
}

func sameUser(t *testing.T, got, want domain.User) {
	t.Helper()
	sameTime(t, "JoinedAt", got.JoinedAt, want.JoinedAt)
	sameTime(t, "FollowEventAt", got.FollowEventAt, want.FollowEventAt)
	got.JoinedAt, want.JoinedAt = time.Time{}, time.Time{}
	got.FollowEventAt, want.FollowEventAt = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("user\n got %+v\nwant %+v", got, want)
	}
}

func wantKind(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want %v", what, err, target)
	}
}

func testUserCreateAndFind(t *testing.T, s Stores) {
	ctx := context.Background()
	u := newUser("oA_openid-1", "Alice", base)
	u.UnionID, u.Following, u.FirstContactKey = "union-1", true, "msg-123"
	created := mustCreateUser(t, s, u)
	u.ID = created.ID
	sameUser(t, created, u)

	other := mustCreateUser(t, s, newUser("oB", "Bob", base))
	if other.ID == created.ID {
		t.Fatalf("two users share ID %d", other.ID)
	}
	for name, find := range map[string]func() (domain.User, error){
		"ByOpenID":     func() (domain.User, error) { return s.Users.ByOpenID(ctx, u.OpenID) },
		"ByID":         func() (domain.User, error) { return s.Users.ByID(ctx, u.ID) },
		"ByInviteCode": func() (domain.User, error) { return s.Users.ByInviteCode(ctx, u.InviteCode) },
	} {
		got, err := find()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameUser(t, got, u)
	}
}

func testUserNotFound(t *testing.T, s Stores) {
	ctx := context.Background()
	mustCreateUser(t, s, newUser("oExists", "x", base))
	_, err := s.Users.ByOpenID(ctx, "oMissing")
	wantKind(t, "ByOpenID", err, application.ErrNotFound)
	_, err = s.Users.ByOpenID(ctx, "OEXISTS") // openids compare exactly, case included
	wantKind(t, "ByOpenID(other case)", err, application.ErrNotFound)
	_, err = s.Users.ByID(ctx, 987654)
	wantKind(t, "ByID", err, application.ErrNotFound)
	_, err = s.Users.ByInviteCode(ctx, code("nobody"))
	wantKind(t, "ByInviteCode", err, application.ErrNotFound)
	_, err = s.Invites.ByInvitee(ctx, 987654)
	wantKind(t, "ByInvitee", err, application.ErrNotFound)
	_, err = s.QRCodes.Current(ctx, 987654, domain.QRPurposeInvite)
	wantKind(t, "QRCodes.Current", err, application.ErrNotFound)
	_, err = s.Tokens.Token(ctx, "wx-missing")
	wantKind(t, "Token", err, application.ErrNotFound)
}

func testUserUniqueKeys(t *testing.T, s Stores) {
	ctx := context.Background()
	a := newUser("oA", "A", base)
	a.UnionID = "unionA"
	mustCreateUser(t, s, a)

	dupOpenID := newUser("oA", "A2", base)
	dupOpenID.InviteCode = code("fresh-1")
	_, err := s.Users.Create(ctx, dupOpenID)
	wantKind(t, "duplicate openid", err, application.ErrConflict)

	dupCode := newUser("oB", "B", base)
	dupCode.InviteCode = a.InviteCode
	_, err = s.Users.Create(ctx, dupCode)
	wantKind(t, "duplicate invite code", err, application.ErrConflict)

	dupUnion := newUser("oC", "C", base)
	dupUnion.UnionID = "unionA"
	_, err = s.Users.Create(ctx, dupUnion)
	wantKind(t, "duplicate unionid", err, application.ErrConflict)

	// Many users have no unionid: empty is not a value that collides.
	mustCreateUser(t, s, newUser("oD", "D", base))
	mustCreateUser(t, s, newUser("oE", "E", base))
	n, _, err := s.Users.Counts(ctx)
	if err != nil || n != 3 {
		t.Errorf("Counts = %d, %v; want 3 users (failed creates must leave nothing)", n, err)
	}
}

func testUserUnicodeAndTime(t *testing.T, s Stores) {
	ctx := context.Background()
	shanghai := time.FixedZone("CST", 8*3600)
	at := time.Date(2025, 12, 31, 23, 59, 59, 999999000, shanghai)
	u := newUser("oUnicode", "小明😀🎉", at)
	u.AvatarURL = "https://thirdwx.qlogo.cn/mmopen/vi_32/" + string(make([]byte, 0)) + "Q0j4TwGTfTL/132"
	created := mustCreateUser(t, s, u)
	got, err := s.Users.ByID(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Nickname != "小明😀🎉" {
		t.Errorf("nickname = %q, want %q", got.Nickname, "小明😀🎉")
	}
	sameTime(t, "JoinedAt", got.JoinedAt, at.UTC())
	sameTime(t, "JoinedAt from Create", created.JoinedAt, at.UTC())
}

func testUserUpdates(t *testing.T, s Stores) {
	ctx := context.Background()
	a := mustCreateUser(t, s, newUser("oA", "", base))
	b := newUser("oB", "B", base)
	b.UnionID = "unionB"
	b = mustCreateUser(t, s, b)
	mustCreateUser(t, s, newUser("oC", "C", base))

	a.UnionID, a.Nickname, a.AvatarURL = "unionA", "阿A😀", "https://example.com/new.png"
	if err := s.Users.UpdateProfile(ctx, a); err != nil {
		t.Fatalf("UpdateProfile: %v", err)
	}
	if err := s.Users.UpdateProfile(ctx, a); err != nil {
		t.Fatalf("UpdateProfile with unchanged values: %v", err) // matched, not changed: still found
	}
	got, err := s.Users.ByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameUser(t, got, a)

	clash := a
	clash.UnionID = "unionB"
	wantKind(t, "UpdateProfile to another user's unionid", s.Users.UpdateProfile(ctx, clash), application.ErrConflict)
	ghost := a
	ghost.ID = 987654
	ghost.UnionID = "unionGhost"
	wantKind(t, "UpdateProfile of a missing user", s.Users.UpdateProfile(ctx, ghost), application.ErrNotFound)

	at := base.Add(time.Minute)
	if _, err := s.Users.SetFollowing(ctx, a.ID, true, at); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Users.SetFollowing(ctx, a.ID, true, at); err != nil {
		t.Fatalf("SetFollowing twice: %v", err)
	}
	if _, err := s.Users.SetFollowing(ctx, b.ID, true, at); err != nil {
		t.Fatal(err)
	}
	_, err = s.Users.SetFollowing(ctx, 987654, true, at)
	wantKind(t, "SetFollowing of a missing user", err, application.ErrNotFound)
	users, followers, err := s.Users.Counts(ctx)
	if err != nil || users != 3 || followers != 2 {
		t.Errorf("Counts = %d, %d, %v; want 3, 2", users, followers, err)
	}
	if _, err := s.Users.SetFollowing(ctx, b.ID, false, at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Users.ByID(ctx, b.ID); got.Following {
		t.Error("SetFollowing(false) did not stick")
	}
	if _, followers, _ := s.Users.Counts(ctx); followers != 1 {
		t.Errorf("followers = %d after an unfollow, want 1", followers)
	}
}

func testRollback(t *testing.T, s Stores) {
	ctx := context.Background()
	boom := errors.New("boom")
	inviter := mustCreateUser(t, s, newUser("oInviter", "I", base))
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.Users.Create(ctx, newUser("oRolledBack", "R", base))
		if err != nil {
			return err
		}
		if _, err := s.Users.ByOpenID(ctx, "oRolledBack"); err != nil {
			return fmt.Errorf("the transaction does not see its own write: %w", err)
		}
		if _, err := s.Invites.Create(ctx, domain.Invite{InviterID: inviter.ID, InviteeID: u.ID, Channel: domain.ChannelLink, Status: domain.InviteCounted, CreatedAt: base}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want fn's error unchanged", err)
	}
	_, err = s.Users.ByOpenID(ctx, "oRolledBack")
	wantKind(t, "user after rollback", err, application.ErrNotFound)
	if n, err := s.Invites.CountByInviter(ctx, inviter.ID); err != nil || n != 0 {
		t.Errorf("CountByInviter after rollback = %d, %v; want 0", n, err)
	}
	if users, _, _ := s.Users.Counts(ctx); users != 1 {
		t.Errorf("users after rollback = %d, want 1", users)
	}

	// A committed transaction keeps its writes.
	if err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		_, err := s.Users.Create(ctx, newUser("oCommitted", "C", base))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Users.ByOpenID(ctx, "oCommitted"); err != nil {
		t.Errorf("user after commit: %v", err)
	}
}

func testInviteCreate(t *testing.T, s Stores) {
	ctx := context.Background()
	a := mustCreateUser(t, s, newUser("oA", "A", base))
	b := mustCreateUser(t, s, newUser("oB", "B", base))
	c := mustCreateUser(t, s, newUser("oC", "C", base))
	inv := mustInvite(t, s, a, b, domain.ChannelScan, base.Add(time.Minute))
	got, err := s.Invites.ByInvitee(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, base.Add(time.Minute))
	got.CreatedAt, inv.CreatedAt = time.Time{}, time.Time{}
	want := domain.Invite{ID: inv.ID, InviterID: a.ID, InviteeID: b.ID, Channel: domain.ChannelScan, QRScene: domain.InviteScene(a.InviteCode).Str, Status: domain.InviteCounted}
	if got != want || inv != want {
		t.Errorf("ByInvitee = %+v, Create = %+v, want %+v", got, inv, want)
	}
	_, err = s.Invites.Create(ctx, domain.Invite{InviterID: c.ID, InviteeID: b.ID, Channel: domain.ChannelLink, Status: domain.InviteCounted, CreatedAt: base})
	wantKind(t, "second invite of one invitee", err, application.ErrConflict)
}

// invitees makes inviter with n invitees; invitee i joins at base + i*step.
func invitees(t *testing.T, s Stores, inviter domain.User, n int, step time.Duration, prefix string) []domain.Invite {
	t.Helper()
	out := make([]domain.Invite, n)
	for i := range n {
		u := mustCreateUser(t, s, newUser(fmt.Sprintf("%s%02d", prefix, i), fmt.Sprintf("好友%d😀", i), base))
		out[i] = mustInvite(t, s, inviter, u, domain.ChannelLink, base.Add(time.Duration(i)*step))
	}
	return out
}

// newestFirst checks the order of a page: (JoinedAt, InviteID) never increases.
func newestFirst(t *testing.T, items []application.Invitee) {
	t.Helper()
	for i := 1; i < len(items); i++ {
		p, c := items[i-1], items[i]
		if c.JoinedAt.After(p.JoinedAt) || (c.JoinedAt.Equal(p.JoinedAt) && c.InviteID >= p.InviteID) {
			t.Fatalf("not newest first at %d: %v/%d then %v/%d", i, p.JoinedAt, p.InviteID, c.JoinedAt, c.InviteID)
		}
	}
}

func pageAll(t *testing.T, s Stores, inviter domain.UserID, limit int, between func(page int)) ([]application.Invitee, []int) {
	t.Helper()
	var all []application.Invitee
	var sizes []int
	var cur application.Cursor
	for page := 0; ; page++ {
		if page > 50 {
			t.Fatal("paging does not end")
		}
		items, next, err := s.Invites.Invitees(context.Background(), inviter, application.Page{Limit: limit, Cursor: cur})
		if err != nil {
			t.Fatalf("Invitees page %d: %v", page, err)
		}
		all = append(all, items...)
		sizes = append(sizes, len(items))
		if next.IsZero() {
			return all, sizes
		}
		// Cursors travel through URLs: they must survive encoding.
		if cur, err = application.DecodeCursor(next.Encode()); err != nil {
			t.Fatalf("cursor does not round-trip: %v", err)
		}
		if between != nil {
			between(page)
		}
	}
}

func testInviteesPaging(t *testing.T, s Stores, step time.Duration) {
	inviter := mustCreateUser(t, s, newUser("oInviter", "I", base))
	other := mustCreateUser(t, s, newUser("oOther", "O", base))
	invs := invitees(t, s, inviter, 25, step, "oFriend")
	invitees(t, s, other, 3, step, "oNotMine") // another inviter's invitees never show

	all, sizes := pageAll(t, s, inviter.ID, 10, nil)
	if fmt.Sprint(sizes) != "[10 10 5]" {
		t.Fatalf("page sizes = %v, want [10 10 5]", sizes)
	}
	newestFirst(t, all)
	seen := map[domain.InviteID]bool{}
	for _, it := range all {
		if seen[it.InviteID] {
			t.Fatalf("invite %d listed twice", it.InviteID)
		}
		seen[it.InviteID] = true
	}
	for _, inv := range invs {
		if !seen[inv.ID] {
			t.Fatalf("invite %d missing from the pages", inv.ID)
		}
	}
	first := all[0]
	if step > 0 {
		want := invs[24]
		if first.InviteID != want.ID || first.UserID != want.InviteeID || first.Nickname != "好友24😀" || first.Channel != domain.ChannelLink {
			t.Errorf("newest = %+v, want invite %d of user %d named 好友24😀", first, want.ID, want.InviteeID)
		}
		sameTime(t, "JoinedAt", first.JoinedAt, want.CreatedAt)
	}
	items, next, err := s.Invites.Invitees(context.Background(), inviter.ID, application.Page{Limit: 25})
	if err != nil || len(items) != 25 || !next.IsZero() {
		t.Errorf("a page holding exactly everything: %d items, next %+v, %v; want 25 and no next page", len(items), next, err)
	}
}

func testInviteesPagingStable(t *testing.T, s Stores) {
	inviter := mustCreateUser(t, s, newUser("oInviter", "I", base))
	invitees(t, s, inviter, 25, time.Second, "oFriend")
	before, _ := pageAll(t, s, inviter.ID, 10, nil)

	n := 0
	after, sizes := pageAll(t, s, inviter.ID, 10, func(int) {
		// Newcomers arrive between page requests; they are newer than the cursor.
		for range 3 {
			u := mustCreateUser(t, s, newUser(fmt.Sprintf("oLate%02d", n), "late", base))
			mustInvite(t, s, inviter, u, domain.ChannelScan, base.Add(time.Hour+time.Duration(n)*time.Millisecond))
			n++
		}
	})
	if fmt.Sprint(sizes) != "[10 10 5]" {
		t.Fatalf("page sizes with inserts between pages = %v, want [10 10 5]", sizes)
	}
	for i := range before {
		if before[i].InviteID != after[i].InviteID {
			t.Fatalf("item %d shifted: %d, was %d", i, after[i].InviteID, before[i].InviteID)
		}
	}
}

func testInviteCounts(t *testing.T, s Stores) {
	ctx := context.Background()
	var us []domain.User
	for i := range 4 {
		us = append(us, mustCreateUser(t, s, newUser(fmt.Sprintf("oInviter%d", i), fmt.Sprintf("邀请者%d", i), base)))
	}
	if got, err := s.Invites.Leaderboard(ctx, 10); err != nil || len(got) != 0 {
		t.Errorf("empty Leaderboard = %v, %v", got, err)
	}
	if got, err := s.Invites.CountByChannel(ctx); err != nil || got[domain.ChannelLink] != 0 || got[domain.ChannelScan] != 0 {
		t.Errorf("empty CountByChannel = %v, %v", got, err)
	}
	// us[0]: 3, us[1]: 3, us[2]: 1, us[3]: 5 → order 3, 0, 1, 2 (ties: lower id first).
	counts := []int{3, 3, 1, 5}
	k, scans := 0, 0
	for i, n := range counts {
		for range n {
			u := mustCreateUser(t, s, newUser(fmt.Sprintf("oInvitee%02d", k), "x", base))
			ch := domain.ChannelLink
			if k%3 == 0 {
				ch = domain.ChannelScan
				scans++
			}
			mustInvite(t, s, us[i], u, ch, base.Add(time.Duration(k)*time.Second))
			k++
		}
	}
	for i, n := range counts {
		if got, err := s.Invites.CountByInviter(ctx, us[i].ID); err != nil || got != n {
			t.Errorf("CountByInviter(%d) = %d, %v; want %d", i, got, err, n)
		}
	}
	if got, err := s.Invites.CountByInviter(ctx, 987654); err != nil || got != 0 {
		t.Errorf("CountByInviter(nobody) = %d, %v; want 0", got, err)
	}
	byCh, err := s.Invites.CountByChannel(ctx)
	if err != nil || byCh[domain.ChannelScan] != scans || byCh[domain.ChannelLink] != k-scans {
		t.Errorf("CountByChannel = %v, %v; want scan %d link %d", byCh, err, scans, k-scans)
	}

	first, second := us[0], us[1]
	if second.ID < first.ID {
		first, second = second, first
	}
	want := []application.LeaderboardEntry{
		{UserID: us[3].ID, OpenID: us[3].OpenID, Nickname: us[3].Nickname, InviteeCount: 5},
		{UserID: first.ID, OpenID: first.OpenID, Nickname: first.Nickname, InviteeCount: 3},
		{UserID: second.ID, OpenID: second.OpenID, Nickname: second.Nickname, InviteeCount: 3},
		{UserID: us[2].ID, OpenID: us[2].OpenID, Nickname: us[2].Nickname, InviteeCount: 1},
	}
	got, err := s.Invites.Leaderboard(ctx, 10)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Leaderboard(10) = %v, %v\nwant %v", got, err, want)
	}
	got, err = s.Invites.Leaderboard(ctx, 2)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want[:2]) {
		t.Errorf("Leaderboard(2) = %v, %v\nwant %v", got, err, want[:2])
	}
}

func testInviteListAndEach(t *testing.T, s Stores) {
	ctx := context.Background()
	a := mustCreateUser(t, s, newUser("oA", "甲", base))
	b := mustCreateUser(t, s, newUser("oB", "乙😀", base))
	var want []domain.Invite
	for i := range 7 {
		u := mustCreateUser(t, s, newUser(fmt.Sprintf("oF%d", i), fmt.Sprintf("友%d", i), base))
		inviter := a
		if i%2 == 1 {
			inviter = b
		}
		// Two share an instant, to exercise the id tie-break across inviters.
		at := base.Add(time.Duration(i/2) * time.Minute)
		want = append(want, mustInvite(t, s, inviter, u, domain.ChannelLink, at))
	}

	var listed []application.InviteRecord
	var cur application.Cursor
	for range 10 {
		page, next, err := s.Invites.List(ctx, application.Page{Limit: 3, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, page...)
		if cur = next; cur.IsZero() {
			break
		}
	}
	var streamed []application.InviteRecord
	if err := s.Invites.Each(ctx, func(r application.InviteRecord) error {
		streamed = append(streamed, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(want) || len(streamed) != len(want) {
		t.Fatalf("List gave %d, Each %d, want %d", len(listed), len(streamed), len(want))
	}
	for i := range listed {
		l, e := listed[i], streamed[i]
		sameTime(t, "CreatedAt", l.Invite.CreatedAt, e.Invite.CreatedAt)
		l.Invite.CreatedAt, e.Invite.CreatedAt = time.Time{}, time.Time{}
		if l != e {
			t.Errorf("record %d: List %+v, Each %+v", i, l, e)
		}
		if i > 0 {
			p := listed[i-1].Invite
			c := listed[i].Invite
			if c.CreatedAt.After(p.CreatedAt) || (c.CreatedAt.Equal(p.CreatedAt) && c.ID >= p.ID) {
				t.Errorf("List not newest first at %d", i)
			}
		}
		if l.InviterNickname == "" || l.InviteeNickname == "" {
			t.Errorf("record %d lacks nicknames: %+v", i, l)
		}
	}
	newest := listed[0]
	if newest.Invite.ID != want[6].ID || newest.InviterNickname != "甲" || newest.InviteeNickname != "友6" {
		t.Errorf("newest record = %+v, want invite %d from 甲 to 友6", newest, want[6].ID)
	}

	stop := errors.New("stop")
	n := 0
	err := s.Invites.Each(ctx, func(application.InviteRecord) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Each after fn fails: err %v after %d calls; want fn's error after 1", err, n)
	}
}

func testQRCodes(t *testing.T, s Stores) {
	ctx := context.Background()
	owner := mustCreateUser(t, s, newUser("oOwner", "O", base))
	scene := domain.InviteScene(owner.InviteCode)
	q1 := domain.QRCode{
		Kind: domain.QRTemporary, Scene: scene, Purpose: domain.QRPurposeInvite, OwnerID: owner.ID,
		Ticket: "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xLzAyVFR0", URL: "http://weixin.qq.com/q/02TTt",
		ExpiresAt: base.Add(30 * 24 * time.Hour), IssuedAt: base,
	}
	sameQR := func(got, want domain.QRCode) {
		t.Helper()
		sameTime(t, "ExpiresAt", got.ExpiresAt, want.ExpiresAt)
		sameTime(t, "IssuedAt", got.IssuedAt, want.IssuedAt)
		got.ExpiresAt, got.IssuedAt, want.ExpiresAt, want.IssuedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if got != want {
			t.Errorf("QR code\n got %+v\nwant %+v", got, want)
		}
	}
	if err := s.QRCodes.Save(ctx, q1, ""); err != nil {
		t.Fatalf("first Save: %v", err)
	}
	got, err := s.QRCodes.Current(ctx, owner.ID, domain.QRPurposeInvite)
	if err != nil {
		t.Fatal(err)
	}
	sameQR(got, q1)

	q2 := q1
	q2.Ticket, q2.URL, q2.IssuedAt, q2.ExpiresAt = "ticket-2", "http://weixin.qq.com/q/2", base.Add(29*24*time.Hour), base.Add(59*24*time.Hour)
	wantKind(t, "Save with prev \"\" over an existing code", s.QRCodes.Save(ctx, q2, ""), application.ErrConflict)
	wantKind(t, "Save with a wrong prev", s.QRCodes.Save(ctx, q2, "not-the-ticket"), application.ErrConflict)
	if err := s.QRCodes.Save(ctx, q2, q1.Ticket); err != nil {
		t.Fatalf("re-issue Save: %v", err)
	}
	q3 := q2
	q3.Ticket = "ticket-3"
	wantKind(t, "Save with a stale prev", s.QRCodes.Save(ctx, q3, q1.Ticket), application.ErrConflict)
	got, _ = s.QRCodes.Current(ctx, owner.ID, domain.QRPurposeInvite)
	sameQR(got, q2)
	orphan := q1
	orphan.OwnerID, orphan.Ticket = 987654, "orphan"
	wantKind(t, "CAS Save for an owner without a code", s.QRCodes.Save(ctx, orphan, "x"), application.ErrConflict)

	if n, err := s.QRCodes.CountPermanent(ctx); err != nil || n != 0 {
		t.Errorf("CountPermanent = %d, %v; want 0", n, err)
	}
	other := mustCreateUser(t, s, newUser("oOther", "P", base))
	perm := domain.QRCode{Kind: domain.QRPermanent, Scene: domain.InviteScene(other.InviteCode), Purpose: domain.QRPurposeInvite,
		OwnerID: other.ID, Ticket: "perm-ticket", URL: "http://weixin.qq.com/q/p", IssuedAt: base}
	if err := s.QRCodes.Save(ctx, perm, ""); err != nil {
		t.Fatal(err)
	}
	got, err = s.QRCodes.Current(ctx, other.ID, domain.QRPurposeInvite)
	if err != nil {
		t.Fatal(err)
	}
	sameQR(got, perm)
	if n, err := s.QRCodes.CountPermanent(ctx); err != nil || n != 1 {
		t.Errorf("CountPermanent = %d, %v; want 1", n, err)
	}
}

func testTokenStore(t *testing.T, s Stores) {
	ctx := context.Background()
	const app = "wx1234567890abcdef"
	_, err := s.Tokens.Token(ctx, app)
	wantKind(t, "Token before any", err, application.ErrNotFound)
	long := make([]byte, 600) // real tokens run to 512+ characters
	for i := range long {
		long[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"[i%64]
	}
	tok := domain.AccessToken{Value: string(long), ExpiresAt: base.Add(2 * time.Hour)}
	if err := s.Tokens.PutToken(ctx, app, "instance-1", tok); err != nil {
		t.Fatal(err)
	}
	got, err := s.Tokens.Token(ctx, app)
	if err != nil || got.Value != tok.Value {
		t.Fatalf("Token = %q, %v; want the stored token", got.Value, err)
	}
	sameTime(t, "ExpiresAt", got.ExpiresAt, tok.ExpiresAt)
	if _, err := s.Tokens.Token(ctx, "wx-other-app"); !errors.Is(err, application.ErrNotFound) {
		t.Errorf("another appid sees a token: %v", err)
	}

	if ok, err := s.Tokens.Invalidate(ctx, app, "stale-value"); err != nil || ok {
		t.Errorf("Invalidate(wrong value) = %v, %v; want false", ok, err)
	}
	if got, err := s.Tokens.Token(ctx, app); err != nil || got.Value != tok.Value {
		t.Errorf("token after a stale Invalidate = %q, %v; want it kept", got.Value, err)
	}
	if ok, err := s.Tokens.Invalidate(ctx, app, tok.Value); err != nil || !ok {
		t.Errorf("Invalidate(right value) = %v, %v; want true", ok, err)
	}
	_, err = s.Tokens.Token(ctx, app)
	wantKind(t, "Token after Invalidate", err, application.ErrNotFound)
	if ok, err := s.Tokens.Invalidate(ctx, app, tok.Value); err != nil || ok {
		t.Errorf("second Invalidate = %v, %v; want false", ok, err)
	}
}

func testTokenLease(t *testing.T, s Stores) {
	ctx := context.Background()
	const app = "wxlease"
	now, until := base, base.Add(30*time.Second)
	acquire := func(holder string, at, until time.Time, want bool) {
		t.Helper()
		ok, err := s.Tokens.AcquireLease(ctx, app, holder, at, until)
		if err != nil || ok != want {
			t.Fatalf("AcquireLease(%s at %s) = %v, %v; want %v", holder, at.Sub(base), ok, err, want)
		}
	}
	acquire("h1", now, until, true)
	acquire("h2", now, until, false)
	acquire("h2", now.Add(29*time.Second), until.Add(29*time.Second), false)
	acquire("h1", now.Add(time.Second), until, true) // the holder may renew
	// The lease ends at until: from then on another instance takes over.
	acquire("h2", until, until.Add(30*time.Second), true)
	acquire("h1", until, until.Add(30*time.Second), false)

	if err := s.Tokens.ReleaseLease(ctx, app, "h1"); err != nil { // not the holder: no effect
		t.Fatal(err)
	}
	acquire("h3", until.Add(time.Second), until.Add(time.Minute), false)
	if err := s.Tokens.ReleaseLease(ctx, app, "h2"); err != nil {
		t.Fatal(err)
	}
	acquire("h3", until.Add(time.Second), until.Add(time.Minute), true)

	// PutToken by the holder releases the lease.
	if err := s.Tokens.PutToken(ctx, app, "h3", domain.AccessToken{Value: "tok", ExpiresAt: base.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	acquire("h4", until.Add(2*time.Second), until.Add(time.Minute), true)
	if got, err := s.Tokens.Token(ctx, app); err != nil || got.Value != "tok" {
		t.Errorf("Token = %q, %v after lease games", got.Value, err)
	}
	// PutToken by someone else stores the token but leaves h4's lease alone.
	if err := s.Tokens.PutToken(ctx, app, "h5", domain.AccessToken{Value: "tok2", ExpiresAt: base.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	acquire("h6", until.Add(3*time.Second), until.Add(time.Minute), false)
	if got, err := s.Tokens.Token(ctx, app); err != nil || got.Value != "tok2" {
		t.Errorf("Token = %q, %v; want tok2", got.Value, err)
	}
}

// race runs fn in n goroutines released at the same moment.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	done := make(chan int)
	for i := range n {
		go func() {
			<-start
			errs[i] = fn(i)
			done <- i
		}()
	}
	close(start)
	for range n {
		<-done
	}
	return errs
}

func testRaceJoin(t *testing.T, s Stores) {
	ctx := context.Background()
	created := make([]bool, 20)
	found := make([]bool, 20)
	errs := race(20, func(i int) error {
		return s.Tx.InTx(ctx, func(ctx context.Context) error {
			created[i], found[i] = false, false // fn may run more than once
			_, err := s.Users.ByOpenID(ctx, "oRacer")
			if err == nil {
				found[i] = true
				return nil
			}
			if !errors.Is(err, application.ErrNotFound) {
				return err
			}
			u := newUser("oRacer", "racer", base)
			u.InviteCode = code(fmt.Sprint("racer", i))
			if _, err := s.Users.Create(ctx, u); err != nil {
				return err
			}
			created[i] = true
			return nil
		})
	})
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil && created[i]:
			winners++
		case err == nil && found[i]:
		case errors.Is(err, application.ErrConflict):
		default:
			t.Errorf("goroutine %d: %v (created %v, found %v)", i, err, created[i], found[i])
		}
	}
	if winners != 1 {
		t.Errorf("%d goroutines created the user, want exactly 1", winners)
	}
	if users, _, err := s.Users.Counts(ctx); err != nil || users != 1 {
		t.Errorf("users = %d, %v; want 1", users, err)
	}
}

func testRaceInvite(t *testing.T, s Stores) {
	ctx := context.Background()
	invitee := mustCreateUser(t, s, newUser("oInvitee", "new", base))
	inviters := make([]domain.User, 20)
	for i := range inviters {
		inviters[i] = mustCreateUser(t, s, newUser(fmt.Sprintf("oInviter%02d", i), "inviter", base))
	}
	errs := race(20, func(i int) error {
		_, err := s.Invites.Create(ctx, domain.Invite{InviterID: inviters[i].ID, InviteeID: invitee.ID, Channel: domain.ChannelScan, Status: domain.InviteCounted, CreatedAt: base})
		return err
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("goroutines %d and %d both recorded an invite", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, application.ErrConflict):
			t.Errorf("goroutine %d: %v, want nil or ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no goroutine recorded the invite")
	}
	inv, err := s.Invites.ByInvitee(ctx, invitee.ID)
	if err != nil || inv.InviterID != inviters[winner].ID {
		t.Errorf("ByInvitee = %+v, %v; want the winner %d", inv, err, inviters[winner].ID)
	}
	total := 0
	for _, u := range inviters {
		n, _ := s.Invites.CountByInviter(ctx, u.ID)
		total += n
	}
	if total != 1 {
		t.Errorf("%d invites recorded, want 1", total)
	}
}

func testRaceLease(t *testing.T, s Stores) {
	ctx := context.Background()
	granted := make([]bool, 20)
	errs := race(20, func(i int) error {
		var err error
		granted[i], err = s.Tokens.AcquireLease(ctx, "wxrace", fmt.Sprint("holder-", i), base, base.Add(time.Minute))
		return err
	})
	n := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
		if granted[i] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d leases granted, want exactly 1", n)
	}
}

func testSessionRevocations(t *testing.T, s Stores) {
	if s.Sessions == nil {
		t.Skip("this store keeps no session revocations")
	}
	ctx := context.Background()
	until := base.Add(time.Hour)
	if revoked, err := s.Sessions.Revoked(ctx, "sid-1", base); err != nil || revoked {
		t.Fatalf("unknown session: revoked=%v err=%v", revoked, err)
	}
	if err := s.Sessions.Revoke(ctx, "sid-old", base, base.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Sessions.Revoke(ctx, "sid-1", base, until); err != nil {
		t.Fatal(err)
	}
	if err := s.Sessions.Revoke(ctx, "sid-1", base, base.Add(time.Minute)); err != nil { // twice, shorter: no change
		t.Fatalf("revoking twice: %v", err)
	}
	// A later revocation sweeps what has expired and keeps what has not.
	if err := s.Sessions.Revoke(ctx, "sid-3", base.Add(time.Minute), until); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sid  string
		at   time.Time
		want bool
	}{
		{"sid-1", base, true},
		{"sid-1", until.Add(-time.Microsecond), true},
		{"sid-1", until, false}, // the session has expired anyway
		{"sid-2", base, false},
		{"sid-3", base.Add(time.Minute), true},
		{"sid-old", base, false}, // swept (it would read true at base had it been kept)
	} {
		got, err := s.Sessions.Revoked(ctx, c.sid, c.at)
		if err != nil || got != c.want {
			t.Errorf("Revoked(%s, %s) = %v, %v; want %v", c.sid, c.at.Format(time.RFC3339Nano), got, err, c.want)
		}
	}
}
