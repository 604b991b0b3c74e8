package application

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// CampaignRepository stores campaigns with their tiers. The set of campaigns carries
// a revision: every create or update is a compare-and-swap on it, so two operators
// (on two instances, on two cluster nodes) can never both add overlapping windows —
// the second write finds the revision moved, re-reads and sees the overlap.
type CampaignRepository interface {
	// All returns every campaign, latest start first, and the revision of the set.
	All(ctx context.Context) ([]domain.Campaign, int64, error)
	// ByID returns one campaign with its tiers and remaining stock; ErrNotFound when none.
	ByID(ctx context.Context, id domain.CampaignID) (domain.Campaign, error)
	// Create inserts c (and its tiers, remaining = stock) if the set is still at
	// revision rev, and returns it with its ID. ErrConflict when the revision moved.
	Create(ctx context.Context, c domain.Campaign, rev int64) (domain.Campaign, error)
	// Update replaces c's fields and tiers if the set is still at revision rev. A
	// tier's remaining stock becomes its stock minus the grants already made for it
	// (never below zero). ErrConflict when the revision moved; ErrNotFound when none.
	Update(ctx context.Context, c domain.Campaign, rev int64) error
	// TakeStock takes one unit of a tier's stock with a conditional decrement
	// (remaining > 0) and reports whether it got one. A tier without stock (nil)
	// always gives one.
	TakeStock(ctx context.Context, id domain.CampaignID, tier int) (bool, error)
	// PutBackground stores the poster background image of a campaign, replacing any.
	// ErrNotFound when the campaign does not exist.
	PutBackground(ctx context.Context, id domain.CampaignID, img PosterImage) error
	// Background returns the poster background; ErrNotFound when none.
	Background(ctx context.Context, id domain.CampaignID) (PosterImage, error)
}

// PosterImage is a stored poster background.
type PosterImage struct {
	ContentType   string // image/png or image/jpeg
	Data          []byte
	Width, Height int
	UpdatedAt     time.Time
}

// InviteLifecycleRepository applies the campaign transitions of invites. Every write
// is a compare-and-swap on the status the caller read, so a transition computed by
// two instances at once is applied once.
type InviteLifecycleRepository interface {
	// Transition stores to's status and lifecycle fields if the invite still has
	// from's status and hold start. It reports whether it did; false means another
	// writer changed the invite first (re-read it).
	Transition(ctx context.Context, from, to domain.Invite) (bool, error)
	// DueHolds returns up to limit pending invites whose hold ended at or before now.
	DueHolds(ctx context.Context, now time.Time, limit int) ([]domain.Invite, error)
	// Unsettled returns up to limit invites that qualified and whose inviter's
	// rewards have not been checked since (see MarkSettled).
	Unsettled(ctx context.Context, limit int) ([]domain.Invite, error)
	// MarkSettled records that the rewards the invite's qualification may have earned
	// have been granted; only after that does the sweep stop looking at it.
	MarkSettled(ctx context.Context, id domain.InviteID, at time.Time) error
	// InviterCounts counts an inviter's invites in a campaign by status as of now
	// (a pending invite whose hold has ended counts as qualified).
	InviterCounts(ctx context.Context, inviter domain.UserID, campaign domain.CampaignID, now time.Time) (InviteCounts, error)
	// CampaignCounts counts every invite of a campaign by status as of now, and the
	// distinct inviters (participants).
	CampaignCounts(ctx context.Context, campaign domain.CampaignID, now time.Time) (InviteCounts, int, error)
	// EachInCampaign streams the invites of a campaign, oldest first, to fn.
	EachInCampaign(ctx context.Context, campaign domain.CampaignID, fn func(domain.Invite) error) error
	// CampaignActivity counts a campaign's invites per UTC quarter hour (see
	// InviteActivity), so days in any time zone are summed from a few hundred rows
	// instead of every invite.
	CampaignActivity(ctx context.Context, campaign domain.CampaignID, now time.Time) (InviteActivity, error)
	// CampaignLeaderboard ranks a campaign's inviters by qualified invites as of now
	// (ties: more pending, then lower id), with the retention of invitees recorded at
	// or before retentionBefore.
	CampaignLeaderboard(ctx context.Context, campaign domain.CampaignID, now, retentionBefore time.Time, limit int) ([]CampaignLeader, error)
}

// InviteCounts is a tally of invites by lifecycle status.
type InviteCounts struct {
	Pending, Qualified, Revoked int
}

// CampaignLeader is one line of a campaign's leaderboard.
type CampaignLeader struct {
	UserID   domain.UserID
	OpenID   string // for the neutral name of an inviter whose nickname is unknown
	Nickname string
	InviteCounts
	// OldInvitees counts invitees recorded at or before the retention cutoff, and
	// StillFollowing how many of them follow now.
	OldInvitees, StillFollowing int
}

// GrantRepository stores reward grants. Unique key: (user, campaign, tier).
type GrantRepository interface {
	// Create inserts g and returns it with its ID. ErrConflict when the user already
	// has a grant for that campaign and tier.
	Create(ctx context.Context, g domain.Grant) (domain.Grant, error)
	// Find returns the grant of a user for a campaign and tier; ErrNotFound when none.
	Find(ctx context.Context, user domain.UserID, campaign domain.CampaignID, tier int) (domain.Grant, error)
	// ByID returns a grant; ErrNotFound when none.
	ByID(ctx context.Context, id domain.GrantID) (domain.Grant, error)
	// SetOutcome stores the status and code of a grant that is still granted
	// (compare-and-swap); it reports whether it did.
	SetOutcome(ctx context.Context, id domain.GrantID, status domain.GrantStatus, code string) (bool, error)
	// Fulfil moves a grant from granted to fulfilled at the instant at
	// (compare-and-swap); it reports whether it did.
	Fulfil(ctx context.Context, id domain.GrantID, at time.Time) (bool, error)
	// ByUser returns a user's grants in a campaign, by tier.
	ByUser(ctx context.Context, user domain.UserID, campaign domain.CampaignID) ([]domain.Grant, error)
	// Counts counts a campaign's grants: granted (fulfilled included) and out_of_stock.
	Counts(ctx context.Context, campaign domain.CampaignID) (granted, outOfStock int, err error)
	// List pages through grants matching f, newest first.
	List(ctx context.Context, f GrantFilter, page Page) ([]GrantRecord, Cursor, error)
	// Each streams every grant matching f, newest first, to fn.
	Each(ctx context.Context, f GrantFilter, fn func(GrantRecord) error) error
}

// GrantFilter narrows a grant listing; zero fields match everything.
type GrantFilter struct {
	Campaign domain.CampaignID
	Status   domain.GrantStatus
}

// GrantRecord is a grant with its user's nickname, for the admin listing.
type GrantRecord struct {
	Grant    domain.Grant
	OpenID   string // for the neutral name of a user whose nickname is unknown
	Nickname string
}

// CodeRepository stores the redeem codes uploaded for a tier. Unique key:
// (campaign, tier, code).
type CodeRepository interface {
	// Add stores the codes not stored yet and reports how many were added.
	Add(ctx context.Context, campaign domain.CampaignID, tier int, codes []string) (int, error)
	// Claim binds one free code of the tier to the grant by compare-and-swap and
	// returns it; ok is false when no free code is left. A grant that already holds
	// a code gets that code back.
	Claim(ctx context.Context, campaign domain.CampaignID, tier int, grant domain.GrantID) (code string, ok bool, err error)
}
