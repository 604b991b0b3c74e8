package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var (
	_ application.AuditLog        = (*Audit)(nil)
	_ application.PeopleDirectory = (*Audit)(nil)
)

// Audit implements application.AuditLog (append-only rows in audit_events) and
// application.PeopleDirectory.
type Audit struct{ db *DB }

// Audit returns the audit trail on this database.
func (d *DB) Audit() *Audit { return &Audit{db: d} }

type auditRow struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID         int64     `bun:"id,pk,autoincrement"`
	At         time.Time `bun:"at"`
	Type       string    `bun:"type"`
	UserID     int64     `bun:"user_id"`
	InviterID  int64     `bun:"inviter_id,nullzero"`
	CampaignID int64     `bun:"campaign_id,nullzero"`
	Channel    string    `bun:"channel,nullzero"`
	Reason     string    `bun:"reason,nullzero"`
}

func auditRowFrom(e domain.AuditEvent) auditRow {
	return auditRow{At: dbTime(e.At), Type: string(e.Type), UserID: int64(e.UserID), InviterID: int64(e.InviterID),
		CampaignID: int64(e.CampaignID), Channel: string(e.Channel), Reason: string(e.Reason)}
}

func (r auditRow) domain() domain.AuditEvent {
	return domain.AuditEvent{At: r.At.UTC(), Type: domain.AuditType(r.Type), UserID: domain.UserID(r.UserID),
		InviterID: domain.UserID(r.InviterID), CampaignID: domain.CampaignID(r.CampaignID), Channel: domain.Channel(r.Channel), Reason: domain.AuditReason(r.Reason)}
}

// Append implements application.AuditLog with one multi-row INSERT, inside the
// caller's transaction when ctx carries one.
func (a *Audit) Append(ctx context.Context, events ...domain.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([]auditRow, len(events))
	for i, e := range events {
		if err := e.Validate(); err != nil {
			return application.Errorf(application.KindInvalid, "invalid_audit_event", err, "the audit event is not valid")
		}
		rows[i] = auditRowFrom(e)
	}
	// No ids read back (nothing needs them), and on MySQL sent with the
	// transaction's other appends just before COMMIT (deferred.go).
	err := a.db.later(ctx, a.db.bun.NewInsert().Model(&rows).Returning("NULL"))
	return a.db.mapErr("audit event", err)
}

// ByUser implements application.AuditLog from the (user_id, at, id) index.
func (a *Audit) ByUser(ctx context.Context, user domain.UserID, limit int) ([]domain.AuditEvent, error) {
	var rows []auditRow
	err := a.db.idb(ctx).NewSelect().Model(&rows).Where("user_id = ?", int64(user)).
		OrderExpr("at ASC, id ASC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, a.db.mapErr("audit events", err)
	}
	out := make([]domain.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Attempts implements application.AuditLog from the (inviter_id, type, at, id) index.
func (a *Audit) Attempts(ctx context.Context, inviter domain.UserID, limit int) ([]application.AuditAttempt, error) {
	var rows []struct {
		auditRow
		Nickname string `bun:"nickname"`
	}
	err := a.db.idb(ctx).NewSelect().TableExpr("audit_events AS e").
		Join("LEFT JOIN users AS u ON u.id = e.user_id").
		ColumnExpr("e.id, e.at, e.type, e.user_id, e.inviter_id, e.campaign_id, e.channel, e.reason, COALESCE(u.nickname, '') AS nickname").
		Where("e.inviter_id = ?", int64(inviter)).
		Where("e.type IN (?)", bun.In([]string{string(domain.AuditInviteRefused), string(domain.AuditInviteRevoked)})).
		OrderExpr("e.at DESC, e.id DESC").Limit(int64(limit)).Scan(ctx, &rows)
	if err != nil {
		return nil, a.db.mapErr("attempts", err)
	}
	out := make([]application.AuditAttempt, len(rows))
	for i, r := range rows {
		out[i] = application.AuditAttempt{Event: r.auditRow.domain(), Nickname: r.Nickname}
	}
	return out, nil
}

// PruneBefore implements application.AuditLog along the primary key, which grows
// with time: the first event at or after the cutoff bounds the ids to delete (every
// row before it is older), found by walking only the rows that are due anyway.
// One bounded DELETE follows, so a prune holds few locks and makes a small
// cluster write set. A row written out of order (an older event time) waits for
// the next run after its successor is due.
func (a *Audit) PruneBefore(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	bound, err := pruneBound(ctx, a.db, "audit_events", "at", cutoff)
	if err != nil || bound == 0 {
		return 0, err
	}
	res, err := a.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		if a.db.dialect == DialectMySQL {
			return db.ExecContext(ctx, "DELETE FROM audit_events WHERE id < ? ORDER BY id LIMIT ?", bound, batch)
		}
		return db.ExecContext(ctx, "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE id < ? ORDER BY id LIMIT ?)", bound, batch)
	})
	n, err := a.db.affected("audit prune", res, err)
	return int(n), err
}

// pruneBound returns the id of the first row of table whose column is at or after
// cutoff (one past the last id when every row is older, 0 when there is nothing
// older): the rows below it are all older than the cutoff.
func pruneBound(ctx context.Context, d *DB, table, column string, cutoff time.Time) (int64, error) {
	var first []int64
	err := d.idb(ctx).NewSelect().TableExpr(table).Column("id").Where("? >= ?", bun.Ident(column), dbTime(cutoff)).
		OrderExpr("id ASC").Limit(1).Scan(ctx, &first)
	if err != nil {
		return 0, d.mapErr(table, err)
	}
	if len(first) == 1 {
		return first[0], nil
	}
	var last sql.NullInt64
	if err := d.idb(ctx).NewSelect().TableExpr(table).ColumnExpr("MAX(id)").Scan(ctx, &last); err != nil {
		return 0, d.mapErr(table, err)
	}
	if !last.Valid {
		return 0, nil
	}
	return last.Int64 + 1, nil
}

// likePrefix escapes LIKE's wildcards (with '!') so q matches only as a prefix.
func likePrefix(q string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(q) + "%"
}

// nicknamePrefix keeps the users whose nickname starts with prefix, ignoring ASCII case,
// in that order (then id). MySQL's LIKE uses users_nickname_idx as it is. On SQLite
// an ESCAPE clause turns off the LIKE optimisation (a scan and a sort of every
// match), so there the prefix is a range on the NOCASE index: NOCASE folds ASCII
// like LIKE does, and no valid UTF-8 text continues a prefix with the byte 0xFF
// (written in SQL: bun would turn it into U+FFFD, which 4-byte characters pass).
func nicknamePrefix(q *bun.SelectQuery, dialect, prefix string) *bun.SelectQuery {
	if dialect == DialectMySQL {
		return q.Where("u.nickname LIKE ? ESCAPE '!'", likePrefix(prefix)).OrderExpr("u.nickname ASC, u.id ASC")
	}
	return q.Where("u.nickname COLLATE NOCASE >= ?", prefix).Where("u.nickname COLLATE NOCASE < ? || CAST(x'ff' AS TEXT)", prefix).
		OrderExpr("u.nickname COLLATE NOCASE ASC, u.id ASC")
}

// personRow is a user with who invited them.
type personRow struct {
	userRow
	InvitedByID       int64  `bun:"invited_by_id"`
	InvitedByNickname string `bun:"invited_by_nickname"`
}

// SearchPeople implements application.PeopleDirectory: the exact openid from its
// unique key, then nickname prefixes from the nickname index, in nickname order.
func (a *Audit) SearchPeople(ctx context.Context, q string, limit int) ([]application.Person, error) {
	query := func() *bun.SelectQuery {
		return a.db.idb(ctx).NewSelect().TableExpr("users AS u").
			Join("LEFT JOIN invites AS i ON i.invitee_id = u.id").
			Join("LEFT JOIN users AS v ON v.id = i.inviter_id").
			ColumnExpr("u.id, u.openid, u.unionid, u.nickname, u.avatar_url, u.invite_code, u.following, u.joined_at, u.first_contact_key").
			ColumnExpr("COALESCE(i.inviter_id, 0) AS invited_by_id, COALESCE(v.nickname, '') AS invited_by_nickname")
	}
	var exact, prefix []personRow
	if err := query().Where("u.openid = ?", q).Limit(1).Scan(ctx, &exact); err != nil {
		return nil, a.db.mapErr("people", err)
	}
	err := nicknamePrefix(query(), a.db.dialect, q).Where("u.openid <> ?", q).Limit(int64(limit)).Scan(ctx, &prefix)
	if err != nil {
		return nil, a.db.mapErr("people", err)
	}
	var out []application.Person
	for _, r := range append(exact, prefix...) {
		if len(out) == limit {
			break
		}
		out = append(out, application.Person{User: r.userRow.domain(), InvitedByID: domain.UserID(r.InvitedByID), InvitedByNickname: r.InvitedByNickname})
	}
	return out, nil
}
