package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

var (
	_ application.Outbox            = (*Webhooks)(nil)
	_ application.WebhookEndpoints  = (*Webhooks)(nil)
	_ application.WebhookDeliveries = (*Webhooks)(nil)
)

// Webhooks implements the outbox, the endpoints and the deliveries. Every state
// change of a delivery is a conditional UPDATE on the values read (status, lease,
// attempt counter), so relays on any number of instances and cluster nodes never
// make two attempts of one delivery at once.
type Webhooks struct{ db *DB }

// Webhooks returns the webhook store on this database.
func (d *DB) Webhooks() *Webhooks { return &Webhooks{db: d} }

type endpointRow struct {
	bun.BaseModel `bun:"table:webhook_endpoints"`

	ID             int64     `bun:"id,pk,autoincrement"`
	URL            string    `bun:"url"`
	EventTypes     string    `bun:"event_types"`
	Secret         string    `bun:"secret"`
	Enabled        bool      `bun:"enabled"`
	DisabledReason string    `bun:"disabled_reason"`
	FailingSince   time.Time `bun:"failing_since,nullzero"`
	CreatedAt      time.Time `bun:"created_at"`
}

func endpointRowFrom(e domain.WebhookEndpoint) endpointRow {
	types := make([]string, len(e.EventTypes))
	for i, t := range e.EventTypes {
		types[i] = string(t)
	}
	return endpointRow{ID: int64(e.ID), URL: e.URL, EventTypes: strings.Join(types, ","), Secret: e.Secret, Enabled: e.Enabled,
		DisabledReason: e.DisabledReason, FailingSince: dbTime(e.FailingSince), CreatedAt: dbTime(e.CreatedAt)}
}

func (r endpointRow) domain() domain.WebhookEndpoint {
	e := domain.WebhookEndpoint{ID: domain.WebhookEndpointID(r.ID), URL: r.URL, Secret: r.Secret, Enabled: r.Enabled,
		DisabledReason: r.DisabledReason, CreatedAt: r.CreatedAt.UTC()}
	if !r.FailingSince.IsZero() {
		e.FailingSince = r.FailingSince.UTC()
	}
	for _, t := range strings.Split(r.EventTypes, ",") {
		if t != "" {
			e.EventTypes = append(e.EventTypes, domain.WebhookEventType(t))
		}
	}
	return e
}

type messageRow struct {
	bun.BaseModel `bun:"table:webhook_messages"`

	ID        int64     `bun:"id,pk,autoincrement"`
	MsgID     string    `bun:"msg_id"`
	EventType string    `bun:"event_type"`
	Body      []byte    `bun:"body"`
	CreatedAt time.Time `bun:"created_at"`
	Routed    bool      `bun:"routed"`
}

func (r messageRow) message() application.OutboxMessage {
	return application.OutboxMessage{Seq: r.ID, ID: r.MsgID, EventType: domain.WebhookEventType(r.EventType), Body: r.Body, CreatedAt: r.CreatedAt.UTC()}
}

type deliveryRow struct {
	bun.BaseModel `bun:"table:webhook_deliveries"`

	ID          int64     `bun:"id,pk,autoincrement"`
	MessageID   int64     `bun:"message_id"`
	EndpointID  int64     `bun:"endpoint_id"`
	Status      string    `bun:"status"`
	Attempts    int       `bun:"attempts"`
	NextAt      time.Time `bun:"next_attempt_at,nullzero"`
	LeaseHolder string    `bun:"lease_holder"`
	LeaseUntil  time.Time `bun:"lease_until,nullzero"`
	LastStatus  int       `bun:"last_status"`
	CreatedAt   time.Time `bun:"created_at"`
}

type attemptRow struct {
	bun.BaseModel `bun:"table:webhook_attempts"`

	ID         int64     `bun:"id,pk,autoincrement"`
	DeliveryID int64     `bun:"delivery_id"`
	Attempt    int       `bun:"attempt"`
	StartedAt  time.Time `bun:"started_at"`
	DurationUS int64     `bun:"duration_us"`
	StatusCode int       `bun:"status_code"`
	Error      string    `bun:"error"`
}

// Enqueue implements application.Outbox with one multi-row INSERT.
func (w *Webhooks) Enqueue(ctx context.Context, msgs ...application.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	rows := make([]messageRow, len(msgs))
	for i, m := range msgs {
		rows[i] = messageRow{MsgID: m.ID, EventType: string(m.EventType), Body: m.Body, CreatedAt: dbTime(m.CreatedAt)}
	}
	_, err := w.db.exec(ctx, func(db bun.IDB) (sql.Result, error) {
		return db.NewInsert().Model(&rows).Returning("NULL").Exec(ctx) // no ids read back: nothing needs them (no RETURNING scan)
	})
	return w.db.mapErr("webhook message", err)
}

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

// Unrouted implements application.WebhookDeliveries from the (routed, id) index.
func (w *Webhooks) Unrouted(ctx context.Context, limit int) ([]application.OutboxMessage, error) {
	var rows []messageRow
	err := w.db.idb(ctx).NewSelect().Model(&rows).Where("routed = ?", false).OrderExpr("id ASC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, w.db.mapErr("webhook messages", err)
	}
	out := make([]application.OutboxMessage, len(rows))
	for i, r := range rows {
		out[i] = r.message()
	}
	return out, nil
}

// Route implements application.WebhookDeliveries in one transaction: one INSERT …
// SELECT per message (duplicates ignored by the unique (message, endpoint) key),
// then one UPDATE marking them routed.
func (w *Webhooks) Route(ctx context.Context, routes []application.Route, now time.Time) error {
	if len(routes) == 0 {
		return nil
	}
	ignore := "ON DUPLICATE KEY UPDATE endpoint_id = endpoint_id"
	if w.db.dialect == DialectSQLite {
		ignore = "ON CONFLICT (message_id, endpoint_id) DO NOTHING"
	}
	// Messages going to the same endpoints (usually all of them) share one statement.
	groups := map[string][]int64{}
	targets := map[string][]int64{}
	ids := make([]int64, 0, len(routes))
	for _, r := range routes {
		ids = append(ids, r.Message)
		if len(r.Endpoints) == 0 {
			continue
		}
		eps := make([]int64, len(r.Endpoints))
		for i, e := range r.Endpoints {
			eps[i] = int64(e)
		}
		key := fmt.Sprint(eps)
		groups[key] = append(groups[key], r.Message)
		targets[key] = eps
	}
	return w.db.InTx(ctx, func(ctx context.Context) error {
		db := w.db.idb(ctx)
		for key, msgs := range groups {
			_, err := db.ExecContext(ctx, `INSERT INTO webhook_deliveries (message_id, endpoint_id, status, attempts, next_attempt_at, lease_holder, last_status, created_at)
				SELECT m.id, e.id, ?, 0, ?, '', 0, m.created_at FROM webhook_messages AS m JOIN webhook_endpoints AS e ON e.id IN (?)
				WHERE m.id IN (?) `+ignore, string(domain.DeliveryPending), dbTime(now), bun.In(targets[key]), bun.In(msgs))
			if err != nil {
				return w.db.mapErr("webhook deliveries", err)
			}
		}
		_, err := db.NewUpdate().Model((*messageRow)(nil)).Set("routed = ?", true).Where("id IN (?)", bun.In(ids)).Exec(ctx)
		return w.db.mapErr("webhook messages", err)
	})
}

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
