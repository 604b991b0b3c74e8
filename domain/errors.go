package domain

import "errors"

// Rule violations. They are sentinel errors so that callers match them with
// errors.Is and decide, case by case, whether a violation is the visitor's
// problem (it usually is not: a self-invite simply records nothing).
var (
	// ErrSelfInvite means a user tried to invite themselves.
	ErrSelfInvite = errors.New("a user cannot invite themselves")
	// ErrNotNewUser means the invitee was already known before this contact,
	// so the contact cannot be credited to anyone.
	ErrNotNewUser = errors.New("only a user who is new at this moment can be invited")
	// ErrAlreadyInvited means the invitee already has an inviter.
	ErrAlreadyInvited = errors.New("the user already has an inviter")
	// ErrInvalidOpenID means an OpenID is empty or malformed.
	ErrInvalidOpenID = errors.New("invalid openid")
	// ErrInvalidInviteCode means a string is not an invite code this service issues.
	ErrInvalidInviteCode = errors.New("invalid invite code")
	// ErrInvalidScene means a QR scene breaks WeChat's limits.
	ErrInvalidScene = errors.New("invalid qr scene")
	// ErrInvalidLifetime means a temporary QR lifetime is outside 1..2,592,000 s.
	ErrInvalidLifetime = errors.New("invalid qr lifetime")
	// ErrInvalidChannel means an invite channel is neither link nor scan.
	ErrInvalidChannel = errors.New("invalid invite channel")
	// ErrNotAnInviteScene means an EventKey carries a scene that does not name an inviter.
	ErrNotAnInviteScene = errors.New("scene is not an invite scene")
)

// Audit trail and webhook rule violations.
var (
	// ErrInvalidAuditEvent means an audit event breaks the trail's vocabulary.
	ErrInvalidAuditEvent = errors.New("invalid audit event")
	// ErrInvalidWebhook means a webhook endpoint, event type or secret is malformed.
	ErrInvalidWebhook = errors.New("invalid webhook")
)
