package bootstrap

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	httpadapter "github.com/wxinvite/wxinvite/adapters/http"
	"github.com/wxinvite/wxinvite/adapters/sqlstore"
	"github.com/wxinvite/wxinvite/adapters/wechat/emulator"
	"github.com/wxinvite/wxinvite/application"
)

// WebModule binds the listener, builds the router with every mount and serves it
// for the lifetime of the app.
var WebModule = fx.Module("web",
	fx.Provide(
		newListener,
		newRouter,
	),
	fx.Invoke(serve),
)

func sessionSecret(cfg Config, log *slog.Logger) []byte {
	if cfg.SessionSecret != "" {
		sum := sha256.Sum256([]byte(cfg.SessionSecret))
		return sum[:]
	}
	log.Warn("WXINVITE_SESSION_SECRET is not set: using a random key, so sessions end when the process restarts and are not shared between instances")
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

type services struct {
	fx.In
	Login       *application.CompleteLoginService
	Me          *application.MeQuery
	Invitees    *application.InviteesQuery
	QRCode      *application.InviteQRCodeService
	Stats       *application.StatsQuery
	Leaderboard *application.LeaderboardQuery
	Invites     *application.InviteListQuery
	OAuth       application.WeChatOAuth
	Users       application.UserRepository
	Sessions    application.SessionRevocations
	Share       *application.ShareConfigQuery
	// Mounts are the handlers other adapters contribute (callback, emulator).
	Mounts []httpadapter.Mount `group:"mounts"`
}

// jssdkScript is where pages load WeChat's JS-SDK: WeChat's own file, or in
// emulator mode the emulator's (same origin, so the CSP stays 'self').
func jssdkScript(p platform) string {
	if p.Emulated {
		return "/_emulator/jweixin.js"
	}
	return "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
}

func newRouter(cfg Config, ln *Listener, p platform, svc services, db *sqlstore.DB, gatherer prometheus.Gatherer, reg prometheus.Registerer, log *slog.Logger) (http.Handler, error) {
	ready := func(ctx context.Context) error {
		if err := db.Ping(ctx); err != nil {
			return err
		}
		ok, err := db.MigrationsApplied(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("migrations not applied")
		}
		return nil
	}
	return httpadapter.NewRouter(httpadapter.Config{
		PublicURL:     ln.PublicURL,
		AdminToken:    cfg.AdminToken,
		SessionSecret: sessionSecret(cfg, log),
		JSSDKScript:   jssdkScript(p),
	}, httpadapter.Services{
		Login: svc.Login, Me: svc.Me, Invitees: svc.Invitees, QRCode: svc.QRCode, Stats: svc.Stats,
		Leaderboard: svc.Leaderboard, Invites: svc.Invites, OAuth: svc.OAuth, Users: svc.Users, Sessions: svc.Sessions, Share: svc.Share,
	}, ready, gatherer, reg, log, svc.Mounts...)
}

// serve starts the HTTP server on the already bound listener and, on stop, lets
// in-flight requests (callbacks included) finish before the store closes.
func serve(lc fx.Lifecycle, cfg Config, ln *Listener, h http.Handler, p platform, emu *emulator.Emulator, log *slog.Logger) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("http server stopped", "err", err)
				}
			}()
			announce(log, cfg, ln, p)
			return nil
		},
		OnStop: func(ctx context.Context) error {
			log.Info("shutting down: refusing new connections, finishing requests in flight")
			if emu != nil {
				emu.Close() // frees requests it holds open, so the drain below ends
			}
			ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			return srv.Shutdown(ctx)
		},
	})
}

func announce(log *slog.Logger, cfg Config, ln *Listener, p platform) {
	if p.Emulated {
		log.Info("wxinvite is running in EMULATOR mode: no WeChat account is used",
			"addr", ln.Addr().String(),
			"phone", ln.PublicURL+"/_emulator/",
			"personal_centre", ln.PublicURL+"/me",
			"real_account", "set WECHAT_APPID, WECHAT_APPSECRET and WECHAT_TOKEN (see README) to use a real official account")
		return
	}
	log.Info("wxinvite is running against the real WeChat platform",
		"addr", ln.Addr().String(), "public_url", ln.PublicURL, "appid", p.AppID,
		"callback_url", ln.PublicURL+"/wechat/callback", "safe_mode", cfg.EncodingAESKey != "")
}
