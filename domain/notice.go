package domain

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrInvalidNotice means a notice has no recipient, key or text, or too long a text.
var ErrInvalidNotice = errors.New("invalid notice")

// NoticeKind says why a user is told something.
type NoticeKind string

// The notices of the chat loop.
const (
	NoticeProgress NoticeKind = "progress" // a friend joined
	NoticeReward   NoticeKind = "reward"   // a reward was granted
)

// MaxNoticeRunes bounds a notice; kefu text allows far more, but a notice is a line.
const MaxNoticeRunes = 600

// NoticeID identifies a stored notice.
type NoticeID int64

// Notice is something to tell a user inside WeChat. It is delivered at most once:
// by a kefu message inside the user's window, or, deferred, at the user's next
// interaction; until then it shows on the user's page.
type Notice struct {
	ID     NoticeID
	UserID UserID
	// Key makes a notice idempotent: the same event (a redelivery, another
	// instance) yields the same key, and a second notice with it is not stored.
	Key         string
	Kind        NoticeKind
	Text        string
	CreatedAt   time.Time
	DeliveredAt time.Time // zero while deferred
}

// Delivered reports whether the notice has gone out.
func (n Notice) Delivered() bool { return !n.DeliveredAt.IsZero() }

// Validate checks a notice before it is stored.
func (n Notice) Validate() error {
	switch {
	case n.UserID <= 0, strings.TrimSpace(n.Key) == "", len(n.Key) > 128, strings.TrimSpace(n.Text) == "":
		return ErrInvalidNotice
	case n.Kind != NoticeProgress && n.Kind != NoticeReward:
		return ErrInvalidNotice
	case utf8.RuneCountInString(n.Text) > MaxNoticeRunes:
		return ErrInvalidNotice
	}
	return nil
}
