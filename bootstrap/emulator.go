package bootstrap

import (
	"log/slog"
	"net/http"

	"go.uber.org/fx"

	httpadapter "github.com/wxinvite/wxinvite/adapters/http"
	"github.com/wxinvite/wxinvite/adapters/wechat/emulator"
)

// EmulatorModule is everything of the built-in WeChat emulator: the emulator, its
// /_emulator/ mount and its shutdown step. bootstrap.Options includes it only in
// emulator mode (no WECHAT_APPID); with real credentials it is not in the graph.
var EmulatorModule = fx.Module("emulator",
	fx.Provide(newEmulator),
)

type emulatorIn struct {
	fx.In
	Config   Config
	Platform platform
	Listener *Listener
	Log      *slog.Logger
}

type emulatorOut struct {
	fx.Out
	Emulator *emulator.Emulator
	Mount    httpadapter.Mount `group:"mounts"`
	// Drain frees the requests the emulator holds open, so the server's drain ends.
	Drain beforeShutdown `group:"before_shutdown"`
}

func newEmulator(in emulatorIn) (emulatorOut, error) {
	e, err := emulator.New(emulator.Config{
		AppID: in.Platform.AppID, AppSecret: in.Platform.AppSecret, Token: in.Config.Token,
		EncodingAESKey: in.Config.EncodingAESKey,
		CallbackURL:    in.Listener.LocalURL + "/wechat/callback",
		BasePath:       "/_emulator",
		PublicURL:      in.Listener.PublicURL, // /_emulator/open goes only there
		TokenTTL:       in.Config.EmulatorTokenTTL,
		Logger:         in.Log.With("component", "emulator"),
	})
	if err != nil {
		return emulatorOut{}, err
	}
	return emulatorOut{
		Emulator: e,
		Mount:    httpadapter.Mount{Name: "emulator", Path: "/_emulator/", Prefix: true, Handler: http.StripPrefix("/_emulator", e.Handler())},
		Drain:    e.Close,
	}, nil
}
