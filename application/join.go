package application

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// JoinCommand is a person making contact: who they are and, optionally, who sent them.
// Both inbound paths build one: the invite link after OAuth, and the subscribe push.
type JoinCommand struct {
	OpenID  string
	Profile domain.Profile
	// FollowedAt is set when this contact is a follow event (the scan path): the
	// event's own time (WeChat's CreateTime). The user is marked as following unless
	// a newer event already set the follow state. The link path has no event and
	// leaves it zero, which leaves the follow state as it is.
	FollowedAt time.Time
	// Attribution says who sent the person; zero means nobody did (a plain follow,
	// a login without an invite). The inbound adapter built and validated it.
	Attribution domain.Attribution
	// ContactKey identifies this contact for idempotency (the WeChat delivery key).
	// A repeat of the contact that created the user gets the original result back.
	ContactKey string
	// Contact is the kind of contact for the audit trail (subscribe, scan, login);
	// empty records no contact event.
	Contact domain.AuditType
	// Uncredited is the invite scene of a SCAN from someone already following: it
	// can never make an invite, but the audit trail tells its inviter why.
	Uncredited domain.Attribution
}

// NoInviteReason says why a Join recorded no invite; the future audit trail ("why
// didn't my friend count?") reads it.
type NoInviteReason string

// Why no invite was recorded.
const (
	ReasonNone          NoInviteReason = ""                // an invite was recorded (or replayed)
	ReasonNoAttribution NoInviteReason = "no_attribution"  // nobody sent this person
	ReasonUnknownCode   NoInviteReason = "unknown_inviter" // the code or scene names no user
	ReasonSelfInvite    NoInviteReason = "self_invite"
	ReasonNotNew        NoInviteReason = "not_new" // the person was already known
)

// JoinResult reports what a Join did, for the caller's reply and for observers.
type JoinResult struct {
	User domain.User
	// IsNew is true when this contact created the user.
	IsNew bool
	// Replayed is true when this was a repeat of the contact that created the user
	// (a WeChat redelivery): nothing changed, and the result mirrors the original.
	Replayed bool
	Invite   *domain.Invite
	Inviter  *domain.User
	Channel  domain.Channel
	NoInvite NoInviteReason
	// FollowApplied is true when this contact's follow event set the follow state
	// (a new follower, or a newer event than the one that last set it); false for
	// the link path, a replay, and a follow event older than the state it would change.
	FollowApplied bool
	// FollowWindowOpened is true when this contact created the user and opened
	// their kefu window in the same transaction (see WithFollowWindows).
	FollowWindowOpened bool
}

// Inviter lookups are cached this long (see inviterCache) for at most this many codes.
const (
	inviterCacheTTL  = 30 * time.Second
	inviterCacheSize = 10000
)

// JoinService is the one use case both invite paths end in.
type JoinService struct {
	tx        Transactor
	users     UserRepository
	invites   InviteRepository
	clock     Clock
	random    Random
	observers []JoinObserver
	inviters  *inviterCache
	campaigns joinCampaigns // see join_campaign.go; zero: no campaigns
	windows   FollowWindows // see join_window.go; nil: the caller opens them
	recorder  *Recorder
}

// SetRecorder makes Join write its audit events and webhook messages, in the
// transaction of the change they record. Without one (tests of the rules) it
// writes neither.
func (s *JoinService) SetRecorder(r *Recorder) { s.recorder = r }

// NewJoinService builds the Join use case.
func NewJoinService(tx Transactor, users UserRepository, invites InviteRepository, clock Clock, random Random, observers ...JoinObserver) *JoinService {
	return &JoinService{tx: tx, users: users, invites: invites, clock: clock, random: random, observers: observers,
		inviters: newInviterCache(inviterCacheTTL, inviterCacheSize)}
}

// Join makes the person known. A new person is created with a fresh invite code
// and, if the attribution names another user, is recorded as that user's invitee,
// all in one transaction. An existing person gets their profile refreshed and no
// invite. Unknown codes and self-invites record nothing and are not errors.
// Concurrent duplicates produce one user and at most one invite: the loser of the
// unique-key race re-reads and returns the winner's result (see joinRetryPolicy).
func (s *JoinService) Join(ctx context.Context, cmd JoinCommand) (JoinResult, error) {
	if err := domain.ValidateOpenID(cmd.OpenID); err != nil {
		return JoinResult{}, Errorf(KindInvalid, "invalid_openid", err, "the openid is not valid")
	}
	var lastErr error
	attempt := joinRetry.first(cmd)
	for n := 0; n < joinRetry.maxAttempts; n++ {
		res, err := s.join(ctx, cmd, attempt)
		if err == nil {
			for _, o := range s.observers {
				o.Joined(res)
			}
			return res, nil
		}
		if !errors.Is(err, ErrConflict) {
			return JoinResult{}, err
		}
		lastErr = err // lost a race or drew a taken invite code: look again
		attempt = attempt.afterConflict()
	}
	return JoinResult{}, Errorf(KindUnavailable, "join_contention", lastErr, "too much contention, try again")
}

// join is one attempt. The lookups happen before any transaction: the common cases
// (a returning person, a replayed delivery) need no transaction at all, and a new
// person's transaction holds only the two inserts, so it is short and, on a cluster,
// has little to conflict on. Correctness does not depend on the read being current:
// if someone created the person meanwhile, the insert hits the unique openid and the
// next attempt reads the winner.
func (s *JoinService) join(ctx context.Context, cmd JoinCommand, a joinAttempt) (JoinResult, error) {
	if !a.lookUp {
		return s.createNew(ctx, cmd, a)
	}
	u, err := s.users.ByOpenID(ctx, cmd.OpenID)
	switch {
	case err == nil:
		return s.existing(ctx, u, cmd)
	case !errors.Is(err, ErrNotFound):
		return JoinResult{}, fmt.Errorf("join: find user: %w", err)
	}
	return s.createNew(ctx, cmd, a)
}

// createNew resolves the attribution, then inserts the person (and the invite) in one
// transaction. ErrConflict means the person (or the drawn invite code) exists.
func (s *JoinService) createNew(ctx context.Context, cmd JoinCommand, a joinAttempt) (JoinResult, error) {
	inviter, found, err := s.resolveInviter(ctx, cmd.Attribution)
	if err != nil {
		return JoinResult{}, err
	}
	var camp domain.Campaign
	if found {
		if camp, err = s.runningCampaign(ctx); err != nil {
			return JoinResult{}, err
		}
	}
	var res JoinResult
	write := func(ctx context.Context) error {
		var err error
		res, err = s.create(ctx, cmd, inviter, found, camp, a)
		return err
	}
	if !found && s.recorder == nil && !s.opensWindow(cmd) {
		// Nobody to credit, nothing to record, no window to open: one insert, atomic on its own.
		return res, write(ctx)
	}
	return res, s.tx.InTx(ctx, write)
}

// existing handles a person already known (outside any transaction; the writes it
// needs, if any, run in one): a replay of their first contact, or a later contact
// that can no longer be credited to anyone (the domain says why).
func (s *JoinService) existing(ctx context.Context, u domain.User, cmd JoinCommand) (JoinResult, error) {
	res := JoinResult{User: u, Channel: cmd.Attribution.Channel()}
	if cmd.ContactKey != "" && cmd.ContactKey == u.FirstContactKey {
		res.Replayed = true
		return res, s.loadInvite(ctx, &res)
	}
	inviter, found, err := s.resolveInviter(ctx, cmd.Attribution)
	if err != nil {
		return JoinResult{}, err
	}
	if _, err := s.invite(&res, cmd.Attribution, inviter, found, u, false); err != nil {
		return JoinResult{}, err
	}
	before := u
	refresh := u.ApplyProfile(cmd.Profile)
	follow := !cmd.FollowedAt.IsZero()
	if !refresh && !follow && s.recorder == nil {
		return res, nil // nothing to write, no transaction
	}
	write := func(ctx context.Context) error {
		res.FollowApplied = false
		if refresh {
			if err := s.users.UpdateProfile(ctx, u); err != nil {
				if !errors.Is(err, ErrConflict) {
					return fmt.Errorf("join: refresh profile: %w", err)
				}
				// The unionid belongs to someone else: keep the rest of the refresh.
				u.UnionID = before.UnionID
				if err := s.users.UpdateProfile(ctx, u); err != nil {
					return fmt.Errorf("join: refresh profile: %w", err)
				}
			}
		}
		if follow {
			applied, err := s.users.SetFollowing(ctx, u.ID, true, cmd.FollowedAt)
			if err != nil {
				return fmt.Errorf("join: mark following: %w", err)
			}
			res.FollowApplied = applied
		}
		if res.FollowApplied {
			u.Following, u.FollowEventAt = true, cmd.FollowedAt
		}
		return s.record(ctx, cmd, res, u, inviter, found)
	}
	if refresh && follow || s.recorder != nil {
		err = s.tx.InTx(ctx, write)
	} else {
		err = write(ctx) // a single statement is atomic on its own
	}
	if err != nil {
		return JoinResult{}, err
	}
	if res.FollowApplied {
		u.Following, u.FollowEventAt = true, cmd.FollowedAt
	}
	res.User = u
	if follow && u.Following {
		if err := s.startHold(ctx, u); err != nil {
			return JoinResult{}, err
		}
	}
	return res, nil
}

// create inserts a new person and, when the attribution named someone else, the
// invite, in the transaction carried by ctx.
func (s *JoinService) create(ctx context.Context, cmd JoinCommand, inviter domain.User, found bool, camp domain.Campaign, a joinAttempt) (JoinResult, error) {
	now := s.clock.Now()
	code, err := s.newInviteCode()
	if err != nil {
		return JoinResult{}, err
	}
	profile := cmd.Profile
	if !a.keepUnionID {
		profile.UnionID = ""
	}
	u, err := domain.NewUser(cmd.OpenID, profile, code, cmd.FollowedAt, cmd.ContactKey, now)
	if err != nil {
		return JoinResult{}, Errorf(KindInvalid, "invalid_user", err, "the user is not valid")
	}
	if u, err = s.users.Create(ctx, u); err != nil {
		return JoinResult{}, fmt.Errorf("join: create user: %w", err)
	}
	res := JoinResult{User: u, IsNew: true, Channel: cmd.Attribution.Channel(), FollowApplied: u.Following}
	inv, err := s.invite(&res, cmd.Attribution, inviter, found, u, true)
	if err != nil {
		return JoinResult{}, err
	}
	if inv != nil {
		*inv = inv.Enrol(camp, cmd.FollowedAt) // pending in the running campaign, else counted
		if *inv, err = s.invites.Create(ctx, *inv); err != nil {
			return JoinResult{}, fmt.Errorf("join: record invite: %w", err)
		}
		res.Invite, res.Inviter, res.NoInvite = inv, &inviter, ReasonNone
	}
	// The window and the records are appends nobody reads back here: written
	// last, a store may send them together with the commit.
	if err := s.openWindow(ctx, &res, cmd); err != nil {
		return JoinResult{}, err
	}
	return res, s.record(ctx, cmd, res, u, inviter, found)
}
