package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

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
