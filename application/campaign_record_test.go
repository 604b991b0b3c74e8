package application_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// In a running campaign the invite's whole life is in the trail and the outbox,
// each step written with the change: recorded (pending), qualified when the hold
// ends, the reward granted; another invite revoked by an unfollow during its hold.
func TestCampaignOutcomesRecorded(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	s := e.store
	listen(t, e)
	rec := application.NewRecorder(s.Audit(), s.Webhooks(), s.Webhooks(), e.clock, cryptoRandom())
	e.join.SetRecorder(rec)
	dir := application.NewCampaignDirectory(s.Campaigns(), e.clock)
	lifecycle := application.RecordTransitions(s.InviteLifecycle(), s, e.users, rec)
	follows := application.NewInviteFollowEvents(s.Invites(), lifecycle, dir)
	e.join.WithCampaigns(dir, follows)
	camp, err := application.NewCreateCampaignService(s.Campaigns(), dir, e.clock).Create(ctx, domain.Campaign{
		Name: "c", StartsAt: t0, Hold: time.Hour, Tiers: []domain.Tier{{Tier: 1, Threshold: 1, Reward: "券"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rewards := application.NewGrantRewardsService(s, s.InviteLifecycle(), s.Campaigns(), s.Grants(), s.Codes(), e.clock)
	rewards.SetRecorder(e.users, rec)
	sweep := application.NewQualificationSweep(lifecycle, dir, rewards, e.clock)
	unfollow := application.NewUnfollowService(e.users).WithCampaigns(follows)
	unfollow.SetRecorder(s, e.invs, rec)

	a := e.inviter(t, "oA", "Alice")
	stays := e.mustJoin(t, application.JoinCommand{OpenID: "oStays", FollowedAt: t0, Attribution: scanAttr(a.InviteCode), Contact: domain.AuditSubscribe, ContactKey: "k1"}).User
	leaves := e.mustJoin(t, application.JoinCommand{OpenID: "oLeaves", FollowedAt: t0, Attribution: scanAttr(a.InviteCode), Contact: domain.AuditSubscribe, ContactKey: "k2"}).User
	e.clock.Advance(30 * time.Minute)
	if _, err := unfollow.Unfollow(ctx, "oLeaves", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(31 * time.Minute)
	if _, err := sweep.Sweep(ctx); err != nil {
		t.Fatal(err)
	}

	if got := types(trail(t, e, stays.ID)); !same(got, []string{"subscribe", "invite_recorded", "invite_qualified"}) {
		t.Fatalf("trail of the friend who stayed: %v", got)
	}
	if got := types(trail(t, e, leaves.ID)); !same(got, []string{"subscribe", "invite_recorded", "unsubscribe", "invite_revoked/unfollowed_during_hold"}) {
		t.Fatalf("trail of the friend who left: %v", got)
	}
	for _, ev := range trail(t, e, stays.ID)[1:] {
		if ev.CampaignID != camp.ID || ev.InviterID != a.ID {
			t.Errorf("event %+v lacks the campaign or the inviter", ev)
		}
	}
	if got := types(trail(t, e, a.ID)); len(got) == 0 || got[len(got)-1] != "reward_granted" {
		t.Fatalf("inviter's trail %v, want the reward last", got)
	}
	attempts, _ := application.NewAttemptsQuery(s.Audit()).Attempts(ctx, a.ID)
	if len(attempts) != 1 || attempts[0].Reason != domain.AuditReason(domain.ReasonUnfollowedDuringHold) {
		t.Fatalf("attempts %+v, want the revoked friend", attempts)
	}

	var kinds []string
	var qualified, reward struct {
		Data map[string]any `json:"data"`
	}
	for _, m := range outbox(t, e) {
		kinds = append(kinds, string(m.EventType))
		switch m.EventType {
		case domain.EventInviteQualified:
			_ = json.Unmarshal(m.Body, &qualified)
		case domain.EventRewardGranted:
			_ = json.Unmarshal(m.Body, &reward)
		}
	}
	want := []string{"user.followed", "invite.created", "user.followed", "invite.created", "user.followed", "user.unfollowed", "invite.revoked", "invite.qualified", "reward.granted"}
	if !same(kinds, want) {
		t.Fatalf("outbox %v, want %v", kinds, want)
	}
	if qualified.Data["status"] != "qualified" || qualified.Data["campaign_id"] != float64(camp.ID) {
		t.Errorf("invite.qualified data %v", qualified.Data)
	}
	if reward.Data["reward"] != "券" || reward.Data["status"] != "granted" || reward.Data["user"].(map[string]any)["nickname"] != "Alice" {
		t.Errorf("reward.granted data %v", reward.Data)
	}
}
