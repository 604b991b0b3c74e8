package bootstrap

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/adapters/webhook"
	"github.com/wxinvite/wxinvite/application"
)

// Background job periods: the relay polls often enough that a first attempt
// follows its change within about a second and a 5 s retry is on time; the
// prune runs rarely (it only deletes what is months old).
const (
	relayInterval = time.Second
	pruneInterval = 10 * time.Minute
)

// WebhookModule is everything of the webhook adapter: the signing HTTP sender with
// its address guard (WXINVITE_WEBHOOK_ALLOW_PRIVATE), its metrics, and the relay
// and the retention prune, which every instance runs in the background (the store's
// claims share the work; there is no leader).
var WebhookModule = fx.Module("webhook",
	fx.Provide(
		newWebhookSender,
		newWebhookRelay,
		newPruner,
	),
	fx.Invoke(runBackgroundJobs),
)

func newWebhookSender(cfg Config, log *slog.Logger) application.WebhookSender {
	if cfg.WebhookAllowPrivate {
		log.Warn("WXINVITE_WEBHOOK_ALLOW_PRIVATE is set: webhooks may target loopback and private addresses")
	}
	return webhook.New(webhook.Options{AllowPrivate: cfg.WebhookAllowPrivate})
}

type relayIn struct {
	fx.In
	Endpoints  application.WebhookEndpoints
	Deliveries application.WebhookDeliveries
	Sender     application.WebhookSender
	Clock      application.Clock
	Metrics    prometheus.Registerer
}

func newWebhookRelay(in relayIn) (*application.WebhookRelay, error) {
	m, err := webhook.NewAttemptMetrics(in.Metrics)
	if err != nil {
		return nil, err
	}
	return application.NewWebhookRelay(in.Endpoints, in.Deliveries, in.Sender, in.Clock,
		application.RelayOptions{Holder: relayHolder(), OnAttempt: m.Observe}), nil
}

// relayHolder names this process in delivery leases: host, pid and a random part
// (a restarted process with the same pid must not pass for its predecessor).
func relayHolder() string {
	host, _ := os.Hostname()
	if len(host) > 24 {
		host = host[:24]
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

type prunerIn struct {
	fx.In
	Config     Config
	Audit      application.AuditLog
	Deliveries application.WebhookDeliveries
	Clock      application.Clock
}

func newPruner(in prunerIn) *application.Pruner {
	return application.NewPruner(in.Audit, in.Deliveries, in.Clock, in.Config.AuditRetention)
}

// runBackgroundJobs starts the relay and the prune with the app and stops them
// (waiting for attempts in flight, bounded by the stop context) before the store
// closes.
func runBackgroundJobs(lc fx.Lifecycle, relay *application.WebhookRelay, pruner *application.Pruner, log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			wg.Add(2)
			go func() {
				defer wg.Done()
				application.RunPeriodically(ctx, relayInterval, func(ctx context.Context) error {
					_, err := relay.Tick(ctx)
					return err
				}, func(err error) { log.Warn("webhook relay", "err", err) })
			}()
			go func() {
				defer wg.Done()
				application.RunPeriodically(ctx, pruneInterval, func(ctx context.Context) error {
					n, err := pruner.Prune(ctx)
					if n > 0 {
						log.Info("pruned audit events and webhook deliveries past the retention", "rows", n)
					}
					return err
				}, func(err error) { log.Warn("retention prune", "err", err) })
			}()
			return nil
		},
		OnStop: func(stop context.Context) error {
			cancel()
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
				return nil
			case <-stop.Done():
				return stop.Err()
			}
		},
	})
}
