package application

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// Transactor runs fn in one database transaction carried by the context it passes
// to fn; every repository call made with that context joins the transaction.
//
// fn may run more than once: on a multi-primary cluster a transaction can lose a
// certification conflict at COMMIT (MySQL error 1213), and the transactor retries
// the whole function a bounded number of times. fn must therefore have no effects
// outside the transaction. If fn returns an error the transaction rolls back and the
// error is returned unchanged. Exhausted retries are KindUnavailable.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// UserRepository stores users. Unique keys: openid, unionid (when not empty), invite code.
type UserRepository interface {
	// Create inserts u and returns it with its ID. ErrConflict (KindConflict) when
	// the openid, unionid or invite code is taken.
	Create(ctx context.Context, u domain.User) (domain.User, error)
	// ByOpenID returns the user with that openid; ErrNotFound when none.
	ByOpenID(ctx context.Context, openID string) (domain.User, error)
	// ByID returns the user; ErrNotFound when none.
	ByID(ctx context.Context, id domain.UserID) (domain.User, error)
	// ByInviteCode returns the owner of an invite code; ErrNotFound when none.
	ByInviteCode(ctx context.Context, code string) (domain.User, error)
	// UpdateProfile stores unionid, nickname and avatar of u. ErrNotFound when u does
	// not exist; ErrConflict when the unionid belongs to another user.
	UpdateProfile(ctx context.Context, u domain.User) error
	// SetFollowing records whether the user follows the account, as of the follow
	// or unfollow event that happened at (WeChat's CreateTime), unless an event
	// newer than at has already set it: WeChat retries and other instances deliver
	// events late and out of order, and the state must follow the events' own
	// order, not their arrival. It is one conditional UPDATE (compare-and-swap on
	// follow_event_at), so it holds across instances and on a multi-primary
	// cluster. Which event wins is domain.User.FollowEventApplies; a copy of the event
	// already applied changes nothing. applied reports whether the state was
	// written; ErrNotFound when the user does not exist.
	SetFollowing(ctx context.Context, id domain.UserID, following bool, at time.Time) (applied bool, err error)
	// Counts returns the number of users and of current followers.
	Counts(ctx context.Context) (users, followers int, err error)
}

// InviteRepository stores invites. Unique key: the invitee (one inviter per invitee).
type InviteRepository interface {
	// Create inserts inv and returns it with its ID. ErrConflict when the invitee
	// already has an invite.
	Create(ctx context.Context, inv domain.Invite) (domain.Invite, error)
	// ByInvitee returns the invite that brought the user; ErrNotFound when none.
	ByInvitee(ctx context.Context, invitee domain.UserID) (domain.Invite, error)
	// Invitees lists the users an inviter brought, newest first, after the cursor.
	Invitees(ctx context.Context, inviter domain.UserID, page Page) ([]Invitee, Cursor, error)
	// CountByInviter counts the invites an inviter has.
	CountByInviter(ctx context.Context, inviter domain.UserID) (int, error)
	// CountByChannel counts every invite per channel.
	CountByChannel(ctx context.Context) (map[domain.Channel]int, error)
	// Leaderboard returns the inviters with the most invites, most first (ties: lower id first).
	Leaderboard(ctx context.Context, limit int) ([]LeaderboardEntry, error)
	// List pages through every invite with both parties' names, newest first.
	List(ctx context.Context, page Page) ([]InviteRecord, Cursor, error)
	// Each streams every invite, newest first, to fn without holding them all in
	// memory; it stops at the first error fn returns.
	Each(ctx context.Context, fn func(InviteRecord) error) error
}

// QRCodeRepository stores issued QR codes, one current code per owner and purpose.
type QRCodeRepository interface {
	// Current returns the owner's current code for a purpose; ErrNotFound when none.
	Current(ctx context.Context, owner domain.UserID, purpose domain.QRPurpose) (domain.QRCode, error)
	// Save stores q as the owner's current code for its purpose, replacing the
	// previous one only if that is still prev (compare-and-swap on the ticket; an
	// empty prev means "there was none"). ErrConflict when another writer got there
	// first: the caller re-reads Current.
	Save(ctx context.Context, q domain.QRCode, prevTicket string) error
	// CountPermanent counts the permanent codes issued for this account.
	CountPermanent(ctx context.Context) (int, error)
}

// TokenStore holds the server access_token centrally for every instance, plus a
// refresh lease so exactly one instance fetches a new token while the others wait.
type TokenStore interface {
	// Token returns the stored token for appID; ErrNotFound when none.
	Token(ctx context.Context, appID string) (domain.AccessToken, error)
	// AcquireLease grants holder the right to refresh until the given time, if no
	// other holder has an unexpired lease at now. It reports whether it was granted.
	AcquireLease(ctx context.Context, appID, holder string, now, until time.Time) (bool, error)
	// PutToken stores a freshly fetched token and releases holder's lease.
	PutToken(ctx context.Context, appID, holder string, t domain.AccessToken) error
	// ReleaseLease gives up holder's lease without storing a token (the fetch failed).
	ReleaseLease(ctx context.Context, appID, holder string) error
	// Invalidate forgets the stored token only if it is still value (compare-and-swap),
	// so a stale rejection never throws away a token another instance just fetched.
	// It reports whether it removed it.
	Invalidate(ctx context.Context, appID, value string) (bool, error)
}

// SessionRevocations remembers logged-out sessions for every instance, so a copy of
// a session cookie stops working everywhere the moment its owner logs out.
type SessionRevocations interface {
	// Revoke records at now that session id sid has ended; it may be forgotten after
	// until (when the session would have expired anyway). Revoking twice is harmless.
	Revoke(ctx context.Context, sid string, now, until time.Time) error
	// Revoked reports whether sid was revoked and the revocation is still in force at now.
	Revoked(ctx context.Context, sid string, now time.Time) (bool, error)
}
