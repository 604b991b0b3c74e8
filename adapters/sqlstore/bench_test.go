package sqlstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// benchDatabases runs fn on SQLite and, when WXINVITE_TEST_MYSQL_URL is set, MySQL.
func benchDatabases(b *testing.B, fn func(b *testing.B, db *sqlstore.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, sqltest.Open(b, sqltest.SQLiteURL(b), sqlstore.Options{})) })
	b.Run("mysql", func(b *testing.B) { fn(b, sqltest.Open(b, sqltest.MySQLURL(b), sqlstore.Options{})) })
}

var benchRun atomic.Uint64

// BenchmarkJoin measures the whole Join use case with 32 concurrent joiners (16 per
// GOMAXPROCS on 2 cores), distinct openids, half of them invited by one of 10
// inviters through a link.
func BenchmarkJoin(b *testing.B) {
	benchDatabases(b, func(b *testing.B, db *sqlstore.DB) {
		ctx := context.Background()
		svc := application.NewJoinService(db, db.Users(), db.Invites(), application.SystemClock, application.SystemRandom)
		var codes []string
		for i := range 10 {
			u := newTestUser(fmt.Sprintf("oInviter%d", i))
			if _, err := db.Users().Create(ctx, u); err != nil {
				b.Fatal(err)
			}
			codes = append(codes, u.InviteCode)
		}
		run := benchRun.Add(1)
		var seq atomic.Uint64
		b.SetParallelism(16)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n := seq.Add(1)
				cmd := application.JoinCommand{
					OpenID:  fmt.Sprintf("oBench%d_%d", run, n),
					Profile: domain.Profile{Nickname: "好友😀"},
				}
				if n%2 == 0 {
					cmd.Attribution, _ = domain.LinkAttribution(codes[n%10])
				}
				if _, err := svc.Join(ctx, cmd); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		reportRetries(b, db)
	})
}

// BenchmarkRawInsert is the yardstick for BenchmarkJoin: single-row INSERT
// transactions into a scratch table, same concurrency, same database.
func BenchmarkRawInsert(b *testing.B) {
	benchDatabases(b, func(b *testing.B, db *sqlstore.DB) {
		ctx := context.Background()
		ddl := "CREATE TABLE bench_scratch (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64) NOT NULL, created_at DATETIME(6) NOT NULL) ENGINE=InnoDB"
		if db.Dialect() == sqlstore.DialectSQLite {
			ddl = "CREATE TABLE bench_scratch (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL, created_at DATETIME NOT NULL)"
		}
		if _, err := db.Bun().ExecContext(ctx, ddl); err != nil {
			b.Fatal(err)
		}
		var seq atomic.Uint64
		b.SetParallelism(16)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				n := seq.Add(1)
				err := db.InTx(ctx, func(ctx context.Context) error {
					_, err := sqlstore.IDBForTest(db, ctx).ExecContext(ctx,
						"INSERT INTO bench_scratch (v, created_at) VALUES (?, ?)", fmt.Sprint("row", n), time.Now().UTC())
					return err
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})
}

func reportRetries(b *testing.B, db *sqlstore.DB) {
	retries, conflicts := db.Stats()
	b.ReportMetric(float64(retries), "retries")
	b.ReportMetric(float64(conflicts), "conflicts")
}
