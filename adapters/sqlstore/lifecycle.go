package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var _ application.InviteLifecycleRepository = (*InviteLifecycle)(nil)

// InviteLifecycle implements application.InviteLifecycleRepository on the invites
// table: each transition is one UPDATE conditional on the status and hold start the
// caller read.
type InviteLifecycle struct{ db *DB }

// InviteLifecycle is the invite lifecycle repository on this database.
func (d *DB) InviteLifecycle() *InviteLifecycle { return &InviteLifecycle{db: d} }

// nullable is nil for the zero time, so the store writes NULL.
func nullable(t time.Time) any { return nullTime(t) }

// Transition implements application.InviteLifecycleRepository.
func (r *InviteLifecycle) Transition(ctx context.Context, from, to domain.Invite) (bool, error) {
	l := to.Lifecycle
	res, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		q := db.NewUpdate().Model((*inviteRow)(nil)).
			Set("status = ?", string(to.Status)).
			Set("hold_started_at = ?", nullable(l.HoldStartedAt)).
			Set("hold_ends_at = ?", nullable(l.HoldEndsAt)).
			Set("qualified_at = ?", nullable(l.QualifiedAt)).
			Set("revoked_at = ?", nullable(l.RevokedAt)).
			Set("reason = ?", string(l.Reason)).
			Where("id = ?", int64(from.ID)).Where("status = ?", string(from.Status))
		if from.HoldStartedAt.IsZero() {
			q = q.Where("hold_started_at IS NULL")
		} else {
			q = q.Where("hold_started_at = ?", dbTime(from.HoldStartedAt))
		}
		return q.Exec(ctx)
	})
	n, err := r.db.affected("invite", res, err)
	return n == 1, err
}

func (r *InviteLifecycle) invites(ctx context.Context, q func(*bun.SelectQuery) *bun.SelectQuery) ([]domain.Invite, error) {
	var rows []inviteRow
	if err := q(r.db.idb(ctx).NewSelect().Model(&rows)).Scan(ctx); err != nil {
		return nil, r.db.mapErr("invites", err)
	}
	out := make([]domain.Invite, len(rows))
	for i, row := range rows {
		out[i] = row.domain()
	}
	return out, nil
}

// DueHolds implements application.InviteLifecycleRepository (index invites_due_idx).
func (r *InviteLifecycle) DueHolds(ctx context.Context, now time.Time, limit int) ([]domain.Invite, error) {
	return r.invites(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("status = ?", string(domain.InvitePending)).Where("hold_ends_at <= ?", dbTime(now)).
			OrderExpr("hold_ends_at").Limit(int64(limit))
	})
}

// Unsettled implements application.InviteLifecycleRepository (index invites_unsettled_idx).
func (r *InviteLifecycle) Unsettled(ctx context.Context, limit int) ([]domain.Invite, error) {
	return r.invites(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("settled_at IS NULL").Where("qualified_at IS NOT NULL").OrderExpr("qualified_at").Limit(int64(limit))
	})
}

// MarkSettled implements application.InviteLifecycleRepository.
func (r *InviteLifecycle) MarkSettled(ctx context.Context, id domain.InviteID, at time.Time) error {
	_, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*inviteRow)(nil)).Set("settled_at = ?", dbTime(at)).
			Where("id = ?", int64(id)).Where("settled_at IS NULL").Exec(ctx)
	})
	return r.db.mapErr("invite", err)
}

// countColumns adds the pending/qualified/revoked tallies as of now: a pending
// invite whose hold has ended counts as qualified.
func countColumns(q *bun.SelectQuery, prefix string, now time.Time) *bun.SelectQuery {
	at := dbTime(now)
	return q.
		ColumnExpr("COALESCE(SUM(CASE WHEN "+prefix+"status = ? AND ("+prefix+"hold_ends_at IS NULL OR "+prefix+"hold_ends_at > ?) THEN 1 ELSE 0 END), 0) AS pending", string(domain.InvitePending), at).
		ColumnExpr("COALESCE(SUM(CASE WHEN "+prefix+"status = ? OR ("+prefix+"status = ? AND "+prefix+"hold_ends_at <= ?) THEN 1 ELSE 0 END), 0) AS qualified", string(domain.InviteQualified), string(domain.InvitePending), at).
		ColumnExpr("COALESCE(SUM(CASE WHEN "+prefix+"status = ? THEN 1 ELSE 0 END), 0) AS revoked", string(domain.InviteRevoked))
}

type countsRow struct {
	Pending   int `bun:"pending"`
	Qualified int `bun:"qualified"`
	Revoked   int `bun:"revoked"`
}

func (c countsRow) counts() application.InviteCounts {
	return application.InviteCounts{Pending: c.Pending, Qualified: c.Qualified, Revoked: c.Revoked}
}

// InviterCounts implements application.InviteLifecycleRepository.
func (r *InviteLifecycle) InviterCounts(ctx context.Context, inviter domain.UserID, campaign domain.CampaignID, now time.Time) (application.InviteCounts, error) {
	var row countsRow
	q := countColumns(r.db.idb(ctx).NewSelect().Model((*inviteRow)(nil)), "", now).
		Where("campaign_id = ?", int64(campaign)).Where("inviter_id = ?", int64(inviter))
	if err := q.Scan(ctx, &row); err != nil {
		return application.InviteCounts{}, r.db.mapErr("invite counts", err)
	}
	return row.counts(), nil
}

// CampaignCounts implements application.InviteLifecycleRepository, as a report
// (rdb) read from invites_campaign_cover_idx alone.
func (r *InviteLifecycle) CampaignCounts(ctx context.Context, campaign domain.CampaignID, now time.Time) (application.InviteCounts, int, error) {
	var row struct {
		countsRow
		Participants int `bun:"participants"`
	}
	q := countColumns(r.db.rdb(ctx).NewSelect().Model((*inviteRow)(nil)), "", now).
		ColumnExpr("COUNT(DISTINCT inviter_id) AS participants").
		Where("campaign_id = ?", int64(campaign))
	if err := q.Scan(ctx, &row); err != nil {
		return application.InviteCounts{}, 0, r.db.mapErr("invite counts", err)
	}
	return row.counts(), row.Participants, nil
}

// EachInCampaign implements application.InviteLifecycleRepository. On SQLite the
// store has a single connection, so fn must not call the store.
func (r *InviteLifecycle) EachInCampaign(ctx context.Context, campaign domain.CampaignID, fn func(domain.Invite) error) error {
	rows, err := r.db.idb(ctx).NewSelect().Model((*inviteRow)(nil)).Where("campaign_id = ?", int64(campaign)).
		OrderExpr("created_at, id").Rows(ctx)
	if err != nil {
		return r.db.mapErr("invites", err)
	}
	defer rows.Close()
	for rows.Next() {
		var row inviteRow
		if err := r.db.bun.ScanRow(ctx, rows, &row); err != nil {
			return r.db.mapErr("invites", err)
		}
		if err := fn(row.domain()); err != nil {
			return err
		}
	}
	return r.db.mapErr("invites", rows.Err())
}

// CampaignLeaderboard implements application.InviteLifecycleRepository, as a report
// (rdb): the tallies come from invites_campaign_cover_idx alone, in inviter order;
// the invitees' follow state is read only for invites old enough for the retention
// figure (a running campaign's recent invites need no user read), and the inviters'
// names only for the top limit. MySQL skips the user for a recent invite when the
// age is part of the join; SQLite looks the user up before testing such a join
// condition, so there the follow state is a subquery behind the age test, which
// SQLite evaluates only when the test passes (MySQL's plan for that subquery is a
// lookup per invite whatever its age, four times slower on an old campaign).
func (r *InviteLifecycle) CampaignLeaderboard(ctx context.Context, campaign domain.CampaignID, now, retentionBefore time.Time, limit int) ([]application.CampaignLeader, error) {
	if limit <= 0 {
		return nil, nil
	}
	var rows []struct {
		countsRow
		InviterID      int64  `bun:"inviter_id"`
		OpenID         string `bun:"openid"`
		Nickname       string `bun:"nickname"`
		OldInvitees    int    `bun:"old_invitees"`
		StillFollowing int    `bun:"still_following"`
	}
	cut := dbTime(retentionBefore)
	db := r.db.rdb(ctx)
	ranked := countColumns(db.NewSelect().TableExpr("invites AS i"), "i.", now).
		ColumnExpr("i.inviter_id").
		ColumnExpr("COALESCE(SUM(CASE WHEN i.created_at <= ? THEN 1 ELSE 0 END), 0) AS old_invitees", cut)
	if r.db.dialect == DialectSQLite {
		ranked = ranked.ColumnExpr("COALESCE(SUM(CASE WHEN i.created_at <= ? AND "+
			"(SELECT e.following FROM users AS e WHERE e.id = i.invitee_id) THEN 1 ELSE 0 END), 0) AS still_following", cut)
	} else {
		ranked = ranked.Join("LEFT JOIN users AS e ON e.id = i.invitee_id AND i.created_at <= ?", cut).
			ColumnExpr("COALESCE(SUM(CASE WHEN i.created_at <= ? AND e.following THEN 1 ELSE 0 END), 0) AS still_following", cut)
	}
	ranked = ranked.Where("i.campaign_id = ?", int64(campaign)).
		Group("i.inviter_id").
		OrderExpr("qualified DESC, pending DESC, i.inviter_id ASC").Limit(int64(limit))
	// The inviters' names are joined to the ranked few, not to every invite.
	q := db.NewSelect().TableExpr("(?) AS t", ranked).
		Join("LEFT JOIN users AS a ON a.id = t.inviter_id").
		ColumnExpr("t.*, COALESCE(a.openid, '') AS openid, COALESCE(a.nickname, '') AS nickname").
		OrderExpr("t.qualified DESC, t.pending DESC, t.inviter_id ASC")
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, r.db.mapErr("campaign leaderboard", err)
	}
	out := make([]application.CampaignLeader, len(rows))
	for i, row := range rows {
		out[i] = application.CampaignLeader{UserID: domain.UserID(row.InviterID), OpenID: row.OpenID, Nickname: row.Nickname, InviteCounts: row.counts(),
			OldInvitees: row.OldInvitees, StillFollowing: row.StillFollowing}
	}
	return out, nil
}
