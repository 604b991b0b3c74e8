package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/domain"
)

// CreateEndpoint implements application.WebhookEndpoints.
func (w *Webhooks) CreateEndpoint(ctx context.Context, e domain.WebhookEndpoint) (domain.WebhookEndpoint, error) {
	row := endpointRowFrom(e)
	row.ID = 0
	if _, err := w.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewInsert().Model(&row).Exec(ctx)
	}); err != nil {
		return domain.WebhookEndpoint{}, w.db.mapErr("webhook endpoint", err)
	}
	return row.domain(), nil
}

// Endpoints implements application.WebhookEndpoints.
func (w *Webhooks) Endpoints(ctx context.Context) ([]domain.WebhookEndpoint, error) {
	var rows []endpointRow
	if err := w.db.idb(ctx).NewSelect().Model(&rows).OrderExpr("id ASC").Scan(ctx); err != nil {
		return nil, w.db.mapErr("webhook endpoints", err)
	}
	out := make([]domain.WebhookEndpoint, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Endpoint implements application.WebhookEndpoints.
func (w *Webhooks) Endpoint(ctx context.Context, id domain.WebhookEndpointID) (domain.WebhookEndpoint, error) {
	var row endpointRow
	if err := w.db.idb(ctx).NewSelect().Model(&row).Where("id = ?", int64(id)).Limit(1).Scan(ctx); err != nil {
		return domain.WebhookEndpoint{}, w.db.mapErr("webhook endpoint", err)
	}
	return row.domain(), nil
}

// DeleteEndpoint implements application.WebhookEndpoints in one transaction; the
// endpoint row goes first, so a concurrent delete finds nothing and reports it.
func (w *Webhooks) DeleteEndpoint(ctx context.Context, id domain.WebhookEndpointID) error {
	return w.db.InTx(ctx, func(ctx context.Context) error {
		db := w.db.idb(ctx)
		res, err := db.NewDelete().Model((*endpointRow)(nil)).Where("id = ?", int64(id)).Exec(ctx)
		if err := w.db.expectRow("webhook endpoint", res, err); err != nil {
			return err
		}
		ids := db.NewSelect().Model((*deliveryRow)(nil)).Column("id").Where("endpoint_id = ?", int64(id))
		if _, err := db.NewDelete().Model((*attemptRow)(nil)).Where("delivery_id IN (?)", ids).Exec(ctx); err != nil {
			return w.db.mapErr("webhook attempts", err)
		}
		_, err = db.NewDelete().Model((*deliveryRow)(nil)).Where("endpoint_id = ?", int64(id)).Exec(ctx)
		return w.db.mapErr("webhook deliveries", err)
	})
}

// MarkFailing implements application.WebhookEndpoints; it writes only on the first
// failure of a run.
func (w *Webhooks) MarkFailing(ctx context.Context, id domain.WebhookEndpointID, since time.Time) error {
	_, err := w.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*endpointRow)(nil)).Set("failing_since = ?", dbTime(since)).
			Where("id = ?", int64(id)).Where("failing_since IS NULL").Exec(ctx)
	})
	return w.db.mapErr("webhook endpoint", err)
}

// MarkHealthy implements application.WebhookEndpoints; it writes only when a run of
// failures ends.
func (w *Webhooks) MarkHealthy(ctx context.Context, id domain.WebhookEndpointID) error {
	_, err := w.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*endpointRow)(nil)).Set("failing_since = NULL").
			Where("id = ?", int64(id)).Where("failing_since IS NOT NULL").Exec(ctx)
	})
	return w.db.mapErr("webhook endpoint", err)
}

// DisableEndpoint implements application.WebhookEndpoints as a compare-and-swap.
func (w *Webhooks) DisableEndpoint(ctx context.Context, id domain.WebhookEndpointID, reason string, failingBy time.Time) (bool, error) {
	res, err := w.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*endpointRow)(nil)).Set("enabled = ?", false).Set("disabled_reason = ?", reason).
			Where("id = ?", int64(id)).Where("enabled = ?", true).
			Where("failing_since IS NOT NULL").Where("failing_since <= ?", dbTime(failingBy)).Exec(ctx)
	})
	n, err := w.db.affected("webhook endpoint", res, err)
	return n == 1, err
}
