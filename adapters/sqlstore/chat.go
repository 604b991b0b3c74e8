package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Chat is the SQL KefuWindows, PosterMediaCache and NoticeStore. Every decision
// that several instances could race on is one conditional statement whose
// affected-row count decides: no read-then-write, no row locks.
type Chat struct{ db *DB }

var (
	_ application.KefuWindows      = (*Chat)(nil)
	_ application.PosterMediaCache = (*Chat)(nil)
	_ application.NoticeStore      = (*Chat)(nil)
)

// Chat returns the chat loop's stores.
func (d *DB) Chat() *Chat { return &Chat{db: d} }

type kefuWindowRow struct {
	bun.BaseModel `bun:"table:kefu_windows"`

	UserID    int64     `bun:"user_id,pk"`
	Slot      string    `bun:"slot,pk"`
	OpenedAt  time.Time `bun:"opened_at"`
	ExpiresAt time.Time `bun:"expires_at"`
	Quota     int       `bun:"quota"`
	Used      int       `bun:"used"`
}

// Open implements application.KefuWindows with one upsert that replaces the row
// only when the new window opened strictly later.
func (c *Chat) Open(ctx context.Context, user domain.UserID, w domain.KefuWindow) error {
	var q string
	if c.db.dialect == DialectMySQL {
		// Assignments run left to right: opened_at is compared before it changes.
		q = `INSERT INTO kefu_windows (user_id, slot, opened_at, expires_at, quota, used) VALUES (?, ?, ?, ?, ?, 0)
			ON DUPLICATE KEY UPDATE
				used = IF(VALUES(opened_at) > opened_at, 0, used),
				expires_at = IF(VALUES(opened_at) > opened_at, VALUES(expires_at), expires_at),
				quota = IF(VALUES(opened_at) > opened_at, VALUES(quota), quota),
				opened_at = IF(VALUES(opened_at) > opened_at, VALUES(opened_at), opened_at)`
	} else {
		q = `INSERT INTO kefu_windows (user_id, slot, opened_at, expires_at, quota, used) VALUES (?, ?, ?, ?, ?, 0)
			ON CONFLICT (user_id, slot) DO UPDATE SET used = 0, expires_at = excluded.expires_at,
				quota = excluded.quota, opened_at = excluded.opened_at
			WHERE excluded.opened_at > kefu_windows.opened_at`
	}
	// Nobody reads the window back in the transaction that opens it (a new
	// follower's join): on MySQL it goes with the join's other appends (deferred.go).
	err := c.db.later(ctx, c.db.bun.NewRaw(q, int64(user), string(w.Slot), dbTime(w.OpenedAt), dbTime(w.ExpiresAt), w.Quota))
	return c.db.mapErr("kefu window", err)
}

// Consume implements application.KefuWindows: per slot in urgency order, one
// UPDATE that increments used only while it is below the quota inside the window.
func (c *Chat) Consume(ctx context.Context, user domain.UserID, now time.Time) (bool, error) {
	for _, slot := range domain.KefuSlotsByUrgency {
		res, err := c.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
			return db.NewUpdate().Model((*kefuWindowRow)(nil)).
				Set("used = used + 1").
				Where("user_id = ?", int64(user)).Where("slot = ?", string(slot)).
				Where("used < quota").Where("opened_at <= ?", dbTime(now)).Where("expires_at > ?", dbTime(now)).
				Exec(ctx)
		})
		n, err := c.db.affected("kefu window", res, err)
		if err != nil {
			return false, err
		}
		if n == 1 {
			return true, nil
		}
	}
	return false, nil
}

// Windows implements application.KefuWindows.
func (c *Chat) Windows(ctx context.Context, user domain.UserID) ([]domain.KefuWindow, error) {
	var rows []kefuWindowRow
	if err := c.db.idb(ctx).NewSelect().Model(&rows).Where("user_id = ?", int64(user)).Scan(ctx); err != nil {
		return nil, c.db.mapErr("kefu window", err)
	}
	var out []domain.KefuWindow
	for _, slot := range domain.KefuSlotsByUrgency {
		for _, r := range rows {
			if r.Slot == string(slot) {
				out = append(out, domain.KefuWindow{Slot: slot, OpenedAt: r.OpenedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), Quota: r.Quota, Used: r.Used})
			}
		}
	}
	return out, nil
}

type posterMediaRow struct {
	bun.BaseModel `bun:"table:poster_media"`

	UserID     int64     `bun:"user_id,pk"`
	CampaignID int64     `bun:"campaign_id,pk"`
	Version    string    `bun:"version,pk"`
	MediaID    string    `bun:"media_id"`
	UploadedAt time.Time `bun:"uploaded_at"`
}

// PosterMedia implements application.PosterMediaCache.
func (c *Chat) PosterMedia(ctx context.Context, key domain.PosterKey, cutoff time.Time) (domain.PosterMedia, error) {
	var row posterMediaRow
	err := c.db.idb(ctx).NewSelect().Model(&row).
		Where("user_id = ?", int64(key.UserID)).Where("campaign_id = ?", key.Campaign).Where("version = ?", key.Version).
		Where("uploaded_at > ?", dbTime(cutoff)).Limit(1).Scan(ctx)
	if err != nil {
		return domain.PosterMedia{}, c.db.mapErr("poster media", err)
	}
	return domain.PosterMedia{Key: key, MediaID: row.MediaID, UploadedAt: row.UploadedAt.UTC()}, nil
}

// PutPosterMedia implements application.PosterMediaCache; an older upload never
// replaces a newer one.
func (c *Chat) PutPosterMedia(ctx context.Context, m domain.PosterMedia) error {
	var q string
	if c.db.dialect == DialectMySQL {
		q = `INSERT INTO poster_media (user_id, campaign_id, version, media_id, uploaded_at) VALUES (?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE
				media_id = IF(VALUES(uploaded_at) >= uploaded_at, VALUES(media_id), media_id),
				uploaded_at = IF(VALUES(uploaded_at) >= uploaded_at, VALUES(uploaded_at), uploaded_at)`
	} else {
		q = `INSERT INTO poster_media (user_id, campaign_id, version, media_id, uploaded_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id, campaign_id, version) DO UPDATE SET media_id = excluded.media_id, uploaded_at = excluded.uploaded_at
			WHERE excluded.uploaded_at >= poster_media.uploaded_at`
	}
	_, err := c.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.ExecContext(ctx, q, int64(m.Key.UserID), m.Key.Campaign, m.Key.Version, m.MediaID, dbTime(m.UploadedAt))
	})
	return c.db.mapErr("poster media", err)
}

type noticeRow struct {
	bun.BaseModel `bun:"table:notices"`

	ID          int64     `bun:"id,pk,autoincrement"`
	UserID      int64     `bun:"user_id"`
	Key         string    `bun:"nkey"`
	Kind        string    `bun:"kind"`
	Body        string    `bun:"body"`
	CreatedAt   time.Time `bun:"created_at"`
	DeliveredAt time.Time `bun:"delivered_at,nullzero"`
}

func (r noticeRow) domain() domain.Notice {
	n := domain.Notice{ID: domain.NoticeID(r.ID), UserID: domain.UserID(r.UserID), Key: r.Key, Kind: domain.NoticeKind(r.Kind), Text: r.Body, CreatedAt: r.CreatedAt.UTC()}
	if !r.DeliveredAt.IsZero() {
		n.DeliveredAt = r.DeliveredAt.UTC()
	}
	return n
}

// AddNotice implements application.NoticeStore: an insert that ignores a duplicate
// (user, key); only for a duplicate, a read of the row that holds the key.
func (c *Chat) AddNotice(ctx context.Context, n domain.Notice) (domain.Notice, bool, error) {
	q := `INSERT INTO notices (user_id, nkey, kind, body, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, nkey) DO NOTHING`
	if c.db.dialect == DialectMySQL {
		q = `INSERT IGNORE INTO notices (user_id, nkey, kind, body, created_at) VALUES (?, ?, ?, ?, ?)`
	}
	res, err := c.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.ExecContext(ctx, q, int64(n.UserID), n.Key, string(n.Kind), n.Text, dbTime(n.CreatedAt))
	})
	added, err := c.db.affected("notice", res, err)
	if err != nil {
		return domain.Notice{}, false, err
	}
	if added == 1 {
		// Ours: the row is what was written, its id the insert's (no read back).
		id, err := res.LastInsertId()
		if err != nil {
			return domain.Notice{}, false, c.db.mapErr("notice", err)
		}
		row := noticeRow{ID: id, UserID: int64(n.UserID), Key: n.Key, Kind: string(n.Kind), Body: n.Text, CreatedAt: dbTime(n.CreatedAt)}
		return row.domain(), true, nil
	}
	var row noticeRow
	if err := c.db.idb(ctx).NewSelect().Model(&row).Where("user_id = ?", int64(n.UserID)).Where("nkey = ?", n.Key).Limit(1).Scan(ctx); err != nil {
		return domain.Notice{}, false, c.db.mapErr("notice", err)
	}
	return row.domain(), added == 1, nil
}

// ClaimNotice implements application.NoticeStore as a compare-and-swap on
// delivered_at IS NULL.
func (c *Chat) ClaimNotice(ctx context.Context, id domain.NoticeID, at time.Time) (bool, error) {
	res, err := c.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*noticeRow)(nil)).Set("delivered_at = ?", dbTime(at)).
			Where("id = ?", int64(id)).Where("delivered_at IS NULL").Exec(ctx)
	})
	n, err := c.db.affected("notice", res, err)
	return n == 1, err
}

// UnclaimNotice implements application.NoticeStore.
func (c *Chat) UnclaimNotice(ctx context.Context, id domain.NoticeID, at time.Time) error {
	_, err := c.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*noticeRow)(nil)).Set("delivered_at = NULL").
			Where("id = ?", int64(id)).Where("delivered_at = ?", dbTime(at)).Exec(ctx)
	})
	return c.db.mapErr("notice", err)
}

// Notices implements application.NoticeStore.
func (c *Chat) Notices(ctx context.Context, user domain.UserID, deferredOnly bool, limit int) ([]domain.Notice, error) {
	var rows []noticeRow
	q := c.db.idb(ctx).NewSelect().Model(&rows).Where("user_id = ?", int64(user)).OrderExpr("created_at DESC, id DESC")
	if deferredOnly {
		q = q.Where("delivered_at IS NULL")
	}
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, c.db.mapErr("notice", err)
	}
	out := make([]domain.Notice, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
