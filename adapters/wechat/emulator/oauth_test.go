package emulator

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const redirectURI = "http://127.0.0.1:8080/auth/wechat/callback?next=%2Fme"

func authorizeQuery(appid, scope, state string) string {
	return url.Values{"appid": {appid}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {scope}, "state": {state}}.Encode()
}

// confirm posts the consent form as the given person and returns the
// code and state from the redirect.
func (h *harness) confirm(openid, scope, state string) (code string, cookies []*http.Cookie) {
	h.t.Helper()
	form := url.Values{"appid": {testAppID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {scope}, "state": {state}, "openid": {openid}, "action": {"allow"}}
	resp, err := h.http.PostForm(h.base+"/connect/oauth2/authorize/confirm", form)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("confirm: HTTP %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	if loc.Host != "127.0.0.1:8080" || loc.Path != "/auth/wechat/callback" || loc.Query().Get("next") != "/me" {
		h.t.Fatalf("redirect went to %s", loc)
	}
	if loc.Query().Get("state") != state {
		h.t.Fatalf("state = %q, want %q", loc.Query().Get("state"), state)
	}
	return loc.Query().Get("code"), resp.Cookies()
}

func (h *harness) exchange(code string) map[string]any {
	h.t.Helper()
	return h.get("/sns/oauth2/access_token?" + url.Values{"appid": {testAppID}, "secret": {testSecret}, "code": {code}, "grant_type": {"authorization_code"}}.Encode())
}

func TestOAuthAuthorizePage(t *testing.T) {
	h := newHarness(t, nil)
	h.emu.CreatePerson(PersonSpec{Nickname: "小明"})

	resp, err := h.http.Get(h.base + "/connect/oauth2/authorize?" + authorizeQuery(testAppID, "snsapi_userinfo", "abc123"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "小明") || !strings.Contains(string(body), "允许") {
		t.Fatalf("consent page: HTTP %d, body lacks person or 允许", resp.StatusCode)
	}
	if !strings.Contains(string(body), `action="/_emulator/connect/oauth2/authorize/confirm"`) {
		t.Fatal("consent form does not post under the mount")
	}

	for _, q := range []string{
		authorizeQuery("wxother", "snsapi_base", "s"),
		authorizeQuery(testAppID, "snsapi_login", "s"),
		strings.Replace(authorizeQuery(testAppID, "snsapi_base", "s"), "response_type=code", "response_type=token", 1),
	} {
		resp, err := h.http.Get(h.base + "/connect/oauth2/authorize?" + q)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "出错了") || strings.Contains(string(body), "Oops") {
			t.Fatalf("%s: HTTP %d, want the error page", q, resp.StatusCode)
		}
	}
}

func TestOAuthCodeLifecycle(t *testing.T) {
	h := newHarness(t, nil)
	p := h.emu.CreatePerson(PersonSpec{Nickname: "小红", UnionID: "oUnion_1234"})

	code, _ := h.confirm(p.OpenID, "snsapi_userinfo", "st8")
	m := h.exchange(code)
	if errcode(m) != 0 || m["openid"] != p.OpenID || m["scope"] != "snsapi_userinfo" || m["unionid"] != "oUnion_1234" || m["expires_in"].(float64) != 7200 {
		t.Fatalf("exchange: %v", m)
	}
	if _, ok := m["is_snapshotuser"]; ok {
		t.Fatal("is_snapshotuser present for a normal user")
	}
	if got := errcode(h.exchange(code)); got != ErrCodeOAuthCodeUsed {
		t.Fatalf("reused code: errcode %d, want 40163", got)
	}
	if got := errcode(h.exchange("nosuchcode")); got != ErrCodeInvalidOAuthCode {
		t.Fatalf("unknown code: errcode %d, want 40029", got)
	}
	late, _ := h.confirm(p.OpenID, "snsapi_userinfo", "st9")
	h.clock.Advance(5 * time.Minute)
	if got := errcode(h.exchange(late)); got != ErrCodeOAuthCodeExpired {
		t.Fatalf("5-minute-old code: errcode %d, want 42003", got)
	}
	fresh, _ := h.confirm(p.OpenID, "snsapi_userinfo", "st10")
	h.clock.Advance(5*time.Minute - time.Second)
	if got := errcode(h.exchange(fresh)); got != 0 {
		t.Fatalf("code 1 s before expiry: errcode %d", got)
	}

	// sns/userinfo with the userinfo token.
	at := m["access_token"].(string)
	info := h.get("/sns/userinfo?lang=zh_CN&" + url.Values{"access_token": {at}, "openid": {p.OpenID}}.Encode())
	if errcode(info) != 0 || info["nickname"] != "小红" || info["unionid"] != "oUnion_1234" || !strings.Contains(info["headimgurl"].(string), "/_emulator/avatar/") {
		t.Fatalf("sns/userinfo: %v", info)
	}
	if _, ok := info["privilege"].([]any); !ok {
		t.Fatalf("privilege not an array: %v", info)
	}
	if got := errcode(h.get("/sns/userinfo?" + url.Values{"access_token": {at}, "openid": {"other"}}.Encode())); got != ErrCodeInvalidOpenID {
		t.Fatalf("openid mismatch: errcode %d", got)
	}
}

func TestOAuthBaseScopeSilentAndSnapshot(t *testing.T) {
	h := newHarness(t, nil)
	p := h.emu.CreatePerson(PersonSpec{Nickname: "快照", UnionID: "oU_snap", Snapshot: true})

	code, cookies := h.confirm(p.OpenID, "snsapi_base", "b1")
	m := h.exchange(code)
	if m["is_snapshotuser"] != float64(1) {
		t.Fatalf("snapshot flag missing: %v", m)
	}
	if _, ok := m["unionid"]; ok {
		t.Fatal("unionid returned for snsapi_base")
	}
	if got := errcode(h.get("/sns/userinfo?" + url.Values{"access_token": {m["access_token"].(string)}, "openid": {p.OpenID}}.Encode())); got != ErrCodeAPIUnauthorized {
		t.Fatalf("userinfo with base scope: errcode %d, want 48001", got)
	}

	// The remembered person gets a silent redirect for snsapi_base.
	req, _ := http.NewRequest(http.MethodGet, h.base+"/connect/oauth2/authorize?"+authorizeQuery(testAppID, "snsapi_base", "b2"), nil)
	var found bool
	for _, c := range cookies {
		if c.Name == personCookieName {
			req.AddCookie(c)
			found = true
		}
	}
	if !found {
		t.Fatal("confirm did not remember the person in a cookie")
	}
	resp, err := h.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("code") == "" || loc.Query().Get("state") != "b2" {
		t.Fatalf("silent base: HTTP %d Location %s", resp.StatusCode, loc)
	}
	if m := h.exchange(loc.Query().Get("code")); m["openid"] != p.OpenID {
		t.Fatalf("silent code belongs to %v", m["openid"])
	}
}

func TestOAuthNewPersonAndDeny(t *testing.T) {
	h := newHarness(t, nil)
	form := url.Values{"appid": {testAppID}, "redirect_uri": {redirectURI}, "response_type": {"code"}, "scope": {"snsapi_userinfo"}, "state": {"n1"}, "openid": {"new"}, "nickname": {"新人"}, "unionid": {"oU_new"}, "action": {"allow"}}
	resp, err := h.http.PostForm(h.base+"/connect/oauth2/authorize/confirm", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	m := h.exchange(loc.Query().Get("code"))
	p, ok := h.emu.LookupPerson(m["openid"].(string))
	if !ok || p.Nickname != "新人" || p.UnionID != "oU_new" || len(p.OpenID) != 28 || p.OpenID[0] != 'o' {
		t.Fatalf("new person: %+v (%v)", p, m)
	}
	form.Set("action", "deny")
	resp, err = h.http.PostForm(h.base+"/connect/oauth2/authorize/confirm", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("code") != "" || loc.Query().Get("state") != "n1" {
		t.Fatalf("deny redirect: %s", loc)
	}
}
