package bootstrap

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	httpadapter "github.com/wxinvite/wxinvite/adapters/http"
	"github.com/wxinvite/wxinvite/application"
)

// WebModule is everything of the http adapter: it binds the listener, builds the
// router with the mounts and readiness checks other modules contribute, and serves
// it (and /metrics on WXINVITE_METRICS_ADDR when set) for the lifetime of the app.
var WebModule = fx.Module("web",
	fx.Provide(
		newListener,
		newRouter,
	),
	fx.Invoke(serve),
)

// beforeShutdown is a step a module needs done before the server drains (the
// emulator frees the requests it holds open).
type beforeShutdown func()

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

type routerIn struct {
	fx.In
	Config      Config
	Listener    *Listener
	Log         *slog.Logger
	Gatherer    prometheus.Gatherer
	Registerer  prometheus.Registerer
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
	// The chat loop (menu admin, /me/poster.png, notices).
	Menu    *application.MenuAdmin
	Poster  *application.PosterService
	Notices *application.Notifier
	// The audit trail and webhooks.
	People       *application.PeopleQuery
	PersonEvents *application.PersonEventsQuery
	Attempts     *application.AttemptsQuery
	Webhooks     *application.WebhookAdmin
	Deliveries   *application.DeliveriesQuery
	Share        *application.ShareConfigQuery
	Platform     platform
	Campaigns    campaignRoutesIn
	// Mounts are the handlers other adapters contribute (callback, emulator).
	Mounts []httpadapter.Mount `group:"mounts"`
	// Ready are the adapters' readiness checks, combined into /readyz.
	Ready []httpadapter.ReadinessCheck `group:"readiness"`
}

// campaignRoutesIn are the campaign use cases behind the admin API and /api/me.
type campaignRoutesIn struct {
	fx.In
	Create      *application.CreateCampaignService
	Update      *application.UpdateCampaignService
	End         *application.EndCampaignService
	Query       *application.CampaignQuery
	Poster      *application.PosterBackgroundService
	Codes       *application.UploadCodesService
	Stats       *application.CampaignStatsQuery
	Leaderboard *application.CampaignLeaderboardQuery
	Rewards     *application.RewardsQuery
	Fulfil      *application.FulfilRewardService
	Mine        *application.MyCampaignQuery
	Preview     *application.PosterPreviewQuery  `optional:"true"`
	Person      *application.PersonRewardsQuery  `optional:"true"`
	Funnel      *application.CampaignFunnelQuery `optional:"true"`
}

func (in campaignRoutesIn) services() httpadapter.CampaignServices {
	return httpadapter.CampaignServices{
		Create: in.Create, Update: in.Update, End: in.End, Query: in.Query, Poster: in.Poster, Codes: in.Codes,
		Stats: in.Stats, Leaderboard: in.Leaderboard, Rewards: in.Rewards, Fulfil: in.Fulfil, Mine: in.Mine,
		Preview: in.Preview, PersonRewards: in.Person, Funnel: in.Funnel,
	}
}

// routerOut is the public handler and, when WXINVITE_METRICS_ADDR is set, the
// separate /metrics handler.
type routerOut struct {
	fx.Out
	Public  http.Handler `name:"public"`
	Metrics http.Handler `name:"metrics" optional:"true"`
}

// jssdkScript is where pages load WeChat's JS-SDK: WeChat's own file, or in
// emulator mode the emulator's (same origin, so the CSP stays 'self').
func jssdkScript(p platform) string {
	if p.Emulated {
		return "/_emulator/jweixin.js"
	}
	return "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
}

func newRouter(in routerIn) (routerOut, error) {
	h, err := httpadapter.NewRouter(httpadapter.Config{
		PublicURL:        in.Listener.PublicURL,
		AdminToken:       in.Config.AdminToken,
		SessionSecret:    sessionSecret(in.Config, in.Log),
		MetricsElsewhere: in.Config.MetricsAddr != "",
		JSSDKScript:      jssdkScript(in.Platform),
		Location:         in.Config.Timezone,
	}, httpadapter.Services{
		Login: in.Login, Me: in.Me, Invitees: in.Invitees, QRCode: in.QRCode, Stats: in.Stats,
		Leaderboard: in.Leaderboard, Invites: in.Invites, OAuth: in.OAuth, Users: in.Users, Sessions: in.Sessions,
		Menu: in.Menu, Poster: in.Poster, Notices: in.Notices,
		People: in.People, PersonEvents: in.PersonEvents, Attempts: in.Attempts, Webhooks: in.Webhooks, Deliveries: in.Deliveries,
		Share:     in.Share,
		Campaigns: in.Campaigns.services(),
	}, httpadapter.Readiness(in.Ready...), in.Gatherer, in.Registerer, in.Log, in.Mounts...)
	if err != nil {
		return routerOut{}, err
	}
	out := routerOut{Public: h}
	if in.Config.MetricsAddr != "" {
		out.Metrics = httpadapter.MetricsHandler(in.Gatherer)
	}
	return out, nil
}

type serveIn struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    Config
	Listener  *Listener
	Public    http.Handler `name:"public"`
	Metrics   http.Handler `name:"metrics" optional:"true"`
	Platform  platform
	Drain     []beforeShutdown `group:"before_shutdown"`
	Log       *slog.Logger
}

func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serve starts the HTTP server on the already bound listener and, on stop, lets
// in-flight requests (callbacks included) finish before the store closes.
func serve(in serveIn) error {
	log := in.Log
	servers := []*http.Server{newServer(in.Public, log)}
	listeners := []net.Listener{in.Listener}
	if in.Metrics != nil {
		ln, err := net.Listen("tcp", in.Config.MetricsAddr)
		if err != nil {
			return &ConfigError{Var: "WXINVITE_METRICS_ADDR", Err: listenError(in.Config.MetricsAddr, err)}
		}
		servers = append(servers, newServer(in.Metrics, log))
		listeners = append(listeners, ln)
		log.Info("metrics are served on their own listener", "metrics_addr", ln.Addr().String())
	}
	in.Lifecycle.Append(fx.Hook{
		OnStart: func(context.Context) error {
			for i, srv := range servers {
				go func() {
					if err := srv.Serve(listeners[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
						log.Error("http server stopped", "err", err)
					}
				}()
			}
			announce(log, in.Config, in.Listener, in.Platform)
			return nil
		},
		OnStop: func(ctx context.Context) error {
			log.Info("shutting down: refusing new connections, finishing requests in flight")
			for _, drain := range in.Drain {
				drain()
			}
			ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			var errs []error
			for _, srv := range servers {
				errs = append(errs, srv.Shutdown(ctx))
			}
			return errors.Join(errs...)
		},
	})
	return nil
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
