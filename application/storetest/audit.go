package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// HookStores is what a store adapter hands the audit-trail and webhook suite;
// New must return an empty, independent store each call.
type HookStores struct {
	Tx         application.Transactor
	Users      application.UserRepository
	Invites    application.InviteRepository
	Audit      application.AuditLog
	People     application.PeopleDirectory
	Outbox     application.Outbox
	Endpoints  application.WebhookEndpoints
	Deliveries application.WebhookDeliveries
}

// RunHooks runs the audit-trail and outbox contract tests against stores made by
// newStores, one fresh store per subtest.
func RunHooks(t *testing.T, newStores func(t *testing.T) HookStores) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s HookStores)
	}{
		{"AuditAppendAndRead", testAuditAppendAndRead},
		{"AuditInTransaction", testAuditInTx},
		{"AuditAttempts", testAuditAttempts},
		{"AuditPrune", testAuditPrune},
		{"PeopleSearch", testPeopleSearch},
		{"OutboxInTransaction", testOutboxInTx},
		{"OutboxRouteClaimFinish", testOutboxLifecycle},
		{"OutboxRaceClaim", testOutboxRaceClaim},
		{"OutboxLeaseTakeover", testOutboxLeaseTakeover},
		{"OutboxRetryAndList", testOutboxRetryAndList},
		{"OutboxFinishAll", testOutboxFinishAll},
		{"EndpointHealth", testEndpointHealth},
		{"OutboxPrune", testOutboxPrune},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStores(t))
		})
	}
}

func hookUser(t *testing.T, s HookStores, openID, nickname string) domain.User {
	t.Helper()
	u, err := s.Users.Create(context.Background(), newUser(openID, nickname, base))
	if err != nil {
		t.Fatalf("Create(%s): %v", openID, err)
	}
	return u
}

func mustAppend(t *testing.T, s HookStores, events ...domain.AuditEvent) {
	t.Helper()
	if err := s.Audit.Append(context.Background(), events...); err != nil {
		t.Fatalf("Append: %v", err)
	}
}

func sameEvents(t *testing.T, what string, got, want []domain.AuditEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d:\n got %+v\nwant %+v", what, len(got), len(want), got, want)
	}
	for i := range got {
		sameTime(t, what+" At", got[i].At, want[i].At.UTC().Truncate(time.Microsecond))
		g, w := got[i], want[i]
		g.At, w.At = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("%s[%d] = %+v, want %+v", what, i, g, w)
		}
	}
}

func testAuditAppendAndRead(t *testing.T, s HookStores) {
	ctx := context.Background()
	a, b := hookUser(t, s, "oA", "A"), hookUser(t, s, "oB", "B")
	shanghai := time.FixedZone("CST", 8*3600)
	evs := []domain.AuditEvent{
		{At: base.Add(2 * time.Second), Type: domain.AuditInviteRecorded, UserID: b.ID, InviterID: a.ID, Channel: domain.ChannelScan, CampaignID: 42},
		{At: base.In(shanghai), Type: domain.AuditScan, UserID: b.ID, Channel: domain.ChannelScan},
		{At: base, Type: domain.AuditSubscribe, UserID: b.ID}, // same instant: insertion order breaks the tie
		{At: base.Add(time.Second), Type: domain.AuditLogin, UserID: a.ID},
		{At: base.Add(3 * time.Second), Type: domain.AuditInviteRefused, UserID: b.ID, InviterID: a.ID, Channel: domain.ChannelLink, Reason: domain.ReasonNotNew},
	}
	mustAppend(t, s, evs...)
	got, err := s.Audit.ByUser(ctx, b.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, "ByUser(b)", got, []domain.AuditEvent{evs[1], evs[2], evs[0], evs[4]})
	got, err = s.Audit.ByUser(ctx, b.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, "ByUser(b, limit 2)", got, []domain.AuditEvent{evs[1], evs[2]})
	if got, err := s.Audit.ByUser(ctx, 987654, 10); err != nil || len(got) != 0 {
		t.Errorf("ByUser(unknown) = %v, %v; want nothing", got, err)
	}

	// One bad event in a batch: refused, and the good ones with it are not stored.
	bad := []domain.AuditEvent{{At: base, Type: domain.AuditLogin, UserID: a.ID}, {At: base, Type: domain.AuditInviteRefused, UserID: a.ID}}
	if err := s.Audit.Append(ctx, bad...); !application.IsKind(err, application.KindInvalid) {
		t.Fatalf("Append(invalid) = %v, want KindInvalid", err)
	}
	if got, _ := s.Audit.ByUser(ctx, a.ID, 100); len(got) != 1 {
		t.Errorf("after a refused batch a has %d events, want 1", len(got))
	}
}

func testAuditInTx(t *testing.T, s HookStores) {
	ctx := context.Background()
	boom := errors.New("boom")
	var created domain.User
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.Users.Create(ctx, newUser("oTx", "T", base))
		if err != nil {
			return err
		}
		created = u
		if err := s.Audit.Append(ctx, domain.AuditEvent{At: base, Type: domain.AuditSubscribe, UserID: u.ID}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v", err)
	}
	if got, err := s.Audit.ByUser(ctx, created.ID, 10); err != nil || len(got) != 0 {
		t.Fatalf("after rollback: %v, %v; want no event", got, err)
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.Users.Create(ctx, newUser("oTx", "T", base))
		if err != nil {
			return err
		}
		created = u
		return s.Audit.Append(ctx, domain.AuditEvent{At: base, Type: domain.AuditSubscribe, UserID: u.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Audit.ByUser(ctx, created.ID, 10); err != nil || len(got) != 1 {
		t.Fatalf("after commit: %v, %v; want one event", got, err)
	}
}

func testAuditAttempts(t *testing.T, s HookStores) {
	ctx := context.Background()
	a, other := hookUser(t, s, "oA", "A"), hookUser(t, s, "oO", "O")
	f1, f2, f3 := hookUser(t, s, "oF1", "小明"), hookUser(t, s, "oF2", ""), hookUser(t, s, "oF3", "Zed")
	refused := domain.AuditEvent{At: base.Add(time.Minute), Type: domain.AuditInviteRefused, UserID: f1.ID, InviterID: a.ID, Channel: domain.ChannelScan, Reason: domain.ReasonAlreadyInvited}
	revoked := domain.AuditEvent{At: base.Add(time.Hour), Type: domain.AuditInviteRevoked, UserID: f2.ID, InviterID: a.ID, Channel: domain.ChannelLink, CampaignID: 3, Reason: domain.AuditReason(domain.ReasonUnfollowedDuringHold)}
	mustAppend(t, s,
		refused,
		domain.AuditEvent{At: base.Add(2 * time.Minute), Type: domain.AuditInviteRecorded, UserID: f3.ID, InviterID: a.ID, Channel: domain.ChannelScan},
		domain.AuditEvent{At: base.Add(3 * time.Minute), Type: domain.AuditInviteRefused, UserID: f3.ID, InviterID: other.ID, Channel: domain.ChannelScan, Reason: domain.ReasonNotNew},
		domain.AuditEvent{At: base.Add(4 * time.Minute), Type: domain.AuditSubscribe, UserID: f1.ID},
		revoked,
	)
	got, err := s.Audit.Attempts(ctx, a.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("Attempts = %+v, want the revocation and the refusal", got)
	}
	sameEvents(t, "Attempts", []domain.AuditEvent{got[0].Event, got[1].Event}, []domain.AuditEvent{revoked, refused})
	if got[0].Nickname != "" || got[1].Nickname != "小明" {
		t.Errorf("nicknames = %q, %q; want \"\", 小明", got[0].Nickname, got[1].Nickname)
	}
	if got, _ := s.Audit.Attempts(ctx, a.ID, 1); len(got) != 1 || got[0].Event.Type != domain.AuditInviteRevoked {
		t.Errorf("Attempts(limit 1) = %+v, want the newest", got)
	}
}

func testAuditPrune(t *testing.T, s HookStores) {
	ctx := context.Background()
	u := hookUser(t, s, "oP", "P")
	cutoff := base.Add(time.Hour)
	for i := range 5 {
		mustAppend(t, s, domain.AuditEvent{At: cutoff.Add(-time.Duration(i+1) * time.Minute), Type: domain.AuditScan, UserID: u.ID})
	}
	mustAppend(t, s, domain.AuditEvent{At: cutoff, Type: domain.AuditLogin, UserID: u.ID})
	for _, want := range []int{2, 2, 1, 0} {
		n, err := s.Audit.PruneBefore(ctx, cutoff, 2)
		if err != nil || n != want {
			t.Fatalf("PruneBefore = %d, %v; want %d", n, err, want)
		}
	}
	got, err := s.Audit.ByUser(ctx, u.ID, 10)
	if err != nil || len(got) != 1 || got[0].Type != domain.AuditLogin {
		t.Fatalf("left after pruning: %+v, %v; want only the event at the cutoff", got, err)
	}
}

func testPeopleSearch(t *testing.T, s HookStores) {
	ctx := context.Background()
	a := hookUser(t, s, "oAlice", "Alice")
	b := hookUser(t, s, "oBob", "alina")
	hookUser(t, s, "oCarol", "Carol")
	hookUser(t, s, "o100pct", "100%real")
	if _, err := s.Invites.Create(ctx, domain.Invite{InviterID: a.ID, InviteeID: b.ID, Channel: domain.ChannelLink, Status: domain.InviteCounted, CreatedAt: base}); err != nil {
		t.Fatal(err)
	}
	names := func(ps []application.Person) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.User.OpenID)
		}
		return out
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"ali", []string{"oAlice", "oBob"}}, // nickname prefix, any case
		{"oCarol", []string{"oCarol"}},      // exact openid
		{"ocarol", nil},                     // openids compare exactly
		{"%", nil},                          // a wildcard is a character, not "anything"
		{"100%", []string{"o100pct"}},
		{"_lice", nil},
		{"lice", nil}, // a prefix, not a substring
	}
	for _, tc := range tests {
		got, err := s.People.SearchPeople(ctx, tc.q, 10)
		if err != nil {
			t.Fatalf("SearchPeople(%q): %v", tc.q, err)
		}
		if g := names(got); len(g) != len(tc.want) || len(g) > 0 && (g[0] != tc.want[0] || g[len(g)-1] != tc.want[len(tc.want)-1]) {
			t.Errorf("SearchPeople(%q) = %v, want %v", tc.q, g, tc.want)
		}
	}
	got, _ := s.People.SearchPeople(ctx, "alina", 10)
	if len(got) != 1 || got[0].InvitedByID != a.ID || got[0].InvitedByNickname != "Alice" || got[0].User.ID != b.ID {
		t.Errorf("SearchPeople(alina) = %+v, want Bob invited by Alice", got)
	}
	got, _ = s.People.SearchPeople(ctx, "Alice", 10)
	if len(got) != 1 || got[0].InvitedByID != 0 {
		t.Errorf("SearchPeople(Alice) = %+v, want no inviter", got)
	}
	if got, _ := s.People.SearchPeople(ctx, "a", 1); len(got) != 1 {
		t.Errorf("limit 1 gave %d", len(got))
	}
	// Nickname order ignores ASCII case.
	hookUser(t, s, "oZ1", "ZOb")
	hookUser(t, s, "oZ2", "zoa")
	hookUser(t, s, "oZ3", "Zoc")
	for _, tc := range []struct {
		q    string
		want string
	}{{"zo", "[oZ2 oZ1 oZ3]"}, {"ZOB", "[oZ1]"}} {
		got, err := s.People.SearchPeople(ctx, tc.q, 10)
		if g := fmt.Sprint(names(got)); err != nil || g != tc.want {
			t.Errorf("SearchPeople(%q) = %s, %v; want %s", tc.q, g, err, tc.want)
		}
	}
}
