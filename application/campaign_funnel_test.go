package application_test

import (
	"context"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func TestCampaignFunnelContacts(t *testing.T) {
	e := newCampaignEnv(t)
	c := e.mustCreate(twoTiers()) // runs t0 .. t0+24h
	ctx := context.Background()
	u := e.user("a")
	for _, ev := range []domain.AuditEvent{
		{At: t0.Add(-time.Minute), Type: domain.AuditScan, UserID: u.ID},        // before the window
		{At: t0, Type: domain.AuditLinkOpened, UserID: u.ID},                    // the window's first instant
		{At: t0.Add(time.Hour), Type: domain.AuditScan, UserID: u.ID},           //
		{At: t0.Add(time.Hour), Type: domain.AuditSubscribe, UserID: u.ID},      //
		{At: t0.Add(2 * time.Hour), Type: domain.AuditSubscribe, UserID: u.ID},  //
		{At: t0.Add(2 * time.Hour), Type: domain.AuditLogin, UserID: u.ID},      // not a funnel contact
		{At: t0.Add(24 * time.Hour), Type: domain.AuditSubscribe, UserID: u.ID}, // the window's end, excluded
	} {
		if err := e.store.Audit().Append(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Set(t0.Add(30 * time.Hour))
	q := application.NewCampaignFunnelQuery(e.store.Campaigns(), e.store.Audit(), e.clock)
	got, err := q.Contacts(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got != (application.FunnelContacts{Reached: 4, Followed: 2}) {
		t.Fatalf("funnel %+v, want reached 4, followed 2", got)
	}
	if _, err := q.Contacts(ctx, 999); application.ErrorKind(err) != application.KindNotFound {
		t.Fatalf("unknown campaign: %v", err)
	}
}
