package memory

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func (h *hookState) endpoint(id domain.WebhookEndpointID) *domain.WebhookEndpoint {
	for i := range h.endpoints {
		if h.endpoints[i].ID == id {
			return &h.endpoints[i]
		}
	}
	return nil
}

// CreateEndpoint implements application.WebhookEndpoints.
func (w *Webhooks) CreateEndpoint(ctx context.Context, e domain.WebhookEndpoint) (domain.WebhookEndpoint, error) {
	err := w.s.with(ctx, func(st *state) error {
		e.ID = domain.WebhookEndpointID(st.hooks.id())
		e.CreatedAt, e.FailingSince = norm(e.CreatedAt), norm(e.FailingSince)
		st.hooks.endpoints = append(st.hooks.endpoints, e)
		return nil
	})
	return e, err
}

// Endpoints implements application.WebhookEndpoints.
func (w *Webhooks) Endpoints(ctx context.Context) ([]domain.WebhookEndpoint, error) {
	var out []domain.WebhookEndpoint
	err := w.s.with(ctx, func(st *state) error {
		out = append(out, st.hooks.endpoints...)
		return nil
	})
	return out, err
}

// Endpoint implements application.WebhookEndpoints.
func (w *Webhooks) Endpoint(ctx context.Context, id domain.WebhookEndpointID) (domain.WebhookEndpoint, error) {
	var out domain.WebhookEndpoint
	err := w.s.with(ctx, func(st *state) error {
		e := st.hooks.endpoint(id)
		if e == nil {
			return application.NotFound("webhook endpoint", nil)
		}
		out = *e
		return nil
	})
	return out, err
}

// DeleteEndpoint implements application.WebhookEndpoints.
func (w *Webhooks) DeleteEndpoint(ctx context.Context, id domain.WebhookEndpointID) error {
	return w.s.with(ctx, func(st *state) error {
		h := &st.hooks
		if h.endpoint(id) == nil {
			return application.NotFound("webhook endpoint", nil)
		}
		eps := h.endpoints[:0:0]
		for _, e := range h.endpoints {
			if e.ID != id {
				eps = append(eps, e)
			}
		}
		h.endpoints = eps
		h.removeDeliveries(func(d deliveryRow) bool { return d.endpoint == id })
		return nil
	})
}

// removeDeliveries drops the deliveries matching drop and their logs.
func (h *hookState) removeDeliveries(drop func(deliveryRow) bool) int {
	gone := map[int64]bool{}
	ds := h.deliveries[:0:0]
	for _, d := range h.deliveries {
		if drop(d) {
			gone[d.id] = true
			continue
		}
		ds = append(ds, d)
	}
	h.deliveries = ds
	as := h.attempts[:0:0]
	for _, a := range h.attempts {
		if !gone[a.delivery] {
			as = append(as, a)
		}
	}
	h.attempts = as
	return len(gone)
}

// MarkFailing implements application.WebhookEndpoints.
func (w *Webhooks) MarkFailing(ctx context.Context, id domain.WebhookEndpointID, since time.Time) error {
	return w.s.with(ctx, func(st *state) error {
		if e := st.hooks.endpoint(id); e != nil && e.FailingSince.IsZero() {
			e.FailingSince = norm(since)
		}
		return nil
	})
}

// MarkHealthy implements application.WebhookEndpoints.
func (w *Webhooks) MarkHealthy(ctx context.Context, id domain.WebhookEndpointID) error {
	return w.s.with(ctx, func(st *state) error {
		if e := st.hooks.endpoint(id); e != nil {
			e.FailingSince = time.Time{}
		}
		return nil
	})
}

// DisableEndpoint implements application.WebhookEndpoints.
func (w *Webhooks) DisableEndpoint(ctx context.Context, id domain.WebhookEndpointID, reason string, failingBy time.Time) (bool, error) {
	done := false
	err := w.s.with(ctx, func(st *state) error {
		e := st.hooks.endpoint(id)
		if e != nil && e.Enabled && !e.FailingSince.IsZero() && !e.FailingSince.After(failingBy) {
			e.Enabled, e.DisabledReason, done = false, reason, true
		}
		return nil
	})
	return done, err
}
