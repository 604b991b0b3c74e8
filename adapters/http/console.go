package httpadapter

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/gorilla/securecookie"
	"github.com/prometheus/client_golang/prometheus"
)

// Console cookies: the operator's session and the sign-in form's CSRF nonce. Both
// travel only to /admin/ and only from this site (SameSite=Strict).
const (
	consoleCookie     = "wxinvite_console"
	consolePreCookie  = "wxinvite_console_pre"
	consoleCookiePath = "/admin/"
)

// Console lifetimes.
const (
	// ConsoleSessionTTL is how long an operator stays signed in.
	ConsoleSessionTTL = 12 * time.Hour
	consolePreTTL     = time.Hour
	// consoleWrongTokenDelay slows every wrong admin token down. It is a plain
	// sleep in the request, not a lock: a cluster has no shared lock to honour, and
	// the token's entropy is the real defence; the delay only makes guessing dear.
	consoleWrongTokenDelay = time.Second
)

// consoleMaxBody bounds a console POST: a 2 MiB poster background or a long list of
// redeem codes, with room for the form around it.
const consoleMaxBody = 8 << 20

// console is the state of the operators' web console at /admin/.
type console struct {
	pages   *consolePages
	loc     *time.Location // the deployment's zone (WXINVITE_TIMEZONE)
	session *securecookie.SecureCookie
	pre     *securecookie.SecureCookie
	signins *prometheus.CounterVec
	sleep   func(r *http.Request, d time.Duration) // tests record instead of waiting
	dash    *dashMemo
	// dashReads times every fresh read of the dashboard's figures (a memo miss), so
	// an operator sees what a miss costs and how often the memo spares one.
	dashReads prometheus.Histogram
}

func newConsole(secret []byte, reg prometheus.Registerer, loc *time.Location) (*console, error) {
	if loc == nil {
		loc = defaultLocation()
	}
	p, err := loadConsolePages(loc)
	if err != nil {
		return nil, err
	}
	codec := func(label string, ttl time.Duration) *securecookie.SecureCookie {
		c := securecookie.New(deriveKey(secret, label+"-hash"), deriveKey(secret, label+"-block")[:32])
		c.SetSerializer(securecookie.JSONEncoder{})
		c.MaxAge(int((ttl + time.Minute) / time.Second))
		return c
	}
	signins := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wxinvite_console_signins_total",
		Help: "Console sign-in attempts by result (ok, wrong_token, csrf).",
	}, []string{"result"})
	if err := register(reg, &signins); err != nil {
		return nil, err
	}
	for _, res := range []string{"ok", "wrong_token", "csrf"} {
		signins.WithLabelValues(res) // present at zero, so rate() alerts work from the start
	}
	dashReads := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "wxinvite_console_dashboard_read_seconds",
		Help:    "Fresh reads of the console dashboard's figures (misses of the per-instance memo) and how long each took.",
		Buckets: []float64{.01, .025, .05, .075, .1, .25, .5, 1, 2.5},
	})
	if err := register(reg, &dashReads); err != nil {
		return nil, err
	}
	return &console{
		pages: p, loc: loc, session: codec("console", ConsoleSessionTTL), pre: codec("console-pre", consolePreTTL),
		signins: signins, sleep: sleepRequest, dash: newDashMemo(), dashReads: dashReads,
	}, nil
}

// sleepRequest waits d or until the client goes away.
func sleepRequest(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// mountConsole adds the console's routes to r. With no admin token configured the
// console does not exist (404), like the admin API.
func (s *server) mountConsole(r *mux.Router) {
	get := []string{http.MethodGet, http.MethodHead}
	post := []string{http.MethodPost}
	r.Handle("/admin", http.RedirectHandler("/admin/", http.StatusMovedPermanently)).Methods(get...)
	r.Handle("/admin/signin", s.consoleOpen(s.handleConsoleSignInPage)).Methods(get...)
	r.Handle("/admin/signin", s.consoleOpen(s.handleConsoleSignIn)).Methods(post...)
	r.Handle("/admin/signout", s.consoleAuth(s.handleConsoleSignOut)).Methods(post...)
	r.Handle("/admin/", s.consoleAuth(s.handleConsoleDashboard)).Methods(get...)
	r.Handle("/admin/invites", s.consoleAuth(s.handleConsoleInvites)).Methods(get...)
	r.Handle("/admin/invites.csv", s.consoleAuth(s.handleConsoleInvitesCSV)).Methods(get...)
	if s.svc.Campaigns.Query != nil {
		s.mountConsoleCampaigns(r, get, post)
	}
	if s.svc.People != nil && s.svc.PersonEvents != nil {
		r.Handle("/admin/people", s.consoleAuth(s.handleConsolePeople)).Methods(get...)
		r.Handle("/admin/people/{id:[0-9]+}", s.consoleAuth(s.handleConsolePerson)).Methods(get...)
	}
	if s.svc.Webhooks != nil && s.svc.Deliveries != nil {
		r.Handle("/admin/webhooks", s.consoleAuth(s.handleConsoleWebhooks)).Methods(get...)
		r.Handle("/admin/webhooks", s.consoleAuth(s.handleConsoleWebhookCreate)).Methods(post...)
		r.Handle("/admin/webhooks/{id:[0-9]+}/delete", s.consoleAuth(s.handleConsoleWebhookDelete)).Methods(post...)
		r.Handle("/admin/webhooks/{id:[0-9]+}/deliveries", s.consoleAuth(s.handleConsoleDeliveries)).Methods(get...)
		r.Handle("/admin/webhooks/{id:[0-9]+}/deliveries/{delivery:[0-9]+}/retry", s.consoleAuth(s.handleConsoleRetry)).Methods(post...)
	}
	if s.svc.Menu != nil {
		r.Handle("/admin/menu", s.consoleAuth(s.handleConsoleMenu)).Methods(get...)
		r.Handle("/admin/menu", s.consoleAuth(s.handleConsoleMenuSave)).Methods(post...)
	}
}

// consoleOpen serves a console route that needs no session (sign-in).
func (s *server) consoleOpen(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.AdminToken == "" {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	})
}

// consoleHandler is a console route's handler; it gets the operator's session.
type consoleHandler func(w http.ResponseWriter, r *http.Request, cs consoleSession)

// consoleAuth serves a console route that needs a signed-in operator. Without a
// session, pages redirect to sign-in; every POST must carry the session's CSRF
// token (and, when the browser sends one, a same-origin Origin header).
func (s *server) consoleAuth(h consoleHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.AdminToken == "" {
			http.NotFound(w, r)
			return
		}
		cs, ok := s.readConsoleSession(r)
		if !ok {
			next := "/admin/"
			if (r.Method == http.MethodGet || r.Method == http.MethodHead) && len(r.URL.RequestURI()) < 1024 {
				next = r.URL.RequestURI()
			}
			http.Redirect(w, r, "/admin/signin?next="+queryEscapePath(next), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, consoleMaxBody)
		}
		if r.Method == http.MethodPost && !s.consoleCSRFOK(r, cs) {
			LoggerFrom(r.Context()).Warn("console post without a valid csrf token refused")
			s.renderConsoleError(w, r, cs, http.StatusForbidden, "请求已失效", "页面停留太久或来自其他网站，请刷新后重试。", nil)
			return
		}
		h(w, r, cs)
	})
}

// mountConsoleCampaigns adds the campaign and reward pages.
func (s *server) mountConsoleCampaigns(r *mux.Router, get, post []string) {
	r.Handle("/admin/campaigns", s.consoleAuth(s.handleConsoleCampaigns)).Methods(get...)
	r.Handle("/admin/campaigns", s.consoleAuth(s.handleConsoleCampaignCreate)).Methods(post...)
	r.Handle("/admin/campaigns/new", s.consoleAuth(s.handleConsoleCampaignNew)).Methods(get...)
	r.Handle("/admin/campaigns/{id:[0-9]+}", s.consoleAuth(s.handleConsoleCampaign)).Methods(get...)
	r.Handle("/admin/campaigns/{id:[0-9]+}", s.consoleAuth(s.handleConsoleCampaignUpdate)).Methods(post...)
	r.Handle("/admin/campaigns/{id:[0-9]+}/end", s.consoleAuth(s.handleConsoleCampaignEnd)).Methods(post...)
	r.Handle("/admin/campaigns/{id:[0-9]+}/tiers/{tier:[0-9]+}/codes", s.consoleAuth(s.handleConsoleCodes)).Methods(post...)
	r.Handle("/admin/campaigns/{id:[0-9]+}/poster", s.consoleAuth(s.handleConsolePoster)).Methods(get...)
	r.Handle("/admin/campaigns/{id:[0-9]+}/poster", s.consoleAuth(s.handleConsolePosterLayout)).Methods(post...)
	r.Handle("/admin/campaigns/{id:[0-9]+}/poster/background", s.consoleAuth(s.handleConsolePosterBackground)).Methods(post...)
	r.Handle("/admin/campaigns/{id:[0-9]+}/poster/preview.png", s.consoleAuth(s.handleConsolePosterPreview)).Methods(get...)
	r.Handle("/admin/rewards", s.consoleAuth(s.handleConsoleRewards)).Methods(get...)
	r.Handle("/admin/rewards.csv", s.consoleAuth(s.handleConsoleRewardsCSV)).Methods(get...)
	r.Handle("/admin/rewards/fulfil", s.consoleAuth(s.handleConsoleFulfil)).Methods(post...)
	r.Handle("/admin/rewards/{id:[0-9]+}/fulfil", s.consoleAuth(s.handleConsoleFulfil)).Methods(post...)
}
