package application_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// fakeSender answers with scripted status codes and records every request.
type fakeSender struct {
	mu       sync.Mutex
	status   func(url string) int
	requests []application.WebhookRequest
	refuse   error
}

func (f *fakeSender) Send(_ context.Context, r application.WebhookRequest) application.WebhookResponse {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r)
	return application.WebhookResponse{StatusCode: f.status(r.URL), Duration: time.Millisecond}
}

func (f *fakeSender) CheckURL(context.Context, string) error { return f.refuse }

func (f *fakeSender) sent() []application.WebhookRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]application.WebhookRequest(nil), f.requests...)
}

type hookEnv struct {
	store  *memory.Store
	hooks  *memory.Webhooks
	clock  *fakeClock
	sender *fakeSender
	admin  *application.WebhookAdmin
	relay  *application.WebhookRelay
	pub    *application.Publisher
}

func newHookEnv(status func(string) int) *hookEnv {
	st := memory.New()
	e := &hookEnv{store: st, hooks: st.Webhooks(), clock: newClock(t0), sender: &fakeSender{status: status}}
	e.admin = application.NewWebhookAdmin(e.hooks, e.sender, e.clock, rand.Reader)
	e.relay = application.NewWebhookRelay(e.hooks, e.hooks, e.sender, e.clock, application.RelayOptions{Holder: "test"})
	e.pub = application.NewPublisher(e.hooks, rand.Reader)
	return e
}

func (e *hookEnv) tick(t *testing.T) int {
	t.Helper()
	n, err := e.relay.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRelayRetryScheduleThenFailed(t *testing.T) {
	e := newHookEnv(func(string) int { return 500 })
	ctx := context.Background()
	ep, err := e.admin.Create(ctx, "https://crm.example/hook", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.pub.Publish(ctx, domain.EventInviteCreated, t0, map[string]any{"id": 1}); err != nil {
		t.Fatal(err)
	}
	if n := e.tick(t); n != 1 {
		t.Fatalf("first tick made %d attempts", n)
	}
	for i, wait := range domain.WebhookRetrySchedule {
		e.clock.Advance(wait - time.Microsecond)
		if n := e.tick(t); n != 0 {
			t.Fatalf("retry %d made %d attempts before it was due", i+1, n)
		}
		e.clock.Advance(time.Microsecond)
		if n := e.tick(t); n != 1 {
			t.Fatalf("retry %d: %d attempts when due", i+1, n)
		}
	}
	e.clock.Advance(48 * time.Hour)
	if n := e.tick(t); n != 0 {
		t.Fatalf("%d attempts after the last retry", n)
	}
	reqs := e.sender.sent()
	if len(reqs) != 8 {
		t.Fatalf("%d attempts, want 8 (the first and 7 retries)", len(reqs))
	}
	for _, r := range reqs {
		if r.MessageID != reqs[0].MessageID || string(r.Body) != string(reqs[0].Body) || r.Secret != ep.Secret {
			t.Fatalf("attempts differ: %+v vs %+v", r, reqs[0])
		}
	}
	ds, _, err := application.NewDeliveriesQuery(e.hooks, e.hooks, e.clock).Deliveries(ctx, ep.ID, application.Page{})
	if err != nil || len(ds) != 1 || ds[0].Status != domain.DeliveryFailed || ds[0].Attempts != 8 || ds[0].LastStatus != 500 {
		t.Fatalf("delivery = %+v, %v", ds, err)
	}
	var body struct {
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil || body.Type != "invite.created" || !body.Timestamp.Equal(t0) || string(body.Data) != `{"id":1}` {
		t.Fatalf("body %s: %+v %v", reqs[0].Body, body, err)
	}
}

func TestRelayFiltersAndDisablesFailingEndpoint(t *testing.T) {
	e := newHookEnv(func(url string) int {
		if url == "https://down.example/" {
			return 503
		}
		return 200
	})
	ctx := context.Background()
	down, _ := e.admin.Create(ctx, "https://down.example/", nil)
	rewards, _ := e.admin.Create(ctx, "https://up.example/", []domain.WebhookEventType{domain.EventRewardGranted})
	publish := func(typ domain.WebhookEventType) {
		if err := e.pub.Publish(ctx, typ, e.clock.Now(), nil); err != nil {
			t.Fatal(err)
		}
	}
	publish(domain.EventUserFollowed)
	publish(domain.EventRewardGranted)
	e.tick(t)
	byURL := map[string]int{}
	for _, r := range e.sender.sent() {
		byURL[r.URL]++
	}
	if byURL["https://down.example/"] != 2 || byURL["https://up.example/"] != 1 {
		t.Fatalf("sent %v, want both types to the unfiltered endpoint and only the reward to the filtered one", byURL)
	}
	// Keep failing: a new message every day; after 5 days of nothing but failures
	// the endpoint is turned off and says why.
	for day := 1; day <= 6; day++ {
		e.clock.Advance(24 * time.Hour)
		publish(domain.EventUserFollowed)
		e.tick(t)
	}
	got, _ := e.hooks.Endpoint(ctx, down.ID)
	if got.Enabled || got.DisabledReason == "" {
		t.Fatalf("endpoint failing for 6 days: %+v", got)
	}
	if got, _ := e.hooks.Endpoint(ctx, rewards.ID); !got.Enabled {
		t.Fatal("the healthy endpoint was disabled")
	}
	err := application.NewDeliveriesQuery(e.hooks, e.hooks, e.clock).Retry(ctx, down.ID, 1)
	if !application.IsKind(err, application.KindConflict) {
		t.Fatalf("retry on a disabled endpoint = %v", err)
	}
}

func TestRelayEndpointRecoversBeforeFiveDays(t *testing.T) {
	failing := true
	e := newHookEnv(func(string) int {
		if failing {
			return 500
		}
		return 204
	})
	ctx := context.Background()
	ep, _ := e.admin.Create(ctx, "https://flaky.example/", nil)
	for day := 0; day < 4; day++ {
		_ = e.pub.Publish(ctx, domain.EventUserFollowed, e.clock.Now(), nil)
		e.tick(t)
		e.clock.Advance(24 * time.Hour)
	}
	failing = false
	_ = e.pub.Publish(ctx, domain.EventUserFollowed, e.clock.Now(), nil)
	e.tick(t)
	failing = true
	e.clock.Advance(2 * 24 * time.Hour) // 6 days after the first failure, 2 after the success
	_ = e.pub.Publish(ctx, domain.EventUserFollowed, e.clock.Now(), nil)
	e.tick(t)
	if got, _ := e.hooks.Endpoint(ctx, ep.ID); !got.Enabled {
		t.Fatalf("an endpoint that succeeded 2 days ago was disabled: %+v", got)
	}
}

func TestWebhookAdminCreate(t *testing.T) {
	e := newHookEnv(func(string) int { return 200 })
	ctx := context.Background()
	ep, err := e.admin.Create(ctx, "https://crm.example/", []domain.WebhookEventType{domain.EventInviteCreated})
	if err != nil || ep.ID == 0 || !ep.Enabled || len(ep.Secret) < 30 {
		t.Fatalf("Create = %+v, %v", ep, err)
	}
	if _, err := e.admin.Create(ctx, "https://crm.example/", []domain.WebhookEventType{"nope"}); !application.IsKind(err, application.KindInvalid) {
		t.Fatalf("unknown type: %v", err)
	}
	e.sender.refuse = application.Errorf(application.KindInvalid, "webhook_url_refused", errors.New("loopback"), "refused")
	if _, err := e.admin.Create(ctx, "http://127.0.0.1/", nil); !application.IsKind(err, application.KindInvalid) {
		t.Fatalf("refused URL: %v", err)
	}
	if eps, _ := e.admin.List(ctx); len(eps) != 1 {
		t.Fatalf("%d endpoints stored, want only the valid one", len(eps))
	}
	if err := e.admin.Delete(ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.admin.Delete(ctx, ep.ID); !errors.Is(err, application.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}
