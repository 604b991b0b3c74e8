package domain_test

import (
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// The lifecycle tests use a campaign running [t0, t0+10d) with a 72h hold.
var (
	lcHold     = 72 * time.Hour
	lcEnd      = t0.Add(10 * 24 * time.Hour)
	lcCampaign = domain.Campaign{ID: 3, StartsAt: t0, EndsAt: lcEnd, Hold: lcHold}
	joinAt     = t0.Add(time.Hour)
)

func newInv(created time.Time) domain.Invite {
	return domain.Invite{InviterID: 1, InviteeID: 2, Channel: domain.ChannelScan, Status: domain.InviteCounted, CreatedAt: created}
}

func deducting() domain.Campaign { c := lcCampaign; c.DeductAfterHold = true; return c }

func TestEnrol(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		c          domain.Campaign
		created    time.Time
		followedAt time.Time
		want       domain.Invite
	}{
		{"no campaign: counted", domain.Campaign{}, joinAt, joinAt, newInv(joinAt)},
		{"before the window: counted", lcCampaign, t0.Add(-time.Microsecond), t0, newInv(t0.Add(-time.Microsecond))},
		{"at the end: counted", lcCampaign, lcEnd, lcEnd, newInv(lcEnd)},
		{"scan: pending, hold from the follow", lcCampaign, joinAt, joinAt.Add(-time.Second), func() domain.Invite {
			i := newInv(joinAt)
			i.Status = domain.InvitePending
			i.Lifecycle = domain.Lifecycle{CampaignID: 3, HoldStartedAt: joinAt.Add(-time.Second), HoldEndsAt: joinAt.Add(-time.Second + lcHold)}
			return i
		}()},
		{"link, not following: pending, no hold", lcCampaign, t0, time.Time{}, func() domain.Invite {
			i := newInv(t0)
			i.Status = domain.InvitePending
			i.Lifecycle = domain.Lifecycle{CampaignID: 3}
			return i
		}()},
	}
	for _, tt := range tests {
		if got := newInv(tt.created).Enrol(tt.c, tt.followedAt); got != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}

func TestStartHold(t *testing.T) {
	t.Parallel()
	link := newInv(joinAt).Enrol(lcCampaign, time.Time{})
	follow := joinAt.Add(5 * time.Minute)
	got, changed := link.StartHold(follow, lcHold)
	if !changed || got.Status != domain.InvitePending || !got.HoldStartedAt.Equal(follow) || !got.HoldEndsAt.Equal(follow.Add(lcHold)) {
		t.Fatalf("StartHold(link pending) = %+v, %v", got, changed)
	}
	if again, changed := got.StartHold(follow.Add(time.Hour), lcHold); changed || again != got {
		t.Errorf("a second follow moved the hold: %+v", again)
	}
	revoked, _ := got.Unfollow(follow.Add(time.Minute), lcCampaign)
	if again, changed := revoked.StartHold(follow.Add(time.Hour), lcHold); changed || again != revoked {
		t.Errorf("re-following restored a revoked invite: %+v", again)
	}
	if again, changed := newInv(joinAt).StartHold(follow, lcHold); changed || again.Status != domain.InviteCounted {
		t.Errorf("StartHold changed a counted invite: %+v", again)
	}
}

func TestQualify(t *testing.T) {
	t.Parallel()
	inv := newInv(joinAt).Enrol(lcCampaign, joinAt)
	end := joinAt.Add(lcHold)
	tests := []struct {
		name    string
		inv     domain.Invite
		now     time.Time
		changed bool
	}{
		{"a microsecond before the hold ends", inv, end.Add(-time.Microsecond), false},
		{"exactly when it ends", inv, end, true},
		{"long after", inv, end.Add(100 * time.Hour), true},
		{"link invitee never followed", newInv(joinAt).Enrol(lcCampaign, time.Time{}), end.Add(100 * time.Hour), false},
		{"counted", newInv(joinAt), end, false},
	}
	for _, tt := range tests {
		got, changed := tt.inv.Qualify(tt.now)
		if changed != tt.changed {
			t.Errorf("%s: changed = %v, want %v", tt.name, changed, tt.changed)
			continue
		}
		if changed && (got.Status != domain.InviteQualified || !got.QualifiedAt.Equal(end)) {
			t.Errorf("%s: got %+v, want qualified at %s", tt.name, got, end)
		}
		if asOf := tt.inv.AsOf(tt.now); asOf != got {
			t.Errorf("%s: AsOf = %+v, want %+v", tt.name, asOf, got)
		}
		if again, changed := got.Qualify(tt.now); changed && got.Status == domain.InviteQualified || again.Status != got.Status {
			t.Errorf("%s: qualifying twice changed it", tt.name)
		}
	}
}

func TestUnfollow(t *testing.T) {
	t.Parallel()
	follow := joinAt
	holdEnd := follow.Add(lcHold)
	pending := newInv(joinAt).Enrol(lcCampaign, follow)
	qualified, _ := pending.Qualify(holdEnd)
	pendingDeduct := newInv(joinAt).Enrol(deducting(), follow)
	qualifiedDeduct, _ := pendingDeduct.Qualify(holdEnd)
	linkNoFollow := newInv(joinAt).Enrol(lcCampaign, time.Time{})
	// A subscribe at `follow` that the server recorded two seconds later.
	slowScan := newInv(follow.Add(2*time.Second)).Enrol(lcCampaign, follow)
	revoked, _ := pending.Unfollow(follow.Add(time.Second), lcCampaign)

	tests := []struct {
		name       string
		inv        domain.Invite
		c          domain.Campaign
		at         time.Time
		wantStatus domain.InviteStatus
		wantReason domain.RevokeReason
		changed    bool
	}{
		{"during hold", pending, lcCampaign, holdEnd.Add(-time.Microsecond), domain.InviteRevoked, domain.ReasonUnfollowedDuringHold, true},
		{"at the follow instant", pending, lcCampaign, follow, domain.InviteRevoked, domain.ReasonUnfollowedDuringHold, true},
		{"stale: older than the follow", pending, lcCampaign, follow.Add(-time.Microsecond), domain.InvitePending, "", false},
		{"link invitee without a recorded follow", linkNoFollow, lcCampaign, joinAt.Add(time.Minute), domain.InviteRevoked, domain.ReasonUnfollowedDuringHold, true},
		{"stale: older than the invite by more than the slack", linkNoFollow, lcCampaign, joinAt.Add(-domain.EventClockSlack - time.Second), domain.InvitePending, "", false},
		{"link invitee: an event stamped just before the invite's server time", linkNoFollow, lcCampaign, joinAt.Add(-time.Second), domain.InviteRevoked, domain.ReasonUnfollowedDuringHold, true},
		{"scan invite recorded after the unfollow's second (slow subscribe)", slowScan, lcCampaign, follow.Add(time.Second), domain.InviteRevoked, domain.ReasonUnfollowedDuringHold, true},
		{"after hold, no deduction: stays qualified", qualified, lcCampaign, holdEnd.Add(time.Hour), domain.InviteQualified, "", false},
		{"after hold, not yet swept, no deduction: qualifies", pending, lcCampaign, holdEnd, domain.InviteQualified, "", true},
		{"after hold with deduction, campaign running", qualifiedDeduct, deducting(), holdEnd, domain.InviteRevoked, domain.ReasonUnfollowedAfterHold, true},
		{"after hold with deduction, not yet swept", pendingDeduct, deducting(), holdEnd.Add(time.Hour), domain.InviteRevoked, domain.ReasonUnfollowedAfterHold, true},
		{"after hold with deduction, campaign ended", qualifiedDeduct, deducting(), lcEnd, domain.InviteQualified, "", false},
		{"after hold with deduction, just before the end", qualifiedDeduct, deducting(), lcEnd.Add(-time.Microsecond), domain.InviteRevoked, domain.ReasonUnfollowedAfterHold, true},
		{"deduction rules of another campaign do not apply", qualified, func() domain.Campaign { c := deducting(); c.ID = 99; return c }(), holdEnd, domain.InviteQualified, "", false},
		{"revoked is final", revoked, deducting(), holdEnd, domain.InviteRevoked, domain.ReasonUnfollowedDuringHold, false},
		{"counted never changes", newInv(joinAt), deducting(), holdEnd, domain.InviteCounted, "", false},
	}
	for _, tt := range tests {
		got, changed := tt.inv.Unfollow(tt.at, tt.c)
		if changed != tt.changed || got.Status != tt.wantStatus || got.Reason != tt.wantReason {
			t.Errorf("%s: got %s/%q changed=%v, want %s/%q changed=%v", tt.name, got.Status, got.Reason, changed, tt.wantStatus, tt.wantReason, tt.changed)
			continue
		}
		if changed && got.Status == domain.InviteRevoked && tt.inv.Status != domain.InviteRevoked && !got.RevokedAt.Equal(tt.at) {
			t.Errorf("%s: RevokedAt = %s, want %s", tt.name, got.RevokedAt, tt.at)
		}
		if !changed && got != tt.inv {
			t.Errorf("%s: unchanged invite differs: %+v", tt.name, got)
		}
		if got.InviterID != tt.inv.InviterID {
			t.Errorf("%s: inviter changed", tt.name)
		}
	}
}
