package application_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func TestMe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	a := e.inviter(t, "o_a", "Ann")
	b := e.mustJoin(t, application.JoinCommand{OpenID: "o_b", Attribution: linkAttr(a.InviteCode)}).User
	e.mustJoin(t, application.JoinCommand{OpenID: "o_c", Attribution: linkAttr(b.InviteCode)})
	e.mustJoin(t, application.JoinCommand{OpenID: "o_d", Attribution: linkAttr(b.InviteCode)})
	q := application.NewMeQuery(e.users, e.invs)

	me, err := q.Me(ctx, a.ID)
	if err != nil || me.User.ID != a.ID || me.InvitedBy != nil || me.InviteeCount != 1 {
		t.Fatalf("Me(a) = %+v, %v; want not invited, 1 invitee", me, err)
	}
	me, err = q.Me(ctx, b.ID)
	if err != nil || me.User.ID != b.ID || me.InvitedBy == nil || me.InvitedBy.ID != a.ID || me.InvitedBy.Nickname != "Ann" || me.InviteeCount != 2 {
		t.Fatalf("Me(b) = %+v, %v; want invited by a, 2 invitees", me, err)
	}
	if _, err := q.Me(ctx, 404); !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("Me(unknown) = %v, want not found", err)
	}
}

func TestInviteesPagingNewestFirst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	a := e.inviter(t, "o_a", "Ann")
	other := e.inviter(t, "o_other", "")
	const n = 7
	var ids []domain.UserID
	for i := range n {
		e.clock.Advance(time.Minute)
		cmd := application.JoinCommand{OpenID: fmt.Sprintf("o_f%d", i), Profile: domain.Profile{Nickname: fmt.Sprintf("F%d", i)}, Attribution: linkAttr(a.InviteCode)}
		if i%2 == 1 {
			cmd.Attribution = scanAttr(a.InviteCode)
		}
		ids = append(ids, e.mustJoin(t, cmd).User.ID)
	}
	// Someone else's invitee never shows up.
	e.mustJoin(t, application.JoinCommand{OpenID: "o_stranger", Attribution: linkAttr(other.InviteCode)})

	q := application.NewInviteesQuery(e.invs)
	var got []application.Invitee
	cursor := ""
	pages := 0
	for {
		page, err := application.NewPage(3, cursor)
		if err != nil {
			t.Fatal(err)
		}
		items, next, err := q.Invitees(ctx, a.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(items) > 3 {
			t.Fatalf("page of %d items, limit 3", len(items))
		}
		got = append(got, items...)
		if next.IsZero() {
			break
		}
		cursor = next.Encode()
		if pages > n {
			t.Fatal("paging does not end")
		}
	}
	if pages != 3 || len(got) != n {
		t.Fatalf("%d pages, %d items; want 3 pages, %d items", pages, len(got), n)
	}
	for i, inv := range got {
		j := n - 1 - i
		wantCh := domain.ChannelLink
		if j%2 == 1 {
			wantCh = domain.ChannelScan
		}
		wantAt := t0.Add(time.Duration(j+1) * time.Minute)
		if inv.UserID != ids[j] || inv.Nickname != fmt.Sprintf("F%d", j) || inv.Channel != wantCh || !inv.JoinedAt.Equal(wantAt) {
			t.Fatalf("item %d = %+v, want user %d F%d %s at %s", i, inv, ids[j], j, wantCh, wantAt)
		}
	}
}

func TestInviteesSameInstantPagesByID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	a := e.inviter(t, "o_a", "")
	for i := range 5 { // the clock does not move: ties broken by id
		e.mustJoin(t, application.JoinCommand{OpenID: fmt.Sprintf("o_f%d", i), Attribution: linkAttr(a.InviteCode)})
	}
	q := application.NewInviteesQuery(e.invs)
	seen := map[domain.UserID]bool{}
	page := application.Page{Limit: 2}
	var last domain.InviteID = 1 << 62
	for {
		items, next, err := q.Invitees(ctx, a.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if seen[it.UserID] || it.InviteID >= last {
				t.Fatalf("item %+v repeated or out of order", it)
			}
			seen[it.UserID], last = true, it.InviteID
		}
		if next.IsZero() {
			break
		}
		// Through the wire format, as the HTTP adapter does.
		c, err := application.DecodeCursor(next.Encode())
		if err != nil {
			t.Fatal(err)
		}
		page.Cursor = c
	}
	if len(seen) != 5 {
		t.Fatalf("saw %d invitees, want 5", len(seen))
	}
}

func TestStatsByChannel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	q := application.NewStatsQuery(e.users, e.invs)
	empty, err := q.Stats(ctx)
	if err != nil || empty.Users != 0 || empty.Invites != 0 || empty.Followers != 0 ||
		len(empty.InvitesByChannel) != 2 || empty.InvitesByChannel[domain.ChannelLink] != 0 || empty.InvitesByChannel[domain.ChannelScan] != 0 {
		t.Fatalf("empty stats = %+v, %v", empty, err)
	}
	a := e.inviter(t, "o_a", "") // following
	e.mustJoin(t, application.JoinCommand{OpenID: "o_l1", Attribution: linkAttr(a.InviteCode)})
	e.mustJoin(t, application.JoinCommand{OpenID: "o_l2", Attribution: linkAttr(a.InviteCode)})
	e.mustJoin(t, application.JoinCommand{OpenID: "o_s1", FollowedAt: t0, Attribution: scanAttr(a.InviteCode)})
	e.mustJoin(t, application.JoinCommand{OpenID: "o_plain"})
	s, err := q.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Users != 5 || s.Followers != 2 || s.Invites != 3 || s.InvitesByChannel[domain.ChannelLink] != 2 || s.InvitesByChannel[domain.ChannelScan] != 1 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestLeaderboard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	a := e.inviter(t, "o_a", "Ann")
	b := e.inviter(t, "o_b", "Bob")
	c := e.inviter(t, "o_c", "Cy")
	for i, inv := range []domain.User{b, a, b, c, a, c} { // a:2 b:2 c:2 → ties by id, then add one to c
		e.mustJoin(t, application.JoinCommand{OpenID: fmt.Sprintf("o_f%d", i), Attribution: linkAttr(inv.InviteCode)})
	}
	e.mustJoin(t, application.JoinCommand{OpenID: "o_extra", Attribution: linkAttr(c.InviteCode)})
	q := application.NewLeaderboardQuery(e.invs)
	tests := []struct {
		limit int
		want  []application.LeaderboardEntry
		kind  application.Kind
	}{
		{0, []application.LeaderboardEntry{{c.ID, c.OpenID, "Cy", 3}, {a.ID, a.OpenID, "Ann", 2}, {b.ID, b.OpenID, "Bob", 2}}, ""},
		{1, []application.LeaderboardEntry{{c.ID, c.OpenID, "Cy", 3}}, ""},
		{2, []application.LeaderboardEntry{{c.ID, c.OpenID, "Cy", 3}, {a.ID, a.OpenID, "Ann", 2}}, ""},
		{100, []application.LeaderboardEntry{{c.ID, c.OpenID, "Cy", 3}, {a.ID, a.OpenID, "Ann", 2}, {b.ID, b.OpenID, "Bob", 2}}, ""},
		{101, nil, application.KindInvalid},
		{-1, nil, application.KindInvalid},
	}
	for _, tt := range tests {
		got, err := q.Leaderboard(ctx, tt.limit)
		if tt.kind != "" {
			if application.ErrorKind(err) != tt.kind || got != nil {
				t.Errorf("Leaderboard(%d) = %v, %v; want kind %s", tt.limit, got, err, tt.kind)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Leaderboard(%d) = %+v, %v; want %+v", tt.limit, got, err, tt.want)
		}
	}
}

func TestLeaderboardDefaultLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for i := range application.DefaultPageSize + 5 {
		u := e.inviter(t, fmt.Sprintf("o_inv%d", i), "")
		e.mustJoin(t, application.JoinCommand{OpenID: fmt.Sprintf("o_f%d", i), Attribution: linkAttr(u.InviteCode)})
	}
	got, err := application.NewLeaderboardQuery(e.invs).Leaderboard(context.Background(), 0)
	if err != nil || len(got) != application.DefaultPageSize {
		t.Fatalf("Leaderboard(0) = %d entries, %v; want %d", len(got), err, application.DefaultPageSize)
	}
}

func TestInviteListAndExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	a := e.inviter(t, "o_a", "Ann")
	for i := range 3 {
		e.clock.Advance(time.Second)
		e.mustJoin(t, application.JoinCommand{OpenID: fmt.Sprintf("o_f%d", i), Profile: domain.Profile{Nickname: fmt.Sprintf("F%d", i)}, Attribution: linkAttr(a.InviteCode)})
	}
	q := application.NewInviteListQuery(e.invs)
	items, next, err := q.List(ctx, application.Page{Limit: 2})
	if err != nil || len(items) != 2 || next.IsZero() || items[0].InviteeNickname != "F2" || items[0].InviterNickname != "Ann" || items[1].InviteeNickname != "F1" {
		t.Fatalf("List = %+v, %+v, %v", items, next, err)
	}
	rest, next, err := q.List(ctx, application.Page{Limit: 2, Cursor: next})
	if err != nil || len(rest) != 1 || !next.IsZero() || rest[0].InviteeNickname != "F0" {
		t.Fatalf("List page 2 = %+v, %+v, %v", rest, next, err)
	}
	var names []string
	if err := q.Export(ctx, func(r application.InviteRecord) error { names = append(names, r.InviteeNickname); return nil }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(names) != "[F2 F1 F0]" {
		t.Fatalf("Export order = %v", names)
	}
	stop := errors.New("stop")
	calls := 0
	err = q.Export(ctx, func(application.InviteRecord) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Export with failing fn = %v after %d calls; want stop after 1", err, calls)
	}
}

func TestCursorEncodeDecode(t *testing.T) {
	t.Parallel()
	tests := []application.Cursor{
		{At: time.Date(2025, time.March, 1, 12, 0, 0, 123456000, time.UTC), ID: 1},
		{At: time.Date(1999, time.December, 31, 23, 59, 59, 0, time.UTC), ID: 1<<63 - 1},
		{At: time.Unix(0, 0).UTC(), ID: 42},
	}
	for _, c := range tests {
		tok := c.Encode()
		if tok == "" {
			t.Fatalf("Encode(%+v) is empty", c)
		}
		got, err := application.DecodeCursor(tok)
		if err != nil || !got.At.Equal(c.At) || got.ID != c.ID || got.At.Location() != time.UTC {
			t.Fatalf("DecodeCursor(Encode(%+v)) = %+v, %v", c, got, err)
		}
	}
	if tok := (application.Cursor{}).Encode(); tok != "" {
		t.Fatalf("zero cursor encodes as %q", tok)
	}
	if c, err := application.DecodeCursor(""); err != nil || !c.IsZero() {
		t.Fatalf("DecodeCursor(\"\") = %+v, %v", c, err)
	}
	// Sub-microsecond precision is dropped, as the stores keep microseconds.
	c := application.Cursor{At: time.Date(2025, 1, 1, 0, 0, 0, 1999, time.UTC), ID: 5}
	if got, _ := application.DecodeCursor(c.Encode()); !got.At.Equal(time.Date(2025, 1, 1, 0, 0, 0, 1000, time.UTC)) {
		t.Fatalf("decoded %v", got.At)
	}
}

func TestDecodeCursorGarbage(t *testing.T) {
	t.Parallel()
	b64 := rawURL
	for _, tok := range []string{
		"!!!",
		"not base64 at all",
		b64("12345"),    // no separator
		b64("abc.5"),    // bad time
		b64("12345.x"),  // bad id
		b64("12345.0"),  // id 0
		b64("12345.-3"), // negative id
		b64("12345."),   // empty id
		b64(".5"),       // empty time
		"MTIzNDU2LjE=",  // padded (std) encoding of 123456.1 is not the URL raw form
	} {
		c, err := application.DecodeCursor(tok)
		if application.ErrorKind(err) != application.KindInvalid || !c.IsZero() {
			t.Errorf("DecodeCursor(%q) = %+v, %v; want KindInvalid", tok, c, err)
		}
	}
}

func TestNewPage(t *testing.T) {
	t.Parallel()
	valid := application.Cursor{At: t0, ID: 9}
	tests := []struct {
		limit  int
		cursor string
		want   application.Page
		ok     bool
	}{
		{0, "", application.Page{Limit: application.DefaultPageSize}, true},
		{1, "", application.Page{Limit: 1}, true},
		{100, "", application.Page{Limit: 100}, true},
		{101, "", application.Page{}, false},
		{-1, "", application.Page{}, false},
		{10, valid.Encode(), application.Page{Limit: 10, Cursor: valid}, true},
		{10, "garbage!", application.Page{}, false},
	}
	for _, tt := range tests {
		got, err := application.NewPage(tt.limit, tt.cursor)
		if !tt.ok {
			if application.ErrorKind(err) != application.KindInvalid {
				t.Errorf("NewPage(%d, %q) = %+v, %v; want KindInvalid", tt.limit, tt.cursor, got, err)
			}
			continue
		}
		if err != nil || got.Limit != tt.want.Limit || !got.Cursor.At.Equal(tt.want.Cursor.At) || got.Cursor.ID != tt.want.Cursor.ID {
			t.Errorf("NewPage(%d, %q) = %+v, %v; want %+v", tt.limit, tt.cursor, got, err, tt.want)
		}
	}
}
