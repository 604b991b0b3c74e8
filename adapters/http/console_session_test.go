package httpadapter

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/memory"
)

func TestConsoleHiddenWithoutAdminToken(t *testing.T) {
	e := newEnv(t, envOpt{})
	for _, p := range []string{"/admin/", "/admin/signin", "/admin/invites", "/admin/invites.csv"} {
		if r := e.get(e.browser(), p); r.status != http.StatusNotFound {
			t.Fatalf("%s: %d, want 404", p, r.status)
		}
	}
	if r := e.postForm(e.browser(), "/admin/signin", url.Values{"token": {""}}, nil); r.status != http.StatusNotFound {
		t.Fatalf("POST sign-in: %d", r.status)
	}
}

func TestConsolePagesNeedASession(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{})
	for path, want := range map[string]string{
		"/admin/":                    "/admin/signin?next=/admin/",
		"/admin/invites":             "/admin/signin?next=/admin/invites",
		"/admin/invites?cursor=abc":  "/admin/signin?next=/admin/invites%3Fcursor%3Dabc",
		"/admin/invites.csv":         "/admin/signin?next=/admin/invites.csv",
		"/admin":                     "/admin/",
		"/admin/signin?next=/admin/": "",
	} {
		r := e.get(e.browser(), path)
		if want == "" {
			wantConsolePage(t, r, `action="/admin/signin"`, `type="password"`)
			continue
		}
		if r.status/100 != 3 || r.header.Get("Location") != want {
			t.Fatalf("%s: %d %q, want redirect to %q", path, r.status, r.header.Get("Location"), want)
		}
	}
	if r := e.postForm(e.browser(), "/admin/signout", url.Values{}, nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/signin?next=/admin/" {
		t.Fatalf("signout without a session: %d %q", r.status, r.header.Get("Location"))
	}
}

func TestConsoleSignIn(t *testing.T) {
	e, sl := newConsoleEnv(t, envOpt{})
	c := e.browser()
	page := e.get(c, "/admin/signin?next=/admin/invites")
	wantConsolePage(t, page, `name="next" value="/admin/invites"`)
	pre := page.cookie[consolePreCookie]
	if pre == nil || !pre.HttpOnly || pre.SameSite != http.SameSiteStrictMode || pre.Path != "/admin/" {
		t.Fatalf("pre cookie %+v", pre)
	}
	r := e.postForm(c, "/admin/signin", url.Values{"token": {" " + consoleTestToken + " "}, "csrf": {csrfOf(t, page.body)}, "next": {"/admin/invites"}},
		map[string]string{"Origin": e.ts.URL})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/invites" {
		t.Fatalf("sign-in: %d %q", r.status, r.header.Get("Location"))
	}
	ck := r.cookie[consoleCookie]
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/admin/" ||
		ck.MaxAge != int(ConsoleSessionTTL/time.Second) || ck.Secure {
		t.Fatalf("session cookie %+v", ck)
	}
	if got := e.metricValue("wxinvite_console_signins_total", "result", "ok"); got != 1 {
		t.Fatalf("ok sign-ins %v", got)
	}
	if len(sl.all()) != 0 {
		t.Fatal("a right token was slowed down")
	}
	wantConsolePage(t, e.get(c, "/admin/invites"), "邀请记录")
	// Signed in, the sign-in page goes straight on.
	if r := e.get(c, "/admin/signin?next=/admin/invites"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/invites" {
		t.Fatalf("sign-in page while signed in: %d %q", r.status, r.header.Get("Location"))
	}
	// The user-side session is a different thing: it does not open the console.
	u, _ := e.loggedIn("o_alice", "Alice")
	if r := e.get(u, "/admin/"); r.status != http.StatusSeeOther {
		t.Fatalf("a user session opened the console: %d", r.status)
	}
}

func TestConsoleSecureCookieOnHTTPS(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{})
	e.srv.cookies.secure = true // as newServer sets it for an https PublicURL
	rec := &headerRecorder{h: http.Header{}}
	if err := e.srv.startConsoleSession(rec); err != nil {
		t.Fatal(err)
	}
	if sc := rec.h.Get("Set-Cookie"); !strings.Contains(sc, "Secure") || !strings.Contains(sc, "SameSite=Strict") || !strings.Contains(sc, "HttpOnly") {
		t.Fatalf("cookie %s", sc)
	}
}

func TestConsoleWrongTokenIsSlowedAndCounted(t *testing.T) {
	e, sl := newConsoleEnv(t, envOpt{})
	for i, tok := range []string{"", "nope", consoleTestToken + "x", strings.ToUpper(consoleTestToken)} {
		c := e.browser()
		page := e.get(c, "/admin/signin")
		r := e.postForm(c, "/admin/signin", url.Values{"token": {tok}, "csrf": {csrfOf(t, page.body)}}, nil)
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "令牌不正确") || r.cookie[consoleCookie] != nil {
			t.Fatalf("token %q: %d cookie %v", tok, r.status, r.cookie[consoleCookie])
		}
		if got := e.metricValue("wxinvite_console_signins_total", "result", "wrong_token"); got != float64(i+1) {
			t.Fatalf("token %q: wrong_token counter %v, want %d", tok, got, i+1)
		}
		if d := sl.all(); len(d) != i+1 || d[i] != consoleWrongTokenDelay {
			t.Fatalf("token %q: delays %v", tok, d)
		}
		if r := e.get(c, "/admin/"); r.status != http.StatusSeeOther {
			t.Fatalf("token %q opened the console: %d", tok, r.status)
		}
	}
}

func TestConsoleSignInRefusesForgedForms(t *testing.T) {
	e, sl := newConsoleEnv(t, envOpt{})
	for _, tc := range []struct {
		name   string
		csrf   func(real string) string
		noPre  bool
		origin string
	}{
		{name: "no token", csrf: func(string) string { return "" }},
		{name: "wrong token", csrf: func(string) string { return strings.Repeat("a", 32) }},
		{name: "no pre cookie", csrf: func(r string) string { return r }, noPre: true},
		{name: "cross-site origin", csrf: func(r string) string { return r }, origin: "https://evil.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.browser()
			page := e.get(c, "/admin/signin")
			if tc.noPre {
				c = e.browser()
			}
			hdr := map[string]string{}
			if tc.origin != "" {
				hdr["Origin"] = tc.origin
			}
			before := e.metricValue("wxinvite_console_signins_total", "result", "csrf")
			r := e.postForm(c, "/admin/signin", url.Values{"token": {consoleTestToken}, "csrf": {tc.csrf(csrfOf(t, page.body))}}, hdr)
			if r.status != http.StatusForbidden || r.cookie[consoleCookie] != nil {
				t.Fatalf("status %d cookie %v", r.status, r.cookie[consoleCookie])
			}
			if e.metricValue("wxinvite_console_signins_total", "result", "csrf") != before+1 {
				t.Fatal("csrf refusal not counted")
			}
		})
	}
	if len(sl.all()) != 0 {
		t.Fatal("a forged form was treated as a wrong token")
	}
	// Another browser's form token does not fit this browser's nonce.
	a, b := e.browser(), e.browser()
	pa, _ := e.get(a, "/admin/signin"), e.get(b, "/admin/signin")
	if r := e.postForm(b, "/admin/signin", url.Values{"token": {consoleTestToken}, "csrf": {csrfOf(t, pa.body)}}, nil); r.status != http.StatusForbidden {
		t.Fatalf("cross-browser token: %d", r.status)
	}
}

func TestConsolePostsNeedTheSessionToken(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{})
	c, tok := e.consoleSignIn()
	_, otherTok := e.consoleSignIn()
	if tok == otherTok {
		t.Fatal("two sessions share a csrf token")
	}
	for name, tc := range map[string]struct {
		form url.Values
		hdr  map[string]string
	}{
		"no token":           {url.Values{}, nil},
		"wrong token":        {url.Values{"csrf": {"deadbeef"}}, nil},
		"other session":      {url.Values{"csrf": {otherTok}}, nil},
		"cross-site, token":  {url.Values{"csrf": {tok}}, map[string]string{"Origin": "https://evil.example"}},
		"header, wrong only": {url.Values{}, map[string]string{"X-CSRF-Token": otherTok}},
	} {
		r := e.postForm(c, "/admin/signout", tc.form, tc.hdr)
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "请求已失效") {
			t.Fatalf("%s: %d", name, r.status)
		}
		if e.get(c, "/admin/").status != http.StatusOK {
			t.Fatalf("%s: the refused post ended the session", name)
		}
	}
	r := e.postForm(c, "/admin/signout", url.Values{"csrf": {tok}}, map[string]string{"Origin": e.ts.URL})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/signin" {
		t.Fatalf("sign-out: %d %q", r.status, r.header.Get("Location"))
	}
	if ck := r.cookie[consoleCookie]; ck == nil || ck.MaxAge >= 0 {
		t.Fatalf("cookie not deleted: %+v", ck)
	}
	if r := e.get(c, "/admin/"); r.status != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", r.status)
	}
	if r := e.get(c, "/admin/signout"); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("GET sign-out: %d", r.status)
	}
}

// Two instances share the database: signing out on one ends the session on the
// other, even for a copy of the cookie it has never seen revoked.
func TestConsoleSignOutEndsTheSessionOnEveryInstance(t *testing.T) {
	shared := memory.New()
	a, _ := newConsoleEnv(t, envOpt{store: shared})
	b, _ := newConsoleEnv(t, envOpt{store: shared})
	c, tok := a.consoleSignIn()
	replay := map[string]string{"Cookie": consoleCookie + "=" + consoleCookieOf(c, a.ts.URL)}
	if r := b.do(b.plain(), "GET", "/admin/", replay, nil); r.status != http.StatusOK {
		t.Fatalf("the session must work on the other instance first: %d", r.status)
	}
	if r := a.postForm(c, "/admin/signout", url.Values{"csrf": {tok}}, nil); r.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", r.status)
	}
	if r := b.do(b.plain(), "GET", "/admin/", replay, nil); r.status != http.StatusSeeOther {
		t.Fatalf("the other instance still honours the session: %d", r.status)
	}
}

func TestConsoleSessionLastsTwelveHours(t *testing.T) {
	e, _ := newConsoleEnv(t, envOpt{})
	c, _ := e.consoleSignIn()
	e.clock.Advance(ConsoleSessionTTL - time.Minute)
	if r := e.get(c, "/admin/"); r.status != http.StatusOK {
		t.Fatalf("before 12 h: %d", r.status)
	}
	e.clock.Advance(2 * time.Minute)
	if r := e.get(c, "/admin/"); r.status != http.StatusSeeOther {
		t.Fatalf("after 12 h: %d", r.status)
	}
}

func TestSafeConsoleNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "/admin/",
		"/admin/invites":        "/admin/invites",
		"/admin/invites?c=1":    "/admin/invites?c=1",
		"/me":                   "/admin/",
		"//evil.com/admin/":     "/admin/",
		"https://evil.com":      "/admin/",
		"/admin/api/stats":      "/admin/",
		"/admin/signin":         "/admin/",
		"/admin/signout":        "/admin/",
		"/admin/\\evil":         "/admin/",
		"/admin/%2F%2Fevil.com": "/admin/%2F%2Fevil.com", // a path here, not a host
	} {
		if got := safeConsoleNext(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
