package bootstrap

import (
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/wxinvite/wxinvite/adapters/observability"
	"github.com/wxinvite/wxinvite/application"
)

// ObservabilityModule provides the logger, the metrics registry and the join metrics.
var ObservabilityModule = fx.Module("observability",
	fx.Provide(
		func(cfg Config) (*slog.Logger, error) { return observability.NewLogger(os.Stderr, cfg.LogLevel) },
		observability.NewRegistry,
		func(r *prometheus.Registry) prometheus.Registerer { return r },
		func(r *prometheus.Registry) prometheus.Gatherer { return r },
		fx.Annotate(observability.NewJoinMetrics, fx.ResultTags(`group:"join_observers"`), fx.As(new(application.JoinObserver))),
	),
)
