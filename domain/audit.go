package domain

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// AuditType names what an audit event records: a contact the person made, or an
// outcome the service decided. The set is the contract's; anything else is refused
// so the trail never holds a type no reader understands.
type AuditType string

// Contacts: something the person did.
const (
	AuditLinkOpened  AuditType = "link_opened"
	AuditLogin       AuditType = "login"
	AuditSubscribe   AuditType = "subscribe"
	AuditScan        AuditType = "scan"
	AuditUnsubscribe AuditType = "unsubscribe"
	AuditKeyword     AuditType = "keyword"
	AuditMenuClick   AuditType = "menu_click"
)

// Outcomes: something the service decided about the person.
const (
	AuditInviteRecorded  AuditType = "invite_recorded"
	AuditInviteRefused   AuditType = "invite_refused"
	AuditInviteQualified AuditType = "invite_qualified"
	AuditInviteRevoked   AuditType = "invite_revoked"
	AuditRewardGranted   AuditType = "reward_granted"
	AuditNoticeSent      AuditType = "notice_sent"
	AuditNoticeDeferred  AuditType = "notice_deferred"
)

// AuditReason says why an invite was refused or revoked.
type AuditReason string

// The refusal reasons of the contract. already_invited (the person had an inviter)
// is kept apart from not_new (the person was known before this contact): the first
// says "someone else was quicker", the second "your friend was already here". A
// revocation's reason is the invite's RevokeReason (unfollowed_during_hold,
// unfollowed_after_hold).
const (
	ReasonNotNew         AuditReason = "not_new"
	ReasonAlreadyInvited AuditReason = "already_invited"
	ReasonSelfInvite     AuditReason = "self_invite"
	ReasonUnknownInviter AuditReason = "unknown_inviter"
)

// reasonsFor lists the reasons each type may carry; a type not listed carries none.
var reasonsFor = map[AuditType][]AuditReason{
	AuditInviteRefused: {ReasonNotNew, ReasonAlreadyInvited, ReasonSelfInvite, ReasonUnknownInviter},
	AuditInviteRevoked: {AuditReason(ReasonUnfollowedDuringHold), AuditReason(ReasonUnfollowedAfterHold)},
}

// AuditTypes lists every known type, in the contract's order.
var AuditTypes = []AuditType{
	AuditLinkOpened, AuditLogin, AuditSubscribe, AuditScan, AuditUnsubscribe, AuditKeyword,
	AuditMenuClick, AuditInviteRecorded, AuditInviteRefused, AuditInviteQualified,
	AuditInviteRevoked, AuditRewardGranted, AuditNoticeSent, AuditNoticeDeferred,
}

// Validate reports whether t is a known type.
func (t AuditType) Validate() error {
	for _, k := range AuditTypes {
		if k == t {
			return nil
		}
	}
	return fmt.Errorf("%w: type %q", ErrInvalidAuditEvent, string(t))
}

// AuditEvent is one line of a person's trail. Zero InviterID, CampaignID, Channel
// and Reason mean "none" (null in the API). Events are append-only: nothing ever
// changes one after it is written.
type AuditEvent struct {
	At         time.Time
	Type       AuditType
	UserID     UserID
	InviterID  UserID
	CampaignID CampaignID
	Channel    Channel
	Reason     AuditReason
}

// Validate checks an event before it is stored: a known type, a user, a known
// channel when one is given, and a reason exactly where the type needs one (a
// refusal or a revocation always says why; nothing else carries a reason).
func (e AuditEvent) Validate() error {
	if err := e.Type.Validate(); err != nil {
		return err
	}
	if e.UserID <= 0 {
		return fmt.Errorf("%w: %s without a user", ErrInvalidAuditEvent, e.Type)
	}
	if e.At.IsZero() {
		return fmt.Errorf("%w: %s without a time", ErrInvalidAuditEvent, e.Type)
	}
	if e.InviterID < 0 || e.CampaignID < 0 {
		return fmt.Errorf("%w: negative id", ErrInvalidAuditEvent)
	}
	if e.Channel != "" {
		if err := e.Channel.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidAuditEvent, err)
		}
	}
	allowed, needsReason := reasonsFor[e.Type]
	if !needsReason {
		if e.Reason != "" {
			return fmt.Errorf("%w: %s carries no reason, got %q", ErrInvalidAuditEvent, e.Type, e.Reason)
		}
		return nil
	}
	for _, r := range allowed {
		if r == e.Reason {
			return nil
		}
	}
	return fmt.Errorf("%w: %s with reason %q", ErrInvalidAuditEvent, e.Type, e.Reason)
}

// MaskNickname hides all of a nickname but its first character ("小明" → "小*"),
// so an inviter can recognise a friend in their failed attempts without the list
// disclosing strangers' names. An empty nickname stays empty.
func MaskNickname(nickname string) string {
	r, size := utf8.DecodeRuneInString(nickname)
	if size == 0 {
		return ""
	}
	return string(r) + "*"
}
