package memory

import (
	"context"
	"sort"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

type messageRow struct {
	application.OutboxMessage
	rowID  int64
	routed bool
}

type deliveryRow struct {
	id          int64
	message     string
	endpoint    domain.WebhookEndpointID
	status      domain.DeliveryStatus
	attempts    int
	nextAt      time.Time
	leaseHolder string
	leaseUntil  time.Time
	lastStatus  int
	createdAt   time.Time
}

type attemptRow struct {
	delivery int64
	log      application.AttemptLog
}

// Webhooks is the in-memory Outbox, WebhookEndpoints and WebhookDeliveries.
type Webhooks struct{ s *Store }

var (
	_ application.Outbox            = (*Webhooks)(nil)
	_ application.WebhookEndpoints  = (*Webhooks)(nil)
	_ application.WebhookDeliveries = (*Webhooks)(nil)
)

// Webhooks returns the webhook store.
func (s *Store) Webhooks() *Webhooks { return &Webhooks{s} }

// Enqueue implements application.Outbox.
func (w *Webhooks) Enqueue(ctx context.Context, msgs ...application.OutboxMessage) error {
	return w.s.with(ctx, func(st *state) error {
		for _, m := range msgs {
			m.CreatedAt = norm(m.CreatedAt)
			st.hooks.messages = append(st.hooks.messages, messageRow{OutboxMessage: m, rowID: st.hooks.id()})
		}
		return nil
	})
}

func (h *hookState) message(id string) *messageRow {
	for i := range h.messages {
		if h.messages[i].ID == id {
			return &h.messages[i]
		}
	}
	return nil
}

func (h *hookState) messageBySeq(seq int64) *messageRow {
	for i := range h.messages {
		if h.messages[i].rowID == seq {
			return &h.messages[i]
		}
	}
	return nil
}

// Unrouted implements application.WebhookDeliveries.
func (w *Webhooks) Unrouted(ctx context.Context, limit int) ([]application.OutboxMessage, error) {
	var out []application.OutboxMessage
	err := w.s.with(ctx, func(st *state) error {
		for _, m := range st.hooks.messages {
			if !m.routed && len(out) < limit {
				msg := m.OutboxMessage
				msg.Seq = m.rowID
				out = append(out, msg)
			}
		}
		return nil
	})
	return out, err
}

// Route implements application.WebhookDeliveries.
func (w *Webhooks) Route(ctx context.Context, routes []application.Route, now time.Time) error {
	return w.s.with(ctx, func(st *state) error {
		h := &st.hooks
		for _, r := range routes {
			m := h.messageBySeq(r.Message)
			if m == nil {
				continue
			}
			for _, ep := range r.Endpoints {
				exists := false
				for _, d := range h.deliveries {
					exists = exists || d.message == m.ID && d.endpoint == ep
				}
				if !exists {
					h.deliveries = append(h.deliveries, deliveryRow{id: h.id(), message: m.ID, endpoint: ep,
						status: domain.DeliveryPending, nextAt: norm(now), createdAt: m.CreatedAt})
				}
			}
			m.routed = true
		}
		return nil
	})
}

// due reports whether d may be claimed at now.
func (d deliveryRow) due(now time.Time) bool {
	return d.status == domain.DeliveryPending && !d.nextAt.After(now) && (d.leaseUntil.IsZero() || !d.leaseUntil.After(now))
}

// Claim implements application.WebhookDeliveries; the store's lock makes each
// check-and-take atomic, as the conditional UPDATE does in SQL.
func (w *Webhooks) Claim(ctx context.Context, holder string, now, leaseUntil time.Time, limit int) ([]application.ClaimedDelivery, error) {
	var out []application.ClaimedDelivery
	err := w.s.with(ctx, func(st *state) error {
		h := &st.hooks
		idx := make([]int, 0, len(h.deliveries))
		for i := range h.deliveries {
			idx = append(idx, i)
		}
		sort.SliceStable(idx, func(a, b int) bool { return h.deliveries[idx[a]].nextAt.Before(h.deliveries[idx[b]].nextAt) })
		for _, i := range idx {
			d := &h.deliveries[i]
			e := h.endpoint(d.endpoint)
			if len(out) == limit || !d.due(now) || e == nil || !e.Enabled {
				continue
			}
			d.attempts++
			d.leaseHolder, d.leaseUntil = holder, norm(leaseUntil)
			out = append(out, application.ClaimedDelivery{DeliveryID: d.id, Attempt: d.attempts, Holder: holder,
				Message: h.message(d.message).OutboxMessage, Endpoint: *e})
		}
		return nil
	})
	return out, err
}

// Finish implements application.WebhookDeliveries.
func (w *Webhooks) Finish(ctx context.Context, c application.ClaimedDelivery, o application.AttemptOutcome) (bool, error) {
	stood, err := w.FinishAll(ctx, []application.Finished{{Claim: c, Outcome: o}})
	if err != nil {
		return false, err
	}
	return stood[0], nil
}

// FinishAll implements application.WebhookDeliveries.
func (w *Webhooks) FinishAll(ctx context.Context, done []application.Finished) ([]bool, error) {
	out := make([]bool, len(done))
	err := w.s.with(ctx, func(st *state) error {
		for i, f := range done {
			out[i] = st.hooks.finish(f.Claim, f.Outcome)
		}
		return nil
	})
	return out, err
}

// finish applies one outcome; it reports whether the claim stood.
func (h *hookState) finish(c application.ClaimedDelivery, o application.AttemptOutcome) bool {
	for i := range h.deliveries {
		d := &h.deliveries[i]
		if d.id != c.DeliveryID {
			continue
		}
		h.attempts = append(h.attempts, attemptRow{delivery: c.DeliveryID, log: application.AttemptLog{
			Attempt: c.Attempt, StartedAt: norm(o.StartedAt), Duration: o.Duration.Truncate(time.Microsecond), StatusCode: o.StatusCode, Error: o.Error}})
		if d.attempts != c.Attempt || d.leaseHolder != c.Holder {
			return false
		}
		d.status, d.lastStatus, d.leaseHolder, d.leaseUntil = o.Status, o.StatusCode, "", time.Time{}
		d.nextAt = time.Time{}
		if o.Status == domain.DeliveryPending {
			d.nextAt = norm(o.NextAt)
		}
		return true
	}
	return false
}

// Deliveries implements application.WebhookDeliveries.
func (w *Webhooks) Deliveries(ctx context.Context, endpoint domain.WebhookEndpointID, page application.Page) ([]application.Delivery, application.Cursor, error) {
	limit := page.Limit
	if limit <= 0 {
		limit = application.DefaultPageSize
	}
	var all []application.Delivery
	err := w.s.with(ctx, func(st *state) error {
		for _, d := range st.hooks.deliveries {
			if d.endpoint != endpoint {
				continue
			}
			if c := page.Cursor; !c.IsZero() && !(d.createdAt.Before(c.At) || d.createdAt.Equal(c.At) && d.id < c.ID) {
				continue
			}
			all = append(all, application.Delivery{ID: d.id, MessageID: d.message, EventType: st.hooks.message(d.message).EventType,
				Status: d.status, Attempts: d.attempts, LastStatus: d.lastStatus, NextAt: d.nextAt, CreatedAt: d.createdAt})
		}
		return nil
	})
	sort.Slice(all, func(i, j int) bool {
		if !all[i].CreatedAt.Equal(all[j].CreatedAt) {
			return all[i].CreatedAt.After(all[j].CreatedAt)
		}
		return all[i].ID > all[j].ID
	})
	var next application.Cursor
	if len(all) > limit {
		all = all[:limit]
		next = application.Cursor{At: all[limit-1].CreatedAt, ID: all[limit-1].ID}
	}
	return all, next, err
}

// DeliveryAttempts implements application.WebhookDeliveries.
func (w *Webhooks) DeliveryAttempts(ctx context.Context, endpoint domain.WebhookEndpointID, delivery int64) ([]application.AttemptLog, error) {
	var out []application.AttemptLog
	err := w.s.with(ctx, func(st *state) error {
		found := false
		for _, d := range st.hooks.deliveries {
			found = found || d.id == delivery && d.endpoint == endpoint
		}
		if !found {
			return application.NotFound("webhook delivery", nil)
		}
		for _, a := range st.hooks.attempts {
			if a.delivery == delivery {
				out = append(out, a.log)
			}
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Attempt < out[j].Attempt })
	return out, err
}

// Retry implements application.WebhookDeliveries.
func (w *Webhooks) Retry(ctx context.Context, endpoint domain.WebhookEndpointID, delivery int64, now time.Time) error {
	return w.s.with(ctx, func(st *state) error {
		for i := range st.hooks.deliveries {
			d := &st.hooks.deliveries[i]
			if d.id != delivery || d.endpoint != endpoint {
				continue
			}
			if !d.leaseUntil.IsZero() && d.leaseUntil.After(now) {
				return application.Conflict("an attempt in flight for this delivery", nil)
			}
			d.status, d.nextAt = domain.DeliveryPending, norm(now)
			return nil
		}
		return application.NotFound("webhook delivery", nil)
	})
}

// PruneBefore implements application.WebhookDeliveries.
func (w *Webhooks) PruneBefore(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	n := 0
	err := w.s.with(ctx, func(st *state) error {
		h := &st.hooks
		n = h.removeDeliveries(func(d deliveryRow) bool {
			return d.status != domain.DeliveryPending && d.createdAt.Before(cutoff) && batch > 0 && func() bool { batch--; return true }()
		})
		pending := map[string]bool{}
		for _, d := range h.deliveries {
			pending[d.message] = true
		}
		ms := h.messages[:0:0]
		for _, m := range h.messages {
			if m.routed && !pending[m.ID] && m.CreatedAt.Before(cutoff) && batch > 0 {
				batch--
				n++
				continue
			}
			ms = append(ms, m)
		}
		h.messages = ms
		return nil
	})
	return n, err
}
