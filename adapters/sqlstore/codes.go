package sqlstore

import (
	"context"
	"database/sql"
	"math/rand/v2"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var _ application.CodeRepository = (*Codes)(nil)

// claimCandidates is how many free codes a claim looks at per round; claimants try
// them in random order so that concurrent grants rarely aim at the same row.
const (
	claimCandidates = 16
	claimRounds     = 4
)

// Codes implements application.CodeRepository. A code is claimed by a conditional
// UPDATE that sets its grant only while it has none; a unique key on grant_id keeps a
// grant from ever holding two codes.
type Codes struct{ db *DB }

// Codes is the redeem code repository on this database.
func (d *DB) Codes() *Codes { return &Codes{db: d} }

// Add implements application.CodeRepository with one multi-row insert that skips
// codes already stored; the affected-row count is the number added.
func (r *Codes) Add(ctx context.Context, campaign domain.CampaignID, tier int, codes []string) (int, error) {
	if len(codes) == 0 {
		return 0, nil
	}
	rows := make([]codeRow, len(codes))
	for i, c := range codes {
		rows[i] = codeRow{CampaignID: int64(campaign), Tier: tier, Code: c}
	}
	res, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		q := db.NewInsert().Model(&rows).ExcludeColumn("id", "grant_id")
		if r.db.dialect == DialectMySQL {
			q = q.Ignore()
		} else {
			q = q.On("CONFLICT DO NOTHING")
		}
		return q.Returning("NULL").Exec(ctx)
	})
	n, err := r.db.affected("redeem codes", res, err)
	return int(n), err
}

// Claim implements application.CodeRepository.
func (r *Codes) Claim(ctx context.Context, campaign domain.CampaignID, tier int, grant domain.GrantID) (string, bool, error) {
	idb := r.db.idb(ctx)
	var own []string
	if err := idb.NewSelect().Model((*codeRow)(nil)).Column("code").Where("grant_id = ?", int64(grant)).Limit(1).Scan(ctx, &own); err != nil {
		return "", false, r.db.mapErr("redeem code", err)
	}
	if len(own) == 1 {
		return own[0], true, nil
	}
	for range claimRounds {
		var free []codeRow
		err := idb.NewSelect().Model(&free).Column("id", "code").
			Where("campaign_id = ?", int64(campaign)).Where("tier = ?", tier).Where("grant_id IS NULL").
			OrderExpr("id").Limit(claimCandidates).Scan(ctx)
		if err != nil {
			return "", false, r.db.mapErr("redeem codes", err)
		}
		if len(free) == 0 {
			return "", false, nil
		}
		rand.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
		for _, c := range free {
			res, err := r.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
				return db.NewUpdate().Model((*codeRow)(nil)).Set("grant_id = ?", int64(grant)).
					Where("id = ?", c.ID).Where("grant_id IS NULL").Exec(ctx)
			})
			n, err := r.db.affected("redeem code", res, err)
			if err != nil {
				return "", false, err
			}
			if n == 1 {
				return c.Code, true, nil
			}
		}
	}
	// Every code looked at was taken meanwhile: a transaction's snapshot can keep
	// showing them as free, so let the caller run again on fresh data.
	return "", false, application.Errorf(application.KindUnavailable, "code_contention", nil, "redeem codes kept being taken; retry")
}
