package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Deliveries implements application.WebhookDeliveries from the (endpoint_id,
// created_at, id) index.
func (w *Webhooks) Deliveries(ctx context.Context, endpoint domain.WebhookEndpointID, page application.Page) ([]application.Delivery, application.Cursor, error) {
	limit := pageLimit(page)
	var rows []struct {
		deliveryRow
		EventType string `bun:"event_type"`
		MsgID     string `bun:"msg_id"`
	}
	q := w.db.idb(ctx).NewSelect().TableExpr("webhook_deliveries AS d").
		Join("JOIN webhook_messages AS m ON m.id = d.message_id").
		ColumnExpr("d.id, d.message_id, d.endpoint_id, d.status, d.attempts, d.next_attempt_at, d.last_status, d.created_at, m.event_type, m.msg_id").
		Where("d.endpoint_id = ?", int64(endpoint))
	if c := page.Cursor; !c.IsZero() {
		at := dbTime(c.At)
		q = q.Where("(d.created_at < ? OR (d.created_at = ? AND d.id < ?))", at, at, c.ID)
	}
	if err := q.OrderExpr("d.created_at DESC, d.id DESC").Limit(int64(limit+1)).Scan(ctx, &rows); err != nil {
		return nil, application.Cursor{}, w.db.mapErr("webhook deliveries", err)
	}
	var next application.Cursor
	if len(rows) > limit {
		rows = rows[:limit]
		next = application.Cursor{At: rows[limit-1].CreatedAt.UTC(), ID: rows[limit-1].ID}
	}
	out := make([]application.Delivery, len(rows))
	for i, r := range rows {
		out[i] = application.Delivery{ID: r.ID, MessageID: r.MsgID, EventType: domain.WebhookEventType(r.EventType),
			Status: domain.DeliveryStatus(r.Status), Attempts: r.Attempts, LastStatus: r.LastStatus, CreatedAt: r.CreatedAt.UTC()}
		if !r.NextAt.IsZero() {
			out[i].NextAt = r.NextAt.UTC()
		}
	}
	return out, next, nil
}

// DeliveryAttempts implements application.WebhookDeliveries.
func (w *Webhooks) DeliveryAttempts(ctx context.Context, endpoint domain.WebhookEndpointID, delivery int64) ([]application.AttemptLog, error) {
	n, err := w.db.idb(ctx).NewSelect().Model((*deliveryRow)(nil)).Where("id = ?", delivery).Where("endpoint_id = ?", int64(endpoint)).Count(ctx)
	if err != nil {
		return nil, w.db.mapErr("webhook delivery", err)
	}
	if n == 0 {
		return nil, application.NotFound("webhook delivery", nil)
	}
	var rows []attemptRow
	if err := w.db.idb(ctx).NewSelect().Model(&rows).Where("delivery_id = ?", delivery).OrderExpr("attempt ASC, id ASC").Scan(ctx); err != nil {
		return nil, w.db.mapErr("webhook attempts", err)
	}
	out := make([]application.AttemptLog, len(rows))
	for i, r := range rows {
		out[i] = application.AttemptLog{Attempt: r.Attempt, StartedAt: r.StartedAt.UTC(), Duration: time.Duration(r.DurationUS) * time.Microsecond,
			StatusCode: r.StatusCode, Error: r.Error}
	}
	return out, nil
}

// Retry implements application.WebhookDeliveries with a conditional UPDATE that
// leaves a delivery whose attempt is in flight alone.
func (w *Webhooks) Retry(ctx context.Context, endpoint domain.WebhookEndpointID, delivery int64, now time.Time) error {
	at := dbTime(now)
	res, err := w.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*deliveryRow)(nil)).
			Set("status = ?", string(domain.DeliveryPending)).Set("next_attempt_at = ?", at).
			Where("id = ?", delivery).Where("endpoint_id = ?", int64(endpoint)).
			Where("(lease_until IS NULL OR lease_until <= ?)", at).Exec(ctx)
	})
	n, err := w.db.affected("webhook delivery", res, err)
	if err != nil || n == 1 {
		return err
	}
	exists, err := w.db.idb(ctx).NewSelect().Model((*deliveryRow)(nil)).Where("id = ?", delivery).Where("endpoint_id = ?", int64(endpoint)).Exists(ctx)
	if err != nil {
		return w.db.mapErr("webhook delivery", err)
	}
	if exists {
		return application.Conflict("an attempt in flight for this delivery", nil)
	}
	return application.NotFound("webhook delivery", nil)
}

// PruneBefore implements application.WebhookDeliveries: a batch of finished
// deliveries with their logs, then a batch of routed messages left with no delivery.
func (w *Webhooks) PruneBefore(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	at := dbTime(cutoff)
	total := 0
	var ids []int64
	err := w.db.idb(ctx).NewSelect().Model((*deliveryRow)(nil)).Column("id").
		Where("created_at < ?", at).Where("status <> ?", string(domain.DeliveryPending)).
		OrderExpr("created_at ASC").Limit(int64(batch)).Scan(ctx, &ids)
	if err != nil {
		return 0, w.db.mapErr("webhook deliveries", err)
	}
	if len(ids) > 0 {
		err = w.db.InTx(ctx, func(ctx context.Context) error {
			db := w.db.idb(ctx)
			if _, err := db.NewDelete().Model((*attemptRow)(nil)).Where("delivery_id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
				return w.db.mapErr("webhook attempts", err)
			}
			res, err := db.NewDelete().Model((*deliveryRow)(nil)).Where("id IN (?)", bun.In(ids)).Exec(ctx)
			n, err := w.db.affected("webhook deliveries", res, err)
			total = int(n)
			return err
		})
		if err != nil {
			return 0, err
		}
	}
	bound, err := pruneBound(ctx, w.db, "webhook_messages", "created_at", cutoff)
	if err != nil || bound == 0 || total >= batch {
		return total, err
	}
	var msgIDs []int64
	err = w.db.idb(ctx).NewSelect().TableExpr("webhook_messages AS m").ColumnExpr("m.id").
		Where("m.routed = ?", true).Where("m.id < ?", bound).
		Where("NOT EXISTS (SELECT 1 FROM webhook_deliveries AS d WHERE d.message_id = m.id)").
		OrderExpr("m.id ASC").Limit(int64(batch-total)).Scan(ctx, &msgIDs)
	if err != nil || len(msgIDs) == 0 {
		return total, w.db.mapErr("webhook messages", err)
	}
	res, err := w.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewDelete().Model((*messageRow)(nil)).Where("id IN (?)", bun.In(msgIDs)).Exec(ctx)
	})
	n, err := w.db.affected("webhook messages", res, err)
	return total + int(n), err
}
