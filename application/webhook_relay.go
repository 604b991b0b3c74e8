package application

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wxinvite/wxinvite/domain"
)

// RelayOptions tunes a relay; the zero value is production-ready.
type RelayOptions struct {
	// Holder names this instance in leases; it must differ between instances.
	Holder string
	// Lease is how long a claimed attempt belongs to this instance (default 30 s):
	// three times the sender's 10 s bound, which covers the time to record the
	// outcome and clock skew between instances, so a live holder never loses its
	// claim; a crashed one's attempt is made again once it runs out.
	Lease time.Duration
	// Batch bounds the deliveries claimed at once (default 32) and Concurrency the
	// requests in flight (default 16).
	Batch, Concurrency int
	// OnAttempt, when set, hears every finished attempt (metrics, logs).
	OnAttempt func(c ClaimedDelivery, o AttemptOutcome)
}

// routeBatch bounds the messages routed per pass.
const routeBatch = 200

// maxErrorLength bounds the error text kept in the delivery log.
const maxErrorLength = 200

// WebhookRelay moves outbox messages to their endpoints. Every instance runs one;
// they share the work through the store's claims, never through local locks.
type WebhookRelay struct {
	endpoints  WebhookEndpoints
	deliveries WebhookDeliveries
	sender     WebhookSender
	clock      Clock
	opts       RelayOptions
}

// NewWebhookRelay builds a relay. Holder must be unique per instance.
func NewWebhookRelay(endpoints WebhookEndpoints, deliveries WebhookDeliveries, sender WebhookSender, clock Clock, opts RelayOptions) *WebhookRelay {
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 32
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	return &WebhookRelay{endpoints: endpoints, deliveries: deliveries, sender: sender, clock: clock, opts: opts}
}

// Tick routes new messages, then delivers what is due until nothing is left (or a
// bounded number of rounds), and reports how many attempts it made.
func (r *WebhookRelay) Tick(ctx context.Context) (int, error) {
	if _, err := r.Route(ctx); err != nil {
		return 0, err
	}
	total := 0
	for round := 0; round < 50; round++ {
		n, err := r.DeliverDue(ctx)
		total += n
		if err != nil || n < r.opts.Batch || ctx.Err() != nil {
			return total, err
		}
	}
	return total, nil
}

// Route gives every unrouted message a delivery per enabled endpoint that wants
// its type, and reports how many messages it routed.
func (r *WebhookRelay) Route(ctx context.Context) (int, error) {
	msgs, err := r.deliveries.Unrouted(ctx, routeBatch)
	if err != nil || len(msgs) == 0 {
		return 0, wrapNonNil("route webhooks", err)
	}
	eps, err := r.endpoints.Endpoints(ctx)
	if err != nil {
		return 0, fmt.Errorf("route webhooks: %w", err)
	}
	routes := make([]Route, len(msgs))
	for i, m := range msgs {
		routes[i].Message = m.Seq
		for _, e := range eps {
			if e.Enabled && e.Accepts(m.EventType) {
				routes[i].Endpoints = append(routes[i].Endpoints, e.ID)
			}
		}
	}
	if err := r.deliveries.Route(ctx, routes, r.clock.Now()); err != nil {
		return 0, fmt.Errorf("route webhooks: %w", err)
	}
	return len(msgs), nil
}

// finishTimeout bounds recording a round's outcomes once the relay is stopping.
const finishTimeout = 5 * time.Second

// DeliverDue claims due deliveries, makes one attempt of each, concurrently, records
// the round's outcomes in one transaction, and reports how many it attempted.
func (r *WebhookRelay) DeliverDue(ctx context.Context) (int, error) {
	now := r.clock.Now()
	claimed, err := r.deliveries.Claim(ctx, r.opts.Holder, now, now.Add(r.opts.Lease), r.opts.Batch)
	if err != nil || len(claimed) == 0 {
		return 0, wrapNonNil("claim webhooks", err)
	}
	done := make([]Finished, len(claimed))
	sent := make([]bool, len(claimed))
	sem := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	for i, c := range claimed {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			done[i], sent[i] = r.attempt(ctx, c)
		}()
	}
	wg.Wait()
	var finished []Finished
	for i := range done {
		if sent[i] {
			finished = append(finished, done[i])
		}
	}
	// Outcomes already known are recorded even when the relay is stopping: fewer
	// repeats after a restart.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	if _, err := r.deliveries.FinishAll(fctx, finished); err != nil {
		return len(claimed), fmt.Errorf("finish webhook attempts: %w", err)
	}
	if r.opts.OnAttempt != nil {
		for _, f := range finished {
			r.opts.OnAttempt(f.Claim, f.Outcome)
		}
	}
	return len(claimed), r.updateHealthAll(fctx, finished)
}

// attempt sends one claimed delivery and says what it did; ok is false when ctx
// ended during the send (shutdown): then nothing is recorded, the lease runs out
// and another instance makes the attempt again, with the same webhook-id.
func (r *WebhookRelay) attempt(ctx context.Context, c ClaimedDelivery) (Finished, bool) {
	started := r.clock.Now()
	resp := r.sender.Send(ctx, WebhookRequest{
		URL: c.Endpoint.URL, Secret: c.Endpoint.Secret, MessageID: c.Message.ID, Timestamp: started, Body: c.Message.Body,
	})
	if ctx.Err() != nil {
		return Finished{}, false
	}
	o := AttemptOutcome{StartedAt: started, Duration: resp.Duration, StatusCode: resp.StatusCode, Status: domain.DeliveryDelivered}
	if resp.Err != nil || !domain.WebhookSucceeded(resp.StatusCode) {
		o.Error = failureText(resp)
		o.Status = domain.DeliveryFailed
		if next, again := domain.NextWebhookAttempt(c.Attempt, r.clock.Now()); again {
			o.Status, o.NextAt = domain.DeliveryPending, next
		}
	}
	return Finished{Claim: c, Outcome: o}, true
}

// updateHealthAll updates each endpoint of a round once: it failed every attempt
// of the round, or it did not.
func (r *WebhookRelay) updateHealthAll(ctx context.Context, done []Finished) error {
	type health struct {
		e  domain.WebhookEndpoint
		ok bool
	}
	by := map[domain.WebhookEndpointID]*health{}
	var order []domain.WebhookEndpointID
	for _, f := range done {
		h := by[f.Claim.Endpoint.ID]
		if h == nil {
			h = &health{e: f.Claim.Endpoint}
			by[f.Claim.Endpoint.ID] = h
			order = append(order, h.e.ID)
		}
		h.ok = h.ok || f.Outcome.Status == domain.DeliveryDelivered
	}
	var errs []error
	now := r.clock.Now()
	for _, id := range order {
		errs = append(errs, r.updateHealth(ctx, by[id].e, by[id].ok, now))
	}
	return errors.Join(errs...)
}

// updateHealth keeps the endpoint's run of failures, writing only on a change (the
// first failure, the first success), and turns the endpoint off once it has failed
// every attempt for domain.EndpointDisableAfter.
func (r *WebhookRelay) updateHealth(ctx context.Context, e domain.WebhookEndpoint, ok bool, now time.Time) error {
	switch {
	case ok && !e.FailingSince.IsZero():
		return wrapNonNil("endpoint health", r.endpoints.MarkHealthy(ctx, e.ID))
	case ok:
		return nil
	case e.FailingSince.IsZero():
		return wrapNonNil("endpoint health", r.endpoints.MarkFailing(ctx, e.ID, now))
	case domain.ShouldDisable(e.FailingSince, now):
		reason := fmt.Sprintf("disabled at %s: every attempt failed since %s", now.UTC().Format(time.RFC3339), e.FailingSince.UTC().Format(time.RFC3339))
		_, err := r.endpoints.DisableEndpoint(ctx, e.ID, reason, now.Add(-domain.EndpointDisableAfter))
		return wrapNonNil("endpoint health", err)
	}
	return nil
}

// failureText says in a few words why an attempt failed.
func failureText(resp WebhookResponse) string {
	s := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if resp.Err != nil {
		s = resp.Err.Error()
	}
	for utf8.RuneCountInString(s) > maxErrorLength {
		s = string([]rune(s)[:maxErrorLength])
	}
	return s
}

func wrapNonNil(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
