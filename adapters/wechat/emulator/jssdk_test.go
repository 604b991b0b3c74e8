package emulator

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/adapters/wechat/wxcrypto"
)

func TestGetTicketAndConfigCheck(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.classicToken()
	if got := errcode(h.get("/cgi-bin/ticket/getticket?type=jsapi")); got != ErrCodeTokenMissing {
		t.Fatalf("no token: errcode %d", got)
	}
	if got := errcode(h.get("/cgi-bin/ticket/getticket?type=wx_card&access_token=" + url.QueryEscape(tok))); got != ErrCodeInvalidTicketType {
		t.Fatalf("wrong type: errcode %d", got)
	}
	m := h.get("/cgi-bin/ticket/getticket?type=jsapi&access_token=" + url.QueryEscape(tok))
	ticket, _ := m["ticket"].(string)
	if errcode(m) != 0 || ticket == "" || m["expires_in"] != float64(7200) {
		t.Fatalf("getticket = %v", m)
	}
	const page = "http://127.0.0.1:8080/me?x=1"
	good := JSConfig{AppID: testAppID, Timestamp: float64(1700000000), NonceStr: "abc", URL: page + "#frag",
		Signature: wxcrypto.JSSDKSignature(ticket, "abc", 1700000000, page)}
	tests := []struct {
		name string
		mod  func(c *JSConfig)
		want string
	}{
		{"good", func(*JSConfig) {}, ""},
		{"timestamp as a string", func(c *JSConfig) { c.Timestamp = "1700000000" }, ""},
		{"other appid", func(c *JSConfig) { c.AppID = "wxother" }, "config:invalid appid"},
		{"other page", func(c *JSConfig) { c.URL = "http://127.0.0.1:8080/me?x=2" }, "config:invalid signature"},
		{"other nonce", func(c *JSConfig) { c.NonceStr = "abd" }, "config:invalid signature"},
		{"unknown ticket", func(c *JSConfig) { c.Signature = wxcrypto.JSSDKSignature("nope", "abc", 1700000000, page) }, "config:invalid signature"},
	}
	for _, tc := range tests {
		c := good
		tc.mod(&c)
		if got := h.emu.CheckConfig(c); got != tc.want {
			t.Errorf("%s: CheckConfig = %q, want %q", tc.name, got, tc.want)
		}
	}
	h.clock.Advance(7201 * time.Second)
	if got := h.emu.CheckConfig(good); got != "config:invalid signature" {
		t.Errorf("expired ticket: CheckConfig = %q", got)
	}
}

// Switching the browser to another person puts the site cookies away and brings
// the other person's back.
func TestOpenSwitchesCookieJars(t *testing.T) {
	h := newHarness(t, nil)
	ming := h.emu.CreatePerson(PersonSpec{Nickname: "小明"})
	gang := h.emu.CreatePerson(PersonSpec{Nickname: "小刚"})
	open := func(openid string, cookies ...*http.Cookie) *http.Response {
		req, _ := http.NewRequest("GET", h.base+"/open?"+url.Values{"openid": {openid}, "url": {"/me"}}.Encode(), nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := h.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	set := func(resp *http.Response) map[string]string {
		out := map[string]string{}
		for _, c := range resp.Cookies() {
			if c.MaxAge < 0 {
				out[c.Name] = "<expired>"
			} else {
				out[c.Name] = c.Value
			}
		}
		return out
	}
	// 小明 is logged in to the site; the browser switches to 小刚.
	r := open(gang.OpenID, &http.Cookie{Name: personCookieName, Value: ming.OpenID}, &http.Cookie{Name: "wxinvite_session", Value: "ming-session"})
	if got := set(r); got["wxinvite_session"] != "<expired>" || got[personCookieName] != gang.OpenID {
		t.Fatalf("switch to 小刚 set %v, want the session expired and 小刚 selected", got)
	}
	// Back to 小明: his session returns; 小刚's (new) one is put away.
	r = open(ming.OpenID, &http.Cookie{Name: personCookieName, Value: gang.OpenID}, &http.Cookie{Name: "wxinvite_session", Value: "gang-session"})
	got := r.Header.Values("Set-Cookie")
	joined := strings.Join(got, "\n")
	if !strings.Contains(joined, "wxinvite_session=ming-session") {
		t.Fatalf("switch back to 小明 set %q, want his session back", got)
	}
	// Same person again: nothing moves.
	r = open(ming.OpenID, &http.Cookie{Name: personCookieName, Value: ming.OpenID}, &http.Cookie{Name: "wxinvite_session", Value: "ming-session"})
	if got := set(r); got["wxinvite_session"] != "" {
		t.Fatalf("reopening as the same person touched the session: %v", got)
	}
}

// Persons, chats, QR codes and tickets survive a restart with a state file.
func TestStateSurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "w.db.emulator.json")
	h := newHarness(t, func(c *Config) { c.StateFile = file })
	ming := h.emu.CreatePerson(PersonSpec{Nickname: "小明"})
	tok := h.classicToken()
	qr := h.createQR(tok, map[string]any{"action_name": "QR_STR_SCENE", "expire_seconds": 3600, "action_info": map[string]any{"scene": map[string]any{"scene_str": "inv_x"}}})
	ticket := h.get("/cgi-bin/ticket/getticket?type=jsapi&access_token=" + url.QueryEscape(tok))["ticket"].(string)
	h.emu.addChat(ming.OpenID, ChatEntry{From: "account", Text: "你好"})
	h.emu.Close()

	again, err := New(Config{AppID: testAppID, AppSecret: testSecret, Token: testToken, Now: h.clock.Now, StateFile: file, Logger: h.emu.cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if p, ok := again.LookupPerson(ming.OpenID); !ok || p.Nickname != "小明" || len(again.Persons()) != 1 {
		t.Fatalf("persons after restart: %+v", again.Persons())
	}
	if chat, _ := again.Chat(ming.OpenID); len(chat) != 1 || chat[0].Text != "你好" {
		t.Fatalf("chat after restart: %+v", chat)
	}
	again.mu.Lock()
	q := again.lookupQR(qr["url"].(string))
	again.mu.Unlock()
	if q == nil || q.SceneStr != "inv_x" {
		t.Fatalf("QR code %v unknown after restart", qr["url"])
	}
	page := "http://x/me"
	if msg := again.CheckConfig(JSConfig{AppID: testAppID, Timestamp: float64(1), NonceStr: "n", URL: page, Signature: wxcrypto.JSSDKSignature(ticket, "n", 1, page)}); msg != "" {
		t.Fatalf("ticket forgotten after restart: %s", msg)
	}
}

func TestShareLandsInTheFriendsChat(t *testing.T) {
	h := newHarness(t, nil)
	ming := h.emu.CreatePerson(PersonSpec{Nickname: "小明"})
	gang := h.emu.CreatePerson(PersonSpec{Nickname: "小刚"})
	if st, m := h.do("POST", "/api/persons/"+ming.OpenID+"/share", map[string]any{"to": gang.OpenID, "title": "小明邀请你", "link": "http://x/i/abc"}); st != 200 {
		t.Fatalf("share: %d %v", st, m)
	}
	chat, _ := h.emu.Chat(gang.OpenID)
	if len(chat) != 1 || chat[0].Card == nil || chat[0].Card.Link != "http://x/i/abc" || chat[0].Card.FromName != "小明" {
		t.Fatalf("小刚's chat: %+v", chat)
	}
	if st, _ := h.do("POST", "/api/persons/"+ming.OpenID+"/share", map[string]any{"to": "nobody", "link": "http://x"}); st != 404 {
		t.Fatalf("share to an unknown person: %d", st)
	}
}
