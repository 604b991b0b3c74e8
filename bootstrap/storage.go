package bootstrap

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/application"
)

// StorageModule opens the database named by WXINVITE_DATABASE_URL, migrates it on
// start, closes it on stop (after the web server has drained), and binds its
// repositories to the application's ports.
var StorageModule = fx.Module("storage",
	fx.Provide(
		newStore,
		func(db *sqlstore.DB) application.Transactor { return db },
		func(db *sqlstore.DB) application.UserRepository { return db.Users() },
		func(db *sqlstore.DB) application.InviteRepository { return db.Invites() },
		func(db *sqlstore.DB) application.QRCodeRepository { return db.QRCodes() },
		func(db *sqlstore.DB) application.TokenStore { return db.Tokens() },
		func(db *sqlstore.DB) application.SessionRevocations { return db.Sessions() },
	),
)

func newStore(lc fx.Lifecycle, cfg Config, reg prometheus.Registerer, log *slog.Logger) (*sqlstore.DB, error) {
	retries := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wxinvite_db_tx_retries_total",
		Help: "Transactions retried after a conflict (1213 deadlock/certification failure, 1205 lock wait timeout), by error code.",
	}, []string{"code"})
	if err := reg.Register(retries); err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(context.Background(), cfg.DatabaseURL, sqlstore.Options{
		OnRetry: func(code uint16) { retries.WithLabelValues(fmt.Sprint(code)).Inc() },
	})
	if err != nil {
		return nil, &ConfigError{Var: "WXINVITE_DATABASE_URL", Err: err}
	}
	if err := reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "wxinvite_db_unique_conflicts_total",
		Help: "Writes refused by a unique key: lost races between duplicates (each one is then resolved by re-reading the winner).",
	}, func() float64 { _, conflicts := db.Stats(); return float64(conflicts) })); err != nil {
		return nil, err
	}
	lc.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			if err := db.Migrate(ctx); err != nil {
				return fmt.Errorf("migrate %s database: %w", db.Dialect(), err)
			}
			log.Info("database ready", "dialect", db.Dialect(), "galera", db.Galera())
			return nil
		},
		OnStop: func(context.Context) error { return db.Close() },
	})
	return db, nil
}

// Migrate applies the migrations of cfg's database and exits: `wxinvite migrate`.
func Migrate(ctx context.Context, cfg Config) error {
	_, err := MigrateNamed(ctx, cfg)
	return err
}

// MigrateNamed is Migrate returning the names of the migrations it applied, so the
// command can say what it did.
func MigrateNamed(ctx context.Context, cfg Config) ([]string, error) {
	db, err := sqlstore.Open(ctx, cfg.DatabaseURL, sqlstore.Options{})
	if err != nil {
		return nil, &ConfigError{Var: "WXINVITE_DATABASE_URL", Err: err}
	}
	defer db.Close()
	return db.MigrateNamed(ctx)
}
