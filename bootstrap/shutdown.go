package bootstrap

import (
	"context"
	"log/slog"

	"go.uber.org/fx"
)

// shutdownModule is listed first so that its stop hook runs last: it logs that the
// shutdown finished, after the server drained and the store closed (the web
// module logs when the shutdown starts).
var shutdownModule = fx.Module("shutdown",
	fx.Invoke(func(lc fx.Lifecycle, log *slog.Logger) {
		lc.Append(fx.Hook{OnStop: func(context.Context) error {
			log.Info("shutdown finished: requests drained, database closed")
			return nil
		}})
	}),
)
