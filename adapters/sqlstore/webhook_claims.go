package sqlstore

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// Claim implements application.WebhookDeliveries. It reads up to twice as many due
// candidates as it needs from the (status, next_attempt_at) index, shuffles them
// so relays on several instances mostly try different rows, and takes its pick in
// one conditional UPDATE that matches a row only if it is still due and unleased:
// of concurrent claimers exactly one matches each row (InnoDB re-checks the WHERE
// under the row lock; a cluster certifies one writer and the other retries and no
// longer matches). The lease carries a token unique to this call, by which the
// rows won are read back.
func (w *Webhooks) Claim(ctx context.Context, holder string, now, leaseUntil time.Time, limit int) ([]application.ClaimedDelivery, error) {
	var cands []int64
	at := dbTime(now)
	err := w.db.idb(ctx).NewSelect().TableExpr("webhook_deliveries AS d").
		Join("JOIN webhook_endpoints AS e ON e.id = d.endpoint_id").
		ColumnExpr("d.id").
		Where("d.status = ?", string(domain.DeliveryPending)).Where("d.next_attempt_at <= ?", at).
		Where("(d.lease_until IS NULL OR d.lease_until <= ?)", at).Where("e.enabled = ?", true).
		OrderExpr("d.next_attempt_at ASC").Limit(int64(limit*2)).Scan(ctx, &cands)
	if err != nil {
		return nil, w.db.mapErr("webhook deliveries", err)
	}
	if len(cands) == 0 {
		return nil, nil
	}
	rand.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	cands = cands[:min(limit, len(cands))]
	token := holder + "/" + randomName()
	res, err := w.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewUpdate().Model((*deliveryRow)(nil)).
			Set("attempts = attempts + 1").Set("lease_holder = ?", token).Set("lease_until = ?", dbTime(leaseUntil)).
			Where("id IN (?)", bun.In(cands)).Where("status = ?", string(domain.DeliveryPending)).
			Where("next_attempt_at <= ?", at).Where("(lease_until IS NULL OR lease_until <= ?)", at).Exec(ctx)
	})
	n, err := w.db.affected("webhook delivery claim", res, err)
	if err != nil || n == 0 {
		return nil, err
	}
	return w.claimed(ctx, token, cands)
}

// claimed loads what the relay needs to send the deliveries it won.
func (w *Webhooks) claimed(ctx context.Context, holder string, ids []int64) ([]application.ClaimedDelivery, error) {
	var rows []struct {
		DeliveryID int64 `bun:"delivery_id"`
		Attempts   int   `bun:"attempts"`
		messageRow
		EndpointID       int64     `bun:"endpoint_id"`
		URL              string    `bun:"url"`
		Secret           string    `bun:"secret"`
		EventTypes       string    `bun:"event_types"`
		FailingSince     time.Time `bun:"failing_since,nullzero"`
		EndpointCreated  time.Time `bun:"endpoint_created_at"`
		EndpointEnabled  bool      `bun:"enabled"`
		EndpointDisabled string    `bun:"disabled_reason"`
	}
	err := w.db.idb(ctx).NewSelect().TableExpr("webhook_deliveries AS d").
		Join("JOIN webhook_messages AS m ON m.id = d.message_id").
		Join("JOIN webhook_endpoints AS e ON e.id = d.endpoint_id").
		ColumnExpr("d.id AS delivery_id, d.attempts, m.id, m.msg_id, m.event_type, m.body, m.created_at, m.routed").
		ColumnExpr("e.id AS endpoint_id, e.url, e.secret, e.event_types, e.failing_since, e.created_at AS endpoint_created_at, e.enabled, e.disabled_reason").
		Where("d.id IN (?)", bun.In(ids)).Where("d.lease_holder = ?", holder).Scan(ctx, &rows)
	if err != nil {
		return nil, w.db.mapErr("webhook deliveries", err)
	}
	out := make([]application.ClaimedDelivery, len(rows))
	for i, r := range rows {
		ep := endpointRow{ID: r.EndpointID, URL: r.URL, Secret: r.Secret, EventTypes: r.EventTypes, FailingSince: r.FailingSince,
			CreatedAt: r.EndpointCreated, Enabled: r.EndpointEnabled, DisabledReason: r.EndpointDisabled}
		out[i] = application.ClaimedDelivery{DeliveryID: r.DeliveryID, Attempt: r.Attempts, Holder: holder,
			Message: r.messageRow.message(), Endpoint: ep.domain()}
	}
	return out, nil
}

// Finish implements application.WebhookDeliveries.
func (w *Webhooks) Finish(ctx context.Context, c application.ClaimedDelivery, o application.AttemptOutcome) (bool, error) {
	stood, err := w.FinishAll(ctx, []application.Finished{{Claim: c, Outcome: o}})
	if err != nil {
		return false, err
	}
	return stood[0], nil
}

// FinishAll implements application.WebhookDeliveries in one transaction: one
// conditional UPDATE per delivery (it matches only while the claim stands), then
// one multi-row INSERT of the log lines of the deliveries that still exist (a late
// outcome is logged too, but not for a delivery whose endpoint was deleted).
func (w *Webhooks) FinishAll(ctx context.Context, done []application.Finished) ([]bool, error) {
	stood := make([]bool, len(done))
	if len(done) == 0 {
		return stood, nil
	}
	err := w.db.InTx(ctx, func(ctx context.Context) error {
		db := w.db.idb(ctx)
		var late []int64
		for i, f := range done {
			c, o := f.Claim, f.Outcome
			q := db.NewUpdate().Model((*deliveryRow)(nil)).
				Set("status = ?", string(o.Status)).Set("last_status = ?", o.StatusCode).
				Set("lease_holder = ''").Set("lease_until = NULL").
				Where("id = ?", c.DeliveryID).Where("attempts = ?", c.Attempt).Where("lease_holder = ?", c.Holder)
			if o.Status == domain.DeliveryPending {
				q = q.Set("next_attempt_at = ?", dbTime(o.NextAt))
			} else {
				q = q.Set("next_attempt_at = NULL")
			}
			res, err := q.Exec(ctx)
			n, err := w.db.affected("webhook delivery", res, err)
			if err != nil {
				return err
			}
			if stood[i] = n == 1; !stood[i] {
				late = append(late, c.DeliveryID)
			}
		}
		exists := map[int64]bool{}
		if len(late) > 0 {
			var ids []int64
			if err := db.NewSelect().Model((*deliveryRow)(nil)).Column("id").Where("id IN (?)", bun.In(late)).Scan(ctx, &ids); err != nil {
				return w.db.mapErr("webhook delivery", err)
			}
			for _, id := range ids {
				exists[id] = true
			}
		}
		logs := make([]attemptRow, 0, len(done))
		for i, f := range done {
			c, o := f.Claim, f.Outcome
			if stood[i] || exists[c.DeliveryID] {
				logs = append(logs, attemptRow{DeliveryID: c.DeliveryID, Attempt: c.Attempt, StartedAt: dbTime(o.StartedAt),
					DurationUS: o.Duration.Microseconds(), StatusCode: o.StatusCode, Error: o.Error})
			}
		}
		if len(logs) == 0 {
			return nil
		}
		_, err := db.NewInsert().Model(&logs).Returning("NULL").Exec(ctx)
		return w.db.mapErr("webhook attempt", err)
	})
	if err != nil {
		return nil, err
	}
	return stood, nil
}
