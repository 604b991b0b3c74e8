package application

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// DefaultPageSize and MaxPageSize bound list requests.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Cursor marks a position in a newest-first list: the (time, id) of the last item
// returned. Keyset paging stays stable while new rows arrive, unlike offsets; the id
// breaks ties because ids are not ordered by time on a multi-primary cluster.
type Cursor struct {
	At time.Time
	ID int64
}

// IsZero reports whether the cursor points at the start of the list.
func (c Cursor) IsZero() bool { return c.At.IsZero() && c.ID == 0 }

// Encode renders the cursor as an opaque URL-safe token ("" for the start).
func (c Cursor) Encode() string {
	if c.IsZero() {
		return ""
	}
	raw := strconv.FormatInt(c.At.UnixMicro(), 10) + "." + strconv.FormatInt(c.ID, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeCursor parses a token made by Encode; "" is the start. A forged or corrupt
// token is KindInvalid.
func DecodeCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	bad := func(cause error) (Cursor, error) {
		return Cursor{}, Errorf(KindInvalid, "invalid_cursor", cause, "the cursor is not valid")
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return bad(err)
	}
	at, id, ok := strings.Cut(string(raw), ".")
	if !ok {
		return bad(fmt.Errorf("no separator"))
	}
	us, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return bad(err)
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return bad(fmt.Errorf("bad id %q", id))
	}
	return Cursor{At: time.UnixMicro(us).UTC(), ID: n}, nil
}

// Page asks for up to Limit items after Cursor.
type Page struct {
	Limit  int
	Cursor Cursor
}

// NewPage validates a limit and cursor from a request: limit 0 means the default,
// anything outside 1..MaxPageSize is KindInvalid.
func NewPage(limit int, cursor string) (Page, error) {
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 1 || limit > MaxPageSize {
		return Page{}, Errorf(KindInvalid, "invalid_limit", nil, "limit must be between 1 and %d", MaxPageSize)
	}
	c, err := DecodeCursor(cursor)
	if err != nil {
		return Page{}, err
	}
	return Page{Limit: limit, Cursor: c}, nil
}

// Invitee is one line of "my invitees".
type Invitee struct {
	InviteID domain.InviteID
	UserID   domain.UserID
	OpenID   string // for the neutral name of an invitee whose nickname is unknown
	Nickname string
	Channel  domain.Channel
	JoinedAt time.Time // when the invite was recorded (= when the invitee joined)
	// Status and Reason are the invite's lifecycle as stored; HoldEndsAt lets a read
	// show a pending invite whose hold is over as qualified (see StatusAsOf).
	Status     domain.InviteStatus
	Reason     domain.RevokeReason
	HoldEndsAt time.Time
}

// StatusAsOf is the invite's status and revoke reason as a read at now shows them.
func (i Invitee) StatusAsOf(now time.Time) (domain.InviteStatus, domain.RevokeReason) {
	inv := domain.Invite{Status: i.Status, Lifecycle: domain.Lifecycle{HoldEndsAt: i.HoldEndsAt, Reason: i.Reason}}.AsOf(now)
	return inv.Status, inv.Reason
}

// LeaderboardEntry is one inviter and how many invites they have.
type LeaderboardEntry struct {
	UserID       domain.UserID
	OpenID       string
	Nickname     string
	InviteeCount int
}

// InviteRecord is one invite with both parties, for the admin listing and export.
type InviteRecord struct {
	Invite          domain.Invite
	InviterOpenID   string
	InviterNickname string
	InviteeOpenID   string
	InviteeNickname string
	// InviteeFollowing is whether the invitee follows the account now.
	InviteeFollowing bool
}
