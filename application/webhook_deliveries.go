package application

import (
	"context"
	"fmt"

	"github.com/wxinvite/wxinvite/domain"
)

// DeliveriesQuery shows operators what happened to an endpoint's messages, and lets
// them ask for one more attempt.
type DeliveriesQuery struct {
	endpoints  WebhookEndpoints
	deliveries WebhookDeliveries
	clock      Clock
}

// NewDeliveriesQuery builds the use case.
func NewDeliveriesQuery(endpoints WebhookEndpoints, deliveries WebhookDeliveries, clock Clock) *DeliveriesQuery {
	return &DeliveriesQuery{endpoints: endpoints, deliveries: deliveries, clock: clock}
}

// Deliveries pages through an endpoint's deliveries, newest first; ErrNotFound for
// an unknown endpoint.
func (q *DeliveriesQuery) Deliveries(ctx context.Context, id domain.WebhookEndpointID, page Page) ([]Delivery, Cursor, error) {
	if _, err := q.endpoints.Endpoint(ctx, id); err != nil {
		return nil, Cursor{}, fmt.Errorf("deliveries: %w", err)
	}
	items, next, err := q.deliveries.Deliveries(ctx, id, page)
	if err != nil {
		return nil, Cursor{}, fmt.Errorf("deliveries: %w", err)
	}
	return items, next, nil
}

// Attempts returns the log of one delivery (status codes and timings).
func (q *DeliveriesQuery) Attempts(ctx context.Context, id domain.WebhookEndpointID, delivery int64) ([]AttemptLog, error) {
	log, err := q.deliveries.DeliveryAttempts(ctx, id, delivery)
	if err != nil {
		return nil, fmt.Errorf("delivery attempts: %w", err)
	}
	return log, nil
}

// Retry makes a delivery due now: one more attempt for a failed one, an earlier
// one for a pending one, a re-send for a delivered one (same webhook-id, so the
// receiver can tell). A disabled endpoint is refused (KindConflict): it would
// not be attempted.
func (q *DeliveriesQuery) Retry(ctx context.Context, id domain.WebhookEndpointID, delivery int64) error {
	e, err := q.endpoints.Endpoint(ctx, id)
	if err != nil {
		return fmt.Errorf("retry delivery: %w", err)
	}
	if !e.Enabled {
		return Errorf(KindConflict, "endpoint_disabled", nil, "the endpoint is disabled: %s", e.DisabledReason)
	}
	if err := q.deliveries.Retry(ctx, id, delivery, q.clock.Now()); err != nil {
		return fmt.Errorf("retry delivery: %w", err)
	}
	return nil
}
