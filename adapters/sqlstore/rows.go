package sqlstore

import (
	"database/sql"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// The row structs mirror the tables created by the migrations; they stay private so
// bun tags never reach the domain.

type userRow struct {
	bun.BaseModel `bun:"table:users"`

	ID              int64     `bun:"id,pk,autoincrement"`
	OpenID          string    `bun:"openid"`
	UnionID         string    `bun:"unionid,nullzero"` // NULL when empty: many users have none
	Nickname        string    `bun:"nickname"`
	AvatarURL       string    `bun:"avatar_url"`
	InviteCode      string    `bun:"invite_code"`
	Following       bool      `bun:"following"`
	FollowEventAt   time.Time `bun:"follow_event_at,nullzero"` // NULL until a follow event sets it
	JoinedAt        time.Time `bun:"joined_at"`
	FirstContactKey string    `bun:"first_contact_key"`
}

func userRowFrom(u domain.User) userRow {
	return userRow{
		ID: int64(u.ID), OpenID: u.OpenID, UnionID: u.UnionID, Nickname: u.Nickname,
		AvatarURL: u.AvatarURL, InviteCode: u.InviteCode, Following: u.Following,
		FollowEventAt: dbTime(u.FollowEventAt), JoinedAt: dbTime(u.JoinedAt), FirstContactKey: u.FirstContactKey,
	}
}

func (r userRow) domain() domain.User {
	return domain.User{
		ID: domain.UserID(r.ID), OpenID: r.OpenID, UnionID: r.UnionID, Nickname: r.Nickname,
		AvatarURL: r.AvatarURL, InviteCode: r.InviteCode, Following: r.Following,
		FollowEventAt: utcOrZero(r.FollowEventAt), JoinedAt: r.JoinedAt.UTC(), FirstContactKey: r.FirstContactKey,
	}
}

type inviteRow struct {
	bun.BaseModel `bun:"table:invites"`

	ID        int64     `bun:"id,pk,autoincrement"`
	InviterID int64     `bun:"inviter_id"`
	InviteeID int64     `bun:"invitee_id"`
	Channel   string    `bun:"channel"`
	QRScene   string    `bun:"qr_scene"`
	Status    string    `bun:"status"`
	CreatedAt time.Time `bun:"created_at"`
	lifecycleCols
}

func inviteRowFrom(inv domain.Invite) inviteRow {
	return inviteRow{
		ID: int64(inv.ID), InviterID: int64(inv.InviterID), InviteeID: int64(inv.InviteeID),
		Channel: string(inv.Channel), QRScene: inv.QRScene, Status: string(inv.Status),
		CreatedAt: dbTime(inv.CreatedAt), lifecycleCols: lifecycleColsFrom(inv.Lifecycle),
	}
}

func (r inviteRow) domain() domain.Invite {
	return domain.Invite{
		ID: domain.InviteID(r.ID), InviterID: domain.UserID(r.InviterID), InviteeID: domain.UserID(r.InviteeID),
		Channel: domain.Channel(r.Channel), QRScene: r.QRScene, Status: domain.InviteStatus(r.Status),
		CreatedAt: r.CreatedAt.UTC(), Lifecycle: r.lifecycleCols.domain(),
	}
}

type qrCodeRow struct {
	bun.BaseModel `bun:"table:qr_codes"`

	ID       int64  `bun:"id,pk,autoincrement"`
	OwnerID  int64  `bun:"owner_id"`
	Purpose  string `bun:"purpose"`
	Kind     string `bun:"kind"`
	SceneStr string `bun:"scene_str"`
	SceneID  int64  `bun:"scene_id"`
	// PermanentScene is the scene of a permanent code and NULL for temporary ones: a
	// unique key on it keeps two owners from sharing a permanent scene, while the same
	// temporary scene may be re-issued as often as needed.
	PermanentScene string    `bun:"permanent_scene,nullzero"`
	Ticket         string    `bun:"ticket"`
	URL            string    `bun:"url"`
	ExpiresAt      time.Time `bun:"expires_at,nullzero"`
	IssuedAt       time.Time `bun:"issued_at"`
}

func qrCodeRowFrom(q domain.QRCode) qrCodeRow {
	r := qrCodeRow{
		OwnerID: int64(q.OwnerID), Purpose: string(q.Purpose), Kind: string(q.Kind),
		SceneStr: q.Scene.Str, SceneID: int64(q.Scene.ID), Ticket: q.Ticket, URL: q.URL,
		ExpiresAt: dbTime(q.ExpiresAt), IssuedAt: dbTime(q.IssuedAt),
	}
	if q.Kind == domain.QRPermanent {
		if q.Scene.Str != "" {
			r.PermanentScene = "s:" + q.Scene.Str
		} else {
			r.PermanentScene = "n:" + strconv.FormatUint(uint64(q.Scene.ID), 10)
		}
	}
	return r
}

func (r qrCodeRow) domain() domain.QRCode {
	q := domain.QRCode{
		Kind: domain.QRKind(r.Kind), Scene: domain.Scene{Str: r.SceneStr, ID: uint32(r.SceneID)},
		Purpose: domain.QRPurpose(r.Purpose), OwnerID: domain.UserID(r.OwnerID), Ticket: r.Ticket,
		URL: r.URL, IssuedAt: r.IssuedAt.UTC(),
	}
	if !r.ExpiresAt.IsZero() {
		q.ExpiresAt = r.ExpiresAt.UTC()
	}
	return q
}

type accessTokenRow struct {
	bun.BaseModel `bun:"table:access_tokens"`

	AppID       string    `bun:"appid,pk"`
	Token       string    `bun:"token"`
	ExpiresAt   time.Time `bun:"expires_at,nullzero"`
	LeaseHolder string    `bun:"lease_holder"`
	LeaseUntil  time.Time `bun:"lease_until,nullzero"`
}

// dbTime is the form every instant is stored in: UTC, microseconds (datetime(6)).
func dbTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// utcOrZero is t in UTC, keeping the zero time (a NULL column) zero.
func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// expectRow turns the result of an UPDATE of one row into NotFound when no row
// matched. MySQL connections use clientFoundRows, so a row that matched but already
// had the values still counts as found.
func (d *DB) expectRow(what string, res sql.Result, err error) error {
	if err != nil {
		return d.mapErr(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return d.mapErr(what, err)
	}
	if n == 0 {
		return application.NotFound(what, nil)
	}
	return nil
}

// affected returns RowsAffected of an UPDATE or an error classified by mapErr.
func (d *DB) affected(what string, res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, d.mapErr(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, d.mapErr(what, err)
	}
	return n, nil
}
