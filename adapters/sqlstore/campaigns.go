package sqlstore

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var _ application.CampaignRepository = (*Campaigns)(nil)

// Campaigns implements application.CampaignRepository. Every write is one
// transaction that first bumps the single campaign_revision row from the revision the
// caller read (compare-and-swap): a concurrent writer on any node makes it match no
// row, or loses certification at COMMIT, and the caller re-reads.
type Campaigns struct{ db *DB }

// Campaigns is the campaign repository on this database.
func (d *DB) Campaigns() *Campaigns { return &Campaigns{db: d} }

// All implements application.CampaignRepository.
func (r *Campaigns) All(ctx context.Context) ([]domain.Campaign, int64, error) {
	idb := r.db.idb(ctx)
	var rev int64
	if err := idb.NewSelect().Table("campaign_revision").Column("rev").Where("id = 1").Scan(ctx, &rev); err != nil {
		return nil, 0, r.db.mapErr("campaign revision", err)
	}
	var rows []campaignRow
	if err := idb.NewSelect().Model(&rows).OrderExpr("starts_at DESC, id DESC").Scan(ctx); err != nil {
		return nil, 0, r.db.mapErr("campaigns", err)
	}
	var tiers []tierRow
	if err := idb.NewSelect().Model(&tiers).OrderExpr("campaign_id, tier").Scan(ctx); err != nil {
		return nil, 0, r.db.mapErr("campaign tiers", err)
	}
	by := map[int64][]tierRow{}
	for _, t := range tiers {
		by[t.CampaignID] = append(by[t.CampaignID], t)
	}
	out := make([]domain.Campaign, len(rows))
	for i, row := range rows {
		out[i] = row.domain(by[row.ID])
	}
	return out, rev, nil
}

// ByID implements application.CampaignRepository.
func (r *Campaigns) ByID(ctx context.Context, id domain.CampaignID) (domain.Campaign, error) {
	idb := r.db.idb(ctx)
	var row campaignRow
	if err := idb.NewSelect().Model(&row).Where("id = ?", int64(id)).Limit(1).Scan(ctx); err != nil {
		return domain.Campaign{}, r.db.mapErr("campaign", err)
	}
	var tiers []tierRow
	if err := idb.NewSelect().Model(&tiers).Where("campaign_id = ?", int64(id)).OrderExpr("tier").Scan(ctx); err != nil {
		return domain.Campaign{}, r.db.mapErr("campaign tiers", err)
	}
	return row.domain(tiers), nil
}

// bumpRevision moves the revision from rev to rev+1, or reports ErrConflict.
func (r *Campaigns) bumpRevision(ctx context.Context, db bun.IDB, rev int64) error {
	res, err := db.NewUpdate().Table("campaign_revision").Set("rev = rev + 1").Where("id = 1").Where("rev = ?", rev).Exec(ctx)
	n, err := r.db.affected("campaign revision", res, err)
	if err != nil {
		return err
	}
	if n != 1 {
		return application.Conflict("campaign revision", nil)
	}
	return nil
}

// Create implements application.CampaignRepository.
func (r *Campaigns) Create(ctx context.Context, c domain.Campaign, rev int64) (domain.Campaign, error) {
	var out domain.Campaign
	err := r.db.InTx(ctx, func(ctx context.Context) error {
		db := r.db.idb(ctx)
		if err := r.bumpRevision(ctx, db, rev); err != nil {
			return err
		}
		row := campaignRowFrom(c)
		row.ID = 0
		if _, err := db.NewInsert().Model(&row).Exec(ctx); err != nil {
			return r.db.mapErr("campaign", err)
		}
		c.ID = domain.CampaignID(row.ID)
		if err := r.insertTiers(ctx, db, c, nil); err != nil {
			return err
		}
		var err error
		out, err = r.ByID(ctx, c.ID)
		return err
	})
	return out, err
}

// insertTiers writes c's tiers; remaining is the stock less used[tier].
func (r *Campaigns) insertTiers(ctx context.Context, db bun.IDB, c domain.Campaign, used map[int]int) error {
	if len(c.Tiers) == 0 {
		return nil
	}
	rows := make([]tierRow, len(c.Tiers))
	for i, t := range c.Tiers {
		rows[i] = tierRow{CampaignID: int64(c.ID), Tier: t.Tier, Threshold: t.Threshold, Reward: t.Reward, URL: t.URL, Stock: t.Stock}
		if t.Stock != nil {
			n := max(*t.Stock-used[t.Tier], 0)
			rows[i].Remaining = &n
		}
	}
	if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return r.db.mapErr("campaign tiers", err)
	}
	return nil
}

// Update implements application.CampaignRepository.
func (r *Campaigns) Update(ctx context.Context, c domain.Campaign, rev int64) error {
	return r.db.InTx(ctx, func(ctx context.Context) error {
		db := r.db.idb(ctx)
		if err := r.bumpRevision(ctx, db, rev); err != nil {
			return err
		}
		row := campaignRowFrom(c)
		res, err := db.NewUpdate().Model(&row).ExcludeColumn("id", "created_at").WherePK().Exec(ctx)
		if err := r.db.expectRow("campaign", res, err); err != nil {
			return err
		}
		var used []struct {
			Tier int `bun:"tier"`
			N    int `bun:"n"`
		}
		if err := db.NewSelect().Model((*grantRow)(nil)).ColumnExpr("tier, COUNT(*) AS n").
			Where("campaign_id = ?", int64(c.ID)).Where("status <> ?", string(domain.GrantOutOfStock)).
			Group("tier").Scan(ctx, &used); err != nil {
			return r.db.mapErr("grants", err)
		}
		u := map[int]int{}
		for _, x := range used {
			u[x.Tier] = x.N
		}
		if _, err := db.NewDelete().Model((*tierRow)(nil)).Where("campaign_id = ?", int64(c.ID)).Exec(ctx); err != nil {
			return r.db.mapErr("campaign tiers", err)
		}
		return r.insertTiers(ctx, db, c, u)
	})
}

// TakeStock implements application.CampaignRepository: one conditional decrement.
func (r *Campaigns) TakeStock(ctx context.Context, id domain.CampaignID, tier int) (bool, error) {
	res, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*tierRow)(nil)).Set("remaining = remaining - 1").
			Where("campaign_id = ?", int64(id)).Where("tier = ?", tier).
			Where("(stock IS NULL OR remaining > 0)").
			Exec(ctx)
	})
	n, err := r.db.affected("campaign stock", res, err)
	return n == 1, err
}

// PutBackground implements application.CampaignRepository.
func (r *Campaigns) PutBackground(ctx context.Context, id domain.CampaignID, img application.PosterImage) error {
	return r.db.InTx(ctx, func(ctx context.Context) error {
		db := r.db.idb(ctx)
		exists, err := db.NewSelect().Model((*campaignRow)(nil)).Where("id = ?", int64(id)).Exists(ctx)
		if err != nil {
			return r.db.mapErr("campaign", err)
		}
		if !exists {
			return application.NotFound("campaign", nil)
		}
		row := posterRow{CampaignID: int64(id), ContentType: img.ContentType, Width: img.Width, Height: img.Height, Data: img.Data, UpdatedAt: dbTime(img.UpdatedAt)}
		q := db.NewInsert().Model(&row)
		if r.db.dialect == DialectMySQL {
			q = q.On("DUPLICATE KEY UPDATE").Set("content_type = VALUES(content_type), width = VALUES(width), height = VALUES(height), data = VALUES(data), updated_at = VALUES(updated_at)")
		} else {
			q = q.On("CONFLICT (campaign_id) DO UPDATE").Set("content_type = EXCLUDED.content_type, width = EXCLUDED.width, height = EXCLUDED.height, data = EXCLUDED.data, updated_at = EXCLUDED.updated_at")
		}
		if _, err := q.Exec(ctx); err != nil {
			return r.db.mapErr("poster background", err)
		}
		return nil
	})
}

// Background implements application.CampaignRepository.
func (r *Campaigns) Background(ctx context.Context, id domain.CampaignID) (application.PosterImage, error) {
	var row posterRow
	if err := r.db.idb(ctx).NewSelect().Model(&row).Where("campaign_id = ?", int64(id)).Limit(1).Scan(ctx); err != nil {
		return application.PosterImage{}, r.db.mapErr("poster background", err)
	}
	return row.image(), nil
}
