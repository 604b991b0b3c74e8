package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// QRKind distinguishes WeChat's two kinds of parametric QR codes.
type QRKind string

const (
	// QRTemporary codes expire after at most 30 days and are re-issued.
	QRTemporary QRKind = "temporary"
	// QRPermanent codes never expire but are capped at 100,000 per account.
	QRPermanent QRKind = "permanent"
)

// QRPurpose says what a code is for; invites today, campaigns later.
type QRPurpose string

// QRPurposeInvite is a user's personal invite code.
const QRPurposeInvite QRPurpose = "invite"

// WeChat's limits on parametric QR codes (wechat-protocol.md §4).
const (
	MaxTemporaryLifetime = 2592000 * time.Second // 30 days
	MaxPermanentSceneID  = 100000
	MaxSceneStrLength    = 64
	// PermanentCodesPerAccount is WeChat's cap on permanent codes.
	PermanentCodesPerAccount = 100000
	// InviteScenePrefix marks string scenes that name an inviter.
	InviteScenePrefix = "inv_"
)

// Scene is what a QR code carries back to us in the push: either a string or a number.
type Scene struct {
	Str string
	ID  uint32
}

// String renders the scene as WeChat puts it in an EventKey.
func (s Scene) String() string {
	if s.Str != "" {
		return s.Str
	}
	return strconv.FormatUint(uint64(s.ID), 10)
}

// IsZero reports whether no scene is set.
func (s Scene) IsZero() bool { return s.Str == "" && s.ID == 0 }

// ValidateFor checks the scene against WeChat's limits for a kind: scene_str 1..64
// characters; numeric temporary scenes any non-zero 32-bit value; numeric permanent
// scenes 1..100000.
func (s Scene) ValidateFor(kind QRKind) error {
	switch {
	case kind != QRPermanent && kind != QRTemporary:
		return fmt.Errorf("%w: unknown kind %q", ErrInvalidScene, kind)
	case s.Str != "" && s.ID != 0:
		return fmt.Errorf("%w: both string and numeric scene set", ErrInvalidScene)
	case s.Str != "":
		if len(s.Str) > MaxSceneStrLength {
			return fmt.Errorf("%w: scene_str is %d characters, max %d", ErrInvalidScene, len(s.Str), MaxSceneStrLength)
		}
		return nil
	case s.ID == 0:
		return fmt.Errorf("%w: scene is empty or 0", ErrInvalidScene)
	case kind == QRPermanent && s.ID > MaxPermanentSceneID:
		return fmt.Errorf("%w: permanent scene_id %d outside 1..%d", ErrInvalidScene, s.ID, MaxPermanentSceneID)
	}
	return nil
}

// InviteScene is the stable scene of a user's invite QR code. It is derived from the
// invite code, so every re-issued temporary code maps back to the same inviter.
func InviteScene(inviteCode string) Scene {
	return Scene{Str: InviteScenePrefix + inviteCode}
}

// InviteCodeFromScene returns the invite code carried by an invite scene.
func InviteCodeFromScene(s Scene) (string, error) {
	code, ok := strings.CutPrefix(s.Str, InviteScenePrefix)
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrNotAnInviteScene, s.String())
	}
	if err := ValidateInviteCode(code); err != nil {
		return "", fmt.Errorf("%w: %w", ErrNotAnInviteScene, err)
	}
	return code, nil
}

// QRCode is a parametric QR code issued by WeChat for an owner.
type QRCode struct {
	Kind    QRKind
	Scene   Scene
	Purpose QRPurpose
	OwnerID UserID
	Ticket  string
	// URL is the content WeChat encodes in the image; we render our own image from it.
	URL string
	// ExpiresAt is zero for permanent codes.
	ExpiresAt time.Time
	IssuedAt  time.Time
}

// QRRequest is what to ask WeChat for: a validated kind, scene and lifetime.
type QRRequest struct {
	Kind     QRKind
	Scene    Scene
	Lifetime time.Duration // zero for permanent codes
}

// NewQRRequest validates a request against WeChat's limits before any call is made.
func NewQRRequest(kind QRKind, scene Scene, lifetime time.Duration) (QRRequest, error) {
	if err := scene.ValidateFor(kind); err != nil {
		return QRRequest{}, err
	}
	switch kind {
	case QRPermanent:
		lifetime = 0
	case QRTemporary:
		if lifetime < time.Second || lifetime > MaxTemporaryLifetime || lifetime%time.Second != 0 {
			return QRRequest{}, fmt.Errorf("%w: %s, want whole seconds in 1s..%s", ErrInvalidLifetime, lifetime, MaxTemporaryLifetime)
		}
	}
	return QRRequest{Kind: kind, Scene: scene, Lifetime: lifetime}, nil
}

// Expired reports whether a temporary code no longer works at now; the instant of
// expiry itself counts as expired.
func (q QRCode) Expired(now time.Time) bool {
	return q.Kind == QRTemporary && !now.Before(q.ExpiresAt)
}

// NeedsReissue reports whether the code should be replaced before it is handed out:
// a temporary code with less than minRemaining left (an invite shared now should
// still work when the friend gets round to scanning it). Permanent codes never do.
func (q QRCode) NeedsReissue(now time.Time, minRemaining time.Duration) bool {
	if q.Kind != QRTemporary {
		return false
	}
	return q.ExpiresAt.Sub(now) < minRemaining
}
