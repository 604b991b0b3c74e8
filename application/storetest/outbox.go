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

func testOutboxRaceClaim(t *testing.T, s HookStores) {
	ctx := context.Background()
	e := mustEndpoint(t, s, "https://race.example/")
	mustEnqueue(t, s, outboxMsg("msg_race", domain.EventInviteCreated, base))
	routeAll(t, s, base, e.ID)
	// Two attempts in a row, each raced by 20 claimers: exactly one winner each.
	for attempt, now := range []time.Time{base, base.Add(2 * time.Minute)} {
		got := make([][]application.ClaimedDelivery, 20)
		errs := race(20, func(i int) error {
			var err error
			got[i], err = s.Deliveries.Claim(ctx, fmt.Sprint("holder-", i), now, now.Add(time.Minute), 5)
			return err
		})
		winners := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("claimer %d: %v", i, err)
			}
			for _, c := range got[i] {
				winners++
				if c.Attempt != attempt+1 {
					t.Errorf("winner holds attempt %d, want %d", c.Attempt, attempt+1)
				}
			}
		}
		if winners != 1 {
			t.Fatalf("attempt %d: %d winners, want exactly 1", attempt+1, winners)
		}
		// The first winner never finishes (it crashed): its lease runs out at +1 min.
	}
}

func testOutboxLeaseTakeover(t *testing.T, s HookStores) {
	ctx := context.Background()
	e := mustEndpoint(t, s, "https://slow.example/")
	mustEnqueue(t, s, outboxMsg("msg_slow", domain.EventInviteCreated, base))
	routeAll(t, s, base, e.ID)
	first := mustClaim(t, s, "dead", base, 1)
	second := mustClaim(t, s, "alive", base.Add(time.Minute), 1) // the lease expired
	if len(first) != 1 || len(second) != 1 || second[0].Attempt != 2 {
		t.Fatalf("claims %+v then %+v", first, second)
	}
	// The first holder comes back late: its outcome is logged but must not overwrite.
	stood, err := s.Deliveries.Finish(ctx, first[0], application.AttemptOutcome{StartedAt: base, StatusCode: 200, Status: domain.DeliveryDelivered})
	if err != nil || stood {
		t.Fatalf("stale Finish = %v, %v; want false", stood, err)
	}
	stood, err = s.Deliveries.Finish(ctx, second[0], application.AttemptOutcome{StartedAt: base, StatusCode: 503, Status: domain.DeliveryPending, NextAt: base.Add(2 * time.Hour)})
	if err != nil || !stood {
		t.Fatalf("current Finish = %v, %v", stood, err)
	}
	ds, _, err := s.Deliveries.Deliveries(ctx, e.ID, application.Page{})
	if err != nil || len(ds) != 1 || ds[0].Status != domain.DeliveryPending || ds[0].Attempts != 2 || ds[0].LastStatus != 503 {
		t.Fatalf("Deliveries = %+v, %v", ds, err)
	}
	sameTime(t, "NextAt", ds[0].NextAt, base.Add(2*time.Hour))
	if log, _ := s.Deliveries.DeliveryAttempts(ctx, e.ID, ds[0].ID); len(log) != 2 {
		t.Errorf("log has %d lines, want both attempts", len(log))
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

func testEndpointHealth(t *testing.T, s HookStores) {
	ctx := context.Background()
	e := mustEndpoint(t, s, "https://down.example/")
	keep := mustEndpoint(t, s, "https://up.example/")
	first, second := base.Add(time.Minute), base.Add(time.Hour)
	for _, at := range []time.Time{first, second} {
		if err := s.Endpoints.MarkFailing(ctx, e.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Endpoints.Endpoint(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameTime(t, "FailingSince (the first failure wins)", got.FailingSince, first)
	if done, err := s.Endpoints.DisableEndpoint(ctx, e.ID, "too early", first.Add(-time.Second)); err != nil || done {
		t.Fatalf("DisableEndpoint before the run is long enough = %v, %v", done, err)
	}
	if err := s.Endpoints.MarkHealthy(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if done, _ := s.Endpoints.DisableEndpoint(ctx, e.ID, "after a success", second); done {
		t.Fatal("an endpoint that succeeded meanwhile was disabled")
	}
	_ = s.Endpoints.MarkFailing(ctx, e.ID, second)
	if done, err := s.Endpoints.DisableEndpoint(ctx, e.ID, "failing for 5 days", second); err != nil || !done {
		t.Fatalf("DisableEndpoint = %v, %v", done, err)
	}
	if done, _ := s.Endpoints.DisableEndpoint(ctx, e.ID, "twice", second); done {
		t.Fatal("disabled twice")
	}
	got, _ = s.Endpoints.Endpoint(ctx, e.ID)
	if got.Enabled || got.DisabledReason != "failing for 5 days" {
		t.Fatalf("endpoint after disabling: %+v", got)
	}
	// A disabled endpoint's deliveries are not attempted; the others' are.
	mustEnqueue(t, s, outboxMsg("msg_h", domain.EventUserUnfollowed, base))
	routeAll(t, s, base, e.ID, keep.ID)
	c := mustClaim(t, s, "h", base, 10)
	if len(c) != 1 || c[0].Endpoint.ID != keep.ID {
		t.Fatalf("claimed %+v, want only the enabled endpoint's delivery", c)
	}
	// Deleting an endpoint removes it and its deliveries; an attempt in flight
	// that finishes afterwards leaves nothing behind.
	if err := s.Endpoints.DeleteEndpoint(ctx, keep.ID); err != nil {
		t.Fatal(err)
	}
	if stood, err := s.Deliveries.Finish(ctx, c[0], application.AttemptOutcome{StartedAt: base, StatusCode: 200, Status: domain.DeliveryDelivered}); err != nil || stood {
		t.Fatalf("Finish after the endpoint was deleted = %v, %v", stood, err)
	}
	if _, err := s.Deliveries.DeliveryAttempts(ctx, keep.ID, c[0].DeliveryID); !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("log of a deleted delivery: %v", err)
	}
	wantKind(t, "Endpoint after delete", func() error { _, err := s.Endpoints.Endpoint(ctx, keep.ID); return err }(), application.ErrNotFound)
	wantKind(t, "delete twice", s.Endpoints.DeleteEndpoint(ctx, keep.ID), application.ErrNotFound)
	if items, _, _ := s.Deliveries.Deliveries(ctx, keep.ID, application.Page{}); len(items) != 0 {
		t.Errorf("deleted endpoint keeps %d deliveries", len(items))
	}
	eps, err := s.Endpoints.Endpoints(ctx)
	if err != nil || len(eps) != 1 || eps[0].ID != e.ID || eps[0].Secret != e.Secret || eps[0].URL != e.URL || len(eps[0].EventTypes) != 0 {
		t.Fatalf("Endpoints = %+v, %v", eps, err)
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

func testOutboxFinishAll(t *testing.T, s HookStores) {
	ctx := context.Background()
	e := mustEndpoint(t, s, "https://batch.example/")
	for i := range 3 {
		mustEnqueue(t, s, outboxMsg(fmt.Sprint("msg_b", i), domain.EventUserFollowed, base))
	}
	routeAll(t, s, base, e.ID)
	stale := mustClaim(t, s, "old", base, 1)[0]
	now := base.Add(2 * time.Minute) // the first claim's lease has run out
	claims := mustClaim(t, s, "new", now, 10)
	if len(claims) != 3 {
		t.Fatalf("claimed %d, want 3", len(claims))
	}
	var batch []application.Finished
	for _, c := range claims {
		batch = append(batch, application.Finished{Claim: c, Outcome: application.AttemptOutcome{StartedAt: now, StatusCode: 200, Status: domain.DeliveryDelivered}})
	}
	batch = append(batch, application.Finished{Claim: stale, Outcome: application.AttemptOutcome{StartedAt: base, StatusCode: 500, Status: domain.DeliveryFailed}})
	stood, err := s.Deliveries.FinishAll(ctx, batch)
	if err != nil || len(stood) != 4 || !stood[0] || !stood[1] || !stood[2] || stood[3] {
		t.Fatalf("FinishAll = %v, %v; want the three current claims to stand and the stale one not", stood, err)
	}
	items, _, _ := s.Deliveries.Deliveries(ctx, e.ID, application.Page{})
	for _, d := range items {
		if d.Status != domain.DeliveryDelivered || d.LastStatus != 200 {
			t.Errorf("delivery %+v after the batch", d)
		}
	}
	if log, _ := s.Deliveries.DeliveryAttempts(ctx, e.ID, stale.DeliveryID); len(log) != 2 {
		t.Errorf("the re-claimed delivery logs %d attempts, want 2 (the late one included)", len(log))
	}
	if stood, err := s.Deliveries.FinishAll(ctx, nil); err != nil || len(stood) != 0 {
		t.Errorf("FinishAll(nil) = %v, %v", stood, err)
	}
}
