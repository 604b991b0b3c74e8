package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/domain"
)

func TestAuditCountTypes(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(testing.TB) string{"sqlite": sqltest.SQLiteURL, "mysql": sqltest.MySQLURL} {
		t.Run(name, func(t *testing.T) {
			db := sqltest.Open(t, url(t), sqlstore.Options{})
			ctx := context.Background()
			u, err := db.Users().Create(ctx, domain.User{OpenID: "o_count", InviteCode: "count0000001", JoinedAt: time.Unix(1, 0)})
			if err != nil {
				t.Fatal(err)
			}
			base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			for _, e := range []domain.AuditEvent{
				{At: base.Add(-time.Second), Type: domain.AuditScan, UserID: u.ID},
				{At: base, Type: domain.AuditScan, UserID: u.ID},
				{At: base.Add(time.Minute), Type: domain.AuditSubscribe, UserID: u.ID},
				{At: base.Add(time.Minute), Type: domain.AuditLogin, UserID: u.ID},
				{At: base.Add(time.Hour), Type: domain.AuditSubscribe, UserID: u.ID},
			} {
				if err := db.Audit().Append(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.Audit().CountTypes(ctx, []domain.AuditType{domain.AuditScan, domain.AuditSubscribe}, base, base.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if got[domain.AuditScan] != 1 || got[domain.AuditSubscribe] != 1 || got[domain.AuditLogin] != 0 {
				t.Fatalf("counts %v", got)
			}
			open, _ := db.Audit().CountTypes(ctx, []domain.AuditType{domain.AuditSubscribe}, base, time.Time{})
			if open[domain.AuditSubscribe] != 2 {
				t.Fatalf("open-ended counts %v", open)
			}
		})
	}
}
