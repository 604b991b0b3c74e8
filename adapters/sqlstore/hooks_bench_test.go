package sqlstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// BenchmarkScanJoinRecorded is the scan path's Join (a new follower through an
// invite QR code, 32 concurrent) without the audit trail and outbox ("off"), with
// the audit trail and no webhook endpoint ("audit"), and with an endpoint taking
// every type, so that invite.created and user.followed are written too ("webhooks").
func BenchmarkScanJoinRecorded(b *testing.B) {
	for _, mode := range []string{"off", "audit", "webhooks"} {
		b.Run(mode, func(b *testing.B) {
			benchDatabases(b, func(b *testing.B, db *sqlstore.DB) {
				ctx := context.Background()
				svc := application.NewJoinService(db, db.Users(), db.Invites(), application.SystemClock, application.SystemRandom)
				if mode != "off" {
					svc.SetRecorder(application.NewRecorder(db.Audit(), db.Webhooks(), db.Webhooks(), application.SystemClock, application.SystemRandom))
				}
				if mode == "webhooks" {
					ep, _ := domain.NewWebhookEndpoint("https://crm.example/hook", nil, make([]byte, domain.WebhookSecretBytes), time.Now())
					if _, err := db.Webhooks().CreateEndpoint(ctx, ep); err != nil {
						b.Fatal(err)
					}
				}
				var attrs []domain.Attribution
				for i := range 10 {
					u := newTestUser(fmt.Sprintf("oInviter%d", i))
					if _, err := db.Users().Create(ctx, u); err != nil {
						b.Fatal(err)
					}
					a, _ := domain.ScanAttribution(domain.InviteScene(u.InviteCode))
					attrs = append(attrs, a)
				}
				run := benchRun.Add(1)
				var seq atomic.Uint64
				b.SetParallelism(16)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						n := seq.Add(1)
						cmd := application.JoinCommand{OpenID: fmt.Sprintf("oScan%d_%d", run, n), FollowedAt: time.Now().UTC(),
							Attribution: attrs[n%10], Contact: domain.AuditSubscribe, ContactKey: fmt.Sprint("k", run, n)}
						if _, err := svc.Join(ctx, cmd); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
		})
	}
}
