package application_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func TestAttemptsMaskNicknames(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	inviter := e.inviter(t, "oInviter", "Inviter")
	friend := e.inviter(t, "oFriend", "小明")
	nameless := e.inviter(t, "oNameless", "")
	audit := e.store.Audit()
	err := audit.Append(ctx,
		domain.AuditEvent{At: t0, Type: domain.AuditInviteRefused, UserID: friend.ID, InviterID: inviter.ID, Channel: domain.ChannelScan, Reason: domain.ReasonNotNew},
		domain.AuditEvent{At: t0.Add(time.Minute), Type: domain.AuditInviteRefused, UserID: nameless.ID, InviterID: inviter.ID, Channel: domain.ChannelLink, Reason: domain.ReasonAlreadyInvited},
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err := application.NewAttemptsQuery(audit).Attempts(ctx, inviter.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []application.Attempt{
		{MaskedNickname: "微*", Channel: domain.ChannelLink, Reason: domain.ReasonAlreadyInvited, At: t0.Add(time.Minute)},
		{MaskedNickname: "小*", Channel: domain.ChannelScan, Reason: domain.ReasonNotNew, At: t0},
	}
	if len(got) != len(want) {
		t.Fatalf("Attempts = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Attempts[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if other, _ := application.NewAttemptsQuery(audit).Attempts(ctx, friend.ID); len(other) != 0 {
		t.Errorf("someone else's attempts leak: %+v", other)
	}
}

func TestPeopleSearchValidates(t *testing.T) {
	e := newEnv(t, nil)
	e.inviter(t, "oAlice", "Alice")
	q := application.NewPeopleQuery(e.store.Audit())
	for _, bad := range []string{"", "   ", strings.Repeat("好", 65)} {
		if _, err := q.Search(context.Background(), bad); !application.IsKind(err, application.KindInvalid) {
			t.Errorf("Search(%q) = %v, want KindInvalid", bad, err)
		}
	}
	got, err := q.Search(context.Background(), "  ali ")
	if err != nil || len(got) != 1 || got[0].User.OpenID != "oAlice" {
		t.Fatalf("Search(ali) = %+v, %v", got, err)
	}
}

func TestPersonEventsUnknownPerson(t *testing.T) {
	e := newEnv(t, nil)
	_, err := application.NewPersonEventsQuery(e.users, e.store.Audit()).Events(context.Background(), 42)
	if !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("Events(unknown) = %v, want ErrNotFound", err)
	}
}

func TestPrunerKeepsRetention(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	u := e.inviter(t, "oU", "U")
	audit := e.store.Audit()
	retention := 4320 * time.Hour
	var evs []domain.AuditEvent
	for i := range 1200 { // more than two batches of old events
		evs = append(evs, domain.AuditEvent{At: t0.Add(-retention - time.Duration(i+1)*time.Second), Type: domain.AuditScan, UserID: u.ID})
	}
	evs = append(evs, domain.AuditEvent{At: t0.Add(-retention), Type: domain.AuditLogin, UserID: u.ID})
	if err := audit.Append(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	n, err := application.NewPruner(audit, e.store.Webhooks(), e.clock, 0).Prune(ctx)
	if err != nil || n != 1200 {
		t.Fatalf("Prune = %d, %v; want 1200", n, err)
	}
	left, _ := audit.ByUser(ctx, u.ID, 10000)
	if len(left) != 1 || left[0].Type != domain.AuditLogin {
		t.Fatalf("left %d events, want only the one exactly at the retention", len(left))
	}
}
