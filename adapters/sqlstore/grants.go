package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var _ application.GrantRepository = (*Grants)(nil)

// Grants implements application.GrantRepository. The unique key on (user_id,
// campaign_id, tier) is the "exactly once per user, campaign and tier" rule; status
// changes are conditional UPDATEs on the status read.
type Grants struct{ db *DB }

// Grants is the reward grant repository on this database.
func (d *DB) Grants() *Grants { return &Grants{db: d} }

// Create implements application.GrantRepository.
func (r *Grants) Create(ctx context.Context, g domain.Grant) (domain.Grant, error) {
	row := grantRowFrom(g)
	row.ID = 0
	if _, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewInsert().Model(&row).Exec(ctx)
	}); err != nil {
		return domain.Grant{}, r.db.mapErr("grant", err)
	}
	return row.domain(), nil
}

func (r *Grants) one(ctx context.Context, q func(*bun.SelectQuery) *bun.SelectQuery) (domain.Grant, error) {
	var row grantRow
	if err := q(r.db.idb(ctx).NewSelect().Model(&row)).Limit(1).Scan(ctx); err != nil {
		return domain.Grant{}, r.db.mapErr("grant", err)
	}
	return row.domain(), nil
}

// Find implements application.GrantRepository.
func (r *Grants) Find(ctx context.Context, user domain.UserID, campaign domain.CampaignID, tier int) (domain.Grant, error) {
	return r.one(ctx, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("user_id = ?", int64(user)).Where("campaign_id = ?", int64(campaign)).Where("tier = ?", tier)
	})
}

// ByID implements application.GrantRepository.
func (r *Grants) ByID(ctx context.Context, id domain.GrantID) (domain.Grant, error) {
	return r.one(ctx, func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("id = ?", int64(id)) })
}

// SetOutcome implements application.GrantRepository.
func (r *Grants) SetOutcome(ctx context.Context, id domain.GrantID, status domain.GrantStatus, code string) (bool, error) {
	res, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*grantRow)(nil)).Set("status = ?", string(status)).Set("code = ?", code).
			Where("id = ?", int64(id)).Where("status = ?", string(domain.GrantGranted)).Exec(ctx)
	})
	n, err := r.db.affected("grant", res, err)
	return n == 1, err
}

// Fulfil implements application.GrantRepository.
func (r *Grants) Fulfil(ctx context.Context, id domain.GrantID, at time.Time) (bool, error) {
	res, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*grantRow)(nil)).Set("status = ?", string(domain.GrantFulfilled)).Set("fulfilled_at = ?", dbTime(at)).
			Where("id = ?", int64(id)).Where("status = ?", string(domain.GrantGranted)).Exec(ctx)
	})
	n, err := r.db.affected("grant", res, err)
	return n == 1, err
}

// ByUser implements application.GrantRepository.
func (r *Grants) ByUser(ctx context.Context, user domain.UserID, campaign domain.CampaignID) ([]domain.Grant, error) {
	var rows []grantRow
	err := r.db.idb(ctx).NewSelect().Model(&rows).Where("user_id = ?", int64(user)).Where("campaign_id = ?", int64(campaign)).
		OrderExpr("tier").Scan(ctx)
	if err != nil {
		return nil, r.db.mapErr("grants", err)
	}
	out := make([]domain.Grant, len(rows))
	for i, row := range rows {
		out[i] = row.domain()
	}
	return out, nil
}

// Counts implements application.GrantRepository, as a report (rdb).
func (r *Grants) Counts(ctx context.Context, campaign domain.CampaignID) (granted, outOfStock int, err error) {
	err = r.db.rdb(ctx).NewSelect().Model((*grantRow)(nil)).
		ColumnExpr("COALESCE(SUM(CASE WHEN status <> ? THEN 1 ELSE 0 END), 0)", string(domain.GrantOutOfStock)).
		ColumnExpr("COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0)", string(domain.GrantOutOfStock)).
		Where("campaign_id = ?", int64(campaign)).Scan(ctx, &granted, &outOfStock)
	return granted, outOfStock, r.db.mapErr("grant counts", err)
}

// grantRecordRow is a grant with its user's nickname.
type grantRecordRow struct {
	grantRow `bun:",extend"`
	OpenID   string `bun:"openid"`
	Nickname string `bun:"nickname"`
}

func (r *Grants) listQuery(ctx context.Context, f application.GrantFilter) *bun.SelectQuery {
	q := r.db.idb(ctx).NewSelect().TableExpr("reward_grants AS g").
		Join("LEFT JOIN users AS u ON u.id = g.user_id").
		ColumnExpr("g.id, g.user_id, g.campaign_id, g.tier, g.reward, g.url, g.status, g.code, g.granted_at, g.fulfilled_at").
		ColumnExpr("COALESCE(u.openid, '') AS openid, COALESCE(u.nickname, '') AS nickname")
	if f.Campaign != 0 {
		q = q.Where("g.campaign_id = ?", int64(f.Campaign))
	}
	if f.Status != "" {
		q = q.Where("g.status = ?", string(f.Status))
	}
	return q.OrderExpr("g.granted_at DESC, g.id DESC")
}

func (row grantRecordRow) record() application.GrantRecord {
	return application.GrantRecord{Grant: row.grantRow.domain(), OpenID: row.OpenID, Nickname: row.Nickname}
}

// List implements application.GrantRepository.
func (r *Grants) List(ctx context.Context, f application.GrantFilter, page application.Page) ([]application.GrantRecord, application.Cursor, error) {
	limit := pageLimit(page)
	q := r.listQuery(ctx, f)
	if c := page.Cursor; !c.IsZero() {
		at := dbTime(c.At)
		q = q.Where("(g.granted_at < ? OR (g.granted_at = ? AND g.id < ?))", at, at, c.ID)
	}
	var rows []grantRecordRow
	if err := q.Limit(int64(limit+1)).Scan(ctx, &rows); err != nil {
		return nil, application.Cursor{}, r.db.mapErr("grants", err)
	}
	var next application.Cursor
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = application.Cursor{At: last.GrantedAt.UTC(), ID: last.ID}
	}
	out := make([]application.GrantRecord, len(rows))
	for i, row := range rows {
		out[i] = row.record()
	}
	return out, next, nil
}

// Each implements application.GrantRepository by streaming one query. On SQLite
// the store has a single connection, so fn must not call the store.
func (r *Grants) Each(ctx context.Context, f application.GrantFilter, fn func(application.GrantRecord) error) error {
	rows, err := r.listQuery(ctx, f).Rows(ctx)
	if err != nil {
		return r.db.mapErr("grants", err)
	}
	defer rows.Close()
	for rows.Next() {
		var row grantRecordRow
		if err := r.db.bun.ScanRow(ctx, rows, &row); err != nil {
			return r.db.mapErr("grants", err)
		}
		if err := fn(row.record()); err != nil {
			return err
		}
	}
	return r.db.mapErr("grants", rows.Err())
}
