package httpadapter

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

// fakeOAuth is WeChat web OAuth: codes registered by the test are one-time.
type fakeOAuth struct {
	mu       sync.Mutex
	ids      map[string]application.OAuthIdentity
	profiles map[string]domain.Profile
	down     bool
}

func newFakeOAuth() *fakeOAuth {
	return &fakeOAuth{ids: map[string]application.OAuthIdentity{}, profiles: map[string]domain.Profile{}}
}

func (f *fakeOAuth) AuthorizeURL(redirectURI, state string) string {
	v := url.Values{"appid": {"wxtest"}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"snsapi_userinfo"}, "state": {state}}
	return "https://open.weixin.qq.com/connect/oauth2/authorize?" + v.Encode() + "#wechat_redirect"
}

func (f *fakeOAuth) Exchange(ctx context.Context, code string) (application.OAuthIdentity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return application.OAuthIdentity{}, application.Errorf(application.KindUnavailable, "wechat_unavailable", nil, "wechat is down")
	}
	id, ok := f.ids[code]
	if !ok {
		return application.OAuthIdentity{}, application.Errorf(application.KindInvalid, "invalid_oauth_code", nil, "unknown code")
	}
	delete(f.ids, code)
	return id, nil
}

func (f *fakeOAuth) Profile(ctx context.Context, id application.OAuthIdentity) (domain.Profile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.profiles[id.OpenID], nil
}

// code registers a one-time code for openid with a nickname.
func (f *fakeOAuth) code(openid, nickname string, snapshot bool) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := "code-" + randomHex(8)
	f.ids[c] = application.OAuthIdentity{OpenID: openid, Scope: "snsapi_userinfo", AccessToken: "uat", Snapshot: snapshot}
	f.profiles[openid] = domain.Profile{Nickname: nickname, AvatarURL: "http://thirdwx.qlogo.cn/mmopen/" + openid + "/132"}
	return c
}

// fakeQR is WeChat's qrcode/create.
type fakeQR struct {
	mu    sync.Mutex
	calls int
	fail  bool
}

func (f *fakeQR) CreateQRCode(ctx context.Context, req domain.QRRequest) (application.IssuedQRCode, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail {
		return application.IssuedQRCode{}, application.Errorf(application.KindUnavailable, "wechat_unavailable", nil, "wechat is down")
	}
	return application.IssuedQRCode{Ticket: fmt.Sprintf("ticket-%d", f.calls), URL: "http://weixin.qq.com/q/" + req.Scene.String(), ExpiresIn: req.Lifetime}, nil
}

func (f *fakeQR) ImageURL(ticket string) string {
	return "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=" + url.QueryEscape(ticket)
}

func (f *fakeQR) setFail(v bool) { f.mu.Lock(); f.fail = v; f.mu.Unlock() }
func (f *fakeQR) count() int     { f.mu.Lock(); defer f.mu.Unlock(); return f.calls }

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// tickingClock returns a later instant on every call, so records have distinct times.
type tickingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type env struct {
	t        *testing.T
	store    *memory.Store
	srv      *server
	ts       *httptest.Server
	oauth    *fakeOAuth
	qr       *fakeQR
	clock    *fakeClock
	reg      *prometheus.Registry
	logs     *syncBuffer
	mu       sync.Mutex
	readyErr error
}

type envOpt struct {
	adminToken string
	policy     *application.QRPolicy
	mounts     []Mount
	store      *memory.Store           // shared with another env: two instances on one database
	menus      application.WeChatMenus // set: the menu admin routes are on
	// services, when set, adds or replaces services before the router is built.
	services func(svc *Services, store *memory.Store, clock application.Clock)
	location *time.Location
	jssdk    string // Config.JSSDKScript; with it, Services.Share signs with fakeJSSDK
}

// fakeJSSDK signs the way the JS-SDK rules say (the wechat adapter is not imported
// here), with a fixed ticket.
type fakeJSSDK struct{ ticket string }

func (f fakeJSSDK) SignPage(_ context.Context, pageURL string, ts int64, nonce string) (application.PageSignature, error) {
	return application.PageSignature{AppID: "wxfake", Timestamp: ts, NonceStr: nonce, Signature: jssdkSign(f.ticket, nonce, ts, pageURL)}, nil
}

func jssdkSign(ticket, nonce string, ts int64, pageURL string) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s", ticket, nonce, ts, pageURL)))
	return hex.EncodeToString(sum[:])
}

var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

func newEnv(t *testing.T, opt envOpt) *env {
	t.Helper()
	store := opt.store
	if store == nil {
		store = memory.New()
	}
	e := &env{t: t, store: store, oauth: newFakeOAuth(), qr: &fakeQR{},
		clock: &fakeClock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}, reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	appClock := &tickingClock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	users, invites, codes := e.store.Users(), e.store.Invites(), e.store.QRCodes()
	join := application.NewJoinService(e.store, users, invites, appClock, application.SystemRandom)
	policy := application.DefaultQRPolicy
	if opt.policy != nil {
		policy = *opt.policy
	}
	svc := Services{
		Login:       application.NewCompleteLoginService(e.oauth, join),
		Me:          application.NewMeQuery(users, invites),
		Invitees:    application.NewInviteesQuery(invites),
		QRCode:      application.NewInviteQRCodeService(users, codes, e.qr, appClock, policy),
		Stats:       application.NewStatsQuery(users, invites),
		Leaderboard: application.NewLeaderboardQuery(invites),
		Invites:     application.NewInviteListQuery(invites),
		OAuth:       e.oauth,
		Users:       users,
		Sessions:    e.store.Sessions(),
		Campaigns:   campaignServicesFor(e.store, e.clock),
	}
	if opt.menus != nil {
		svc.Menu = application.NewMenuAdmin(opt.menus)
	}
	if opt.jssdk != "" {
		svc.Share = application.NewShareConfigQuery(fakeJSSDK{ticket: "fake-ticket"}, application.ClockFunc(e.clock.Now), nil)
	}
	if opt.services != nil {
		opt.services(&svc, e.store, appClock)
	}
	e.ts = httptest.NewUnstartedServer(nil)
	cfg := Config{PublicURL: "http://" + e.ts.Listener.Addr().String() + "/", AdminToken: opt.adminToken, SessionSecret: testSecret, Location: opt.location, JSSDKScript: opt.jssdk}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	probe := func(ctx context.Context) error { e.mu.Lock(); defer e.mu.Unlock(); return e.readyErr }
	srv, err := newServer(cfg, svc, probe, e.reg, e.reg, log, opt.mounts...)
	if err != nil {
		t.Fatal(err)
	}
	srv.now = e.clock.Now
	h, err := srv.handler(opt.mounts)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.ts.Config.Handler = h
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	return e
}

func (e *env) setReady(err error) { e.mu.Lock(); e.readyErr = err; e.mu.Unlock() }

// browser is a client with a cookie jar that does not follow redirects.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// plain is a client without cookies.
func (e *env) plain() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type resp struct {
	status int
	header http.Header
	body   string
	cookie map[string]*http.Cookie
}

func (e *env) do(c *http.Client, method, path string, hdr map[string]string, body io.Reader) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, body: string(b), cookie: map[string]*http.Cookie{}}
	for _, ck := range res.Cookies() {
		r.cookie[ck.Name] = ck
	}
	return r
}

func (e *env) get(c *http.Client, path string) resp { return e.do(c, http.MethodGet, path, nil, nil) }

// startLogin runs GET /auth/wechat/login and returns the state WeChat would echo.
func (e *env) startLogin(c *http.Client, next string) (state string, r resp) {
	e.t.Helper()
	path := "/auth/wechat/login"
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	r = e.get(c, path)
	if r.status != http.StatusFound {
		e.t.Fatalf("login: status %d, want 302", r.status)
	}
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Query().Get("state"), r
}

// login runs the whole OAuth round trip for openid and returns the final response.
func (e *env) login(c *http.Client, openid, nickname, next string) resp {
	e.t.Helper()
	state, _ := e.startLogin(c, next)
	code := e.oauth.code(openid, nickname, false)
	return e.get(c, "/auth/wechat/callback?"+url.Values{"code": {code}, "state": {state}}.Encode())
}

// loggedIn returns a browser logged in as openid, and the user.
func (e *env) loggedIn(openid, nickname string) (*http.Client, domain.User) {
	e.t.Helper()
	c := e.browser()
	r := e.login(c, openid, nickname, "")
	if r.status != http.StatusFound || r.header.Get("Location") != "/me" {
		e.t.Fatalf("login %s: status %d location %q body %s", openid, r.status, r.header.Get("Location"), r.body)
	}
	u, err := e.store.Users().ByOpenID(context.Background(), openid)
	if err != nil {
		e.t.Fatal(err)
	}
	return c, u
}

func (e *env) jsonOf(r resp) map[string]any {
	e.t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		e.t.Fatalf("not JSON (status %d): %v: %s", r.status, err, r.body)
	}
	return m
}

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func sortedKeys(list ...string) string {
	sort.Strings(list)
	return strings.Join(list, ",")
}

// wantAPIError checks the JSON error shape and code.
func (e *env) wantAPIError(r resp, status int, code string) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	m := e.jsonOf(r)
	if keys(m) != "error" {
		e.t.Fatalf("error body keys %q: %s", keys(m), r.body)
	}
	inner, _ := m["error"].(map[string]any)
	if keys(inner) != "code,message" || inner["code"] != code {
		e.t.Fatalf("error %v, want code %q", inner, code)
	}
}

func sessionValue(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	return ""
}
