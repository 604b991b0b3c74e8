package application_test

import (
	"context"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func TestPersonRewards(t *testing.T) {
	e := newCampaignEnv(t)
	first := e.mustCreate(twoTiers())
	second := twoTiers()
	second.Name, second.StartsAt, second.EndsAt = "端午", t0.Add(48*time.Hour), t0.Add(72*time.Hour)
	later := e.mustCreate(second)
	alice, bob := e.user("alice"), e.user("bob")
	ctx := context.Background()
	for _, g := range []domain.Grant{
		domain.NewGrant(alice.ID, first, first.Tiers[0], t0),
		domain.NewGrant(alice.ID, later, later.Tiers[1], t0.Add(50*time.Hour)),
		domain.NewGrant(bob.ID, first, first.Tiers[0], t0),
	} {
		if _, err := e.store.Grants().Create(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	q := application.NewPersonRewardsQuery(e.store.Campaigns(), e.store.Grants())
	got, err := q.Rewards(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Campaign != "端午" || got[0].Grant.Tier != 2 || got[1].Campaign != "春节" || got[1].Grant.UserID != alice.ID {
		t.Fatalf("alice's rewards %+v", got)
	}
	if none, _ := q.Rewards(ctx, 999); len(none) != 0 {
		t.Fatalf("a stranger has rewards: %+v", none)
	}
}
