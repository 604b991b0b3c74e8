package sqlstore

import (
	"context"
	"fmt"
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
	// No ids read back (the relay finds the rows by their index), and on MySQL
	// sent with the transaction's other appends just before COMMIT (deferred.go).
	err := w.db.later(ctx, w.db.bun.NewInsert().Model(&rows).Returning("NULL"))
	return w.db.mapErr("webhook message", err)
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
