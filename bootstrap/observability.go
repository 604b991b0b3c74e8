package bootstrap

import (
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/adapters/observability"
	"github.com/wxinvite/wxinvite/application"
)

// ObservabilityModule is everything of the observability adapter: the logger, the
// metrics registry (as Registerer for the adapters' metrics and Gatherer for
// /metrics) and the join metrics.
var ObservabilityModule = fx.Module("observability",
	fx.Provide(
		func(cfg Config) (*slog.Logger, error) { return observability.NewLogger(os.Stderr, cfg.LogLevel) },
		observability.NewRegistry,
		func(r *prometheus.Registry) prometheus.Registerer { return r },
		func(r *prometheus.Registry) prometheus.Gatherer { return r },
		newJoinMetrics,
	),
)

type joinMetricsOut struct {
	fx.Out
	Observer application.JoinObserver `group:"join_observers"`
}

func newJoinMetrics(reg prometheus.Registerer) (joinMetricsOut, error) {
	m, err := observability.NewJoinMetrics(reg)
	return joinMetricsOut{Observer: m}, err
}
