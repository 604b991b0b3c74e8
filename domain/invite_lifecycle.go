package domain

import "time"

// The statuses of an invite recorded while a campaign runs.
const (
	// InvitePending waits for the invitee to keep following for the campaign's hold.
	InvitePending InviteStatus = "pending"
	// InviteQualified counts towards the inviter's progress in the campaign.
	InviteQualified InviteStatus = "qualified"
	// InviteRevoked no longer counts; Reason says why. It is final.
	InviteRevoked InviteStatus = "revoked"
)

// RevokeReason says why an invite was revoked.
type RevokeReason string

// Why an invite stopped counting.
const (
	ReasonUnfollowedDuringHold RevokeReason = "unfollowed_during_hold"
	ReasonUnfollowedAfterHold  RevokeReason = "unfollowed_after_hold"
)

// Lifecycle is the campaign side of an invite. Every transition is a pure function
// of the invite, the campaign and an explicit instant; the store applies it as a
// compare-and-swap on the status, so any instance may run it.
type Lifecycle struct {
	// CampaignID is the campaign the invite belongs to; zero outside any campaign.
	CampaignID CampaignID
	// HoldStartedAt is when the invitee followed (zero: not yet, a link invitee);
	// HoldEndsAt is HoldStartedAt plus the campaign's hold, fixed when the hold starts.
	HoldStartedAt time.Time
	HoldEndsAt    time.Time
	QualifiedAt   time.Time
	RevokedAt     time.Time
	Reason        RevokeReason
}

// Enrol places a freshly recorded invite in the campaign c when c runs at the
// invite's creation: it starts pending, and its hold starts at followedAt when the
// invitee already follows (the scan path). Otherwise the invite is counted at once.
// A zero followedAt means the invitee does not follow yet (the link path).
func (inv Invite) Enrol(c Campaign, followedAt time.Time) Invite {
	if c.ID == 0 || !c.RunningAt(inv.CreatedAt) {
		inv.Status, inv.Lifecycle = InviteCounted, Lifecycle{}
		return inv
	}
	inv.Status = InvitePending
	inv.Lifecycle = Lifecycle{CampaignID: c.ID}
	if !followedAt.IsZero() {
		inv, _ = inv.StartHold(followedAt, c.Hold)
	}
	return inv
}

// StartHold starts the hold of a pending invite whose invitee followed at the
// instant at. Only the first follow counts: a hold already started, or an invite
// that is no longer pending (revoked, qualified, counted), does not change, which is
// why re-following restores nothing. It reports whether the invite changed.
func (inv Invite) StartHold(at time.Time, hold time.Duration) (Invite, bool) {
	if inv.Status != InvitePending || !inv.HoldStartedAt.IsZero() || at.IsZero() {
		return inv, false
	}
	inv.HoldStartedAt = at
	inv.HoldEndsAt = at.Add(hold)
	return inv, true
}

// HoldEnded reports whether a pending invite's hold is over at now.
func (inv Invite) HoldEnded(now time.Time) bool {
	return inv.Status == InvitePending && !inv.HoldEndsAt.IsZero() && !now.Before(inv.HoldEndsAt)
}

// Qualify makes a pending invite whose hold is over at now qualified, as of the
// instant the hold ended (not when a sweep noticed). It reports whether it changed.
func (inv Invite) Qualify(now time.Time) (Invite, bool) {
	if !inv.HoldEnded(now) {
		return inv, false
	}
	inv.Status = InviteQualified
	inv.QualifiedAt = inv.HoldEndsAt
	return inv, true
}

// AsOf is the invite as a read at now must show it: a pending invite whose hold is
// over is qualified, even if no sweep has recorded it yet.
func (inv Invite) AsOf(now time.Time) Invite {
	inv, _ = inv.Qualify(now)
	return inv
}

// Unfollow applies an unfollow of the invitee at the instant at (the event's own
// time) under the rules of c, the invite's campaign:
//   - pending, during the hold: revoked, unfollowed_during_hold;
//   - after the hold ended (qualified, or pending not yet swept): with
//     DeductAfterHold and before the campaign ends, revoked, unfollowed_after_hold;
//     otherwise it stays (or becomes) qualified;
//   - an unfollow older than the follow that started the hold (or, before a hold,
//     than the invite by more than EventClockSlack) is stale (a late retry) and
//     changes nothing; counted and revoked invites never change.
//
// It reports whether the invite changed.
func (inv Invite) Unfollow(at time.Time, c Campaign) (Invite, bool) {
	if inv.Status != InvitePending && inv.Status != InviteQualified {
		return inv, false
	}
	if inv.unfollowIsStale(at) {
		return inv, false
	}
	if inv.Status == InvitePending && !inv.HoldEnded(at) {
		return inv.revoke(at, ReasonUnfollowedDuringHold), true
	}
	q, changed := inv.Qualify(at)
	if c.ID == inv.CampaignID && c.DeductAfterHold && c.Status(at) != CampaignEnded && !at.Before(q.QualifiedAt) {
		return q.revoke(at, ReasonUnfollowedAfterHold), true
	}
	return q, changed
}

// EventClockSlack is how far an event's own time (WeChat's CreateTime: whole
// seconds, WeChat's clock) may lag the server's clock that stamped an invite: a
// subscribe processed slowly, or after a retry, is recorded seconds after its event.
const EventClockSlack = time.Minute

// unfollowIsStale reports whether an unfollow at `at` happened before the follow it
// would undo. Event times are compared with event times: once the hold has started,
// with the follow that started it. Before that (a link invitee), only the invite's
// own server time is known, so an unfollow counts as older only when it precedes it
// by more than EventClockSlack.
func (inv Invite) unfollowIsStale(at time.Time) bool {
	if !inv.HoldStartedAt.IsZero() {
		return at.Before(inv.HoldStartedAt)
	}
	return at.Add(EventClockSlack).Before(inv.CreatedAt)
}

func (inv Invite) revoke(at time.Time, why RevokeReason) Invite {
	inv.Status = InviteRevoked
	inv.RevokedAt = at
	inv.Reason = why
	return inv
}
