package application

import (
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// ActivityQuarter is the length of an activity bucket. Every UTC offset in use
// (+5:45 included) is a multiple of it, so a bucket never straddles a local midnight.
const ActivityQuarter = 15 * time.Minute

// ActivityBucket counts invites whose instant fell in one UTC quarter hour.
type ActivityBucket struct {
	Start   time.Time      // UTC, a multiple of ActivityQuarter since the Unix epoch
	Channel domain.Channel // for Created only
	Count   int
}

// InviteActivity is a campaign's invites bucketed by quarter hour, as recorded:
// the store applies no lifecycle rule beyond picking the rows, so the read-time
// rule (domain.Invite.AsOf) is applied by the caller. A pending invite whose
// hold has ended at now is in HoldsEnded by its hold end, and then not in
// Qualified even if it has a qualified_at.
type InviteActivity struct {
	Created    []ActivityBucket // every invite by created_at and channel
	Qualified  []ActivityBucket // qualified_at set, not pending with an ended hold
	HoldsEnded []ActivityBucket // pending, hold_ends_at <= now: qualified as of now
	Revoked    []ActivityBucket // status revoked, by revoked_at
}
