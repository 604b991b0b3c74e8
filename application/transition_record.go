package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// RecordedLifecycle is the invite lifecycle store with its audit trail: a
// transition that qualifies or revokes an invite writes invite_qualified or
// invite_revoked (with its reason) and the invite.qualified or invite.revoked
// message in the same transaction as the status change, on whichever instance
// wins the transition's compare-and-swap.
type RecordedLifecycle struct {
	InviteLifecycleRepository
	tx       Transactor
	users    UserRepository
	recorder *Recorder
}

// RecordTransitions wraps a lifecycle store so its transitions are recorded; with
// a nil recorder it returns the store unchanged.
func RecordTransitions(inner InviteLifecycleRepository, tx Transactor, users UserRepository, r *Recorder) InviteLifecycleRepository {
	if r == nil {
		return inner
	}
	return &RecordedLifecycle{InviteLifecycleRepository: inner, tx: tx, users: users, recorder: r}
}

// Transition implements InviteLifecycleRepository: the compare-and-swap and, when
// it won and changed the status, the record, in one transaction.
func (l *RecordedLifecycle) Transition(ctx context.Context, from, to domain.Invite) (bool, error) {
	if from.Status == to.Status {
		return l.InviteLifecycleRepository.Transition(ctx, from, to) // a hold starting: nothing to tell
	}
	var won bool
	err := l.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if won, err = l.InviteLifecycleRepository.Transition(ctx, from, to); err != nil || !won {
			return err
		}
		return l.record(ctx, to)
	})
	return won, err
}

// record writes the outcome of a status change.
func (l *RecordedLifecycle) record(ctx context.Context, inv domain.Invite) error {
	var (
		typ   domain.AuditType
		event domain.WebhookEventType
		at    = inv.QualifiedAt
		why   domain.AuditReason
	)
	switch inv.Status {
	case domain.InviteQualified:
		typ, event = domain.AuditInviteQualified, domain.EventInviteQualified
	case domain.InviteRevoked:
		typ, event, at, why = domain.AuditInviteRevoked, domain.EventInviteRevoked, inv.RevokedAt, domain.AuditReason(inv.Reason)
	default:
		return nil
	}
	var rec Record
	rec.Event(domain.AuditEvent{At: at, Type: typ, UserID: inv.InviteeID, InviterID: inv.InviterID,
		CampaignID: inv.CampaignID, Channel: inv.Channel, Reason: why})
	want, err := l.recorder.Wants(ctx, event)
	if err != nil {
		return err
	}
	if want {
		inviter, err := l.users.ByID(ctx, inv.InviterID)
		if err != nil {
			return fmt.Errorf("%s: inviter: %w", event, err)
		}
		invitee, err := l.users.ByID(ctx, inv.InviteeID)
		if err != nil {
			return fmt.Errorf("%s: invitee: %w", event, err)
		}
		if err := l.recorder.Publish(ctx, &rec, event, at, InvitePayloadOf(inv, inviter, invitee)); err != nil {
			return err
		}
	}
	return l.recorder.Write(ctx, rec)
}
