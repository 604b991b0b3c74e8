package application

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/wxinvite/wxinvite/domain"
)

// WebhookAdmin lets operators register, list and remove webhook endpoints.
type WebhookAdmin struct {
	endpoints WebhookEndpoints
	sender    WebhookSender
	clock     Clock
	random    Random
	changed   func()
}

// OnChange registers f to run after an endpoint is created or deleted (the
// recorder forgets its list of endpoints).
func (a *WebhookAdmin) OnChange(f func()) { a.changed = f }

func (a *WebhookAdmin) notify() {
	if a.changed != nil {
		a.changed()
	}
}

// NewWebhookAdmin builds the use case.
func NewWebhookAdmin(endpoints WebhookEndpoints, sender WebhookSender, clock Clock, random Random) *WebhookAdmin {
	return &WebhookAdmin{endpoints: endpoints, sender: sender, clock: clock, random: random}
}

// Create registers an endpoint with a fresh whsec_ secret. A malformed URL, an
// unknown event type, or an address the sender refuses (loopback, private,
// link-local, metadata) is KindInvalid and nothing is stored.
func (a *WebhookAdmin) Create(ctx context.Context, rawURL string, types []domain.WebhookEventType) (domain.WebhookEndpoint, error) {
	key := make([]byte, domain.WebhookSecretBytes)
	if _, err := io.ReadFull(a.random, key); err != nil {
		return domain.WebhookEndpoint{}, Errorf(KindInternal, "random_failed", err, "cannot generate a webhook secret")
	}
	e, err := domain.NewWebhookEndpoint(rawURL, types, key, a.clock.Now())
	if err != nil {
		return domain.WebhookEndpoint{}, Errorf(KindInvalid, "invalid_webhook", err, "%s", invalidWebhookMessage(err))
	}
	if err := a.sender.CheckURL(ctx, rawURL); err != nil {
		return domain.WebhookEndpoint{}, err
	}
	e, err = a.endpoints.CreateEndpoint(ctx, e)
	if err != nil {
		return domain.WebhookEndpoint{}, fmt.Errorf("create webhook: %w", err)
	}
	a.notify()
	return e, nil
}

// invalidWebhookMessage is the domain's reason without the sentinel's prefix.
func invalidWebhookMessage(err error) string {
	if errors.Is(err, domain.ErrInvalidWebhook) {
		return err.Error()
	}
	return "the webhook is not valid"
}

// List returns every endpoint, oldest first.
func (a *WebhookAdmin) List(ctx context.Context) ([]domain.WebhookEndpoint, error) {
	es, err := a.endpoints.Endpoints(ctx)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return es, nil
}

// Delete removes an endpoint and its deliveries; ErrNotFound when there is none.
func (a *WebhookAdmin) Delete(ctx context.Context, id domain.WebhookEndpointID) error {
	if err := a.endpoints.DeleteEndpoint(ctx, id); err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	a.notify()
	return nil
}
