package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func outboxMsg(id string, typ domain.WebhookEventType, at time.Time) application.OutboxMessage {
	return application.OutboxMessage{ID: id, EventType: typ, Body: []byte(`{"type":"` + string(typ) + `","data":{"nickname":"小明"}}`), CreatedAt: at}
}

func mustEndpoint(t *testing.T, s HookStores, url string, types ...domain.WebhookEventType) domain.WebhookEndpoint {
	t.Helper()
	e, err := domain.NewWebhookEndpoint(url, types, bytes.Repeat([]byte{9}, domain.WebhookSecretBytes), base)
	if err != nil {
		t.Fatal(err)
	}
	if e, err = s.Endpoints.CreateEndpoint(context.Background(), e); err != nil || e.ID == 0 {
		t.Fatalf("CreateEndpoint: %+v, %v", e, err)
	}
	return e
}

func mustEnqueue(t *testing.T, s HookStores, msgs ...application.OutboxMessage) {
	t.Helper()
	if err := s.Outbox.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
}

// routeAll routes every unrouted message to the given endpoints.
func routeAll(t *testing.T, s HookStores, at time.Time, eps ...domain.WebhookEndpointID) int {
	t.Helper()
	ctx := context.Background()
	msgs, err := s.Deliveries.Unrouted(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	routes := make([]application.Route, len(msgs))
	for i, m := range msgs {
		routes[i] = application.Route{Message: m.Seq, Endpoints: eps}
	}
	if err := s.Deliveries.Route(ctx, routes, at); err != nil {
		t.Fatalf("Route: %v", err)
	}
	return len(msgs)
}

func mustClaim(t *testing.T, s HookStores, holder string, now time.Time, limit int) []application.ClaimedDelivery {
	t.Helper()
	c, err := s.Deliveries.Claim(context.Background(), holder, now, now.Add(time.Minute), limit)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return c
}

func testOutboxInTx(t *testing.T, s HookStores) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Outbox.Enqueue(ctx, outboxMsg("msg_rolledback", domain.EventInviteCreated, base)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if msgs, err := s.Deliveries.Unrouted(ctx, 10); err != nil || len(msgs) != 0 {
		t.Fatalf("after rollback: %v, %v; want no message", msgs, err)
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		return s.Outbox.Enqueue(ctx, outboxMsg("msg_1", domain.EventInviteCreated, base), outboxMsg("msg_2", domain.EventUserFollowed, base.Add(time.Second)))
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Deliveries.Unrouted(ctx, 10)
	if err != nil || len(msgs) != 2 || msgs[0].ID != "msg_1" || msgs[1].ID != "msg_2" {
		t.Fatalf("Unrouted = %+v, %v; want msg_1, msg_2", msgs, err)
	}
	want := outboxMsg("msg_1", domain.EventInviteCreated, base)
	if !bytes.Equal(msgs[0].Body, want.Body) || msgs[0].EventType != want.EventType {
		t.Errorf("message read back as %+v (body %s)", msgs[0], msgs[0].Body)
	}
	sameTime(t, "CreatedAt", msgs[0].CreatedAt, base)
}

func testOutboxLifecycle(t *testing.T, s HookStores) {
	ctx := context.Background()
	e1 := mustEndpoint(t, s, "https://one.example/hook")
	e2 := mustEndpoint(t, s, "https://two.example/hook", domain.EventRewardGranted)
	mustEnqueue(t, s, outboxMsg("msg_a", domain.EventInviteCreated, base))
	unrouted, err := s.Deliveries.Unrouted(ctx, 10)
	if err != nil || len(unrouted) != 1 || unrouted[0].Seq == 0 {
		t.Fatalf("Unrouted = %+v, %v", unrouted, err)
	}
	if n := routeAll(t, s, base, e1.ID, e2.ID); n != 1 {
		t.Fatalf("routed %d", n)
	}
	if n := routeAll(t, s, base); n != 0 {
		t.Fatalf("a routed message came back: %d", n)
	}
	// Routing again (a second relay that read the message before the first marked
	// it) creates no second delivery.
	if err := s.Deliveries.Route(ctx, []application.Route{{Message: unrouted[0].Seq, Endpoints: []domain.WebhookEndpointID{e1.ID}}}, base); err != nil {
		t.Fatalf("Route again: %v", err)
	}
	if got := mustClaim(t, s, "h1", base.Add(-time.Second), 10); len(got) != 0 {
		t.Fatalf("claimed %d deliveries before they were due", len(got))
	}
	got := mustClaim(t, s, "h1", base, 10)
	if len(got) != 2 {
		t.Fatalf("claimed %d deliveries, want 2", len(got))
	}
	for _, c := range got {
		if c.Attempt != 1 || !strings.HasPrefix(c.Holder, "h1") || c.Message.ID != "msg_a" || string(c.Message.Body) != string(outboxMsg("msg_a", domain.EventInviteCreated, base).Body) {
			t.Errorf("claimed %+v", c)
		}
		if c.Endpoint.URL == "" || c.Endpoint.Secret == "" {
			t.Errorf("claim without the endpoint: %+v", c.Endpoint)
		}
	}
	if again := mustClaim(t, s, "h2", base.Add(time.Second), 10); len(again) != 0 {
		t.Fatalf("leased deliveries claimed again: %+v", again)
	}
	ok, delivered := got[0], got[1]
	stood, err := s.Deliveries.Finish(ctx, delivered, application.AttemptOutcome{StartedAt: base, Duration: 12 * time.Millisecond, StatusCode: 204, Status: domain.DeliveryDelivered})
	if err != nil || !stood {
		t.Fatalf("Finish delivered: %v, %v", stood, err)
	}
	next := base.Add(5 * time.Second)
	stood, err = s.Deliveries.Finish(ctx, ok, application.AttemptOutcome{StartedAt: base, Duration: time.Second, StatusCode: 500, Error: "HTTP 500", Status: domain.DeliveryPending, NextAt: next})
	if err != nil || !stood {
		t.Fatalf("Finish failed attempt: %v, %v", stood, err)
	}
	if c := mustClaim(t, s, "h1", next.Add(-time.Microsecond), 10); len(c) != 0 {
		t.Fatalf("retry claimed before its time")
	}
	c := mustClaim(t, s, "h2", next, 10)
	if len(c) != 1 || c[0].DeliveryID != ok.DeliveryID || c[0].Attempt != 2 || c[0].Message.ID != "msg_a" {
		t.Fatalf("retry claim = %+v, want attempt 2 of the failed delivery, same message id", c)
	}
	if _, err := s.Deliveries.Finish(ctx, c[0], application.AttemptOutcome{StartedAt: next, StatusCode: 0, Error: "connection refused", Status: domain.DeliveryFailed}); err != nil {
		t.Fatal(err)
	}
	log, err := s.Deliveries.DeliveryAttempts(ctx, ok.Endpoint.ID, ok.DeliveryID)
	if err != nil || len(log) != 2 {
		t.Fatalf("DeliveryAttempts = %+v, %v", log, err)
	}
	if log[0].Attempt != 1 || log[0].StatusCode != 500 || log[0].Duration != time.Second || log[1].Attempt != 2 || log[1].Error != "connection refused" {
		t.Errorf("log = %+v", log)
	}
	sameTime(t, "attempt 1 start", log[0].StartedAt, base)
	_, err = s.Deliveries.DeliveryAttempts(ctx, delivered.Endpoint.ID, ok.DeliveryID)
	if ok.Endpoint.ID != delivered.Endpoint.ID {
		wantKind(t, "attempts of another endpoint's delivery", err, application.ErrNotFound)
	}
	if c := mustClaim(t, s, "h1", base.Add(48*time.Hour), 10); len(c) != 0 {
		t.Fatalf("finished deliveries claimed again: %+v", c)
	}
}

func testOutboxRetryAndList(t *testing.T, s HookStores) {
	ctx := context.Background()
	e := mustEndpoint(t, s, "https://list.example/")
	other := mustEndpoint(t, s, "https://other.example/")
	for i := range 5 {
		mustEnqueue(t, s, outboxMsg(fmt.Sprint("msg_", i), domain.EventUserFollowed, base.Add(time.Duration(i/2)*time.Second)))
	}
	routeAll(t, s, base, e.ID)
	var seen []string
	page := application.Page{Limit: 2}
	for {
		items, next, err := s.Deliveries.Deliveries(ctx, e.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range items {
			seen = append(seen, d.MessageID)
			if d.Status != domain.DeliveryPending || d.Attempts != 0 || d.EventType != domain.EventUserFollowed || d.NextAt.IsZero() {
				t.Errorf("fresh delivery %+v", d)
			}
		}
		if next.IsZero() {
			break
		}
		page.Cursor = next
	}
	if len(seen) != 5 || seen[0] != "msg_4" || seen[4] != "msg_0" && seen[4] != "msg_1" {
		t.Errorf("pages = %v, want 5 deliveries newest first", seen)
	}
	if items, _, _ := s.Deliveries.Deliveries(ctx, other.ID, application.Page{}); len(items) != 0 {
		t.Errorf("another endpoint lists %d deliveries", len(items))
	}

	c := mustClaim(t, s, "h", base, 1)[0]
	wantKind(t, "Retry in flight", s.Deliveries.Retry(ctx, e.ID, c.DeliveryID, base), application.ErrConflict)
	if _, err := s.Deliveries.Finish(ctx, c, application.AttemptOutcome{StartedAt: base, StatusCode: 410, Status: domain.DeliveryFailed}); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "Retry of another endpoint's delivery", s.Deliveries.Retry(ctx, other.ID, c.DeliveryID, base), application.ErrNotFound)
	wantKind(t, "Retry of a missing delivery", s.Deliveries.Retry(ctx, e.ID, 987654, base), application.ErrNotFound)
	later := base.Add(time.Hour)
	if err := s.Deliveries.Retry(ctx, e.ID, c.DeliveryID, later); err != nil {
		t.Fatal(err)
	}
	again := mustClaim(t, s, "h", later, 10)
	found := false
	for _, a := range again {
		if a.DeliveryID == c.DeliveryID {
			found = a.Attempt == 2 && a.Message.ID == c.Message.ID
		}
	}
	if !found {
		t.Errorf("manual retry not claimed as attempt 2 of the same message: %+v", again)
	}
}

func testOutboxPrune(t *testing.T, s HookStores) {
	ctx := context.Background()
	e := mustEndpoint(t, s, "https://prune.example/", domain.EventInviteCreated, domain.EventRewardGranted)
	if got, _ := s.Endpoints.Endpoint(ctx, e.ID); len(got.EventTypes) != 2 || got.EventTypes[1] != domain.EventRewardGranted {
		t.Errorf("filter read back as %v", got.EventTypes)
	}
	old, recent := base, base.Add(48*time.Hour)
	mustEnqueue(t, s, outboxMsg("msg_old_done", domain.EventInviteCreated, old), outboxMsg("msg_old_pending", domain.EventInviteCreated, old),
		outboxMsg("msg_recent", domain.EventInviteCreated, recent))
	routeAll(t, s, old, e.ID)
	for _, c := range mustClaim(t, s, "h", recent, 10) {
		if c.Message.ID != "msg_old_pending" {
			if _, err := s.Deliveries.Finish(ctx, c, application.AttemptOutcome{StartedAt: recent, StatusCode: 200, Status: domain.DeliveryDelivered}); err != nil {
				t.Fatal(err)
			}
		}
	}
	total := 0
	for range 5 {
		n, err := s.Deliveries.PruneBefore(ctx, base.Add(24*time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if total != 2 { // the finished old delivery and its message
		t.Errorf("pruned %d rows, want 2", total)
	}
	items, _, _ := s.Deliveries.Deliveries(ctx, e.ID, application.Page{})
	if len(items) != 2 {
		t.Fatalf("left %+v, want the pending old one and the recent one", items)
	}
	for _, d := range items {
		if d.MessageID == "msg_old_done" {
			t.Errorf("finished old delivery kept")
		}
	}
}
