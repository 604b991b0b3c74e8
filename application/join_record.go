package application

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// What a Join leaves in the audit trail and the outbox, written in the transaction
// of the user and invite rows it records.

// record writes the contact, the outcome of its attribution, and the webhook
// messages (user.followed, invite.created) of one Join, in the transaction carried
// by ctx. res is the result so far and u the user as it now stands.
func (s *JoinService) record(ctx context.Context, cmd JoinCommand, res JoinResult, u domain.User, inviter domain.User, found bool) error {
	if s.recorder == nil {
		return nil
	}
	now := s.clock.Now()
	var rec Record
	ch := cmd.Attribution.Channel()
	if ch == domain.ChannelLink {
		// The link was opened before the visitor was known: recorded once they are.
		rec.Event(domain.AuditEvent{At: now, Type: domain.AuditLinkOpened, UserID: u.ID, InviterID: idIf(inviter, found), Channel: ch})
	}
	if cmd.Contact != "" {
		at := now
		if !cmd.FollowedAt.IsZero() {
			at = cmd.FollowedAt // the event's own time
		}
		contactCh := ch
		if contactCh == "" && !cmd.Uncredited.IsZero() {
			contactCh = cmd.Uncredited.Channel()
		}
		rec.Event(domain.AuditEvent{At: at, Type: cmd.Contact, UserID: u.ID, Channel: contactCh})
	}
	var invitedBy *domain.User
	switch {
	case res.Invite != nil:
		inv := *res.Invite
		invitedBy = &inviter
		rec.Event(domain.AuditEvent{At: inv.CreatedAt, Type: domain.AuditInviteRecorded, UserID: u.ID, InviterID: inv.InviterID,
			CampaignID: inv.CampaignID, Channel: inv.Channel})
		if err := s.recorder.Publish(ctx, &rec, domain.EventInviteCreated, inv.CreatedAt, InvitePayloadOf(inv, inviter, u)); err != nil {
			return err
		}
	case !cmd.Attribution.IsZero():
		reason, err := s.refusal(ctx, res.NoInvite, u)
		if err != nil {
			return err
		}
		if found && inviter.ID == u.ID {
			reason = domain.ReasonSelfInvite // however well known, one's own link never counts
		}
		rec.Event(domain.AuditEvent{At: now, Type: domain.AuditInviteRefused, UserID: u.ID, InviterID: idIf(inviter, found), Channel: ch, Reason: reason})
	case !cmd.Uncredited.IsZero():
		if err := s.recordUncredited(ctx, &rec, cmd.Uncredited, u, now); err != nil {
			return err
		}
	}
	want, err := s.recorder.Wants(ctx, domain.EventUserFollowed)
	if err != nil {
		return err
	}
	if want && res.FollowApplied && u.Following {
		if invitedBy == nil && !res.IsNew {
			var err error
			if invitedBy, err = s.inviterOf(ctx, u.ID); err != nil {
				return err
			}
		}
		if err := s.recorder.Publish(ctx, &rec, domain.EventUserFollowed, u.FollowEventAt, UserPayloadOf(u, invitedBy)); err != nil {
			return err
		}
	}
	return s.recorder.Write(ctx, rec)
}

// recordUncredited records why a SCAN of an invite code by someone already
// following did not count, for the code's owner.
func (s *JoinService) recordUncredited(ctx context.Context, rec *Record, a domain.Attribution, u domain.User, now time.Time) error {
	inviter, found, err := s.resolveInviter(ctx, a)
	if err != nil || !found {
		return err
	}
	reason := domain.ReasonNotNew
	if inviter.ID == u.ID {
		reason = domain.ReasonSelfInvite
	} else if reason, err = s.refusal(ctx, ReasonNotNew, u); err != nil {
		return err
	}
	rec.Event(domain.AuditEvent{At: now, Type: domain.AuditInviteRefused, UserID: u.ID, InviterID: inviter.ID, Channel: a.Channel(), Reason: reason})
	return nil
}

// refusal is the audit reason for a Join that recorded no invite: "not new" is
// told apart from "already has an inviter" here, where it matters to the inviter
// reading it, at the cost of one lookup.
func (s *JoinService) refusal(ctx context.Context, why NoInviteReason, u domain.User) (domain.AuditReason, error) {
	switch why {
	case ReasonUnknownCode:
		return domain.ReasonUnknownInviter, nil
	case ReasonSelfInvite:
		return domain.ReasonSelfInvite, nil
	}
	_, err := s.invites.ByInvitee(ctx, u.ID)
	switch {
	case err == nil:
		return domain.ReasonAlreadyInvited, nil
	case errors.Is(err, ErrNotFound):
		return domain.ReasonNotNew, nil
	}
	return "", fmt.Errorf("join: audit: %w", err)
}

// inviterOf returns who invited user, or nil.
func (s *JoinService) inviterOf(ctx context.Context, user domain.UserID) (*domain.User, error) {
	inv, err := s.invites.ByInvitee(ctx, user)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("join: webhook: %w", err)
	}
	inviter, err := s.users.ByID(ctx, inv.InviterID)
	if err != nil {
		return nil, fmt.Errorf("join: webhook: %w", err)
	}
	return &inviter, nil
}

// idIf is the user's id when found, else zero (null in the trail).
func idIf(u domain.User, found bool) domain.UserID {
	if !found {
		return 0
	}
	return u.ID
}
