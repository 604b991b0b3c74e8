package application

import (
	"context"
	"time"

	"github.com/wxinvite/wxinvite/domain"
)

// OutboxMessage is one webhook message: written in the transaction of the change it
// reports, then routed to the endpoints that want it and delivered by any instance.
// ID is the webhook-id every attempt carries; Body is sent byte for byte each time.
type OutboxMessage struct {
	// Seq is the store's handle on the message (its row), set when read back.
	Seq       int64
	ID        string
	EventType domain.WebhookEventType
	Body      []byte
	CreatedAt time.Time
}

// Outbox is the write side of webhooks.
type Outbox interface {
	// Enqueue stores messages; inside a transaction it joins it. Message IDs are
	// random (144 bits) and not checked for uniqueness: an index on them would cost
	// every change a random index page.
	Enqueue(ctx context.Context, msgs ...OutboxMessage) error
}

// WebhookEndpoints stores the receivers operators registered.
type WebhookEndpoints interface {
	// CreateEndpoint stores e and returns it with its ID.
	CreateEndpoint(ctx context.Context, e domain.WebhookEndpoint) (domain.WebhookEndpoint, error)
	// Endpoints lists every endpoint, oldest first.
	Endpoints(ctx context.Context) ([]domain.WebhookEndpoint, error)
	// Endpoint returns one endpoint; ErrNotFound when none.
	Endpoint(ctx context.Context, id domain.WebhookEndpointID) (domain.WebhookEndpoint, error)
	// DeleteEndpoint removes the endpoint and its deliveries; ErrNotFound when none.
	DeleteEndpoint(ctx context.Context, id domain.WebhookEndpointID) error
	// MarkFailing records that the endpoint has been failing since since, unless an
	// earlier start is already recorded (the first failure of a run wins).
	MarkFailing(ctx context.Context, id domain.WebhookEndpointID, since time.Time) error
	// MarkHealthy forgets the current run of failures.
	MarkHealthy(ctx context.Context, id domain.WebhookEndpointID) error
	// DisableEndpoint turns the endpoint off with a reason, only if it is still
	// enabled and has been failing since at or before failingBy (compare-and-swap: a
	// success recorded meanwhile keeps it on). It reports whether it did.
	DisableEndpoint(ctx context.Context, id domain.WebhookEndpointID, reason string, failingBy time.Time) (bool, error)
}

// WebhookDeliveries is the relay's side of the outbox: one delivery per (message,
// endpoint), claimed for one attempt at a time with a lease taken by a conditional
// UPDATE, so any number of instances can relay without a leader or a lock.
type WebhookDeliveries interface {
	// Unrouted returns up to limit messages not yet routed to endpoints, oldest first.
	Unrouted(ctx context.Context, limit int) ([]OutboxMessage, error)
	// Route creates, for each message, a pending delivery due at now to each listed
	// endpoint and marks the message routed. Routing a message twice creates nothing
	// new (unique (message, endpoint)).
	Route(ctx context.Context, routes []Route, now time.Time) error
	// Claim takes up to limit due deliveries (pending, next attempt at or before now,
	// no unexpired lease, endpoint enabled) for holder until leaseUntil, each by a
	// compare-and-swap on its attempt counter, which it increments. Of concurrent
	// claimers of one delivery exactly one wins each attempt.
	Claim(ctx context.Context, holder string, now, leaseUntil time.Time, limit int) ([]ClaimedDelivery, error)
	// Finish records the outcome of a claimed attempt: the attempt log line (unless
	// the delivery is gone), and the delivery's new state only if the claim still
	// stands (same attempt number and holder). It reports whether the claim stood.
	Finish(ctx context.Context, c ClaimedDelivery, o AttemptOutcome) (bool, error)
	// FinishAll is Finish for a batch, in one transaction (one commit for a whole
	// round of attempts); it reports, in order, whether each claim stood.
	FinishAll(ctx context.Context, done []Finished) ([]bool, error)
	// Deliveries pages through an endpoint's deliveries, newest first.
	Deliveries(ctx context.Context, endpoint domain.WebhookEndpointID, page Page) ([]Delivery, Cursor, error)
	// DeliveryAttempts returns the log of one delivery's attempts, oldest first;
	// ErrNotFound when the endpoint has no such delivery.
	DeliveryAttempts(ctx context.Context, endpoint domain.WebhookEndpointID, delivery int64) ([]AttemptLog, error)
	// Retry makes the delivery pending and due at now; ErrNotFound when the endpoint
	// has no such delivery, ErrConflict while an attempt is in flight.
	Retry(ctx context.Context, endpoint domain.WebhookEndpointID, delivery int64, now time.Time) error
	// PruneBefore deletes up to batch finished deliveries (with their logs) and
	// routed messages without pending deliveries, created before cutoff.
	PruneBefore(ctx context.Context, cutoff time.Time, batch int) (int, error)
}

// Route sends one message (by its Seq) to some endpoints.
type Route struct {
	Message   int64
	Endpoints []domain.WebhookEndpointID
}

// ClaimedDelivery is one attempt the claimer now owns, with everything needed to send it.
type ClaimedDelivery struct {
	DeliveryID int64
	Attempt    int // this attempt's number, 1-based
	// Holder is this claim's lease token: opaque, starting with the claimer's name.
	Holder   string
	Message  OutboxMessage
	Endpoint domain.WebhookEndpoint
}

// Finished is a claimed attempt with its outcome.
type Finished struct {
	Claim   ClaimedDelivery
	Outcome AttemptOutcome
}

// AttemptOutcome is what one attempt did and what the delivery becomes.
type AttemptOutcome struct {
	StartedAt  time.Time
	Duration   time.Duration
	StatusCode int    // 0 when no HTTP answer came
	Error      string // why it failed, short; empty on success
	Status     domain.DeliveryStatus
	NextAt     time.Time // when Status is pending
}

// Delivery is a delivery as operators see it.
type Delivery struct {
	ID         int64
	MessageID  string
	EventType  domain.WebhookEventType
	Status     domain.DeliveryStatus
	Attempts   int
	LastStatus int       // 0 when no answer yet
	NextAt     time.Time // zero unless pending
	CreatedAt  time.Time
}

// AttemptLog is one line of a delivery's log.
type AttemptLog struct {
	Attempt    int
	StartedAt  time.Time
	Duration   time.Duration
	StatusCode int
	Error      string
}

// WebhookRequest is one signed POST to make.
type WebhookRequest struct {
	URL       string
	Secret    string
	MessageID string
	Timestamp time.Time
	Body      []byte
}

// WebhookResponse is what the receiver did; StatusCode 0 with Err when it did not answer.
type WebhookResponse struct {
	StatusCode int
	Duration   time.Duration
	Err        error
}

// WebhookSender makes signed webhook requests (Standard Webhooks headers), refusing
// addresses the operator may not target.
type WebhookSender interface {
	// Send posts one request; it never follows redirects and bounds its time.
	Send(ctx context.Context, req WebhookRequest) WebhookResponse
	// CheckURL says whether an endpoint URL may be registered: KindInvalid when its
	// scheme or any address it resolves to is refused.
	CheckURL(ctx context.Context, rawURL string) error
}
