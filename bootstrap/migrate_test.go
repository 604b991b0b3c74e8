package bootstrap

import (
	"context"
	"errors"
	"testing"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
)

// `wxinvite migrate` creates the schema, and running it again changes nothing.
func TestMigrateCommand(t *testing.T) {
	url := "sqlite:" + t.TempDir() + "/m.db"
	cfg, err := LoadConfig(func(k string) string { return map[string]string{"WXINVITE_DATABASE_URL": url}[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := Migrate(ctx, cfg); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
	db, err := sqlstore.Open(ctx, url, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ok, err := db.MigrationsApplied(ctx); err != nil || !ok {
		t.Fatalf("migrations applied = %v, %v", ok, err)
	}

	cfg.DatabaseURL = "mysql://root@127.0.0.1:1/nothing?timeout=200ms"
	err = Migrate(ctx, cfg)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Var != "WXINVITE_DATABASE_URL" || StartupLine(err) != "WXINVITE_DATABASE_URL: nothing answers at 127.0.0.1:1 (is MySQL running there?)" {
		t.Fatalf("an unreachable database must fail with one line naming WXINVITE_DATABASE_URL, got %v (%q)", err, StartupLine(err))
	}
}
