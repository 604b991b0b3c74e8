package bootstrap

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.uber.org/fx"

	httpadapter "github.com/wxinvite/wxinvite/adapters/http"
	"github.com/wxinvite/wxinvite/adapters/wechat/emulator"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
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
	Users    application.UserRepository
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
		StateFile:      emulatorStateFile(in.Config.DatabaseURL),
		QROwner:        qrOwner(in.Users),
	})
	if err != nil {
		return emulatorOut{}, err
	}
	// A sensible default menu, so the phone page can ask for the poster at once.
	if err := e.SetMenu(emulator.Menu{Button: []emulator.MenuButton{
		{Type: "click", Name: "我的海报", Key: domain.PosterMenuKey},
		{Type: "view", Name: "邀请进度", URL: in.Listener.PublicURL + "/me"},
	}}); err != nil {
		return emulatorOut{}, err
	}
	return emulatorOut{
		Emulator: e,
		Mount:    httpadapter.Mount{Name: "emulator", Path: "/_emulator/", Prefix: true, Handler: http.StripPrefix("/_emulator", e.Handler())},
		Drain:    e.Close,
	}, nil
}

// emulatorStateFile keeps the emulator's persons and codes next to a SQLite file,
// so they live as long as the users they belong to; in memory or on MySQL the
// emulator starts afresh each time.
func emulatorStateFile(databaseURL string) string {
	path, ok := strings.CutPrefix(databaseURL, "sqlite:")
	if !ok || path == "" || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file::memory:") {
		return ""
	}
	path, _, _ = strings.Cut(strings.TrimPrefix(path, "file:"), "?")
	return path + ".emulator.json"
}

// qrOwner names the user an invite scene belongs to, for the emulator's scan list.
func qrOwner(users application.UserRepository) func(scene string) string {
	return func(scene string) string {
		code, err := domain.InviteCodeFromScene(domain.Scene{Str: scene})
		if err != nil {
			return ""
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		u, err := users.ByInviteCode(ctx, code)
		if err != nil {
			return ""
		}
		return u.DisplayName()
	}
}
