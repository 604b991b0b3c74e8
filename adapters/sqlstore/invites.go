package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var _ application.InviteRepository = (*Invites)(nil)

// Invites implements application.InviteRepository. The unique key on the invitee is
// the "one inviter per invitee" rule; lists page by (created_at, id) because ids are
// not ordered by time on a multi-primary cluster.
type Invites struct{ db *DB }

// Create implements application.InviteRepository.
func (r *Invites) Create(ctx context.Context, inv domain.Invite) (domain.Invite, error) {
	row := inviteRowFrom(inv)
	row.ID = 0
	if _, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewInsert().Model(&row).Exec(ctx)
	}); err != nil {
		return domain.Invite{}, r.db.mapErr("invite", err)
	}
	return row.domain(), nil
}

// ByInvitee implements application.InviteRepository.
func (r *Invites) ByInvitee(ctx context.Context, invitee domain.UserID) (domain.Invite, error) {
	var row inviteRow
	err := r.db.idb(ctx).NewSelect().Model(&row).Where("invitee_id = ?", int64(invitee)).Limit(1).Scan(ctx)
	if err != nil {
		return domain.Invite{}, r.db.mapErr("invite", err)
	}
	return row.domain(), nil
}

// afterCursor restricts a newest-first query to the rows strictly after c.
func afterCursor(q *bun.SelectQuery, c application.Cursor) *bun.SelectQuery {
	if c.IsZero() {
		return q
	}
	at := dbTime(c.At)
	return q.Where("(i.created_at < ? OR (i.created_at = ? AND i.id < ?))", at, at, c.ID)
}

// pageLimit applies the page's limit (the default when unset).
func pageLimit(p application.Page) int {
	if p.Limit <= 0 {
		return application.DefaultPageSize
	}
	return p.Limit
}

// Invitees implements application.InviteRepository. One extra row is fetched to tell
// whether there is a next page; the cursor is the last row returned.
func (r *Invites) Invitees(ctx context.Context, inviter domain.UserID, page application.Page) ([]application.Invitee, application.Cursor, error) {
	limit := pageLimit(page)
	var rows []struct {
		ID         int64     `bun:"id"`
		InviteeID  int64     `bun:"invitee_id"`
		OpenID     string    `bun:"openid"`
		Nickname   string    `bun:"nickname"`
		Channel    string    `bun:"channel"`
		CreatedAt  time.Time `bun:"created_at"`
		Status     string    `bun:"status"`
		Reason     string    `bun:"reason"`
		HoldEndsAt time.Time `bun:"hold_ends_at,nullzero"`
	}
	q := r.db.idb(ctx).NewSelect().
		TableExpr("invites AS i").
		Join("LEFT JOIN users AS u ON u.id = i.invitee_id").
		ColumnExpr("i.id, i.invitee_id, COALESCE(u.openid, '') AS openid, COALESCE(u.nickname, '') AS nickname, i.channel, i.created_at, i.status, i.reason, i.hold_ends_at").
		Where("i.inviter_id = ?", int64(inviter))
	q = afterCursor(q, page.Cursor).OrderExpr("i.created_at DESC, i.id DESC").Limit(int64(limit + 1))
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, application.Cursor{}, r.db.mapErr("invitees", err)
	}
	var next application.Cursor
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = application.Cursor{At: last.CreatedAt.UTC(), ID: last.ID}
	}
	out := make([]application.Invitee, len(rows))
	for i, row := range rows {
		out[i] = application.Invitee{
			InviteID: domain.InviteID(row.ID), UserID: domain.UserID(row.InviteeID), OpenID: row.OpenID, Nickname: row.Nickname,
			Channel: domain.Channel(row.Channel), JoinedAt: row.CreatedAt.UTC(),
			Status: domain.InviteStatus(row.Status), Reason: domain.RevokeReason(row.Reason), HoldEndsAt: utcOrZero(row.HoldEndsAt),
		}
	}
	return out, next, nil
}

// CountByInviter implements application.InviteRepository.
func (r *Invites) CountByInviter(ctx context.Context, inviter domain.UserID) (int, error) {
	n, err := r.db.idb(ctx).NewSelect().Model((*inviteRow)(nil)).Where("inviter_id = ?", int64(inviter)).Count(ctx)
	return int(n), r.db.mapErr("invite count", err)
}

// CountByChannel implements application.InviteRepository, as a report (rdb). On
// SQLite the count of every invite reads no entry (a bare COUNT(*)) and each channel
// is a range of invites_channel_idx, half the work of grouping every entry; should
// the two channels not add up to all invites, the grouping names the others.
func (r *Invites) CountByChannel(ctx context.Context) (map[domain.Channel]int, error) {
	if r.db.dialect == DialectSQLite {
		db := r.db.rdb(ctx)
		count := func(ch domain.Channel) *bun.SelectQuery {
			return db.NewSelect().TableExpr("invites").ColumnExpr("COUNT(*)").Where("channel = ?", string(ch))
		}
		var all, link, scan int
		err := db.NewSelect().ColumnExpr("(?)", db.NewSelect().TableExpr("invites").ColumnExpr("COUNT(*)")).
			ColumnExpr("(?)", count(domain.ChannelLink)).ColumnExpr("(?)", count(domain.ChannelScan)).
			Scan(ctx, &all, &link, &scan)
		if err != nil {
			return nil, r.db.mapErr("invite counts", err)
		}
		if all == link+scan {
			return map[domain.Channel]int{domain.ChannelLink: link, domain.ChannelScan: scan}, nil
		}
	}
	return r.countGrouped(ctx)
}

// countGrouped counts invites by channel in one pass over invites_channel_idx.
func (r *Invites) countGrouped(ctx context.Context) (map[domain.Channel]int, error) {
	var rows []struct {
		Channel string `bun:"channel"`
		N       int    `bun:"n"`
	}
	err := r.db.rdb(ctx).NewSelect().Model((*inviteRow)(nil)).
		ColumnExpr("channel, COUNT(*) AS n").Group("channel").Scan(ctx, &rows)
	if err != nil {
		return nil, r.db.mapErr("invite counts", err)
	}
	out := map[domain.Channel]int{domain.ChannelLink: 0, domain.ChannelScan: 0}
	for _, row := range rows {
		out[domain.Channel(row.Channel)] = row.N
	}
	return out, nil
}

// Leaderboard implements application.InviteRepository, as a report (rdb): counts
// come from the (inviter_id, created_at, id) index; names are joined only for the
// top rows.
func (r *Invites) Leaderboard(ctx context.Context, limit int) ([]application.LeaderboardEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	var rows []struct {
		InviterID int64  `bun:"inviter_id"`
		N         int    `bun:"n"`
		OpenID    string `bun:"openid"`
		Nickname  string `bun:"nickname"`
	}
	idb := r.db.rdb(ctx)
	top := idb.NewSelect().TableExpr("invites").
		ColumnExpr("inviter_id, COUNT(*) AS n").Group("inviter_id").
		OrderExpr("n DESC, inviter_id ASC").Limit(int64(limit))
	err := idb.NewSelect().TableExpr("(?) AS t", top).
		Join("LEFT JOIN users AS u ON u.id = t.inviter_id").
		ColumnExpr("t.inviter_id, t.n, COALESCE(u.openid, '') AS openid, COALESCE(u.nickname, '') AS nickname").
		OrderExpr("t.n DESC, t.inviter_id ASC").Scan(ctx, &rows)
	if err != nil {
		return nil, r.db.mapErr("leaderboard", err)
	}
	out := make([]application.LeaderboardEntry, len(rows))
	for i, row := range rows {
		out[i] = application.LeaderboardEntry{UserID: domain.UserID(row.InviterID), OpenID: row.OpenID, Nickname: row.Nickname, InviteeCount: row.N}
	}
	return out, nil
}

// recordQuery selects every invite with both parties' nicknames, newest first.
func (r *Invites) recordQuery(ctx context.Context) *bun.SelectQuery {
	return r.db.idb(ctx).NewSelect().
		TableExpr("invites AS i").
		Join("LEFT JOIN users AS a ON a.id = i.inviter_id").
		Join("LEFT JOIN users AS b ON b.id = i.invitee_id").
		ColumnExpr("i.id, i.inviter_id, i.invitee_id, i.channel, i.qr_scene, i.status, i.created_at").
		ColumnExpr("COALESCE(a.nickname, '') AS inviter_nickname, COALESCE(b.nickname, '') AS invitee_nickname").
		ColumnExpr("COALESCE(a.openid, '') AS inviter_openid, COALESCE(b.openid, '') AS invitee_openid").
		ColumnExpr("COALESCE(b.following, ?) AS invitee_following", false)
}

// recordRow is one line of recordQuery.
type recordRow struct {
	inviteRow
	InviterNickname  string `bun:"inviter_nickname"`
	InviteeNickname  string `bun:"invitee_nickname"`
	InviterOpenID    string `bun:"inviter_openid"`
	InviteeOpenID    string `bun:"invitee_openid"`
	InviteeFollowing bool   `bun:"invitee_following"`
}

func (r recordRow) record() application.InviteRecord {
	return application.InviteRecord{
		Invite:        r.inviteRow.domain(),
		InviterOpenID: r.InviterOpenID, InviterNickname: r.InviterNickname,
		InviteeOpenID: r.InviteeOpenID, InviteeNickname: r.InviteeNickname,
		InviteeFollowing: r.InviteeFollowing,
	}
}

// List implements application.InviteRepository.
func (r *Invites) List(ctx context.Context, page application.Page) ([]application.InviteRecord, application.Cursor, error) {
	limit := pageLimit(page)
	var rows []recordRow
	q := afterCursor(r.recordQuery(ctx), page.Cursor).OrderExpr("i.created_at DESC, i.id DESC").Limit(int64(limit + 1))
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, application.Cursor{}, r.db.mapErr("invites", err)
	}
	var next application.Cursor
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = application.Cursor{At: last.CreatedAt.UTC(), ID: last.ID}
	}
	out := make([]application.InviteRecord, len(rows))
	for i, row := range rows {
		out[i] = row.record()
	}
	return out, next, nil
}

// Each implements application.InviteRepository by streaming rows from one query.
// On SQLite the store has a single connection, so fn must not call the store.
func (r *Invites) Each(ctx context.Context, fn func(application.InviteRecord) error) error {
	rows, err := r.recordQuery(ctx).OrderExpr("i.created_at DESC, i.id DESC").Rows(ctx)
	if err != nil {
		return r.db.mapErr("invites", err)
	}
	defer rows.Close()
	return r.each(ctx, rows, fn)
}

func (r *Invites) each(ctx context.Context, rows *sql.Rows, fn func(application.InviteRecord) error) error {
	for rows.Next() {
		var row recordRow
		if err := r.db.bun.ScanRow(ctx, rows, &row); err != nil {
			return r.db.mapErr("invites", err)
		}
		if err := fn(row.record()); err != nil {
			return err
		}
	}
	return r.db.mapErr("invites", rows.Err())
}
