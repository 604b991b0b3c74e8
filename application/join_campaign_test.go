package application_test

import (
	"context"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// campaignJoin is Join and Unfollow made campaign-aware on one store, with a campaign
// running from t0 with a 1 h hold and deduction after the hold.
type campaignJoin struct {
	*env
	unfollow *application.UnfollowService
	sweep    *application.QualificationSweep
	camp     domain.Campaign
}

func newCampaignJoin(t *testing.T) *campaignJoin {
	e := newEnv(t, nil)
	s := e.store
	dir := application.NewCampaignDirectory(s.Campaigns(), e.clock)
	follows := application.NewInviteFollowEvents(s.Invites(), s.InviteLifecycle(), dir)
	e.join.WithCampaigns(dir, follows)
	camp, err := application.NewCreateCampaignService(s.Campaigns(), dir, e.clock).Create(context.Background(), domain.Campaign{
		Name: "c", StartsAt: t0, Hold: time.Hour, DeductAfterHold: true,
		Tiers: []domain.Tier{{Tier: 1, Threshold: 1, Reward: "r"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rewards := application.NewGrantRewardsService(s, s.InviteLifecycle(), s.Campaigns(), s.Grants(), s.Codes(), e.clock)
	return &campaignJoin{env: e, camp: camp,
		unfollow: application.NewUnfollowService(e.users).WithCampaigns(follows),
		sweep:    application.NewQualificationSweep(s.InviteLifecycle(), dir, rewards, e.clock)}
}

func (c *campaignJoin) invite(t *testing.T, invitee domain.UserID) domain.Invite {
	t.Helper()
	inv, err := c.invs.ByInvitee(context.Background(), invitee)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestJoinInCampaign(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCampaignJoin(t)
	a := c.inviter(t, "o_a", "A")
	follow := t0.Add(-time.Second) // the event's own time, a second before it is handled

	scan := c.mustJoin(t, application.JoinCommand{OpenID: "o_scan", FollowedAt: follow, Attribution: scanAttr(a.InviteCode), ContactKey: "k1"})
	inv := c.invite(t, scan.User.ID)
	if inv.Status != domain.InvitePending || inv.CampaignID != c.camp.ID || !inv.HoldStartedAt.Equal(follow) || !inv.HoldEndsAt.Equal(follow.Add(time.Hour)) {
		t.Errorf("scan invite = %+v, want pending with the hold from the follow event", inv)
	}

	link := c.mustJoin(t, application.JoinCommand{OpenID: "o_link", Attribution: linkAttr(a.InviteCode)})
	if inv := c.invite(t, link.User.ID); inv.Status != domain.InvitePending || !inv.HoldStartedAt.IsZero() {
		t.Errorf("link invite before a follow = %+v, want pending without a hold", inv)
	}
	followAt := t0.Add(10 * time.Minute)
	c.mustJoin(t, application.JoinCommand{OpenID: "o_link", FollowedAt: followAt, ContactKey: "k2"})
	if inv := c.invite(t, link.User.ID); !inv.HoldStartedAt.Equal(followAt) {
		t.Errorf("link invite after the follow = %+v, want the hold from %s", inv, followAt)
	}
	// A redelivery of that follow changes nothing.
	c.mustJoin(t, application.JoinCommand{OpenID: "o_link", FollowedAt: followAt, ContactKey: "k2"})
	if inv := c.invite(t, link.User.ID); !inv.HoldStartedAt.Equal(followAt) {
		t.Errorf("redelivered follow moved the hold: %+v", inv)
	}

	// The scan invitee leaves during the hold: revoked; a stale copy of an older
	// unfollow, and re-following, change nothing.
	if _, err := c.unfollow.Unfollow(ctx, "o_scan", t0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if inv := c.invite(t, scan.User.ID); inv.Status != domain.InviteRevoked || inv.Reason != domain.ReasonUnfollowedDuringHold {
		t.Errorf("after the unfollow: %+v", inv)
	}
	c.mustJoin(t, application.JoinCommand{OpenID: "o_scan", FollowedAt: t0.Add(40 * time.Minute), Attribution: scanAttr(a.InviteCode), ContactKey: "k3"})
	if inv := c.invite(t, scan.User.ID); inv.Status != domain.InviteRevoked || inv.InviterID != a.ID {
		t.Errorf("re-following restored or moved the invite: %+v", inv)
	}

	// The link invitee's hold ends; the sweep qualifies and grants. An unfollow after
	// the hold, before the campaign ends, revokes (deduct_after_hold); a stale
	// unfollow older than the follow does not.
	c.clock.Set(followAt.Add(time.Hour))
	if res, err := c.sweep.Sweep(ctx); err != nil || res.Qualified != 1 || res.Granted != 1 {
		t.Fatalf("sweep = %+v, %v", res, err)
	}
	if _, err := c.unfollow.Unfollow(ctx, "o_link", followAt.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if inv := c.invite(t, link.User.ID); inv.Status != domain.InviteQualified {
		t.Errorf("a stale unfollow changed the invite: %+v", inv)
	}
	if _, err := c.unfollow.Unfollow(ctx, "o_link", followAt.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if inv := c.invite(t, link.User.ID); inv.Status != domain.InviteRevoked || inv.Reason != domain.ReasonUnfollowedAfterHold {
		t.Errorf("unfollow after the hold: %+v", inv)
	}
	if g, _ := c.store.Grants().ByUser(ctx, a.ID, c.camp.ID); len(g) != 1 {
		t.Errorf("a revoke took the reward back: %+v", g)
	}
}

func TestJoinWithoutRunningCampaignCounts(t *testing.T) {
	t.Parallel()
	c := newCampaignJoin(t)
	c.clock.Set(t0.Add(-time.Minute)) // before the campaign starts
	a := c.inviter(t, "o_a", "A")
	res := c.mustJoin(t, application.JoinCommand{OpenID: "o_f", FollowedAt: t0.Add(-time.Minute), Attribution: scanAttr(a.InviteCode)})
	if inv := c.invite(t, res.User.ID); inv.Status != domain.InviteCounted || inv.CampaignID != 0 {
		t.Errorf("invite before the campaign = %+v, want counted", inv)
	}
}
