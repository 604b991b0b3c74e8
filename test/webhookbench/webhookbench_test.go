// Package webhookbench measures webhook delivery: outbox rows in a real store, the
// relay claiming them and the HTTP sender posting signed requests to a receiver on
// loopback. It reports deliveries per second; `make bench` runs it.
package webhookbench

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/adapters/webhook"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// BenchmarkDeliveries enqueues b.N messages for one endpoint, then times the relay
// delivering all of them (routing, claiming, sending, recording) to a local receiver.
func BenchmarkDeliveries(b *testing.B) {
	for _, tc := range []struct {
		name string
		url  func(testing.TB) string
	}{
		{"sqlite", sqltest.SQLiteURL},
		{"mysql", sqltest.MySQLURL},
	} {
		b.Run(tc.name, func(b *testing.B) {
			db := sqltest.Open(b, tc.url(b), sqlstore.Options{})
			var received atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				received.Add(1)
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			ctx := context.Background()
			hooks := db.Webhooks()
			sender := webhook.New(webhook.Options{AllowPrivate: true})
			admin := application.NewWebhookAdmin(hooks, sender, application.SystemClock, rand.Reader)
			if _, err := admin.Create(ctx, srv.URL+"/hook", nil); err != nil {
				b.Fatal(err)
			}
			pub := application.NewPublisher(hooks, rand.Reader)
			var batch []application.OutboxMessage
			for i := 0; i < b.N; i++ {
				m, err := pub.Message(domain.EventInviteCreated, application.SystemClock.Now(), map[string]any{"id": i, "nickname": "好友"})
				if err != nil {
					b.Fatal(err)
				}
				if batch = append(batch, m); len(batch) == 200 || i == b.N-1 {
					if err := hooks.Enqueue(ctx, batch...); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			relay := application.NewWebhookRelay(hooks, hooks, sender, application.SystemClock, application.RelayOptions{Holder: "bench"})
			b.ResetTimer()
			for received.Load() < int64(b.N) {
				n, err := relay.Tick(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 && received.Load() < int64(b.N) {
					b.Fatalf("relay idle with %d of %d delivered", received.Load(), b.N)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
			if got := received.Load(); got != int64(b.N) {
				b.Fatalf("received %d, want %d", got, b.N)
			}
		})
	}
}
