package httpadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxinvite/wxinvite/application"
)

// Config is what the HTTP adapter needs to know about its deployment.
type Config struct {
	// PublicURL is the external base URL, e.g. http://127.0.0.1:8080 (a trailing
	// slash is removed). Invite links, the OAuth redirect_uri and the CSRF origin
	// check use it; an https URL makes cookies Secure.
	PublicURL string
	// AdminToken is the bearer token of /admin/api/*; empty hides the admin API (404).
	AdminToken string
	// SessionSecret keys the cookies; at least 32 bytes. Every instance of one
	// deployment needs the same secret, or sessions only work on the issuing one.
	SessionSecret []byte
	// SessionTTL is how long a login lasts; zero means DefaultSessionTTL.
	SessionTTL time.Duration
	// MetricsElsewhere leaves /metrics off this router: it is served on a separate
	// listener (MetricsHandler) that the public cannot reach.
	MetricsElsewhere bool
	// JSSDKScript is the URL of WeChat's JS-SDK (jweixin) that /me loads to set the
	// share card; empty turns the share card off. Production:
	// https://res.wx.qq.com/open/js/jweixin-1.6.0.js; emulator mode: its own copy.
	JSSDKScript string
	// Location is the time zone of pages and the CSV export (WXINVITE_TIMEZONE);
	// nil means Asia/Shanghai.
	Location *time.Location
}

// DefaultSessionTTL is the session lifetime when Config.SessionTTL is zero.
const DefaultSessionTTL = 30 * 24 * time.Hour

// MinSessionSecret is the shortest accepted Config.SessionSecret.
const MinSessionSecret = 32

// Services are the use cases the routes call.
type Services struct {
	Login       *application.CompleteLoginService
	Me          *application.MeQuery
	Invitees    *application.InviteesQuery
	QRCode      *application.InviteQRCodeService
	Stats       *application.StatsQuery
	Leaderboard *application.LeaderboardQuery
	Invites     *application.InviteListQuery
	// OAuth builds the WeChat authorize URL.
	OAuth application.WeChatOAuth
	// Users is optional: when set, /i/{code} logs which inviter a link names.
	Users application.UserRepository
	// Sessions is optional: when set, a logout ends the session on every instance
	// sharing the store; without it, only on this one.
	Sessions application.SessionRevocations
	// Menu, Poster and Notices are the chat loop; each is optional and its routes
	// answer 404 without it.
	Menu    *application.MenuAdmin
	Poster  *application.PosterService
	Notices *application.Notifier
	// The audit trail and webhooks are optional: without them their routes answer 404.
	People       *application.PeopleQuery
	PersonEvents *application.PersonEventsQuery
	Attempts     *application.AttemptsQuery
	Webhooks     *application.WebhookAdmin
	Deliveries   *application.DeliveriesQuery
	// Share is optional: when set (with Config.JSSDKScript), /me configures the
	// JS-SDK so WeChat's share menu sends the invite link as a card.
	Share *application.ShareConfigQuery
	// Campaigns is optional: without it there is no campaign API.
	Campaigns CampaignServices
}

// Mount is an extra handler another adapter contributes (bootstrap passes
// /wechat/callback and the emulator's /_emulator/ prefix). It gets the same
// middleware: request id, recovery, access log and metrics. A mount named
// "emulator" is linked from the landing page.
type Mount struct {
	Name    string
	Path    string
	Prefix  bool     // match every path under Path
	Methods []string // empty: any method
	Handler http.Handler
}

// Probe reports readiness: the store is reachable and migrated. Its error text is
// shown on /readyz, so it must not contain secrets (URLs with passwords are
// redacted anyway).
type Probe func(ctx context.Context) error

// server holds what the handlers share.
type server struct {
	cfg       Config
	svc       Services
	ready     Probe
	gatherer  prometheus.Gatherer
	log       *slog.Logger
	metrics   *metrics
	cookies   *cookies
	revoked   *expirySet // logged-out session ids
	spent     *expirySet // used OAuth states
	qrcache   *pngCache
	pages     *pages
	origin    string // scheme://host of PublicURL, for the CSRF check
	emulator  string // path of the "emulator" mount, if any
	now       func() time.Time
	renderQR  func(content string) ([]byte, error)
	cspHeader string
	router    *mux.Router // set once built; answers which methods a path allows
	loc       *time.Location

	console *console // the operators' web console at /admin/
}

// NewRouter builds the HTTP handler: every route of the contract plus mounts,
// wrapped in request id, access log, metrics and panic recovery. reg and gatherer
// may be nil, in which case a private registry serves /metrics.
func NewRouter(cfg Config, svc Services, ready Probe, gatherer prometheus.Gatherer, reg prometheus.Registerer, log *slog.Logger, mounts ...Mount) (http.Handler, error) {
	s, err := newServer(cfg, svc, ready, gatherer, reg, log, mounts...)
	if err != nil {
		return nil, err
	}
	return s.handler(mounts)
}

func newServer(cfg Config, svc Services, ready Probe, gatherer prometheus.Gatherer, reg prometheus.Registerer, log *slog.Logger, mounts ...Mount) (*server, error) {
	u, err := url.Parse(strings.TrimRight(cfg.PublicURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("httpadapter: PublicURL %q must be an absolute http(s) URL without query", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if len(cfg.SessionSecret) < MinSessionSecret {
		return nil, fmt.Errorf("httpadapter: SessionSecret must be at least %d bytes, got %d", MinSessionSecret, len(cfg.SessionSecret))
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.SessionTTL < time.Minute {
		return nil, fmt.Errorf("httpadapter: SessionTTL %s is too short", cfg.SessionTTL)
	}
	if svc.Login == nil || svc.Me == nil || svc.Invitees == nil || svc.QRCode == nil || svc.Stats == nil ||
		svc.Leaderboard == nil || svc.Invites == nil || svc.OAuth == nil {
		return nil, errors.New("httpadapter: every service except Users is required")
	}
	if log == nil {
		log = slog.Default()
	}
	if reg == nil && gatherer == nil {
		r := prometheus.NewRegistry()
		reg, gatherer = r, r
	} else if reg == nil || gatherer == nil {
		return nil, errors.New("httpadapter: give both a registerer and a gatherer, or neither")
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	con, err := newConsole(cfg.SessionSecret, reg, cfg.Location)
	if err != nil {
		return nil, err
	}
	s := &server{
		cfg: cfg, svc: svc, ready: ready, gatherer: gatherer, log: log, metrics: m,
		cookies: newCookies(cfg.SessionSecret, u.Scheme == "https", cfg.SessionTTL),
		revoked: newExpirySet(200000), spent: newExpirySet(200000),
		qrcache: newPNGCache(1000), pages: p, console: con,
		origin: u.Scheme + "://" + u.Host,
		now:    time.Now, renderQR: renderQR,
		loc: cfg.Location,
	}
	s.cspHeader = pageCSP(scriptOrigin(cfg.JSSDKScript))
	if s.loc == nil {
		s.loc = defaultLocation()
	}
	for _, mt := range mounts {
		if mt.Handler == nil || !strings.HasPrefix(mt.Path, "/") {
			return nil, fmt.Errorf("httpadapter: mount %q needs a handler and an absolute path", mt.Name)
		}
		if mt.Name == "emulator" {
			s.emulator = mt.Path
		}
	}
	return s, nil
}

func (s *server) handler(mounts []Mount) (http.Handler, error) {
	r := mux.NewRouter()
	r.Use(routeLabel)
	get := []string{http.MethodGet, http.MethodHead}

	r.Handle("/", http.HandlerFunc(s.handleIndex)).Methods(get...)
	r.Handle("/healthz", http.HandlerFunc(s.handleHealthz)).Methods(get...)
	r.Handle("/readyz", http.HandlerFunc(s.handleReadyz)).Methods(get...)
	if !s.cfg.MetricsElsewhere {
		r.Handle("/metrics", s.metricsHandler()).Methods(get...)
	}
	r.PathPrefix("/static/").Handler(s.staticHandler()).Methods(get...)

	r.Handle("/auth/wechat/login", http.HandlerFunc(s.handleLogin)).Methods(get...)
	r.Handle("/auth/wechat/callback", http.HandlerFunc(s.handleCallback)).Methods(get...)
	r.Handle("/auth/logout", http.HandlerFunc(s.handleLogout)).Methods(http.MethodPost)
	r.Handle("/i/{code}", http.HandlerFunc(s.handleInviteLink)).Methods(get...)

	r.Handle("/me", http.HandlerFunc(s.handleMePage)).Methods(get...)
	r.Handle("/me/qrcode.png", http.HandlerFunc(s.handleQRCodePNG)).Methods(get...)
	if s.svc.Poster != nil {
		r.Handle("/me/poster.png", http.HandlerFunc(s.handleMePoster)).Methods(get...)
	}
	if s.svc.Notices != nil {
		r.Handle("/api/me/notices", s.api(s.handleAPINotices)).Methods(get...)
	}

	r.Handle("/api/me", s.api(s.handleAPIMe)).Methods(get...)
	r.Handle("/api/me/invitees", s.api(s.handleAPIInvitees)).Methods(get...)
	r.Handle("/api/me/qrcode", s.api(s.handleAPIQRCode)).Methods(get...)
	r.Handle("/api/me/attempts", s.api(s.handleAPIAttempts)).Methods(get...)

	s.mountConsole(r)

	admin := r.PathPrefix("/admin/api/").Subrouter()
	admin.Use(s.requireAdmin)
	admin.Handle("/stats", http.HandlerFunc(s.handleAdminStats)).Methods(get...)
	admin.Handle("/leaderboard", http.HandlerFunc(s.handleAdminLeaderboard)).Methods(get...)
	admin.Handle("/invites", http.HandlerFunc(s.handleAdminInvites)).Methods(get...)
	admin.Handle("/invites.csv", http.HandlerFunc(s.handleAdminInvitesCSV)).Methods(get...)
	if s.svc.Menu != nil {
		admin.Handle("/menu", http.HandlerFunc(s.handleAdminMenuGet)).Methods(get...)
		admin.Handle("/menu", http.HandlerFunc(s.handleAdminMenuPut)).Methods(http.MethodPut)
	}
	s.campaignRoutes(admin)
	hookRoutes(admin, s, get)
	admin.NotFoundHandler = http.HandlerFunc(s.handleNotFound)
	admin.MethodNotAllowedHandler = http.HandlerFunc(s.handleMethodNotAllowed)

	for _, mt := range mounts {
		var rt *mux.Route
		if mt.Prefix {
			rt = r.PathPrefix(mt.Path).Handler(mt.Handler)
		} else {
			rt = r.Handle(mt.Path, mt.Handler)
		}
		if len(mt.Methods) > 0 {
			rt.Methods(mt.Methods...)
		}
		if err := rt.GetError(); err != nil {
			return nil, fmt.Errorf("httpadapter: mount %q: %w", mt.Name, err)
		}
	}
	r.NotFoundHandler = http.HandlerFunc(s.handleNotFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(s.handleMethodNotAllowed)
	s.metrics.preset(r)
	s.router = r

	return s.observe(recoverPanics(securityHeaders(r))), nil
}
