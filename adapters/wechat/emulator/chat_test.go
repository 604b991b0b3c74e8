package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestMenuCreateLimits(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.classicToken()
	create := func(menu string) int {
		t.Helper()
		resp, err := http.Post(h.base+"/cgi-bin/menu/create?access_token="+url.QueryEscape(tok), "application/json", strings.NewReader(menu))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return errcode(m)
	}
	click := func(name string) string { return fmt.Sprintf(`{"type":"click","name":%q,"key":"k"}`, name) }
	tests := []struct {
		name, menu string
		want       int
	}{
		{"no buttons", `{"button":[]}`, ErrCodeMenuButtonCount},
		{"four buttons", `{"button":[` + click("a") + `,` + click("b") + `,` + click("c") + `,` + click("d") + `]}`, ErrCodeMenuButtonCount},
		{"name 17 bytes", `{"button":[` + click("我的海报我的海报x") + `]}`, ErrCodeMenuNameSize},
		{"six subs", `{"button":[{"name":"更多","sub_button":[` + strings.Repeat(click("s")+",", 5) + click("s") + `]}]}`, ErrCodeMenuSubButtonCount},
		{"sub name 61 bytes", `{"button":[{"name":"更多","sub_button":[` + click(strings.Repeat("x", 61)) + `]}]}`, ErrCodeMenuSubNameSize},
		{"key 129 bytes", `{"button":[{"type":"click","name":"a","key":"` + strings.Repeat("k", 129) + `"}]}`, ErrCodeMenuKeySize},
		{"view without url", `{"button":[{"type":"view","name":"a"}]}`, ErrCodeMenuURLSize},
		{"unknown type", `{"button":[{"type":"nope","name":"a"}]}`, ErrCodeMenuButtonType},
		{"valid", `{"button":[` + click("我的海报") + `,{"type":"view","name":"邀请进度","url":"http://127.0.0.1/me"}]}`, 0},
	}
	for _, tc := range tests {
		if got := create(tc.menu); got != tc.want {
			t.Errorf("%s: errcode %d, want %d", tc.name, got, tc.want)
		}
	}
	m := h.get("/cgi-bin/menu/get?access_token=" + url.QueryEscape(tok))
	buttons := m["menu"].(map[string]any)["button"].([]any)
	if len(buttons) != 2 || buttons[0].(map[string]any)["name"] != "我的海报" {
		t.Fatalf("menu/get = %v", m)
	}
	if got := h.get("/api/menu")["button"].([]any); len(got) != 2 {
		t.Errorf("/api/menu = %v", got)
	}
}

func TestMenuGetWithoutMenu(t *testing.T) {
	h := newHarness(t, nil)
	if got := errcode(h.get("/cgi-bin/menu/get?access_token=" + url.QueryEscape(h.classicToken()))); got != ErrCodeMenuMissing {
		t.Fatalf("errcode %d, want 46003", got)
	}
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (h *harness) upload(tok, typ string, data []byte) map[string]any {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("media", "poster.png")
	_, _ = fw.Write(data)
	_ = mw.Close()
	resp, err := http.Post(h.base+"/cgi-bin/media/upload?type="+typ+"&access_token="+url.QueryEscape(tok), mw.FormDataContentType(), &body)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return m
}

func TestMediaUpload(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.classicToken()
	img := pngBytes(t)
	m := h.upload(tok, "image", img)
	id, _ := m["media_id"].(string)
	if id == "" || m["type"] != "image" {
		t.Fatalf("upload = %v", m)
	}
	resp, err := http.Get(h.base + "/media/" + id)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, img) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("view: HTTP %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}
	for _, tc := range []struct {
		typ  string
		data []byte
		want int
	}{
		{"voice", img, ErrCodeInvalidMediaType},
		{"image", []byte("plain text, not an image"), ErrCodeInvalidFileType},
		{"image", append(append([]byte{}, img...), make([]byte, MaxImageBytes)...), ErrCodeInvalidMediaSize},
	} {
		if got := errcode(h.upload(tok, tc.typ, tc.data)); got != tc.want {
			t.Errorf("%s %d bytes: errcode %d, want %d", tc.typ, len(tc.data), got, tc.want)
		}
	}
	if n := h.emu.MediaCount(); n != 1 {
		t.Errorf("%d media stored, want 1", n)
	}
	h.clock.Advance(MediaLifetime)
	if h.emu.mediaValid(id) {
		t.Error("media still valid after 3 days")
	}
}

func (h *harness) kefu(tok, openid string, body map[string]any) int {
	h.t.Helper()
	body["touser"] = openid
	_, m := h.do(http.MethodPost, "/cgi-bin/message/custom/send?access_token="+url.QueryEscape(tok), body)
	return errcode(m)
}

func kefuText(s string) map[string]any {
	return map[string]any{"msgtype": "text", "text": map[string]any{"content": s}}
}

func TestKefuWindowsAndQuotas(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.classicToken()
	cb := newCallback(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ string) { _, _ = io.WriteString(w, "success") })
	h.emu.SetCallbackURL(cb.srv.URL)
	p := h.emu.CreatePerson(PersonSpec{Nickname: "小明"})
	if got := h.kefu(tok, p.OpenID, kefuText("hi")); got != ErrCodeKefuOutOfTime {
		t.Fatalf("no interaction yet: errcode %d, want 45015", got)
	}
	if _, err := h.emu.Follow(p.OpenID); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if got := h.kefu(tok, p.OpenID, kefuText(fmt.Sprint("after follow ", i))); got != 0 {
			t.Fatalf("send %d after follow: errcode %d", i, got)
		}
	}
	if got := h.kefu(tok, p.OpenID, kefuText("4th")); got != ErrCodeKefuQuota {
		t.Fatalf("4th within the minute: errcode %d, want 45047", got)
	}
	h.clock.Advance(time.Minute)
	if got := h.kefu(tok, p.OpenID, kefuText("late")); got != ErrCodeKefuOutOfTime {
		t.Fatalf("after a minute: errcode %d, want 45015", got)
	}
	if _, err := h.emu.SendMessage(p.OpenID, "海报"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(47 * time.Hour)
	tok = h.classicToken() // the first one expired long ago
	for i := range 5 {
		if got := h.kefu(tok, p.OpenID, kefuText(fmt.Sprint("after message ", i))); got != 0 {
			t.Fatalf("send %d after a message: errcode %d", i, got)
		}
	}
	if got := h.kefu(tok, p.OpenID, kefuText("6th")); got != ErrCodeKefuQuota {
		t.Fatalf("6th: errcode %d, want 45047", got)
	}
	if _, err := h.emu.ClickMenu(p.OpenID, "wxinvite.poster", "我的海报"); err != nil {
		t.Fatal(err)
	}
	if got := h.kefu(tok, p.OpenID, kefuText("after click")); got != 0 {
		t.Fatalf("after a click: errcode %d", got)
	}
	if _, err := h.emu.ViewMenu(p.OpenID, "http://127.0.0.1/me", "邀请进度"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	if got := h.kefu(tok, p.OpenID, kefuText("a VIEW opens nothing")); got != ErrCodeKefuQuota {
		t.Fatalf("after a VIEW only: errcode %d, want 45047 (the 48 h window is spent)", got)
	}
	if got := h.kefu(tok, p.OpenID, map[string]any{"msgtype": "image", "image": map[string]any{"media_id": "nope"}}); got != ErrCodeInvalidMediaID {
		t.Errorf("unknown media: errcode %d, want 40007", got)
	}
	chat, _ := h.emu.Chat(p.OpenID)
	kefu := 0
	for _, c := range chat {
		if c.Kefu {
			kefu++
		}
	}
	if kefu != 3+5+1 {
		t.Errorf("%d kefu messages in the chat, want 9", kefu)
	}
	counters := h.emu.Counters()
	if counters["kefu_45047"] != 3 || counters["kefu_45015"] != 2 {
		t.Errorf("refusal counters = %v", counters)
	}
}

func TestPassiveImageReplyIsShown(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.classicToken()
	id := h.upload(tok, "image", pngBytes(t))["media_id"].(string)
	media := id
	cb := newCallback(t, func(_ int, w http.ResponseWriter, _ *http.Request, body string) {
		open := strings.Index(body, "<FromUserName><![CDATA[") + len("<FromUserName><![CDATA[")
		user := body[open : open+strings.Index(body[open:], "]]>")]
		fmt.Fprintf(w, "<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA[%s]]></MediaId></Image></xml>", user, DefaultOriginalID, media)
	})
	h.emu.SetCallbackURL(cb.srv.URL)
	p := h.emu.CreatePerson(PersonSpec{})
	if _, err := h.emu.Follow(p.OpenID); err != nil {
		t.Fatal(err)
	}
	res, err := h.emu.SendMessage(p.OpenID, "海报")
	if err != nil || res.Status != StatusReplied || res.Reply.MediaID != id {
		t.Fatalf("reply = %+v, %v", res, err)
	}
	chat, _ := h.emu.Chat(p.OpenID)
	last := chat[len(chat)-1]
	if last.MsgType != "image" || last.MediaID != id || last.From != "account" {
		t.Fatalf("last chat entry = %+v", last)
	}
	media = "unknown-media"
	if res, _ := h.emu.SendMessage(p.OpenID, "海报"); res.Status != StatusInvalidReply {
		t.Errorf("an unknown MediaId must not show: %+v", res)
	}
}

func TestPersonActionsNeedAFollower(t *testing.T) {
	h := newHarness(t, nil)
	p := h.emu.CreatePerson(PersonSpec{})
	if code, _ := h.do(http.MethodPost, "/api/persons/"+p.OpenID+"/message", map[string]any{"content": "hi"}); code != http.StatusConflict {
		t.Errorf("message from a non-follower: HTTP %d, want 409", code)
	}
	if code, _ := h.do(http.MethodPost, "/api/persons/"+p.OpenID+"/click", map[string]any{}); code != http.StatusBadRequest {
		t.Errorf("click without key: HTTP %d, want 400", code)
	}
	if code, _ := h.do(http.MethodPost, "/api/persons/nobody/click", map[string]any{"key": "k"}); code != http.StatusNotFound {
		t.Errorf("unknown person: HTTP %d, want 404", code)
	}
}

func TestBackdatedFollowOpensNoWindowNow(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.classicToken()
	cb := newCallback(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ string) { _, _ = io.WriteString(w, "success") })
	h.emu.SetCallbackURL(cb.srv.URL)
	p := h.emu.CreatePerson(PersonSpec{})
	code, _ := h.do(http.MethodPost, "/api/persons/"+p.OpenID+"/follow", map[string]any{"create_time": h.clock.Now().Add(-2 * time.Minute).Unix()})
	if code != http.StatusOK {
		t.Fatalf("follow: HTTP %d", code)
	}
	if !strings.Contains(cb.all()[0].Body, fmt.Sprintf("<CreateTime>%d</CreateTime>", h.clock.Now().Add(-2*time.Minute).Unix())) {
		t.Errorf("push not backdated: %s", cb.all()[0].Body)
	}
	if got := h.kefu(tok, p.OpenID, kefuText("hi")); got != ErrCodeKefuOutOfTime {
		t.Errorf("kefu after a follow two minutes ago: errcode %d, want 45015", got)
	}
}
