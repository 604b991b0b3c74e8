package httpadapter

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxinvite/wxinvite/application"
)

func TestAPIMeShape(t *testing.T) {
	e := newEnv(t, envOpt{})
	alice, a := e.loggedIn("o_alice", "Alice")
	bob := e.browser()
	e.get(bob, "/i/"+a.InviteCode)
	e.login(bob, "o_bob", "Bob", "")

	want := sortedKeys("id", "openid", "nickname", "avatar_url", "invite_code", "invite_url", "invited_by", "invitee_count", "joined_at", "campaign")
	m := e.jsonOf(e.get(alice, "/api/me"))
	if keys(m) != want {
		t.Fatalf("keys %q, want %q", keys(m), want)
	}
	if m["id"] != float64(a.ID) || m["openid"] != "o_alice" || m["nickname"] != "Alice" || m["invite_code"] != a.InviteCode ||
		m["invite_url"] != e.ts.URL+"/i/"+a.InviteCode || m["invited_by"] != nil || m["invitee_count"] != float64(1) ||
		m["avatar_url"] != "http://thirdwx.qlogo.cn/mmopen/o_alice/132" {
		t.Fatalf("alice %v", m)
	}
	if ts, err := time.Parse(time.RFC3339, m["joined_at"].(string)); err != nil || ts.Location() != time.UTC || !strings.HasSuffix(m["joined_at"].(string), "Z") {
		t.Fatalf("joined_at %v: %v", m["joined_at"], err)
	}
	b := e.jsonOf(e.get(bob, "/api/me"))
	by, ok := b["invited_by"].(map[string]any)
	if !ok || keys(by) != "id,nickname" || by["id"] != float64(a.ID) || by["nickname"] != "Alice" || b["invitee_count"] != float64(0) {
		t.Fatalf("bob %v", b)
	}
	r := e.get(alice, "/api/me")
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", r.header)
	}
}

func TestAPIInviteesPagination(t *testing.T) {
	e := newEnv(t, envOpt{})
	alice, a := e.loggedIn("o_alice", "Alice")
	for i := 1; i <= 5; i++ {
		c := e.browser()
		e.get(c, "/i/"+a.InviteCode)
		e.login(c, fmt.Sprintf("o_friend%d", i), fmt.Sprintf("Friend%d", i), "")
	}
	var names []string
	cursor := ""
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatal("pagination does not end")
		}
		m := e.jsonOf(e.get(alice, "/api/me/invitees?limit=2&cursor="+url.QueryEscape(cursor)))
		if keys(m) != "items,next_cursor" {
			t.Fatalf("keys %q", keys(m))
		}
		items := m["items"].([]any)
		for _, it := range items {
			item := it.(map[string]any)
			if keys(item) != sortedKeys("id", "nickname", "channel", "joined_at", "status", "reason") || item["channel"] != "link" ||
				item["status"] != "counted" || item["reason"] != nil {
				t.Fatalf("item %v", item)
			}
			if _, err := time.Parse(time.RFC3339, item["joined_at"].(string)); err != nil {
				t.Fatal(err)
			}
			if _, ok := item["id"].(float64); !ok {
				t.Fatalf("id not a number: %v", item["id"])
			}
			names = append(names, item["nickname"].(string))
		}
		cursor = m["next_cursor"].(string)
		if cursor == "" {
			break
		}
		if len(items) != 2 {
			t.Fatalf("page %d has %d items and a next cursor", page, len(items))
		}
	}
	if got := strings.Join(names, ","); got != "Friend5,Friend4,Friend3,Friend2,Friend1" {
		t.Fatalf("order %s", got)
	}
	// Empty list is [] not null.
	friend, _ := e.loggedIn("o_friend1", "Friend1")
	if r := e.get(friend, "/api/me/invitees"); !strings.Contains(r.body, `"items":[]`) || !strings.Contains(r.body, `"next_cursor":""`) {
		t.Fatalf("empty: %s", r.body)
	}
}

func TestAPIBadQueryValues(t *testing.T) {
	e := newEnv(t, envOpt{})
	c, _ := e.loggedIn("o_alice", "Alice")
	for q, code := range map[string]string{
		"limit=abc":        "invalid_limit",
		"limit=1000":       "invalid_limit",
		"limit=-1":         "invalid_limit",
		"limit=1.5":        "invalid_limit",
		"cursor=garbage!!": "invalid_cursor",
		"cursor=Zm9v":      "invalid_cursor",
	} {
		e.wantAPIError(e.get(c, "/api/me/invitees?"+q), http.StatusBadRequest, code)
	}
	for _, q := range []string{"limit=0", "limit=100", "limit=", ""} {
		if r := e.get(c, "/api/me/invitees?"+q); r.status != 200 {
			t.Fatalf("%q: %d %s", q, r.status, r.body)
		}
	}
}

func TestAPIQRCodeShape(t *testing.T) {
	want := sortedKeys("kind", "scene", "ticket", "url", "image_url", "expires_at")
	t.Run("permanent", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		c, u := e.loggedIn("o_alice", "Alice")
		m := e.jsonOf(e.get(c, "/api/me/qrcode"))
		if keys(m) != want {
			t.Fatalf("keys %q", keys(m))
		}
		if m["kind"] != "permanent" || m["expires_at"] != nil || m["scene"] != "inv_"+u.InviteCode || m["ticket"] != "ticket-1" ||
			m["url"] != "http://weixin.qq.com/q/inv_"+u.InviteCode || m["image_url"] != e.qr.ImageURL("ticket-1") {
			t.Fatalf("%v", m)
		}
	})
	t.Run("temporary", func(t *testing.T) {
		p := application.DefaultQRPolicy
		p.PermanentQuota = 0
		e := newEnv(t, envOpt{policy: &p})
		c, _ := e.loggedIn("o_alice", "Alice")
		m := e.jsonOf(e.get(c, "/api/me/qrcode"))
		exp, ok := m["expires_at"].(string)
		if keys(m) != want || m["kind"] != "temporary" || !ok {
			t.Fatalf("%v", m)
		}
		if _, err := time.Parse(time.RFC3339, exp); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wechat down", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		c, _ := e.loggedIn("o_alice", "Alice")
		e.qr.setFail(true)
		e.wantAPIError(e.get(c, "/api/me/qrcode"), http.StatusServiceUnavailable, "wechat_unavailable")
	})
}

func TestQRCodePNGIsRenderedAndCached(t *testing.T) {
	e := newEnv(t, envOpt{})
	c, _ := e.loggedIn("o_alice", "Alice")
	r := e.get(c, "/me/qrcode.png")
	if r.status != 200 || r.header.Get("Content-Type") != "image/png" || r.header.Get("Cache-Control") != "private, max-age=3600" {
		t.Fatalf("status %d headers %v", r.status, r.header)
	}
	if !strings.HasPrefix(r.body, "\x89PNG\r\n\x1a\n") {
		t.Fatal("not a PNG")
	}
	img, err := png.Decode(bytes.NewReader([]byte(r.body)))
	if err != nil || img.Bounds().Dx() != qrSize {
		t.Fatalf("png %v err %v", img.Bounds(), err)
	}
	r2 := e.get(c, "/me/qrcode.png")
	if r2.body != r.body {
		t.Fatal("second image differs")
	}
	if n := e.qr.count(); n != 1 {
		t.Fatalf("WeChat called %d times", n)
	}
	if entries, renders := e.srv.qrcache.stats(); entries != 1 || renders != 1 {
		t.Fatalf("cache entries %d renders %d", entries, renders)
	}
}

func TestPNGCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newPNGCache(2)
	c.put("a", []byte("A"))
	c.put("b", []byte("B"))
	c.get("a")
	c.put("c", []byte("C"))
	if _, ok := c.get("b"); ok {
		t.Fatal("b should be evicted")
	}
	if _, ok := c.get("a"); !ok {
		t.Fatal("a was used recently")
	}
	if n, _ := c.stats(); n != 2 {
		t.Fatalf("%d entries", n)
	}
}

func TestQRCodeUnavailableKeepsPageWhole(t *testing.T) {
	e := newEnv(t, envOpt{})
	c, _ := e.loggedIn("o_alice", "Alice")
	e.qr.setFail(true)
	r := e.get(c, "/me/qrcode.png")
	if r.status != http.StatusServiceUnavailable || r.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(r.body, "\x89PNG") {
		t.Fatalf("status %d type %q", r.status, r.header.Get("Content-Type"))
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatal("failure placeholder is cacheable")
	}
	page := e.get(c, "/me")
	if page.status != 200 || !strings.Contains(page.body, "二维码暂时无法生成") || !strings.Contains(page.body, `src="/me/qrcode.png"`) {
		t.Fatalf("/me %d", page.status)
	}
	// WeChat back: the image works.
	e.qr.setFail(false)
	if r := e.get(c, "/me/qrcode.png"); r.status != 200 {
		t.Fatalf("after recovery: %d", r.status)
	}
}

func TestMePage(t *testing.T) {
	e := newEnv(t, envOpt{})
	alice, a := e.loggedIn("o_alice", "Alice")
	for i := 1; i <= application.DefaultPageSize+1; i++ {
		c := e.browser()
		e.get(c, "/i/"+a.InviteCode)
		e.login(c, fmt.Sprintf("o_f%d", i), fmt.Sprintf("F<%d>", i), "")
	}
	r := e.get(alice, "/me")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d", r.status)
	}
	for _, s := range []string{
		"Alice", e.ts.URL + "/i/" + a.InviteCode, "你是直接加入的", `<img id="invite-qr" src="/me/qrcode.png"`, "alt=",
		"F&lt;21&gt;", "更多", `action="/auth/logout"`, `method="post"`, "/static/app.css", "https://thirdwx.qlogo.cn/mmopen/o_alice/132",
		"data-copy", ">21<",
	} {
		if !strings.Contains(r.body, s) {
			t.Errorf("/me lacks %q", s)
		}
	}
	if strings.Contains(r.body, "F<21>") {
		t.Error("nickname not escaped")
	}
	if strings.Contains(r.body, "F&lt;1&gt;") {
		t.Error("first page shows the oldest invitee")
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("csp %q", csp)
	}
	i := strings.Index(r.body, `href="/me?cursor=`)
	if i < 0 {
		t.Fatal("no more link")
	}
	next := r.body[i+len(`href="`):]
	next = next[:strings.IndexByte(next, '"')]
	p2 := e.get(alice, strings.ReplaceAll(next, "&amp;", "&"))
	if p2.status != 200 || !strings.Contains(p2.body, "F&lt;1&gt;") || strings.Contains(p2.body, "F&lt;21&gt;") {
		t.Fatalf("page 2: %d", p2.status)
	}
	if r := e.get(alice, "/me?cursor=garbage!!"); r.status != http.StatusBadRequest {
		t.Fatalf("bad cursor: %d", r.status)
	}
	f, _ := e.loggedIn("o_f1", "F<1>")
	if body := e.get(f, "/me").body; !strings.Contains(body, "邀请人：Alice") || !strings.Contains(body, "还没有邀请到好友") {
		t.Fatal("invitee page lacks the inviter or the empty state")
	}
}

func TestStaticAndLanding(t *testing.T) {
	emu := Mount{Name: "emulator", Path: "/_emulator/", Prefix: true, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("emu")) })}
	e := newEnv(t, envOpt{mounts: []Mount{emu}})
	r := e.get(e.plain(), "/")
	if r.status != 200 || !strings.Contains(r.body, `href="/me"`) || !strings.Contains(r.body, `href="/_emulator/"`) {
		t.Fatalf("landing %d %s", r.status, r.body)
	}
	if r := e.get(e.plain(), "/_emulator/anything"); r.body != "emu" {
		t.Fatalf("emulator mount: %q", r.body)
	}
	css := e.get(e.plain(), "/static/app.css")
	if css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") || len(css.body) > 8192 {
		t.Fatalf("css %d %q %d bytes", css.status, css.header.Get("Content-Type"), len(css.body))
	}
	if r := e.get(e.plain(), "/static/app.js"); r.status != 200 {
		t.Fatalf("js %d", r.status)
	}
	if r := e.get(e.plain(), "/static/"); r.status != 404 {
		t.Fatalf("directory listing: %d", r.status)
	}
	plain := newEnv(t, envOpt{})
	if strings.Contains(plain.get(plain.plain(), "/").body, "_emulator") {
		t.Fatal("emulator linked without the mount")
	}
}
