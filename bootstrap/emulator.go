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

// EmulatorModule serves the built-in WeChat emulator under /_emulator/ when no real
// credentials are configured; with real credentials it provides nothing at all.
var EmulatorModule = fx.Module("emulator",
	fx.Provide(
		newEmulator,
		fx.Annotate(emulatorMounts, fx.ResultTags(`group:"mounts,flatten"`)),
	),
)

// newEmulator returns nil in production mode, where emulatorMounts contributes nothing.
func newEmulator(cfg Config, p platform, ln *Listener, users application.UserRepository, log *slog.Logger) (*emulator.Emulator, error) {
	if !p.Emulated {
		return nil, nil
	}
	return emulator.New(emulator.Config{
		AppID: p.AppID, AppSecret: p.AppSecret, Token: cfg.Token, EncodingAESKey: cfg.EncodingAESKey,
		CallbackURL: ln.LocalURL + "/wechat/callback",
		BasePath:    "/_emulator",
		TokenTTL:    cfg.EmulatorTokenTTL,
		Logger:      log.With("component", "emulator"),
		StateFile:   emulatorStateFile(cfg.DatabaseURL),
		QROwner:     qrOwner(users),
	})
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

func emulatorMounts(e *emulator.Emulator) []httpadapter.Mount {
	if e == nil {
		return nil
	}
	return []httpadapter.Mount{{Name: "emulator", Path: "/_emulator/", Prefix: true, Handler: http.StripPrefix("/_emulator", e.Handler())}}
}
