package httpadapter

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/wxinvite/wxinvite/adapters/memory"
	"github.com/wxinvite/wxinvite/application"
	"github.com/wxinvite/wxinvite/domain"
)

func TestLoginRedirectBindsStateToBrowser(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.browser()
	state, r := e.startLogin(c, "/me?tab=1")
	loc, _ := url.Parse(r.header.Get("Location"))
	if loc.Host != "open.weixin.qq.com" || loc.Path != "/connect/oauth2/authorize" || loc.Fragment != "wechat_redirect" {
		t.Fatalf("location %s", loc)
	}
	q := loc.Query()
	if q.Get("redirect_uri") != e.ts.URL+"/auth/wechat/callback" {
		t.Fatalf("redirect_uri %q", q.Get("redirect_uri"))
	}
	if q.Get("scope") != "snsapi_userinfo" || q.Get("response_type") != "code" {
		t.Fatalf("query %v", q)
	}
	if len(state) != 64 || strings.Trim(state, "0123456789abcdef") != "" {
		t.Fatalf("state %q is not 32 random bytes in hex", state)
	}
	ck := r.cookie[oauthCookie]
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != oauthCookiePath || ck.MaxAge != 600 {
		t.Fatalf("oauth cookie %+v", ck)
	}
	var p oauthPending
	if err := e.srv.cookies.oauth.Decode(oauthCookie, ck.Value, &p); err != nil {
		t.Fatal(err)
	}
	if p.State != state || p.Next != "/me?tab=1" || p.Exp != e.clock.Now().Add(10*time.Minute).Unix() {
		t.Fatalf("cookie content %+v, state %s", p, state)
	}
	// A second login gets a different state.
	if s2, _ := e.startLogin(c, ""); s2 == state {
		t.Fatal("state reused across logins")
	}
}

func TestCallbackSetsSessionCookie(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.browser()
	state, _ := e.startLogin(c, "")
	r := e.get(c, "/auth/wechat/callback?code="+e.oauth.code("openid_alice", "Alice", false)+"&state="+state)
	if r.status != http.StatusFound || r.header.Get("Location") != "/me" {
		t.Fatalf("status %d location %q", r.status, r.header.Get("Location"))
	}
	ck := r.cookie[sessionCookie]
	if ck == nil || !ck.HttpOnly || ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge != int(DefaultSessionTTL/time.Second) {
		t.Fatalf("session cookie %+v", ck)
	}
	if oc := r.cookie[oauthCookie]; oc == nil || oc.MaxAge >= 0 {
		t.Fatalf("oauth cookie not cleared: %+v", oc)
	}
	var s session
	if err := e.srv.cookies.session.Decode(sessionCookie, ck.Value, &s); err != nil || s.UID != 1 || s.SID == "" || s.IAT != e.clock.Now().Unix() {
		t.Fatalf("session %+v err %v", s, err)
	}
	if r := e.get(c, "/api/me"); r.status != http.StatusOK {
		t.Fatalf("/api/me after login: %d", r.status)
	}
	if strings.Contains(e.logs.String(), "openid_alice") {
		t.Fatal("openid logged in clear")
	}
	// The same hash under the same key as the scan path, so one person can be followed.
	if want := `"openid_hash":"` + application.OpenIDHash("openid_alice") + `"`; !strings.Contains(e.logs.String(), want) {
		t.Fatalf("the login log lacks %s:\n%s", want, e.logs.String())
	}
}

func TestSecureCookiesOnHTTPS(t *testing.T) {
	c := newCookies(testSecret, true, time.Hour)
	rec := &headerRecorder{h: http.Header{}}
	if err := c.set(rec, c.session, sessionCookie, "/", session{UID: 1, SID: "x", IAT: 1}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.h.Get("Set-Cookie"), "Secure") {
		t.Fatalf("cookie not Secure: %s", rec.h.Get("Set-Cookie"))
	}
}

type headerRecorder struct{ h http.Header }

func (h *headerRecorder) Header() http.Header         { return h.h }
func (h *headerRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (h *headerRecorder) WriteHeader(int)             {}

func wantExpiredPage(t *testing.T, r resp) {
	t.Helper()
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "登录已过期，请重新打开链接") ||
		!strings.Contains(r.body, `href="/auth/wechat/login?next=`) {
		t.Fatalf("status %d body %s", r.status, r.body)
	}
	if r.cookie[sessionCookie] != nil {
		t.Fatal("session cookie set on a refused callback")
	}
}

func TestCallbackRefusesBadState(t *testing.T) {
	e := newEnv(t, envOpt{})
	t.Run("no cookie", func(t *testing.T) {
		r := e.get(e.browser(), "/auth/wechat/callback?code="+e.oauth.code("o1", "A", false)+"&state=abc")
		wantExpiredPage(t, r)
	})
	t.Run("mismatch", func(t *testing.T) {
		c := e.browser()
		state, _ := e.startLogin(c, "")
		wrong := strings.Repeat("0", len(state))
		wantExpiredPage(t, e.get(c, "/auth/wechat/callback?code="+e.oauth.code("o2", "B", false)+"&state="+wrong))
	})
	t.Run("missing state", func(t *testing.T) {
		c := e.browser()
		e.startLogin(c, "")
		wantExpiredPage(t, e.get(c, "/auth/wechat/callback?code="+e.oauth.code("o3", "C", false)))
	})
	t.Run("other browser's cookie", func(t *testing.T) {
		a, b := e.browser(), e.browser()
		stateA, _ := e.startLogin(a, "")
		e.startLogin(b, "")
		wantExpiredPage(t, e.get(b, "/auth/wechat/callback?code="+e.oauth.code("o4", "D", false)+"&state="+stateA))
	})
	t.Run("forged cookie", func(t *testing.T) {
		other := newCookies([]byte("another-secret-another-secret-another"), false, time.Hour)
		val, err := other.oauth.Encode(oauthCookie, oauthPending{State: "s", Next: "/me", Exp: e.clock.Now().Add(time.Minute).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		r := e.do(e.plain(), "GET", "/auth/wechat/callback?code="+e.oauth.code("o5", "E", false)+"&state=s",
			map[string]string{"Cookie": oauthCookie + "=" + val}, nil)
		wantExpiredPage(t, r)
	})
}

func TestCallbackRefusesReusedState(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.browser()
	state, r := e.startLogin(c, "")
	oauthValue := r.cookie[oauthCookie].Value
	first := e.get(c, "/auth/wechat/callback?code="+e.oauth.code("o_reuse", "A", false)+"&state="+state)
	if first.status != http.StatusFound {
		t.Fatalf("first use: %d", first.status)
	}
	// The browser's cookie is gone; an attacker replaying the old cookie value with
	// the same state and a fresh code is refused by the server too.
	second := e.do(e.plain(), "GET", "/auth/wechat/callback?code="+e.oauth.code("o_other", "B", false)+"&state="+state,
		map[string]string{"Cookie": oauthCookie + "=" + oauthValue}, nil)
	wantExpiredPage(t, second)
	if _, err := e.store.Users().ByOpenID(context.Background(), "o_other"); err == nil {
		t.Fatal("reused state created a user")
	}
}

func TestCallbackRefusesExpiredState(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.browser()
	state, _ := e.startLogin(c, "")
	e.clock.Advance(10*time.Minute + time.Second)
	wantExpiredPage(t, e.get(c, "/auth/wechat/callback?code="+e.oauth.code("o_late", "A", false)+"&state="+state))
}

func TestCallbackJustBeforeExpiryWorks(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.browser()
	state, _ := e.startLogin(c, "")
	e.clock.Advance(9 * time.Minute)
	if r := e.get(c, "/auth/wechat/callback?code="+e.oauth.code("o_ok", "A", false)+"&state="+state); r.status != http.StatusFound {
		t.Fatalf("status %d", r.status)
	}
}

func TestCallbackErrorsMapToPages(t *testing.T) {
	e := newEnv(t, envOpt{})
	cases := []struct {
		name   string
		code   func() string
		down   bool
		status int
		text   string
	}{
		{"unknown code", func() string { return "nope" }, false, 400, "登录失败"},
		{"empty code", func() string { return "" }, false, 400, "登录失败"},
		{"snapshot visitor", func() string { return e.oauth.code("o_snap", "", true) }, false, 403, "请在微信中打开"},
		{"wechat down", func() string { return e.oauth.code("o_down", "", false) }, true, 503, "微信暂时无法访问"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.browser()
			state, _ := e.startLogin(c, "")
			code := tc.code()
			e.oauth.mu.Lock()
			e.oauth.down = tc.down
			e.oauth.mu.Unlock()
			defer func() { e.oauth.mu.Lock(); e.oauth.down = false; e.oauth.mu.Unlock() }()
			r := e.get(c, "/auth/wechat/callback?code="+url.QueryEscape(code)+"&state="+state)
			if r.status != tc.status || !strings.Contains(r.body, tc.text) || r.cookie[sessionCookie] != nil {
				t.Fatalf("status %d (want %d) body %s", r.status, tc.status, r.body)
			}
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("content type %q", r.header.Get("Content-Type"))
			}
		})
	}
}

func TestSafeNext(t *testing.T) {
	cases := map[string]string{
		"":                              "/me",
		"/me":                           "/me",
		"/me?x=1":                       "/me?x=1",
		"/me?cursor=abc#top":            "/me?cursor=abc#top",
		"//evil.com":                    "/me",
		"///evil.com":                   "/me",
		"https://evil.com":              "/me",
		"http:/evil.com":                "/me",
		`/\evil.com`:                    "/me",
		`\\evil.com`:                    "/me",
		"%2F%2Fevil.com":                "/me",
		"/%2Fevil.com":                  "/me",
		"/%5Cevil.com":                  "/me",
		"/%5cevil.com":                  "/me",
		"javascript:alert(1)":           "/me",
		"/me\r\nSet-Cookie: x=1":        "/me",
		"/me\tx":                        "/me",
		"/me%0d%0aX: y":                 "/me",
		"/%zz":                          "/me",
		"me":                            "/me",
		"/" + strings.Repeat("a", 3000): "/me",
	}
	for in, want := range cases {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCallbackRedirectsOnlyToSameOrigin(t *testing.T) {
	e := newEnv(t, envOpt{})
	cases := []struct{ next, want string }{
		{"//evil.com", "/me"},
		{"https://evil.com", "/me"},
		{`/\evil.com`, "/me"},
		{"%2F%2Fevil.com", "/me"},
		{"/%5Cevil.com", "/me"},
		{"javascript:alert(1)", "/me"},
		{"/me\x00x", "/me"},
		{"/me?x=1", "/me?x=1"},
	}
	for i, tc := range cases {
		t.Run(tc.next, func(t *testing.T) {
			r := e.login(e.browser(), "o_next_"+string(rune('a'+i)), "N", tc.next)
			if r.status != http.StatusFound || r.header.Get("Location") != tc.want {
				t.Fatalf("next %q: status %d location %q, want %q", tc.next, r.status, r.header.Get("Location"), tc.want)
			}
		})
	}
}

func TestInviteLinkThenLoginRecordsInvite(t *testing.T) {
	e := newEnv(t, envOpt{})
	_, alice := e.loggedIn("o_alice", "Alice")
	bob := e.browser()
	r := e.get(bob, "/i/"+alice.InviteCode)
	if r.status != http.StatusFound || r.header.Get("Location") != "/auth/wechat/login?next=/me" {
		t.Fatalf("status %d location %q", r.status, r.header.Get("Location"))
	}
	ck := r.cookie[inviteCookie]
	if ck == nil || !ck.HttpOnly || ck.MaxAge != 3600 || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("invite cookie %+v", ck)
	}
	if strings.Contains(ck.Value, alice.InviteCode) {
		t.Fatal("invite cookie carries the code in clear")
	}
	final := e.login(bob, "o_bob", "Bob", "/me")
	if final.status != http.StatusFound || final.header.Get("Location") != "/me" {
		t.Fatalf("login: %d %q", final.status, final.header.Get("Location"))
	}
	if ic := final.cookie[inviteCookie]; ic == nil || ic.MaxAge >= 0 {
		t.Fatalf("invite cookie not cleared: %+v", ic)
	}
	b, _ := e.store.Users().ByOpenID(context.Background(), "o_bob")
	inv, err := e.store.Invites().ByInvitee(context.Background(), b.ID)
	if err != nil || inv.InviterID != alice.ID || inv.Channel != domain.ChannelLink {
		t.Fatalf("invite %+v err %v", inv, err)
	}
	if !strings.Contains(e.logs.String(), `"inviter_id":1`) {
		t.Fatal("invite link open not logged with inviter id")
	}
	if strings.Contains(e.logs.String(), alice.InviteCode) {
		t.Fatal("invite code logged")
	}
}

func TestInviteCookieExpiresAfterAnHour(t *testing.T) {
	e := newEnv(t, envOpt{})
	_, alice := e.loggedIn("o_alice", "Alice")
	bob := e.browser()
	e.get(bob, "/i/"+alice.InviteCode)
	e.clock.Advance(time.Hour + time.Second)
	e.login(bob, "o_bob", "Bob", "")
	b, _ := e.store.Users().ByOpenID(context.Background(), "o_bob")
	if _, err := e.store.Invites().ByInvitee(context.Background(), b.ID); err == nil {
		t.Fatal("an expired invite cookie still attributed the login")
	}
}

func TestInviteLinkUnknownCodeRecordsNothing(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.browser()
	r := e.get(c, "/i/aaaaaaaaaaaaa")
	if r.status != http.StatusFound || r.cookie[inviteCookie] == nil {
		t.Fatalf("shaped unknown code: status %d cookie %v", r.status, r.cookie[inviteCookie])
	}
	if l := e.login(c, "o_carol", "Carol", ""); l.status != http.StatusFound || l.header.Get("Location") != "/me" {
		t.Fatalf("login with unknown code: %d", l.status)
	}
	by, _ := e.store.Invites().CountByChannel(context.Background())
	if len(by) != 0 {
		t.Fatalf("invites recorded: %v", by)
	}
}

func TestInviteLinkMalformedCodeNotRemembered(t *testing.T) {
	e := newEnv(t, envOpt{})
	for _, code := range []string{"short", "AAAAAAAAAAAAA", "aaaaaaaaaaaa1", "aaaaaaaaaaaaaa"} {
		r := e.get(e.browser(), "/i/"+code)
		if r.status != http.StatusFound || r.header.Get("Location") != "/auth/wechat/login?next=/me" || r.cookie[inviteCookie] != nil {
			t.Fatalf("%q: status %d location %q cookie %v", code, r.status, r.header.Get("Location"), r.cookie[inviteCookie])
		}
	}
}

func TestInviteLinkExistingUserRecordsNothing(t *testing.T) {
	e := newEnv(t, envOpt{})
	_, alice := e.loggedIn("o_alice", "Alice")
	e.loggedIn("o_dave", "Dave") // Dave is known already
	// Logged in: straight to /me.
	dave, _ := e.loggedIn("o_dave", "Dave")
	if r := e.get(dave, "/i/"+alice.InviteCode); r.status != http.StatusFound || r.header.Get("Location") != "/me" {
		t.Fatalf("logged-in visitor: %d %q", r.status, r.header.Get("Location"))
	}
	// On a fresh browser: through login, still no invite.
	fresh := e.browser()
	e.get(fresh, "/i/"+alice.InviteCode)
	e.login(fresh, "o_dave", "Dave", "")
	d, _ := e.store.Users().ByOpenID(context.Background(), "o_dave")
	if _, err := e.store.Invites().ByInvitee(context.Background(), d.ID); err == nil {
		t.Fatal("an existing user was recorded as invited")
	}
}

func TestSelfInviteRecordsNothing(t *testing.T) {
	e := newEnv(t, envOpt{})
	alice, a := e.loggedIn("o_alice", "Alice")
	e.do(alice, "POST", "/auth/logout", map[string]string{"Origin": e.ts.URL}, nil)
	e.get(alice, "/i/"+a.InviteCode)
	e.login(alice, "o_alice", "Alice", "")
	if n, _ := e.store.Invites().CountByInviter(context.Background(), a.ID); n != 0 {
		t.Fatalf("self invite recorded: %d", n)
	}
}

func TestUnauthenticatedRequests(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.plain()
	for _, p := range []string{"/api/me", "/api/me/invitees", "/api/me/qrcode"} {
		e.wantAPIError(e.get(c, p), http.StatusUnauthorized, "unauthenticated")
	}
	for _, p := range []string{"/me", "/me/qrcode.png", "/me?cursor=x"} {
		r := e.get(c, p)
		if r.status != http.StatusFound || r.header.Get("Location") != "/auth/wechat/login?next=/me" {
			t.Fatalf("%s: %d %q", p, r.status, r.header.Get("Location"))
		}
	}
}

func TestForgedAndExpiredSessionsRejected(t *testing.T) {
	e := newEnv(t, envOpt{})
	c, u := e.loggedIn("o_alice", "Alice")
	other := newCookies([]byte("another-secret-another-secret-another"), false, time.Hour)
	forged, _ := other.session.Encode(sessionCookie, session{UID: int64(u.ID), SID: "x", IAT: e.clock.Now().Unix()})
	plainCodec := securecookie.New(deriveKey(testSecret, "cookie-hash"), nil) // signed but not encrypted
	plainCodec.SetSerializer(securecookie.JSONEncoder{})
	unencrypted, _ := plainCodec.Encode(sessionCookie, session{UID: int64(u.ID), SID: "x", IAT: e.clock.Now().Unix()})
	for name, v := range map[string]string{"garbage": "abc", "other secret": forged, "unencrypted": unencrypted} {
		e.wantAPIError(e.do(e.plain(), "GET", "/api/me", map[string]string{"Cookie": sessionCookie + "=" + v}, nil), 401, "unauthenticated")
		_ = name
	}
	// A session id for a user who does not exist: unauthenticated, not a 500.
	ghost, _ := e.srv.cookies.session.Encode(sessionCookie, session{UID: 999, SID: "g", IAT: e.clock.Now().Unix()})
	e.wantAPIError(e.do(e.plain(), "GET", "/api/me", map[string]string{"Cookie": sessionCookie + "=" + ghost}, nil), 401, "unauthenticated")
	if r := e.do(e.plain(), "GET", "/me", map[string]string{"Cookie": sessionCookie + "=" + ghost}, nil); r.status != http.StatusFound {
		t.Fatalf("ghost /me: %d", r.status)
	}
	// A genuine session past its TTL.
	e.clock.Advance(DefaultSessionTTL + time.Second)
	e.wantAPIError(e.get(c, "/api/me"), 401, "unauthenticated")
}

func TestLogoutRevokesSession(t *testing.T) {
	e := newEnv(t, envOpt{})
	c, _ := e.loggedIn("o_alice", "Alice")
	old := sessionValue(c, e.ts.URL)
	if old == "" {
		t.Fatal("no session cookie in jar")
	}
	r := e.do(c, "POST", "/auth/logout", map[string]string{"Origin": e.ts.URL}, nil)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("logout: %d %q", r.status, r.header.Get("Location"))
	}
	if ck := r.cookie[sessionCookie]; ck == nil || ck.MaxAge >= 0 {
		t.Fatalf("session cookie not deleted: %+v", ck)
	}
	e.wantAPIError(e.get(c, "/api/me"), 401, "unauthenticated")
	// The old value, replayed, is dead too.
	e.wantAPIError(e.do(e.plain(), "GET", "/api/me", map[string]string{"Cookie": sessionCookie + "=" + old}, nil), 401, "unauthenticated")
	// A new login works again.
	e.login(c, "o_alice", "Alice", "")
	if r := e.get(c, "/api/me"); r.status != 200 {
		t.Fatalf("relogin: %d", r.status)
	}
}

// Two instances behind a load balancer share the database: a logout on one ends the
// session on the other too, even for a copy of the cookie it has never seen revoked.
func TestLogoutEndsTheSessionOnEveryInstance(t *testing.T) {
	shared := memory.New()
	a := newEnv(t, envOpt{store: shared})
	b := newEnv(t, envOpt{store: shared})
	c, _ := a.loggedIn("o_alice", "Alice")
	old := sessionValue(c, a.ts.URL)
	replay := map[string]string{"Cookie": sessionCookie + "=" + old}
	if r := b.do(b.plain(), "GET", "/api/me", replay, nil); r.status != http.StatusOK {
		t.Fatalf("the session must work on the other instance before logout: %d", r.status)
	}
	if r := a.do(c, "POST", "/auth/logout", map[string]string{"Origin": a.ts.URL}, nil); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	b.wantAPIError(b.do(b.plain(), "GET", "/api/me", replay, nil), 401, "unauthenticated")
}

func TestLogoutRefusesCrossSitePosts(t *testing.T) {
	e := newEnv(t, envOpt{})
	c, _ := e.loggedIn("o_alice", "Alice")
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for name, h := range map[string]map[string]string{
		"evil origin":          {"Origin": "https://evil.com"},
		"null origin":          {"Origin": "null"},
		"evil referer":         {"Referer": "https://evil.com/page"},
		"lookalike origin":     {"Origin": e.ts.URL + ".evil.com"},
		"no origin, no token":  form,
		"no origin, bad token": form,
	} {
		body := ""
		if name == "no origin, bad token" {
			body = "csrf=deadbeef"
		}
		r := e.do(c, "POST", "/auth/logout", h, strings.NewReader(body))
		if r.status != http.StatusForbidden {
			t.Fatalf("%s: status %d", name, r.status)
		}
		if e.get(c, "/api/me").status != 200 {
			t.Fatalf("%s: session ended by a refused post", name)
		}
	}
	// Same-origin Referer works; so does the form token when a browser sends neither.
	var s session
	e.srv.cookies.session.Decode(sessionCookie, sessionValue(c, e.ts.URL), &s)
	tok := e.srv.cookies.csrfToken(s)
	if !strings.Contains(e.get(c, "/me").body, `value="`+tok+`"`) {
		t.Fatal("logout form lacks the csrf token")
	}
	r := e.do(c, "POST", "/auth/logout", form, strings.NewReader("csrf="+tok))
	if r.status != http.StatusSeeOther {
		t.Fatalf("token logout: %d", r.status)
	}
	c2, _ := e.loggedIn("o_bob", "Bob")
	if r := e.do(c2, "POST", "/auth/logout", map[string]string{"Referer": e.ts.URL + "/me"}, nil); r.status != http.StatusSeeOther {
		t.Fatalf("referer logout: %d", r.status)
	}
	if r := e.get(c2, "/auth/logout"); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET logout: %d", r.status)
	}
}

func TestExpirySetStaysBounded(t *testing.T) {
	s := newExpirySet(10)
	now := time.Unix(1000, 0)
	for i := 0; i < 100; i++ {
		s.add(string(rune('a'+i)), now.Add(time.Hour), now)
	}
	if s.len() > 10 {
		t.Fatalf("%d entries", s.len())
	}
	s.add("x", now.Add(time.Minute), now)
	if !s.has("x", now) || s.has("x", now.Add(time.Minute)) {
		t.Fatal("expiry not honoured")
	}
}
