package bootstrap

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	httpadapter "github.com/wxinvite/wxinvite/adapters/http"
	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/application"
)

// StorageModule is everything of the sqlstore adapter: it opens the database named
// by WXINVITE_DATABASE_URL with its metrics registered, migrates it on start, closes
// it on stop (after the web server has drained), binds its repositories to the
// application's ports and contributes its readiness check to /readyz.
var StorageModule = fx.Module("storage",
	fx.Provide(
		newStore,
		storePorts,
	),
)

type storeIn struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    Config
	Metrics   prometheus.Registerer
	Log       *slog.Logger
}

func newStore(in storeIn) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(context.Background(), in.Config.DatabaseURL, sqlstore.Options{})
	if err != nil {
		return nil, &ConfigError{Var: "WXINVITE_DATABASE_URL", Err: err}
	}
	if err := db.RegisterMetrics(in.Metrics); err != nil {
		_ = db.Close()
		return nil, err
	}
	in.Lifecycle.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			if err := db.Migrate(ctx); err != nil {
				return fmt.Errorf("migrate %s database: %w", db.Dialect(), err)
			}
			in.Log.Info("database ready", "dialect", db.Dialect(), "galera", db.Galera())
			return nil
		},
		OnStop: func(context.Context) error { return db.Close() },
	})
	return db, nil
}

// storeOut is what the store offers the rest of the graph. The ports are derived
// from *sqlstore.DB (not built inside newStore) so a test can replace the store
// with fx.Decorate and every port follows.
type storeOut struct {
	fx.Out
	Tx       application.Transactor
	Users    application.UserRepository
	Invites  application.InviteRepository
	QRCodes  application.QRCodeRepository
	Tokens   application.TokenStore
	Sessions application.SessionRevocations
	// The chat loop's stores: kefu windows, poster media, notices.
	KefuWindows application.KefuWindows
	PosterMedia application.PosterMediaCache
	Notices     application.NoticeStore
	// The campaign ports.
	Campaigns application.CampaignRepository
	Lifecycle application.InviteLifecycleRepository
	Grants    application.GrantRepository
	Codes     application.CodeRepository
	// The audit trail and the webhook outbox.
	Audit      application.AuditLog
	People     application.PeopleDirectory
	Outbox     application.Outbox
	Endpoints  application.WebhookEndpoints
	Deliveries application.WebhookDeliveries
	// The console's funnel counts.
	AuditCounts application.AuditCounter
	Ready       httpadapter.ReadinessCheck `group:"readiness"`
}

func storePorts(db *sqlstore.DB) storeOut {
	return storeOut{
		Tx: db, Users: db.Users(), Invites: db.Invites(), QRCodes: db.QRCodes(),
		Tokens: db.Tokens(), Sessions: db.Sessions(),
		KefuWindows: db.Chat(), PosterMedia: db.Chat(), Notices: db.Chat(),
		Campaigns: db.Campaigns(), Lifecycle: db.InviteLifecycle(), Grants: db.Grants(), Codes: db.Codes(),
		Audit: db.Audit(), People: db.Audit(), Outbox: db.Webhooks(), Endpoints: db.Webhooks(), Deliveries: db.Webhooks(),
		AuditCounts: db.Audit(),
		Ready:       httpadapter.ReadinessCheck{Name: "storage", Check: db.Ready},
	}
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
