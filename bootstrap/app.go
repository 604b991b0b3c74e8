package bootstrap

import (
	"log/slog"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
)

// New assembles the service from cfg. Tests pass extra options to replace adapters
// (fx.Decorate) or to pull out parts of the graph (fx.Populate).
func New(cfg Config, opts ...fx.Option) *fx.App {
	return fx.New(Options(cfg, opts...))
}

// Options is the whole graph as one option, for fx.ValidateApp and fxtest.
func Options(cfg Config, opts ...fx.Option) fx.Option {
	return fx.Options(
		fx.Supply(cfg),
		fx.WithLogger(func(log *slog.Logger) fxevent.Logger {
			l := &fxevent.SlogLogger{Logger: log}
			l.UseLogLevel(slog.LevelDebug)
			// A failed start is reported once, as one line (StartupLine), by the
			// caller; fx's own account of it is for debugging.
			l.UseErrorLevel(slog.LevelDebug)
			return l
		}),
		fx.StartTimeout(time.Minute),
		fx.StopTimeout(30*time.Second),
		shutdownModule,
		ObservabilityModule,
		StorageModule,
		ApplicationModule,
		ChatModule,
		PosterModule,
		CampaignModule,
		WeChatModule,
		WebhookModule,
		emulatorIfConfigured(cfg),
		WebModule,
		fx.Options(opts...),
	)
}

// emulatorIfConfigured is the emulator module in emulator mode and nothing at all
// with real credentials: the emulator is then absent from the graph.
func emulatorIfConfigured(cfg Config) fx.Option {
	if cfg.Emulator() {
		return EmulatorModule
	}
	return fx.Options()
}
