package httpadapter

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// attr returns the value of a data attribute of the #wx-share element.
func shareAttr(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`id="wx-share"[^>]*\s` + name + `="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("/me has no #wx-share %s:\n%s", name, body)
	}
	return html.UnescapeString(m[1])
}

// /me signs its own exact URL (public base + path + query) for wx.config, names the
// invite link as the card's link, loads the JS-SDK from the configured URL, and the
// CSP lets exactly that script host in.
func TestMeConfiguresTheJSSDK(t *testing.T) {
	const sdk = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
	e := newEnv(t, envOpt{jssdk: sdk})
	c, u := e.loggedIn("o_ann", "Ann")
	for _, path := range []string{"/me", "/me?cursor="} {
		r := e.get(c, path)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, r.status)
		}
		ts, _ := strconv.ParseInt(shareAttr(t, r.body, "data-timestamp"), 10, 64)
		nonce := shareAttr(t, r.body, "data-nonce-str")
		want := jssdkSign("fake-ticket", nonce, ts, e.ts.URL+path)
		if got := shareAttr(t, r.body, "data-signature"); got != want || len(nonce) < 16 || ts != e.clock.Now().Unix() {
			t.Fatalf("GET %s: signature %s (nonce %q, ts %d), want %s over %s", path, got, nonce, ts, want, e.ts.URL+path)
		}
		if link := shareAttr(t, r.body, "data-link"); link != e.ts.URL+"/i/"+u.InviteCode {
			t.Fatalf("card link %q, want the invite link", link)
		}
		if title := shareAttr(t, r.body, "data-title"); !strings.Contains(title, "Ann") {
			t.Fatalf("card title %q does not name the inviter", title)
		}
		if img := shareAttr(t, r.body, "data-img-url"); img != httpsAvatar(u.AvatarURL) || !strings.HasPrefix(img, "https://") {
			t.Fatalf("card image %q", img)
		}
		if !strings.Contains(r.body, `<script src="`+sdk+`" defer></script>`) || !strings.Contains(r.body, `<script src="/static/share.js" defer></script>`) {
			t.Fatalf("GET %s does not load the JS-SDK and share.js", path)
		}
		if strings.Contains(r.body, "<script>") {
			t.Fatal("inline script on /me")
		}
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self' https://res.wx.qq.com;") {
			t.Fatalf("CSP %q does not allow the JS-SDK host", csp)
		}
	}
	if img := e.get(e.plain(), "/static/share.png"); img.status != 200 || img.header.Get("Content-Type") != "image/png" {
		t.Fatalf("share image: %d %s", img.status, img.header.Get("Content-Type"))
	}
}

// Without a JS-SDK configured, /me has no share card and the CSP stays self-only.
func TestMeWithoutJSSDK(t *testing.T) {
	e := newEnv(t, envOpt{})
	c, _ := e.loggedIn("o_ann", "Ann")
	r := e.get(c, "/me")
	if strings.Contains(r.body, "wx-share") || strings.Contains(r.body, "share.js") {
		t.Fatal("share card without a JS-SDK")
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self';") {
		t.Fatalf("CSP %q", csp)
	}
}

// A user who does not follow sees the follow prompt with a QR code the in-WeChat
// browser can recognise; a follower does not.
func TestFollowPrompt(t *testing.T) {
	e := newEnv(t, envOpt{})
	c, u := e.loggedIn("o_ann", "Ann")
	r := e.get(c, "/me")
	if !strings.Contains(r.body, `id="follow-prompt"`) || !regexp.MustCompile(`class="follow-qr"[^>]*data-wx-qr="https?://[^"]+"`).MatchString(r.body) {
		t.Fatalf("no follow prompt with a recognisable QR code for a non-follower:\n%s", r.body)
	}
	if _, err := e.store.Users().SetFollowing(context.Background(), u.ID, true, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if r := e.get(c, "/me"); strings.Contains(r.body, `id="follow-prompt"`) {
		t.Fatal("follow prompt shown to a follower")
	}
}

// Unknown pages and wrong methods get the product's own Chinese page.
func TestNotFoundPageIsOurs(t *testing.T) {
	e := newEnv(t, envOpt{})
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/nope", 404},
		{"GET", "/static/nope.css", 404},
		{"GET", "/static/", 404},
		{"DELETE", "/me", 405},
	} {
		r := e.do(e.plain(), tc.method, tc.path, nil, nil)
		if r.status != tc.status || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(r.body, `lang="zh-CN"`) || !strings.Contains(r.body, `name="viewport"`) || !strings.Contains(r.body, "返回首页") {
			t.Errorf("%s %s: %d %s\n%s", tc.method, tc.path, r.status, r.header.Get("Content-Type"), r.body)
		}
	}
}

// The emulator phone polls every 5 s: its successful reads are logged at debug,
// everything else at info.
func TestEmulatorPollingNotAtInfo(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	e := newEnv(t, envOpt{mounts: []Mount{{Name: "emulator", Path: "/_emulator/", Prefix: true, Handler: ok}}})
	e.get(e.plain(), "/_emulator/api/persons/o_x/chat")
	e.get(e.plain(), "/healthz")
	var levels []string
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		if strings.Contains(line, `"msg":"http request"`) {
			levels = append(levels, regexp.MustCompile(`"level":"(\w+)"`).FindStringSubmatch(line)[1])
		}
	}
	if strings.Join(levels, ",") != "DEBUG,INFO" {
		t.Fatalf("access log levels %v, want the emulator poll at DEBUG and /healthz at INFO", levels)
	}
}
