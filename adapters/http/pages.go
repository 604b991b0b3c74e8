package httpadapter

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageCSP allows only our own scripts and styles (plus the JS-SDK's host, when it
// is not ours) and no inline code; images may come from WeChat's avatar host;
// fetches only to ourselves (the emulator's JS-SDK checks wx.config there).
func pageCSP(sdkOrigin string) string {
	script := "'self'"
	if sdkOrigin != "" {
		script += " " + sdkOrigin
	}
	return "default-src 'none'; script-src " + script + "; style-src 'self'; img-src 'self' https: http: data:; " +
		"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// defaultLocation is the pages' and the CSV's time zone when Config.Location is
// nil: Asia/Shanghai, or the same fixed +08:00 where no tzdata is installed.
func defaultLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

type pages struct {
	t map[string]*template.Template
}

func loadPages() (*pages, error) {
	p := &pages{t: map[string]*template.Template{}}
	for _, name := range []string{"index.html", "me.html", "error.html"} {
		t, err := template.ParseFS(templateFS, "templates/base.html", "templates/"+name)
		if err != nil {
			return nil, err
		}
		p.t[name] = t
	}
	return p, nil
}

// staticHandler serves the embedded files; a missing file or a directory gets the
// product's own 404 page (no listings).
func (s *server) staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if st, err := fs.Stat(sub, name); err != nil || st.IsDir() || !fs.ValidPath(name) {
			s.pageNotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// render executes a page into a buffer first, so a template error becomes a clean
// 500 instead of half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var b bytes.Buffer
	if err := s.pages.t[name].ExecuteTemplate(&b, name, data); err != nil {
		LoggerFrom(r.Context()).Error("render page", "page", name, "err", err)
		http.Error(w, "服务器内部错误，请稍后再试", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", s.cspHeader)
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

type errorPage struct {
	Title, Message, Retry string
}

// renderError shows a page for a failure; err (may be nil) is logged, never shown.
func (s *server) renderError(w http.ResponseWriter, r *http.Request, status int, title, msg, retry string, err error) {
	if err != nil {
		logFailure(r, status, err)
	}
	s.render(w, r, status, "error.html", errorPage{Title: title, Message: msg, Retry: retry})
}

func (s *server) handleIndex(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "index.html", struct{ Title, Emulator string }{"邀请好友", s.emulator})
}

type inviteeRow struct {
	Name, Channel, ChannelLabel, When, ISO string
	Status, StatusZh, Reason               string // set while a campaign counts the invite
}

type mePage struct {
	Title     string
	Name      string
	AvatarURL string
	Initial   string
	InvitedBy string
	InviteURL string
	Count     int
	Invitees  []inviteeRow
	NextURL   string
	Paged     bool
	CSRF      string
	// Chat loop: deferred notices (waiting for the next chat interaction) and
	// whether the poster route is on.
	Notices  []noticeRow
	Poster   bool
	Share    *shareCard
	Follow   *followPrompt
	Campaign *meCampaign // nil: no campaign runs (the page stays as without campaigns)
	Attempts []meAttempt // friends who came and did not count, and why
}

// httpsAvatar upgrades WeChat's http avatar URLs (the host serves https too) so
// an https page shows no mixed content.
func httpsAvatar(u string) string {
	if rest, ok := strings.CutPrefix(u, "http://"); ok {
		host, _, _ := strings.Cut(rest, "/")
		if host == "qlogo.cn" || strings.HasSuffix(host, ".qlogo.cn") {
			return "https://" + rest
		}
	}
	return u
}

func channelLabel(c domain.Channel) string {
	if c == domain.ChannelScan {
		return "扫码"
	}
	return "链接"
}

// handleMePage is the personal centre. Without a session it sends the visitor to
// login and back.
func (s *server) handleMePage(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.readSession(r)
	if !ok {
		http.Redirect(w, r, loginPath(defaultNext), http.StatusFound)
		return
	}
	cursor := r.URL.Query().Get("cursor")
	page, err := application.NewPage(0, cursor)
	if err != nil {
		s.renderError(w, r, statusOf(err), "链接无效", "这一页的地址不完整，请回到个人中心。", "/me", err)
		return
	}
	m, err := s.svc.Me.Me(r.Context(), domain.UserID(sess.UID))
	if err != nil {
		if statusOf(err) == http.StatusNotFound { // the session outlived its user
			s.cookies.clear(w, sessionCookie, "/")
			http.Redirect(w, r, loginPath(defaultNext), http.StatusFound)
			return
		}
		s.renderError(w, r, statusOf(err), "页面暂时无法打开", "请稍后刷新重试。", "/me", err)
		return
	}
	items, next, err := s.svc.Invitees.Invitees(r.Context(), m.User.ID, page)
	if err != nil {
		s.renderError(w, r, statusOf(err), "页面暂时无法打开", "请稍后刷新重试。", "/me", err)
		return
	}
	name := m.User.DisplayName()
	initial, _ := utf8.DecodeRuneInString(name)
	data := mePage{
		Title: "我的邀请", Name: name, AvatarURL: httpsAvatar(m.User.AvatarURL), Initial: string(initial),
		InviteURL: s.inviteURL(m.User.InviteCode), Count: m.InviteeCount, Paged: cursor != "",
		CSRF:   s.cookies.csrfToken(sess),
		Share:  s.shareFor(r, m.User),
		Follow: s.followFor(r, m.User),
	}
	data.Campaign = s.meCampaignFor(r, m.User.ID)
	data.Attempts = s.meAttemptsFor(r, m.User.ID)
	if m.InvitedBy != nil {
		data.InvitedBy = m.InvitedBy.DisplayName()
	}
	for _, it := range items {
		data.Invitees = append(data.Invitees, inviteeRow{
			Name: displayName(it.OpenID, it.Nickname), Channel: string(it.Channel), ChannelLabel: channelLabel(it.Channel),
			When: it.JoinedAt.In(s.loc).Format("2006-01-02 15:04"), ISO: apiTime(it.JoinedAt),
		})
		data.Invitees[len(data.Invitees)-1].setStatus(it.StatusAsOf(s.now()))
	}
	if !next.IsZero() {
		data.NextURL = "/me?cursor=" + url.QueryEscape(next.Encode())
	}
	data.Notices, data.Poster = s.deferredNotices(r, m.User.ID), s.svc.Poster != nil
	s.render(w, r, http.StatusOK, "me.html", data)
}
