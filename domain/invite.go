package domain

import (
	"fmt"
	"time"
)

// InviteID identifies an invite record.
type InviteID int64

// Channel says how an invitee arrived.
type Channel string

// The two ways a friend arrives; both end in the same Join use case.
const (
	// ChannelLink is an invite link opened in WeChat, followed by web OAuth.
	ChannelLink Channel = "link"
	// ChannelScan is a parametric QR code scanned and followed.
	ChannelScan Channel = "scan"
)

// Validate reports whether c is a known channel.
func (c Channel) Validate() error {
	switch c {
	case ChannelLink, ChannelScan:
		return nil
	}
	return fmt.Errorf("%w: %q", ErrInvalidChannel, string(c))
}

// InviteStatus is the lifecycle state of an invite: rules (a hold period, revocation
// on unfollow) change a status instead of deleting or duplicating records.
type InviteStatus string

// InviteCounted is an invite that counts towards its inviter: one recorded while no
// campaign runs. The campaign statuses are in invite_lifecycle.go.
const InviteCounted InviteStatus = "counted"

// Invite records that Inviter brought Invitee. An invitee has at most one invite ever.
type Invite struct {
	ID        InviteID
	InviterID UserID
	InviteeID UserID
	Channel   Channel
	// QRScene is the scene string of the QR code the invitee scanned; empty for links.
	QRScene   string
	Status    InviteStatus
	CreatedAt time.Time
	// Lifecycle holds the campaign-related state (zero for an invite outside any
	// campaign); see invite_lifecycle.go.
	Lifecycle
}

// NewInvite applies the invitation rules at the moment the invitee's contact is
// handled: never oneself, only a user who is new right now (inviteeIsNew is false
// for a person the service already knew), only with an attribution. It is the one
// place these rules are checked. The "one inviter per invitee" rule is enforced by
// the store's unique key on the invitee and reported as ErrAlreadyInvited.
func NewInvite(inviter, invitee User, inviteeIsNew bool, a Attribution, now time.Time) (Invite, error) {
	if a.IsZero() {
		return Invite{}, fmt.Errorf("%w: no attribution", ErrInvalidChannel)
	}
	if !inviteeIsNew {
		return Invite{}, ErrNotNewUser // first: a known person counts for nobody, themselves included
	}
	if inviter.ID == invitee.ID || inviter.OpenID == invitee.OpenID {
		return Invite{}, ErrSelfInvite
	}
	return Invite{InviterID: inviter.ID, InviteeID: invitee.ID, Channel: a.Channel(), QRScene: a.QRScene(), Status: InviteCounted, CreatedAt: now}, nil
}
