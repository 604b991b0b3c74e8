package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func testLifecycleCAS(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("cas", base))
	a := mustCreateUser(t, s.Stores, newUser("oA", "A", base))
	b := mustCreateUser(t, s.Stores, newUser("oB", "B", base))
	at := base.Add(time.Minute)
	inv := pendingInvite(t, s, a, b, c, at, domain.ChannelLink)
	got, err := s.Invites.ByInvitee(ctx, b.ID)
	if err != nil || got.Status != domain.InvitePending || got.CampaignID != c.ID || !got.HoldStartedAt.IsZero() {
		t.Fatalf("pending link invite read back as %+v, %v", got, err)
	}
	follow := at.Add(time.Second)
	started, _ := got.StartHold(follow, c.Hold)
	if ok, err := s.Lifecycle.Transition(ctx, got, started); err != nil || !ok {
		t.Fatalf("Transition(start hold) = %v, %v", ok, err)
	}
	if ok, err := s.Lifecycle.Transition(ctx, got, started); err != nil || ok {
		t.Errorf("the same start of hold applied twice: %v, %v", ok, err)
	}
	read, _ := s.Invites.ByInvitee(ctx, b.ID)
	sameTime(t, "HoldStartedAt", read.HoldStartedAt, follow)
	sameTime(t, "HoldEndsAt", read.HoldEndsAt, follow.Add(c.Hold))
	qualified, _ := read.Qualify(follow.Add(c.Hold))
	if ok, err := s.Lifecycle.Transition(ctx, read, qualified); err != nil || !ok {
		t.Fatalf("Transition(qualify) = %v, %v", ok, err)
	}
	revoked, _ := qualified.Unfollow(follow.Add(2*c.Hold), c)
	if ok, _ := s.Lifecycle.Transition(ctx, read, revoked); ok {
		t.Error("a transition from a stale status (pending) applied to a qualified invite")
	}
	if ok, err := s.Lifecycle.Transition(ctx, qualified, revoked); err != nil || !ok {
		t.Fatalf("Transition(revoke) = %v, %v", ok, err)
	}
	final, _ := s.Invites.ByInvitee(ctx, b.ID)
	if final.Status != domain.InviteRevoked || final.Reason != domain.ReasonUnfollowedAfterHold || final.InviterID != a.ID || final.ID != inv.ID {
		t.Errorf("final invite = %+v", final)
	}
	sameTime(t, "QualifiedAt", final.QualifiedAt, follow.Add(c.Hold))
	sameTime(t, "RevokedAt", final.RevokedAt, follow.Add(2*c.Hold))
}

func testLifecycleSweepQueries(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("sweep", base))
	a := mustCreateUser(t, s.Stores, newUser("oA", "A", base))
	var invs []domain.Invite
	for i := range 4 {
		u := mustCreateUser(t, s.Stores, newUser(fmt.Sprint("oF", i), "F", base))
		invs = append(invs, pendingInvite(t, s, a, u, c, base.Add(time.Duration(i)*time.Minute), domain.ChannelScan))
	}
	link := mustCreateUser(t, s.Stores, newUser("oLink", "L", base))
	pendingInvite(t, s, a, link, c, base, domain.ChannelLink) // no hold: never due
	outside := mustCreateUser(t, s.Stores, newUser("oOut", "O", base))
	mustInvite(t, s.Stores, a, outside, domain.ChannelScan, base) // counted: never due

	due := func(now time.Time, limit int) []domain.InviteID {
		list, err := s.Lifecycle.DueHolds(ctx, now, limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []domain.InviteID
		for _, inv := range list {
			ids = append(ids, inv.ID)
		}
		return ids
	}
	end1 := base.Add(time.Minute + c.Hold)
	if got := due(end1.Add(-time.Microsecond), 10); len(got) != 1 || got[0] != invs[0].ID {
		t.Errorf("DueHolds a microsecond before the 2nd hold ends = %v, want only %d", got, invs[0].ID)
	}
	if got := due(end1, 10); len(got) != 2 {
		t.Errorf("DueHolds when the 2nd hold ends = %v, want 2", got)
	}
	if got := due(base.Add(time.Hour*100), 3); len(got) != 3 {
		t.Errorf("DueHolds with limit 3 = %v", got)
	}
	list, _ := s.Lifecycle.DueHolds(ctx, end1, 10)
	for _, inv := range list {
		q, _ := inv.Qualify(end1)
		if ok, err := s.Lifecycle.Transition(ctx, inv, q); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	if got := due(end1, 10); len(got) != 0 {
		t.Errorf("DueHolds after qualifying = %v, want none", got)
	}
	uns, err := s.Lifecycle.Unsettled(ctx, 10)
	if err != nil || len(uns) != 2 {
		t.Fatalf("Unsettled = %+v, %v; want the 2 qualified", uns, err)
	}
	if err := s.Lifecycle.MarkSettled(ctx, uns[0].ID, end1); err != nil {
		t.Fatal(err)
	}
	if uns2, _ := s.Lifecycle.Unsettled(ctx, 10); len(uns2) != 1 || uns2[0].ID != uns[1].ID {
		t.Errorf("Unsettled after settling one = %+v", uns2)
	}
}

func testLifecycleCounts(t *testing.T, s CampaignStores) {
	ctx := context.Background()
	c := mustCampaign(t, s, campaign("counts", base))
	other := mustCampaign(t, s, campaign("other", base.Add(31*24*time.Hour)))
	a := mustCreateUser(t, s.Stores, newUser("oA", "Alice", base))
	b := mustCreateUser(t, s.Stores, newUser("oB", "Bob", base))
	mk := func(inviter domain.User, name string, at time.Time, following bool) domain.Invite {
		u := newUser(name, name, at)
		u.Following = following
		return pendingInvite(t, s, inviter, mustCreateUser(t, s.Stores, u), c, at, domain.ChannelScan)
	}
	// Alice: one old invitee still following (hold long over, not yet swept), one old
	// who left (revoked), one recent pending. Bob: one recent pending.
	old1 := mk(a, "oOld1", base, true)
	old2 := mk(a, "oOld2", base.Add(time.Minute), false)
	rev, _ := old2.Unfollow(base.Add(2*time.Minute), c)
	if ok, err := s.Lifecycle.Transition(ctx, old2, rev); !ok || err != nil {
		t.Fatal(ok, err)
	}
	now := base.Add(8 * 24 * time.Hour)
	mk(a, "oNew", now.Add(-time.Minute), true)
	mk(b, "oBNew", now.Add(-time.Minute), true)
	_ = old1
	ic, err := s.Lifecycle.InviterCounts(ctx, a.ID, c.ID, now)
	if err != nil || ic != (application.InviteCounts{Pending: 1, Qualified: 1, Revoked: 1}) {
		t.Errorf("InviterCounts(Alice) = %+v, %v", ic, err)
	}
	if ic, _ := s.Lifecycle.InviterCounts(ctx, a.ID, other.ID, now); ic != (application.InviteCounts{}) {
		t.Errorf("InviterCounts in another campaign = %+v", ic)
	}
	cc, participants, err := s.Lifecycle.CampaignCounts(ctx, c.ID, now)
	if err != nil || cc != (application.InviteCounts{Pending: 2, Qualified: 1, Revoked: 1}) || participants != 2 {
		t.Errorf("CampaignCounts = %+v, %d, %v", cc, participants, err)
	}
	var seen []domain.InviteID
	if err := s.Lifecycle.EachInCampaign(ctx, c.ID, func(inv domain.Invite) error {
		seen = append(seen, inv.ID)
		return nil
	}); err != nil || len(seen) != 4 || seen[0] != old1.ID {
		t.Errorf("EachInCampaign = %v, %v; want 4, oldest first", seen, err)
	}
	lb, err := s.Lifecycle.CampaignLeaderboard(ctx, c.ID, now, now.Add(-7*24*time.Hour), 10)
	if err != nil || len(lb) != 2 {
		t.Fatalf("CampaignLeaderboard = %+v, %v", lb, err)
	}
	want := application.CampaignLeader{UserID: a.ID, OpenID: a.OpenID, Nickname: "Alice", InviteCounts: ic, OldInvitees: 2, StillFollowing: 1}
	if lb[0] != want || lb[1].UserID != b.ID || lb[1].OldInvitees != 0 || lb[1].Pending != 1 {
		t.Errorf("CampaignLeaderboard = %+v, want Alice %+v first", lb, want)
	}
	if lb, _ := s.Lifecycle.CampaignLeaderboard(ctx, c.ID, now, now, 1); len(lb) != 1 {
		t.Errorf("limit 1 gave %d rows", len(lb))
	}
}
