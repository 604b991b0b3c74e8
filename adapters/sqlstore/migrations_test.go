package sqlstore_test

import (
	"context"
	"sync"
	"testing"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/sqlstore/sqltest"
)

func dialects(t *testing.T, fn func(t *testing.T, url func(t *testing.T) string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, func(t *testing.T) string { return sqltest.SQLiteURL(t) })
	})
	t.Run("mysql", func(t *testing.T) {
		t.Parallel()
		fn(t, func(t *testing.T) string { return sqltest.MySQLURL(t) })
	})
}

func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, url func(*testing.T) string) {
		ctx := context.Background()
		db, err := sqlstore.Open(ctx, url(t), sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if ok, _ := db.MigrationsApplied(ctx); ok {
			t.Fatal("MigrationsApplied before Migrate = true")
		}
		for i := range 3 {
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("Migrate #%d: %v", i+1, err)
			}
		}
		ok, err := db.MigrationsApplied(ctx)
		if err != nil || !ok {
			t.Fatalf("MigrationsApplied = %v, %v; want true", ok, err)
		}
	})
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, url func(*testing.T) string) {
		ctx := context.Background()
		u := url(t)
		// Three instances starting at once, each with its own pool.
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range 3 {
			db, err := sqlstore.Open(ctx, u, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			wg.Go(func() { errs[i] = db.Migrate(ctx) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("instance %d: Migrate: %v", i, err)
			}
		}
		db := sqltest.Open(t, u, sqlstore.Options{})
		if ok, err := db.MigrationsApplied(ctx); err != nil || !ok {
			t.Fatalf("MigrationsApplied = %v, %v; want true", ok, err)
		}
		var n, distinct int
		if err := db.Bun().NewRaw("SELECT COUNT(*), COUNT(DISTINCT name) FROM wxinvite_migrations").Scan(ctx, &n, &distinct); err != nil || n != distinct || n < 2 {
			t.Errorf("migrations recorded = %d rows for %d names, %v; want each applied exactly once", n, distinct, err)
		}
	})
}

// TestMigrateAfterInterruptedRun: a run that made its changes but died before
// recording them is run again in full, and every step must take "already there" as
// done — on MySQL 8 as well, which has no ADD COLUMN or CREATE INDEX IF NOT EXISTS.
func TestMigrateAfterInterruptedRun(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, url func(*testing.T) string) {
		ctx := context.Background()
		db, err := sqlstore.Open(ctx, url(t), sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Bun().ExecContext(ctx, "DELETE FROM wxinvite_migrations"); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate over an applied but unrecorded schema: %v", err)
		}
		if ok, err := db.MigrationsApplied(ctx); err != nil || !ok {
			t.Fatalf("MigrationsApplied = %v, %v; want true", ok, err)
		}
	})
}
