package bootstrap

import (
	"log/slog"
	"net/http"

	"go.uber.org/fx"

	httpadapter "github.com/wxinvite/wxinvite/adapters/http"
	"github.com/wxinvite/wxinvite/adapters/wechat/emulator"
)

// EmulatorModule serves the built-in WeChat emulator under /_emulator/ when no real
// credentials are configured; with real credentials it provides nothing at all.
var EmulatorModule = fx.Module("emulator",
	fx.Provide(
		newEmulator,
		fx.Annotate(emulatorMounts, fx.ResultTags(`group:"mounts,flatten"`)),
	),
)

// newEmulator returns nil in production mode, where emulatorMounts contributes nothing.
func newEmulator(cfg Config, p platform, ln *Listener, log *slog.Logger) (*emulator.Emulator, error) {
	if !p.Emulated {
		return nil, nil
	}
	return emulator.New(emulator.Config{
		AppID: p.AppID, AppSecret: p.AppSecret, Token: cfg.Token, EncodingAESKey: cfg.EncodingAESKey,
		CallbackURL: ln.LocalURL + "/wechat/callback",
		BasePath:    "/_emulator",
		TokenTTL:    cfg.EmulatorTokenTTL,
		Logger:      log.With("component", "emulator"),
	})
}

func emulatorMounts(e *emulator.Emulator) []httpadapter.Mount {
	if e == nil {
		return nil
	}
	return []httpadapter.Mount{{Name: "emulator", Path: "/_emulator/", Prefix: true, Handler: http.StripPrefix("/_emulator", e.Handler())}}
}
