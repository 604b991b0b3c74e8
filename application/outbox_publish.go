package application

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// messageIDBytes is the entropy of a webhook-id: unguessable and, in practice, unique.
const messageIDBytes = 18

// Publisher turns a change into a webhook message in the outbox. Use cases call it
// inside the transaction of the change, so the message exists exactly when the
// change does.
type Publisher struct {
	outbox Outbox
	random Random
}

// NewPublisher builds the publisher.
func NewPublisher(outbox Outbox, random Random) *Publisher {
	return &Publisher{outbox: outbox, random: random}
}

// webhookBody is the Standard Webhooks payload shape of the contract.
type webhookBody struct {
	Type      domain.WebhookEventType `json:"type"`
	Timestamp time.Time               `json:"timestamp"`
	Data      any                     `json:"data"`
}

// Message builds the message for an event of type t that happened at, carrying
// data (marshalled to JSON now, so every attempt sends the same bytes).
func (p *Publisher) Message(t domain.WebhookEventType, at time.Time, data any) (OutboxMessage, error) {
	if err := t.Validate(); err != nil {
		return OutboxMessage{}, Errorf(KindInternal, "invalid_event_type", err, "unknown webhook event type")
	}
	b := make([]byte, messageIDBytes)
	if _, err := io.ReadFull(p.random, b); err != nil {
		return OutboxMessage{}, Errorf(KindInternal, "random_failed", err, "cannot generate a webhook id")
	}
	body, err := json.Marshal(webhookBody{Type: t, Timestamp: at.UTC(), Data: data})
	if err != nil {
		return OutboxMessage{}, Errorf(KindInternal, "webhook_encode", err, "cannot encode the webhook body")
	}
	return OutboxMessage{ID: "msg_" + base64.RawURLEncoding.EncodeToString(b), EventType: t, Body: body, CreatedAt: at}, nil
}

// Publish builds the message and stores it in the outbox, in ctx's transaction.
func (p *Publisher) Publish(ctx context.Context, t domain.WebhookEventType, at time.Time, data any) error {
	m, err := p.Message(t, at, data)
	if err != nil {
		return err
	}
	if err := p.outbox.Enqueue(ctx, m); err != nil {
		return fmt.Errorf("publish %s: %w", t, err)
	}
	return nil
}
